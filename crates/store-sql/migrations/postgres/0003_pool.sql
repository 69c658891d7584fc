-- The substitute pool and its SMS function (binary values are base64 text here). Phone numbers and message texts are sealed per
-- message with their own data key, so erasing a message is deleting its key and ciphertext;
-- look-ups by number go through the keyed blind index.

-- What a substitute says they can work: single intervals and weekly patterns.
CREATE TABLE availability (
    id BIGINT PRIMARY KEY,
    tenant_id BIGINT NOT NULL,
    person_id BIGINT NOT NULL,
    start_at TEXT NOT NULL,
    end_at TEXT NOT NULL,
    start_s BIGINT NOT NULL,
    end_s BIGINT NOT NULL CHECK (end_s > start_s),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, person_id) REFERENCES people (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX availability_person ON availability (tenant_id, person_id, start_s);

CREATE TABLE availability_weekly (
    id BIGINT PRIMARY KEY,
    tenant_id BIGINT NOT NULL,
    person_id BIGINT NOT NULL,
    weekday BIGINT NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    start_time TEXT NOT NULL,
    end_time TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, person_id) REFERENCES people (tenant_id, id) ON DELETE CASCADE
);

-- A vacant shift a unit orders a substitute for. The free-text note is sealed: the form
-- says not to name a care recipient, but people write what they write.
CREATE TABLE orders (
    id BIGINT PRIMARY KEY,
    tenant_id BIGINT NOT NULL,
    unit_id BIGINT NOT NULL,
    competence_id BIGINT,
    start_at TEXT NOT NULL,
    end_at TEXT NOT NULL,
    start_s BIGINT NOT NULL,
    end_s BIGINT NOT NULL CHECK (end_s > start_s),
    break_minutes BIGINT NOT NULL CHECK (break_minutes >= 0),
    reason TEXT NOT NULL CHECK (reason IN ('sick', 'leave', 'vacancy', 'extra', 'other')),
    data_key_id BIGINT,
    note TEXT,
    urgent BIGINT NOT NULL CHECK (urgent IN (0, 1)),
    state TEXT NOT NULL CHECK (state IN ('open', 'offering', 'booked', 'stopped', 'expired', 'cancelled')),
    wave_size BIGINT NOT NULL DEFAULT 0,
    wave_wait_s BIGINT NOT NULL DEFAULT 0,
    waves_sent BIGINT NOT NULL DEFAULT 0,
    next_wave_s BIGINT,
    created_at TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, unit_id) REFERENCES units (tenant_id, id),
    FOREIGN KEY (tenant_id, competence_id) REFERENCES competences (tenant_id, id),
    FOREIGN KEY (tenant_id, data_key_id) REFERENCES data_keys (tenant_id, id)
);
CREATE INDEX orders_state ON orders (tenant_id, state, start_s);

-- An offer to one person for one order, answered with a code kept only as a keyed hash.
CREATE TABLE offers (
    id BIGINT PRIMARY KEY,
    tenant_id BIGINT NOT NULL,
    order_id BIGINT NOT NULL,
    person_id BIGINT NOT NULL,
    wave BIGINT NOT NULL,
    code_hash TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'accepted', 'declined', 'filled', 'closed')),
    created_at TEXT NOT NULL,
    answered_at TEXT,
    UNIQUE (tenant_id, id),
    UNIQUE (order_id, person_id),
    FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, id),
    FOREIGN KEY (tenant_id, person_id) REFERENCES people (tenant_id, id)
);
CREATE INDEX offers_person ON offers (tenant_id, person_id, state);

-- A substitute on a shift. One live booking per order, and no person on two overlapping
-- shifts: both enforced here, not only in code.
CREATE TABLE bookings (
    id BIGINT PRIMARY KEY,
    tenant_id BIGINT NOT NULL,
    order_id BIGINT NOT NULL,
    person_id BIGINT NOT NULL,
    start_s BIGINT NOT NULL,
    end_s BIGINT NOT NULL CHECK (end_s > start_s),
    via TEXT NOT NULL CHECK (via IN ('direct', 'offer')),
    created_at TEXT NOT NULL,
    cancelled_at TEXT,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, id),
    FOREIGN KEY (tenant_id, person_id) REFERENCES people (tenant_id, id)
);
CREATE UNIQUE INDEX bookings_one_per_order ON bookings (order_id) WHERE cancelled_at IS NULL;
CREATE INDEX bookings_person ON bookings (tenant_id, person_id, start_s);
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (
    tenant_id WITH =, person_id WITH =, int8range(start_s, end_s) WITH &&
) WHERE (cancelled_at IS NULL);

-- Outgoing SMS, written in the same transaction as the booking or offer they tell of.
CREATE TABLE sms_outbox (
    id BIGINT PRIMARY KEY,
    tenant_id BIGINT NOT NULL,
    data_key_id BIGINT,
    recipient TEXT,
    body TEXT,
    kind TEXT NOT NULL,
    order_id BIGINT,
    offer_id BIGINT,
    encoding TEXT NOT NULL,
    parts BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'delivered', 'failed')),
    attempts BIGINT NOT NULL DEFAULT 0,
    not_before_s BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until_s BIGINT,
    provider TEXT,
    provider_id TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    final_at TEXT,
    final_s BIGINT,
    purged_at TEXT,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, data_key_id) REFERENCES data_keys (tenant_id, id)
);
CREATE INDEX sms_outbox_due ON sms_outbox (state, not_before_s);
CREATE INDEX sms_outbox_provider ON sms_outbox (provider, provider_id);

-- Incoming SMS, deduplicated on the provider's id.
CREATE TABLE sms_inbox (
    id BIGINT PRIMARY KEY,
    tenant_id BIGINT NOT NULL,
    provider TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    data_key_id BIGINT,
    sender TEXT,
    body TEXT,
    received_at TEXT NOT NULL,
    received_s BIGINT NOT NULL,
    outcome TEXT NOT NULL,
    purged_at TEXT,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, provider, provider_id),
    FOREIGN KEY (tenant_id, data_key_id) REFERENCES data_keys (tenant_id, id)
);

-- Per number (by blind index): opted out of offers, and when it last got a help reply.
CREATE TABLE sms_contacts (
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    phone_idx TEXT NOT NULL,
    opted_out_at TEXT,
    last_help_s BIGINT,
    PRIMARY KEY (tenant_id, phone_idx)
);

-- The secret in a tenant's webhook URL, as a SHA-256 hash; shown once when made.
CREATE TABLE sms_webhook_secrets (
    tenant_id BIGINT PRIMARY KEY REFERENCES tenants (id),
    secret_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
