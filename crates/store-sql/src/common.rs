//! The store's SQL, written once for both backends.
//!
//! `impl_store!` expands in each backend module, where `Db`, `Bin`, `to_bin`, `from_bin`,
//! `begin_write` and `begin_snapshot` say what differs. The statements themselves are
//! portable: `$n` parameters, `ON CONFLICT`, `RETURNING`.

macro_rules! impl_store {
    ($store:ident, $backend:literal) => {
        use std::collections::HashMap;

        use async_trait::async_trait;
        use passa_domain::{
            Competence, CompetenceId, DataKeyId, Label, PersonId, PersonKind, SchedulePeriodId,
            ShiftTypeId, TenantId, Unit, UnitId,
        };
        use passa_store::{
            AuditEntry, AuditRecord, DemandRecord, Dump, DumpValue, IdKind, NewTenant,
            PeopleBatch, PlannedShiftRecord, PlanningBatch, ScheduleBatch, SchedulePeriodRecord,
            SealedPerson, ShiftTypeRecord, Store, StoreError, StoredKey, TableDump, TenantCounts,
            TenantRow,
        };
        use sqlx::{AssertSqlSafe, QueryBuilder, Row};

        use crate::map_err;
        use crate::schema::{Col, TABLES, insert_prefix, select_sql};

        /// Rows per multi-row INSERT: well under both engines' bind-parameter limits.
        const CHUNK: usize = 400;

        fn u32_of(v: i64, what: &'static str) -> Result<u32, StoreError> {
            u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("{what} out of range")))
        }

        fn u16_of(v: i64, what: &'static str) -> Result<u16, StoreError> {
            u16::try_from(v).map_err(|_| StoreError::Corrupt(format!("{what} out of range")))
        }

        fn label_of(v: String, what: &'static str) -> Result<Label, StoreError> {
            Label::parse(what, &v).map_err(|e| StoreError::Corrupt(e.to_string()))
        }

        fn small(v: i64) -> Result<u16, StoreError> {
            u16::try_from(v).map_err(|_| StoreError::Corrupt(format!("{v} out of range")))
        }

        /// Inserts `rows` in multi-row statements of at most [`CHUNK`] rows each.
        async fn insert_rows<T>(
            tx: &mut sqlx::Transaction<'_, Db>,
            prefix: &str,
            rows: &[T],
            bind: impl Fn(&mut sqlx::query_builder::Separated<'_, Db, &'static str>, &T),
        ) -> Result<(), StoreError> {
            for chunk in rows.chunks(CHUNK) {
                let mut q = QueryBuilder::<Db>::new(prefix);
                q.push_values(chunk, |mut b, row| bind(&mut b, row));
                q.build().execute(&mut **tx).await.map_err(map_err)?;
            }
            Ok(())
        }

        async fn append_audit(
            tx: &mut sqlx::Transaction<'_, Db>,
            tenant: TenantId,
            entry: &AuditEntry,
        ) -> Result<(), StoreError> {
            append_audits(tx, tenant, &[entry]).await
        }

        /// Appends `entries` in order to the tenant's chain.
        async fn append_audits(
            tx: &mut sqlx::Transaction<'_, Db>,
            tenant: TenantId,
            entries: &[&AuditEntry],
        ) -> Result<(), StoreError> {
            if entries.is_empty() {
                return Ok(());
            }
            // The chain is one line per tenant: appenders take the tenant's row lock (a no-op
            // update) so two transactions never read the same last entry. SQLite writers are
            // serial anyway. Appends come last in a transaction, so this lock is taken last.
            sqlx::query("UPDATE tenants SET name = name WHERE id = $1")
                .bind(tenant.get())
                .execute(&mut **tx)
                .await
                .map_err(map_err)?;
            let last = sqlx::query(
                "SELECT seq, hash FROM audit_log WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 1",
            )
            .bind(tenant.get())
            .fetch_optional(&mut **tx)
            .await
            .map_err(map_err)?;
            let (mut seq, mut prev) = match last {
                Some(row) => (
                    row.try_get::<i64, _>(0).map_err(map_err)? + 1,
                    from_bin(row.try_get::<Bin, _>(1).map_err(map_err)?)?,
                ),
                None => (1, Vec::new()),
            };
            let mut rows = Vec::with_capacity(entries.len());
            for entry in entries {
                let hash = entry.chain_hash(&prev, seq);
                rows.push((seq, *entry, std::mem::replace(&mut prev, hash.clone()), hash));
                seq += 1;
            }
            insert_rows(
                tx,
                "INSERT INTO audit_log (tenant_id, seq, at, actor, action, detail, prev_hash, hash) ",
                &rows,
                |b, (seq, entry, prev, hash)| {
                    b.push_bind(tenant.get())
                        .push_bind(*seq)
                        .push_bind(entry.at.clone())
                        .push_bind(entry.actor.clone())
                        .push_bind(entry.action.clone())
                        .push_bind(entry.detail.clone())
                        .push_bind(to_bin(prev))
                        .push_bind(to_bin(hash));
                },
            )
            .await
        }

        impl $store {
            async fn load_people(
                &self,
                tenant: TenantId,
                phone_index: Option<&[u8]>,
            ) -> Result<Vec<SealedPerson>, StoreError> {
                let phone = phone_index.map(to_bin);
                let rows = sqlx::query(
                    "SELECT p.id, p.data_key_id, p.kind, p.home_unit_id, p.employment_hundredths, \
                     p.weekly_minutes, p.employee_number, p.given_name, p.family_name, p.phone, \
                     p.email, p.employee_number_idx, p.phone_idx, p.email_idx, \
                     dk.tenant_key_version, dk.ciphertext \
                     FROM people p JOIN data_keys dk ON dk.tenant_id = p.tenant_id AND dk.id = p.data_key_id \
                     WHERE p.tenant_id = $1 AND ($2 IS NULL OR p.phone_idx = $2) ORDER BY p.id",
                )
                .bind(tenant.get())
                .bind(phone.clone())
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                let links = |table: &'static str, col: &'static str, order: &'static str| {
                    format!(
                        "SELECT person_id, {col} FROM {table} WHERE tenant_id = $1 AND person_id IN \
                         (SELECT id FROM people WHERE tenant_id = $1 AND ($2 IS NULL OR phone_idx = $2)) \
                         ORDER BY person_id, {order}"
                    )
                };
                let mut competences: HashMap<i64, Vec<CompetenceId>> = HashMap::new();
                for row in sqlx::query(AssertSqlSafe(links("person_competences", "competence_id", "position")))
                    .bind(tenant.get())
                    .bind(phone.clone())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_err)?
                {
                    let (p, c): (i64, i64) = (row.try_get(0).map_err(map_err)?, row.try_get(1).map_err(map_err)?);
                    competences.entry(p).or_default().push(CompetenceId::new(c));
                }
                let mut trained: HashMap<i64, Vec<UnitId>> = HashMap::new();
                for row in sqlx::query(AssertSqlSafe(links("trained_at", "unit_id", "unit_id")))
                    .bind(tenant.get())
                    .bind(phone)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_err)?
                {
                    let (p, u): (i64, i64) = (row.try_get(0).map_err(map_err)?, row.try_get(1).map_err(map_err)?);
                    trained.entry(p).or_default().push(UnitId::new(u));
                }
                rows.into_iter()
                    .map(|row| {
                        let get_i = |i: usize| row.try_get::<i64, _>(i).map_err(map_err);
                        let get_b = |i: usize| from_bin(row.try_get::<Bin, _>(i).map_err(map_err)?);
                        let get_ob = |i: usize| {
                            row.try_get::<Option<Bin>, _>(i)
                                .map_err(map_err)?
                                .map(from_bin)
                                .transpose()
                        };
                        let id = get_i(0)?;
                        let kind: String = row.try_get(2).map_err(map_err)?;
                        Ok(SealedPerson {
                            id: PersonId::new(id),
                            data_key_id: DataKeyId::new(get_i(1)?),
                            data_key: StoredKey {
                                version: 1,
                                wrapped_by: u32_of(get_i(14)?, "tenant key version")?,
                                ciphertext: get_b(15)?,
                            },
                            kind: PersonKind::parse(&kind)
                                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                            home_unit: UnitId::new(get_i(3)?),
                            employment_hundredths: u16_of(get_i(4)?, "employment")?,
                            weekly_minutes: u16_of(get_i(5)?, "weekly minutes")?,
                            employee_number: get_b(6)?,
                            given_name: get_b(7)?,
                            family_name: get_b(8)?,
                            phone: get_b(9)?,
                            email: get_ob(10)?,
                            employee_number_index: get_b(11)?,
                            phone_index: get_b(12)?,
                            email_index: get_ob(13)?,
                            competences: competences.remove(&id).unwrap_or_default(),
                            trained_at: trained.remove(&id).unwrap_or_default(),
                        })
                    })
                    .collect()
            }

            async fn count(&self, sql: &'static str, tenant: TenantId) -> Result<u64, StoreError> {
                let n: i64 = sqlx::query_scalar(sql)
                    .bind(tenant.get())
                    .fetch_one(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(u64::try_from(n).unwrap_or(0))
            }
        }

        #[async_trait]
        impl Store for $store {
            fn backend(&self) -> &'static str {
                $backend
            }

            async fn allocate_ids(&self, kind: IdKind, count: u32) -> Result<i64, StoreError> {
                let mut tx = begin_write(&self.writer).await?;
                sqlx::query("INSERT INTO id_counters (kind, next_id) VALUES ($1, 1) ON CONFLICT (kind) DO NOTHING")
                    .bind(kind.name())
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                let next: i64 = sqlx::query_scalar(
                    "UPDATE id_counters SET next_id = next_id + $2 WHERE kind = $1 RETURNING next_id",
                )
                .bind(kind.name())
                .bind(i64::from(count))
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?;
                tx.commit().await.map_err(map_err)?;
                Ok(next - i64::from(count))
            }

            async fn key_check(&self) -> Result<Option<StoredKey>, StoreError> {
                let row = sqlx::query("SELECT kek_version, ciphertext FROM key_check WHERE id = 1")
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                row.map(|row| {
                    let version = u32_of(row.try_get(0).map_err(map_err)?, "key version")?;
                    Ok(StoredKey {
                        version,
                        wrapped_by: version,
                        ciphertext: from_bin(row.try_get::<Bin, _>(1).map_err(map_err)?)?,
                    })
                })
                .transpose()
            }

            async fn set_key_check(&self, check: &StoredKey) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO key_check (id, kek_version, ciphertext) VALUES (1, $1, $2) \
                     ON CONFLICT (id) DO UPDATE SET kek_version = excluded.kek_version, ciphertext = excluded.ciphertext",
                )
                .bind(i64::from(check.wrapped_by))
                .bind(to_bin(&check.ciphertext))
                .execute(&self.writer)
                .await
                .map_err(map_err)?;
                Ok(())
            }

            async fn create_tenant(&self, tenant: &NewTenant) -> Result<(), StoreError> {
                let mut tx = begin_write(&self.writer).await?;
                sqlx::query("INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3)")
                    .bind(tenant.id.get())
                    .bind(tenant.name.as_str())
                    .bind(&tenant.created_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                sqlx::query(
                    "INSERT INTO tenant_keys (tenant_id, version, kek_version, ciphertext) VALUES ($1, $2, $3, $4)",
                )
                .bind(tenant.id.get())
                .bind(i64::from(tenant.key.version))
                .bind(i64::from(tenant.key.wrapped_by))
                .bind(to_bin(&tenant.key.ciphertext))
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                let entry = AuditEntry {
                    at: tenant.created_at.clone(),
                    actor: "system".into(),
                    action: "tenant.create".into(),
                    detail: String::new(),
                };
                append_audit(&mut tx, tenant.id, &entry).await?;
                tx.commit().await.map_err(map_err)
            }

            async fn tenants(&self) -> Result<Vec<TenantRow>, StoreError> {
                let rows = sqlx::query("SELECT id, name, created_at FROM tenants ORDER BY name")
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_err)?;
                rows.into_iter()
                    .map(|row| {
                        Ok(TenantRow {
                            id: TenantId::new(row.try_get(0).map_err(map_err)?),
                            name: label_of(row.try_get(1).map_err(map_err)?, "tenant")?,
                            created_at: row.try_get(2).map_err(map_err)?,
                        })
                    })
                    .collect()
            }

            async fn tenant_keys(&self, tenant: TenantId) -> Result<Vec<StoredKey>, StoreError> {
                let rows = sqlx::query(
                    "SELECT version, kek_version, ciphertext FROM tenant_keys WHERE tenant_id = $1 ORDER BY version",
                )
                .bind(tenant.get())
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                rows.into_iter()
                    .map(|row| {
                        Ok(StoredKey {
                            version: u32_of(row.try_get(0).map_err(map_err)?, "key version")?,
                            wrapped_by: u32_of(row.try_get(1).map_err(map_err)?, "key version")?,
                            ciphertext: from_bin(row.try_get::<Bin, _>(2).map_err(map_err)?)?,
                        })
                    })
                    .collect()
            }

            async fn units(&self, tenant: TenantId) -> Result<Vec<Unit>, StoreError> {
                let rows = sqlx::query("SELECT id, name FROM units WHERE tenant_id = $1 ORDER BY name")
                    .bind(tenant.get())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_err)?;
                rows.into_iter()
                    .map(|row| {
                        Ok(Unit {
                            id: UnitId::new(row.try_get(0).map_err(map_err)?),
                            name: label_of(row.try_get(1).map_err(map_err)?, "unit")?,
                        })
                    })
                    .collect()
            }

            async fn competences(&self, tenant: TenantId) -> Result<Vec<Competence>, StoreError> {
                let rows =
                    sqlx::query("SELECT id, name FROM competences WHERE tenant_id = $1 ORDER BY name")
                        .bind(tenant.get())
                        .fetch_all(&self.pool)
                        .await
                        .map_err(map_err)?;
                rows.into_iter()
                    .map(|row| {
                        Ok(Competence {
                            id: CompetenceId::new(row.try_get(0).map_err(map_err)?),
                            name: label_of(row.try_get(1).map_err(map_err)?, "competence")?,
                        })
                    })
                    .collect()
            }

            async fn taken_employee_numbers(
                &self,
                tenant: TenantId,
                indexes: &[Vec<u8>],
            ) -> Result<Vec<Vec<u8>>, StoreError> {
                let mut taken = Vec::new();
                for chunk in indexes.chunks(CHUNK) {
                    let mut q = QueryBuilder::<Db>::new(
                        "SELECT employee_number_idx FROM people WHERE tenant_id = ",
                    );
                    q.push_bind(tenant.get()).push(" AND employee_number_idx IN (");
                    let mut list = q.separated(", ");
                    for idx in chunk {
                        list.push_bind(to_bin(idx));
                    }
                    q.push(")");
                    for row in q.build().fetch_all(&self.pool).await.map_err(map_err)? {
                        taken.push(from_bin(row.try_get::<Bin, _>(0).map_err(map_err)?)?);
                    }
                }
                Ok(taken)
            }

            async fn import_people(&self, tenant: TenantId, batch: &PeopleBatch) -> Result<(), StoreError> {
                let t = tenant.get();
                let mut tx = begin_write(&self.writer).await?;
                insert_rows(&mut tx, "INSERT INTO units (id, tenant_id, name) ", &batch.new_units, |b, (id, name)| {
                            b.push_bind(id.get()).push_bind(t).push_bind(name.as_str().to_owned());
                        }).await?;
                insert_rows(&mut tx, "INSERT INTO competences (id, tenant_id, name) ", &batch.new_competences, |b, (id, name)| {
                            b.push_bind(id.get()).push_bind(t).push_bind(name.as_str().to_owned());
                        }).await?;
                insert_rows(
                    &mut tx,
                    "INSERT INTO data_keys (id, tenant_id, tenant_key_version, ciphertext) ",
                    &batch.people,
                    |b, p| {
                        b.push_bind(p.data_key_id.get())
                            .push_bind(t)
                            .push_bind(i64::from(p.data_key.wrapped_by))
                            .push_bind(to_bin(&p.data_key.ciphertext));
                    },
                )
                .await?;
                insert_rows(
                    &mut tx,
                    "INSERT INTO people (id, tenant_id, data_key_id, kind, home_unit_id, \
                     employment_hundredths, weekly_minutes, employee_number, given_name, \
                     family_name, phone, email, employee_number_idx, phone_idx, email_idx, created_at) ",
                    &batch.people,
                    |b, p| {
                        b.push_bind(p.id.get())
                            .push_bind(t)
                            .push_bind(p.data_key_id.get())
                            .push_bind(p.kind.as_str())
                            .push_bind(p.home_unit.get())
                            .push_bind(i64::from(p.employment_hundredths))
                            .push_bind(i64::from(p.weekly_minutes))
                            .push_bind(to_bin(&p.employee_number))
                            .push_bind(to_bin(&p.given_name))
                            .push_bind(to_bin(&p.family_name))
                            .push_bind(to_bin(&p.phone))
                            .push_bind(p.email.as_deref().map(to_bin))
                            .push_bind(to_bin(&p.employee_number_index))
                            .push_bind(to_bin(&p.phone_index))
                            .push_bind(p.email_index.as_deref().map(to_bin))
                            .push_bind(batch.created_at.clone());
                    },
                )
                .await?;
                let comp_links: Vec<(i64, i64, i64)> = batch
                    .people
                    .iter()
                    .flat_map(|p| {
                        p.competences
                            .iter()
                            .zip(0i64..)
                            .map(move |(c, position)| (p.id.get(), c.get(), position))
                    })
                    .collect();
                insert_rows(&mut tx, "INSERT INTO person_competences (tenant_id, person_id, competence_id, position) ", &comp_links, |b, (p, c, position)| {
                        b.push_bind(t).push_bind(*p).push_bind(*c).push_bind(*position);
                    }).await?;
                let unit_links: Vec<(i64, i64)> = batch
                    .people
                    .iter()
                    .flat_map(|p| p.trained_at.iter().map(move |u| (p.id.get(), u.get())))
                    .collect();
                insert_rows(&mut tx, "INSERT INTO trained_at (tenant_id, person_id, unit_id) ", &unit_links, |b, (p, u)| {
                            b.push_bind(t).push_bind(*p).push_bind(*u);
                        }).await?;
                if let Some(entry) = &batch.audit {
                    append_audit(&mut tx, tenant, entry).await?;
                }
                tx.commit().await.map_err(map_err)
            }

            async fn people(&self, tenant: TenantId) -> Result<Vec<SealedPerson>, StoreError> {
                self.load_people(tenant, None).await
            }

            async fn people_by_phone(
                &self,
                tenant: TenantId,
                phone_index: &[u8],
            ) -> Result<Vec<SealedPerson>, StoreError> {
                self.load_people(tenant, Some(phone_index)).await
            }

            async fn save_planning(&self, tenant: TenantId, plan: &PlanningBatch) -> Result<(), StoreError> {
                let t = tenant.get();
                let mut tx = begin_write(&self.writer).await?;
                insert_rows(&mut tx, "INSERT INTO shift_types (id, tenant_id, unit_id, name, start_time, end_time, break_minutes) ", &plan.shift_types, |b, s| {
                        b.push_bind(s.id.get())
                            .push_bind(t)
                            .push_bind(s.unit.get())
                            .push_bind(s.name.as_str().to_owned())
                            .push_bind(s.start.clone())
                            .push_bind(s.end.clone())
                            .push_bind(i64::from(s.break_minutes));
                    }).await?;
                insert_rows(&mut tx, "INSERT INTO schedule_periods (id, tenant_id, unit_id, start_date, weeks) ", &plan.periods, |b, p| {
                        b.push_bind(p.id.get())
                            .push_bind(t)
                            .push_bind(p.unit.get())
                            .push_bind(p.start.clone())
                            .push_bind(i64::from(p.weeks));
                    }).await?;
                insert_rows(&mut tx, "INSERT INTO demand (id, tenant_id, unit_id, date, shift_type_id, competence_id, min_staff, max_staff) ", &plan.demand, |b, d| {
                        b.push_bind(d.id)
                            .push_bind(t)
                            .push_bind(d.unit.get())
                            .push_bind(d.date.clone())
                            .push_bind(d.shift_type.get())
                            .push_bind(d.competence.get())
                            .push_bind(i64::from(d.min))
                            .push_bind(i64::from(d.max));
                    }).await?;
                if let Some(entry) = &plan.audit {
                    append_audit(&mut tx, tenant, entry).await?;
                }
                tx.commit().await.map_err(map_err)
            }

            async fn planning(&self, tenant: TenantId) -> Result<PlanningBatch, StoreError> {
                let t = tenant.get();
                let mut tx = begin_snapshot(&self.pool).await?;
                let rows = sqlx::query(
                    "SELECT id, unit_id, name, start_time, end_time, break_minutes FROM shift_types \
                     WHERE tenant_id = $1 ORDER BY id",
                )
                .bind(t)
                .fetch_all(&mut *tx)
                .await
                .map_err(map_err)?;
                let shift_types = rows
                    .into_iter()
                    .map(|row| {
                        Ok(ShiftTypeRecord {
                            id: ShiftTypeId::new(row.try_get(0).map_err(map_err)?),
                            unit: UnitId::new(row.try_get(1).map_err(map_err)?),
                            name: label_of(row.try_get(2).map_err(map_err)?, "shift type")?,
                            start: row.try_get(3).map_err(map_err)?,
                            end: row.try_get(4).map_err(map_err)?,
                            break_minutes: small(row.try_get(5).map_err(map_err)?)?,
                        })
                    })
                    .collect::<Result<Vec<_>, StoreError>>()?;
                let rows = sqlx::query(
                    "SELECT id, unit_id, start_date, weeks FROM schedule_periods \
                     WHERE tenant_id = $1 ORDER BY id",
                )
                .bind(t)
                .fetch_all(&mut *tx)
                .await
                .map_err(map_err)?;
                let periods = rows
                    .into_iter()
                    .map(|row| {
                        Ok(SchedulePeriodRecord {
                            id: SchedulePeriodId::new(row.try_get(0).map_err(map_err)?),
                            unit: UnitId::new(row.try_get(1).map_err(map_err)?),
                            start: row.try_get(2).map_err(map_err)?,
                            weeks: u8::try_from(row.try_get::<i64, _>(3).map_err(map_err)?)
                                .map_err(|_| StoreError::Corrupt("weeks out of range".into()))?,
                        })
                    })
                    .collect::<Result<Vec<_>, StoreError>>()?;
                let rows = sqlx::query(
                    "SELECT id, unit_id, date, shift_type_id, competence_id, min_staff, max_staff \
                     FROM demand WHERE tenant_id = $1 ORDER BY id",
                )
                .bind(t)
                .fetch_all(&mut *tx)
                .await
                .map_err(map_err)?;
                let demand = rows
                    .into_iter()
                    .map(|row| {
                        Ok(DemandRecord {
                            id: row.try_get(0).map_err(map_err)?,
                            unit: UnitId::new(row.try_get(1).map_err(map_err)?),
                            date: row.try_get(2).map_err(map_err)?,
                            shift_type: ShiftTypeId::new(row.try_get(3).map_err(map_err)?),
                            competence: CompetenceId::new(row.try_get(4).map_err(map_err)?),
                            min: small(row.try_get(5).map_err(map_err)?)?,
                            max: small(row.try_get(6).map_err(map_err)?)?,
                        })
                    })
                    .collect::<Result<Vec<_>, StoreError>>()?;
                tx.commit().await.map_err(map_err)?;
                Ok(PlanningBatch {
                    shift_types,
                    periods,
                    demand,
                    audit: None,
                })
            }

            async fn save_schedule(&self, tenant: TenantId, batch: &ScheduleBatch) -> Result<(), StoreError> {
                let t = tenant.get();
                let mut tx = begin_write(&self.writer).await?;
                sqlx::query("DELETE FROM planned_shifts WHERE tenant_id = $1 AND period_id = $2")
                    .bind(t)
                    .bind(batch.period.get())
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                insert_rows(
                    &mut tx,
                    "INSERT INTO planned_shifts (id, tenant_id, period_id, unit_id, person_id, shift_type_id, date, start_at, end_at, pinned) ",
                    &batch.shifts,
                    |b, s| {
                        b.push_bind(s.id)
                            .push_bind(t)
                            .push_bind(s.period.get())
                            .push_bind(s.unit.get())
                            .push_bind(s.person.get())
                            .push_bind(s.shift_type.get())
                            .push_bind(s.date.clone())
                            .push_bind(s.start.clone())
                            .push_bind(s.end.clone())
                            .push_bind(i64::from(s.pinned));
                    },
                )
                .await?;
                if let Some(entry) = &batch.audit {
                    append_audit(&mut tx, tenant, entry).await?;
                }
                tx.commit().await.map_err(map_err)
            }

            async fn schedule(
                &self,
                tenant: TenantId,
                period: SchedulePeriodId,
            ) -> Result<Vec<PlannedShiftRecord>, StoreError> {
                let rows = sqlx::query(
                    "SELECT id, period_id, unit_id, person_id, shift_type_id, date, start_at, end_at, pinned \
                     FROM planned_shifts WHERE tenant_id = $1 AND period_id = $2 ORDER BY date, person_id",
                )
                .bind(tenant.get())
                .bind(period.get())
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                rows.into_iter()
                    .map(|row| {
                        Ok(PlannedShiftRecord {
                            id: row.try_get(0).map_err(map_err)?,
                            period: SchedulePeriodId::new(row.try_get(1).map_err(map_err)?),
                            unit: UnitId::new(row.try_get(2).map_err(map_err)?),
                            person: PersonId::new(row.try_get(3).map_err(map_err)?),
                            shift_type: ShiftTypeId::new(row.try_get(4).map_err(map_err)?),
                            date: row.try_get(5).map_err(map_err)?,
                            start: row.try_get(6).map_err(map_err)?,
                            end: row.try_get(7).map_err(map_err)?,
                            pinned: row.try_get::<i64, _>(8).map_err(map_err)? != 0,
                        })
                    })
                    .collect()
            }

            async fn counts(&self, tenant: TenantId) -> Result<TenantCounts, StoreError> {
                Ok(TenantCounts {
                    units: self.count("SELECT COUNT(*) FROM units WHERE tenant_id = $1", tenant).await?,
                    competences: self
                        .count("SELECT COUNT(*) FROM competences WHERE tenant_id = $1", tenant)
                        .await?,
                    staff: self
                        .count("SELECT COUNT(*) FROM people WHERE tenant_id = $1 AND kind = 'staff'", tenant)
                        .await?,
                    substitutes: self
                        .count(
                            "SELECT COUNT(*) FROM people WHERE tenant_id = $1 AND kind = 'substitute'",
                            tenant,
                        )
                        .await?,
                    shift_types: self
                        .count("SELECT COUNT(*) FROM shift_types WHERE tenant_id = $1", tenant)
                        .await?,
                    demand_rows: self.count("SELECT COUNT(*) FROM demand WHERE tenant_id = $1", tenant).await?,
                    planned_shifts: self
                        .count("SELECT COUNT(*) FROM planned_shifts WHERE tenant_id = $1", tenant)
                        .await?,
                })
            }

            async fn audit(&self, tenant: TenantId, entry: &AuditEntry) -> Result<(), StoreError> {
                let mut tx = begin_write(&self.writer).await?;
                append_audit(&mut tx, tenant, entry).await?;
                tx.commit().await.map_err(map_err)
            }

            async fn audit_log(&self, tenant: TenantId) -> Result<Vec<AuditRecord>, StoreError> {
                let rows = sqlx::query(
                    "SELECT seq, at, actor, action, detail, prev_hash, hash FROM audit_log \
                     WHERE tenant_id = $1 ORDER BY seq",
                )
                .bind(tenant.get())
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                rows.into_iter()
                    .map(|row| {
                        Ok(AuditRecord {
                            seq: row.try_get(0).map_err(map_err)?,
                            entry: AuditEntry {
                                at: row.try_get(1).map_err(map_err)?,
                                actor: row.try_get(2).map_err(map_err)?,
                                action: row.try_get(3).map_err(map_err)?,
                                detail: row.try_get(4).map_err(map_err)?,
                            },
                            prev_hash: from_bin(row.try_get::<Bin, _>(5).map_err(map_err)?)?,
                            hash: from_bin(row.try_get::<Bin, _>(6).map_err(map_err)?)?,
                        })
                    })
                    .collect()
            }

            async fn dump(&self) -> Result<Dump, StoreError> {
                let mut tx = begin_snapshot(&self.pool).await?;
                let schema_version: i64 =
                    sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations")
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(map_err)?;
                let mut tables = Vec::with_capacity(TABLES.len());
                for spec in TABLES {
                    let rows = sqlx::query(AssertSqlSafe(select_sql(spec)))
                        .fetch_all(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    let mut out = Vec::with_capacity(rows.len());
                    for row in rows {
                        let mut values = Vec::with_capacity(spec.columns.len());
                        for (i, (_, col)) in spec.columns.iter().enumerate() {
                            let v = match col {
                                Col::Int => row
                                    .try_get::<Option<i64>, _>(i)
                                    .map_err(map_err)?
                                    .map_or(DumpValue::Null, DumpValue::Int),
                                Col::Text => row
                                    .try_get::<Option<String>, _>(i)
                                    .map_err(map_err)?
                                    .map_or(DumpValue::Null, DumpValue::Text),
                                Col::Bin => match row.try_get::<Option<Bin>, _>(i).map_err(map_err)? {
                                    Some(b) => DumpValue::Bytes(from_bin(b)?),
                                    None => DumpValue::Null,
                                },
                            };
                            values.push(v);
                        }
                        out.push(values);
                    }
                    tables.push(TableDump {
                        name: spec.name.to_owned(),
                        columns: spec.columns.iter().map(|(c, _)| (*c).to_owned()).collect(),
                        rows: out,
                    });
                }
                tx.commit().await.map_err(map_err)?;
                Ok(Dump {
                    schema_version,
                    tables,
                })
            }

            async fn restore(&self, dump: &Dump) -> Result<(), StoreError> {
                let mut tx = begin_write(&self.writer).await?;
                let schema_version: i64 =
                    sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations")
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(map_err)?;
                if schema_version != dump.schema_version {
                    return Err(StoreError::Corrupt(format!(
                        "backup has schema version {}, this Passa has {schema_version}",
                        dump.schema_version
                    )));
                }
                let tenants: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tenants")
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(map_err)?;
                if tenants > 0 {
                    return Err(StoreError::Conflict {
                        constraint: "restore needs an empty database".into(),
                    });
                }
                if dump.tables.len() != TABLES.len() {
                    return Err(StoreError::Corrupt("backup holds other tables than expected".into()));
                }
                for table in ["id_counters", "key_check"] {
                    sqlx::query(AssertSqlSafe(format!("DELETE FROM {table}")))
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                }
                for (spec, table) in TABLES.iter().zip(&dump.tables) {
                    let same_columns = table.columns.len() == spec.columns.len()
                        && table.columns.iter().zip(spec.columns).all(|(a, (b, _))| a == b);
                    if table.name != spec.name || !same_columns {
                        return Err(StoreError::Corrupt(format!(
                            "backup table {} does not match this schema",
                            table.name
                        )));
                    }
                    if table.rows.iter().any(|r| r.len() != spec.columns.len()) {
                        return Err(StoreError::Corrupt(format!("a row of {} has the wrong width", table.name)));
                    }
                    let mut failed = None;
                    for chunk in table.rows.chunks(CHUNK) {
                        let mut q = QueryBuilder::<Db>::new(insert_prefix(spec));
                        q.push_values(chunk, |mut b, row| {
                            for ((_, col), v) in spec.columns.iter().zip(row) {
                                match (col, v) {
                                    (Col::Int, DumpValue::Int(i)) => { b.push_bind(Some(*i)); }
                                    (Col::Int, DumpValue::Null) => { b.push_bind(None::<i64>); }
                                    (Col::Text, DumpValue::Text(s)) => { b.push_bind(Some(s.clone())); }
                                    (Col::Text, DumpValue::Null) => { b.push_bind(None::<String>); }
                                    (Col::Bin, DumpValue::Bytes(x)) => { b.push_bind(Some(to_bin(x))); }
                                    (Col::Bin, DumpValue::Null) => { b.push_bind(None::<Bin>); }
                                    _ => {
                                        failed = Some(spec.name);
                                        b.push_bind(None::<i64>);
                                    }
                                }
                            }
                        });
                        if let Some(name) = failed {
                            return Err(StoreError::Corrupt(format!("a value in {name} has the wrong type")));
                        }
                        q.build().execute(&mut *tx).await.map_err(map_err)?;
                    }
                }
                tx.commit().await.map_err(map_err)
            }
        }
    };
}

pub(crate) use impl_store;
