//! The SMS transports the binary can run with.

use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use passa_app::{SmsTransport, TransportError};
use passa_domain::{PhoneNumber, SmsId};

/// Prints each SMS with its number masked, and how to answer it. For the demo and for
/// development: nothing leaves the machine.
#[derive(Debug, Default)]
pub struct Console {
    sent: AtomicU64,
}

#[async_trait]
impl SmsTransport for Console {
    fn name(&self) -> &'static str {
        "console"
    }

    #[allow(clippy::print_stdout)] // Printing is this transport's whole job.
    async fn send(
        &self,
        id: SmsId,
        to: &PhoneNumber,
        body: &str,
    ) -> Result<String, TransportError> {
        let n = self.sent.fetch_add(1, Ordering::Relaxed) + 1;
        let segments = passa_sms::segments(body);
        println!(
            "SMS {} to {} ({} part{}): {body}",
            id.get(),
            to.masked(),
            segments.parts,
            if segments.parts == 1 { "" } else { "s" }
        );
        if body.contains("Kan du jobba") {
            println!(
                "    answer it: passa sms reply --to-sms {} \"JA <code>\"",
                id.get()
            );
        }
        Ok(format!("console-{}-{n}", id.get()))
    }
}
