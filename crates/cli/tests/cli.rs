//! The `passa` command as an operator uses it: exit codes, refusals, messages.

mod common;

use common::{Env, TestResult, ok, people, people_csv, scratch_postgres};

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn init_creates_a_private_key_file_and_refuses_to_overwrite_it() -> TestResult {
    let env = Env::new()?;
    ok(env.passa(&["init"]))?;
    let key = std::fs::read(env.key_file())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(env.key_file())?.permissions().mode() & 0o777,
            0o600
        );
    }
    // Again into the same data directory, and into a new one with the same key file.
    let again = env.passa(&["init"])?;
    assert_eq!(again.status.code(), Some(1), "{}", stderr(&again));
    let other = env.passa_in(&env.path("data2"), &["init"])?;
    assert_eq!(other.status.code(), Some(1));
    assert!(
        stderr(&other).contains("refusing to overwrite"),
        "{}",
        stderr(&other)
    );
    assert_eq!(std::fs::read(env.key_file())?, key);
    Ok(())
}

#[test]
fn a_key_file_inside_the_data_directory_is_refused() -> TestResult {
    let env = Env::new()?;
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_passa"))
        .arg("--data-dir")
        .arg(env.data_dir())
        .arg("--key-file")
        .arg(env.data_dir().join("passa.key"))
        .arg("init")
        .output()?;
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("outside the data directory"));
    assert!(!env.data_dir().join("passa.key").exists());
    Ok(())
}

#[test]
fn a_missing_or_wrong_key_file_gives_a_clear_one_line_error() -> TestResult {
    let env = Env::new()?;
    ok(env.passa(&["init"]))?;
    ok(env.passa(&["tenant", "create", "Kommun"]))?;
    let real = std::fs::read(env.key_file())?;

    std::fs::remove_file(env.key_file())?;
    let missing = env.passa(&["tenant", "list"])?;
    assert_eq!(missing.status.code(), Some(1));
    let message = stderr(&missing);
    assert!(
        message.starts_with("error: key file") && message.contains("not found"),
        "{message}"
    );
    assert_eq!(message.trim_end().lines().count(), 1, "{message}");

    // Another installation's key file.
    let other = Env::new()?;
    ok(other.passa(&["init"]))?;
    std::fs::copy(other.key_file(), env.key_file())?;
    let wrong = env.passa(&["export", "people"])?;
    assert_eq!(wrong.status.code(), Some(1));
    assert!(
        stderr(&wrong).contains("wrong key file"),
        "{}",
        stderr(&wrong)
    );
    assert!(wrong.stdout.is_empty());

    std::fs::write(env.key_file(), &real)?;
    ok(env.passa(&["tenant", "list"]))?;
    Ok(())
}

#[test]
fn a_bad_csv_exits_2_with_the_line_and_stores_nothing() -> TestResult {
    let env = Env::new()?;
    ok(env.passa(&["init"]))?;
    ok(env.passa(&["tenant", "create", "Kommun"]))?;
    let mut csv = people_csv(&people(5));
    csv.push_str("X1,Eva,Berg,070-123,,Ekbacken,,80,staff\n");
    let file = env.path("bad.csv");
    std::fs::write(&file, csv)?;
    let output = env.passa(&["import", "people", file.to_str().unwrap_or_default()])?;
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("line 7") && message.contains("phone"),
        "{message}"
    );
    assert!(!message.contains("070-123"), "{message}");
    let exported = ok(env.passa(&["export", "people"]))?;
    assert_eq!(exported.lines().count(), 1, "{exported}");
    let listing = ok(env.passa(&["tenant", "list"]))?;
    assert!(listing.contains("0 units"), "{listing}");
    Ok(())
}

#[test]
fn usage_errors_exit_2() -> TestResult {
    let env = Env::new()?;
    assert_eq!(env.passa(&["frobnicate"])?.status.code(), Some(2));
    ok(env.passa(&["init"]))?;
    ok(env.passa(&["tenant", "create", "A"]))?;
    ok(env.passa(&["tenant", "create", "B"]))?;
    let ambiguous = env.passa(&["export", "people"])?;
    assert_eq!(ambiguous.status.code(), Some(2));
    assert!(stderr(&ambiguous).contains("--tenant"));
    let missing = env.passa(&["import", "people", "/nonexistent.csv"])?;
    assert_eq!(missing.status.code(), Some(2));
    Ok(())
}

fn backup_round_trip(env: &Env, restore_url: Option<String>) -> TestResult {
    ok(env.passa(&["init"]))?;
    ok(env.passa(&["tenant", "create", "Kommun"]))?;
    let file = env.path("people.csv");
    std::fs::write(&file, people_csv(&people(200)))?;
    ok(env.passa(&["import", "people", file.to_str().unwrap_or_default()]))?;
    // The demo plans every unit's four weeks; the backup then holds planned shifts too.
    let demo = ok(env.passa(&["demo", "--plan-seconds", "1"]))?;
    assert!(demo.contains("Planned 4 weeks for every unit"), "{demo}");
    assert!(demo.contains("rule violations 0."), "{demo}");
    let backup = env.path("backup.age");
    let backup_arg = backup.to_str().unwrap_or_default();
    ok(env.passa(&["backup", "create", "--out", backup_arg]))?;
    let refused = env.passa(&["backup", "create", "--out", backup_arg])?;
    assert_eq!(
        refused.status.code(),
        Some(2),
        "an existing backup is never overwritten"
    );
    ok(env.passa(&["backup", "verify", backup_arg]))?;

    let before_k = ok(env.passa(&["export", "people", "--tenant", "Kommun"]))?;
    let before_d = ok(env.passa(&["export", "people", "--tenant", "Demo kommun"]))?;

    // Restore into a new data directory with the same key file.
    let mut restored = Env::new()?;
    std::fs::create_dir_all(restored.key_file().parent().unwrap_or(restored.root.path()))?;
    std::fs::copy(env.key_file(), restored.key_file())?;
    restored.database_url = restore_url;
    ok(restored.passa(&["backup", "restore", backup_arg]))?;
    assert_eq!(
        ok(restored.passa(&["export", "people", "--tenant", "Kommun"]))?,
        before_k
    );
    assert_eq!(
        ok(restored.passa(&["export", "people", "--tenant", "Demo kommun"]))?,
        before_d
    );
    let again = restored.passa(&["backup", "restore", backup_arg])?;
    assert_eq!(
        again.status.code(),
        Some(2),
        "restore only into an empty data directory"
    );

    // One changed byte anywhere fails verify and restore.
    let bytes = std::fs::read(&backup)?;
    for at in [10, bytes.len() / 3, bytes.len() - 5] {
        let mut tampered = bytes.clone();
        tampered[at] ^= 0x04;
        let bad = env.path("tampered.age");
        std::fs::write(&bad, &tampered)?;
        let bad_arg = bad.to_str().unwrap_or_default();
        let verify = env.passa(&["backup", "verify", bad_arg])?;
        assert_ne!(verify.status.code(), Some(0), "byte {at}");
        let target = env.path(&format!("restore-{at}"));
        let restore = env.passa_in(&target, &["backup", "restore", bad_arg])?;
        assert_ne!(restore.status.code(), Some(0), "byte {at}");
        assert!(!target.join("passa.toml").exists());
    }
    Ok(())
}

#[test]
fn a_backup_restores_byte_for_byte_on_sqlite_and_a_tampered_one_is_rejected() -> TestResult {
    backup_round_trip(&Env::new()?, None)
}

#[test]
fn a_backup_restores_byte_for_byte_on_postgres() -> TestResult {
    let (Some(source), Some(target)) = (
        scratch_postgres("passa_bk_src")?,
        scratch_postgres("passa_bk_dst")?,
    ) else {
        eprintln!("PASSA_TEST_DATABASE_URL is not set; skipping");
        return Ok(());
    };
    let mut env = Env::new()?;
    env.database_url = Some(source);
    backup_round_trip(&env, Some(target))
}

#[test]
fn serve_answers_health_and_the_start_page() -> TestResult {
    use std::io::{BufRead, Read, Write};
    let env = Env::new()?;
    ok(env.passa(&["init"]))?;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_passa"))
        .arg("--data-dir")
        .arg(env.data_dir())
        .arg("--key-file")
        .arg(env.key_file())
        .args(["serve", "--bind", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    let result = (|| -> TestResult {
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut line = String::new();
        std::io::BufReader::new(stdout).read_line(&mut line)?;
        let address = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .ok_or_else(|| format!("no address in {line:?}"))?
            .to_owned();
        for (path, expect) in [("/health", "\"status\":\"ok\""), ("/", "Passa")] {
            let mut stream = std::net::TcpStream::connect(&address)?;
            write!(
                stream,
                "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
            )?;
            let mut response = String::new();
            stream.read_to_string(&mut response)?;
            assert!(response.starts_with("HTTP/1.1 200"), "{response}");
            assert!(response.contains(expect), "{response}");
        }
        Ok(())
    })();
    let _ = child.kill();
    let _ = child.wait();
    result
}

#[test]
fn backups_are_also_encrypted_to_an_offline_recovery_recipient() -> TestResult {
    // The "offline" party is another installation; its recipient is in its passa.toml.
    let offline = Env::new()?;
    ok(offline.passa(&["init"]))?;
    let config = std::fs::read_to_string(offline.data_dir().join("passa.toml"))?;
    let recipient = config
        .split('"')
        .find(|s| s.starts_with("age1"))
        .ok_or("no recipient in passa.toml")?
        .to_owned();

    let env = Env::new()?;
    let bad = env.passa(&["init", "--recovery-recipient", "age1nonsense"])?;
    assert_eq!(bad.status.code(), Some(2));
    assert!(!env.key_file().exists(), "nothing is created on bad input");
    ok(env.passa(&["init", "--recovery-recipient", &recipient]))?;
    ok(env.passa(&["tenant", "create", "Kommun"]))?;
    let backup = env.path("b.age");
    let backup_arg = backup.to_str().unwrap_or_default();
    ok(env.passa(&["backup", "create", "--out", backup_arg]))?;

    // The recovery identity decrypts the file (the data inside still needs the KEK) ...
    let by_recovery = offline.passa(&["backup", "verify", backup_arg])?;
    assert!(
        stderr(&by_recovery).contains("does not open the data"),
        "{}",
        stderr(&by_recovery)
    );
    // ... while a stranger's identity cannot even decrypt it.
    let stranger = Env::new()?;
    ok(stranger.passa(&["init"]))?;
    let by_stranger = stranger.passa(&["backup", "verify", backup_arg])?;
    assert!(
        stderr(&by_stranger).contains("cannot decrypt"),
        "{}",
        stderr(&by_stranger)
    );
    Ok(())
}
