//! Values that parse: phone numbers, e-mail addresses, names, employment percent.
//!
//! `Debug` on the personal ones prints a placeholder: a value that slips into a log line or
//! a panic message must not carry the person's data with it.

use std::fmt;

use crate::DomainError;

macro_rules! redacted_debug {
    ($($name:ident),*) => {$(
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(<redacted>)"))
            }
        }
    )*};
}

/// The input trimmed, if it is 1 to `max` characters long.
fn trimmed<'a>(field: &'static str, input: &'a str, max: usize) -> Result<&'a str, DomainError> {
    let value = input.trim();
    if value.is_empty() {
        return Err(DomainError::Empty { field });
    }
    if value.chars().count() > max {
        return Err(DomainError::TooLong { field, max });
    }
    Ok(value)
}

/// A phone number in E.164 form (`+46701234567`).
///
/// Accepts Swedish national forms (`070-123 45 67`), international ones with `+` or `00`
/// (`+46 70 123 45 67`, `0046701234567`), and the `+46 (0)70…` habit. Spaces, dashes, dots,
/// slashes and brackets are ignored.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    const FIELD: &'static str = "phone";

    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let mut compact = String::with_capacity(input.len());
        for c in input.trim().chars() {
            match c {
                ' ' | '\u{a0}' | '-' | '.' | '/' | '(' | ')' => {}
                '+' if compact.is_empty() => compact.push('+'),
                '0'..='9' => compact.push(c),
                _ => return Err(DomainError::BadCharacter { field: Self::FIELD }),
            }
        }
        if compact.is_empty() {
            return Err(DomainError::Empty { field: Self::FIELD });
        }
        let international = if let Some(rest) = compact.strip_prefix('+') {
            rest.to_owned()
        } else if let Some(rest) = compact.strip_prefix("00") {
            rest.to_owned()
        } else if let Some(rest) = compact.strip_prefix('0') {
            format!("46{rest}")
        } else {
            return Err(DomainError::Invalid {
                field: Self::FIELD,
                reason: "must start with 0 (Swedish number), + or 00 (country code)",
            });
        };
        // "+46 (0)70 …" writes the trunk zero that E.164 leaves out.
        let international = match international.strip_prefix("460") {
            Some(rest) => format!("46{rest}"),
            None => international,
        };
        if international.starts_with('0') {
            return Err(DomainError::Invalid {
                field: Self::FIELD,
                reason: "country code cannot start with 0",
            });
        }
        let digits = international.len();
        if let Some(national) = international.strip_prefix("46") {
            // Swedish subscriber numbers are 7 to 9 digits after the trunk zero.
            if !(7..=9).contains(&national.len()) {
                return Err(DomainError::Invalid {
                    field: Self::FIELD,
                    reason: "a Swedish number has 8 to 10 digits with the leading 0",
                });
            }
        } else if !(8..=15).contains(&digits) {
            return Err(DomainError::Invalid {
                field: Self::FIELD,
                reason: "an international number has 8 to 15 digits",
            });
        }
        Ok(Self(format!("+{international}")))
    }

    /// The E.164 form, `+46701234567`.
    pub fn as_e164(&self) -> &str {
        &self.0
    }

    /// The number with all but the last two digits hidden, for screens and SMS logs.
    pub fn masked(&self) -> String {
        let keep = 2.min(self.0.len());
        let (head, tail) = self.0.split_at(self.0.len() - keep);
        let hidden: String = head
            .chars()
            .map(|c| if c.is_ascii_digit() { '•' } else { c })
            .collect();
        format!("{hidden}{tail}")
    }
}

/// An e-mail address, trimmed, with the domain in lower case.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Email(String);

impl Email {
    const FIELD: &'static str = "email";
    const MAX: usize = 254;

    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let value = trimmed(Self::FIELD, input, Self::MAX)?;
        if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(DomainError::BadCharacter { field: Self::FIELD });
        }
        let Some((local, domain)) = value.rsplit_once('@') else {
            return Err(DomainError::Invalid {
                field: Self::FIELD,
                reason: "an address needs an @",
            });
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        if local.is_empty() || local.contains('@') || !domain_ok {
            return Err(DomainError::Invalid {
                field: Self::FIELD,
                reason: "expected an address like namn@kommun.se",
            });
        }
        Ok(Self(format!("{local}@{}", domain.to_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form used for look-ups: the whole address in lower case.
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }
}

/// A given or family name: trimmed, 1–100 characters, letters and the marks names use.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PersonName(String);

impl PersonName {
    const MAX: usize = 100;

    pub fn parse(field: &'static str, input: &str) -> Result<Self, DomainError> {
        let value = trimmed(field, input, Self::MAX)?;
        let allowed = |c: char| {
            c.is_alphabetic()
                || c.is_numeric()
                || matches!(c, ' ' | '-' | '\'' | '’' | '.' | ',')
                || (!c.is_ascii() && !c.is_control() && !c.is_whitespace())
        };
        if !value.chars().all(allowed) {
            return Err(DomainError::BadCharacter { field });
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The employer's number for a person (PAXml `anstid`): 1–32 letters, digits, `-`, `_`, `/`, `.`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EmployeeNumber(String);

impl EmployeeNumber {
    const FIELD: &'static str = "employee_number";
    const MAX: usize = 32;

    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let value = trimmed(Self::FIELD, input, Self::MAX)?;
        if !value
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '/' | '.'))
        {
            return Err(DomainError::BadCharacter { field: Self::FIELD });
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

redacted_debug!(PhoneNumber, Email, PersonName, EmployeeNumber);

/// Employment as a share of full time (sysselsättningsgrad), 1–100 %, kept in hundredths
/// so that 87.5 % is exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EmploymentPercent(u16);

impl EmploymentPercent {
    const FIELD: &'static str = "employment_percent";

    /// Parses `75`, `87.5`, `87,5` or `87.5 %`.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let value = input.trim().trim_end_matches('%').trim();
        if value.is_empty() {
            return Err(DomainError::Empty { field: Self::FIELD });
        }
        let value = value.replace(',', ".");
        let (whole, frac) = value.split_once('.').unwrap_or((&value, ""));
        let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        if whole.is_empty() || !digits(whole) || !digits(frac) || frac.len() > 2 {
            return Err(DomainError::Invalid {
                field: Self::FIELD,
                reason: "expected a number such as 75 or 87.5",
            });
        }
        let whole: u32 = whole.parse().map_err(|_| Self::out_of_range())?;
        let frac: u32 = format!("{frac:0<2}").parse().unwrap_or(0);
        let hundredths = whole
            .checked_mul(100)
            .and_then(|w| w.checked_add(frac))
            .ok_or_else(Self::out_of_range)?;
        Self::from_hundredths(hundredths)
    }

    pub fn from_hundredths(hundredths: u32) -> Result<Self, DomainError> {
        match u16::try_from(hundredths) {
            Ok(h) if (100..=10_000).contains(&h) => Ok(Self(h)),
            _ => Err(Self::out_of_range()),
        }
    }

    fn out_of_range() -> DomainError {
        DomainError::OutOfRange {
            field: Self::FIELD,
            min: "1",
            max: "100",
        }
    }

    pub fn hundredths(self) -> u16 {
        self.0
    }

    /// Weekly working minutes for this share of a full-time week.
    pub fn weekly_minutes(self, full_time: WeeklyMinutes) -> WeeklyMinutes {
        let minutes = u32::from(full_time.get()) * u32::from(self.0) / 10_000;
        WeeklyMinutes(u16::try_from(minutes).unwrap_or(u16::MAX))
    }
}

impl fmt::Display for EmploymentPercent {
    /// `75`, `87.5`, `33.33`: the shortest exact form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (whole, frac) = (self.0 / 100, self.0 % 100);
        match frac {
            0 => write!(f, "{whole}"),
            f10 if f10 % 10 == 0 => write!(f, "{whole}.{}", f10 / 10),
            _ => write!(f, "{whole}.{frac:02}"),
        }
    }
}

/// Working minutes per week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WeeklyMinutes(u16);

impl WeeklyMinutes {
    /// AB full time for staff who work Sundays and holidays: 38 h 15 min.
    pub const AB_ROTATING_FULL_TIME: Self = Self(38 * 60 + 15);
    /// Full time under ATL and AB for day workers: 40 h.
    pub const FULL_TIME_40H: Self = Self(40 * 60);

    pub fn new(minutes: u16) -> Result<Self, DomainError> {
        if minutes > 7 * 24 * 60 {
            return Err(DomainError::OutOfRange {
                field: "weekly_minutes",
                min: "0",
                max: "10080",
            });
        }
        Ok(Self(minutes))
    }

    pub fn get(self) -> u16 {
        self.0
    }
}

/// Whether a person is employed staff or an hourly substitute (timvikarie).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PersonKind {
    Staff,
    Substitute,
}

impl PersonKind {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        match input.trim().to_ascii_lowercase().as_str() {
            "staff" => Ok(Self::Staff),
            "substitute" => Ok(Self::Substitute),
            _ => Err(DomainError::Invalid {
                field: "kind",
                reason: "must be staff or substitute",
            }),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Staff => "staff",
            Self::Substitute => "substitute",
        }
    }
}

/// The name of something that is not a person: a tenant, unit, competence or shift type.
/// Trimmed, 1–100 characters, no control characters, no `|` (the CSV list separator).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Label(String);

impl Label {
    const MAX: usize = 100;

    pub fn parse(field: &'static str, input: &str) -> Result<Self, DomainError> {
        let value = trimmed(field, input, Self::MAX)?;
        if value.chars().any(|c| c.is_control() || c == '|') {
            return Err(DomainError::BadCharacter { field });
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn swedish_and_international_phone_forms_become_e164() {
        for input in [
            "070-123 45 67",
            "+46 70 123 45 67",
            "0046701234567",
            "0701234567",
            "+46 (0)70-123 45 67",
            " 070.123.45.67 ",
        ] {
            let phone = PhoneNumber::parse(input).map(|p| p.as_e164().to_owned());
            assert_eq!(phone, Ok("+46701234567".to_owned()), "input {input:?}");
        }
        assert_eq!(
            PhoneNumber::parse("08-123 456 78").map(|p| p.as_e164().to_owned()),
            Ok("+46812345678".to_owned())
        );
        assert_eq!(
            PhoneNumber::parse("+47 912 34 567").map(|p| p.as_e164().to_owned()),
            Ok("+4791234567".to_owned())
        );
    }

    #[test]
    fn phone_numbers_that_cannot_be_dialled_are_rejected() {
        for input in [
            "",
            "abc",
            "701234567",
            "070-12",
            "+46 70 123 45 67 89 0",
            "+0701234567",
            "070 123 45 67 x",
            "+1234567",
        ] {
            assert!(PhoneNumber::parse(input).is_err(), "input {input:?}");
        }
    }

    #[test]
    fn masked_phone_shows_only_the_last_two_digits() {
        let phone = PhoneNumber::parse("070-123 45 67").map(|p| p.masked());
        assert_eq!(phone, Ok("+•••••••••67".to_owned()));
    }

    #[test]
    fn debug_of_personal_values_hides_the_value() {
        let phone = PhoneNumber::parse("0701234567");
        assert!(!format!("{phone:?}").contains("1234567"));
        let name = PersonName::parse("given_name", "Astrid");
        assert!(!format!("{name:?}").contains("Astrid"));
    }

    #[test]
    fn email_domain_is_lowercased_and_shape_checked() {
        let email = Email::parse(" Anna.Svensson@Kommun.SE ").map(|e| e.as_str().to_owned());
        assert_eq!(email, Ok("Anna.Svensson@kommun.se".to_owned()));
        for bad in [
            "",
            "anna",
            "anna@",
            "@kommun.se",
            "anna@kommun",
            "an na@kommun.se",
        ] {
            assert!(Email::parse(bad).is_err(), "input {bad:?}");
        }
    }

    #[test]
    fn names_keep_swedish_letters_and_reject_control_characters() {
        assert!(PersonName::parse("given_name", "Åsa-Märta").is_ok());
        assert!(PersonName::parse("family_name", "O'Brien").is_ok());
        assert!(PersonName::parse("given_name", "  ").is_err());
        assert!(PersonName::parse("given_name", "Anna\u{7}").is_err());
        assert!(PersonName::parse("given_name", "<script>").is_err());
    }

    #[test]
    fn employment_percent_is_one_to_a_hundred_with_two_decimals() {
        let show = |s: &str| EmploymentPercent::parse(s).map(|p| p.to_string());
        assert_eq!(show("75"), Ok("75".to_owned()));
        assert_eq!(show("87,5"), Ok("87.5".to_owned()));
        assert_eq!(show("33.33 %"), Ok("33.33".to_owned()));
        assert_eq!(show("1"), Ok("1".to_owned()));
        assert_eq!(show("100"), Ok("100".to_owned()));
        for bad in ["0", "0.99", "100.01", "101", "-5", "abc", "", "5.555"] {
            assert!(EmploymentPercent::parse(bad).is_err(), "input {bad:?}");
        }
    }

    #[test]
    fn weekly_minutes_follow_the_percent() {
        let percent =
            EmploymentPercent::parse("75").map(|p| p.weekly_minutes(WeeklyMinutes::FULL_TIME_40H));
        assert_eq!(percent.map(WeeklyMinutes::get), Ok(1800));
    }

    #[test]
    fn person_kind_is_staff_or_substitute() {
        assert_eq!(PersonKind::parse("Staff"), Ok(PersonKind::Staff));
        assert_eq!(PersonKind::parse("substitute"), Ok(PersonKind::Substitute));
        assert!(PersonKind::parse("vikarie").is_err());
    }

    proptest! {
        #[test]
        fn phone_parse_never_panics_and_is_idempotent(input in "\\PC{0,30}") {
            if let Ok(phone) = PhoneNumber::parse(&input) {
                let again = PhoneNumber::parse(phone.as_e164());
                prop_assert_eq!(again.as_ref().map(|p| p.as_e164()), Ok(phone.as_e164()));
            }
        }

        #[test]
        fn any_swedish_mobile_round_trips(rest in "[0-9]{8}") {
            let national = format!("07{rest}");
            let phone = PhoneNumber::parse(&national);
            prop_assert_eq!(phone.map(|p| p.as_e164().to_owned()), Ok(format!("+467{rest}")));
        }

        #[test]
        fn percent_display_parses_back(h in 100u32..=10_000) {
            let p = EmploymentPercent::from_hundredths(h);
            let back = p.as_ref().map(|p| EmploymentPercent::parse(&p.to_string()));
            prop_assert_eq!(back, Ok(p.clone()));
        }
    }
}
