//! 46elks: `POST {base}/a1/sms` with Basic auth and form fields `from`, `to`, `message`,
//! `dontlog=message` (46elks keeps no copy of the text) and `whendelivered` for delivery
//! reports. The answer is JSON with the message `id`.

use std::time::Duration;

use async_trait::async_trait;
use passa_app::{SmsTransport, TransportError};
use passa_domain::{PhoneNumber, SmsId};
use serde::Deserialize;

/// A password or URL with a secret in it: never printed.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// How to reach 46elks.
#[derive(Debug, Clone)]
pub struct ElksConfig {
    /// `https://api.46elks.com` in production; a stand-in in tests.
    pub base_url: String,
    pub username: String,
    pub password: Secret,
    /// An E.164 number or an alphanumeric sender of at most 11 characters.
    pub sender: String,
    /// Where 46elks reports delivery (`…/hooks/46elks/{secret}/dlr`), if set.
    pub delivery_url: Option<Secret>,
    pub timeout: Duration,
}

#[derive(Debug)]
pub struct Elks {
    client: reqwest::Client,
    config: ElksConfig,
}

#[derive(Debug, Deserialize)]
struct Sent {
    id: String,
}

impl Elks {
    pub fn new(config: ElksConfig) -> Result<Self, TransportError> {
        crate::install_crypto();
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .build()
            .map_err(|e| TransportError::Permanent(format!("HTTP client: {e}")))?;
        Ok(Self { client, config })
    }
}

#[async_trait]
impl SmsTransport for Elks {
    fn name(&self) -> &'static str {
        "46elks"
    }

    async fn send(
        &self,
        _id: SmsId,
        to: &PhoneNumber,
        body: &str,
    ) -> Result<String, TransportError> {
        let url = format!("{}/a1/sms", self.config.base_url.trim_end_matches('/'));
        let mut form: Vec<(&str, &str)> = vec![
            ("from", self.config.sender.as_str()),
            ("to", to.as_e164()),
            ("message", body),
            ("dontlog", "message"),
        ];
        if let Some(dlr) = &self.config.delivery_url {
            form.push(("whendelivered", dlr.expose()));
        }
        let response = self
            .client
            .post(&url)
            .basic_auth(&self.config.username, Some(self.config.password.expose()))
            .form(&form)
            .send()
            .await
            // A timeout is ambiguous: 46elks may have taken the message. It is retried,
            // the one place a message can go out twice (no idempotency key exists).
            .map_err(|e| {
                TransportError::Retry(format!("46elks unreachable: {}", e.without_url()))
            })?;
        let status = response.status();
        if status.is_success() {
            let sent: Sent = response.json().await.map_err(|_| {
                TransportError::Retry("46elks answered without a message id".into())
            })?;
            return Ok(sent.id);
        }
        // The body may echo the number; only the status goes into the error.
        if status.as_u16() == 429 || status.is_server_error() {
            Err(TransportError::Retry(format!("46elks answered {status}")))
        } else {
            Err(TransportError::Permanent(format!(
                "46elks refused: {status}"
            )))
        }
    }
}
