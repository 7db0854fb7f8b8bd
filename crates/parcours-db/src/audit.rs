//! The `audit` table: an append-only, hash-chained journal of every change
//! and every opening of a case's personal data (SPEC §8).
//!
//! SQL triggers refuse `UPDATE` and `DELETE` of audit rows. Each row also
//! carries `hash = sha256(canonical(id, at, actor, action, case_id, details,
//! prev_hash))` where `prev_hash` is the previous row's hash (64 zeros for the
//! first row), so that [`verify`] detects a row edited, deleted or reordered
//! by someone who bypassed the triggers. `details` must never hold a NIR or a
//! name: the app passes only non-personal details.

use chrono::NaiveDateTime;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::sql::{self, get_ts};
use crate::Result;

/// `prev_hash` of the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditRow {
    /// Position in the chain, from 1, without gaps.
    pub id: i64,
    /// When.
    pub at: NaiveDateTime,
    /// Login of the user, or `system`.
    pub actor: String,
    /// What (`case.open`, `case.approve`, `user.create`…).
    pub action: String,
    /// The case concerned, if one.
    pub case_id: Option<i64>,
    /// Non-personal details.
    pub details: Value,
    /// Hash of the previous row.
    pub prev_hash: String,
    /// Hash of this row.
    pub hash: String,
}

/// Result of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    /// Number of rows in the journal.
    pub rows: i64,
    /// Whether the whole chain is intact.
    pub ok: bool,
    /// Id of the first row where the chain breaks.
    pub first_bad: Option<i64>,
    /// What is wrong there (English, for logs and the admin).
    pub problem: Option<String>,
}

/// `value` with the keys of every object in sorted order, so that its JSON
/// text does not depend on insertion order.
fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let mut out = serde_json::Map::new();
            for k in keys {
                out.insert(k.clone(), canonical(&map[k]));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

/// Hash of one row from its stored columns (`details` as its stored JSON
/// text, `at` as stored): SHA-256, hex, of the compact JSON array
/// `[id, at, actor, action, case_id, details, prev_hash]`.
pub fn row_hash(
    id: i64,
    at: &str,
    actor: &str,
    action: &str,
    case_id: Option<i64>,
    details: &str,
    prev_hash: &str,
) -> String {
    let canonical = serde_json::json!([id, at, actor, action, case_id, details, prev_hash]);
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

/// Appends an entry and returns its id.
///
/// Call it inside the write transaction of the operation it records, so that
/// the entry and the change commit or roll back together.
pub fn append(
    conn: &Connection,
    at: NaiveDateTime,
    actor: &str,
    action: &str,
    case_id: Option<i64>,
    details: &Value,
) -> Result<i64> {
    let last: Option<(i64, String)> = conn
        .query_row(
            "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    // AUTOINCREMENT's counter: an id deleted at the end is never reused, so
    // that the gap stays visible.
    let seq: i64 = conn
        .query_row(
            "SELECT seq FROM sqlite_sequence WHERE name = 'audit'",
            [],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0);
    let (last_id, prev_hash) = last.unwrap_or((0, GENESIS.to_string()));
    let id = last_id.max(seq) + 1;
    let at = sql::ts(at);
    let details = serde_json::to_string(&canonical(details))?;
    let hash = row_hash(id, &at, actor, action, case_id, &details, &prev_hash);
    conn.execute(
        "INSERT INTO audit (id, at, actor, action, case_id, details, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![id, at, actor, action, case_id, details, prev_hash, hash],
    )?;
    Ok(id)
}

/// Recomputes the whole chain and reports the first break: a row whose
/// content no longer matches its hash (edited), a missing id (deleted), or a
/// `prev_hash` that is not the previous row's hash (deleted or reordered).
pub fn verify(conn: &Connection) -> Result<AuditReport> {
    let mut stmt = conn.prepare(
        "SELECT id, at, actor, action, case_id, details, prev_hash, hash FROM audit ORDER BY id",
    )?;
    let mut rows = stmt.query([])?;
    let mut count = 0i64;
    let mut expected_id = 1i64;
    let mut prev = GENESIS.to_string();
    let mut bad: Option<(i64, String)> = None;
    while let Some(r) = rows.next()? {
        count += 1;
        if bad.is_some() {
            continue;
        }
        let id: i64 = r.get(0)?;
        let at: String = r.get(1)?;
        let actor: String = r.get(2)?;
        let action: String = r.get(3)?;
        let case_id: Option<i64> = r.get(4)?;
        let details: String = r.get(5)?;
        let prev_hash: String = r.get(6)?;
        let hash: String = r.get(7)?;
        if id != expected_id {
            bad = Some((
                id,
                format!(
                    "row(s) {expected_id}..{} are missing: deleted from the journal",
                    id - 1
                ),
            ));
        } else if row_hash(id, &at, &actor, &action, case_id, &details, &prev_hash) != hash {
            bad = Some((
                id,
                "content does not match its hash: the row was edited".to_string(),
            ));
        } else if prev_hash != prev {
            bad = Some((
                id,
                "prev_hash is not the previous row's hash: rows were deleted, replaced or reordered"
                    .to_string(),
            ));
        }
        prev = hash;
        expected_id += 1;
    }
    if bad.is_none() {
        let seq: Option<i64> = conn
            .query_row(
                "SELECT seq FROM sqlite_sequence WHERE name = 'audit'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(seq) = seq.filter(|s| *s >= expected_id) {
            bad = Some((
                expected_id,
                format!(
                    "row(s) {expected_id}..{seq} at the end are missing: deleted from the journal"
                ),
            ));
        }
    }
    Ok(AuditReport {
        rows: count,
        ok: bad.is_none(),
        first_bad: bad.as_ref().map(|b| b.0),
        problem: bad.map(|b| b.1),
    })
}

/// Entries, newest first, optionally of one case only, at most `limit`.
pub fn list(conn: &Connection, case_id: Option<i64>, limit: usize) -> Result<Vec<AuditRow>> {
    let mut stmt = conn.prepare(
        "SELECT id, at, actor, action, case_id, details, prev_hash, hash FROM audit
         WHERE (?1 IS NULL OR case_id = ?1) ORDER BY id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![case_id, sql::int(limit)], |r| {
        let details: String = r.get(5)?;
        Ok(AuditRow {
            id: r.get(0)?,
            at: get_ts(r, 1)?,
            actor: r.get(2)?,
            action: r.get(3)?,
            case_id: r.get(4)?,
            details: serde_json::from_str(&details).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    5,
                    rusqlite::types::Type::Text,
                    Box::new(e),
                )
            })?,
            prev_hash: r.get(6)?,
            hash: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_details_do_not_depend_on_key_order() {
        let a: Value = serde_json::from_str(r#"{"b":1,"a":{"d":2,"c":[{"z":0,"y":1}]}}"#).unwrap();
        assert_eq!(
            canonical(&a).to_string(),
            r#"{"a":{"c":[{"y":1,"z":0}],"d":2},"b":1}"#
        );
    }

    #[test]
    fn the_hash_covers_every_column() {
        let base = row_hash(
            1,
            "2026-03-02T09:00:00",
            "alice",
            "case.open",
            Some(3),
            "{}",
            GENESIS,
        );
        let variants = [
            row_hash(
                2,
                "2026-03-02T09:00:00",
                "alice",
                "case.open",
                Some(3),
                "{}",
                GENESIS,
            ),
            row_hash(
                1,
                "2026-03-02T09:00:01",
                "alice",
                "case.open",
                Some(3),
                "{}",
                GENESIS,
            ),
            row_hash(
                1,
                "2026-03-02T09:00:00",
                "alicf",
                "case.open",
                Some(3),
                "{}",
                GENESIS,
            ),
            row_hash(
                1,
                "2026-03-02T09:00:00",
                "alice",
                "case.opem",
                Some(3),
                "{}",
                GENESIS,
            ),
            row_hash(
                1,
                "2026-03-02T09:00:00",
                "alice",
                "case.open",
                None,
                "{}",
                GENESIS,
            ),
            row_hash(
                1,
                "2026-03-02T09:00:00",
                "alice",
                "case.open",
                Some(3),
                "[]",
                GENESIS,
            ),
            row_hash(
                1,
                "2026-03-02T09:00:00",
                "alice",
                "case.open",
                Some(3),
                "{}",
                &"1".repeat(64),
            ),
        ];
        for v in variants {
            assert_ne!(v, base, "changing any column must change the hash");
        }
    }
}
