//! `passa check`: the README examples, exit codes and field-named errors.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn check(json: &str, args: &[&str]) -> std::io::Result<Output> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_passa"))
        .arg("check")
        .args(args)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    child
        .stdin
        .take()
        .ok_or_else(|| std::io::Error::other("no stdin"))?
        .write_all(json.as_bytes())?;
    child.wait_with_output()
}

fn input(shifts: &str) -> String {
    format!(
        r#"{{"timezone": "Europe/Stockholm", "profile": "ab", "day_break": "00:00",
            "people": [{{"id": "p1", "weekly_hours": 38.25, "night_worker": false}}],
            "shifts": [{shifts}]}}"#
    )
}

fn violations(output: &Output) -> Result<Vec<serde_json::Value>, Box<dyn std::error::Error>> {
    let v: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    Ok(v["violations"].as_array().cloned().unwrap_or_default())
}

#[test]
fn the_spring_night_example_passes_because_it_is_eight_real_hours()
-> Result<(), Box<dyn std::error::Error>> {
    let json = input(
        r#"{"person": "p1", "start": "2026-03-28T22:00", "end": "2026-03-29T07:00", "kind": "work",
            "breaks": [{"start": "2026-03-29T00:30", "end": "2026-03-29T01:00"}]}"#,
    );
    let output = check(&json, &[])?;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(violations(&output)?.is_empty());
    Ok(())
}

#[test]
fn a_violation_is_reported_with_every_field_and_exit_1() -> Result<(), Box<dyn std::error::Error>> {
    let json = input(
        r#"{"person": "p1", "start": "2026-06-01T16:00", "end": "2026-06-01T21:00"},
           {"person": "p1", "start": "2026-06-02T06:00", "end": "2026-06-02T11:00"}"#,
    );
    let output = check(&json, &[])?;
    assert_eq!(output.status.code(), Some(1));
    let found = violations(&output)?;
    assert_eq!(found.len(), 1, "{found:?}");
    let v = &found[0];
    assert_eq!(v["rule"], "daily_rest");
    assert_eq!(v["person"], "p1");
    assert_eq!(v["start"], "2026-06-01T21:00:00+02:00");
    assert_eq!(v["end"], "2026-06-02T06:00:00+02:00");
    assert_eq!(v["measured_minutes"], 540);
    assert_eq!(v["limit_minutes"], 660);
    assert!(v["message_sv"].as_str().is_some_and(|m| m.contains("9 h")));
    assert!(v["message_en"].as_str().is_some_and(|m| m.contains("9 h")));
    let text = check(&json, &["--format", "text"])?;
    assert_eq!(text.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&text.stdout).contains("daily_rest"));
    Ok(())
}

#[test]
fn an_explicit_offset_settles_the_autumn_repeat() -> Result<(), Box<dyn std::error::Error>> {
    // 02:30 happens twice on 25 October; with an offset it is one instant.
    let first =
        input(r#"{"person": "p1", "start": "2026-10-25T02:30+02:00", "end": "2026-10-25T07:30"}"#);
    let output = check(&first, &[])?;
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // 02:30+02:00 to 07:30+01:00 is six real hours: a break was due.
    let found = violations(&output)?;
    assert_eq!(found[0]["rule"], "break");
    assert_eq!(found[0]["measured_minutes"], 360);
    let second =
        input(r#"{"person": "p1", "start": "2026-10-25T02:30+01:00", "end": "2026-10-25T07:30"}"#);
    assert_eq!(check(&second, &[])?.status.code(), Some(0));
    Ok(())
}

#[test]
fn bad_input_exits_2_naming_the_field() -> Result<(), Box<dyn std::error::Error>> {
    let cases = [
        (
            input(r#"{"person": "p1", "start": "2026-03-29T02:30", "end": "2026-03-29T07:00"}"#),
            "shifts[0].start",
        ),
        (
            input(r#"{"person": "p1", "start": "2026-10-25T02:30", "end": "2026-10-25T07:00"}"#),
            "shifts[0].start",
        ),
        (
            input(r#"{"person": "p9", "start": "2026-06-01T07:00", "end": "2026-06-01T10:00"}"#),
            "shifts[0].person",
        ),
        (
            input(r#"{"person": "p1", "start": "2026-06-01T07:00", "end": "2026-06-01T06:00"}"#),
            "shifts[0].end",
        ),
        (
            input(
                r#"{"person": "p1", "start": "2026-06-01T07:00", "end": "2026-06-01T10:00", "kind": "nap"}"#,
            ),
            "shifts[0].kind",
        ),
        (
            input(r#"{"person": "p1", "start": "tomorrow", "end": "2026-06-01T10:00"}"#),
            "shifts[0].start",
        ),
        (
            input(
                r#"{"person": "p1", "start": "2026-06-01T07:00", "end": "2026-06-01T10:00", "breaks": [{"start": "2026-06-01T11:00", "end": "2026-06-01T11:30"}]}"#,
            ),
            "shifts[0].breaks[0]",
        ),
        (
            r#"{"profile": "eu", "people": [], "shifts": []}"#.to_owned(),
            "profile",
        ),
        (
            r#"{"timezone": "Mars/Olympus", "people": [], "shifts": []}"#.to_owned(),
            "timezone",
        ),
        (
            r#"{"day_break": "25:00", "people": [], "shifts": []}"#.to_owned(),
            "day_break",
        ),
        (r#"{"people": [], "shifts": []"#.to_owned(), "JSON"),
    ];
    for (json, field) in cases {
        let output = check(&json, &[])?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{field}: {stderr}");
        assert!(stderr.contains(field), "{field}: {stderr}");
    }
    Ok(())
}

#[test]
fn local_settings_add_a_monthly_cap() -> Result<(), Box<dyn std::error::Error>> {
    let json = r#"{"profile": "ab", "settings": {"monthly_cap_hours": 4},
        "people": [{"id": "v1"}],
        "shifts": [{"person": "v1", "start": "2026-06-01T07:00", "end": "2026-06-01T11:00"},
                   {"person": "v1", "start": "2026-06-02T07:00", "end": "2026-06-02T07:30"}]}"#;
    let output = check(json, &[])?;
    assert_eq!(output.status.code(), Some(1));
    let found = violations(&output)?;
    assert_eq!(found[0]["rule"], "monthly_cap");
    assert_eq!(found[0]["measured_minutes"], 270);
    assert_eq!(found[0]["limit_minutes"], 240);
    Ok(())
}
