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

/// Hands what the SMSC says to Passa: replies as if they came through a webhook, delivery
/// receipts to the outbox.
pub struct SmppToPassa {
    pub passa: std::sync::Arc<passa_app::Passa>,
    pub pool: passa_app::PoolPolicy,
}

#[async_trait]
impl passa_gateway::SmppEvents for SmppToPassa {
    async fn inbound(&self, id: String, from: PhoneNumber, text: String) {
        let now = crate::commands::now();
        let tenant = match self.passa.tenant_for_number(&from).await {
            Ok(Some(t)) => t,
            Ok(None) => return,
            Err(e) => {
                tracing::error!(error = %e, "SMPP inbound: finding the tenant failed");
                return;
            }
        };
        let sms = passa_app::IncomingSms {
            provider: "smpp".into(),
            provider_id: id,
            from,
            text,
            received: now,
        };
        match self
            .passa
            .receive_sms(tenant, &sms, self.pool.for_tenant(tenant), now)
            .await
        {
            Ok(outcome) => tracing::info!(outcome = outcome.as_str(), "inbound SMS handled"),
            Err(e) => tracing::error!(error = %e, "SMPP inbound SMS failed"),
        }
    }

    async fn delivery(&self, message_id: String, status: passa_store::DeliveryStatus) {
        let now = crate::commands::now();
        if let Err(e) = self
            .passa
            .sms_delivery(None, "smpp", &message_id, status, now)
            .await
        {
            tracing::error!(error = %e, "SMPP delivery receipt failed");
        }
    }
}
