-- wangban schema, SQLite. Timestamps are UTC (RFC 3339 text, as sqlx writes DateTime<Utc>).

CREATE TABLE applicants (
    id                    INTEGER PRIMARY KEY,
    phone                 TEXT NOT NULL UNIQUE,
    created_at            TEXT NOT NULL,
    name                  TEXT,
    id_number             TEXT,
    verified_at           TEXT,
    proofing_failures     INTEGER NOT NULL DEFAULT 0,
    proofing_locked_until TEXT
);

CREATE TABLE otp_codes (
    phone      TEXT PRIMARY KEY,
    code_hash  TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

-- One row per counted event (OTP requests per number and per address, …).
CREATE TABLE rate_events (
    key TEXT NOT NULL,
    at  TEXT NOT NULL
);
CREATE INDEX rate_events_key_at ON rate_events (key, at);

CREATE TABLE officers (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    totp_secret   TEXT NOT NULL,
    role          TEXT NOT NULL,
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash          TEXT PRIMARY KEY,
    kind                TEXT NOT NULL,      -- applicant | officer
    subject_id          INTEGER NOT NULL,
    stage               TEXT NOT NULL,      -- full | totp_pending
    created_at          TEXT NOT NULL,
    last_seen_at        TEXT NOT NULL,
    idle_expires_at     TEXT NOT NULL,
    absolute_expires_at TEXT NOT NULL
);

CREATE TABLE applications (
    id           INTEGER PRIMARY KEY,
    number       TEXT NOT NULL UNIQUE,
    applicant_id INTEGER NOT NULL REFERENCES applicants (id),
    kind         TEXT NOT NULL,
    reason       TEXT NOT NULL,
    state        TEXT NOT NULL,
    version      INTEGER NOT NULL,
    form         TEXT NOT NULL,             -- JSON of the applicant's answers
    claimed_by   INTEGER REFERENCES officers (id),
    hukou_district TEXT NOT NULL,
    due_at       TEXT,                      -- the running clock's deadline, for the queue
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX applications_applicant ON applications (applicant_id);
CREATE INDEX applications_state_due ON applications (state, due_at);

-- The append-only log from which an application's state derives.
CREATE TABLE application_actions (
    application_id INTEGER NOT NULL REFERENCES applications (id),
    seq            INTEGER NOT NULL,
    at             TEXT NOT NULL,
    actor          TEXT NOT NULL,
    officer_id     INTEGER REFERENCES officers (id),
    action         TEXT NOT NULL,           -- JSON of the core Action
    PRIMARY KEY (application_id, seq)
);
CREATE TRIGGER application_actions_append_only_update BEFORE UPDATE ON application_actions
BEGIN SELECT RAISE(ABORT, 'application_actions is append-only'); END;
CREATE TRIGGER application_actions_append_only_delete BEFORE DELETE ON application_actions
BEGIN SELECT RAISE(ABORT, 'application_actions is append-only'); END;

CREATE TABLE uploads (
    application_id INTEGER NOT NULL REFERENCES applications (id),
    slot           TEXT NOT NULL,
    blob_key       TEXT NOT NULL,
    content_type   TEXT NOT NULL,
    size           INTEGER NOT NULL,
    sha256         TEXT NOT NULL,
    uploaded_at    TEXT NOT NULL,
    PRIMARY KEY (application_id, slot)
);

CREATE TABLE payments (
    id                INTEGER PRIMARY KEY,
    application_id    INTEGER NOT NULL REFERENCES applications (id),
    merchant_order_no TEXT NOT NULL UNIQUE,
    provider_order_id TEXT NOT NULL,
    pay_url           TEXT NOT NULL,
    amount_fen        INTEGER NOT NULL,
    status            TEXT NOT NULL,        -- pending | paid | closed
    transaction_id    TEXT UNIQUE,
    created_at        TEXT NOT NULL,
    paid_at           TEXT
);
CREATE INDEX payments_application ON payments (application_id);

-- Background work: notifications, polling, deadlines. Claimed with a lease.
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    status       TEXT NOT NULL,             -- pending | done | failed
    run_at       TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    lease_until  TEXT,
    leased_by    TEXT,
    last_error   TEXT,
    dedupe_key   TEXT UNIQUE,
    created_at   TEXT NOT NULL,
    finished_at  TEXT
);
CREATE INDEX jobs_due ON jobs (status, run_at);

CREATE TABLE audit_log (
    id             INTEGER PRIMARY KEY,
    at             TEXT NOT NULL,
    actor_kind     TEXT NOT NULL,           -- applicant | officer | system | external
    actor_id       INTEGER,
    action         TEXT NOT NULL,
    application_id INTEGER REFERENCES applications (id),
    detail         TEXT NOT NULL
);
CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- A retried request with the same key gets the first answer.
CREATE TABLE idempotency_keys (
    scope        TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL,
    body         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (scope, key)
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
