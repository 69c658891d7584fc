//! Dates and lists in plain Swedish and English.

use jiff::civil::{Date, Weekday};

fn weekday_sv(d: Weekday) -> &'static str {
    match d {
        Weekday::Monday => "måndag",
        Weekday::Tuesday => "tisdag",
        Weekday::Wednesday => "onsdag",
        Weekday::Thursday => "torsdag",
        Weekday::Friday => "fredag",
        Weekday::Saturday => "lördag",
        Weekday::Sunday => "söndag",
    }
}

fn weekday_en(d: Weekday) -> &'static str {
    match d {
        Weekday::Monday => "Monday",
        Weekday::Tuesday => "Tuesday",
        Weekday::Wednesday => "Wednesday",
        Weekday::Thursday => "Thursday",
        Weekday::Friday => "Friday",
        Weekday::Saturday => "Saturday",
        Weekday::Sunday => "Sunday",
    }
}

const MONTHS_SV: [&str; 12] = [
    "jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec",
];
const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn month(names: &[&'static str; 12], d: Date) -> &'static str {
    names
        .get(usize::try_from(d.month() - 1).unwrap_or(0))
        .copied()
        .unwrap_or("")
}

/// "fredag 18 dec"
pub(crate) fn date_sv(d: Date) -> String {
    format!(
        "{} {} {}",
        weekday_sv(d.weekday()),
        d.day(),
        month(&MONTHS_SV, d)
    )
}

/// "Friday 18 Dec"
pub(crate) fn date_en(d: Date) -> String {
    format!(
        "{} {} {}",
        weekday_en(d.weekday()),
        d.day(),
        month(&MONTHS_EN, d)
    )
}

/// "a, b och c" / "a, b and c".
pub(crate) fn join(items: &[String], and: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} {and} {last}", rest.join(", ")),
    }
}

/// Capitalises the first letter, for a sentence that starts with a weekday.
pub(crate) fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn dates_read_as_people_say_them() {
        assert_eq!(date_sv(date(2026, 12, 18)), "fredag 18 dec");
        assert_eq!(date_en(date(2026, 12, 18)), "Friday 18 Dec");
        assert_eq!(capitalise("öppet"), "Öppet");
        let items = ["a".to_string(), "b".to_string(), "c".to_string()];
        assert_eq!(join(&items, "och"), "a, b och c");
    }
}
