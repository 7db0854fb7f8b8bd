-- 0002: letters, batches, delivery events and counter checks (SPEC §6–§8).
-- Append-only: never edit this file once released.

-- A batch of registered letters printed together, with its deposit slip.
CREATE TABLE batches (
    id            INTEGER PRIMARY KEY,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    slip_sha      TEXT,          -- PDF of the deposit slip in the scans store
    combined_sha  TEXT,          -- one PDF of the whole batch, for the printer
    dispatched_at TEXT,
    dispatched_by TEXT
) STRICT;

-- Every letter ever produced. A registered letter holds an S10 number that is
-- never reused (UNIQUE, and voided letters keep theirs).
CREATE TABLE letters (
    id              INTEGER PRIMARY KEY,
    case_id         INTEGER NOT NULL REFERENCES cases(id),
    kind            TEXT NOT NULL CHECK (kind IN ('registered', 'complement', 'rejection')),
    s10             TEXT UNIQUE,   -- compact form RA123456785FR (registered letters)
    s10_service     TEXT,
    s10_serial      INTEGER,
    batch_id        INTEGER REFERENCES batches(id),
    activation_hash TEXT,          -- sha256 of the one-time activation code
    pdf_sha         TEXT,          -- the PDF in the scans store
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    voided_at       TEXT,
    voided_by       TEXT
) STRICT;
CREATE INDEX letters_case ON letters(case_id);
CREATE INDEX letters_batch ON letters(batch_id);
CREATE INDEX letters_serial ON letters(s10_service, s10_serial);

-- Delivery events imported from La Poste's CSV; the UNIQUE key makes a
-- second import of the same file change nothing.
CREATE TABLE tracking_events (
    id          INTEGER PRIMARY KEY,
    s10         TEXT NOT NULL,
    event       TEXT NOT NULL CHECK (event IN ('DEPOSE', 'AVISE', 'DISTRIBUE', 'RETOURNE_NPAI', 'RETOURNE_NON_RECLAME')),
    event_date  TEXT NOT NULL,
    case_id     INTEGER REFERENCES cases(id),
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    UNIQUE (s10, event, event_date)
) STRICT;
CREATE INDEX tracking_case ON tracking_events(case_id);

-- The counter agent's check of the applicant's ID document.
CREATE TABLE counter_checks (
    id              INTEGER PRIMARY KEY,
    case_id         INTEGER NOT NULL REFERENCES cases(id),
    s10             TEXT,
    document_number TEXT NOT NULL,
    number_matches  INTEGER NOT NULL CHECK (number_matches IN (0, 1)),
    outcome         TEXT NOT NULL CHECK (outcome IN ('verified', 'refused')),
    reason          TEXT NOT NULL DEFAULT '',
    by_user         TEXT NOT NULL,
    at              TEXT NOT NULL
) STRICT;
CREATE INDEX counter_checks_case ON counter_checks(case_id);

-- What intake found about the proofs (JSON {"id_proof_pages", "ssn_proof_pages",
-- "proofs_not_separate"}), so that the checks can be run again after a correction.
ALTER TABLE cases ADD COLUMN proofs TEXT;
