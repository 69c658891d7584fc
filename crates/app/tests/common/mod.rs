//! Helpers shared by the app's integration tests.
#![allow(dead_code)]

use std::sync::Arc;

use jiff::Timestamp;
use passa_app::Passa;
use passa_store::Store;
use passa_vault::KeyFile;

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

pub fn now() -> Timestamp {
    Timestamp::from_second(1_795_000_000).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Fresh stores: SQLite always, PostgreSQL when PASSA_TEST_DATABASE_URL is set.
pub async fn stores(
    dir: &std::path::Path,
) -> Result<Vec<Arc<dyn Store>>, Box<dyn std::error::Error>> {
    let mut out = vec![
        passa_store_sql::connect(&format!(
            "sqlite://{}",
            dir.join(format!("{}.db", unique())).display()
        ))
        .await?,
    ];
    if let Ok(base) = std::env::var("PASSA_TEST_DATABASE_URL") {
        let url = passa_store_sql::create_scratch_postgres_database(&base, "passa_app_t").await?;
        out.push(passa_store_sql::connect(&url).await?);
    }
    Ok(out)
}

pub fn unique() -> String {
    let mut b = [0u8; 8];
    let _ = getrandom::fill(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub async fn passa_with_tenant(
    store: Arc<dyn Store>,
) -> Result<(Passa, passa_domain::TenantId), Box<dyn std::error::Error>> {
    let passa = Passa::open(store, KeyFile::generate()).await?;
    let tenant = passa.create_tenant("Testkommun", now()).await?;
    Ok((passa, tenant.id))
}

pub const HEADER: &str =
    "employee_number,given_name,family_name,phone,email,unit,competences,employment_percent,kind\n";

pub fn csv(rows: &[&str]) -> String {
    let mut s = HEADER.to_owned();
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s
}
