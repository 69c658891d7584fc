//! The pool desk: what a planner needs around orders besides the pool itself — a person
//! found by employee number, and names for a candidate list, read under audit.

use std::collections::HashMap;

use jiff::Timestamp;
use passa_domain::{EmployeeNumber, PersonId, TenantId};

use crate::people::{employee_index, field};
use crate::{AppError, Passa, audit, wrapped};

impl Passa {
    /// The person with this employee number. Numbers are stored sealed; the blind index
    /// finds the row without opening any.
    pub async fn person_by_employee_number(
        &self,
        tenant: TenantId,
        number: &EmployeeNumber,
    ) -> Result<PersonId, AppError> {
        let ring = self.keyring(tenant).await?;
        let index = employee_index(&ring, number);
        self.store
            .people(tenant)
            .await?
            .into_iter()
            .find(|p| p.employee_number_index == index)
            .map(|p| p.id)
            .ok_or_else(|| AppError::NotFound("no person with that employee number".into()))
    }

    /// Names ("Given Family") of `people` for a planner's screen. The read is written to
    /// the audit log, with `purpose`, before any name is opened.
    pub async fn names(
        &self,
        tenant: TenantId,
        people: &[PersonId],
        purpose: &str,
        actor: &str,
        now: Timestamp,
    ) -> Result<HashMap<PersonId, String>, AppError> {
        if people.is_empty() {
            return Ok(HashMap::new());
        }
        let ring = self.keyring(tenant).await?;
        let sealed: Vec<_> = self
            .store
            .people(tenant)
            .await?
            .into_iter()
            .filter(|p| people.contains(&p.id))
            .collect();
        self.store
            .audit(
                tenant,
                &audit(
                    now,
                    actor,
                    "people.names",
                    format!("{} names: {purpose}", sealed.len()),
                ),
            )
            .await?;
        let mut out = HashMap::with_capacity(sealed.len());
        for p in &sealed {
            let key = ring.open_data_key(p.data_key_id, &wrapped(&p.data_key))?;
            let given = key.open(field("given_name", p.id), &p.given_name)?;
            let family = key.open(field("family_name", p.id), &p.family_name)?;
            out.insert(p.id, format!("{} {}", given.as_str(), family.as_str()));
        }
        Ok(out)
    }
}
