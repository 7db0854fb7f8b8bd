-- 0003: the turnaround clock of every case, kept by a trigger, and indexes
-- for the managers' reports (SPEC §7). Append-only: never edit once released.
--
-- The clock rules are parcours_domain::turnaround's: the clock pauses while a
-- case is `incomplete` (calendar days, from the day it entered to the day it
-- left); the promise ends at the first `verified`. Keeping them here, updated
-- by every INSERT into `transitions`, lets the backlog answer on a million
-- cases without reading their transitions. parcours-app's tests check that
-- these columns agree with the domain's functions.

CREATE TABLE case_clock (
    case_id         INTEGER PRIMARY KEY REFERENCES cases(id),
    paused_days     INTEGER NOT NULL DEFAULT 0, -- finished pauses, calendar days
    paused_since    TEXT,                       -- day the running pause began
    verified_on     TEXT,                       -- day of the first `verified`
    turnaround_days INTEGER,                    -- clock days receipt → verified
    closed_on       TEXT                        -- day of `closed`
) STRICT;
CREATE INDEX case_clock_verified ON case_clock(verified_on, turnaround_days);
CREATE INDEX case_clock_closed ON case_clock(closed_on);
CREATE INDEX cases_status_received ON cases(status, received);

-- Running totals, so that the counts by status and the median turnaround
-- never scan a million rows: cases per status, and verified cases per
-- number of clock days from receipt to `verified`.
CREATE TABLE status_counts (
    status TEXT PRIMARY KEY,
    n      INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE TABLE turnaround_counts (
    days INTEGER PRIMARY KEY,
    n    INTEGER NOT NULL
) STRICT;
INSERT INTO status_counts (status, n) SELECT status, COUNT(*) FROM cases GROUP BY status;

CREATE TRIGGER cases_count_insert AFTER INSERT ON cases
BEGIN
    INSERT INTO status_counts (status, n) VALUES (NEW.status, 1)
    ON CONFLICT (status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER cases_count_status AFTER UPDATE OF status ON cases
WHEN NEW.status IS NOT OLD.status
BEGIN
    UPDATE status_counts SET n = n - 1 WHERE status = OLD.status;
    INSERT INTO status_counts (status, n) VALUES (NEW.status, 1)
    ON CONFLICT (status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER cases_count_delete AFTER DELETE ON cases
BEGIN
    UPDATE status_counts SET n = n - 1 WHERE status = OLD.status;
END;
CREATE TRIGGER case_clock_turnaround AFTER UPDATE OF turnaround_days ON case_clock
WHEN NEW.turnaround_days IS NOT NULL AND OLD.turnaround_days IS NULL
BEGIN
    INSERT INTO turnaround_counts (days, n) VALUES (NEW.turnaround_days, 1)
    ON CONFLICT (days) DO UPDATE SET n = n + 1;
END;

-- Existing cases: replay their transitions.
INSERT INTO case_clock (case_id, paused_days, paused_since, verified_on, closed_on)
SELECT case_id,
       CAST(TOTAL(CASE WHEN to_status = 'incomplete' AND next_day IS NOT NULL
                       THEN MAX(0, julianday(next_day) - julianday(day)) ELSE 0 END) AS INTEGER),
       MAX(CASE WHEN to_status = 'incomplete' AND next_day IS NULL THEN day END),
       MIN(CASE WHEN to_status = 'verified' THEN day END),
       MAX(CASE WHEN to_status = 'closed' THEN day END)
FROM (SELECT case_id, to_status, substr(at, 1, 10) AS day,
             LEAD(substr(at, 1, 10)) OVER (PARTITION BY case_id ORDER BY id) AS next_day
      FROM transitions)
GROUP BY case_id;
UPDATE case_clock
SET turnaround_days = CAST(julianday(verified_on)
        - julianday((SELECT received FROM cases WHERE cases.id = case_clock.case_id)) AS INTEGER)
        - paused_days
WHERE verified_on IS NOT NULL;
DELETE FROM turnaround_counts;
INSERT INTO turnaround_counts (days, n)
SELECT turnaround_days, COUNT(*) FROM case_clock
WHERE turnaround_days IS NOT NULL GROUP BY turnaround_days;

-- Every new transition moves the clock. Each UPDATE runs only for the
-- transitions it concerns (its condition on NEW is constant), so that a
-- routine transition costs one lookup and rewrites no index.
CREATE TRIGGER transitions_case_clock AFTER INSERT ON transitions
BEGIN
    INSERT OR IGNORE INTO case_clock (case_id) VALUES (NEW.case_id);
    UPDATE case_clock
    SET paused_days = paused_days
            + MAX(0, CAST(julianday(substr(NEW.at, 1, 10)) - julianday(paused_since) AS INTEGER)),
        paused_since = NULL
    WHERE NEW.from_status = 'incomplete' AND case_id = NEW.case_id AND paused_since IS NOT NULL;
    UPDATE case_clock SET paused_since = substr(NEW.at, 1, 10)
    WHERE NEW.to_status = 'incomplete' AND case_id = NEW.case_id;
    UPDATE case_clock
    SET verified_on = substr(NEW.at, 1, 10),
        turnaround_days = CAST(julianday(substr(NEW.at, 1, 10))
            - julianday((SELECT received FROM cases WHERE id = NEW.case_id)) AS INTEGER) - paused_days
    WHERE NEW.to_status = 'verified' AND case_id = NEW.case_id AND verified_on IS NULL;
    UPDATE case_clock SET closed_on = substr(NEW.at, 1, 10)
    WHERE NEW.to_status = 'closed' AND case_id = NEW.case_id;
END;
