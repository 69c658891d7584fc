-- The substitute pool and its SMS function. Phone numbers and message texts are sealed per
-- message with their own data key, so erasing a message is deleting its key and ciphertext;
-- look-ups by number go through the keyed blind index.

-- What a substitute says they can work: single intervals and weekly patterns.
CREATE TABLE availability (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    start_at TEXT NOT NULL,
    end_at TEXT NOT NULL,
    start_s INTEGER NOT NULL,
    end_s INTEGER NOT NULL CHECK (end_s > start_s),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, person_id) REFERENCES people (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX availability_person ON availability (tenant_id, person_id, start_s);

CREATE TABLE availability_weekly (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    weekday INTEGER NOT NULL CHECK (weekday BETWEEN 1 AND 7),
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
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    unit_id INTEGER NOT NULL,
    competence_id INTEGER,
    start_at TEXT NOT NULL,
    end_at TEXT NOT NULL,
    start_s INTEGER NOT NULL,
    end_s INTEGER NOT NULL CHECK (end_s > start_s),
    break_minutes INTEGER NOT NULL CHECK (break_minutes >= 0),
    reason TEXT NOT NULL CHECK (reason IN ('sick', 'leave', 'vacancy', 'extra', 'other')),
    data_key_id INTEGER,
    note BLOB,
    urgent INTEGER NOT NULL CHECK (urgent IN (0, 1)),
    state TEXT NOT NULL CHECK (state IN ('open', 'offering', 'booked', 'stopped', 'expired', 'cancelled')),
    wave_size INTEGER NOT NULL DEFAULT 0,
    wave_wait_s INTEGER NOT NULL DEFAULT 0,
    waves_sent INTEGER NOT NULL DEFAULT 0,
    next_wave_s INTEGER,
    created_at TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, unit_id) REFERENCES units (tenant_id, id),
    FOREIGN KEY (tenant_id, competence_id) REFERENCES competences (tenant_id, id),
    FOREIGN KEY (tenant_id, data_key_id) REFERENCES data_keys (tenant_id, id)
);
CREATE INDEX orders_state ON orders (tenant_id, state, start_s);

-- An offer to one person for one order, answered with a code kept only as a keyed hash.
CREATE TABLE offers (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    order_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    wave INTEGER NOT NULL,
    code_hash BLOB NOT NULL,
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
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    order_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    start_s INTEGER NOT NULL,
    end_s INTEGER NOT NULL CHECK (end_s > start_s),
    via TEXT NOT NULL CHECK (via IN ('direct', 'offer')),
    created_at TEXT NOT NULL,
    cancelled_at TEXT,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, id),
    FOREIGN KEY (tenant_id, person_id) REFERENCES people (tenant_id, id)
);
CREATE UNIQUE INDEX bookings_one_per_order ON bookings (order_id) WHERE cancelled_at IS NULL;
CREATE INDEX bookings_person ON bookings (tenant_id, person_id, start_s);
CREATE TRIGGER bookings_no_overlap BEFORE INSERT ON bookings
WHEN NEW.cancelled_at IS NULL AND EXISTS (
    SELECT 1 FROM bookings b
    WHERE b.tenant_id = NEW.tenant_id AND b.person_id = NEW.person_id
      AND b.cancelled_at IS NULL AND b.start_s < NEW.end_s AND NEW.start_s < b.end_s
)
BEGIN
    SELECT RAISE(ABORT, 'bookings_no_overlap');
END;

-- Outgoing SMS, written in the same transaction as the booking or offer they tell of.
CREATE TABLE sms_outbox (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    data_key_id INTEGER,
    recipient BLOB,
    body BLOB,
    kind TEXT NOT NULL,
    order_id INTEGER,
    offer_id INTEGER,
    encoding TEXT NOT NULL,
    parts INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    not_before_s INTEGER NOT NULL,
    lease_owner TEXT,
    lease_until_s INTEGER,
    provider TEXT,
    provider_id TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    final_at TEXT,
    final_s INTEGER,
    purged_at TEXT,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, data_key_id) REFERENCES data_keys (tenant_id, id)
);
CREATE INDEX sms_outbox_due ON sms_outbox (state, not_before_s);
CREATE INDEX sms_outbox_provider ON sms_outbox (provider, provider_id);

-- Incoming SMS, deduplicated on the provider's id.
CREATE TABLE sms_inbox (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    provider TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    data_key_id INTEGER,
    sender BLOB,
    body BLOB,
    received_at TEXT NOT NULL,
    received_s INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    purged_at TEXT,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, provider, provider_id),
    FOREIGN KEY (tenant_id, data_key_id) REFERENCES data_keys (tenant_id, id)
);

-- Per number (by blind index): opted out of offers, and when it last got a help reply.
CREATE TABLE sms_contacts (
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    phone_idx BLOB NOT NULL,
    opted_out_at TEXT,
    last_help_s INTEGER,
    PRIMARY KEY (tenant_id, phone_idx)
);

-- The secret in a tenant's webhook URL, as a SHA-256 hash; shown once when made.
CREATE TABLE sms_webhook_secrets (
    tenant_id INTEGER PRIMARY KEY REFERENCES tenants (id),
    secret_hash BLOB NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
