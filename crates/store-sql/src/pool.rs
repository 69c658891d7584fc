//! The pool and SMS part of the store's SQL, written once for both backends like
//! `common.rs`, and expanded after `impl_store!` in each backend module.

macro_rules! impl_pool_store {
    ($store:ident) => {
        mod pool_impl {
            use async_trait::async_trait;
            use passa_domain::{
                CompetenceId, DataKeyId, OfferId, OfferState, OrderId, OrderReason,
                OrderState, PersonId, SmsId, TenantId, UnitId,
            };
            use passa_store::{
                AuditEntry, AvailabilityRecord, BookedVia, BookingCheck, BookingOutcome,
                BookingRequest, ClaimedSms, Contact, ContactUpdate, DeliveryStatus, InboundSms,
                NewSms, OfferAnswer, OfferRecord, OrderRecord, PoolStats, PoolStore, SealedNote, Waves,
                StoreError, StoredKey, WeeklyAvailabilityRecord, WorkSpan,
            };
            use sqlx::Row;

            use super::{
                Bin, CHUNK, Db, append_audit, append_audits, begin_snapshot, begin_write, from_bin, insert_rows,
                to_bin,
            };
            use crate::map_err;

            type Tx = sqlx::Transaction<'static, Db>;

            fn corrupt(what: &str) -> StoreError {
                StoreError::Corrupt(format!("bad {what}"))
            }

            async fn insert_data_key(
                tx: &mut Tx,
                tenant: TenantId,
                id: DataKeyId,
                key: &StoredKey,
            ) -> Result<(), StoreError> {
                insert_data_keys(tx, &[(tenant, id, key)]).await
            }

            async fn insert_sms(tx: &mut Tx, tenant: TenantId, sms: &[NewSms]) -> Result<(), StoreError> {
                let rows: Vec<(TenantId, &NewSms)> = sms.iter().map(|m| (tenant, m)).collect();
                insert_outbox(tx, &rows).await
            }

            /// Queues messages in the outbox, each with its data key, in multi-row statements.
            async fn insert_outbox(tx: &mut Tx, rows: &[(TenantId, &NewSms)]) -> Result<(), StoreError> {
                let keys: Vec<(TenantId, DataKeyId, &StoredKey)> =
                    rows.iter().map(|(t, m)| (*t, m.data_key_id, &m.data_key)).collect();
                insert_data_keys(tx, &keys).await?;
                insert_rows(
                    tx,
                    "INSERT INTO sms_outbox (id, tenant_id, data_key_id, recipient, body, kind, order_id, offer_id, \
                     encoding, parts, state, attempts, not_before_s, created_at) ",
                    rows,
                    |b, (t, m)| {
                        b.push_bind(m.id.get())
                            .push_bind(t.get())
                            .push_bind(m.data_key_id.get())
                            .push_bind(to_bin(&m.recipient))
                            .push_bind(to_bin(&m.body))
                            .push_bind(m.kind)
                            .push_bind(m.order.map(OrderId::get))
                            .push_bind(m.offer.map(OfferId::get))
                            .push_bind(m.encoding)
                            .push_bind(i64::from(m.parts))
                            .push_bind("pending")
                            .push_bind(0_i64)
                            .push_bind(m.not_before_s)
                            .push_bind(m.created_at.clone());
                    },
                )
                .await
            }

            async fn insert_data_keys(
                tx: &mut Tx,
                keys: &[(TenantId, DataKeyId, &StoredKey)],
            ) -> Result<(), StoreError> {
                insert_rows(
                    tx,
                    "INSERT INTO data_keys (id, tenant_id, tenant_key_version, ciphertext) ",
                    keys,
                    |b, (t, id, key)| {
                        b.push_bind(id.get())
                            .push_bind(t.get())
                            .push_bind(i64::from(key.wrapped_by))
                            .push_bind(to_bin(&key.ciphertext));
                    },
                )
                .await
            }

            /// Stores an inbound SMS; `false` if the provider's id was already there. A
            /// concurrent copy waits for the first to commit and then finds it there.
            async fn insert_inbound(tx: &mut Tx, tenant: TenantId, m: &InboundSms) -> Result<bool, StoreError> {
                insert_data_key(tx, tenant, m.data_key_id, &m.data_key).await?;
                // On `false` the caller drops the transaction, and the data key with it.
                Ok(!insert_inbox(tx, &[(tenant, m)]).await?.is_empty())
            }

            /// Stores inbound messages (their data keys already written) and returns the ids
            /// of those stored: a provider id already there is skipped.
            async fn insert_inbox(tx: &mut Tx, rows: &[(TenantId, &InboundSms)]) -> Result<Vec<i64>, StoreError> {
                let mut inserted = Vec::with_capacity(rows.len());
                for chunk in rows.chunks(CHUNK) {
                    let mut q = sqlx::QueryBuilder::<Db>::new(
                        "INSERT INTO sms_inbox (id, tenant_id, provider, provider_id, data_key_id, sender, body, \
                         received_at, received_s, outcome) ",
                    );
                    q.push_values(chunk, |mut b, (t, m)| {
                        b.push_bind(m.id.get())
                            .push_bind(t.get())
                            .push_bind(m.provider.clone())
                            .push_bind(m.provider_id.clone())
                            .push_bind(m.data_key_id.get())
                            .push_bind(to_bin(&m.sender))
                            .push_bind(to_bin(&m.body))
                            .push_bind(m.received_at.clone())
                            .push_bind(m.received_s)
                            .push_bind(m.outcome.clone());
                    });
                    q.push(" ON CONFLICT (tenant_id, provider, provider_id) DO NOTHING RETURNING id");
                    let ids: Vec<i64> = q
                        .build_query_scalar()
                        .fetch_all(&mut **tx)
                        .await
                        .map_err(map_err)?;
                    inserted.extend(ids);
                }
                Ok(inserted)
            }

            const ORDER_COLUMNS: &str = "o.id, o.unit_id, o.competence_id, o.start_at, o.end_at, o.start_s, o.end_s, \
                o.break_minutes, o.reason, o.data_key_id, o.note, o.urgent, o.state, o.wave_size, o.wave_wait_s, \
                o.waves_sent, o.next_wave_s, o.created_at, dk.tenant_key_version, dk.ciphertext, o.tenant_id";
            const ORDER_FROM: &str =
                "FROM orders o LEFT JOIN data_keys dk ON dk.tenant_id = o.tenant_id AND dk.id = o.data_key_id";

            fn order_of(row: &<Db as sqlx::Database>::Row) -> Result<(TenantId, OrderRecord), StoreError> {
                let i = |n: usize| row.try_get::<i64, _>(n).map_err(map_err);
                let oi = |n: usize| row.try_get::<Option<i64>, _>(n).map_err(map_err);
                let s = |n: usize| row.try_get::<String, _>(n).map_err(map_err);
                let note = match (oi(9)?, row.try_get::<Option<Bin>, _>(10).map_err(map_err)?, oi(18)?) {
                    (Some(dk), Some(note), Some(version)) => Some(SealedNote {
                        data_key_id: DataKeyId::new(dk),
                        data_key: StoredKey {
                            version: 1,
                            wrapped_by: u32::try_from(version).map_err(|_| corrupt("key version"))?,
                            ciphertext: from_bin(row.try_get::<Bin, _>(19).map_err(map_err)?)?,
                        },
                        ciphertext: from_bin(note)?,
                    }),
                    _ => None,
                };
                Ok((
                    TenantId::new(i(20)?),
                    OrderRecord {
                        id: OrderId::new(i(0)?),
                        unit: UnitId::new(i(1)?),
                        competence: oi(2)?.map(CompetenceId::new),
                        start: s(3)?,
                        end: s(4)?,
                        start_s: i(5)?,
                        end_s: i(6)?,
                        break_minutes: u16::try_from(i(7)?).map_err(|_| corrupt("break"))?,
                        reason: OrderReason::parse(&s(8)?).ok_or_else(|| corrupt("order reason"))?,
                        note,
                        urgent: i(11)? != 0,
                        state: OrderState::parse(&s(12)?).ok_or_else(|| corrupt("order state"))?,
                        wave_size: u32::try_from(i(13)?).map_err(|_| corrupt("wave size"))?,
                        wave_wait_s: i(14)?,
                        waves_sent: u32::try_from(i(15)?).map_err(|_| corrupt("waves"))?,
                        next_wave_s: oi(16)?,
                        created_at: s(17)?,
                    },
                ))
            }

            fn offer_of(row: &<Db as sqlx::Database>::Row) -> Result<OfferRecord, StoreError> {
                offer_at(row, 0)
            }

            /// An offer from its eight columns starting at `b`.
            fn offer_at(row: &<Db as sqlx::Database>::Row, b: usize) -> Result<OfferRecord, StoreError> {
                let i = |n: usize| row.try_get::<i64, _>(b + n).map_err(map_err);
                Ok(OfferRecord {
                    id: OfferId::new(i(0)?),
                    order: OrderId::new(i(1)?),
                    person: PersonId::new(i(2)?),
                    wave: u32::try_from(i(3)?).map_err(|_| corrupt("wave"))?,
                    code_hash: from_bin(row.try_get::<Bin, _>(b + 4).map_err(map_err)?)?,
                    state: OfferState::parse(&row.try_get::<String, _>(b + 5).map_err(map_err)?)
                        .ok_or_else(|| corrupt("offer state"))?,
                    created_at: row.try_get(b + 6).map_err(map_err)?,
                    answered_at: row.try_get(b + 7).map_err(map_err)?,
                })
            }

            async fn close_open_offers(tx: &mut Tx, tenant: TenantId, order: OrderId) -> Result<(), StoreError> {
                sqlx::query("UPDATE offers SET state = 'closed' WHERE tenant_id = $1 AND order_id = $2 AND state = 'open'")
                    .bind(tenant.get())
                    .bind(order.get())
                    .execute(&mut **tx)
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            /// An inbound SMS that booked nothing, with its effects: what
            /// `PoolStore::record_inbound` stores.
            #[derive(Debug)]
            pub(crate) struct InboundJob {
                pub(crate) tenant: TenantId,
                pub(crate) inbound: InboundSms,
                pub(crate) answers: Vec<OfferAnswer>,
                pub(crate) contact: Option<ContactUpdate>,
                pub(crate) sms: Vec<NewSms>,
                pub(crate) audit: Option<AuditEntry>,
            }

            /// Stores inbound messages with their effects in one transaction, in a fixed
            /// number of statements however many there are: a burst of replies to one
            /// offer round commits together. Per job `false` when the provider's id was
            /// already stored (a retry): that job changes nothing.
            pub(crate) async fn record_inbound_batch(
                writer: &sqlx::Pool<Db>,
                jobs: &[InboundJob],
            ) -> Result<Vec<bool>, StoreError> {
                let mut tx = begin_write(writer).await?;
                let keys: Vec<(TenantId, DataKeyId, &StoredKey)> = jobs
                    .iter()
                    .map(|j| (j.tenant, j.inbound.data_key_id, &j.inbound.data_key))
                    .collect();
                insert_data_keys(&mut tx, &keys).await?;
                let rows: Vec<(TenantId, &InboundSms)> =
                    jobs.iter().map(|j| (j.tenant, &j.inbound)).collect();
                let inserted = insert_inbox(&mut tx, &rows).await?;
                let stored: Vec<bool> = jobs
                    .iter()
                    .map(|j| inserted.contains(&j.inbound.id.get()))
                    .collect();
                let kept: Vec<&InboundJob> = jobs
                    .iter()
                    .zip(&stored)
                    .filter_map(|(j, s)| s.then_some(j))
                    .collect();
                // A retry's data key was written before its message was found stored.
                for (j, _) in jobs.iter().zip(&stored).filter(|(_, s)| !**s) {
                    sqlx::query("DELETE FROM data_keys WHERE tenant_id = $1 AND id = $2")
                        .bind(j.tenant.get())
                        .bind(j.inbound.data_key_id.get())
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                }
                // One answer per offer, the last one, as if the jobs ran one by one.
                let mut answers: Vec<(TenantId, &OfferAnswer)> = Vec::new();
                for j in &kept {
                    for a in &j.answers {
                        answers.retain(|(t, b)| !(*t == j.tenant && b.offer == a.offer));
                        answers.push((j.tenant, a));
                    }
                }
                for chunk in answers.chunks(CHUNK) {
                    let mut q = sqlx::QueryBuilder::<Db>::new(
                        "WITH v (tenant_id, id, state, answered_at) AS (",
                    );
                    q.push_values(chunk, |mut b, (t, a)| {
                        b.push_bind(t.get())
                            .push_bind(a.offer.get())
                            .push_bind(a.state.as_str())
                            .push_bind(a.answered_at.clone());
                    });
                    q.push(
                        ") UPDATE offers SET state = v.state, answered_at = v.answered_at FROM v \
                         WHERE offers.tenant_id = v.tenant_id AND offers.id = v.id",
                    );
                    q.build().execute(&mut *tx).await.map_err(map_err)?;
                }
                for j in &kept {
                    if let Some(c) = &j.contact {
                        apply_contact(&mut tx, j.tenant, c, &j.inbound.received_at).await?;
                    }
                }
                let outbox: Vec<(TenantId, &NewSms)> = kept
                    .iter()
                    .flat_map(|j| j.sms.iter().map(|m| (j.tenant, m)))
                    .collect();
                insert_outbox(&mut tx, &outbox).await?;
                let mut tenants: Vec<TenantId> = kept.iter().map(|j| j.tenant).collect();
                tenants.sort_by_key(|t| t.get());
                tenants.dedup();
                for t in tenants {
                    let entries: Vec<&AuditEntry> = kept
                        .iter()
                        .filter(|j| j.tenant == t)
                        .filter_map(|j| j.audit.as_ref())
                        .collect();
                    append_audits(&mut tx, t, &entries).await?;
                }
                tx.commit().await.map_err(map_err)?;
                Ok(stored)
            }

            async fn apply_contact(
                tx: &mut Tx,
                tenant: TenantId,
                c: &ContactUpdate,
                received_at: &str,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO sms_contacts (tenant_id, phone_idx) VALUES ($1, $2) \
                     ON CONFLICT (tenant_id, phone_idx) DO NOTHING",
                )
                .bind(tenant.get())
                .bind(to_bin(&c.phone_index))
                .execute(&mut **tx)
                .await
                .map_err(map_err)?;
                if let Some(out) = c.opted_out {
                    sqlx::query("UPDATE sms_contacts SET opted_out_at = $3 WHERE tenant_id = $1 AND phone_idx = $2")
                        .bind(tenant.get())
                        .bind(to_bin(&c.phone_index))
                        .bind(out.then(|| received_at.to_owned()))
                        .execute(&mut **tx)
                        .await
                        .map_err(map_err)?;
                }
                if let Some(at) = c.help_sent_s {
                    sqlx::query("UPDATE sms_contacts SET last_help_s = $3 WHERE tenant_id = $1 AND phone_idx = $2")
                        .bind(tenant.get())
                        .bind(to_bin(&c.phone_index))
                        .bind(at)
                        .execute(&mut **tx)
                        .await
                        .map_err(map_err)?;
                }
                Ok(())
            }

            #[async_trait]
            impl PoolStore for super::$store {
                async fn add_availability(
                    &self,
                    tenant: TenantId,
                    single: &[AvailabilityRecord],
                    weekly: &[WeeklyAvailabilityRecord],
                    audit: &AuditEntry,
                ) -> Result<(), StoreError> {
                    let mut tx = begin_write(&self.writer).await?;
                    for a in single {
                        sqlx::query(
                            "INSERT INTO availability (id, tenant_id, person_id, start_at, end_at, start_s, end_s) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7)",
                        )
                        .bind(a.id)
                        .bind(tenant.get())
                        .bind(a.person.get())
                        .bind(&a.start)
                        .bind(&a.end)
                        .bind(a.start_s)
                        .bind(a.end_s)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    }
                    for w in weekly {
                        sqlx::query(
                            "INSERT INTO availability_weekly (id, tenant_id, person_id, weekday, start_time, end_time, \
                             valid_from, valid_to) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                        )
                        .bind(w.id)
                        .bind(tenant.get())
                        .bind(w.person.get())
                        .bind(i64::from(w.weekday))
                        .bind(&w.start_time)
                        .bind(&w.end_time)
                        .bind(&w.valid_from)
                        .bind(&w.valid_to)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    }
                    append_audit(&mut tx, tenant, audit).await?;
                    tx.commit().await.map_err(map_err)
                }

                async fn availability(
                    &self,
                    tenant: TenantId,
                    from_s: i64,
                    to_s: i64,
                ) -> Result<(Vec<AvailabilityRecord>, Vec<WeeklyAvailabilityRecord>), StoreError> {
                    let rows = sqlx::query(
                        "SELECT id, person_id, start_at, end_at, start_s, end_s FROM availability \
                         WHERE tenant_id = $1 AND start_s < $3 AND end_s > $2 ORDER BY person_id, start_s",
                    )
                    .bind(tenant.get())
                    .bind(from_s)
                    .bind(to_s)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_err)?;
                    let single = rows
                        .iter()
                        .map(|row| {
                            Ok(AvailabilityRecord {
                                id: row.try_get(0).map_err(map_err)?,
                                person: PersonId::new(row.try_get(1).map_err(map_err)?),
                                start: row.try_get(2).map_err(map_err)?,
                                end: row.try_get(3).map_err(map_err)?,
                                start_s: row.try_get(4).map_err(map_err)?,
                                end_s: row.try_get(5).map_err(map_err)?,
                            })
                        })
                        .collect::<Result<Vec<_>, StoreError>>()?;
                    let rows = sqlx::query(
                        "SELECT id, person_id, weekday, start_time, end_time, valid_from, valid_to \
                         FROM availability_weekly WHERE tenant_id = $1 ORDER BY person_id, weekday, start_time",
                    )
                    .bind(tenant.get())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_err)?;
                    let weekly = rows
                        .iter()
                        .map(|row| {
                            Ok(WeeklyAvailabilityRecord {
                                id: row.try_get(0).map_err(map_err)?,
                                person: PersonId::new(row.try_get(1).map_err(map_err)?),
                                weekday: u8::try_from(row.try_get::<i64, _>(2).map_err(map_err)?)
                                    .map_err(|_| corrupt("weekday"))?,
                                start_time: row.try_get(3).map_err(map_err)?,
                                end_time: row.try_get(4).map_err(map_err)?,
                                valid_from: row.try_get(5).map_err(map_err)?,
                                valid_to: row.try_get(6).map_err(map_err)?,
                            })
                        })
                        .collect::<Result<Vec<_>, StoreError>>()?;
                    Ok((single, weekly))
                }

                async fn create_order(
                    &self,
                    tenant: TenantId,
                    o: &OrderRecord,
                    audit: &AuditEntry,
                ) -> Result<(), StoreError> {
                    let mut tx = begin_write(&self.writer).await?;
                    if let Some(note) = &o.note {
                        insert_data_key(&mut tx, tenant, note.data_key_id, &note.data_key).await?;
                    }
                    sqlx::query(
                        "INSERT INTO orders (id, tenant_id, unit_id, competence_id, start_at, end_at, start_s, end_s, \
                         break_minutes, reason, data_key_id, note, urgent, state, wave_size, wave_wait_s, waves_sent, \
                         next_wave_s, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
                    )
                    .bind(o.id.get())
                    .bind(tenant.get())
                    .bind(o.unit.get())
                    .bind(o.competence.map(CompetenceId::get))
                    .bind(&o.start)
                    .bind(&o.end)
                    .bind(o.start_s)
                    .bind(o.end_s)
                    .bind(i64::from(o.break_minutes))
                    .bind(o.reason.as_str())
                    .bind(o.note.as_ref().map(|n| n.data_key_id.get()))
                    .bind(o.note.as_ref().map(|n| to_bin(&n.ciphertext)))
                    .bind(i64::from(o.urgent))
                    .bind(o.state.as_str())
                    .bind(i64::from(o.wave_size))
                    .bind(o.wave_wait_s)
                    .bind(i64::from(o.waves_sent))
                    .bind(o.next_wave_s)
                    .bind(&o.created_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                    append_audit(&mut tx, tenant, audit).await?;
                    tx.commit().await.map_err(map_err)
                }

                async fn order(&self, tenant: TenantId, id: OrderId) -> Result<OrderRecord, StoreError> {
                    let sql = format!("SELECT {ORDER_COLUMNS} {ORDER_FROM} WHERE o.tenant_id = $1 AND o.id = $2");
                    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(tenant.get())
                        .bind(id.get())
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(map_err)?
                        .ok_or(StoreError::NotFound("order"))?;
                    order_of(&row).map(|(_, o)| o)
                }

                async fn orders(
                    &self,
                    tenant: TenantId,
                    states: &[OrderState],
                ) -> Result<Vec<OrderRecord>, StoreError> {
                    let sql = format!("SELECT {ORDER_COLUMNS} {ORDER_FROM} WHERE o.tenant_id = $1 ORDER BY o.start_s, o.id");
                    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(tenant.get())
                        .fetch_all(&self.pool)
                        .await
                        .map_err(map_err)?;
                    let mut out = Vec::new();
                    for row in &rows {
                        let (_, o) = order_of(row)?;
                        if states.is_empty() || states.contains(&o.state) {
                            out.push(o);
                        }
                    }
                    Ok(out)
                }

                async fn offers(&self, tenant: TenantId, order: OrderId) -> Result<Vec<OfferRecord>, StoreError> {
                    let rows = sqlx::query(
                        "SELECT id, order_id, person_id, wave, code_hash, state, created_at, answered_at \
                         FROM offers WHERE tenant_id = $1 AND order_id = $2 ORDER BY id",
                    )
                    .bind(tenant.get())
                    .bind(order.get())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_err)?;
                    rows.iter().map(offer_of).collect()
                }

                async fn open_offers_for(
                    &self,
                    tenant: TenantId,
                    people: &[PersonId],
                ) -> Result<Vec<OfferRecord>, StoreError> {
                    let mut out = Vec::new();
                    for p in people {
                        let rows = sqlx::query(
                            "SELECT f.id, f.order_id, f.person_id, f.wave, f.code_hash, f.state, f.created_at, f.answered_at \
                             FROM offers f JOIN orders o ON o.tenant_id = f.tenant_id AND o.id = f.order_id \
                             WHERE f.tenant_id = $1 AND f.person_id = $2 AND f.state = 'open' AND o.state = 'offering' \
                             ORDER BY f.id",
                        )
                        .bind(tenant.get())
                        .bind(p.get())
                        .fetch_all(&self.pool)
                        .await
                        .map_err(map_err)?;
                        for row in &rows {
                            out.push(offer_of(row)?);
                        }
                    }
                    Ok(out)
                }

                async fn reply_target(
                    &self,
                    tenant: TenantId,
                    phone_index: &[u8],
                    code_hash: &[u8],
                ) -> Result<Option<(OfferRecord, OrderRecord)>, StoreError> {
                    let sql = format!(
                        "SELECT {ORDER_COLUMNS}, f.id, f.order_id, f.person_id, f.wave, f.code_hash, f.state, \
                         f.created_at, f.answered_at FROM offers f \
                         JOIN people p ON p.tenant_id = f.tenant_id AND p.id = f.person_id \
                         JOIN orders o ON o.tenant_id = f.tenant_id AND o.id = f.order_id \
                         LEFT JOIN data_keys dk ON dk.tenant_id = o.tenant_id AND dk.id = o.data_key_id \
                         WHERE f.tenant_id = $1 AND p.phone_idx = $2 AND f.code_hash = $3 \
                         ORDER BY f.id DESC LIMIT 1"
                    );
                    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(tenant.get())
                        .bind(to_bin(phone_index))
                        .bind(to_bin(code_hash))
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(map_err)?;
                    match row {
                        None => Ok(None),
                        Some(row) => {
                            let (_, order) = order_of(&row)?;
                            Ok(Some((offer_at(&row, 21)?, order)))
                        }
                    }
                }

                async fn people_ids_by_phone(
                    &self,
                    tenant: TenantId,
                    phone_index: &[u8],
                ) -> Result<Vec<PersonId>, StoreError> {
                    let ids: Vec<i64> = sqlx::query_scalar(
                        "SELECT id FROM people WHERE tenant_id = $1 AND phone_idx = $2 ORDER BY id",
                    )
                    .bind(tenant.get())
                    .bind(to_bin(phone_index))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_err)?;
                    Ok(ids.into_iter().map(PersonId::new).collect())
                }

                async fn work_of(
                    &self,
                    tenant: TenantId,
                    person: PersonId,
                    from_s: i64,
                    to_s: i64,
                ) -> Result<Vec<WorkSpan>, StoreError> {
                    let mut tx = begin_snapshot(&self.pool).await?;
                    let spans = work_in(&mut tx, tenant, person, from_s, to_s).await?;
                    tx.commit().await.map_err(map_err)?;
                    Ok(spans)
                }

                async fn pool_stats(
                    &self,
                    tenant: TenantId,
                    since_s: i64,
                ) -> Result<Vec<(PersonId, PoolStats)>, StoreError> {
                    let mut stats: std::collections::BTreeMap<i64, PoolStats> = Default::default();
                    let rows = sqlx::query(
                        "SELECT f.person_id, f.state FROM offers f JOIN orders o ON o.tenant_id = f.tenant_id \
                         AND o.id = f.order_id WHERE f.tenant_id = $1 AND o.start_s >= $2",
                    )
                    .bind(tenant.get())
                    .bind(since_s)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_err)?;
                    for row in &rows {
                        let person: i64 = row.try_get(0).map_err(map_err)?;
                        let state: String = row.try_get(1).map_err(map_err)?;
                        let s = stats.entry(person).or_default();
                        s.offers += 1;
                        if state == "declined" {
                            s.declines += 1;
                        }
                    }
                    let rows = sqlx::query(
                        "SELECT person_id, end_s - start_s, cancelled_at FROM bookings \
                         WHERE tenant_id = $1 AND start_s >= $2",
                    )
                    .bind(tenant.get())
                    .bind(since_s)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_err)?;
                    for row in &rows {
                        let person: i64 = row.try_get(0).map_err(map_err)?;
                        let seconds: i64 = row.try_get(1).map_err(map_err)?;
                        let cancelled: Option<String> = row.try_get(2).map_err(map_err)?;
                        let s = stats.entry(person).or_default();
                        if cancelled.is_some() {
                            s.cancellations += 1;
                        } else {
                            s.bookings += 1;
                            s.booked_seconds += seconds;
                        }
                    }
                    Ok(stats.into_iter().map(|(p, s)| (PersonId::new(p), s)).collect())
                }

                async fn send_offers(
                    &self,
                    tenant: TenantId,
                    order: OrderId,
                    offers: &[OfferRecord],
                    sms: &[NewSms],
                    waves: &Waves,
                    audit: &AuditEntry,
                ) -> Result<(), StoreError> {
                    let mut tx = begin_write(&self.writer).await?;
                    // The round's size and wait are kept, so the waves the server sends later
                    // are like the first; a wave that offered nobody (deferred for quiet
                    // hours, or nobody new) does not count.
                    let moved = sqlx::query(
                        "UPDATE orders SET state = 'offering', waves_sent = waves_sent + $3, next_wave_s = $4, \
                         wave_size = $5, wave_wait_s = $6 \
                         WHERE tenant_id = $1 AND id = $2 AND state IN ('open', 'offering')",
                    )
                    .bind(tenant.get())
                    .bind(order.get())
                    .bind(i64::from(!offers.is_empty()))
                    .bind(waves.next_s)
                    .bind(i64::from(waves.size))
                    .bind(waves.wait_s)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                    if moved == 0 {
                        return Err(StoreError::Conflict {
                            constraint: "order_not_live".into(),
                        });
                    }
                    for f in offers {
                        sqlx::query(
                            "INSERT INTO offers (id, tenant_id, order_id, person_id, wave, code_hash, state, created_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                        )
                        .bind(f.id.get())
                        .bind(tenant.get())
                        .bind(f.order.get())
                        .bind(f.person.get())
                        .bind(i64::from(f.wave))
                        .bind(to_bin(&f.code_hash))
                        .bind(f.state.as_str())
                        .bind(&f.created_at)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    }
                    insert_sms(&mut tx, tenant, sms).await?;
                    append_audit(&mut tx, tenant, audit).await?;
                    tx.commit().await.map_err(map_err)
                }

                async fn book(
                    &self,
                    tenant: TenantId,
                    request: &BookingRequest,
                    check: BookingCheck<'_>,
                ) -> Result<BookingOutcome, StoreError> {
                    let b = &request.booking;
                    let mut tx = begin_write(&self.writer).await?;
                    if let Some(inbound) = &request.inbound {
                        if !insert_inbound(&mut tx, tenant, inbound).await? {
                            return Ok(BookingOutcome::Duplicate);
                        }
                    }
                    // The order first: of many answers to one shift only the first gets past
                    // this line, and the others are told at once, before any rule is checked.
                    // (On PostgreSQL the order's row lock also puts them in line.)
                    let live: &[&str] = match b.via {
                        BookedVia::Offer => &["offering"],
                        BookedVia::Direct => &["open", "offering"],
                    };
                    let moved = sqlx::query(
                        "UPDATE orders SET state = 'booked', next_wave_s = NULL \
                         WHERE tenant_id = $1 AND id = $2 AND state IN ($3, $4)",
                    )
                    .bind(tenant.get())
                    .bind(b.order.get())
                    .bind(live[0])
                    .bind(live.get(1).copied().unwrap_or(live[0]))
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                    if moved == 0 {
                        let state: Option<String> = sqlx::query_scalar(
                            "SELECT state FROM orders WHERE tenant_id = $1 AND id = $2",
                        )
                        .bind(tenant.get())
                        .bind(b.order.get())
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(map_err)?;
                        let state = state
                            .and_then(|s| OrderState::parse(&s))
                            .ok_or(StoreError::NotFound("order"))?;
                        return Ok(BookingOutcome::NotLive(state));
                    }
                    // The person's lock: a no-op update that serialises bookings of one
                    // person on PostgreSQL (SQLite writers are serial already), so the check
                    // below sees every booking made before this one.
                    sqlx::query("UPDATE people SET weekly_minutes = weekly_minutes WHERE tenant_id = $1 AND id = $2")
                        .bind(tenant.get())
                        .bind(b.person.get())
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    const REACH: i64 = 9 * 86_400;
                    let spans = work_in(&mut tx, tenant, b.person, b.start_s - REACH, b.end_s + REACH).await?;
                    if let Err(reason) = check(&spans) {
                        return Ok(BookingOutcome::Refused(reason));
                    }
                    let inserted = sqlx::query(
                        "INSERT INTO bookings (id, tenant_id, order_id, person_id, start_s, end_s, via, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(b.id.get())
                    .bind(tenant.get())
                    .bind(b.order.get())
                    .bind(b.person.get())
                    .bind(b.start_s)
                    .bind(b.end_s)
                    .bind(b.via.as_str())
                    .bind(&b.created_at)
                    .execute(&mut *tx)
                    .await;
                    match inserted.map_err(map_err) {
                        Ok(_) => {}
                        Err(StoreError::Conflict { constraint }) if constraint.contains("overlap") => {
                            return Ok(BookingOutcome::Refused("overlapping booking".into()));
                        }
                        Err(StoreError::Conflict { .. }) => {
                            return Ok(BookingOutcome::NotLive(OrderState::Booked));
                        }
                        Err(e) => return Err(e),
                    }
                    if let Some(offer) = request.offer {
                        sqlx::query(
                            "UPDATE offers SET state = 'accepted', answered_at = $3 WHERE tenant_id = $1 AND id = $2",
                        )
                        .bind(tenant.get())
                        .bind(offer.get())
                        .bind(&b.created_at)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    }
                    close_open_offers(&mut tx, tenant, b.order).await?;
                    insert_sms(&mut tx, tenant, &request.sms).await?;
                    append_audit(&mut tx, tenant, &request.audit).await?;
                    tx.commit().await.map_err(map_err)?;
                    Ok(BookingOutcome::Booked)
                }

                async fn record_inbound(
                    &self,
                    tenant: TenantId,
                    inbound: &InboundSms,
                    answers: &[OfferAnswer],
                    contact: Option<&ContactUpdate>,
                    sms: &[NewSms],
                    audit: Option<&AuditEntry>,
                ) -> Result<bool, StoreError> {
                    self.submit_inbound(InboundJob {
                        tenant,
                        inbound: inbound.clone(),
                        answers: answers.to_vec(),
                        contact: contact.cloned(),
                        sms: sms.to_vec(),
                        audit: audit.cloned(),
                    })
                    .await
                }

                async fn contact(&self, tenant: TenantId, phone_index: &[u8]) -> Result<Contact, StoreError> {
                    let row = sqlx::query(
                        "SELECT opted_out_at, last_help_s FROM sms_contacts WHERE tenant_id = $1 AND phone_idx = $2",
                    )
                    .bind(tenant.get())
                    .bind(to_bin(phone_index))
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                    match row {
                        None => Ok(Contact::default()),
                        Some(row) => Ok(Contact {
                            opted_out: row.try_get::<Option<String>, _>(0).map_err(map_err)?.is_some(),
                            last_help_s: row.try_get(1).map_err(map_err)?,
                        }),
                    }
                }

                async fn end_order(
                    &self,
                    tenant: TenantId,
                    order: OrderId,
                    state: OrderState,
                    _at: &str,
                    audit: &AuditEntry,
                ) -> Result<bool, StoreError> {
                    let mut tx = begin_write(&self.writer).await?;
                    let moved = sqlx::query(
                        "UPDATE orders SET state = $3, next_wave_s = NULL \
                         WHERE tenant_id = $1 AND id = $2 AND state IN ('open', 'offering')",
                    )
                    .bind(tenant.get())
                    .bind(order.get())
                    .bind(state.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                    if moved == 0 {
                        return Ok(false);
                    }
                    close_open_offers(&mut tx, tenant, order).await?;
                    append_audit(&mut tx, tenant, audit).await?;
                    tx.commit().await.map_err(map_err)?;
                    Ok(true)
                }

                async fn due_orders(&self, now_s: i64) -> Result<Vec<(TenantId, OrderRecord)>, StoreError> {
                    let sql = format!(
                        "SELECT {ORDER_COLUMNS} {ORDER_FROM} WHERE (o.state = 'offering' AND o.next_wave_s <= $1) \
                         OR (o.state IN ('open', 'offering') AND o.start_s <= $1) ORDER BY o.id"
                    );
                    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(now_s)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(map_err)?;
                    rows.iter().map(order_of).collect()
                }

                async fn enqueue_sms(&self, tenant: TenantId, sms: &[NewSms]) -> Result<(), StoreError> {
                    let mut tx = begin_write(&self.writer).await?;
                    insert_sms(&mut tx, tenant, sms).await?;
                    tx.commit().await.map_err(map_err)
                }

                async fn claim_sms(
                    &self,
                    owner: &str,
                    now_s: i64,
                    lease_until_s: i64,
                    limit: u32,
                ) -> Result<Vec<ClaimedSms>, StoreError> {
                    let mut tx = begin_write(&self.writer).await?;
                    let ids: Vec<i64> = sqlx::query_scalar(
                        "SELECT id FROM sms_outbox WHERE (state = 'pending' AND not_before_s <= $1) \
                         OR (state = 'sending' AND lease_until_s < $1) ORDER BY not_before_s, id LIMIT $2",
                    )
                    .bind(now_s)
                    .bind(i64::from(limit))
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(map_err)?;
                    let mut out = Vec::with_capacity(ids.len());
                    for id in ids {
                        // Conditional, so of two dispatchers that saw the same row only one
                        // takes it.
                        let row = sqlx::query(
                            "UPDATE sms_outbox SET state = 'sending', lease_owner = $2, lease_until_s = $3, \
                             attempts = attempts + 1 WHERE id = $1 AND recipient IS NOT NULL AND \
                             ((state = 'pending' AND not_before_s <= $4) OR (state = 'sending' AND lease_until_s < $4)) \
                             RETURNING tenant_id, data_key_id, recipient, body, attempts",
                        )
                        .bind(id)
                        .bind(owner)
                        .bind(lease_until_s)
                        .bind(now_s)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(map_err)?;
                        let Some(row) = row else { continue };
                        let tenant: i64 = row.try_get(0).map_err(map_err)?;
                        let dk: i64 = row.try_get(1).map_err(map_err)?;
                        let key = sqlx::query(
                            "SELECT tenant_key_version, ciphertext FROM data_keys WHERE tenant_id = $1 AND id = $2",
                        )
                        .bind(tenant)
                        .bind(dk)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(map_err)?;
                        out.push(ClaimedSms {
                            id: SmsId::new(id),
                            tenant: TenantId::new(tenant),
                            data_key_id: DataKeyId::new(dk),
                            data_key: StoredKey {
                                version: 1,
                                wrapped_by: u32::try_from(key.try_get::<i64, _>(0).map_err(map_err)?)
                                    .map_err(|_| corrupt("key version"))?,
                                ciphertext: from_bin(key.try_get::<Bin, _>(1).map_err(map_err)?)?,
                            },
                            recipient: from_bin(row.try_get::<Bin, _>(2).map_err(map_err)?)?,
                            body: from_bin(row.try_get::<Bin, _>(3).map_err(map_err)?)?,
                            attempts: u32::try_from(row.try_get::<i64, _>(4).map_err(map_err)?)
                                .map_err(|_| corrupt("attempts"))?,
                        });
                    }
                    tx.commit().await.map_err(map_err)?;
                    Ok(out)
                }

                async fn sms_sent(
                    &self,
                    id: SmsId,
                    owner: &str,
                    provider: &str,
                    provider_id: &str,
                    at: &str,
                    at_s: i64,
                ) -> Result<bool, StoreError> {
                    let mut tx = begin_write(&self.writer).await?;
                    let n = sqlx::query(
                        "UPDATE sms_outbox SET state = 'sent', provider = $3, provider_id = $4, sent_at = $5, \
                         final_s = $6, lease_owner = NULL, lease_until_s = NULL \
                         WHERE id = $1 AND state = 'sending' AND lease_owner = $2",
                    )
                    .bind(id.get())
                    .bind(owner)
                    .bind(provider)
                    .bind(provider_id)
                    .bind(at)
                    .bind(at_s)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                    tx.commit().await.map_err(map_err)?;
                    Ok(n == 1)
                }

                async fn sms_failed(
                    &self,
                    id: SmsId,
                    owner: &str,
                    error: &str,
                    not_before_s: Option<i64>,
                    at: &str,
                    at_s: i64,
                ) -> Result<(), StoreError> {
                    let mut tx = begin_write(&self.writer).await?;
                    match not_before_s {
                        Some(next) => sqlx::query(
                            "UPDATE sms_outbox SET state = 'pending', not_before_s = $3, last_error = $4, \
                             lease_owner = NULL, lease_until_s = NULL WHERE id = $1 AND state = 'sending' AND lease_owner = $2",
                        )
                        .bind(id.get())
                        .bind(owner)
                        .bind(next)
                        .bind(error),
                        None => sqlx::query(
                            "UPDATE sms_outbox SET state = 'failed', final_at = $3, final_s = $5, last_error = $4, \
                             lease_owner = NULL, lease_until_s = NULL WHERE id = $1 AND state = 'sending' AND lease_owner = $2",
                        )
                        .bind(id.get())
                        .bind(owner)
                        .bind(at)
                        .bind(error)
                        .bind(at_s),
                    }
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                    tx.commit().await.map_err(map_err)
                }

                async fn sms_delivery(
                    &self,
                    tenant: Option<TenantId>,
                    provider: &str,
                    provider_id: &str,
                    status: DeliveryStatus,
                    at: &str,
                    at_s: i64,
                ) -> Result<bool, StoreError> {
                    let state = match status {
                        DeliveryStatus::Sent => "sent",
                        DeliveryStatus::Delivered => "delivered",
                        DeliveryStatus::Failed => "failed",
                    };
                    // Through a tenant's webhook, only that tenant's messages: another
                    // tenant's provider account may hand out the same ids.
                    let (update, select) = if tenant.is_some() {
                        (
                            "UPDATE sms_outbox SET state = $3, final_at = $4, final_s = $5 \
                             WHERE provider = $1 AND provider_id = $2 AND state IN ('sending', 'sent') \
                             AND tenant_id = $6",
                            "SELECT id FROM sms_outbox WHERE provider = $1 AND provider_id = $2 \
                             AND tenant_id = $3",
                        )
                    } else {
                        (
                            "UPDATE sms_outbox SET state = $3, final_at = $4, final_s = $5 \
                             WHERE provider = $1 AND provider_id = $2 AND state IN ('sending', 'sent')",
                            "SELECT id FROM sms_outbox WHERE provider = $1 AND provider_id = $2",
                        )
                    };
                    let mut tx = begin_write(&self.writer).await?;
                    // A report never moves a message back from a final state.
                    let mut q = sqlx::query(update)
                        .bind(provider)
                        .bind(provider_id)
                        .bind(state)
                        .bind(at)
                        .bind(at_s);
                    if let Some(t) = tenant {
                        q = q.bind(t.get());
                    }
                    let n = q.execute(&mut *tx).await.map_err(map_err)?.rows_affected();
                    let mut q = sqlx::query_scalar::<_, i64>(select)
                        .bind(provider)
                        .bind(provider_id);
                    if let Some(t) = tenant {
                        q = q.bind(t.get());
                    }
                    let known: Option<i64> = q
                        .fetch_optional(&mut *tx)
                    .await
                    .map_err(map_err)?;
                    tx.commit().await.map_err(map_err)?;
                    Ok(n > 0 || known.is_some())
                }

                async fn purge_sms(&self, before_s: i64, at: &str) -> Result<u64, StoreError> {
                    let mut tx = begin_write(&self.writer).await?;
                    let mut keys: Vec<(i64, i64)> = Vec::new();
                    // The data key ids are read before the rows forget them.
                    let rows = sqlx::query(
                        "SELECT tenant_id, data_key_id FROM sms_outbox WHERE purged_at IS NULL \
                         AND state IN ('sent', 'delivered', 'failed') AND final_s < $1 AND data_key_id IS NOT NULL",
                    )
                    .bind(before_s)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(map_err)?;
                    for row in &rows {
                        keys.push((row.try_get(0).map_err(map_err)?, row.try_get(1).map_err(map_err)?));
                    }
                    let outbox = sqlx::query(
                        "UPDATE sms_outbox SET recipient = NULL, body = NULL, data_key_id = NULL, purged_at = $2 \
                         WHERE purged_at IS NULL AND state IN ('sent', 'delivered', 'failed') AND final_s < $1",
                    )
                    .bind(before_s)
                    .bind(at)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                    let rows = sqlx::query(
                        "SELECT tenant_id, data_key_id FROM sms_inbox WHERE purged_at IS NULL \
                         AND received_s < $1 AND data_key_id IS NOT NULL",
                    )
                    .bind(before_s)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(map_err)?;
                    for row in &rows {
                        keys.push((row.try_get(0).map_err(map_err)?, row.try_get(1).map_err(map_err)?));
                    }
                    let inbox = sqlx::query(
                        "UPDATE sms_inbox SET sender = NULL, body = NULL, data_key_id = NULL, purged_at = $2 \
                         WHERE purged_at IS NULL AND received_s < $1",
                    )
                    .bind(before_s)
                    .bind(at)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                    for (tenant, key) in keys {
                        sqlx::query("DELETE FROM data_keys WHERE tenant_id = $1 AND id = $2")
                            .bind(tenant)
                            .bind(key)
                            .execute(&mut *tx)
                            .await
                            .map_err(map_err)?;
                    }
                    tx.commit().await.map_err(map_err)?;
                    Ok(outbox + inbox)
                }

                async fn set_webhook_secret(
                    &self,
                    tenant: TenantId,
                    secret_hash: &[u8],
                    audit: &AuditEntry,
                ) -> Result<(), StoreError> {
                    let mut tx = begin_write(&self.writer).await?;
                    sqlx::query(
                        "INSERT INTO sms_webhook_secrets (tenant_id, secret_hash, created_at) VALUES ($1, $2, $3) \
                         ON CONFLICT (tenant_id) DO UPDATE SET secret_hash = excluded.secret_hash, created_at = excluded.created_at",
                    )
                    .bind(tenant.get())
                    .bind(to_bin(secret_hash))
                    .bind(&audit.at)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                    append_audit(&mut tx, tenant, audit).await?;
                    tx.commit().await.map_err(map_err)
                }

                async fn tenant_by_webhook_secret(&self, secret_hash: &[u8]) -> Result<Option<TenantId>, StoreError> {
                    let t: Option<i64> = sqlx::query_scalar(
                        "SELECT tenant_id FROM sms_webhook_secrets WHERE secret_hash = $1",
                    )
                    .bind(to_bin(secret_hash))
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                    Ok(t.map(TenantId::new))
                }

                async fn sms_recipient(
                    &self,
                    tenant: TenantId,
                    id: SmsId,
                ) -> Result<Option<(DataKeyId, StoredKey, Vec<u8>)>, StoreError> {
                    let row = sqlx::query(
                        "SELECT o.data_key_id, dk.tenant_key_version, dk.ciphertext, o.recipient FROM sms_outbox o \
                         JOIN data_keys dk ON dk.tenant_id = o.tenant_id AND dk.id = o.data_key_id \
                         WHERE o.tenant_id = $1 AND o.id = $2 AND o.recipient IS NOT NULL",
                    )
                    .bind(tenant.get())
                    .bind(id.get())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                    let Some(row) = row else { return Ok(None) };
                    Ok(Some((
                        DataKeyId::new(row.try_get(0).map_err(map_err)?),
                        StoredKey {
                            version: 1,
                            wrapped_by: u32::try_from(row.try_get::<i64, _>(1).map_err(map_err)?)
                                .map_err(|_| corrupt("key version"))?,
                            ciphertext: from_bin(row.try_get::<Bin, _>(2).map_err(map_err)?)?,
                        },
                        from_bin(row.try_get::<Bin, _>(3).map_err(map_err)?)?,
                    )))
                }

                async fn sms_counts(&self, tenant: TenantId) -> Result<Vec<(String, u64)>, StoreError> {
                    let rows = sqlx::query(
                        "SELECT state, COUNT(*) FROM sms_outbox WHERE tenant_id = $1 GROUP BY state ORDER BY state",
                    )
                    .bind(tenant.get())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_err)?;
                    rows.iter()
                        .map(|row| {
                            let n: i64 = row.try_get(1).map_err(map_err)?;
                            Ok((row.try_get(0).map_err(map_err)?, u64::try_from(n).unwrap_or(0)))
                        })
                        .collect()
                }
            }

            /// Bookings and planned shifts of a person in a window, inside a transaction.
            async fn work_in(
                tx: &mut Tx,
                tenant: TenantId,
                person: PersonId,
                from_s: i64,
                to_s: i64,
            ) -> Result<Vec<WorkSpan>, StoreError> {
                let mut spans = Vec::new();
                let rows = sqlx::query(
                    "SELECT start_s, end_s FROM bookings WHERE tenant_id = $1 AND person_id = $2 \
                     AND cancelled_at IS NULL AND start_s < $4 AND end_s > $3",
                )
                .bind(tenant.get())
                .bind(person.get())
                .bind(from_s)
                .bind(to_s)
                .fetch_all(&mut **tx)
                .await
                .map_err(map_err)?;
                for row in &rows {
                    spans.push(WorkSpan {
                        start_s: row.try_get(0).map_err(map_err)?,
                        end_s: row.try_get(1).map_err(map_err)?,
                    });
                }
                let rows = sqlx::query(
                    "SELECT start_at, end_at FROM planned_shifts WHERE tenant_id = $1 AND person_id = $2",
                )
                .bind(tenant.get())
                .bind(person.get())
                .fetch_all(&mut **tx)
                .await
                .map_err(map_err)?;
                for row in &rows {
                    let parse = |s: String| {
                        s.parse::<jiff::Timestamp>()
                            .map(|t| t.as_second())
                            .map_err(|_| corrupt("planned shift time"))
                    };
                    let start_s = parse(row.try_get(0).map_err(map_err)?)?;
                    let end_s = parse(row.try_get(1).map_err(map_err)?)?;
                    if start_s < to_s && end_s > from_s {
                        spans.push(WorkSpan { start_s, end_s });
                    }
                }
                spans.sort_by_key(|s| (s.start_s, s.end_s));
                Ok(spans)
            }
        }
    };
}

pub(crate) use impl_pool_store;
