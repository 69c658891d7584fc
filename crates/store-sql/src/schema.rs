//! The tables Passa keeps, in foreign-key order, for dumps and restores that work the same
//! on every backend.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Col {
    Int,
    Text,
    /// Binary: BLOB on SQLite, base64 text on PostgreSQL.
    Bin,
}

#[derive(Debug)]
pub(crate) struct TableSpec {
    pub name: &'static str,
    pub columns: &'static [(&'static str, Col)],
    pub order_by: &'static str,
}

use Col::{Bin, Int, Text};

/// Parents before children, so a restore inserts in this order.
pub(crate) const TABLES: &[TableSpec] = &[
    TableSpec {
        name: "key_check",
        columns: &[("id", Int), ("kek_version", Int), ("ciphertext", Bin)],
        order_by: "id",
    },
    TableSpec {
        name: "id_counters",
        columns: &[("kind", Text), ("next_id", Int)],
        order_by: "kind",
    },
    TableSpec {
        name: "tenants",
        columns: &[("id", Int), ("name", Text), ("created_at", Text)],
        order_by: "id",
    },
    TableSpec {
        name: "tenant_keys",
        columns: &[
            ("tenant_id", Int),
            ("version", Int),
            ("kek_version", Int),
            ("ciphertext", Bin),
        ],
        order_by: "tenant_id, version",
    },
    TableSpec {
        name: "data_keys",
        columns: &[
            ("id", Int),
            ("tenant_id", Int),
            ("tenant_key_version", Int),
            ("ciphertext", Bin),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "units",
        columns: &[("id", Int), ("tenant_id", Int), ("name", Text)],
        order_by: "id",
    },
    TableSpec {
        name: "competences",
        columns: &[("id", Int), ("tenant_id", Int), ("name", Text)],
        order_by: "id",
    },
    TableSpec {
        name: "people",
        columns: &[
            ("id", Int),
            ("tenant_id", Int),
            ("data_key_id", Int),
            ("kind", Text),
            ("home_unit_id", Int),
            ("employment_hundredths", Int),
            ("weekly_minutes", Int),
            ("employee_number", Bin),
            ("given_name", Bin),
            ("family_name", Bin),
            ("phone", Bin),
            ("email", Bin),
            ("employee_number_idx", Bin),
            ("phone_idx", Bin),
            ("email_idx", Bin),
            ("created_at", Text),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "person_competences",
        columns: &[
            ("tenant_id", Int),
            ("person_id", Int),
            ("competence_id", Int),
            ("position", Int),
        ],
        order_by: "person_id, position",
    },
    TableSpec {
        name: "trained_at",
        columns: &[("tenant_id", Int), ("person_id", Int), ("unit_id", Int)],
        order_by: "person_id, unit_id",
    },
    TableSpec {
        name: "shift_types",
        columns: &[
            ("id", Int),
            ("tenant_id", Int),
            ("unit_id", Int),
            ("name", Text),
            ("start_time", Text),
            ("end_time", Text),
            ("break_minutes", Int),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "schedule_periods",
        columns: &[
            ("id", Int),
            ("tenant_id", Int),
            ("unit_id", Int),
            ("start_date", Text),
            ("weeks", Int),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "demand",
        columns: &[
            ("id", Int),
            ("tenant_id", Int),
            ("unit_id", Int),
            ("date", Text),
            ("shift_type_id", Int),
            ("competence_id", Int),
            ("min_staff", Int),
            ("max_staff", Int),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "planned_shifts",
        columns: &[
            ("id", Int),
            ("tenant_id", Int),
            ("period_id", Int),
            ("unit_id", Int),
            ("person_id", Int),
            ("shift_type_id", Int),
            ("date", Text),
            ("start_at", Text),
            ("end_at", Text),
            ("pinned", Int),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "availability",
        columns: &[
            ("id", Int),
            ("tenant_id", Int),
            ("person_id", Int),
            ("start_at", Text),
            ("end_at", Text),
            ("start_s", Int),
            ("end_s", Int),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "availability_weekly",
        columns: &[
            ("id", Int),
            ("tenant_id", Int),
            ("person_id", Int),
            ("weekday", Int),
            ("start_time", Text),
            ("end_time", Text),
            ("valid_from", Text),
            ("valid_to", Text),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "orders",
        columns: &[
            ("id", Int),
            ("tenant_id", Int),
            ("unit_id", Int),
            ("competence_id", Int),
            ("start_at", Text),
            ("end_at", Text),
            ("start_s", Int),
            ("end_s", Int),
            ("break_minutes", Int),
            ("reason", Text),
            ("data_key_id", Int),
            ("note", Bin),
            ("urgent", Int),
            ("state", Text),
            ("wave_size", Int),
            ("wave_wait_s", Int),
            ("waves_sent", Int),
            ("next_wave_s", Int),
            ("created_at", Text),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "offers",
        columns: &[
            ("id", Int),
            ("tenant_id", Int),
            ("order_id", Int),
            ("person_id", Int),
            ("wave", Int),
            ("code_hash", Bin),
            ("state", Text),
            ("created_at", Text),
            ("answered_at", Text),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "bookings",
        columns: &[
            ("id", Int),
            ("tenant_id", Int),
            ("order_id", Int),
            ("person_id", Int),
            ("start_s", Int),
            ("end_s", Int),
            ("via", Text),
            ("created_at", Text),
            ("cancelled_at", Text),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "sms_outbox",
        columns: &[
            ("id", Int),
            ("tenant_id", Int),
            ("data_key_id", Int),
            ("recipient", Bin),
            ("body", Bin),
            ("kind", Text),
            ("order_id", Int),
            ("offer_id", Int),
            ("encoding", Text),
            ("parts", Int),
            ("state", Text),
            ("attempts", Int),
            ("not_before_s", Int),
            ("lease_owner", Text),
            ("lease_until_s", Int),
            ("provider", Text),
            ("provider_id", Text),
            ("last_error", Text),
            ("created_at", Text),
            ("sent_at", Text),
            ("final_at", Text),
            ("final_s", Int),
            ("purged_at", Text),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "sms_inbox",
        columns: &[
            ("id", Int),
            ("tenant_id", Int),
            ("provider", Text),
            ("provider_id", Text),
            ("data_key_id", Int),
            ("sender", Bin),
            ("body", Bin),
            ("received_at", Text),
            ("received_s", Int),
            ("outcome", Text),
            ("purged_at", Text),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "sms_contacts",
        columns: &[
            ("tenant_id", Int),
            ("phone_idx", Bin),
            ("opted_out_at", Text),
            ("last_help_s", Int),
        ],
        order_by: "tenant_id, phone_idx",
    },
    TableSpec {
        name: "sms_webhook_secrets",
        columns: &[
            ("tenant_id", Int),
            ("secret_hash", Bin),
            ("created_at", Text),
        ],
        order_by: "tenant_id",
    },
    TableSpec {
        name: "audit_log",
        columns: &[
            ("tenant_id", Int),
            ("seq", Int),
            ("at", Text),
            ("actor", Text),
            ("action", Text),
            ("detail", Text),
            ("prev_hash", Bin),
            ("hash", Bin),
        ],
        order_by: "tenant_id, seq",
    },
];

pub(crate) fn select_sql(t: &TableSpec) -> String {
    let cols: Vec<&str> = t.columns.iter().map(|(c, _)| *c).collect();
    format!(
        "SELECT {} FROM {} ORDER BY {}",
        cols.join(", "),
        t.name,
        t.order_by
    )
}

pub(crate) fn insert_prefix(t: &TableSpec) -> String {
    let cols: Vec<&str> = t.columns.iter().map(|(c, _)| *c).collect();
    format!("INSERT INTO {} ({}) ", t.name, cols.join(", "))
}
