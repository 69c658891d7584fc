//! People import and export as CSV.
//!
//! Import is all-or-nothing: every row is parsed and checked first, the first bad row
//! rejects the file with its line number, and only a clean file is sealed and stored, in
//! one transaction. Error messages name the line and the rule, never the rejected value.

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};

use jiff::Timestamp;
use passa_domain::{
    CompetenceId, DataKeyId, DomainError, Email, EmployeeNumber, EmploymentPercent, Label,
    PersonId, PersonKind, PersonName, PhoneNumber, TenantId, UnitId, WeeklyMinutes,
};
use passa_store::{IdKind, PeopleBatch, SealedPerson, StoreError};
use passa_vault::Zeroizing;
use passa_vault::{FieldRef, IndexPurpose, TenantKeyring};

use crate::{AppError, Passa, Progress, audit, stamp, stored, wrapped};

/// The people CSV header, in order.
pub const CSV_HEADER: [&str; 9] = [
    "employee_number",
    "given_name",
    "family_name",
    "phone",
    "email",
    "unit",
    "competences",
    "employment_percent",
    "kind",
];

const TABLE: &str = "people";

pub(crate) fn field(column: &'static str, row: PersonId) -> FieldRef {
    FieldRef {
        table: TABLE,
        column,
        row: row.get(),
    }
}

/// One parsed, valid row.
struct Row {
    line: u64,
    employee_number: EmployeeNumber,
    given_name: PersonName,
    family_name: PersonName,
    phone: PhoneNumber,
    email: Option<Email>,
    unit: Label,
    competences: Vec<Label>,
    percent: EmploymentPercent,
    kind: PersonKind,
}

/// What an import stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportReport {
    pub people: usize,
    pub staff: usize,
    pub substitutes: usize,
    pub new_units: usize,
    pub new_competences: usize,
}

fn employee_key(n: &EmployeeNumber) -> String {
    // Employee numbers are compared without regard to case: "e123" and "E123" are one person.
    n.as_str().to_uppercase()
}

fn parse_row(line: u64, record: &csv::StringRecord) -> Result<Row, AppError> {
    let at = |e: DomainError| AppError::ImportRow {
        line,
        reason: e.to_string(),
    };
    if record.len() != CSV_HEADER.len() {
        return Err(AppError::ImportRow {
            line,
            reason: format!(
                "expected {} columns, found {}",
                CSV_HEADER.len(),
                record.len()
            ),
        });
    }
    let get = |i: usize| record.get(i).unwrap_or_default();
    let email = match get(4).trim() {
        "" => None,
        value => Some(Email::parse(value).map_err(at)?),
    };
    let competences = get(6)
        .split('|')
        .filter(|c| !c.trim().is_empty())
        .map(|c| Label::parse("competences", c))
        .collect::<Result<Vec<_>, _>>()
        .map_err(at)?;
    Ok(Row {
        line,
        employee_number: EmployeeNumber::parse(get(0)).map_err(at)?,
        given_name: PersonName::parse("given_name", get(1)).map_err(at)?,
        family_name: PersonName::parse("family_name", get(2)).map_err(at)?,
        phone: PhoneNumber::parse(get(3)).map_err(at)?,
        email,
        unit: Label::parse("unit", get(5)).map_err(at)?,
        competences,
        percent: EmploymentPercent::parse(get(7)).map_err(at)?,
        kind: PersonKind::parse(get(8)).map_err(at)?,
    })
}

/// Reads and checks the whole file; returns the rows or the first problem.
fn parse_csv(input: impl Read) -> Result<Vec<Row>, AppError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(input);
    let mut records = reader.records();
    let header = match records.next() {
        None => {
            return Err(AppError::BadInput(format!(
                "the file is empty; the first line must be the header {}",
                CSV_HEADER.join(",")
            )));
        }
        Some(Err(e)) => return Err(csv_error(e)),
        Some(Ok(h)) => h,
    };
    let names: Vec<String> = header
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let h = if i == 0 {
                h.trim_start_matches('\u{feff}')
            } else {
                h
            };
            h.trim().to_ascii_lowercase()
        })
        .collect();
    if names != CSV_HEADER {
        return Err(AppError::ImportRow {
            line: 1,
            reason: format!("the header must be {}", CSV_HEADER.join(",")),
        });
    }
    let mut rows = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for record in records {
        let record = record.map_err(csv_error)?;
        let line = record.position().map_or(0, |p| p.line());
        if record.len() == 1 && record.get(0).is_some_and(|f| f.trim().is_empty()) {
            continue; // a blank line
        }
        let row = parse_row(line, &record)?;
        if let Some(first) = seen.insert(employee_key(&row.employee_number), line) {
            return Err(AppError::ImportRow {
                line,
                reason: format!("employee_number repeats the one on line {first}"),
            });
        }
        rows.push(row);
    }
    Ok(rows)
}

fn csv_error(e: csv::Error) -> AppError {
    let line = e.position().map_or(0, |p| p.line());
    let reason = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => {
            "the text is not UTF-8 (save the file as CSV UTF-8)".to_owned()
        }
        csv::ErrorKind::Io(io) => return AppError::Io(format!("reading the file: {io}")),
        _ => "the line is not valid CSV".to_owned(),
    };
    AppError::ImportRow { line, reason }
}

impl Passa {
    /// Imports people from CSV into a tenant: all rows, or none.
    pub async fn import_people(
        &self,
        tenant: TenantId,
        input: impl Read,
        full_time: WeeklyMinutes,
        now: Timestamp,
        progress: &dyn Progress,
    ) -> Result<ImportReport, AppError> {
        let rows = parse_csv(input)?;
        let ring = self.keyring(tenant).await?;

        // Employee numbers already in the tenant, found through the blind index.
        let indexes: Vec<Vec<u8>> = rows
            .iter()
            .map(|r| employee_index(&ring, &r.employee_number))
            .collect();
        let taken = self.store.taken_employee_numbers(tenant, &indexes).await?;
        if let Some(row) = rows
            .iter()
            .zip(&indexes)
            .find(|(_, i)| taken.contains(i))
            .map(|(r, _)| r)
        {
            return Err(AppError::ImportRow {
                line: row.line,
                reason: "employee_number is already registered in this tenant".into(),
            });
        }

        // Units and competences by name; new names are created with the import.
        let mut units: BTreeMap<String, UnitId> = self
            .store
            .units(tenant)
            .await?
            .into_iter()
            .map(|u| (u.name.as_str().to_owned(), u.id))
            .collect();
        let mut competences: BTreeMap<String, CompetenceId> = self
            .store
            .competences(tenant)
            .await?
            .into_iter()
            .map(|c| (c.name.as_str().to_owned(), c.id))
            .collect();
        let new_unit_names: Vec<Label> = unique_new(rows.iter().map(|r| &r.unit), &units);
        let new_comp_names: Vec<Label> =
            unique_new(rows.iter().flat_map(|r| &r.competences), &competences);
        let new_units = self.assign_ids(IdKind::Unit, new_unit_names).await?;
        let new_competences = self.assign_ids(IdKind::Competence, new_comp_names).await?;
        units.extend(
            new_units
                .iter()
                .map(|(id, n)| (n.as_str().to_owned(), UnitId::new(*id))),
        );
        competences.extend(
            new_competences
                .iter()
                .map(|(id, n)| (n.as_str().to_owned(), CompetenceId::new(*id))),
        );

        let count = u32::try_from(rows.len())
            .map_err(|_| AppError::BadInput("the file has too many rows".into()))?;
        let first_person = self.store.allocate_ids(IdKind::Person, count).await?;
        let first_key = self.store.allocate_ids(IdKind::DataKey, count).await?;

        progress.phase("Sealing and storing people", rows.len() as u64);
        let mut people = Vec::with_capacity(rows.len());
        for (i, (row, employee_number_index)) in rows.iter().zip(indexes).enumerate() {
            let offset = i as i64;
            let id = PersonId::new(first_person + offset);
            let (key, wrapped_key) = ring.new_data_key(DataKeyId::new(first_key + offset));
            let unit = units
                .get(row.unit.as_str())
                .copied()
                .ok_or(AppError::NotFound("unit".into()))?;
            let mut comps: Vec<CompetenceId> = Vec::with_capacity(row.competences.len());
            // In the order given, each once: an export gives them back as they came.
            for c in row
                .competences
                .iter()
                .filter_map(|c| competences.get(c.as_str()).copied())
            {
                if !comps.contains(&c) {
                    comps.push(c);
                }
            }
            people.push(SealedPerson {
                id,
                data_key_id: key.id(),
                data_key: stored(wrapped_key),
                kind: row.kind,
                home_unit: unit,
                employment_hundredths: row.percent.hundredths(),
                weekly_minutes: match row.kind {
                    PersonKind::Staff => row.percent.weekly_minutes(full_time).get(),
                    // Hourly substitutes have no contracted weekly hours.
                    PersonKind::Substitute => 0,
                },
                employee_number: key
                    .seal(field("employee_number", id), row.employee_number.as_str()),
                given_name: key.seal(field("given_name", id), row.given_name.as_str()),
                family_name: key.seal(field("family_name", id), row.family_name.as_str()),
                phone: key.seal(field("phone", id), row.phone.as_e164()),
                email: row
                    .email
                    .as_ref()
                    .map(|e| key.seal(field("email", id), e.as_str())),
                employee_number_index,
                phone_index: ring
                    .blind_index(IndexPurpose::Phone, row.phone.as_e164())
                    .as_bytes()
                    .to_vec(),
                email_index: row.email.as_ref().map(|e| {
                    ring.blind_index(IndexPurpose::Email, &e.normalized())
                        .as_bytes()
                        .to_vec()
                }),
                competences: comps,
                trained_at: vec![unit],
            });
            if i % 256 == 255 {
                progress.advance(256);
            }
        }
        progress.advance(rows.len() as u64 % 256);
        let report = ImportReport {
            people: people.len(),
            staff: people
                .iter()
                .filter(|p| p.kind == PersonKind::Staff)
                .count(),
            substitutes: people
                .iter()
                .filter(|p| p.kind == PersonKind::Substitute)
                .count(),
            new_units: new_units.len(),
            new_competences: new_competences.len(),
        };
        let batch = PeopleBatch {
            new_units: new_units
                .into_iter()
                .map(|(id, n)| (UnitId::new(id), n))
                .collect(),
            new_competences: new_competences
                .into_iter()
                .map(|(id, n)| (CompetenceId::new(id), n))
                .collect(),
            people,
            created_at: stamp(now),
            audit: Some(audit(
                now,
                "cli",
                "people.import",
                format!("{} people", report.people),
            )),
        };
        match self.store.import_people(tenant, &batch).await {
            Err(StoreError::Conflict { constraint }) if constraint.contains("employee_number") => {
                return Err(AppError::Conflict(
                    "another import registered one of these employee numbers meanwhile; nothing was imported".into(),
                ));
            }
            other => other?,
        }
        progress.done();
        Ok(report)
    }

    async fn assign_ids(
        &self,
        kind: IdKind,
        names: Vec<Label>,
    ) -> Result<Vec<(i64, Label)>, AppError> {
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let n =
            u32::try_from(names.len()).map_err(|_| AppError::BadInput("too many names".into()))?;
        let first = self.store.allocate_ids(kind, n).await?;
        Ok((first..).zip(names).collect())
    }

    /// Writes every person of a tenant as CSV (the import format, phones in E.164) and
    /// records the read in the audit log.
    pub async fn export_people(
        &self,
        tenant: TenantId,
        out: impl Write,
        actor: &str,
        now: Timestamp,
    ) -> Result<usize, AppError> {
        let ring = self.keyring(tenant).await?;
        let units: HashMap<UnitId, Label> = self
            .store
            .units(tenant)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect();
        let competences: HashMap<CompetenceId, Label> = self
            .store
            .competences(tenant)
            .await?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect();
        let people = self.store.people(tenant).await?;
        // The read is recorded before any personal data leaves the process.
        self.store
            .audit(
                tenant,
                &audit(
                    now,
                    actor,
                    "people.export",
                    format!("{} people", people.len()),
                ),
            )
            .await?;
        let mut writer = csv::Writer::from_writer(out);
        writer.write_record(CSV_HEADER).map_err(write_error)?;
        for p in &people {
            let key = ring.open_data_key(p.data_key_id, &wrapped(&p.data_key))?;
            let open = |column: &'static str, sealed: &[u8]| key.open(field(column, p.id), sealed);
            let email = match &p.email {
                Some(sealed) => open("email", sealed)?,
                None => Zeroizing::new(String::new()),
            };
            let comp_names: Vec<&str> = p
                .competences
                .iter()
                .filter_map(|c| competences.get(c).map(Label::as_str))
                .collect();
            let percent = EmploymentPercent::from_hundredths(u32::from(p.employment_hundredths))
                .map_err(|e| AppError::Store(StoreError::Corrupt(e.to_string())))?;
            writer
                .write_record([
                    open("employee_number", &p.employee_number)?.as_str(),
                    open("given_name", &p.given_name)?.as_str(),
                    open("family_name", &p.family_name)?.as_str(),
                    open("phone", &p.phone)?.as_str(),
                    email.as_str(),
                    units.get(&p.home_unit).map_or("", Label::as_str),
                    &comp_names.join("|"),
                    &percent.to_string(),
                    p.kind.as_str(),
                ])
                .map_err(write_error)?;
        }
        writer.flush()?;
        Ok(people.len())
    }
}

fn write_error(e: csv::Error) -> AppError {
    AppError::Io(format!("writing CSV: {e}"))
}

pub(crate) fn employee_index(ring: &TenantKeyring, n: &EmployeeNumber) -> Vec<u8> {
    ring.blind_index(IndexPurpose::EmployeeNumber, &employee_key(n))
        .as_bytes()
        .to_vec()
}

/// Names not yet in `known`, each once, in first-seen order.
fn unique_new<'a, T>(
    names: impl Iterator<Item = &'a Label>,
    known: &BTreeMap<String, T>,
) -> Vec<Label> {
    let mut out: Vec<Label> = Vec::new();
    for name in names {
        if !known.contains_key(name.as_str()) && !out.contains(name) {
            out.push(name.clone());
        }
    }
    out
}
