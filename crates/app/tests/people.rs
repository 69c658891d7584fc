//! People import and export through the use cases, on every configured backend.

mod common;

use common::{TestResult, csv, now, passa_with_tenant, stores};
use passa_app::{AppError, NoProgress};
use passa_domain::WeeklyMinutes;

const GOOD_1: &str =
    "A100,Åsa,Lindström,070-123 45 67,asa.l@Kommun.SE,Ekbacken,Undersköterska|Delegering,75,staff";
const GOOD_2: &str = "V200,\"Ali, Jr\",O'Brien,+46 70 765 43 21,,Hemtjänst Norr,,50,substitute";

async fn export(
    passa: &passa_app::Passa,
    tenant: passa_domain::TenantId,
) -> Result<String, Box<dyn std::error::Error>> {
    let mut out = Vec::new();
    passa.export_people(tenant, &mut out, "test", now()).await?;
    Ok(String::from_utf8(out)?)
}

#[tokio::test]
async fn import_then_export_gives_the_rows_back_with_phones_in_e164() -> TestResult {
    let dir = tempfile::tempdir()?;
    for store in stores(dir.path()).await? {
        let (passa, tenant) = passa_with_tenant(store).await?;
        let report = passa
            .import_people(
                tenant,
                csv(&[GOOD_1, GOOD_2]).as_bytes(),
                WeeklyMinutes::FULL_TIME_40H,
                now(),
                &NoProgress,
            )
            .await?;
        assert_eq!(
            (
                report.people,
                report.staff,
                report.substitutes,
                report.new_units
            ),
            (2, 1, 1, 2)
        );
        let exported = export(&passa, tenant).await?;
        assert_eq!(
            exported,
            csv(&[
                "A100,Åsa,Lindström,+46701234567,asa.l@kommun.se,Ekbacken,Undersköterska|Delegering,75,staff",
                "V200,\"Ali, Jr\",O'Brien,+46707654321,,Hemtjänst Norr,,50,substitute",
            ])
        );
        let log = passa.store().audit_log(tenant).await?;
        let actions: Vec<&str> = log.iter().map(|r| r.entry.action.as_str()).collect();
        assert_eq!(actions, ["tenant.create", "people.import", "people.export"]);
    }
    Ok(())
}

#[tokio::test]
async fn every_bad_row_rejects_the_whole_file_with_its_line_and_stores_nothing() -> TestResult {
    let cases: &[(&str, u64, &str)] = &[
        ("A1,Eva,Berg,070-12,,Ekbacken,,75,staff", 3, "phone"),
        ("A1,Eva,Berg,0701112233,,Ekbacken,,75,boss", 3, "kind"),
        (
            "A1,Eva,Berg,0701112233,,Ekbacken,,0,staff",
            3,
            "employment_percent",
        ),
        (
            "A1,Eva,Berg,0701112233,,Ekbacken,,101,staff",
            3,
            "employment_percent",
        ),
        ("A1,Eva,Berg,0701112233,,Ekbacken,75,staff", 3, "columns"),
        (
            "A1,Eva,Berg,0701112233,,Ekbacken,,75,staff,extra",
            3,
            "columns",
        ),
        (
            "A100,Eva,Berg,0701112233,,Ekbacken,,75,staff",
            3,
            "repeats the one on line 2",
        ),
        (
            "A1,Eva,Berg,0701112233,not-an-email,Ekbacken,,75,staff",
            3,
            "email",
        ),
        ("A1,,Berg,0701112233,,Ekbacken,,75,staff", 3, "given_name"),
    ];
    let dir = tempfile::tempdir()?;
    for store in stores(dir.path()).await? {
        let (passa, tenant) = passa_with_tenant(store).await?;
        for (bad, line, needle) in cases {
            // A good row, the bad row, and another good row after it.
            let file = csv(&[GOOD_1, bad, GOOD_2]);
            let err = passa
                .import_people(
                    tenant,
                    file.as_bytes(),
                    WeeklyMinutes::FULL_TIME_40H,
                    now(),
                    &NoProgress,
                )
                .await;
            match err {
                Err(AppError::ImportRow { line: l, reason }) => {
                    assert_eq!(l, *line, "{bad}: {reason}");
                    assert!(reason.contains(needle), "{bad}: {reason}");
                    assert!(
                        !reason.contains("0701112233") && !reason.contains("Eva"),
                        "{reason}"
                    );
                }
                other => panic!("{bad}: expected a row error, got {other:?}"),
            }
            assert!(passa.store().people(tenant).await?.is_empty(), "{bad}");
            assert!(passa.store().units(tenant).await?.is_empty(), "{bad}");
        }
    }
    Ok(())
}

#[tokio::test]
async fn an_employee_number_already_stored_rejects_the_file() -> TestResult {
    let dir = tempfile::tempdir()?;
    for store in stores(dir.path()).await? {
        let (passa, tenant) = passa_with_tenant(store).await?;
        passa
            .import_people(
                tenant,
                csv(&[GOOD_1]).as_bytes(),
                WeeklyMinutes::FULL_TIME_40H,
                now(),
                &NoProgress,
            )
            .await?;
        // Same number in another case.
        let again = csv(&[GOOD_2, "a100,Eva,Berg,0701112233,,Linden,,75,staff"]);
        let err = passa
            .import_people(
                tenant,
                again.as_bytes(),
                WeeklyMinutes::FULL_TIME_40H,
                now(),
                &NoProgress,
            )
            .await;
        assert!(
            matches!(err, Err(AppError::ImportRow { line: 3, .. })),
            "{err:?}"
        );
        assert_eq!(passa.store().people(tenant).await?.len(), 1);
        assert_eq!(passa.store().units(tenant).await?.len(), 1);
    }
    Ok(())
}

#[tokio::test]
async fn header_and_encoding_problems_are_reported() -> TestResult {
    let dir = tempfile::tempdir()?;
    for store in stores(dir.path()).await? {
        let (passa, tenant) = passa_with_tenant(store).await?;
        let import = |bytes: Vec<u8>| {
            let passa = &passa;
            async move {
                passa
                    .import_people(
                        tenant,
                        bytes.as_slice(),
                        WeeklyMinutes::FULL_TIME_40H,
                        now(),
                        &NoProgress,
                    )
                    .await
            }
        };
        assert!(matches!(
            import(Vec::new()).await,
            Err(AppError::BadInput(_))
        ));
        let wrong_header = b"id,name\nA1,Eva\n".to_vec();
        assert!(matches!(
            import(wrong_header).await,
            Err(AppError::ImportRow { line: 1, .. })
        ));
        let mut latin1 = common::HEADER.as_bytes().to_vec();
        latin1.extend_from_slice(b"A1,\xc5sa,Berg,0701112233,,Ekbacken,,75,staff\n");
        assert!(matches!(
            import(latin1).await,
            Err(AppError::ImportRow { line: 2, .. })
        ));
        // A byte-order mark from a spreadsheet program is fine.
        let mut bom = "\u{feff}".as_bytes().to_vec();
        bom.extend_from_slice(csv(&[GOOD_1]).as_bytes());
        assert_eq!(import(bom).await?.people, 1);
    }
    Ok(())
}
