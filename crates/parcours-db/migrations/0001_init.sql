-- 0001: initial schema of Parcours.
-- Append-only: never edit this file once released; add 0002_….sql instead.
-- Timestamps are TEXT 'YYYY-MM-DDTHH:MM:SS', dates TEXT 'YYYY-MM-DD'.

CREATE TABLE cases (
    id          INTEGER PRIMARY KEY,
    reference   TEXT NOT NULL UNIQUE,
    status      TEXT NOT NULL,
    received    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    nir         TEXT,
    last_name   TEXT,
    first_names TEXT,
    birth_date  TEXT,
    postcode    TEXT,
    city        TEXT,
    id_document TEXT,   -- JSON of parcours_domain::checks::IdDocument
    ssn_proof   TEXT,   -- JSON of parcours_domain::checks::SsnProof
    purged_at   TEXT
) STRICT;
CREATE INDEX cases_status ON cases(status);
CREATE INDEX cases_nir ON cases(nir);
CREATE INDEX cases_received ON cases(received);

CREATE TABLE pages (
    case_id     INTEGER NOT NULL REFERENCES cases(id),
    idx         INTEGER NOT NULL CHECK (idx >= 1),
    kind        TEXT NOT NULL,
    rotation    INTEGER NOT NULL DEFAULT 0,
    sha256      TEXT NOT NULL,
    ext         TEXT NOT NULL,
    source_file TEXT NOT NULL,
    source_page INTEGER NOT NULL,
    width       INTEGER NOT NULL,
    height      INTEGER NOT NULL,
    PRIMARY KEY (case_id, idx)
) STRICT;
CREATE INDEX pages_sha256 ON pages(sha256);

CREATE TABLE fields (
    case_id      INTEGER NOT NULL REFERENCES cases(id),
    key          TEXT NOT NULL,
    value        TEXT,  -- JSON of parcours_domain::form::FieldValue
    confidence   REAL NOT NULL,
    crop_sha     TEXT,
    page_idx     INTEGER,
    corrected_by TEXT,
    corrected_at TEXT,
    PRIMARY KEY (case_id, key)
) STRICT;

CREATE TABLE checks (
    id              INTEGER PRIMARY KEY,
    case_id         INTEGER NOT NULL REFERENCES cases(id),
    code            TEXT NOT NULL,
    severity        TEXT NOT NULL CHECK (severity IN ('blocking', 'review')),
    field           TEXT,
    overridden_by   TEXT,
    override_reason TEXT,
    overridden_at   TEXT
) STRICT;
CREATE INDEX checks_case ON checks(case_id);

CREATE TABLE transitions (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases(id),
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    actor       TEXT NOT NULL,
    at          TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX transitions_case ON transitions(case_id);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL CHECK (role IN ('clerk', 'counter_agent', 'manager', 'admin')),
    password_hash TEXT NOT NULL,
    created_at    TEXT,
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1))
) STRICT;

CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT,
    updated_by TEXT
) STRICT;

-- Append-only, hash-chained journal. `details` is JSON without personal data.
CREATE TABLE audit (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    case_id   INTEGER REFERENCES cases(id),
    details   TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
) STRICT;
CREATE INDEX audit_case ON audit(case_id);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit log is append-only: UPDATE refused');
END;

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit log is append-only: DELETE refused');
END;
