//! `passa check`: working-time rules over a JSON file of people and shifts.
//!
//! The JSON is read here, at the edge, into the rules crate's types; every problem names
//! the field (`shifts[3].start`) so the file can be fixed.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;

use jiff::Timestamp;
use jiff::civil::{DateTime, Time, Weekday};
use jiff::tz::{AmbiguousOffset, TimeZone};
use passa_rules::{
    Contract, PersonSchedule, Profile, Rules, Settings, Shift, ShiftKind, Violation,
};
use serde_json::{Map, Value, json};

use crate::BadInput;

/// What `passa check` found, for the exit code: 0 none, 1 violations.
pub struct Outcome {
    pub violations: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Json,
    Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    Sv,
    En,
}

fn bad(field: impl std::fmt::Display, problem: impl std::fmt::Display) -> anyhow::Error {
    BadInput(format!("{field}: {problem}")).into()
}

fn get<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.get(key).filter(|v| !v.is_null())
}

fn str_field<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
    path: &str,
) -> anyhow::Result<Option<&'a str>> {
    match get(obj, key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(bad(format!("{path}{key}"), "must be a string")),
    }
}

fn bool_field(obj: &Map<String, Value>, key: &str, path: &str) -> anyhow::Result<bool> {
    match get(obj, key) {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(bad(format!("{path}{key}"), "must be true or false")),
    }
}

fn number_field(obj: &Map<String, Value>, key: &str, path: &str) -> anyhow::Result<Option<f64>> {
    match get(obj, key) {
        None => Ok(None),
        Some(v) => v
            .as_f64()
            .filter(|n| n.is_finite() && *n >= 0.0)
            .map(Some)
            .ok_or_else(|| bad(format!("{path}{key}"), "must be a number, 0 or more")),
    }
}

fn clock(s: &str, field: &str) -> anyhow::Result<Time> {
    s.parse::<Time>()
        .map_err(|_| bad(field, format!("{s:?} is not a clock time like 07:00")))
}

/// A time with an offset is an instant; one without is wall-clock in `tz`, and must exist
/// there exactly once.
fn instant(s: &str, tz: &TimeZone, tz_name: &str, field: &str) -> anyhow::Result<i64> {
    if let Ok(t) = s.parse::<Timestamp>() {
        return Ok(t.as_second());
    }
    let dt: DateTime = s.parse().map_err(|_| {
        bad(
            field,
            format!("{s:?} is not a date and time like 2026-03-28T22:00 or 2026-10-25T02:30+02:00"),
        )
    })?;
    let ambiguous = tz.to_ambiguous_timestamp(dt);
    match ambiguous.offset() {
        AmbiguousOffset::Unambiguous { .. } => ambiguous
            .compatible()
            .map(Timestamp::as_second)
            .map_err(|e| bad(field, e)),
        AmbiguousOffset::Gap { .. } => Err(bad(
            field,
            format!("{s} does not exist in {tz_name}: the clocks jump forward over it"),
        )),
        AmbiguousOffset::Fold { .. } => Err(bad(
            field,
            format!(
                "{s} happens twice in {tz_name} (the clocks go back): add the offset, e.g. {s}+02:00 or {s}+01:00"
            ),
        )),
    }
}

struct Person {
    id: String,
    contract: Contract,
}

struct Input {
    tz: TimeZone,
    settings: Settings,
    people: Vec<Person>,
    shifts: Vec<(usize, Shift)>,
}

fn parse(text: &str) -> anyhow::Result<Input> {
    let root: Value =
        serde_json::from_str(text).map_err(|e| BadInput(format!("not valid JSON: {e}")))?;
    let Value::Object(root) = root else {
        return Err(BadInput("the input must be a JSON object".into()).into());
    };
    let tz_name = str_field(&root, "timezone", "")?.unwrap_or("Europe/Stockholm");
    let tz = TimeZone::get(tz_name)
        .map_err(|_| bad("timezone", format!("{tz_name:?} is not a known time zone")))?;
    let profile = match str_field(&root, "profile", "")? {
        None => Profile::Ab,
        Some(p) => Profile::parse(p).ok_or_else(|| {
            bad(
                "profile",
                format!("{p:?} is not a profile; use \"atl\" or \"ab\""),
            )
        })?,
    };
    let mut settings = Settings::for_profile(profile);
    if let Some(db) = str_field(&root, "day_break", "")? {
        settings.day_break = clock(db, "day_break")?;
    }
    if let Some(local) = get(&root, "settings") {
        apply_settings(&mut settings, local)?;
    }

    let people_value = get(&root, "people").ok_or_else(|| bad("people", "is missing"))?;
    let Value::Array(people_list) = people_value else {
        return Err(bad("people", "must be a list"));
    };
    let mut people = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (i, p) in people_list.iter().enumerate() {
        let path = format!("people[{i}].");
        let Value::Object(p) = p else {
            return Err(bad(format!("people[{i}]"), "must be an object"));
        };
        let id = match get(p, "id") {
            Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err(bad(format!("{path}id"), "must be a non-empty string")),
        };
        let weekly_minutes = number_field(p, "weekly_hours", &path)?
            .map(|h| {
                if h > 168.0 {
                    Err(bad(format!("{path}weekly_hours"), "must be at most 168"))
                } else {
                    Ok((h * 60.0).round() as i64)
                }
            })
            .transpose()?;
        let contract = Contract {
            weekly_minutes,
            night_worker: bool_field(p, "night_worker", &path)?,
        };
        if index.insert(id.clone(), people.len()).is_some() {
            return Err(bad(format!("{path}id"), format!("{id:?} appears twice")));
        }
        people.push(Person { id, contract });
    }

    let shifts_value = get(&root, "shifts").ok_or_else(|| bad("shifts", "is missing"))?;
    let Value::Array(shift_list) = shifts_value else {
        return Err(bad("shifts", "must be a list"));
    };
    let mut shifts = Vec::new();
    for (i, s) in shift_list.iter().enumerate() {
        let path = format!("shifts[{i}].");
        let Value::Object(s) = s else {
            return Err(bad(format!("shifts[{i}]"), "must be an object"));
        };
        let person = match get(s, "person") {
            Some(Value::String(p)) => p.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err(bad(format!("{path}person"), "is missing")),
        };
        let owner = *index.get(&person).ok_or_else(|| {
            bad(
                format!("{path}person"),
                format!("no person with id {person:?} in people"),
            )
        })?;
        let start = str_field(s, "start", &path)?
            .ok_or_else(|| bad(format!("{path}start"), "is missing"))?;
        let end =
            str_field(s, "end", &path)?.ok_or_else(|| bad(format!("{path}end"), "is missing"))?;
        let start = instant(start, &tz, tz_name, &format!("{path}start"))?;
        let end = instant(end, &tz, tz_name, &format!("{path}end"))?;
        if end <= start {
            return Err(bad(format!("{path}end"), "must be after the start"));
        }
        let kind = match str_field(s, "kind", &path)? {
            None | Some("work") => ShiftKind::Work,
            Some("oncall") => ShiftKind::OnCall,
            Some("standby") => ShiftKind::Standby,
            Some(other) => {
                return Err(bad(
                    format!("{path}kind"),
                    format!("{other:?} is not a kind; use work, oncall or standby"),
                ));
            }
        };
        let mut breaks = Vec::new();
        match get(s, "breaks") {
            None => {}
            Some(Value::Array(list)) => {
                for (j, b) in list.iter().enumerate() {
                    let bpath = format!("{path}breaks[{j}].");
                    let Value::Object(b) = b else {
                        return Err(bad(format!("{path}breaks[{j}]"), "must be an object"));
                    };
                    let bs = str_field(b, "start", &bpath)?
                        .ok_or_else(|| bad(format!("{bpath}start"), "is missing"))?;
                    let be = str_field(b, "end", &bpath)?
                        .ok_or_else(|| bad(format!("{bpath}end"), "is missing"))?;
                    let bs = instant(bs, &tz, tz_name, &format!("{bpath}start"))?;
                    let be = instant(be, &tz, tz_name, &format!("{bpath}end"))?;
                    if be <= bs {
                        return Err(bad(format!("{bpath}end"), "must be after the start"));
                    }
                    if bs < start || be > end {
                        return Err(bad(
                            format!("{path}breaks[{j}]"),
                            "must lie inside the shift",
                        ));
                    }
                    breaks.push((secs(bs), secs(be)));
                }
            }
            Some(_) => return Err(bad(format!("{path}breaks"), "must be a list")),
        }
        let shift = Shift::new(i as u64, secs(start), secs(end), kind, &breaks)
            .planned_exception(bool_field(s, "planned_exception", &path)?);
        shifts.push((owner, shift));
    }
    Ok(Input {
        tz,
        settings,
        people,
        shifts,
    })
}

fn secs(s: i64) -> Timestamp {
    Timestamp::from_second(s).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Local settings on top of the profile: `monthly_cap_hours`, `week_start`,
/// `ordinary_averaging_weeks`, `total_averaging_weeks`, and any limit as `<name>_minutes`.
fn apply_settings(settings: &mut Settings, value: &Value) -> anyhow::Result<()> {
    let Value::Object(map) = value else {
        return Err(bad("settings", "must be an object"));
    };
    for (key, v) in map {
        let field = format!("settings.{key}");
        let minutes = || -> anyhow::Result<i64> {
            v.as_f64()
                .filter(|n| n.is_finite() && *n >= 0.0)
                .map(|n| n.round() as i64)
                .ok_or_else(|| bad(&field, "must be a number, 0 or more"))
        };
        let weeks = || -> anyhow::Result<u32> {
            v.as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .filter(|n| (1..=52).contains(n))
                .ok_or_else(|| bad(&field, "must be a whole number of weeks, 1 to 52"))
        };
        match key.as_str() {
            "monthly_cap_hours" => {
                settings.monthly_cap = if v.is_null() {
                    None
                } else {
                    Some(
                        (v.as_f64()
                            .filter(|n| n.is_finite() && *n > 0.0)
                            .ok_or_else(|| bad(&field, "must be a number of hours"))?
                            * 60.0)
                            .round() as i64,
                    )
                }
            }
            "week_start" => {
                let name = v
                    .as_str()
                    .ok_or_else(|| bad(&field, "must be a weekday name"))?;
                settings.week_start = weekday(name)
                    .ok_or_else(|| bad(&field, format!("{name:?} is not a weekday")))?;
            }
            "ordinary_averaging_weeks" => settings.ordinary_averaging_weeks = weeks()?,
            "total_averaging_weeks" => settings.total_averaging_weeks = weeks()?,
            "daily_rest_minutes" => settings.daily_rest = minutes()?,
            "max_work_per_day_minutes" => settings.max_work_per_day = minutes()?,
            "weekly_rest_minutes" => settings.weekly_rest = minutes()?,
            "max_work_without_break_minutes" => settings.max_work_without_break = minutes()?,
            "full_time_week_minutes" => settings.full_time_week = minutes()?,
            "overtime_per_4_weeks_minutes" => settings.overtime_per_4_weeks = minutes()?,
            "total_per_week_minutes" => settings.total_per_week = minutes()?,
            "night_worker_per_day_minutes" => settings.night_worker_per_day = minutes()?,
            "max_work_with_oncall_minutes" => settings.max_work_with_oncall = minutes()?,
            "planned_exception_rest_minutes" => {
                settings.planned_exception_rest = if v.is_null() { None } else { Some(minutes()?) }
            }
            "weekly_rest_apart_from_daily_rest" => {
                settings.weekly_rest_apart_from_daily_rest = v
                    .as_bool()
                    .ok_or_else(|| bad(&field, "must be true or false"))?;
            }
            _ => return Err(bad(&field, "is not a setting Passa knows")),
        }
    }
    Ok(())
}

fn weekday(name: &str) -> Option<Weekday> {
    Some(match name.trim().to_ascii_lowercase().as_str() {
        "monday" | "måndag" => Weekday::Monday,
        "tuesday" | "tisdag" => Weekday::Tuesday,
        "wednesday" | "onsdag" => Weekday::Wednesday,
        "thursday" | "torsdag" => Weekday::Thursday,
        "friday" | "fredag" => Weekday::Friday,
        "saturday" | "lördag" => Weekday::Saturday,
        "sunday" | "söndag" => Weekday::Sunday,
        _ => return None,
    })
}

fn rfc3339(t: Timestamp, tz: &TimeZone) -> String {
    t.to_zoned_datetime(tz.clone())
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// Runs the check on the JSON text and writes the result.
pub fn run(
    text: &str,
    format: Format,
    lang: Lang,
    out: &mut impl Write,
) -> anyhow::Result<Outcome> {
    let input = parse(text)?;
    let rules = Arc::new(Rules::new(input.settings.clone(), input.tz.clone()));
    let mut found: Vec<(usize, Violation)> = Vec::new();
    for (i, person) in input.people.iter().enumerate() {
        let mut schedule = PersonSchedule::new(rules.clone(), person.contract);
        for (_, s) in input.shifts.iter().filter(|(owner, _)| *owner == i) {
            schedule.insert(s.clone());
        }
        found.extend(schedule.check_all().into_iter().map(|v| (i, v)));
    }
    match format {
        Format::Json => {
            let list: Vec<Value> = found
                .iter()
                .map(|(i, v)| {
                    let words = rules.explain(v);
                    json!({
                        "rule": v.rule.as_str(),
                        "person": input.people[*i].id,
                        "start": rfc3339(v.start(), &input.tz),
                        "end": rfc3339(v.end(), &input.tz),
                        "measured_minutes": v.measured_minutes,
                        "limit_minutes": v.limit_minutes,
                        "message_sv": words.sv,
                        "message_en": words.en,
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &json!({ "violations": list }))?;
            writeln!(out)?;
        }
        Format::Text => {
            if found.is_empty() {
                let none = match lang {
                    Lang::Sv => "Inga regelbrott.",
                    Lang::En => "No violations.",
                };
                writeln!(out, "{none}")?;
            }
            let local = |t: Timestamp| {
                t.to_zoned_datetime(input.tz.clone())
                    .strftime("%Y-%m-%d %H:%M")
                    .to_string()
            };
            let rows: Vec<[String; 6]> = found
                .iter()
                .map(|(i, v)| {
                    [
                        input.people[*i].id.clone(),
                        v.rule.as_str().to_owned(),
                        format!("{}–{}", local(v.start()), local(v.end())),
                        format!("{} / {}", v.measured_minutes, v.limit_minutes),
                        match lang {
                            Lang::Sv => rules.explain(v).sv,
                            Lang::En => rules.explain(v).en,
                        },
                        String::new(),
                    ]
                })
                .collect();
            if !rows.is_empty() {
                let header = match lang {
                    Lang::Sv => ["person", "regel", "period", "min / gräns", "förklaring"],
                    Lang::En => ["person", "rule", "window", "min / limit", "explanation"],
                };
                let width = |c: usize| {
                    rows.iter()
                        .map(|r| r[c].chars().count())
                        .chain([header[c].chars().count()])
                        .max()
                        .unwrap_or(0)
                };
                let widths = [width(0), width(1), width(2), width(3)];
                let line = |cells: [&str; 5]| {
                    format!(
                        "{:w0$}  {:w1$}  {:w2$}  {:w3$}  {}",
                        cells[0],
                        cells[1],
                        cells[2],
                        cells[3],
                        cells[4],
                        w0 = widths[0],
                        w1 = widths[1],
                        w2 = widths[2],
                        w3 = widths[3]
                    )
                };
                writeln!(out, "{}", line(header))?;
                for r in &rows {
                    writeln!(out, "{}", line([&r[0], &r[1], &r[2], &r[3], &r[4]]))?;
                }
            }
        }
    }
    Ok(Outcome {
        violations: found.len(),
    })
}
