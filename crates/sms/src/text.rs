//! The messages Passa sends, in plain Swedish, GSM characters only (one part each).

use jiff::civil::{DateTime, Weekday};

use crate::OfferCode;

/// A shift as a message names it: local start and end, and the unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShiftText {
    pub start: DateTime,
    pub end: DateTime,
    pub unit: String,
}

fn weekday(d: Weekday) -> &'static str {
    match d {
        Weekday::Monday => "mån",
        Weekday::Tuesday => "tis",
        Weekday::Wednesday => "ons",
        Weekday::Thursday => "tor",
        Weekday::Friday => "fre",
        Weekday::Saturday => "lör",
        Weekday::Sunday => "sön",
    }
}

impl ShiftText {
    /// "tor 17/12 07:00-15:30 Ekbacken": a hyphen, since an en dash would make the whole
    /// message UCS-2 and halve its length.
    fn describe(&self) -> String {
        let (s, e) = (self.start, self.end);
        format!(
            "{} {}/{} {:02}:{:02}-{:02}:{:02} {}",
            weekday(s.weekday()),
            s.day(),
            s.month(),
            s.hour(),
            s.minute(),
            e.hour(),
            e.minute(),
            self.unit
        )
    }
}

/// The texts.
#[derive(Debug, Clone, Copy, Default)]
pub struct Texts;

impl Texts {
    pub fn offer(shift: &ShiftText, code: &OfferCode) -> String {
        format!(
            "Passa: Kan du jobba {}? Svara JA {c} eller NEJ {c}.",
            shift.describe(),
            c = code.as_str()
        )
    }

    pub fn booked(shift: &ShiftText) -> String {
        format!("Passa: Du är bokad {}. Tack!", shift.describe())
    }

    pub fn already_filled(shift: &ShiftText) -> String {
        format!(
            "Passa: Passet {} är redan tillsatt. Tack ändå!",
            shift.describe()
        )
    }

    pub fn no_longer_available(shift: &ShiftText) -> String {
        format!(
            "Passa: Passet {} är inte längre ledigt. Inget är bokat.",
            shift.describe()
        )
    }

    pub fn declined() -> String {
        "Passa: Tack för svaret!".into()
    }

    pub fn help() -> String {
        "Passa: Svara JA eller NEJ och koden i förfrågan, t.ex. JA 1234. STOP stänger av förfrågningar.".into()
    }

    pub fn which_offer() -> String {
        "Passa: Du har flera förfrågningar. Svara med koden, t.ex. JA 1234.".into()
    }

    pub fn wrong_code() -> String {
        "Passa: Koden stämmer inte med någon öppen förfrågan. Svara med koden i förfrågan.".into()
    }

    pub fn stopped() -> String {
        "Passa: Du får inga fler förfrågningar. Svara START för att få dem igen.".into()
    }

    pub fn started() -> String {
        "Passa: Du får förfrågningar igen.".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Encoding, segments};
    use jiff::civil::date;

    #[test]
    fn every_text_is_one_gsm_part() {
        let shift = ShiftText {
            start: date(2026, 12, 17).at(7, 0, 0, 0),
            end: date(2026, 12, 17).at(15, 30, 0, 0),
            unit: "Ekbackens äldreboende".into(),
        };
        let code = OfferCode::parse("4821").unwrap_or_else(|| unreachable!());
        let offer = Texts::offer(&shift, &code);
        assert_eq!(
            offer,
            "Passa: Kan du jobba tor 17/12 07:00-15:30 Ekbackens äldreboende? Svara JA 4821 eller NEJ 4821."
        );
        for text in [
            offer,
            Texts::booked(&shift),
            Texts::already_filled(&shift),
            Texts::no_longer_available(&shift),
            Texts::declined(),
            Texts::help(),
            Texts::which_offer(),
            Texts::wrong_code(),
            Texts::stopped(),
            Texts::started(),
        ] {
            let s = segments(&text);
            assert_eq!((s.encoding, s.parts), (Encoding::Gsm7, 1), "{text}");
        }
    }
}
