//! Passa's domain: typed ids, values that parse, and the objects of staff planning.
//!
//! Nothing here does IO, reads a clock or knows a storage format: callers hand in `now`
//! and get values back. Every constructor that takes outside input is a `parse` that
//! returns a [`DomainError`], so a value of one of these types is valid by construction.

mod error;
mod ids;
mod model;
mod pool;
mod values;

pub use error::DomainError;
pub use ids::*;
pub use model::*;
pub use pool::*;
pub use values::*;
