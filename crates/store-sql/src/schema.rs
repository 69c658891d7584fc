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
