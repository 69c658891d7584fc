-- Passa foundation schema (SQLite).
-- Personal fields are BLOBs sealed by the vault; look-ups use keyed blind indexes, never a
-- plaintext column. Times are RFC 3339 UTC text, dates ISO text: no long digit runs that a
-- leak scan could mistake for a phone or employee number.
-- Every tenant-owned table carries tenant_id, and references between tenant-owned rows go
-- through (tenant_id, id) pairs so that a row can never point into another tenant.

-- Ties the database to its key file: a value sealed with the KEK, checked at every start.
CREATE TABLE key_check (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    kek_version INTEGER NOT NULL,
    ciphertext BLOB NOT NULL
);

-- Ids are allocated in blocks before sealing, because the row id is part of each
-- ciphertext's associated data.
CREATE TABLE id_counters (
    kind TEXT PRIMARY KEY,
    next_id INTEGER NOT NULL
);

CREATE TABLE tenants (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

CREATE TABLE tenant_keys (
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    version INTEGER NOT NULL,
    kek_version INTEGER NOT NULL,
    ciphertext BLOB NOT NULL,
    PRIMARY KEY (tenant_id, version)
);

-- One data key per record; deleting it erases the record's personal fields for good.
CREATE TABLE data_keys (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    tenant_key_version INTEGER NOT NULL,
    ciphertext BLOB NOT NULL,
    UNIQUE (tenant_id, id)
);

CREATE TABLE units (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    name TEXT NOT NULL,
    UNIQUE (tenant_id, name),
    UNIQUE (tenant_id, id)
);

CREATE TABLE competences (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    name TEXT NOT NULL,
    UNIQUE (tenant_id, name),
    UNIQUE (tenant_id, id)
);

CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    data_key_id INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('staff', 'substitute')),
    home_unit_id INTEGER NOT NULL,
    employment_hundredths INTEGER NOT NULL CHECK (employment_hundredths BETWEEN 100 AND 10000),
    weekly_minutes INTEGER NOT NULL CHECK (weekly_minutes BETWEEN 0 AND 10080),
    employee_number BLOB NOT NULL,
    given_name BLOB NOT NULL,
    family_name BLOB NOT NULL,
    phone BLOB NOT NULL,
    email BLOB,
    employee_number_idx BLOB NOT NULL,
    phone_idx BLOB NOT NULL,
    email_idx BLOB,
    created_at TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    -- An employee number identifies one person within a tenant.
    CONSTRAINT people_employee_number_unique UNIQUE (tenant_id, employee_number_idx),
    FOREIGN KEY (tenant_id, data_key_id) REFERENCES data_keys (tenant_id, id),
    FOREIGN KEY (tenant_id, home_unit_id) REFERENCES units (tenant_id, id)
);
CREATE INDEX people_phone_idx ON people (tenant_id, phone_idx);
CREATE INDEX people_email_idx ON people (tenant_id, email_idx);

-- `position` keeps the order the competences were given in, so an export gives them back.
CREATE TABLE person_competences (
    tenant_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    competence_id INTEGER NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (person_id, competence_id),
    FOREIGN KEY (tenant_id, person_id) REFERENCES people (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, competence_id) REFERENCES competences (tenant_id, id)
);

-- "Inskolad": the units a person has been introduced to and may work at alone.
CREATE TABLE trained_at (
    tenant_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    unit_id INTEGER NOT NULL,
    PRIMARY KEY (person_id, unit_id),
    FOREIGN KEY (tenant_id, person_id) REFERENCES people (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, unit_id) REFERENCES units (tenant_id, id)
);

CREATE TABLE shift_types (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    unit_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    start_time TEXT NOT NULL,
    end_time TEXT NOT NULL,
    break_minutes INTEGER NOT NULL CHECK (break_minutes >= 0),
    UNIQUE (tenant_id, id),
    UNIQUE (unit_id, name),
    FOREIGN KEY (tenant_id, unit_id) REFERENCES units (tenant_id, id)
);

CREATE TABLE schedule_periods (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    unit_id INTEGER NOT NULL,
    start_date TEXT NOT NULL,
    weeks INTEGER NOT NULL CHECK (weeks BETWEEN 1 AND 52),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, unit_id) REFERENCES units (tenant_id, id)
);

CREATE TABLE demand (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    unit_id INTEGER NOT NULL,
    date TEXT NOT NULL,
    shift_type_id INTEGER NOT NULL,
    competence_id INTEGER NOT NULL,
    min_staff INTEGER NOT NULL CHECK (min_staff >= 0),
    max_staff INTEGER NOT NULL CHECK (max_staff >= min_staff),
    UNIQUE (unit_id, date, shift_type_id, competence_id),
    FOREIGN KEY (tenant_id, unit_id) REFERENCES units (tenant_id, id),
    FOREIGN KEY (tenant_id, shift_type_id) REFERENCES shift_types (tenant_id, id),
    FOREIGN KEY (tenant_id, competence_id) REFERENCES competences (tenant_id, id)
);

-- Hash-chained per tenant, written in the same transaction as the change it records.
-- Holds who, what and when, never the personal data itself.
CREATE TABLE audit_log (
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash BLOB NOT NULL,
    hash BLOB NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);
