//! Where things live: default paths and the data directory's configuration file.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

pub const CONFIG_FILE: &str = "passa.toml";
const SQLITE_FILE: &str = "passa.db";

/// The data directory's `passa.toml`. Unknown fields are rejected so a typo is not ignored.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `sqlite://passa.db` (relative to the data directory) or `postgres://…`.
    pub database_url: String,
    #[serde(default = "default_time_zone")]
    pub time_zone: String,
    #[serde(default)]
    pub server: Server,
    pub backup: Backup,
    #[serde(default)]
    pub sms: Sms,
    #[serde(default)]
    pub pool: Pool,
}

/// The substitute pool's local settings: the municipality's own rules on top of the law.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pool {
    /// Working-time rules bookings are checked against: `AB` or `ATL`.
    #[serde(default = "default_profile")]
    pub profile: String,
    /// Most booked hours per calendar month for a substitute; 0: no local cap.
    #[serde(default = "default_monthly_cap")]
    pub monthly_cap_hours: u32,
    /// No offers go out in these local hours unless the order is urgent, e.g. `21:00-07:00`;
    /// empty: none.
    #[serde(default = "default_quiet_hours")]
    pub quiet_hours: String,
    /// Declines and cancellations over which a candidate is flagged to the planner.
    #[serde(default = "default_max_declines")]
    pub max_declines: u32,
    #[serde(default = "default_max_cancellations")]
    pub max_cancellations: u32,
    /// Days back that fairness (offers, booked hours) looks.
    #[serde(default = "default_fairness_days")]
    pub fairness_days: u32,
    /// At most one help reply per number within this many minutes.
    #[serde(default = "default_help_minutes")]
    pub help_interval_minutes: u32,
    /// Offers per wave, and minutes between waves, unless the planner says otherwise.
    #[serde(default = "default_wave_size")]
    pub wave_size: u32,
    #[serde(default = "default_wave_wait")]
    pub wave_wait_minutes: u32,
    /// A tenant's own settings, by tenant name (`[pool.tenants."Nacka kommun"]`); what a
    /// tenant leaves out comes from the lines above.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tenants: BTreeMap<String, PoolOverride>,
}

/// One tenant's pool settings where they differ from the instance's.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolOverride {
    pub profile: Option<String>,
    pub monthly_cap_hours: Option<u32>,
    pub quiet_hours: Option<String>,
    pub max_declines: Option<u32>,
    pub max_cancellations: Option<u32>,
    pub fairness_days: Option<u32>,
    pub help_interval_minutes: Option<u32>,
    pub wave_size: Option<u32>,
    pub wave_wait_minutes: Option<u32>,
}

impl Pool {
    /// The settings that hold for the tenant called `name`.
    pub fn for_tenant(&self, name: &str) -> Pool {
        let Some(o) = self.tenants.get(name) else {
            return Pool {
                tenants: BTreeMap::new(),
                ..self.clone()
            };
        };
        Pool {
            profile: o.profile.clone().unwrap_or_else(|| self.profile.clone()),
            monthly_cap_hours: o.monthly_cap_hours.unwrap_or(self.monthly_cap_hours),
            quiet_hours: o
                .quiet_hours
                .clone()
                .unwrap_or_else(|| self.quiet_hours.clone()),
            max_declines: o.max_declines.unwrap_or(self.max_declines),
            max_cancellations: o.max_cancellations.unwrap_or(self.max_cancellations),
            fairness_days: o.fairness_days.unwrap_or(self.fairness_days),
            help_interval_minutes: o
                .help_interval_minutes
                .unwrap_or(self.help_interval_minutes),
            wave_size: o.wave_size.unwrap_or(self.wave_size),
            wave_wait_minutes: o.wave_wait_minutes.unwrap_or(self.wave_wait_minutes),
            tenants: BTreeMap::new(),
        }
    }
}

impl Default for Pool {
    fn default() -> Self {
        Self {
            profile: default_profile(),
            monthly_cap_hours: default_monthly_cap(),
            quiet_hours: default_quiet_hours(),
            max_declines: default_max_declines(),
            max_cancellations: default_max_cancellations(),
            fairness_days: default_fairness_days(),
            help_interval_minutes: default_help_minutes(),
            wave_size: default_wave_size(),
            wave_wait_minutes: default_wave_wait(),
            tenants: BTreeMap::new(),
        }
    }
}

fn default_profile() -> String {
    "AB".into()
}

fn default_monthly_cap() -> u32 {
    165
}

fn default_quiet_hours() -> String {
    "21:00-07:00".into()
}

fn default_max_declines() -> u32 {
    5
}

fn default_max_cancellations() -> u32 {
    3
}

fn default_fairness_days() -> u32 {
    28
}

fn default_help_minutes() -> u32 {
    60
}

fn default_wave_size() -> u32 {
    5
}

fn default_wave_wait() -> u32 {
    30
}

/// Which SMS transport the server uses, and how long numbers and texts are kept.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sms {
    /// `console` (prints, for the demo and development), `46elks`, `smpp` or `none`.
    #[serde(default = "default_provider")]
    pub provider: String,
    /// Sender id: an E.164 number or up to 11 letters and digits.
    #[serde(default = "default_sender")]
    pub sender: String,
    /// 46elks: API base URL (default https://api.46elks.com); SMPP: host:port.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// 46elks API username or SMPP system_id.
    #[serde(default)]
    pub username: Option<String>,
    /// The password, sealed with the key file (`passa sms configure`); never plain here.
    #[serde(default)]
    pub password_sealed: Option<String>,
    /// The 46elks delivery-report URL (it holds a webhook secret), sealed with the key file.
    #[serde(default)]
    pub delivery_url_sealed: Option<String>,
    /// Source addresses allowed to call the webhooks (`192.0.2.0/24`); empty: any.
    #[serde(default)]
    pub webhook_allow: Vec<String>,
    /// Days numbers and texts are kept after the final delivery status.
    #[serde(default = "default_retention")]
    pub retention_days: u32,
    /// Seconds a dispatcher holds a message it is sending before another may take it.
    #[serde(default = "default_lease")]
    pub lease_seconds: u64,
    /// Messages a dispatcher has in flight at once; also how many a crash can resend.
    #[serde(default = "default_window")]
    pub window: usize,
}

fn default_window() -> usize {
    16
}

fn default_lease() -> u64 {
    60
}

impl Default for Sms {
    fn default() -> Self {
        Self {
            provider: default_provider(),
            sender: default_sender(),
            endpoint: None,
            username: None,
            password_sealed: None,
            delivery_url_sealed: None,
            webhook_allow: Vec::new(),
            retention_days: default_retention(),
            lease_seconds: default_lease(),
            window: default_window(),
        }
    }
}

fn default_provider() -> String {
    "console".into()
}

fn default_sender() -> String {
    "Passa".into()
}

fn default_retention() -> u32 {
    30
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Server {
    pub bind: SocketAddr,
}

impl Default for Server {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
        }
    }
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Backup {
    /// age recipients: the operations key (from the key file) and, optionally, an offline
    /// recovery key.
    pub recipients: Vec<String>,
}

fn default_time_zone() -> String {
    "Europe/Stockholm".into()
}

impl fmt::Debug for Config {
    /// The database URL may carry a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &redact_url(&self.database_url))
            .field("time_zone", &self.time_zone)
            .finish_non_exhaustive()
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let rest = &url[scheme_end..];
    let Some(at) = rest.find('@') else {
        return url.to_owned();
    };
    match rest[..at].find(':') {
        Some(colon) => format!(
            "{}{}:***{}",
            &url[..scheme_end],
            &rest[..colon],
            &rest[at..]
        ),
        None => url.to_owned(),
    }
}

impl Config {
    pub fn new(database_url: Option<String>, recipient: String, recovery: Option<String>) -> Self {
        Self {
            database_url: database_url.unwrap_or_else(|| format!("sqlite://{SQLITE_FILE}")),
            time_zone: default_time_zone(),
            server: Server::default(),
            backup: Backup {
                recipients: std::iter::once(recipient).chain(recovery).collect(),
            },
            sms: Sms::default(),
            pool: Pool::default(),
        }
    }

    pub fn load(data_dir: &Path) -> anyhow::Result<Self> {
        let path = data_dir.join(CONFIG_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
                "no Passa data directory at {} (run `passa init`, or set --data-dir / PASSA_DATA_DIR)",
                data_dir.display()
            ),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        toml::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{} is not valid: {}", path.display(), e.message()))
    }

    /// Writes the configuration, readable only by its owner (it may hold a database password).
    pub fn write_new(&self, data_dir: &Path) -> anyhow::Result<()> {
        self.write_to(&data_dir.join(CONFIG_FILE))
    }

    fn write_to(&self, path: &Path) -> anyhow::Result<()> {
        let body = format!(
            "# Passa configuration. Keys live in the key file, never here.\n{}",
            toml::to_string(self).context("writing the configuration")?
        );
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options
            .open(path)
            .with_context(|| format!("creating {}", path.display()))?;
        std::io::Write::write_all(&mut file, body.as_bytes())
            .with_context(|| format!("writing {}", path.display()))
    }

    /// Replaces the configuration file: written beside it, then renamed over it.
    pub fn save(&self, data_dir: &Path) -> anyhow::Result<()> {
        let tmp = data_dir.join(format!("{CONFIG_FILE}.new"));
        let _ = std::fs::remove_file(&tmp);
        let tmp_dir = tmp.parent().unwrap_or(data_dir);
        self.write_to(&tmp)?;
        std::fs::rename(&tmp, data_dir.join(CONFIG_FILE))
            .with_context(|| format!("replacing the configuration in {}", tmp_dir.display()))
    }

    /// The database URL with a relative SQLite path resolved against the data directory.
    pub fn resolved_database_url(&self, data_dir: &Path) -> String {
        resolve_url(&self.database_url, data_dir)
    }
}

pub fn resolve_url(url: &str, data_dir: &Path) -> String {
    match url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        Some(path) if Path::new(path).is_relative() => {
            format!("sqlite://{}", data_dir.join(path).display())
        }
        _ => url.to_owned(),
    }
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

fn xdg(var: &str, fallback: &str) -> PathBuf {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| home().map(|h| h.join(fallback)))
        .unwrap_or_else(|| PathBuf::from("."))
}

pub fn default_data_dir() -> PathBuf {
    xdg("XDG_DATA_HOME", ".local/share").join("passa")
}

pub fn default_key_file() -> PathBuf {
    xdg("XDG_CONFIG_HOME", ".config")
        .join("passa")
        .join("passa.key")
}

/// Whether `inner` lies inside `outer` (after resolving what exists of both).
pub fn is_inside(inner: &Path, outer: &Path) -> bool {
    let norm = |p: &Path| {
        let absolute = if p.is_absolute() {
            p.to_owned()
        } else {
            std::env::current_dir()
                .map(|d| d.join(p))
                .unwrap_or_else(|_| p.to_owned())
        };
        // Canonicalise the longest existing ancestor, then re-append the rest.
        let mut existing = absolute.as_path();
        let mut rest = Vec::new();
        while !existing.exists() {
            match (existing.parent(), existing.file_name()) {
                (Some(parent), Some(name)) => {
                    rest.push(name.to_owned());
                    existing = parent;
                }
                _ => break,
            }
        }
        let mut out = existing
            .canonicalize()
            .unwrap_or_else(|_| existing.to_owned());
        for part in rest.iter().rev() {
            out.push(part);
        }
        out
    };
    norm(inner).starts_with(norm(outer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_database_urls_are_hidden() {
        assert_eq!(
            redact_url("postgres://passa:s3cret@db:5432/passa"),
            "postgres://passa:***@db:5432/passa"
        );
        assert_eq!(
            redact_url("postgres://passa@db/passa"),
            "postgres://passa@db/passa"
        );
        assert_eq!(redact_url("sqlite://passa.db"), "sqlite://passa.db");
    }

    #[test]
    fn relative_sqlite_paths_live_in_the_data_directory() {
        assert_eq!(
            resolve_url("sqlite://passa.db", Path::new("/srv/passa")),
            "sqlite:///srv/passa/passa.db"
        );
        assert_eq!(
            resolve_url("sqlite:///var/x.db", Path::new("/srv/passa")),
            "sqlite:///var/x.db"
        );
        assert_eq!(
            resolve_url("postgres://h/db", Path::new("/srv/passa")),
            "postgres://h/db"
        );
    }

    #[test]
    fn a_key_file_inside_the_data_directory_is_detected() {
        assert!(is_inside(
            Path::new("/srv/passa/keys/k"),
            Path::new("/srv/passa")
        ));
        assert!(!is_inside(
            Path::new("/etc/passa/k"),
            Path::new("/srv/passa")
        ));
        assert!(!is_inside(
            Path::new("/srv/passa2/k"),
            Path::new("/srv/passa")
        ));
    }
}
