//! Plain-language explanations, Swedish first, for care workers and planners.

use crate::{Detail, RuleId};

/// `9 h 30 min`, `45 min`, `11 h`.
pub(crate) fn duration(minutes: i64) -> String {
    let sign = if minutes < 0 { "-" } else { "" };
    let m = minutes.abs();
    match (m / 60, m % 60) {
        (0, min) => format!("{sign}{min} min"),
        (h, 0) => format!("{sign}{h} h"),
        (h, min) => format!("{sign}{h} h {min} min"),
    }
}

/// Swedish and English messages for a violation. `when` is the window in local words
/// ("2026-03-29 07:00–2026-03-29 18:00"); `extra` carries a rule's own detail.
pub(crate) fn explain(
    rule: RuleId,
    measured: i64,
    limit: i64,
    when: &str,
    detail: Detail,
) -> (String, String) {
    let (m, l) = (duration(measured), duration(limit));
    match rule {
        RuleId::Overlap => (
            format!(
                "Två pass överlappar varandra med {m} ({when}). Ingen kan arbeta två pass samtidigt."
            ),
            format!("Two shifts overlap by {m} ({when}). Nobody can work two shifts at once."),
        ),
        RuleId::DailyRest => match detail {
            Detail::Compensation {
                short_rest_minutes: short_rest,
            } => (
                format!(
                    "Efter ett planerat undantag med bara {} dygnsvila ska vilan direkt efter passet vara minst {l}, men den är {m} ({when}).",
                    duration(short_rest)
                ),
                format!(
                    "After a planned exception with only {} of daily rest, the rest right after the shift must be at least {l}, but it is {m} ({when}).",
                    duration(short_rest)
                ),
            ),
            Detail::DayWindow => (
                format!(
                    "Under dygnet {when} är det {m} arbete. Då ryms inte {} sammanhängande vila; högst {l} arbete per dygn.",
                    duration(24 * 60 - limit)
                ),
                format!(
                    "The 24-hour period {when} holds {m} of work, which leaves no room for {} of unbroken rest; at most {l} of work per period.",
                    duration(24 * 60 - limit)
                ),
            ),
            _ => (
                format!("Vilan mellan passen är {m} ({when}), men dygnsvilan ska vara minst {l}."),
                format!(
                    "The rest between shifts is {m} ({when}); daily rest must be at least {l}."
                ),
            ),
        },
        RuleId::WeeklyRest => (
            format!(
                "Veckan {when} har som längst {m} sammanhängande ledighet. Veckovilan ska vara minst {l} i sträck."
            ),
            format!(
                "The week {when} has at most {m} of unbroken time off. Weekly rest must be at least {l} in one stretch."
            ),
        ),
        RuleId::Break => (
            format!("{m} arbete i sträck utan rast ({when}). Efter högst {l} ska det vara rast."),
            format!(
                "{m} of work in a row without a break ({when}). There must be a break after at most {l}."
            ),
        ),
        RuleId::OrdinaryHours => (
            format!(
                "{m} ordinarie arbetstid under perioden {when}, mer än {l} som är taket för perioden."
            ),
            format!(
                "{m} of ordinary working time in the period {when}, more than the {l} allowed for it."
            ),
        ),
        RuleId::Overtime => (
            format!(
                "{m} arbete utöver ordinarie tid under fyraveckorsperioden {when}. Högst {l} övertid är tillåtet."
            ),
            format!(
                "{m} of work beyond ordinary hours in the four weeks {when}. At most {l} of overtime is allowed."
            ),
        ),
        RuleId::TotalHours48 => (
            format!(
                "{m} sammanlagd arbetstid (med jour) under perioden {when}, mer än {l}: i genomsnitt högst 48 h per vecka."
            ),
            format!(
                "{m} of total working time (including on-call) in the period {when}, more than {l}: at most 48 h a week on average."
            ),
        ),
        RuleId::NightWork => (
            format!(
                "Nattarbetande: {m} arbetstid under perioden {when}, mer än {l}, som motsvarar i genomsnitt 8 h per dygn."
            ),
            format!(
                "Night worker: {m} of working time in the period {when}, more than {l}, which is 8 h per 24 hours on average."
            ),
        ),
        RuleId::WorkOncall20h => match detail {
            Detail::RestAfter {
                period_minutes: period,
            } => (
                format!(
                    "Efter {} arbete och jour i följd ska vilan vara minst lika lång, men den är {m} ({when}).",
                    duration(period)
                ),
                format!(
                    "After {} of work and on-call in a row the rest must be at least as long, but it is {m} ({when}).",
                    duration(period)
                ),
            ),
            _ => (
                format!("Arbete och jour i följd blir {m} ({when}). Högst {l} är tillåtet."),
                format!(
                    "Work and on-call in a row add up to {m} ({when}). At most {l} is allowed."
                ),
            ),
        },
        RuleId::MonthlyCap => (
            format!("{m} arbete under månaden {when}, mer än det lokala taket {l}."),
            format!("{m} of work in the month {when}, more than the local cap of {l}."),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_people_write_them() {
        assert_eq!(duration(570), "9 h 30 min");
        assert_eq!(duration(660), "11 h");
        assert_eq!(duration(45), "45 min");
    }

    #[test]
    fn every_rule_explains_itself_in_both_languages() {
        for rule in RuleId::ALL {
            let (sv, en) = explain(rule, 600, 660, "2026-03-29 07:00–17:00", Detail::None);
            assert!(sv.contains("10 h") && en.contains("10 h"), "{rule:?}");
            assert_ne!(sv, en);
        }
    }
}
