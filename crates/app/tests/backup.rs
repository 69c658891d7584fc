//! Backups through the use cases: round trip on every backend, tampering rejected.

mod common;

use common::{TestResult, csv, now, passa_with_tenant, stores};
use passa_app::{NoProgress, Passa, read_backup, restore_backup, write_backup};
use passa_domain::WeeklyMinutes;
use passa_vault::{BackupRecipients, KeyFile};

#[tokio::test]
async fn a_backup_restores_to_the_same_export_and_a_changed_byte_is_rejected() -> TestResult {
    let dir = tempfile::tempdir()?;
    let sources = stores(dir.path()).await?;
    let targets = stores(dir.path()).await?;
    for (source, target) in sources.into_iter().zip(targets) {
        let keys_path = dir.path().join(format!("{}.key", common::unique()));
        let keys = KeyFile::create(&keys_path)?;
        let recipients = BackupRecipients::parse([keys.backup_recipient().as_str()])?;
        let passa = Passa::open(source, keys).await?;
        let tenant = passa.create_tenant("Backupkommun", now()).await?.id;
        let rows: Vec<String> = (0..300)
            .map(|i| {
                format!(
                    "E{i:05},Namn{i},Efternamn{i},070{:07},n{i}@x.se,Enhet {},,80,staff",
                    1_000_000 + i,
                    i % 3
                )
            })
            .collect();
        let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
        passa
            .import_people(
                tenant,
                csv(&rows).as_bytes(),
                WeeklyMinutes::FULL_TIME_40H,
                now(),
                &NoProgress,
            )
            .await?;
        let mut file = Vec::new();
        let summary = write_backup(
            passa.store().as_ref(),
            &recipients,
            &mut file,
            now(),
            &NoProgress,
        )
        .await?;
        assert_eq!((summary.tenants, summary.people), (1, 300));

        let mut before = Vec::new();
        passa
            .export_people(tenant, &mut before, "test", now())
            .await?;

        let keys = KeyFile::load(&keys_path)?;
        restore_backup(target.as_ref(), &keys, file.as_slice(), &NoProgress).await?;
        let restored = Passa::open(target, keys).await?;
        let mut after = Vec::new();
        restored
            .export_people(tenant, &mut after, "test", now())
            .await?;
        assert_eq!(before, after);

        let keys = KeyFile::load(&keys_path)?;
        for i in [0, 40, file.len() / 2, file.len() - 1] {
            let mut bad = file.clone();
            bad[i] ^= 0x01;
            assert!(read_backup(&keys, bad.as_slice()).is_err(), "byte {i}");
        }
        // Another key file cannot open it.
        assert!(read_backup(&KeyFile::generate(), file.as_slice()).is_err());
    }
    Ok(())
}

#[tokio::test]
async fn a_restore_refuses_a_database_that_holds_data() -> TestResult {
    let dir = tempfile::tempdir()?;
    for store in stores(dir.path()).await? {
        let keys_path = dir.path().join(format!("{}.key", common::unique()));
        let keys = KeyFile::create(&keys_path)?;
        let recipients = BackupRecipients::parse([keys.backup_recipient().as_str()])?;
        let passa = Passa::open(store.clone(), keys).await?;
        passa.create_tenant("Kommun", now()).await?;
        let mut file = Vec::new();
        write_backup(store.as_ref(), &recipients, &mut file, now(), &NoProgress).await?;
        let keys = KeyFile::load(&keys_path)?;
        let again = restore_backup(store.as_ref(), &keys, file.as_slice(), &NoProgress).await;
        assert!(again.is_err());
        assert_eq!(store.tenants().await?.len(), 1);
    }
    Ok(())
}

#[tokio::test]
async fn a_database_refuses_a_key_file_it_was_not_made_with() -> TestResult {
    let dir = tempfile::tempdir()?;
    for store in stores(dir.path()).await? {
        let (_passa, _) = passa_with_tenant(store.clone()).await?;
        let other = Passa::open(store, KeyFile::generate()).await;
        let message = other.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("wrong key file"), "{message}");
    }
    Ok(())
}
