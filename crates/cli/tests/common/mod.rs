//! Helpers for tests that run the real `passa` binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A data directory and a key file outside it, in a temporary folder.
pub struct Env {
    pub root: tempfile::TempDir,
    pub database_url: Option<String>,
}

impl Env {
    pub fn new() -> std::io::Result<Self> {
        Ok(Self {
            root: tempfile::tempdir()?,
            database_url: None,
        })
    }

    pub fn data_dir(&self) -> PathBuf {
        self.root.path().join("data")
    }

    pub fn key_file(&self) -> PathBuf {
        self.root.path().join("keys").join("passa.key")
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.root.path().join(name)
    }

    pub fn passa(&self, args: &[&str]) -> std::io::Result<Output> {
        self.passa_in(&self.data_dir(), args)
    }

    pub fn passa_in(&self, data_dir: &Path, args: &[&str]) -> std::io::Result<Output> {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_passa"));
        cmd.arg("--data-dir")
            .arg(data_dir)
            .arg("--key-file")
            .arg(self.key_file());
        cmd.env_remove("PASSA_DATABASE_URL")
            .env_remove("PASSA_TENANT");
        if let Some(url) = &self.database_url {
            cmd.env("PASSA_DATABASE_URL", url);
        }
        cmd.args(args).output()
    }
}

/// Runs and insists on success, returning stdout.
pub fn ok(output: std::io::Result<Output>) -> Result<String, Box<dyn std::error::Error>> {
    let output = output?;
    if !output.status.success() {
        return Err(format!(
            "exit {:?}\nstdout: {}\nstderr: {}",
            output.status.code(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    Ok(String::from_utf8(output.stdout)?)
}

pub fn random_letters(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    let _ = getrandom::fill(&mut bytes);
    bytes.iter().map(|b| char::from(b'a' + b % 26)).collect()
}

pub fn random_digits(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    let _ = getrandom::fill(&mut bytes);
    bytes.iter().map(|b| char::from(b'0' + b % 10)).collect()
}

/// One generated person: every value unique and long enough to scan for.
#[derive(Debug, Clone)]
pub struct Person {
    pub employee_number: String,
    pub given_name: String,
    pub family_name: String,
    /// National form, as written in the CSV.
    pub phone_national: String,
    pub email: String,
}

impl Person {
    pub fn e164(&self) -> String {
        format!("+46{}", &self.phone_national[1..])
    }

    pub fn csv_row(&self, unit: &str, kind: &str) -> String {
        let p = &self.phone_national;
        format!(
            "{},{},{},{}-{} {} {},{},{unit},Undersköterska|Körkort,80,{kind}",
            self.employee_number,
            self.given_name,
            self.family_name,
            &p[..3],
            &p[3..6],
            &p[6..8],
            &p[8..],
            self.email
        )
    }

    /// Every form the scan looks for.
    pub fn needles(&self) -> Vec<String> {
        let e164 = self.e164();
        vec![
            self.employee_number.clone(),
            self.given_name.clone(),
            self.family_name.clone(),
            self.email.clone(),
            e164.clone(),
            e164[1..].to_owned(),
            self.phone_national.clone(),
        ]
    }
}

pub fn people(n: usize) -> Vec<Person> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let phone_national = format!("07{}", random_digits(8));
        if !seen.insert(phone_national.clone()) {
            continue;
        }
        let given = format!("Gå{}", random_letters(7));
        let family = format!("Fö{}", random_letters(8));
        out.push(Person {
            employee_number: format!("EN{}", random_digits(8)),
            email: format!(
                "{}.{}@leak-test.example",
                given.to_lowercase(),
                family.to_lowercase()
            ),
            given_name: given,
            family_name: family,
            phone_national,
        });
    }
    out
}

pub fn people_csv(people: &[Person]) -> String {
    let mut csv = String::from(
        "employee_number,given_name,family_name,phone,email,unit,competences,employment_percent,kind\n",
    );
    for (i, p) in people.iter().enumerate() {
        let unit = ["Ekbacken", "Linden", "Hemtjänst Norr"][i % 3];
        let kind = if i % 4 == 0 { "substitute" } else { "staff" };
        csv.push_str(&p.csv_row(unit, kind));
        csv.push('\n');
    }
    csv
}

/// Every needle found in `haystack`, by needle.
pub fn hits(needles: &[String], haystack: &[u8]) -> Vec<String> {
    let Ok(ac) = aho_corasick::AhoCorasick::new(needles) else {
        return vec!["<could not build the matcher>".into()];
    };
    let mut found: Vec<String> = ac
        .find_iter(haystack)
        .map(|m| needles[m.pattern().as_usize()].clone())
        .collect();
    found.sort();
    found.dedup();
    found
}

/// Every regular file under `dir`, recursively.
pub fn files_under(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            out.extend(files_under(&path)?);
        } else {
            out.push(path);
        }
    }
    Ok(out)
}

/// A fresh PostgreSQL database for this test, when PASSA_TEST_DATABASE_URL is set.
pub fn scratch_postgres(prefix: &str) -> Result<Option<String>, Box<dyn std::error::Error>> {
    let Ok(base) = std::env::var("PASSA_TEST_DATABASE_URL") else {
        return Ok(None);
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    Ok(Some(rt.block_on(
        passa_store_sql::create_scratch_postgres_database(&base, prefix),
    )?))
}

/// A `passa serve` child process, killed when dropped.
pub struct Server {
    pub child: std::process::Child,
    pub address: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `passa serve` on a free loopback port; with `crash_at`, armed to abort there.
pub fn start_server(
    env: &Env,
    crash_at: Option<&str>,
) -> Result<Server, Box<dyn std::error::Error>> {
    use std::io::BufRead;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_passa"));
    cmd.arg("--data-dir")
        .arg(env.data_dir())
        .arg("--key-file")
        .arg(env.key_file())
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env_remove("PASSA_DATABASE_URL")
        .env_remove("PASSA_CRASH_AT")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null());
    if let Some(url) = &env.database_url {
        cmd.env("PASSA_DATABASE_URL", url);
    }
    if let Some(spec) = crash_at {
        cmd.env("PASSA_CRASH_AT", spec);
    }
    let mut child = cmd.spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut line = String::new();
    std::io::BufReader::new(stdout).read_line(&mut line)?;
    let address = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .ok_or_else(|| format!("no address in {line:?}"))?
        .to_owned();
    Ok(Server { child, address })
}

/// Form encoding of a value.
pub fn form_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One form POST over a fresh connection; the status code (0 if the connection dropped
/// without an answer) and how long it took.
pub async fn post_form(
    address: String,
    path: String,
    form: String,
) -> Result<(u16, std::time::Duration), String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let started = std::time::Instant::now();
    let mut stream = tokio::net::TcpStream::connect(&address)
        .await
        .map_err(|e| e.to_string())?;
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{form}",
        form.len()
    );
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut response = String::new();
    // A server killed mid-request closes the connection: no answer, status 0.
    let _ = stream.read_to_string(&mut response).await;
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Ok((status, started.elapsed()))
}
