//! The leak scan: after an import of 600 generated people, the demo and a backup, no byte
//! of the data directory (database, WAL, SHM, anything else), of the backup, or of a
//! `pg_dump` holds any of their names, e-mail addresses, employee numbers or phone numbers.

mod common;

use common::{Env, TestResult, files_under, hits, ok, people, people_csv, scratch_postgres};

fn scan_setup(env: &Env) -> Result<(Vec<String>, String), Box<dyn std::error::Error>> {
    let generated = people(600);
    let csv_path = env.path("people.csv");
    std::fs::write(&csv_path, people_csv(&generated))?;
    ok(env.passa(&["init"]))?;
    ok(env.passa(&["tenant", "create", "Läckage kommun"]))?;
    ok(env.passa(&[
        "import",
        "people",
        csv_path.to_str().unwrap_or_default(),
        "--tenant",
        "Läckage kommun",
    ]))?;
    // The CSV is the operator's file, not Passa's: it is not part of what is scanned.
    std::fs::remove_file(&csv_path)?;
    // Planned too: planned shifts hold ids and instants, never a name or number.
    ok(env.passa(&["demo", "--plan-seconds", "1"]))?;
    let mut needles: Vec<String> = generated.iter().flat_map(common::Person::needles).collect();
    // The demo's people too: their e-mail addresses and phone numbers, read back by export.
    let demo = ok(env.passa(&["export", "people", "--tenant", "Demo kommun"]))?;
    for line in demo.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        if let (Some(phone), Some(email)) = (fields.get(3), fields.get(4)) {
            needles.push((*phone).to_owned());
            needles.push(phone.trim_start_matches('+').to_owned());
            needles.push(format!("0{}", &phone[3..]));
            needles.push((*email).to_owned());
        }
    }
    // The export shows the data is really there, so a clean scan means something.
    let exported = ok(env.passa(&["export", "people", "--tenant", "Läckage kommun"]))?;
    for p in generated.iter().take(20) {
        assert!(
            exported.contains(&p.e164()) && exported.contains(&p.given_name),
            "export lacks a person"
        );
    }
    // And the scanner finds what is there: every generated person's values, in the export.
    assert!(
        hits(&needles, exported.as_bytes()).len() >= 600 * 5,
        "the scanner misses values"
    );
    Ok((needles, exported))
}

#[test]
fn a_leaked_data_directory_or_backup_reveals_no_personal_data() -> TestResult {
    let env = Env::new()?;
    let (needles, _) = scan_setup(&env)?;
    let backup = env.path("passa-backup.age");
    ok(env.passa(&[
        "backup",
        "create",
        "--out",
        backup.to_str().unwrap_or_default(),
    ]))?;

    let mut scanned = files_under(&env.data_dir())?;
    scanned.push(backup);
    assert!(
        scanned.iter().any(|p| p.ends_with("passa.db")),
        "{scanned:?}"
    );
    for file in &scanned {
        let bytes = std::fs::read(file)?;
        let found = hits(&needles, &bytes);
        assert!(
            found.is_empty(),
            "{} holds {} personal values, e.g. {:?}",
            file.display(),
            found.len(),
            found.first()
        );
    }
    Ok(())
}

#[test]
fn a_pg_dump_reveals_no_personal_data() -> TestResult {
    let Some(url) = scratch_postgres("passa_leak_t")? else {
        eprintln!("PASSA_TEST_DATABASE_URL is not set; skipping the PostgreSQL leak scan");
        return Ok(());
    };
    let mut env = Env::new()?;
    env.database_url = Some(url.clone());
    let (needles, _) = scan_setup(&env)?;
    let dump = std::process::Command::new("pg_dump")
        .arg("--dbname")
        .arg(&url)
        .output()?;
    assert!(
        dump.status.success(),
        "pg_dump failed: {}",
        String::from_utf8_lossy(&dump.stderr)
    );
    assert!(
        dump.stdout.len() > 100_000,
        "the dump is suspiciously small"
    );
    let found = hits(&needles, &dump.stdout);
    assert!(
        found.is_empty(),
        "pg_dump holds {} personal values, e.g. {:?}",
        found.len(),
        found.first()
    );
    for file in files_under(&env.data_dir())? {
        assert!(
            hits(&needles, &std::fs::read(&file)?).is_empty(),
            "{}",
            file.display()
        );
    }
    Ok(())
}
