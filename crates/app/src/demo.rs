//! The demo municipality: units, staff, substitutes, competences and four weeks of demand,
//! made from generated Swedish-looking names and numbers. Nothing here is a real person:
//! phone numbers come from one block (070-174 xx xx), the e-mail domain is `.example`, and
//! the demo sends nothing to either.

use jiff::Timestamp;
use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use passa_domain::{
    CompetenceId, OrderReason, PersonId, PersonKind, SchedulePeriodId, ShiftTypeId, TenantId,
    UnitId, WeeklyMinutes, Wish, WishKind,
};
use passa_store::{DemandRecord, IdKind, PlanningBatch, SchedulePeriodRecord, ShiftTypeRecord};
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{RngExt, SeedableRng};

use crate::{
    AppError, ImportReport, NewAvailability, NewOrder, OfferRound, Passa, PeriodPlan,
    PlanningOptions, PoolSettings, Progress, audit,
};

pub const DEMO_TENANT: &str = "Demo kommun";

/// How the demo is built.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub staff: usize,
    pub substitutes: usize,
    pub weeks: u8,
    pub seed: u64,
    pub time_zone: TimeZone,
    /// Plan every unit's period with this; `None` leaves the periods unplanned.
    pub planning: Option<PlanningOptions>,
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self {
            staff: 120,
            substitutes: 40,
            weeks: 4,
            seed: 2026,
            time_zone: TimeZone::get("Europe/Stockholm").unwrap_or(TimeZone::UTC),
            planning: None,
        }
    }
}

/// What the demo built.
#[derive(Debug, Clone)]
pub struct DemoReport {
    pub tenant: TenantId,
    pub people: ImportReport,
    pub units: Vec<String>,
    pub period_start: Date,
    pub period_end: Date,
    pub shift_types: usize,
    pub demand_rows: usize,
    /// Each unit's planned period, when planning was asked for.
    pub plans: Vec<PeriodPlan>,
    pub wishes: usize,
    /// Open orders for substitutes (from what the plans could not cover).
    pub orders: usize,
    /// Offers out in the running round.
    pub offers: usize,
}

const UNITS: [(&str, bool); 5] = [
    ("Hemtjänst Norr", true),
    ("Hemtjänst Söder", true),
    ("Ekbackens äldreboende", false),
    ("Lindens äldreboende", false),
    ("Solgläntans gruppbostad", false),
];

const USK: &str = "Undersköterska";
const VB: &str = "Vårdbiträde";
const SSK: &str = "Sjuksköterska";
const DELEGATION: &str = "Delegering läkemedel";
const LICENCE: &str = "Körkort";

const GIVEN: [&str; 60] = [
    "Anna", "Eva", "Maria", "Karin", "Sara", "Lena", "Kerstin", "Emma", "Ingrid", "Marie", "Malin",
    "Jenny", "Hanna", "Linda", "Elin", "Ida", "Sofia", "Johanna", "Annika", "Susanne", "Camilla",
    "Åsa", "Märta", "Ebba", "Wilma", "Alva", "Elsa", "Saga", "Fatima", "Amira", "Leila", "Yasmin",
    "Aisha", "Nadia", "Mirjam", "Selma", "Lovisa", "Tove", "Frida", "Helena", "Erik", "Lars",
    "Anders", "Johan", "Per", "Karl", "Mikael", "Jonas", "Ahmed", "Ali", "Mohammed", "Omar",
    "Yusuf", "Björn", "Göran", "Oskar", "Emil", "Viktor", "Hugo", "Nils",
];

const FAMILY: [&str; 50] = [
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Pettersson",
    "Jonsson",
    "Jansson",
    "Hansson",
    "Bengtsson",
    "Jönsson",
    "Lindberg",
    "Jakobsson",
    "Magnusson",
    "Olofsson",
    "Lindström",
    "Lindqvist",
    "Lindgren",
    "Axelsson",
    "Berg",
    "Bergström",
    "Lundberg",
    "Lundgren",
    "Lundqvist",
    "Mattsson",
    "Berglund",
    "Fredriksson",
    "Sandberg",
    "Henriksson",
    "Forsberg",
    "Sjöberg",
    "Wallin",
    "Engström",
    "Eklund",
    "Danielsson",
    "Lundin",
    "Håkansson",
    "Björk",
    "Bergman",
    "Gunnarsson",
    "Holm",
    "Wikström",
    "Samuelsson",
    "Isaksson",
    "Fransson",
];

fn ascii_lower(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'å' | 'ä' | 'Å' | 'Ä' => 'a',
            'ö' | 'Ö' => 'o',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// The people CSV for the demo, built with the same format users import.
fn people_csv(options: &DemoOptions, rng: &mut StdRng) -> String {
    let mut csv = crate::CSV_HEADER.join(",");
    csv.push('\n');
    let total = options.staff + options.substitutes;
    for i in 0..total {
        let given = GIVEN.choose(rng).copied().unwrap_or("Anna");
        let family = FAMILY.choose(rng).copied().unwrap_or("Andersson");
        let substitute = i >= options.staff;
        let (unit, home_care) = UNITS[i % UNITS.len()];
        let roll: u32 = rng.random_range(0..100);
        let mut comps = vec![match roll {
            0..8 => SSK,
            8..65 => USK,
            _ => VB,
        }];
        if comps[0] == USK && rng.random_bool(0.6) {
            comps.push(DELEGATION);
        }
        if home_care && rng.random_bool(0.85) {
            comps.push(LICENCE);
        }
        let percent = if substitute {
            *[25u32, 50, 75].choose(rng).unwrap_or(&50)
        } else {
            *[75u32, 80, 90, 100, 100, 100].choose(rng).unwrap_or(&100)
        };
        // Unique within the demo, all from one block.
        let phone = format!("070-17{:05}", 40_000 + i);
        let employee_number = if substitute {
            format!("V{:04}", 1 + i - options.staff)
        } else {
            format!("A{:04}", 1 + i)
        };
        let email = format!(
            "{}.{}{}@demo-kommun.example",
            ascii_lower(given),
            ascii_lower(family),
            i + 1
        );
        let kind = if substitute { "substitute" } else { "staff" };
        csv.push_str(&format!(
            "{employee_number},{given},{family},{phone},{email},{unit},{},{percent},{kind}\n",
            comps.join("|")
        ));
    }
    csv
}

/// Two or three wishes per member of staff: mostly days off, some shifts wanted.
fn demo_wishes(
    staff: &[(PersonId, UnitId)],
    shift_types: &[(UnitId, ShiftTypeId)],
    days: &[Date],
    rng: &mut StdRng,
) -> Vec<Wish> {
    let mut out = Vec::new();
    for (person, unit) in staff {
        let own: Vec<ShiftTypeId> = shift_types
            .iter()
            .filter(|(u, _)| u == unit)
            .map(|(_, s)| *s)
            .collect();
        for _ in 0..rng.random_range(2..=3) {
            let Some(date) = days.choose(rng).copied() else {
                continue;
            };
            let (kind, shift_type) = if rng.random_bool(0.7) {
                (WishKind::Avoid, None)
            } else {
                (WishKind::Want, own.choose(rng).copied())
            };
            out.push(Wish {
                person: *person,
                date,
                shift_type,
                kind,
                weight: rng.random_range(3..=8),
            });
        }
    }
    out
}

/// The first Monday at least 14 days after `today`: schedules are published two weeks ahead.
fn period_start(today: Date) -> Date {
    let mut d = today.saturating_add(jiff::Span::new().days(14));
    while d.weekday() != Weekday::Monday {
        d = d.tomorrow().unwrap_or(d);
    }
    d
}

impl Passa {
    /// Builds the demo municipality as its own tenant.
    pub async fn build_demo(
        &self,
        options: &DemoOptions,
        now: Timestamp,
        progress: &dyn Progress,
    ) -> Result<DemoReport, AppError> {
        let tenant = self.create_tenant(DEMO_TENANT, now).await?;
        let mut rng = StdRng::seed_from_u64(options.seed);
        let csv = people_csv(options, &mut rng);
        let people = self
            .import_people(
                tenant.id,
                csv.as_bytes(),
                WeeklyMinutes::AB_ROTATING_FULL_TIME,
                now,
                progress,
            )
            .await?;

        let units = self.store.units(tenant.id).await?;
        let competences = self.store.competences(tenant.id).await?;
        let comp = |name: &str| {
            competences
                .iter()
                .find(|c| c.name.as_str() == name)
                .map(|c| c.id)
        };
        let today = now.to_zoned_datetime(options.time_zone.clone()).date();
        let start = period_start(today);
        let days: Vec<Date> = start
            .series(jiff::Span::new().days(1))
            .take(usize::from(options.weeks) * 7)
            .collect();
        let period_end = days.last().copied().unwrap_or(start);

        // Day, evening and night shifts at every unit.
        const SHIFTS: [(&str, &str, &str, u16); 3] = [
            ("Dag", "07:00", "15:30", 30),
            ("Kväll", "14:00", "22:00", 30),
            // The break keeps the night within the five-hours-without-a-break rule.
            ("Natt", "21:30", "07:15", 45),
        ];
        let shift_count = u32::try_from(units.len() * SHIFTS.len()).unwrap_or(u32::MAX);
        let first_shift = self
            .store
            .allocate_ids(IdKind::ShiftType, shift_count)
            .await?;
        let mut shift_types = Vec::new();
        for (u, unit) in units.iter().enumerate() {
            for (s, (name, from, to, brk)) in SHIFTS.iter().enumerate() {
                shift_types.push(ShiftTypeRecord {
                    id: ShiftTypeId::new(first_shift + (u * SHIFTS.len() + s) as i64),
                    unit: unit.id,
                    name: passa_domain::Label::parse("shift type", name)?,
                    start: (*from).into(),
                    end: (*to).into(),
                    break_minutes: *brk,
                });
            }
        }
        let first_period = self
            .store
            .allocate_ids(
                IdKind::SchedulePeriod,
                u32::try_from(units.len()).unwrap_or(0),
            )
            .await?;
        let periods: Vec<SchedulePeriodRecord> = units
            .iter()
            .enumerate()
            .map(|(i, u)| SchedulePeriodRecord {
                id: SchedulePeriodId::new(first_period + i as i64),
                unit: u.id,
                start: start.to_string(),
                weeks: options.weeks,
            })
            .collect();

        let mut demand = Vec::new();
        for unit in &units {
            let home_care = UNITS.iter().any(|(n, h)| *h && *n == unit.name.as_str());
            for date in &days {
                let weekend = matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday);
                for st in shift_types.iter().filter(|s| s.unit == unit.id) {
                    let needs: &[(&str, u16)] = match (st.name.as_str(), home_care, weekend) {
                        ("Dag", true, false) => &[(USK, 4), (VB, 2), (LICENCE, 3)],
                        ("Dag", true, true) => &[(USK, 3), (VB, 1), (LICENCE, 2)],
                        ("Dag", false, false) => &[(USK, 3), (VB, 1), (SSK, 1)],
                        ("Dag", false, true) => &[(USK, 2), (VB, 1), (SSK, 1)],
                        ("Kväll", true, _) => &[(USK, 2), (VB, 1), (LICENCE, 2)],
                        ("Kväll", false, _) => &[(USK, 2), (VB, 1), (DELEGATION, 1)],
                        _ => &[(USK, 1), (DELEGATION, 1)],
                    };
                    for (name, min) in needs {
                        let Some(competence) = comp(name) else {
                            continue;
                        };
                        demand.push((unit.id, *date, st.id, competence, *min));
                    }
                }
            }
        }
        let first_demand = self
            .store
            .allocate_ids(IdKind::Demand, u32::try_from(demand.len()).unwrap_or(0))
            .await?;
        let demand: Vec<DemandRecord> = demand
            .into_iter()
            .enumerate()
            .map(
                |(i, (unit, date, shift_type, competence, min)): (
                    usize,
                    (UnitId, Date, ShiftTypeId, CompetenceId, u16),
                )| DemandRecord {
                    id: first_demand + i as i64,
                    unit,
                    date: date.to_string(),
                    shift_type,
                    competence,
                    min,
                    max: min + 1,
                },
            )
            .collect();
        let mut report = DemoReport {
            tenant: tenant.id,
            people,
            units: units.iter().map(|u| u.name.to_string()).collect(),
            period_start: start,
            period_end,
            shift_types: shift_types.len(),
            demand_rows: demand.len(),
            plans: Vec::new(),
            wishes: 0,
            orders: 0,
            offers: 0,
        };
        let plan = PlanningBatch {
            shift_types,
            periods,
            demand,
            audit: Some(audit(
                now,
                "cli",
                "demo.build",
                format!("period {start} to {period_end}"),
            )),
        };
        let period_ids: Vec<SchedulePeriodId> = plan.periods.iter().map(|p| p.id).collect();
        let shift_type_ids: Vec<(UnitId, ShiftTypeId)> =
            plan.shift_types.iter().map(|s| (s.unit, s.id)).collect();
        let shift_type_records = plan.shift_types.clone();
        self.store.save_planning(tenant.id, &plan).await?;
        if let Some(planning) = &options.planning {
            let staff: Vec<(PersonId, UnitId)> = self
                .store
                .people(tenant.id)
                .await?
                .into_iter()
                .filter(|p| p.kind == PersonKind::Staff)
                .map(|p| (p.id, p.home_unit))
                .collect();
            let wishes = demo_wishes(&staff, &shift_type_ids, &days, &mut rng);
            report.wishes = wishes.len();
            for period in period_ids {
                report.plans.push(
                    self.plan_period(tenant.id, period, &wishes, planning, now)
                        .await?,
                );
            }
        }
        let (orders, offers) = self
            .demo_pool(
                tenant.id,
                &report,
                &shift_type_records,
                options,
                now,
                &mut rng,
            )
            .await?;
        report.orders = orders;
        report.offers = offers;
        Ok(report)
    }

    /// Substitutes' availability, orders for what the plans left uncovered (or a few
    /// evenings when nothing was planned), and an urgent offer round on the first order.
    async fn demo_pool(
        &self,
        tenant: TenantId,
        report: &DemoReport,
        shift_types: &[ShiftTypeRecord],
        options: &DemoOptions,
        now: Timestamp,
        rng: &mut StdRng,
    ) -> Result<(usize, usize), AppError> {
        let settings = PoolSettings {
            time_zone: options.time_zone.clone(),
            ..PoolSettings::default()
        };
        let subs: Vec<PersonId> = self
            .store
            .people(tenant)
            .await?
            .into_iter()
            .filter(|p| p.kind == PersonKind::Substitute)
            .map(|p| p.id)
            .collect();
        for person in &subs {
            let mut days: Vec<u8> = (1..=7).collect();
            days.shuffle(rng);
            let weekly: Vec<(u8, Time, Time)> = days
                .iter()
                .take(rng.random_range(2..=4))
                .map(|d| (*d, Time::constant(6, 30, 0, 0), Time::constant(23, 0, 0, 0)))
                .collect();
            let new = NewAvailability {
                single: Vec::new(),
                weekly,
            };
            self.add_availability(tenant, *person, &new, &settings, "cli", now)
                .await?;
        }
        let competences = self.store.competences(tenant).await?;
        let usk = competences
            .iter()
            .find(|c| c.name.as_str() == USK)
            .map(|c| c.id);
        let mut wanted: Vec<(UnitId, Date, ShiftTypeId, Option<CompetenceId>)> = report
            .plans
            .iter()
            .flat_map(|p| {
                p.plan.shortfalls.iter().filter_map(move |s| {
                    let unit = shift_types.iter().find(|t| t.id == s.shift_type)?.unit;
                    Some((unit, s.date, s.shift_type, Some(s.competence)))
                })
            })
            .take(6)
            .collect();
        if wanted.is_empty() {
            // Nothing planned: three evenings at the first unit.
            if let Some(evening) = shift_types.iter().find(|t| t.name.as_str() == "Kväll") {
                for day in 0..3 {
                    let date = report
                        .period_start
                        .saturating_add(jiff::Span::new().days(day));
                    wanted.push((evening.unit, date, evening.id, usk));
                }
            }
        }
        let mut ids = Vec::new();
        for (i, (unit, date, shift_type, competence)) in wanted.iter().enumerate() {
            let Some(st) = shift_types.iter().find(|t| t.id == *shift_type) else {
                continue;
            };
            let (start, end) = passa_planner::shift_instants(
                &crate::planning::shift_type_of(st)?,
                *date,
                &options.time_zone,
            )?;
            let id = self
                .create_order(
                    tenant,
                    &NewOrder {
                        unit: *unit,
                        competence: *competence,
                        start,
                        end,
                        break_minutes: st.break_minutes,
                        reason: [OrderReason::Sick, OrderReason::Vacancy, OrderReason::Leave]
                            [i % 3],
                        note: None,
                        // The first is urgent, so its round starts even at night.
                        urgent: i == 0,
                    },
                    "cli",
                    now,
                )
                .await?;
            ids.push(id);
        }
        let mut offers = 0;
        if let Some(first) = ids.first() {
            offers = self
                .start_offers(
                    tenant,
                    *first,
                    &OfferRound {
                        wave_size: 5,
                        wave_wait: std::time::Duration::from_secs(30 * 60),
                        seed: options.seed,
                    },
                    &settings,
                    "cli",
                    now,
                )
                .await?;
        }
        Ok((ids.len(), offers))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn the_demo_period_starts_on_a_monday_two_weeks_ahead() {
        assert_eq!(period_start(date(2026, 11, 26)), date(2026, 12, 14));
        assert_eq!(period_start(date(2026, 11, 30)), date(2026, 12, 14));
    }

    #[test]
    fn demo_people_are_unique_and_fictional() {
        let options = DemoOptions::default();
        let csv = people_csv(&options, &mut StdRng::seed_from_u64(1));
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 1 + 160);
        let phones: std::collections::HashSet<&str> = lines[1..]
            .iter()
            .filter_map(|l| l.split(',').nth(3))
            .collect();
        assert_eq!(phones.len(), 160);
        assert!(
            lines[1..]
                .iter()
                .all(|l| l.contains("@demo-kommun.example"))
        );
    }
}
