//! Offer codes: four digits a person types back, single-use, stored only as a keyed hash.

use rand::{Rng, RngExt};

/// A four-digit offer code, 1000–9999 (no leading zero to lose when typed).
#[derive(Clone, PartialEq, Eq)]
pub struct OfferCode(String);

impl OfferCode {
    /// A fresh code that is none of `taken` (the person's other open codes).
    pub fn generate(rng: &mut impl Rng, taken: &[OfferCode]) -> Self {
        loop {
            let code = Self(rng.random_range(1000..=9999u32).to_string());
            if !taken.contains(&code) {
                return code;
            }
        }
    }

    /// A code as typed in a reply: digits only.
    pub fn parse(s: &str) -> Option<Self> {
        (!s.is_empty() && s.len() <= 8 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

// A code is a credential for one booking: it stays out of logs.
impl std::fmt::Debug for OfferCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OfferCode(****)")
    }
}
