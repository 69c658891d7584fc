//! What each command does: paths and configuration here, the work in `passa-app`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use jiff::Timestamp;
use passa_app::{
    AppError, DEMO_TENANT, DemoOptions, IncomingSms, Passa, PlanningOptions, PoolPolicy,
    PoolSettings, SmsTransport,
};
use passa_domain::WeeklyMinutes;
use passa_domain::{PhoneNumber, SmsId};
use passa_gateway::{Elks, ElksConfig, Secret, Smpp, SmppConfig};
use passa_store::Store;
use passa_vault::{BackupRecipients, KeyFile};
use passa_web::{Hooks, IpRange};

use crate::BadInput;
use crate::args::{
    BackupCommand, CheckArgs, Cli, Command, ConfigureArgs, DemoArgs, ExportCommand, ImportCommand,
    InitArgs, SmsCommand, TenantCommand,
};
use crate::config::{
    CONFIG_FILE, Config, default_data_dir, default_key_file, is_inside, redact_url, resolve_url,
};
use crate::progress::Bar;

pub(crate) struct Paths {
    data_dir: PathBuf,
    key_file: PathBuf,
}

impl Paths {
    fn of(cli: &Cli) -> Self {
        Self {
            data_dir: cli.data_dir.clone().unwrap_or_else(default_data_dir),
            key_file: cli.key_file.clone().unwrap_or_else(default_key_file),
        }
    }

    fn initialised(&self) -> bool {
        self.data_dir.join(CONFIG_FILE).exists()
    }
}

/// The clock is read here, once per command, and handed down.
#[allow(clippy::disallowed_methods)] // The one place that may.
pub(crate) fn now() -> Timestamp {
    Timestamp::now()
}

fn load_keys(path: &Path) -> anyhow::Result<KeyFile> {
    let keys = KeyFile::load(path)?;
    if KeyFile::is_shared(path) {
        eprintln!(
            "warning: {} can be read by other users; run `chmod 600` on it",
            path.display()
        );
    }
    Ok(keys)
}

async fn connect(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    passa_store_sql::connect(url)
        .await
        .with_context(|| format!("opening the database {}", redact_url(url)))
}

/// Opens an initialised data directory with its key file.
pub(crate) async fn open(cli: &Cli) -> anyhow::Result<(Passa, Config, Paths)> {
    let paths = Paths::of(cli);
    let config = Config::load(&paths.data_dir)?;
    let keys = load_keys(&paths.key_file)?;
    let url = match &cli.database_url {
        Some(url) => resolve_url(url, &paths.data_dir),
        None => config.resolved_database_url(&paths.data_dir),
    };
    let passa = Passa::open(connect(&url).await?, keys).await?;
    Ok((passa, config, paths))
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match &cli.command {
        Command::Init(args) => init(&cli, args).await.map(|_| ()),
        Command::Tenant(TenantCommand::Create { name }) => {
            let (passa, _, _) = open(&cli).await?;
            let tenant = passa.create_tenant(name, now()).await?;
            println!("Created tenant \"{}\" with its own keys.", tenant.name);
            Ok(())
        }
        Command::Tenant(TenantCommand::List) => {
            let (passa, _, _) = open(&cli).await?;
            let tenants = passa.tenants().await?;
            if tenants.is_empty() {
                println!("No tenants yet. Create one with `passa tenant create NAME`.");
            }
            for t in tenants {
                let c = passa.store().counts(t.id).await?;
                println!(
                    "{}\t{} units\t{} staff\t{} substitutes\tcreated {}",
                    t.name, c.units, c.staff, c.substitutes, t.created_at
                );
            }
            Ok(())
        }
        Command::Import(ImportCommand::People {
            file,
            full_time_hours,
        }) => import_people(&cli, file, *full_time_hours).await,
        Command::Export(ExportCommand::People) => {
            let (passa, _, _) = open(&cli).await?;
            let tenant = passa.tenant(cli.tenant.as_deref()).await?;
            let mut out = ClosedPipe::new(std::io::BufWriter::new(std::io::stdout().lock()));
            let written = passa.export_people(tenant.id, &mut out, "cli", now()).await;
            let flushed = out.flush();
            if out.closed {
                // The reader went away (`passa export people | head`): not an error of ours.
                return Ok(());
            }
            written?;
            flushed.context("writing to stdout")?;
            Ok(())
        }
        Command::Backup(BackupCommand::Create { out }) => backup_create(&cli, out).await,
        Command::Backup(BackupCommand::Verify { file }) => {
            let keys = load_keys(&Paths::of(&cli).key_file)?;
            let input =
                std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
            let (_, s) = passa_app::read_backup(&keys, std::io::BufReader::new(input))?;
            println!(
                "OK: {} is intact and opens with this key file ({} tenants, {} people, {} rows; taken {} from {}).",
                file.display(),
                s.tenants,
                s.people,
                s.rows,
                s.created_at,
                s.source_backend
            );
            Ok(())
        }
        Command::Backup(BackupCommand::Restore { file, init }) => {
            backup_restore(&cli, file, init).await
        }
        Command::Demo(args) => demo(&cli, args).await,
        Command::Check(args) => check(args),
        Command::Solve(args) => crate::solve::run(args),
        Command::Serve(args) => {
            let (passa, config, paths) = open(&cli).await?;
            let bind = args.bind.unwrap_or(config.server.bind);
            let keys = load_keys(&paths.key_file)?;
            serve(Arc::new(passa), &config, &keys, bind).await
        }
        Command::Sms(command) => sms(&cli, command).await,
        Command::Pool(command) => crate::pool::run(&cli, command).await,
    }
}

/// With the console transport nobody else prints what is queued: send it now.
pub(crate) async fn send_console_outbox(
    passa: &Passa,
    config: &Config,
    now: Timestamp,
) -> anyhow::Result<()> {
    if config.sms.provider == "console" {
        let console = crate::transport::Console::default();
        passa
            .dispatch_sms(
                &console,
                &crate::worker::owner(),
                crate::worker::LEASE,
                1_000,
                now,
            )
            .await?;
    }
    Ok(())
}

/// The pool settings that hold for the tenant called `tenant`.
pub(crate) fn pool_settings(config: &Config, tenant: &str) -> anyhow::Result<PoolSettings> {
    settings_of(&config.pool.for_tenant(tenant), &config.time_zone)
}

/// Every tenant's pool settings, for the server: a tenant named under `[pool.tenants]`
/// must exist, so a misspelt name is not silently ignored.
pub(crate) async fn pool_policy(config: &Config, passa: &Passa) -> anyhow::Result<PoolPolicy> {
    let mut policy = PoolPolicy::new(settings_of(&config.pool, &config.time_zone)?);
    if config.pool.tenants.is_empty() {
        return Ok(policy);
    }
    let tenants = passa.tenants().await?;
    for name in config.pool.tenants.keys() {
        let tenant = tenants
            .iter()
            .find(|t| t.name.as_str() == name)
            .ok_or_else(|| BadInput(format!("pool.tenants: no tenant is called \"{name}\"")))?;
        policy.set(tenant.id, pool_settings(config, name)?);
    }
    Ok(policy)
}

fn settings_of(pool: &crate::config::Pool, time_zone: &str) -> anyhow::Result<PoolSettings> {
    let profile = passa_rules::Profile::parse(&pool.profile)
        .ok_or_else(|| BadInput(format!("pool.profile: {} is not AB or ATL", pool.profile)))?;
    let (quiet_from, quiet_to) = parse_quiet_hours(&pool.quiet_hours)?;
    let minutes = |m: u32| std::time::Duration::from_secs(u64::from(m) * 60);
    Ok(PoolSettings {
        profile,
        time_zone: jiff::tz::TimeZone::get(time_zone).map_err(|_| {
            BadInput(format!(
                "unknown time zone {time_zone} in the configuration"
            ))
        })?,
        monthly_cap_minutes: (pool.monthly_cap_hours > 0)
            .then(|| i64::from(pool.monthly_cap_hours) * 60),
        quiet_from,
        quiet_to,
        help_interval: minutes(pool.help_interval_minutes),
        max_declines: pool.max_declines,
        max_cancellations: pool.max_cancellations,
        fairness_window: minutes(pool.fairness_days.saturating_mul(24 * 60)),
    })
}

/// `21:00-07:00` → (21:00, 07:00); empty → no quiet hours (equal ends).
fn parse_quiet_hours(text: &str) -> anyhow::Result<(jiff::civil::Time, jiff::civil::Time)> {
    let text = text.trim();
    if text.is_empty() {
        return Ok((jiff::civil::Time::midnight(), jiff::civil::Time::midnight()));
    }
    let bad = || BadInput(format!("pool.quiet_hours: {text} is not like 21:00-07:00"));
    let (from, to) = text.split_once('-').ok_or_else(bad)?;
    let time = |s: &str| s.trim().parse::<jiff::civil::Time>().map_err(|_| bad());
    Ok((time(from)?, time(to)?))
}

/// The configured SMS transport; `None` when SMS is switched off.
fn transport(
    config: &Config,
    keys: &KeyFile,
    passa: Option<(Arc<Passa>, PoolPolicy)>,
) -> anyhow::Result<Option<Arc<dyn SmsTransport>>> {
    let sms = &config.sms;
    let password = || -> anyhow::Result<Secret> {
        let sealed = sms.password_sealed.as_deref().ok_or_else(|| {
            BadInput(
                "no SMS password configured: run `passa sms configure … --password-stdin`".into(),
            )
        })?;
        Ok(Secret::new(
            keys.open_setting(PASSWORD_LABEL, sealed)?.as_str(),
        ))
    };
    let username = || {
        sms.username
            .clone()
            .ok_or_else(|| BadInput("no SMS username configured".into()))
    };
    match sms.provider.as_str() {
        "none" => Ok(None),
        "console" => Ok(Some(Arc::new(crate::transport::Console::default()))),
        "46elks" => {
            let delivery_url = match &sms.delivery_url_sealed {
                Some(sealed) => Some(Secret::new(
                    keys.open_setting(DELIVERY_LABEL, sealed)?.as_str(),
                )),
                None => None,
            };
            Ok(Some(Arc::new(Elks::new(ElksConfig {
                base_url: sms
                    .endpoint
                    .clone()
                    .unwrap_or_else(|| "https://api.46elks.com".into()),
                username: username()?,
                password: password()?,
                sender: sms.sender.clone(),
                delivery_url,
                timeout: std::time::Duration::from_secs(15),
            })?)))
        }
        "smpp" => {
            let Some((passa, pool)) = passa else {
                return Err(BadInput("SMPP runs inside `passa serve`".into()).into());
            };
            let address = sms.endpoint.clone().ok_or_else(|| {
                BadInput("no SMPP address configured (--endpoint host:port)".into())
            })?;
            let events = Arc::new(crate::transport::SmppToPassa { passa, pool });
            Ok(Some(Arc::new(Smpp::start(
                SmppConfig {
                    address,
                    system_id: username()?,
                    password: password()?,
                    source_addr: sms.sender.clone(),
                    enquire_link: std::time::Duration::from_secs(30),
                    timeout: std::time::Duration::from_secs(15),
                },
                events,
            ))))
        }
        other => Err(BadInput(format!(
            "unknown SMS provider \"{other}\" in the configuration (console, 46elks, smpp or none)"
        ))
        .into()),
    }
}

const PASSWORD_LABEL: &str = "sms.password";
const DELIVERY_LABEL: &str = "sms.delivery_url";

/// `passa sms configure`: secrets go through the key file into `passa.toml` sealed.
fn configure_sms(paths: &Paths, keys: &KeyFile, args: &ConfigureArgs) -> anyhow::Result<()> {
    let mut config = Config::load(&paths.data_dir)?;
    if !["console", "46elks", "smpp", "none"].contains(&args.provider.as_str()) {
        return Err(BadInput(format!(
            "unknown SMS provider \"{}\" (console, 46elks, smpp or none)",
            args.provider
        ))
        .into());
    }
    if let Some(sender) = &args.sender {
        let alphanumeric = sender.len() <= 11 && sender.chars().all(|c| c.is_ascii_alphanumeric());
        if !alphanumeric && PhoneNumber::parse(sender).is_err() {
            return Err(BadInput(
                "--sender must be a phone number or at most 11 letters and digits".into(),
            )
            .into());
        }
        config.sms.sender = sender.clone();
    }
    if let Some(allow) = &args.webhook_allow {
        for r in allow {
            if IpRange::parse(r).is_none() {
                return Err(
                    BadInput(format!("--webhook-allow: {r} is not an address or range")).into(),
                );
            }
        }
        config.sms.webhook_allow = allow.clone();
    }
    let mut lines = std::io::stdin().lines();
    let mut next_line = |what: &str| -> anyhow::Result<String> {
        match lines.next() {
            Some(Ok(line)) if !line.trim().is_empty() => Ok(line.trim().to_owned()),
            _ => Err(BadInput(format!("expected the {what} on standard input")).into()),
        }
    };
    if args.password_stdin {
        config.sms.password_sealed =
            Some(keys.seal_setting(PASSWORD_LABEL, &next_line("password")?));
    }
    if args.delivery_url_stdin {
        config.sms.delivery_url_sealed =
            Some(keys.seal_setting(DELIVERY_LABEL, &next_line("delivery-report URL")?));
    }
    config.sms.provider = args.provider.clone();
    if args.endpoint.is_some() {
        config.sms.endpoint = args.endpoint.clone();
    }
    if args.username.is_some() {
        config.sms.username = args.username.clone();
    }
    if let Some(days) = args.retention_days {
        config.sms.retention_days = days;
    }
    if let Some(seconds) = args.lease_seconds {
        config.sms.lease_seconds = seconds.max(1);
    }
    if let Some(window) = args.window {
        config.sms.window = window.clamp(1, 256);
    }
    // Check that the transport can be built before saving (SMPP connects only in serve).
    if config.sms.provider != "smpp" {
        transport(&config, keys, None)?;
    }
    config.save(&paths.data_dir)?;
    println!(
        "SMS provider set to {} (secrets sealed with the key file in {}).",
        config.sms.provider, CONFIG_FILE
    );
    Ok(())
}

fn retention(config: &Config) -> std::time::Duration {
    std::time::Duration::from_secs(u64::from(config.sms.retention_days) * 86_400)
}

async fn sms(cli: &Cli, command: &SmsCommand) -> anyhow::Result<()> {
    if let SmsCommand::Configure(args) = command {
        let paths = Paths::of(cli);
        return configure_sms(&paths, &load_keys(&paths.key_file)?, args);
    }
    let (passa, config, paths) = open(cli).await?;
    match command {
        SmsCommand::Configure(_) => Ok(()),
        SmsCommand::WebhookSecret => {
            let tenant = passa.tenant(cli.tenant.as_deref()).await?;
            let secret = passa.rotate_webhook_secret(tenant.id, "cli", now()).await?;
            println!(
                "New webhook secret for \"{}\" (shown once; the old one stops working):",
                tenant.name
            );
            println!("  {secret}");
            println!("Give 46elks these URLs (your server's public address in front):");
            println!("  incoming SMS:     /hooks/46elks/{secret}/sms");
            println!("  delivery reports: /hooks/46elks/{secret}/dlr");
            Ok(())
        }
        SmsCommand::Reply(args) => {
            let tenant = passa.tenant(cli.tenant.as_deref()).await?;
            let from = match (&args.from, args.to_sms) {
                (Some(number), _) => {
                    PhoneNumber::parse(number).map_err(|e| BadInput(format!("--from: {e}")))?
                }
                (None, Some(id)) => {
                    passa
                        .sms_recipient(tenant.id, SmsId::new(id), "cli", now())
                        .await?
                }
                (None, None) => {
                    return Err(BadInput("say --from NUMBER or --to-sms ID".into()).into());
                }
            };
            let mut id = [0u8; 8];
            let _ = getrandom::fill(&mut id);
            let sms = IncomingSms {
                provider: "cli".into(),
                provider_id: id.iter().map(|b| format!("{b:02x}")).collect(),
                from,
                text: args.text.clone(),
                received: now(),
            };
            let outcome = passa
                .receive_sms(
                    tenant.id,
                    &sms,
                    &pool_settings(&config, tenant.name.as_str())?,
                    now(),
                )
                .await?;
            println!("Handled as {}.", outcome.as_str());
            send_console_outbox(&passa, &config, now()).await
        }
        SmsCommand::Dispatch => {
            let Some(transport) = transport(&config, &load_keys(&paths.key_file)?, None)? else {
                println!("SMS is switched off (provider = \"none\").");
                return Ok(());
            };
            let r = passa
                .dispatch_sms(
                    transport.as_ref(),
                    &crate::worker::owner(),
                    crate::worker::LEASE,
                    10_000,
                    now(),
                )
                .await?;
            println!(
                "Sent {}, to retry {}, failed {}.",
                r.sent, r.retried, r.failed
            );
            Ok(())
        }
        SmsCommand::Purge(args) => {
            let keep = args.keep_days.map_or_else(
                || retention(&config),
                |d| std::time::Duration::from_secs(u64::from(d) * 86_400),
            );
            let n = passa.purge_sms(keep, now()).await?;
            println!(
                "Erased the numbers and texts of {n} messages older than {} days.",
                keep.as_secs() / 86_400
            );
            Ok(())
        }
        SmsCommand::Status => {
            let tenant = passa.tenant(cli.tenant.as_deref()).await?;
            for (state, n) in passa.sms_counts(tenant.id).await? {
                println!("{state}: {n}");
            }
            Ok(())
        }
    }
}

/// A writer that remembers whether its reader closed the pipe.
struct ClosedPipe<W> {
    inner: W,
    closed: bool,
}

impl<W: Write> ClosedPipe<W> {
    fn new(inner: W) -> Self {
        Self {
            inner,
            closed: false,
        }
    }

    fn note<T>(&mut self, result: std::io::Result<T>) -> std::io::Result<T> {
        if let Err(e) = &result
            && e.kind() == std::io::ErrorKind::BrokenPipe
        {
            self.closed = true;
        }
        result
    }
}

impl<W: Write> Write for ClosedPipe<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let result = self.inner.write(buf);
        self.note(result)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let result = self.inner.flush();
        self.note(result)
    }
}

fn check(args: &CheckArgs) -> anyhow::Result<()> {
    let text = if args.file == "-" {
        std::io::read_to_string(std::io::stdin()).context("reading stdin")?
    } else {
        match std::fs::read_to_string(&args.file) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(BadInput(format!("{} does not exist", args.file)).into());
            }
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                return Err(BadInput(format!("{} is not UTF-8 text", args.file)).into());
            }
            Err(e) => return Err(e).with_context(|| format!("reading {}", args.file)),
        }
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let outcome = crate::check::run(&text, args.format, args.lang, &mut out)?;
    out.flush().context("writing to stdout")?;
    if outcome.violations > 0 {
        return Err(crate::Exit(1).into());
    }
    Ok(())
}

async fn init(cli: &Cli, args: &InitArgs) -> anyhow::Result<Passa> {
    let paths = Paths::of(cli);
    if is_inside(&paths.key_file, &paths.data_dir) {
        return Err(BadInput(format!(
            "the key file {} must live outside the data directory {}: a copy of the data directory must not carry its key",
            paths.key_file.display(),
            paths.data_dir.display()
        ))
        .into());
    }
    if paths.initialised() || paths.data_dir.join("passa.db").exists() {
        bail!(
            "{} is already a Passa data directory",
            paths.data_dir.display()
        );
    }
    if paths.key_file.exists() {
        bail!(
            "key file {} already exists; refusing to overwrite a key (choose another --key-file, or restore into a new data directory with `passa backup restore`)",
            paths.key_file.display()
        );
    }
    let recovery = recovery_recipient(args)?;
    create_private_dir(&paths.data_dir)?;
    let keys = KeyFile::create(&paths.key_file)?;
    let config = Config::new(cli.database_url.clone(), keys.backup_recipient(), recovery);
    config.write_new(&paths.data_dir)?;
    let url = config.resolved_database_url(&paths.data_dir);
    let passa = Passa::open(connect(&url).await?, keys).await?;
    println!("Initialised Passa.");
    println!("  data directory: {}", paths.data_dir.display());
    println!("  database:       {}", redact_url(&url));
    println!(
        "  key file:       {}  (keep an offline copy: without it nothing can be read)",
        paths.key_file.display()
    );
    println!("Next: `passa tenant create NAME`, then `passa import people FILE.csv`.");
    Ok(passa)
}

/// The optional offline recovery recipient, checked before anything is created.
fn recovery_recipient(args: &InitArgs) -> anyhow::Result<Option<String>> {
    match &args.recovery_recipient {
        Some(r) => {
            BackupRecipients::parse([r.as_str()]).map_err(|e| BadInput(e.to_string()))?;
            Ok(Some(r.trim().to_owned()))
        }
        None => Ok(None),
    }
}

fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("restricting {}", dir.display()))?;
    }
    Ok(())
}

async fn import_people(cli: &Cli, file: &Path, full_time_hours: f64) -> anyhow::Result<()> {
    if !(1.0..=60.0).contains(&full_time_hours) {
        return Err(BadInput("--full-time-hours must be between 1 and 60".into()).into());
    }
    let full_time =
        WeeklyMinutes::new((full_time_hours * 60.0).round() as u16).map_err(AppError::from)?;
    let input = match std::fs::File::open(file) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(BadInput(format!("{} does not exist", file.display())).into());
        }
        Err(e) => return Err(e).with_context(|| format!("opening {}", file.display())),
    };
    let (passa, _, _) = open(cli).await?;
    let tenant = passa.tenant(cli.tenant.as_deref()).await?;
    let started = Instant::now();
    let report = passa
        .import_people(
            tenant.id,
            std::io::BufReader::new(input),
            full_time,
            now(),
            &Bar::default(),
        )
        .await?;
    println!(
        "Imported {} people into \"{}\" ({} staff, {} substitutes; {} new units, {} new competences) in {:.1} s.",
        report.people,
        tenant.name,
        report.staff,
        report.substitutes,
        report.new_units,
        report.new_competences,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn backup_create(cli: &Cli, out: &Path) -> anyhow::Result<()> {
    let (passa, config, _) = open(cli).await?;
    let recipients = BackupRecipients::parse(config.backup.recipients.iter().map(String::as_str))?;
    if out.exists() {
        return Err(BadInput(format!(
            "{} already exists; choose a new file name",
            out.display()
        ))
        .into());
    }
    // Written beside the target and renamed at the end, so a half-written backup never
    // carries the final name.
    let partial = out.with_extension("partial");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options
        .open(&partial)
        .with_context(|| format!("creating {}", partial.display()))?;
    let started = Instant::now();
    let result = passa_app::write_backup(
        passa.store().as_ref(),
        &recipients,
        std::io::BufWriter::new(&file),
        now(),
        &Bar::default(),
    )
    .await;
    let summary = match result.and_then(|s| file.sync_all().map(|()| s).map_err(AppError::from)) {
        Ok(s) => s,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e.into());
        }
    };
    std::fs::rename(&partial, out).with_context(|| format!("renaming to {}", out.display()))?;
    let size = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
    println!(
        "Wrote {} ({} bytes, {} tenants, {} people, {} rows) in {:.1} s, encrypted to {} recipient(s).",
        out.display(),
        size,
        summary.tenants,
        summary.people,
        summary.rows,
        started.elapsed().as_secs_f64(),
        config.backup.recipients.len()
    );
    Ok(())
}

async fn backup_restore(cli: &Cli, file: &Path, args: &InitArgs) -> anyhow::Result<()> {
    let paths = Paths::of(cli);
    if paths.initialised() || paths.data_dir.join("passa.db").exists() {
        return Err(BadInput(format!(
            "{} already holds a Passa data directory; restore into a new, empty one",
            paths.data_dir.display()
        ))
        .into());
    }
    if is_inside(&paths.key_file, &paths.data_dir) {
        return Err(BadInput("the key file must live outside the data directory".into()).into());
    }
    let recovery = recovery_recipient(args)?;
    let keys = load_keys(&paths.key_file)?;
    let input = std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
    create_private_dir(&paths.data_dir)?;
    let config = Config::new(cli.database_url.clone(), keys.backup_recipient(), recovery);
    let url = config.resolved_database_url(&paths.data_dir);
    let store = connect(&url).await?;
    let restored = passa_app::restore_backup(
        store.as_ref(),
        &keys,
        std::io::BufReader::new(input),
        &Bar::default(),
    )
    .await;
    let summary = match restored {
        Ok(s) => s,
        Err(e) => {
            // Leave the directory as empty as we found it, so the restore can be retried.
            drop(store);
            for name in ["passa.db", "passa.db-wal", "passa.db-shm"] {
                let _ = std::fs::remove_file(paths.data_dir.join(name));
            }
            return Err(e.into());
        }
    };
    Passa::open(store, keys).await?;
    config.write_new(&paths.data_dir)?;
    println!(
        "Restored {} tenants and {} people ({} rows, backup taken {}) into {}.",
        summary.tenants,
        summary.people,
        summary.rows,
        summary.created_at,
        paths.data_dir.display()
    );
    Ok(())
}

async fn demo(cli: &Cli, args: &DemoArgs) -> anyhow::Result<()> {
    let paths = Paths::of(cli);
    let (passa, config) = if paths.initialised() {
        let (passa, config, _) = open(cli).await?;
        (passa, config)
    } else {
        let passa = init(cli, &args.init).await?;
        (passa, Config::load(&paths.data_dir)?)
    };
    let exists = passa
        .tenants()
        .await?
        .iter()
        .any(|t| t.name.as_str() == DEMO_TENANT);
    if exists {
        println!("The demo tenant \"{DEMO_TENANT}\" is already here; leaving it as it is.");
    } else {
        let options = DemoOptions {
            seed: args.seed,
            time_zone: jiff::tz::TimeZone::get(&config.time_zone).map_err(|_| {
                BadInput(format!(
                    "unknown time zone {} in the configuration",
                    config.time_zone
                ))
            })?,
            ..DemoOptions::default()
        };
        let options = DemoOptions {
            // Municipal care works under the AB agreement.
            planning: (args.plan_seconds > 0).then(|| PlanningOptions {
                profile: passa_rules::Profile::Ab,
                time_zone: options.time_zone.clone(),
                time_limit: std::time::Duration::from_secs(args.plan_seconds),
                // About 4 s a unit on this machine kind (docs/benchmarks.md, unit planning):
                // full cover of the demo's demand; the same plan on every machine.
                max_iterations: Some(750_000),
                threads: 2,
                seed: args.seed,
            }),
            ..options
        };
        let started = Instant::now();
        let report = passa.build_demo(&options, now(), &Bar::default()).await?;
        println!(
            "Built \"{DEMO_TENANT}\" in {:.1} s: {} staff and {} substitutes in {} units ({}), {} shift types, \
             {} demand rows for {} to {}.",
            started.elapsed().as_secs_f64(),
            report.people.staff,
            report.people.substitutes,
            report.units.len(),
            report.units.join(", "),
            report.shift_types,
            report.demand_rows,
            report.period_start,
            report.period_end
        );
        print_demo_plans(&report);
        println!(
            "Substitute pool: {} open orders from what the plans could not cover; an urgent offer \
             round went to {} substitutes by SMS:",
            report.orders, report.offers
        );
        send_console_outbox(&passa, &config, now()).await?;
    }
    let data_dir = paths.data_dir.display();
    let key_file = paths.key_file.display();
    println!("Look at it:");
    println!(
        "  passa --data-dir {data_dir} --key-file {key_file} export people --tenant \"{DEMO_TENANT}\""
    );
    println!(
        "  passa --data-dir {data_dir} --key-file {key_file} serve   # then open http://{}/",
        args.server.bind.unwrap_or(config.server.bind)
    );
    println!(
        "  passa --data-dir {data_dir} --key-file {key_file} sms reply --tenant \"{DEMO_TENANT}\" --to-sms ID \"JA CODE\"   # answer an offer as its substitute"
    );
    println!("Everything personal in {data_dir} is encrypted; try `strings` on the database file.");
    if args.serve {
        let bind = args.server.bind.unwrap_or(config.server.bind);
        let keys = load_keys(&paths.key_file)?;
        serve(Arc::new(passa), &config, &keys, bind).await?;
    }
    Ok(())
}

/// The demo's plans: a line per unit and the whole municipality's figures.
fn print_demo_plans(report: &passa_app::DemoReport) {
    if report.plans.is_empty() {
        return;
    }
    println!(
        "Planned {} weeks for every unit under the AB rules, with {} staff wishes:",
        report.plans.first().map_or(0, |p| p.weeks),
        report.wishes
    );
    let spread = |s: passa_planner::Spread| format!("{}/{}/{}", s.min, s.median, s.max);
    let (mut needed, mut covered, mut wishes, mut granted, mut violations) = (0, 0, 0, 0, 0);
    for p in &report.plans {
        let s = &p.plan.summary;
        needed += s.needed;
        covered += s.covered;
        wishes += s.wishes;
        granted += s.wishes_granted;
        violations += s.violations;
        println!(
            "  {}: {} staff, {} shifts, cover {:.1} %, wishes granted {:.0} %, rule violations {}, \
             nights per person {} and weekends {} (min/median/max)",
            p.unit,
            p.staff,
            s.shifts,
            s.cover_percent,
            s.wishes_granted_percent,
            s.violations,
            spread(s.nights),
            spread(s.weekends)
        );
        for short in p.plan.shortfalls.iter().take(2) {
            println!("      {}", short.explanation.en);
        }
        if let Some(w) = p.plan.unmet_wishes.first() {
            println!("      {}", w.explanation.en);
        }
    }
    let percent = |a: u32, b: u32| {
        if b == 0 {
            100.0
        } else {
            100.0 * f64::from(a) / f64::from(b)
        }
    };
    println!(
        "  In all: cover {:.1} % ({covered} of {needed} people asked for), wishes granted {:.0} % \
         ({granted} of {wishes}), rule violations {violations}.",
        percent(covered, needed),
        percent(
            u32::try_from(granted).unwrap_or(0),
            u32::try_from(wishes).unwrap_or(0)
        ),
    );
}

/// A listener with a deep accept queue: the standard 128 overflows when a provider's burst
/// of webhook calls arrives at once, and a dropped connection is retried only after a
/// second.
fn listen(bind: std::net::SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if bind.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(bind)?;
    socket.listen(4096)
}

async fn serve(
    passa: Arc<Passa>,
    config: &Config,
    keys: &KeyFile,
    bind: std::net::SocketAddr,
) -> anyhow::Result<()> {
    let listener = listen(bind).with_context(|| format!("listening on {bind}"))?;
    let address = listener.local_addr().unwrap_or(bind);
    let pool = pool_policy(config, &passa).await?;
    let allow = config
        .sms
        .webhook_allow
        .iter()
        .map(|r| {
            IpRange::parse(r).ok_or_else(|| {
                BadInput(format!("sms.webhook_allow: {r} is not an address or range"))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let store = passa.store().clone();
    let transport = transport(config, keys, Some((passa.clone(), pool.clone())))?;
    // Announced before the SMS worker starts: the listener already queues connections, and a
    // worker that dies at once (a crash test's abort point) must not take the announcement
    // with it.
    println!("Passa is listening on http://{address}/ (Ctrl-C to stop)");
    std::io::stdout().flush().ok();
    if let Some(transport) = transport {
        crate::worker::spawn(
            passa.clone(),
            transport,
            pool.clone(),
            retention(config),
            std::time::Duration::from_secs(config.sms.lease_seconds.max(1)),
            config.sms.window.max(1),
        );
    }
    let hooks = Hooks {
        passa,
        pool,
        allow,
        clock: Arc::new(now),
    };
    tracing::info!(%address, backend = store.backend(), sms = %config.sms.provider, "serving");
    passa_web::serve(listener, store, Some(hooks), shutdown_signal())
        .await
        .context("serving HTTP")
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pool: &str) -> anyhow::Result<Config> {
        Ok(toml::from_str(&format!(
            "database_url = \"sqlite://passa.db\"\n[backup]\nrecipients = []\n{pool}"
        ))?)
    }

    #[test]
    fn pool_settings_come_from_the_configuration() -> anyhow::Result<()> {
        let defaults = pool_settings(&config("")?, "Kommun")?;
        assert_eq!(defaults.monthly_cap_minutes, Some(165 * 60));
        assert_eq!(
            defaults.quiet_from,
            jiff::civil::Time::constant(21, 0, 0, 0)
        );
        assert_eq!(defaults.quiet_to, jiff::civil::Time::constant(7, 0, 0, 0));
        let local = pool_settings(
            &config(
                "[pool]\nprofile = \"ATL\"\nmonthly_cap_hours = 0\nquiet_hours = \"22:30-06:00\"\nfairness_days = 14\n",
            )?,
            "Kommun",
        )?;
        assert_eq!(local.profile, passa_rules::Profile::Atl);
        assert_eq!(local.monthly_cap_minutes, None);
        assert_eq!(local.quiet_from, jiff::civil::Time::constant(22, 30, 0, 0));
        assert_eq!(local.fairness_window.as_secs(), 14 * 86_400);
        let none = pool_settings(&config("[pool]\nquiet_hours = \"\"\n")?, "Kommun")?;
        assert_eq!(none.quiet_from, none.quiet_to);
        assert!(pool_settings(&config("[pool]\nprofile = \"HÖK\"\n")?, "Kommun").is_err());
        assert!(pool_settings(&config("[pool]\nquiet_hours = \"late\"\n")?, "Kommun").is_err());
        assert!(config("[pool]\nquiet_hour = \"21:00-07:00\"\n").is_err());
        Ok(())
    }

    #[test]
    fn a_tenant_can_have_pool_settings_of_its_own() -> anyhow::Result<()> {
        let c = config(
            "[pool]\nquiet_hours = \"21:00-07:00\"\nwave_size = 5\n\
             [pool.tenants.\"Nacka kommun\"]\nquiet_hours = \"22:00-06:30\"\nmonthly_cap_hours = 0\n",
        )?;
        let nacka = pool_settings(&c, "Nacka kommun")?;
        assert_eq!(nacka.quiet_from, jiff::civil::Time::constant(22, 0, 0, 0));
        assert_eq!(nacka.quiet_to, jiff::civil::Time::constant(6, 30, 0, 0));
        assert_eq!(nacka.monthly_cap_minutes, None);
        // What the tenant leaves out comes from [pool].
        assert_eq!(nacka.max_declines, 5);
        assert_eq!(c.pool.for_tenant("Nacka kommun").wave_size, 5);
        let other = pool_settings(&c, "Värmdö kommun")?;
        assert_eq!(other.quiet_from, jiff::civil::Time::constant(21, 0, 0, 0));
        assert_eq!(other.monthly_cap_minutes, Some(165 * 60));
        // A typo in a tenant's section is refused like one in [pool].
        assert!(config("[pool.tenants.\"Nacka kommun\"]\nquiet_hour = \"22:00-06:00\"\n").is_err());
        assert!(
            pool_settings(
                &config("[pool.tenants.\"Nacka kommun\"]\nprofile = \"HÖK\"\n")?,
                "Nacka kommun"
            )
            .is_err()
        );
        Ok(())
    }
}
