//! 46elks webhooks: inbound SMS and delivery reports.
//!
//! 46elks signs nothing, so the tenant's unguessable secret is in the path, an optional
//! source-IP allowlist narrows who may call, and every message is deduplicated on the
//! provider's `id`. Any answer but 2xx makes 46elks retry for hours, so a message that
//! cannot be read is answered 204 and dropped (nothing of it is logged), and only a failure
//! of ours (the database) answers 500 to have it sent again.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Form;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use passa_app::{IncomingSms, Passa, PoolPolicy};
use passa_domain::{PhoneNumber, TenantId};
use passa_store::DeliveryStatus;
use serde::Deserialize;

/// The provider name stored with 46elks messages.
pub const PROVIDER: &str = "46elks";

/// Reads the clock: the web crate takes it from the binary, which owns the one clock.
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// An address range: an address and how many leading bits must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    addr: IpAddr,
    prefix: u8,
}

impl IpRange {
    /// `192.0.2.10`, `192.0.2.0/24`, `2001:db8::/32`.
    pub fn parse(s: &str) -> Option<Self> {
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((a, p)) => (a.parse::<IpAddr>().ok()?, p.parse::<u8>().ok()?),
            None => {
                let a = s.trim().parse::<IpAddr>().ok()?;
                (a, if a.is_ipv4() { 32 } else { 128 })
            }
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        (prefix <= max).then_some(Self { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.addr, ip) {
            (IpAddr::V4(a), IpAddr::V4(b)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(a) & mask == u32::from(b) & mask
            }
            (IpAddr::V6(a), IpAddr::V6(b)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(a) & mask == u128::from(b) & mask
            }
            _ => false,
        }
    }
}

/// What the webhooks need.
#[derive(Clone)]
pub struct Hooks {
    pub passa: Arc<Passa>,
    /// Each tenant's pool settings.
    pub pool: PoolPolicy,
    /// Empty: any source address.
    pub allow: Vec<IpRange>,
    pub clock: Clock,
}

impl std::fmt::Debug for Hooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hooks")
            .field("allow", &self.allow)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct InboundForm {
    id: String,
    from: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    direction: Option<String>,
    #[serde(default)]
    created: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct DeliveryForm {
    id: String,
    status: String,
    #[serde(default)]
    delivered: Option<String>,
}

fn allowed(hooks: &Hooks, peer: SocketAddr) -> bool {
    hooks.allow.is_empty() || hooks.allow.iter().any(|r| r.contains(peer.ip()))
}

async fn tenant(hooks: &Hooks, secret: &str) -> Result<TenantId, Response> {
    match hooks
        .passa
        .tenant_for_webhook(secret, (hooks.clock)())
        .await
    {
        Ok(Some(t)) => Ok(t),
        Ok(None) => Err(StatusCode::NOT_FOUND.into_response()),
        Err(e) => {
            tracing::error!(error = %e, "webhook: looking up the secret failed");
            Err(StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
    }
}

/// 46elks writes times as "2026-12-17 06:00:00.123456" in UTC.
fn provider_time(s: Option<&str>) -> Option<Timestamp> {
    let s = s?.trim();
    s.parse::<Timestamp>().ok().or_else(|| {
        let civil = s.replace(' ', "T").parse::<jiff::civil::DateTime>().ok()?;
        jiff::tz::TimeZone::UTC.to_timestamp(civil).ok()
    })
}

pub(crate) async fn inbound(
    State(hooks): State<Hooks>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(secret): Path<String>,
    Form(form): Form<InboundForm>,
) -> Response {
    if !allowed(&hooks, peer) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let tenant = match tenant(&hooks, &secret).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    if form.direction.as_deref().is_some_and(|d| d != "incoming") {
        return StatusCode::NO_CONTENT.into_response();
    }
    let Ok(from) = PhoneNumber::parse(&form.from) else {
        tracing::info!(
            "webhook: an inbound SMS from a sender that is not a phone number was dropped"
        );
        return StatusCode::NO_CONTENT.into_response();
    };
    let now = (hooks.clock)();
    let sms = IncomingSms {
        provider: PROVIDER.into(),
        provider_id: form.id,
        from,
        text: form.message,
        received: provider_time(form.created.as_deref()).unwrap_or(now),
    };
    match hooks
        .passa
        .receive_sms(tenant, &sms, hooks.pool.for_tenant(tenant), now)
        .await
    {
        Ok(outcome) => {
            passa_app::crash::point("reply.handled");
            tracing::info!(outcome = outcome.as_str(), "inbound SMS handled");
            StatusCode::OK.into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "inbound SMS failed; the provider will retry");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

pub(crate) async fn delivery(
    State(hooks): State<Hooks>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(secret): Path<String>,
    Form(form): Form<DeliveryForm>,
) -> Response {
    if !allowed(&hooks, peer) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let tenant = match tenant(&hooks, &secret).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    let status = match form.status.as_str() {
        "delivered" => DeliveryStatus::Delivered,
        "failed" => DeliveryStatus::Failed,
        "sent" => DeliveryStatus::Sent,
        _ => return StatusCode::NO_CONTENT.into_response(),
    };
    let at = provider_time(form.delivered.as_deref()).unwrap_or_else(|| (hooks.clock)());
    match hooks
        .passa
        .sms_delivery(Some(tenant), PROVIDER, &form.id, status, at)
        .await
    {
        Ok(_) => StatusCode::OK.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "delivery report failed; the provider will retry");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_match_v4_v6_and_mapped_addresses() {
        let r = IpRange::parse("192.0.2.0/24").unwrap_or_else(|| unreachable!());
        assert!(r.contains("192.0.2.77".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))));
        assert!(!r.contains("192.0.3.1".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))));
        assert!(
            r.contains(
                "::ffff:192.0.2.5"
                    .parse()
                    .unwrap_or(IpAddr::from([0, 0, 0, 0]))
            )
        );
        let one = IpRange::parse("127.0.0.1").unwrap_or_else(|| unreachable!());
        assert!(one.contains("127.0.0.1".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))));
        assert!(!one.contains("127.0.0.2".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))));
        let v6 = IpRange::parse("2001:db8::/32").unwrap_or_else(|| unreachable!());
        assert!(v6.contains("2001:db8::1".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))));
        assert!(IpRange::parse("10.0.0.0/33").is_none());
        assert!(IpRange::parse("nonsense").is_none());
    }

    #[test]
    fn provider_times_read_in_utc() {
        assert_eq!(
            provider_time(Some("2026-12-17 06:00:00.123456")).map(|t| t.to_string()),
            Some("2026-12-17T06:00:00.123456Z".into())
        );
        assert_eq!(provider_time(Some("garbage")), None);
    }
}
