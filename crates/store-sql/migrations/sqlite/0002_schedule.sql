-- Planned shifts: who works which shift type on which date in a schedule period. Ids only;
-- the person is a pseudonymous id whose name is sealed in `people`. Instants are RFC 3339
-- UTC, computed with the tenant's time zone when the plan was made.
CREATE TABLE planned_shifts (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    period_id INTEGER NOT NULL,
    unit_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    shift_type_id INTEGER NOT NULL,
    date TEXT NOT NULL,
    start_at TEXT NOT NULL,
    end_at TEXT NOT NULL,
    pinned INTEGER NOT NULL CHECK (pinned IN (0, 1)),
    UNIQUE (tenant_id, id),
    -- One shift per person and date in a unit's plan.
    UNIQUE (period_id, person_id, date),
    FOREIGN KEY (tenant_id, period_id) REFERENCES schedule_periods (tenant_id, id),
    FOREIGN KEY (tenant_id, unit_id) REFERENCES units (tenant_id, id),
    FOREIGN KEY (tenant_id, person_id) REFERENCES people (tenant_id, id),
    FOREIGN KEY (tenant_id, shift_type_id) REFERENCES shift_types (tenant_id, id)
);
CREATE INDEX planned_shifts_person ON planned_shifts (tenant_id, person_id, start_at);
