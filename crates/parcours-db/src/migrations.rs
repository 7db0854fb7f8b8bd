//! Numbered, append-only schema migrations.
//!
//! Each migration is a file `migrations/NNNN_name.sql` embedded at build time
//! and listed in [`MIGRATIONS`] in order. Migration `n` is applied in one
//! transaction that also sets `PRAGMA user_version = n`. A released migration
//! is never edited (a test pins the hash of each one); a change of schema is a
//! new file appended to the list. A database whose `user_version` is above
//! [`latest`] was written by a newer Parcours and is refused.

use rusqlite::Connection;

use crate::{DbError, Result};

/// One migration: its number, its name and its SQL.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// Schema version after this migration (1, 2, …).
    pub number: i64,
    /// File name, for messages.
    pub name: &'static str,
    /// The SQL script.
    pub sql: &'static str,
}

/// Every migration, in order. Append only.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        number: 1,
        name: "0001_init.sql",
        sql: include_str!("../migrations/0001_init.sql"),
    },
    Migration {
        number: 2,
        name: "0002_letters_tracking.sql",
        sql: include_str!("../migrations/0002_letters_tracking.sql"),
    },
    Migration {
        number: 3,
        name: "0003_case_clock_reports.sql",
        sql: include_str!("../migrations/0003_case_clock_reports.sql"),
    },
];

/// The schema version this build writes.
pub fn latest() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.number)
}

/// The `user_version` of the database.
pub fn current(conn: &Connection) -> Result<i64> {
    Ok(conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
}

/// Fails with [`DbError::NewerSchema`] if the database is newer than this build.
pub fn refuse_newer(conn: &Connection) -> Result<()> {
    let found = current(conn)?;
    if found > latest() {
        return Err(DbError::NewerSchema {
            found,
            supported: latest(),
        });
    }
    Ok(())
}

/// Applies every pending migration, each in its own transaction, and returns
/// the resulting schema version.
///
/// Another process may open the same file at the same moment (the desktop
/// app and the command, two workstations after an update): the version is
/// read again once the write lock is held, so that a migration the other
/// one applied meanwhile is not applied twice.
pub fn apply(conn: &mut Connection) -> Result<i64> {
    refuse_newer(conn)?;
    for m in MIGRATIONS {
        if current(conn)? >= m.number {
            continue;
        }
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        refuse_newer(&tx)?;
        if current(&tx)? >= m.number {
            continue;
        }
        tx.execute_batch(m.sql)?;
        tx.pragma_update(None, "user_version", m.number)?;
        tx.commit()?;
    }
    current(conn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    /// SHA-256 of every released migration. A released migration must never
    /// change: append a line here when you append a migration, never edit one.
    const RELEASED: &[(i64, &str)] = &[
        (
            1,
            "48fcdcf4d7998d5a92817c4cf505c45083ad15605411d0de57627783daf36eee",
        ),
        (
            2,
            "38b0b324a3406e9c9b1f9e5e8f017bc026e084f325acdf2ce8e8f78256115cba",
        ),
        (
            3,
            "53fef5c69789602f37bb608a8439adee3b50e169f0e095a143aea6e6e2c744b7",
        ),
    ];

    #[test]
    fn numbers_are_contiguous_from_one_and_match_file_names() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            let expected = i64::try_from(i).unwrap() + 1;
            assert_eq!(
                m.number, expected,
                "migrations are numbered 1, 2, 3… without gaps"
            );
            assert!(
                m.name.starts_with(&format!("{expected:04}_")) && m.name.ends_with(".sql"),
                "file name {} carries its number",
                m.name
            );
        }
        assert_eq!(latest(), i64::try_from(MIGRATIONS.len()).unwrap());
    }

    #[test]
    fn released_migrations_are_never_edited() {
        assert!(
            RELEASED.len() <= MIGRATIONS.len(),
            "a released migration was removed"
        );
        for (number, hash) in RELEASED {
            let m = &MIGRATIONS[usize::try_from(*number).unwrap() - 1];
            let got = hex::encode(Sha256::digest(m.sql.as_bytes()));
            assert_eq!(
                &got, hash,
                "{} was edited after release: add a new migration instead",
                m.name
            );
        }
    }

    #[test]
    fn applying_twice_is_a_no_op() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(apply(&mut conn).unwrap(), latest());
        assert_eq!(apply(&mut conn).unwrap(), latest(), "already at latest");
    }

    #[test]
    fn newer_schema_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", latest() + 1)
            .unwrap();
        match apply(&mut conn) {
            Err(DbError::NewerSchema { found, supported }) => {
                assert_eq!((found, supported), (latest() + 1, latest()));
            }
            other => panic!("a newer schema must be refused, got {other:?}"),
        }
    }
}
