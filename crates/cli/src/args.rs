//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Passa: staff scheduling and substitute pool for municipal care, safe by design.
#[derive(Debug, Parser)]
#[command(name = "passa", version, about, max_term_width = 100)]
pub struct Cli {
    /// Data directory (database, configuration) [default: $XDG_DATA_HOME/passa]
    #[arg(long, global = true, env = "PASSA_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Key file, kept outside the data directory [default: $XDG_CONFIG_HOME/passa/passa.key]
    #[arg(long, global = true, env = "PASSA_KEY_FILE", value_name = "FILE")]
    pub key_file: Option<PathBuf>,

    /// Database URL (sqlite://PATH or postgres://…); overrides the data directory's setting
    #[arg(
        long,
        global = true,
        env = "PASSA_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,

    /// Tenant to work on; may be left out when there is only one
    #[arg(long, global = true, env = "PASSA_TENANT", value_name = "NAME")]
    pub tenant: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the data directory, configuration, database and key file
    Init(InitArgs),
    /// Manage tenants (one data controller each: a municipality or a board)
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Import data from files
    #[command(subcommand)]
    Import(ImportCommand),
    /// Export data (personal data reads are recorded in the audit log)
    #[command(subcommand)]
    Export(ExportCommand),
    /// Encrypted backups
    #[command(subcommand)]
    Backup(BackupCommand),
    /// Build a demo municipality with generated people and four weeks of demand
    Demo(DemoArgs),
    /// Run the HTTP server
    Serve(ServeArgs),
    /// Check shifts against the working-time rules (ATL, AB): exit 0 none, 1 violations, 2 bad input
    Check(CheckArgs),
    /// Optimise a roster for a benchmark instance (Curtois & Qu format), or evaluate one
    Solve(SolveArgs),
    /// The SMS function: webhook secret, replies by hand, sending, retention
    #[command(subcommand)]
    Sms(SmsCommand),
    /// The substitute pool: availability, orders, candidates, bookings and SMS offers
    #[command(subcommand)]
    Pool(PoolCommand),
}

#[derive(Debug, Subcommand)]
pub enum PoolCommand {
    /// Add when a substitute can work
    Available(AvailableArgs),
    /// Order a substitute for a vacant shift
    Order(OrderArgs),
    /// List orders: open and offering ones, or --all
    Orders {
        #[arg(long)]
        all: bool,
    },
    /// Rank the substitutes for an order, each with the reasons (names shown are a
    /// recorded read of personal data)
    Candidates {
        /// The order's number
        order: i64,
        /// Show this many, best first
        #[arg(long, default_value_t = 15)]
        limit: usize,
        /// Language of the reasons
        #[arg(long, value_enum, default_value = "sv")]
        lang: crate::check::Lang,
    },
    /// Book a substitute directly, inside their own availability; they get a
    /// confirmation SMS
    Book {
        /// The order's number
        order: i64,
        /// The substitute's employee number
        #[arg(long, value_name = "EMPLOYEE_NUMBER")]
        person: String,
    },
    /// Send SMS offers in waves, best candidates first; the first JA gets the shift
    Offer(OfferArgs),
    /// Stop an order's offers; later answers are told the shift is no longer free
    Stop {
        /// The order's number
        order: i64,
    },
}

#[derive(Debug, Args)]
pub struct AvailableArgs {
    /// The substitute's employee number
    #[arg(long, value_name = "EMPLOYEE_NUMBER")]
    pub person: String,
    /// A single interval, local time: "2026-12-03 07:00/2026-12-03 16:00" (repeatable)
    #[arg(long, value_name = "FROM/TO")]
    pub interval: Vec<String>,
    /// Every week from today: "mon 07:00-16:00" (mån, tis … sön work too; an end before
    /// the start runs past midnight) (repeatable)
    #[arg(long, value_name = "DAY FROM-TO")]
    pub weekly: Vec<String>,
}

#[derive(Debug, Args)]
pub struct OrderArgs {
    /// The unit's name
    #[arg(long)]
    pub unit: String,
    /// Start, local time: "2026-12-03 07:00"
    #[arg(long, value_name = "DATE TIME")]
    pub start: String,
    /// End, local time: "2026-12-03 16:00", or just "16:00" (past midnight: the next day)
    #[arg(long, value_name = "[DATE] TIME")]
    pub end: String,
    /// The competence the shift needs (e.g. Undersköterska); left out: anyone
    #[arg(long)]
    pub competence: Option<String>,
    /// Why: sick, leave, vacancy, extra or other
    #[arg(long, default_value = "sick")]
    pub reason: String,
    /// Unpaid break in minutes
    #[arg(long, default_value_t = 0)]
    pub break_minutes: u16,
    /// Practical information for the substitute (where to report, keys). Never name a care
    /// recipient or write anything that points one out. Kept sealed; at most 500 characters
    #[arg(long)]
    pub note: Option<String>,
    /// Offers may go out during the quiet hours too
    #[arg(long)]
    pub urgent: bool,
}

#[derive(Debug, Args)]
pub struct OfferArgs {
    /// The order's number
    pub order: i64,
    /// Offers per wave [default: pool.wave_size in passa.toml, 5]
    #[arg(long)]
    pub wave_size: Option<u32>,
    /// Minutes between waves [default: pool.wave_wait_minutes in passa.toml, 30]
    #[arg(long, value_name = "MINUTES")]
    pub wave_wait: Option<u32>,
}

#[derive(Debug, Subcommand)]
pub enum SmsCommand {
    /// Choose the SMS provider and its credentials (secrets are sealed with the key file)
    Configure(ConfigureArgs),
    /// Make (or replace) the tenant's webhook secret; it is shown once
    WebhookSecret,
    /// Hand Passa an inbound SMS exactly as the webhook would (for the demo and support)
    Reply(ReplyArgs),
    /// Send what is due in the outbox now, through the configured transport
    Dispatch,
    /// Erase numbers and texts older than the retention time
    Purge(PurgeArgs),
    /// Outbox counts by state
    Status,
}

#[derive(Debug, Args)]
pub struct ConfigureArgs {
    /// console, 46elks, smpp or none
    #[arg(long)]
    pub provider: String,
    /// 46elks: the API base URL [default: https://api.46elks.com]; SMPP: host:port
    #[arg(long)]
    pub endpoint: Option<String>,
    /// 46elks API username, or SMPP system_id
    #[arg(long)]
    pub username: Option<String>,
    /// Sender id: an E.164 number or up to 11 letters and digits
    #[arg(long)]
    pub sender: Option<String>,
    /// Read the password from the first line of standard input
    #[arg(long)]
    pub password_stdin: bool,
    /// 46elks delivery-report URL (it holds the webhook secret): read from the next line
    /// of standard input
    #[arg(long)]
    pub delivery_url_stdin: bool,
    /// Source addresses allowed to call the webhooks, comma-separated (`192.0.2.0/24`)
    #[arg(long, value_delimiter = ',')]
    pub webhook_allow: Option<Vec<String>>,
    /// Days to keep numbers and texts after the final delivery status
    #[arg(long)]
    pub retention_days: Option<u32>,
    /// Seconds a dispatcher holds a message it is sending before another process may
    /// take it over (after a crash)
    #[arg(long)]
    pub lease_seconds: Option<u64>,
    /// Messages in flight at once per dispatcher (a crash can resend at most these)
    #[arg(long)]
    pub window: Option<usize>,
}

#[derive(Debug, Args)]
pub struct ReplyArgs {
    /// The sender's number
    #[arg(long, value_name = "NUMBER", required_unless_present = "to_sms")]
    pub from: Option<String>,
    /// Reply as the recipient of this outbox message (its id as the console printed it)
    #[arg(long, value_name = "ID", conflicts_with = "from")]
    pub to_sms: Option<i64>,
    /// The text, e.g. "JA 4821"
    pub text: String,
}

#[derive(Debug, Args)]
pub struct PurgeArgs {
    /// Keep this many days instead of the configured retention
    #[arg(long, value_name = "DAYS")]
    pub keep_days: Option<u32>,
}

#[derive(Debug, Args)]
pub struct SolveArgs {
    /// The instance file
    pub instance: std::path::PathBuf,
    /// Seconds to search
    #[arg(long, value_name = "SECONDS", required_unless_present = "evaluate")]
    pub time_limit: Option<f64>,
    /// Search threads [default: the number of cores]
    #[arg(long)]
    pub threads: Option<usize>,
    /// Seed: the same seed and thread count give the same search
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Where to write the roster (one line per employee: EmployeeID,s0,…)
    #[arg(long, value_name = "ROSTER", required_unless_present = "evaluate")]
    pub out: Option<std::path::PathBuf>,
    /// Evaluate this roster instead of searching: prints the objective or the broken constraints
    #[arg(long, value_name = "ROSTER", conflicts_with_all = ["time_limit", "out"])]
    pub evaluate: Option<std::path::PathBuf>,
    /// Stop each thread after this many moves, whatever the time (reproducible runs)
    #[arg(long, hide = true)]
    pub max_iterations: Option<u64>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// JSON file with timezone, profile, day_break, people and shifts; - reads stdin
    pub file: String,
    /// Output: one JSON object, or a readable table
    #[arg(long, value_enum, default_value = "json")]
    pub format: crate::check::Format,
    /// Language of the table's explanations (JSON always carries both)
    #[arg(long, value_enum, default_value = "sv")]
    pub lang: crate::check::Lang,
}

#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a tenant with its own keys
    Create {
        /// The tenant's name, e.g. "Vård- och omsorgsnämnden, Exempelby kommun"
        name: String,
    },
    /// List tenants
    List,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import people from CSV: employee_number,given_name,family_name,phone,email,unit,competences,employment_percent,kind
    People {
        /// The CSV file (UTF-8, comma-separated, header first)
        file: PathBuf,
        /// Full-time hours per week, for weekly hours from employment percent
        #[arg(long, default_value_t = 38.25, value_name = "HOURS")]
        full_time_hours: f64,
    },
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Write every person of the tenant as CSV to stdout (the import format)
    People,
}

#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Take a consistent snapshot and write it age-encrypted to FILE
    Create {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Check that FILE is intact and opens with this key file
    Verify { file: PathBuf },
    /// Restore FILE into an empty data directory (or empty database)
    Restore {
        file: PathBuf,
        #[command(flatten)]
        init: InitArgs,
    },
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// An offline recovery recipient (age1…) that backups are also encrypted to
    #[arg(long, value_name = "AGE_RECIPIENT")]
    pub recovery_recipient: Option<String>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub init: InitArgs,
    /// Start the server when the demo is built
    #[arg(long)]
    pub serve: bool,
    /// Seed for the generated names and numbers
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Most seconds the optimizer may spend on each unit's four weeks (it usually needs
    /// about four); 0 leaves them unplanned
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub plan_seconds: u64,
    #[command(flatten)]
    pub server: ServeArgs,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on [default: from the configuration, 127.0.0.1:8080]
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<std::net::SocketAddr>,
}
