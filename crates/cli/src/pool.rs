//! `passa pool`: the planner's desk for substitutes — availability, orders, candidates with
//! their reasons, direct bookings and offer rounds. Times are local, in the configured zone.

use std::collections::HashMap;
use std::time::Duration;

use jiff::Timestamp;
use jiff::civil::{DateTime, Time};
use jiff::tz::TimeZone;
use passa_app::{NewAvailability, NewOrder, OfferRound, Passa, PoolSettings};
use passa_domain::{
    CompetenceId, EmployeeNumber, OrderId, OrderReason, OrderState, TenantId, UnitId,
};
use passa_store::BookingOutcome;

use crate::args::{AvailableArgs, Cli, OfferArgs, OrderArgs, PoolCommand};
use crate::check::Lang;
use crate::commands::{now, open, pool_settings, send_console_outbox};
use crate::config::{Config, Pool};
use crate::{BadInput, Exit};

/// Who the audit log names for what is done here.
const ACTOR: &str = "cli";

pub async fn run(cli: &Cli, command: &PoolCommand) -> anyhow::Result<()> {
    let (passa, config, _) = open(cli).await?;
    let tenant = passa.tenant(cli.tenant.as_deref()).await?;
    let settings = pool_settings(&config, tenant.name.as_str())?;
    let local = config.pool.for_tenant(tenant.name.as_str());
    let tenant = tenant.id;
    let now = now();
    match command {
        PoolCommand::Available(args) => available(&passa, tenant, args, &settings, now).await,
        PoolCommand::Order(args) => order(&passa, tenant, args, &settings, now).await,
        PoolCommand::Orders { all } => orders(&passa, tenant, *all, &settings.time_zone).await,
        PoolCommand::Candidates { order, limit, lang } => {
            let order = OrderId::new(*order);
            let ranked = passa.candidates(tenant, order, &settings, now).await?;
            let shown: Vec<_> = ranked.iter().take(*limit).collect();
            let ids: Vec<_> = shown.iter().map(|c| c.person).collect();
            let purpose = format!("candidates for order {}", order.get());
            let names = passa.names(tenant, &ids, &purpose, ACTOR, now).await?;
            if shown.is_empty() {
                println!("No substitutes in the pool.");
            }
            for (rank, c) in shown.iter().enumerate() {
                let mark = if c.eligible { "ok" } else { "--" };
                let name = names.get(&c.person).map_or("?", String::as_str);
                println!(
                    "{:>3}. [{mark}] {name} (person {})",
                    rank + 1,
                    c.person.get()
                );
                for (sv, en) in &c.reasons {
                    println!("       {}", if matches!(lang, Lang::Sv) { sv } else { en });
                }
            }
            Ok(())
        }
        PoolCommand::Book { order, person } => {
            let number =
                EmployeeNumber::parse(person).map_err(|e| BadInput(format!("--person: {e}")))?;
            let person = passa.person_by_employee_number(tenant, &number).await?;
            let outcome = passa
                .book_direct(tenant, OrderId::new(*order), person, &settings, ACTOR, now)
                .await?;
            match outcome {
                BookingOutcome::Booked => {
                    println!("Booked. A confirmation SMS is on its way.");
                    send_console_outbox(&passa, &config, now).await
                }
                BookingOutcome::NotLive(state) => Err(BadInput(format!(
                    "the order is {}; nothing was booked",
                    state.as_str()
                ))
                .into()),
                BookingOutcome::Refused(reason) => {
                    println!("Not booked: {reason}");
                    Err(Exit(1).into())
                }
                BookingOutcome::Duplicate => Ok(()),
            }
        }
        PoolCommand::Offer(args) => {
            offer(&passa, tenant, args, &config, &local, &settings, now).await
        }
        PoolCommand::Stop { order } => {
            if passa
                .stop_order(tenant, OrderId::new(*order), ACTOR, now)
                .await?
            {
                println!("Stopped. Anyone who answers JA now is told the shift is taken.");
                Ok(())
            } else {
                Err(BadInput("the order is not open; nothing to stop".into()).into())
            }
        }
    }
}

/// A local date and time (`2026-12-03 07:00`) in `tz` as an instant. In the autumn's
/// repeated hour the earlier one is meant; in the spring's missing hour, the one after.
fn local(text: &str, tz: &TimeZone, flag: &str) -> anyhow::Result<Timestamp> {
    let dt: DateTime = text.trim().parse().map_err(|_| {
        BadInput(format!(
            "{flag}: {text} is not a local date and time like 2026-12-03 07:00"
        ))
    })?;
    instant(dt, tz, flag)
}

fn instant(dt: DateTime, tz: &TimeZone, flag: &str) -> anyhow::Result<Timestamp> {
    Ok(tz
        .to_ambiguous_timestamp(dt)
        .compatible()
        .map_err(|e| BadInput(format!("{flag}: {e}")))?)
}

/// `mon 07:00-16:00` (or `1 07:00-16:00`): an ISO weekday and local times.
fn weekly(text: &str) -> anyhow::Result<(u8, Time, Time)> {
    let bad = || BadInput(format!("--weekly: {text} is not like \"mon 07:00-16:00\""));
    let (day, hours) = text.trim().split_once(' ').ok_or_else(bad)?;
    let day = day.trim().to_lowercase();
    let weekday = match day.as_str() {
        "1" | "mon" | "mån" => 1,
        "2" | "tue" | "tis" => 2,
        "3" | "wed" | "ons" => 3,
        "4" | "thu" | "tor" => 4,
        "5" | "fri" | "fre" => 5,
        "6" | "sat" | "lör" => 6,
        "7" | "sun" | "sön" => 7,
        _ => return Err(bad().into()),
    };
    let (from, to) = hours.split_once('-').ok_or_else(bad)?;
    let time = |s: &str| s.trim().parse::<Time>().map_err(|_| bad());
    Ok((weekday, time(from)?, time(to)?))
}

async fn available(
    passa: &Passa,
    tenant: TenantId,
    args: &AvailableArgs,
    settings: &PoolSettings,
    now: Timestamp,
) -> anyhow::Result<()> {
    let number =
        EmployeeNumber::parse(&args.person).map_err(|e| BadInput(format!("--person: {e}")))?;
    let mut new = NewAvailability::default();
    for interval in &args.interval {
        let (from, to) = interval.split_once('/').ok_or_else(|| {
            BadInput(format!(
                "--interval: {interval} is not like \"2026-12-03 07:00/2026-12-03 16:00\""
            ))
        })?;
        let tz = &settings.time_zone;
        new.single
            .push((local(from, tz, "--interval")?, local(to, tz, "--interval")?));
    }
    for w in &args.weekly {
        new.weekly.push(weekly(w)?);
    }
    if new.single.is_empty() && new.weekly.is_empty() {
        return Err(BadInput("give at least one --interval or --weekly".into()).into());
    }
    let person = passa.person_by_employee_number(tenant, &number).await?;
    passa
        .add_availability(tenant, person, &new, settings, ACTOR, now)
        .await?;
    println!(
        "Added {} interval(s) and {} weekly pattern(s).",
        new.single.len(),
        new.weekly.len()
    );
    Ok(())
}

async fn order(
    passa: &Passa,
    tenant: TenantId,
    args: &OrderArgs,
    settings: &PoolSettings,
    now: Timestamp,
) -> anyhow::Result<()> {
    let tz = &settings.time_zone;
    let unit = by_name(
        passa
            .store()
            .units(tenant)
            .await?
            .into_iter()
            .map(|u| (u.name.as_str().to_owned(), u.id)),
        &args.unit,
        "--unit",
    )?;
    let competence = match &args.competence {
        Some(name) => Some(by_name(
            passa
                .store()
                .competences(tenant)
                .await?
                .into_iter()
                .map(|c| (c.name.as_str().to_owned(), c.id)),
            name,
            "--competence",
        )?),
        None => None,
    };
    let reason = OrderReason::parse(&args.reason).ok_or_else(|| {
        let all: Vec<&str> = OrderReason::ALL.iter().map(|r| r.as_str()).collect();
        BadInput(format!("--reason: one of {}", all.join(", ")))
    })?;
    let start = local(&args.start, tz, "--start")?;
    // A date has dashes; without one, only a time was given.
    let time_only = (!args.end.contains('-'))
        .then(|| args.end.trim().parse::<Time>())
        .transpose()
        .map_err(|_| BadInput(format!("--end: {} is not a time like 16:00", args.end)))?;
    let end = match time_only {
        // Only a time: the start's day, or the next one for a shift past midnight.
        Some(t) => {
            let day = start.to_zoned_datetime(tz.clone()).date();
            let same = instant(day.to_datetime(t), tz, "--end")?;
            if same > start {
                same
            } else {
                let next = day
                    .tomorrow()
                    .map_err(|e| BadInput(format!("--end: {e}")))?;
                instant(next.to_datetime(t), tz, "--end")?
            }
        }
        None => local(&args.end, tz, "--end")?,
    };
    let id = passa
        .create_order(
            tenant,
            &NewOrder {
                unit,
                competence,
                start,
                end,
                break_minutes: args.break_minutes,
                reason,
                note: args.note.clone(),
                urgent: args.urgent,
            },
            ACTOR,
            now,
        )
        .await?;
    println!("Order {} made.", id.get());
    println!(
        "Next: `passa pool candidates {0}`, then `passa pool book {0} --person N` or `passa pool offer {0}`.",
        id.get()
    );
    Ok(())
}

/// The id of the one name that matches `wanted` (without regard to case).
fn by_name<T>(
    named: impl Iterator<Item = (String, T)>,
    wanted: &str,
    flag: &str,
) -> anyhow::Result<T> {
    let all: Vec<(String, T)> = named.collect();
    let known: Vec<String> = all.iter().map(|(n, _)| n.clone()).collect();
    all.into_iter()
        .find(|(n, _)| n.to_lowercase() == wanted.trim().to_lowercase())
        .map(|(_, id)| id)
        .ok_or_else(|| BadInput(format!("{flag}: no {wanted}; known: {}", known.join(", "))).into())
}

async fn orders(passa: &Passa, tenant: TenantId, all: bool, tz: &TimeZone) -> anyhow::Result<()> {
    let states: &[OrderState] = if all {
        OrderState::ALL
    } else {
        &[OrderState::Open, OrderState::Offering]
    };
    let list = passa.orders(tenant, states).await?;
    let units: HashMap<UnitId, String> = passa
        .store()
        .units(tenant)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name.as_str().to_owned()))
        .collect();
    let competences: HashMap<CompetenceId, String> = passa
        .store()
        .competences(tenant)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name.as_str().to_owned()))
        .collect();
    if list.is_empty() {
        println!("No orders{}.", if all { "" } else { " open" });
    }
    for o in &list {
        let at = |s: i64| {
            Timestamp::from_second(s)
                .map(|t| {
                    t.to_zoned_datetime(tz.clone())
                        .strftime("%a %-d %b %H:%M")
                        .to_string()
                })
                .unwrap_or_default()
        };
        let end = Timestamp::from_second(o.end_s)
            .map(|t| {
                t.to_zoned_datetime(tz.clone())
                    .strftime("%H:%M")
                    .to_string()
            })
            .unwrap_or_default();
        println!(
            "{:>5}  {:<9} {}–{}  {}  {}  {}{}",
            o.id.get(),
            o.state.as_str(),
            at(o.start_s),
            end,
            units.get(&o.unit).map_or("?", String::as_str),
            o.competence
                .and_then(|c| competences.get(&c))
                .map_or("any competence", String::as_str),
            o.reason.as_str(),
            if o.urgent { ", urgent" } else { "" },
        );
    }
    Ok(())
}

async fn offer(
    passa: &Passa,
    tenant: TenantId,
    args: &OfferArgs,
    config: &Config,
    local: &Pool,
    settings: &PoolSettings,
    now: Timestamp,
) -> anyhow::Result<()> {
    let mut seed = [0u8; 8];
    getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no randomness for codes: {e}"))?;
    let wave_wait = args.wave_wait.unwrap_or(local.wave_wait_minutes);
    let round = OfferRound {
        wave_size: args.wave_size.unwrap_or(local.wave_size).max(1),
        wave_wait: Duration::from_secs(u64::from(wave_wait) * 60),
        seed: u64::from_le_bytes(seed),
    };
    let sent = passa
        .start_offers(
            tenant,
            OrderId::new(args.order),
            &round,
            settings,
            ACTOR,
            now,
        )
        .await?;
    let urgent = passa.order(tenant, OrderId::new(args.order)).await?.urgent;
    let quiet = settings.quiet_until(now).filter(|_| !urgent);
    if let Some(until) = quiet {
        println!(
            "Quiet hours: the first wave goes out at {} (the server sends it).",
            until
                .to_zoned_datetime(settings.time_zone.clone())
                .strftime("%H:%M")
        );
    } else if sent == 0 {
        println!(
            "Nobody can take the shift now; see `passa pool candidates {}`.",
            args.order
        );
    } else {
        println!(
            "{sent} offers sent. A new wave goes out every {wave_wait} minutes until someone answers JA \
             (the server sends them)."
        );
    }
    send_console_outbox(passa, config, now).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekly_patterns_parse_in_swedish_and_english() -> anyhow::Result<()> {
        assert_eq!(
            weekly("mån 07:00-16:00")?,
            (1, Time::constant(7, 0, 0, 0), Time::constant(16, 0, 0, 0))
        );
        assert_eq!(
            weekly("sun 21:00-07:00")?,
            (7, Time::constant(21, 0, 0, 0), Time::constant(7, 0, 0, 0))
        );
        assert!(weekly("someday 07:00-16:00").is_err());
        assert!(weekly("mon 07:00").is_err());
        Ok(())
    }

    #[test]
    fn local_times_follow_the_zone_across_dst() -> anyhow::Result<()> {
        let tz = TimeZone::get("Europe/Stockholm")?;
        assert_eq!(
            local("2026-12-03 07:00", &tz, "--start")?,
            "2026-12-03T06:00:00Z".parse::<Timestamp>()?
        );
        // The autumn's repeated hour: the first (summer time) 02:30.
        assert_eq!(
            local("2026-10-25 02:30", &tz, "--start")?,
            "2026-10-25T00:30:00Z".parse::<Timestamp>()?
        );
        // The spring's missing hour moves forward.
        assert_eq!(
            local("2026-03-29 02:30", &tz, "--start")?,
            "2026-03-29T01:30:00Z".parse::<Timestamp>()?
        );
        assert!(local("tomorrow", &tz, "--start").is_err());
        Ok(())
    }
}
