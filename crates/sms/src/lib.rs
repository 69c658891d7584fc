//! SMS without IO: what a message costs (GSM 03.38 or UCS-2, and how many parts), what a
//! reply means (`JA 4821`, `nej`, `STOP`), the single-use offer codes, and the few short
//! Swedish texts Passa sends. Transports and storage live elsewhere.
//!
//! Texts carry the minimum: a date, a time, a unit name, a code. Never a care recipient,
//! never a health detail, never a link.

mod code;
mod gsm;
mod reply;
mod text;

pub use code::OfferCode;
pub use gsm::{Encoding, Segments, decode_gsm7, encode_gsm7, segments};
pub use reply::{Keyword, Reply, parse_reply};
pub use text::{ShiftText, Texts};
