//! Store behaviour, run on SQLite always and on PostgreSQL when PASSA_TEST_DATABASE_URL is set.

use std::sync::Arc;

use passa_domain::{
    CompetenceId, DataKeyId, Label, PersonId, PersonKind, SchedulePeriodId, ShiftTypeId, TenantId,
    UnitId,
};
use passa_store::{
    AuditEntry, AuditRecord, DemandRecord, IdKind, NewTenant, PeopleBatch, PlannedShiftRecord,
    PlanningBatch, ScheduleBatch, SchedulePeriodRecord, SealedPerson, ShiftTypeRecord, Store,
    StoreError, StoredKey,
};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Every backend to test: a fresh SQLite file, and a fresh PostgreSQL database if configured.
async fn stores() -> Result<(Vec<Arc<dyn Store>>, tempfile::TempDir), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let sqlite = format!("sqlite://{}", dir.path().join("passa.db").display());
    let mut stores = vec![passa_store_sql::connect(&sqlite).await?];
    if let Ok(base) = std::env::var("PASSA_TEST_DATABASE_URL") {
        let url = passa_store_sql::create_scratch_postgres_database(&base, "passa_store_t").await?;
        stores.push(passa_store_sql::connect(&url).await?);
    }
    Ok((stores, dir))
}

fn label(s: &str) -> Label {
    Label::parse("test", s).unwrap_or_else(|_| unreachable!())
}

async fn tenant(store: &dyn Store, name: &str) -> Result<TenantId, StoreError> {
    let id = TenantId::new(store.allocate_ids(IdKind::Tenant, 1).await?);
    store
        .create_tenant(&NewTenant {
            id,
            name: label(name),
            key: StoredKey {
                version: 1,
                wrapped_by: 1,
                ciphertext: vec![1, 2, 3],
            },
            created_at: "2026-11-26T10:00:00Z".into(),
        })
        .await?;
    Ok(id)
}

fn person(id: i64, dk: i64, unit: UnitId, emp_idx: u8, comps: Vec<CompetenceId>) -> SealedPerson {
    SealedPerson {
        id: PersonId::new(id),
        data_key_id: DataKeyId::new(dk),
        data_key: StoredKey {
            version: 1,
            wrapped_by: 1,
            ciphertext: vec![9; 72],
        },
        kind: PersonKind::Staff,
        home_unit: unit,
        employment_hundredths: 7550,
        weekly_minutes: 1700,
        employee_number: vec![emp_idx, 1],
        given_name: vec![0, 159, 255],
        family_name: vec![3],
        phone: vec![4],
        email: None,
        employee_number_index: vec![emp_idx; 32],
        phone_index: vec![emp_idx.wrapping_add(100); 32],
        email_index: None,
        competences: comps,
        trained_at: vec![unit],
    }
}

/// One unit, one competence and `n` people in a tenant.
async fn seed(store: &dyn Store, t: TenantId, n: u8) -> Result<Vec<SealedPerson>, StoreError> {
    let unit = UnitId::new(store.allocate_ids(IdKind::Unit, 1).await?);
    let comp = CompetenceId::new(store.allocate_ids(IdKind::Competence, 1).await?);
    let first = store.allocate_ids(IdKind::Person, u32::from(n)).await?;
    let first_dk = store.allocate_ids(IdKind::DataKey, u32::from(n)).await?;
    let people: Vec<SealedPerson> = (0..n)
        .map(|i| {
            person(
                first + i64::from(i),
                first_dk + i64::from(i),
                unit,
                i,
                vec![comp],
            )
        })
        .collect();
    store
        .import_people(
            t,
            &PeopleBatch {
                new_units: vec![(unit, label("Ekbacken"))],
                new_competences: vec![(comp, label("Undersköterska"))],
                people: people.clone(),
                created_at: "2026-11-26T10:00:00Z".into(),
                audit: Some(AuditEntry {
                    at: "2026-11-26T10:00:00Z".into(),
                    actor: "cli".into(),
                    action: "people.import".into(),
                    detail: format!("{n} people"),
                }),
            },
        )
        .await?;
    Ok(people)
}

#[tokio::test]
async fn ids_are_allocated_in_blocks_and_never_reused() -> TestResult {
    let (stores, _dir) = stores().await?;
    for store in stores {
        let a = store.allocate_ids(IdKind::Person, 10).await?;
        let b = store.allocate_ids(IdKind::Person, 1).await?;
        assert_eq!(b, a + 10, "{}", store.backend());
    }
    Ok(())
}

#[tokio::test]
async fn people_round_trip_sealed_and_stay_in_their_tenant() -> TestResult {
    let (stores, _dir) = stores().await?;
    for store in stores {
        let a = tenant(store.as_ref(), "Kommun A").await?;
        let b = tenant(store.as_ref(), "Kommun B").await?;
        let stored = seed(store.as_ref(), a, 3).await?;
        assert_eq!(store.people(a).await?, stored, "{}", store.backend());
        assert!(store.people(b).await?.is_empty());
        assert!(store.units(b).await?.is_empty());
        let by_phone = store.people_by_phone(a, &stored[1].phone_index).await?;
        assert_eq!(by_phone, vec![stored[1].clone()]);
        assert!(
            store
                .people_by_phone(b, &stored[1].phone_index)
                .await?
                .is_empty()
        );
        let counts = store.counts(a).await?;
        assert_eq!((counts.staff, counts.units, counts.competences), (3, 1, 1));
    }
    Ok(())
}

#[tokio::test]
async fn a_failing_import_stores_nothing() -> TestResult {
    let (stores, _dir) = stores().await?;
    for store in stores {
        let t = tenant(store.as_ref(), "Kommun").await?;
        let existing = seed(store.as_ref(), t, 2).await?;
        let unit = UnitId::new(store.allocate_ids(IdKind::Unit, 1).await?);
        let first = store.allocate_ids(IdKind::Person, 2).await?;
        let dk = store.allocate_ids(IdKind::DataKey, 2).await?;
        // The second person repeats an employee number already stored.
        let batch = PeopleBatch {
            new_units: vec![(unit, label("Linden"))],
            new_competences: vec![],
            people: vec![
                person(first, dk, unit, 50, vec![]),
                person(first + 1, dk + 1, unit, 0, vec![]),
            ],
            created_at: "2026-11-26T10:00:00Z".into(),
            audit: None,
        };
        let err = store.import_people(t, &batch).await;
        assert!(matches!(err, Err(StoreError::Conflict { .. })), "{err:?}");
        assert_eq!(store.people(t).await?, existing, "{}", store.backend());
        assert_eq!(store.units(t).await?.len(), 1);
        let taken = store
            .taken_employee_numbers(t, &[vec![0; 32], vec![50; 32]])
            .await?;
        assert_eq!(taken, vec![vec![0; 32]]);
    }
    Ok(())
}

#[tokio::test]
async fn a_person_cannot_point_at_another_tenants_unit() -> TestResult {
    let (stores, _dir) = stores().await?;
    for store in stores {
        let a = tenant(store.as_ref(), "A").await?;
        let b = tenant(store.as_ref(), "B").await?;
        let in_a = seed(store.as_ref(), a, 1).await?;
        let first = store.allocate_ids(IdKind::Person, 1).await?;
        let dk = store.allocate_ids(IdKind::DataKey, 1).await?;
        let batch = PeopleBatch {
            people: vec![person(first, dk, in_a[0].home_unit, 7, vec![])],
            created_at: "2026-11-26T10:00:00Z".into(),
            ..PeopleBatch::default()
        };
        let err = store.import_people(b, &batch).await;
        assert!(err.is_err(), "{}", store.backend());
        assert!(store.people(b).await?.is_empty());
    }
    Ok(())
}

#[tokio::test]
async fn tenant_names_are_unique() -> TestResult {
    let (stores, _dir) = stores().await?;
    for store in stores {
        tenant(store.as_ref(), "Kommun").await?;
        let again = tenant(store.as_ref(), "Kommun").await;
        assert!(
            matches!(again, Err(StoreError::Conflict { .. })),
            "{again:?}"
        );
        assert_eq!(store.tenants().await?.len(), 1);
    }
    Ok(())
}

#[tokio::test]
async fn the_audit_log_is_a_hash_chain() -> TestResult {
    let (stores, _dir) = stores().await?;
    for store in stores {
        let t = tenant(store.as_ref(), "Kommun").await?;
        seed(store.as_ref(), t, 1).await?;
        let log = store.audit_log(t).await?;
        let actions: Vec<&str> = log.iter().map(|r| r.entry.action.as_str()).collect();
        assert_eq!(actions, ["tenant.create", "people.import"]);
        assert_eq!(AuditRecord::verify_chain(&log), Ok(()));
        let mut tampered = log.clone();
        tampered[0].entry.detail = "changed".into();
        assert_eq!(AuditRecord::verify_chain(&tampered), Err(1));
    }
    Ok(())
}

#[tokio::test]
async fn a_dump_restores_into_an_empty_database_and_only_there() -> TestResult {
    let (sources, _dir) = stores().await?;
    let (targets, _dir2) = stores().await?;
    for (store, target) in sources.into_iter().zip(targets) {
        let t = tenant(store.as_ref(), "Kommun").await?;
        let people = seed(store.as_ref(), t, 5).await?;
        store
            .set_key_check(&StoredKey {
                version: 1,
                wrapped_by: 1,
                ciphertext: vec![5; 40],
            })
            .await?;
        let dump = store.dump().await?;
        target.restore(&dump).await?;
        assert_eq!(target.dump().await?, dump, "{}", store.backend());
        assert_eq!(target.people(t).await?, people);
        assert!(target.restore(&dump).await.is_err());
        // Ids go on from where the source stopped.
        assert_eq!(
            target.allocate_ids(IdKind::Person, 1).await?,
            store.allocate_ids(IdKind::Person, 1).await?
        );
    }
    Ok(())
}

/// A shift type, a period and a demand row for the seeded unit.
async fn seed_planning(
    store: &dyn Store,
    t: TenantId,
    unit: UnitId,
    competence: CompetenceId,
) -> Result<PlanningBatch, StoreError> {
    let st = ShiftTypeId::new(store.allocate_ids(IdKind::ShiftType, 1).await?);
    let period = SchedulePeriodId::new(store.allocate_ids(IdKind::SchedulePeriod, 1).await?);
    let batch = PlanningBatch {
        shift_types: vec![ShiftTypeRecord {
            id: st,
            unit,
            name: label("Kväll"),
            start: "14:00".into(),
            end: "22:00".into(),
            break_minutes: 30,
        }],
        periods: vec![SchedulePeriodRecord {
            id: period,
            unit,
            start: "2026-12-14".into(),
            weeks: 4,
        }],
        demand: vec![DemandRecord {
            id: store.allocate_ids(IdKind::Demand, 1).await?,
            unit,
            date: "2026-12-14".into(),
            shift_type: st,
            competence,
            min: 2,
            max: 3,
        }],
        audit: None,
    };
    store.save_planning(t, &batch).await?;
    Ok(batch)
}

fn planned(id: i64, batch: &PlanningBatch, person: PersonId, date: &str) -> PlannedShiftRecord {
    PlannedShiftRecord {
        id,
        period: batch.periods[0].id,
        unit: batch.periods[0].unit,
        person,
        shift_type: batch.shift_types[0].id,
        date: date.into(),
        start: format!("{date}T13:00:00Z"),
        end: format!("{date}T21:00:00Z"),
        pinned: false,
    }
}

#[tokio::test]
async fn a_schedule_is_stored_replaced_and_kept_in_its_tenant() -> TestResult {
    let (stores, _dir) = stores().await?;
    for store in stores {
        let a = tenant(store.as_ref(), "A").await?;
        let people = seed(store.as_ref(), a, 2).await?;
        let batch = seed_planning(
            store.as_ref(),
            a,
            people[0].home_unit,
            people[0].competences[0],
        )
        .await?;
        assert_eq!(store.planning(a).await?, batch);
        let period = batch.periods[0].id;
        let first = store.allocate_ids(IdKind::PlannedShift, 3).await?;
        let shifts = vec![
            planned(first, &batch, people[0].id, "2026-12-14"),
            planned(first + 1, &batch, people[1].id, "2026-12-14"),
        ];
        store
            .save_schedule(
                a,
                &ScheduleBatch {
                    period,
                    shifts: shifts.clone(),
                    audit: None,
                },
            )
            .await?;
        assert_eq!(store.schedule(a, period).await?, shifts);
        assert_eq!(store.counts(a).await?.planned_shifts, 2);
        // A new plan replaces the old one whole.
        let replacement = vec![planned(first + 2, &batch, people[1].id, "2026-12-15")];
        store
            .save_schedule(
                a,
                &ScheduleBatch {
                    period,
                    shifts: replacement.clone(),
                    audit: None,
                },
            )
            .await?;
        assert_eq!(store.schedule(a, period).await?, replacement);
        // Another tenant can neither see the plan nor point a shift at A's period.
        let b = tenant(store.as_ref(), "B").await?;
        assert!(store.schedule(b, period).await?.is_empty());
        assert!(store.planning(b).await?.periods.is_empty());
        let id = store.allocate_ids(IdKind::PlannedShift, 1).await?;
        let foreign = store
            .save_schedule(
                b,
                &ScheduleBatch {
                    period,
                    shifts: vec![planned(id, &batch, people[0].id, "2026-12-16")],
                    audit: None,
                },
            )
            .await;
        assert!(foreign.is_err(), "{}", store.backend());
        assert_eq!(store.schedule(a, period).await?, replacement);
    }
    Ok(())
}
