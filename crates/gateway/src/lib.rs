//! SMS transports that leave the machine: 46elks over HTTPS ([`Elks`]) and SMPP 3.4 to an
//! operator ([`Smpp`]). Both implement the app's `SmsTransport`; the outbox, leases and
//! retries are the app's.

mod elks;
mod smpp;

pub use elks::{Elks, ElksConfig, Secret};
pub use smpp::{Smpp, SmppConfig, SmppEvents};

/// rustls needs one crypto provider for the process; ring builds with a C compiler alone.
pub(crate) fn install_crypto() {
    // Already installed (by an earlier transport) is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
}
