//! The Curtois & Qu text format (schedulingbenchmarks.org "Instance1..24"), and rosters as
//! `EmployeeID,s0,s1,…` lines.

use std::collections::HashMap;

use crate::{Cover, Employee, Problem, Request, Roster, ShiftType};

/// Where and why an instance or roster did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct ParseError {
    pub line: usize,
    pub reason: String,
}

fn err(line: usize, reason: impl Into<String>) -> ParseError {
    ParseError {
        line,
        reason: reason.into(),
    }
}

fn num<T: std::str::FromStr>(s: &str, line: usize, what: &str) -> Result<T, ParseError> {
    s.trim()
        .parse()
        .map_err(|_| err(line, format!("{what} {:?} is not a number", s.trim())))
}

/// Reads an instance. CRLF or LF line endings; `#` comments; sections end at a blank line.
pub fn parse_instance(text: &str) -> Result<Problem, ParseError> {
    let mut sections: HashMap<&str, Vec<(usize, Vec<&str>)>> = HashMap::new();
    let mut current: Option<&str> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r').trim();
        let n = i + 1;
        if line.starts_with('#') {
            continue;
        }
        if line.is_empty() {
            current = None;
            continue;
        }
        if line.starts_with("SECTION_") {
            current = Some(line);
            sections.entry(line).or_default();
            continue;
        }
        let Some(section) = current else {
            return Err(err(n, "data outside a section"));
        };
        sections
            .entry(section)
            .or_default()
            .push((n, line.split(',').map(str::trim).collect()));
    }
    let section = |name: &str| sections.get(name).map(Vec::as_slice).unwrap_or(&[]);

    let days: usize = match section("SECTION_HORIZON").first() {
        Some((n, f)) => num(f[0], *n, "horizon")?,
        None => return Err(err(0, "no SECTION_HORIZON")),
    };
    let mut shift_index: HashMap<String, usize> = HashMap::new();
    for (i, (n, f)) in section("SECTION_SHIFTS").iter().enumerate() {
        if shift_index.insert(f[0].to_owned(), i).is_some() {
            return Err(err(*n, format!("shift {} appears twice", f[0])));
        }
    }
    let mut shift_types = Vec::new();
    for (n, f) in section("SECTION_SHIFTS") {
        if f.len() < 2 {
            return Err(err(*n, "a shift needs an id and a length"));
        }
        let cannot_follow = f
            .get(2)
            .map(|list| {
                list.split('|')
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| {
                        shift_index
                            .get(s.trim())
                            .copied()
                            .ok_or_else(|| err(*n, format!("unknown shift {s:?}")))
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?
            .unwrap_or_default();
        shift_types.push(ShiftType {
            id: f[0].to_owned(),
            minutes: num(f[1], *n, "length")?,
            cannot_follow,
        });
    }
    let shift_of = |s: &str, n: usize| {
        shift_index
            .get(s)
            .copied()
            .ok_or_else(|| err(n, format!("unknown shift {s:?}")))
    };

    let mut employees = Vec::new();
    let mut employee_index: HashMap<String, usize> = HashMap::new();
    for (n, f) in section("SECTION_STAFF") {
        if f.len() < 8 {
            return Err(err(*n, "a staff row has 8 fields"));
        }
        let mut max_shifts = vec![0; shift_types.len()];
        for pair in f[1].split('|').filter(|p| !p.is_empty()) {
            let (s, m) = pair
                .split_once('=')
                .ok_or_else(|| err(*n, format!("{pair:?} is not SHIFT=MAX")))?;
            max_shifts[shift_of(s.trim(), *n)?] = num(m, *n, "max shifts")?;
        }
        employee_index.insert(f[0].to_owned(), employees.len());
        employees.push(Employee {
            id: f[0].to_owned(),
            max_shifts,
            max_minutes: num(f[2], *n, "max minutes")?,
            min_minutes: num(f[3], *n, "min minutes")?,
            max_consecutive: num(f[4], *n, "max consecutive shifts")?,
            min_consecutive: num(f[5], *n, "min consecutive shifts")?,
            min_days_off: num(f[6], *n, "min consecutive days off")?,
            max_weekends: num(f[7], *n, "max weekends")?,
            days_off: vec![false; days],
        });
    }
    let employee_of = |s: &str, n: usize| {
        employee_index
            .get(s)
            .copied()
            .ok_or_else(|| err(n, format!("unknown employee {s:?}")))
    };
    for (n, f) in section("SECTION_DAYS_OFF") {
        let e = employee_of(f[0], *n)?;
        for d in f[1..].iter().filter(|d| !d.is_empty()) {
            let d: usize = num(d, *n, "day")?;
            *employees[e]
                .days_off
                .get_mut(d)
                .ok_or_else(|| err(*n, format!("day {d} is outside the horizon")))? = true;
        }
    }
    let requests = |name: &str| -> Result<Vec<Request>, ParseError> {
        section(name)
            .iter()
            .map(|(n, f)| {
                if f.len() < 4 {
                    return Err(err(*n, "a request has 4 fields"));
                }
                let day: usize = num(f[1], *n, "day")?;
                if day >= days {
                    return Err(err(*n, format!("day {day} is outside the horizon")));
                }
                Ok(Request {
                    employee: employee_of(f[0], *n)?,
                    day,
                    shift: shift_of(f[2], *n)?,
                    weight: num(f[3], *n, "weight")?,
                })
            })
            .collect()
    };
    let on_requests = requests("SECTION_SHIFT_ON_REQUESTS")?;
    let off_requests = requests("SECTION_SHIFT_OFF_REQUESTS")?;
    let mut cover = vec![Cover::default(); days * shift_types.len()];
    for (n, f) in section("SECTION_COVER") {
        if f.len() < 5 {
            return Err(err(*n, "a cover row has 5 fields"));
        }
        let day: usize = num(f[0], *n, "day")?;
        if day >= days {
            return Err(err(*n, format!("day {day} is outside the horizon")));
        }
        cover[day * shift_types.len() + shift_of(f[1], *n)?] = Cover {
            // Instance15 writes "-0"; a requirement is never below zero.
            requirement: u32::try_from(num::<i64>(f[2], *n, "requirement")?.max(0))
                .map_err(|_| err(*n, "requirement too large"))?,
            weight_under: num(f[3], *n, "weight for under")?,
            weight_over: num(f[4], *n, "weight for over")?,
        };
    }
    Ok(Problem {
        days,
        shift_types,
        employees,
        on_requests,
        off_requests,
        cover,
        ..Problem::default()
    })
}

/// One line per employee: `EmployeeID,s0,…,s{H-1}`, a ShiftID or empty for a day off.
pub fn write_roster(problem: &Problem, roster: &Roster) -> String {
    let mut out = String::new();
    for (emp, row) in problem.employees.iter().zip(roster) {
        out.push_str(&emp.id);
        for s in row {
            out.push(',');
            if let Some(t) = s {
                out.push_str(&problem.shift_types[*t].id);
            }
        }
        out.push('\n');
    }
    out
}

/// Reads a roster written by [`write_roster`] (or by hand). Every employee needs a line.
pub fn parse_roster(problem: &Problem, text: &str) -> Result<Roster, ParseError> {
    let mut roster: Vec<Option<Vec<Option<usize>>>> = vec![None; problem.employees.len()];
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        let n = i + 1;
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let e = problem
            .employees
            .iter()
            .position(|x| x.id == fields[0])
            .ok_or_else(|| err(n, format!("unknown employee {:?}", fields[0])))?;
        if fields.len() != problem.days + 1 {
            return Err(err(
                n,
                format!("expected {} days, found {}", problem.days, fields.len() - 1),
            ));
        }
        let row = fields[1..]
            .iter()
            .map(|s| {
                if s.is_empty() {
                    Ok(None)
                } else {
                    problem
                        .shift_types
                        .iter()
                        .position(|t| t.id == *s)
                        .map(Some)
                        .ok_or_else(|| err(n, format!("unknown shift {s:?}")))
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        if roster[e].replace(row).is_some() {
            return Err(err(n, format!("employee {} appears twice", fields[0])));
        }
    }
    roster
        .into_iter()
        .enumerate()
        .map(|(e, row)| {
            row.ok_or_else(|| {
                err(
                    0,
                    format!("no line for employee {}", problem.employees[e].id),
                )
            })
        })
        .collect()
}
