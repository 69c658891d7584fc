//! Working-time rules for Swedish municipal care: the Working Hours Act (ATL) and the
//! municipal agreement (AB), every violation explained in Swedish and English.
//!
//! The crate does no IO and reads no clock. Input is one person's shifts as instant ranges
//! (work, on-call at the workplace, standby), their contract, the rule [`Settings`] of a
//! profile and the time zone; output is a list of [`Violation`]s. Durations are real elapsed
//! time; the 24-hour period (dygn), weeks, months and the night window are Europe/Stockholm
//! wall-clock (or whatever zone the caller gives), so DST nights are handled as people live
//! them: 23 and 25 hours long.
//!
//! [`PersonSchedule`] keeps a person's shifts and answers "may this person also take shift
//! S?" by re-checking only what S can change.

mod calendar;
mod check;
mod messages;
mod model;
mod schedule;
mod settings;

pub use check::Rules;
pub use model::{Contract, Detail, Explanation, RuleId, Shift, Violation};
pub use schedule::PersonSchedule;
pub use settings::{Profile, Settings};

pub use passa_domain::ShiftKind;
