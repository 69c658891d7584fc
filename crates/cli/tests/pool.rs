//! `passa pool` end to end on the real binary: availability, an order, candidates with
//! reasons, a refused and an accepted direct booking, an offer round, stopping it.

mod common;

use common::{Env, Person, TestResult, ok, people};

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Four substitutes at Ekbacken with the CSV's competences.
fn setup(env: &Env) -> Result<Vec<Person>, Box<dyn std::error::Error>> {
    ok(env.passa(&["init"]))?;
    ok(env.passa(&["tenant", "create", "Kommun"]))?;
    let subs = people(4);
    let mut csv = String::from(
        "employee_number,given_name,family_name,phone,email,unit,competences,employment_percent,kind\n",
    );
    for p in &subs {
        csv.push_str(&p.csv_row("Ekbacken", "substitute"));
        csv.push('\n');
    }
    let file = env.path("subs.csv");
    std::fs::write(&file, csv)?;
    ok(env.passa(&["import", "people", file.to_str().unwrap_or_default()]))?;
    Ok(subs)
}

/// A day ten days ahead, local, as `YYYY-MM-DD`.
fn ahead() -> Result<String, Box<dyn std::error::Error>> {
    let tz = jiff::tz::TimeZone::get("Europe/Stockholm")?;
    #[allow(clippy::disallowed_methods)] // The binary reads the real clock; so must its orders.
    let now = jiff::Timestamp::now();
    let date = now
        .to_zoned_datetime(tz)
        .date()
        .checked_add(jiff::Span::new().days(10))?;
    Ok(date.to_string())
}

fn order_number(out: &str) -> Result<String, Box<dyn std::error::Error>> {
    out.split_whitespace()
        .nth(1)
        .map(str::to_owned)
        .ok_or_else(|| format!("no order number in {out}").into())
}

#[test]
fn a_planner_orders_books_and_offers_from_the_command_line() -> TestResult {
    let env = Env::new()?;
    let subs = setup(&env)?;
    let day = ahead()?;
    let (first, second) = (&subs[0], &subs[1]);
    ok(env.passa(&[
        "pool",
        "available",
        "--person",
        &first.employee_number.to_lowercase(),
        "--interval",
        &format!("{day} 06:00/{day} 23:00"),
    ]))?;

    let made = ok(env.passa(&[
        "pool",
        "order",
        "--unit",
        "ekbacken",
        "--competence",
        "Undersköterska",
        "--start",
        &format!("{day} 07:00"),
        "--end",
        "16:00",
        "--break-minutes",
        "30",
        "--note",
        "Nyckel i receptionen",
    ]))?;
    let order = order_number(&made)?;

    // The one who is available ranks first, and every candidate has reasons.
    let ranked = ok(env.passa(&["pool", "candidates", &order, "--lang", "en"]))?;
    let lines: Vec<&str> = ranked.lines().collect();
    assert!(
        lines.first().is_some_and(|l| l.contains(&first.given_name)),
        "{ranked}"
    );
    for p in &subs {
        assert!(ranked.contains(&p.family_name), "{ranked}");
        assert!(!ranked.contains(&p.e164()), "{ranked}");
    }
    assert!(ranked.to_lowercase().contains("availab"), "{ranked}");

    // Outside their own availability a direct booking is refused, in words, exit 1.
    let refused = env.passa(&["pool", "book", &order, "--person", &second.employee_number])?;
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    assert!(
        stdout(&refused).contains("Not booked"),
        "{}",
        stdout(&refused)
    );

    let booked = ok(env.passa(&["pool", "book", &order, "--person", &first.employee_number]))?;
    assert!(booked.contains("Booked"), "{booked}");
    // The console transport printed the confirmation, the number masked.
    assert!(!booked.contains(&first.e164()), "{booked}");
    assert!(!booked.contains(&first.phone_national), "{booked}");

    let all = ok(env.passa(&["pool", "orders", "--all"]))?;
    assert!(all.contains("booked") && all.contains("Ekbacken"), "{all}");
    assert!(ok(env.passa(&["pool", "orders"]))?.contains("No orders open"));

    // An urgent order (so quiet hours do not hold it back) offered to two at a time.
    let urgent = order_number(&ok(env.passa(&[
        "pool",
        "order",
        "--unit",
        "Ekbacken",
        "--start",
        &format!("{day} 17:00"),
        "--end",
        "22:00",
        "--reason",
        "leave",
        "--urgent",
    ]))?)?;
    let offered = ok(env.passa(&["pool", "offer", &urgent, "--wave-size", "2"]))?;
    assert!(offered.contains("2 offers sent"), "{offered}");
    let listing = ok(env.passa(&["pool", "orders"]))?;
    assert!(listing.contains("offering"), "{listing}");
    ok(env.passa(&["pool", "stop", &urgent]))?;
    let again = env.passa(&["pool", "stop", &urgent])?;
    assert_eq!(again.status.code(), Some(2));
    Ok(())
}

#[test]
fn bad_pool_input_exits_2_with_a_clear_message() -> TestResult {
    let env = Env::new()?;
    let subs = setup(&env)?;
    let day = ahead()?;
    let person = &subs[0].employee_number;
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![
                "available",
                "--person",
                person,
                "--weekly",
                "someday 07:00-16:00",
            ]
            .into_iter()
            .map(String::from)
            .collect(),
            "--weekly",
        ),
        (
            vec!["available", "--person", "NOBODY1"]
                .into_iter()
                .map(String::from)
                .collect(),
            "--interval",
        ),
        (
            vec![
                "available",
                "--person",
                "NOBODY1",
                "--weekly",
                "mon 07:00-16:00",
            ]
            .into_iter()
            .map(String::from)
            .collect(),
            "no person with that employee number",
        ),
        (
            vec![
                "order".into(),
                "--unit".into(),
                "Nowhere".into(),
                "--start".into(),
                format!("{day} 07:00"),
                "--end".into(),
                "16:00".into(),
            ],
            "known: Ekbacken",
        ),
        (
            vec![
                "order".into(),
                "--unit".into(),
                "Ekbacken".into(),
                "--start".into(),
                "tomorrow morning".into(),
                "--end".into(),
                "16:00".into(),
            ],
            "--start",
        ),
        (
            vec![
                "order".into(),
                "--unit".into(),
                "Ekbacken".into(),
                "--start".into(),
                format!("{day} 07:00"),
                "--end".into(),
                "16:00".into(),
                "--reason".into(),
                "bored".into(),
            ],
            "sick, leave",
        ),
    ];
    for (args, expected) in cases {
        let mut full = vec!["pool"];
        full.extend(args.iter().map(String::as_str));
        let output = env.passa(&full)?;
        assert_eq!(
            output.status.code(),
            Some(2),
            "{full:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains(expected),
            "{full:?}: {}",
            stderr(&output)
        );
    }
    Ok(())
}

#[test]
fn a_tenants_own_pool_settings_apply_and_a_misspelt_tenant_is_refused() -> TestResult {
    let env = Env::new()?;
    setup(&env)?;
    let day = ahead()?;
    let config_file = env.data_dir().join("passa.toml");
    let config = std::fs::read_to_string(&config_file)?;
    // No quiet hours and waves of one for this tenant; the instance keeps its defaults.
    std::fs::write(
        &config_file,
        format!(
            "{config}\n[pool.tenants.\"Kommun\"]\nquiet_hours = \"\"\nwave_size = 1\nwave_wait_minutes = 10\n"
        ),
    )?;
    let order = order_number(&ok(env.passa(&[
        "pool",
        "order",
        "--unit",
        "Ekbacken",
        "--start",
        &format!("{day} 07:00"),
        "--end",
        "16:00",
        "--break-minutes",
        "30",
    ]))?)?;
    // Not urgent, yet never held back whatever the hour: the tenant has no quiet hours.
    let offered = ok(env.passa(&["pool", "offer", &order]))?;
    assert!(
        offered.contains("1 offers sent") && offered.contains("every 10 minutes"),
        "{offered}"
    );

    std::fs::write(
        &config_file,
        format!("{config}\n[pool.tenants.\"Komun\"]\nquiet_hours = \"\"\n"),
    )?;
    let serve = env.passa(&["serve", "--bind", "127.0.0.1:0"])?;
    assert_eq!(serve.status.code(), Some(2), "{}", stderr(&serve));
    assert!(
        stderr(&serve).contains("no tenant is called \"Komun\""),
        "{}",
        stderr(&serve)
    );
    Ok(())
}
