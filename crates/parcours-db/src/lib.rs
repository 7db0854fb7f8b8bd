//! Parcours storage: the SQLite database and the scans folder beside it.
//!
//! What it is for: opening the database (WAL, foreign keys, busy timeout),
//! applying the numbered, append-only [`migrations`], and one module of plain
//! functions per table ([`cases`], [`pages`], [`fields`], [`checks`],
//! [`transitions`], [`users`], [`settings`], [`audit`], [`letters`],
//! [`tracking`], [`counter`]), the report aggregates ([`reports`]) and the
//! retention queries ([`retention`]), plus the
//! content-addressed store of page images and crops ([`scans`]).
//!
//! What it must not do:
//! - no business rules: which transition is legal, who may do what, what a
//!   check means, when a case is purged — all of that is decided in
//!   `parcours-domain` and `parcours-app`; this crate stores and reads back
//!   (one exception, for speed: migration 0003's triggers keep each case's
//!   turnaround clock, mirroring `parcours_domain::turnaround`, and the app's
//!   tests check that both agree);
//! - no clock: every timestamp is passed in by the caller;
//! - no transactions of its own inside the table modules: the functions take a
//!   `&rusqlite::Connection` (a [`rusqlite::Transaction`] derefs to one) and
//!   the app layer wraps each user operation in one [`Db::write`].
//!
//! Timestamps are stored as ISO-8601 text `YYYY-MM-DDTHH:MM:SS` (local time of
//! the service, no fraction), dates as `YYYY-MM-DD`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

pub use rusqlite;

pub mod audit;
pub mod cases;
pub mod checks;
pub mod counter;
pub mod fields;
pub mod letters;
pub mod migrations;
pub mod pages;
pub mod reports;
pub mod retention;
pub mod scans;
pub mod settings;
pub mod tracking;
pub mod transitions;
pub mod users;

mod sql;

/// How long a connection waits for a lock held by another process.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Everything that can go wrong in the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// SQLite refused or failed (constraint, lock timeout, corrupt file…).
    #[error("erreur de la base de données : {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A file or folder of the database or of the scans could not be used.
    #[error("impossible d'utiliser « {} » : {source}", path.display())]
    Io {
        /// The file or folder concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The database was written by a newer version of Parcours.
    #[error("base de données créée par une version plus récente de Parcours (schéma {found}, pris en charge : {supported}) : mettez Parcours à jour")]
    NewerSchema {
        /// `user_version` found in the file.
        found: i64,
        /// Latest schema this build knows.
        supported: i64,
    },
    /// The row asked for does not exist (the text says which).
    #[error("introuvable : {0}")]
    NotFound(String),
    /// The row would duplicate an existing one (the text says which).
    #[error("existe déjà : {0}")]
    Conflict(String),
    /// A JSON column could not be written or read back.
    #[error("donnée JSON illisible : {0}")]
    Json(#[from] serde_json::Error),
    /// Hashing a password failed.
    #[error("le mot de passe n'a pas pu être chiffré")]
    Password,
}

/// Result of this crate.
pub type Result<T> = std::result::Result<T, DbError>;

/// Switches the file to WAL (a no-op once it is). The switch of a new file
/// needs an exclusive lock that SQLite takes without calling the busy
/// handler, so another process reading the file at that moment (two
/// programs opening a new database at once) would make it fail with
/// "database is locked": it is tried again until [`BUSY_TIMEOUT`].
fn set_wal(conn: &Connection) -> Result<String> {
    let started = std::time::Instant::now();
    loop {
        match conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0)) {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy
                    && started.elapsed() < BUSY_TIMEOUT =>
            {
                std::thread::sleep(Duration::from_millis(5));
            }
            other => return Ok(other?),
        }
    }
}

/// An open Parcours database: one write connection and one read-only
/// connection on the same file.
pub struct Db {
    path: PathBuf,
    write: Connection,
    read: Connection,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("path", &self.path).finish()
    }
}

impl Db {
    /// Opens (or creates) the database at `path`: creates the parent folder,
    /// sets WAL, `foreign_keys=ON`, a 10 s busy timeout and
    /// `synchronous=NORMAL`, then applies the pending migrations.
    ///
    /// Refuses a database whose schema is newer than this build
    /// ([`DbError::NewerSchema`]), without changing it.
    pub fn open(path: &Path) -> Result<Db> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| DbError::Io {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        let mut write = Connection::open(path)?;
        write.busy_timeout(BUSY_TIMEOUT)?;
        migrations::refuse_newer(&write)?;
        let mode = set_wal(&write)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(DbError::Io {
                path: path.to_path_buf(),
                source: std::io::Error::other(format!(
                    "le mode WAL est refusé pour ce fichier (mode « {mode} ») : placez la base sur un disque local"
                )),
            });
        }
        write.pragma_update(None, "foreign_keys", "ON")?;
        write.pragma_update(None, "synchronous", "NORMAL")?;
        migrations::apply(&mut write)?;

        let read = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        read.busy_timeout(BUSY_TIMEOUT)?;
        read.pragma_update(None, "foreign_keys", "ON")?;
        Ok(Db {
            path: path.to_path_buf(),
            write,
            read,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The scans folder: `<db file stem>.scans/` next to the database file.
    pub fn scans_dir(&self) -> PathBuf {
        let stem = self
            .path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "parcours".to_string());
        self.path
            .parent()
            .unwrap_or_else(|| Path::new(""))
            .join(format!("{stem}.scans"))
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction on the write connection:
    /// commits when it returns `Ok`, rolls back when it returns `Err`.
    pub fn write<T, E: From<DbError>>(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let tx = self
            .write
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| E::from(DbError::from(e)))?;
        match f(&tx) {
            Ok(v) => {
                tx.commit().map_err(|e| E::from(DbError::from(e)))?;
                Ok(v)
            }
            Err(e) => {
                // Dropping the transaction would roll back too; an error here
                // would hide the caller's, which is the one that matters.
                let _ = tx.rollback();
                Err(e)
            }
        }
    }

    /// Runs `f` on the read-only connection, inside one deferred transaction
    /// so that every query sees the same snapshot. Writes fail there.
    pub fn read<T, E: From<DbError>>(
        &self,
        f: impl FnOnce(&rusqlite::Connection) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let tx = self
            .read
            .unchecked_transaction()
            .map_err(|e| E::from(DbError::from(e)))?;
        let out = f(&tx);
        // A read transaction has nothing to keep; ending it releases the snapshot.
        let _ = tx.rollback();
        out
    }

    /// Copies the whole database, consistently, to `dest` (a new SQLite file).
    /// The scans folder is not copied.
    pub fn backup_to(&self, dest: &Path) -> Result<()> {
        let mut out = Connection::open(dest)?;
        let backup = rusqlite::backup::Backup::new(&self.read, &mut out)?;
        backup.run_to_completion(256, Duration::from_millis(0), None)?;
        Ok(())
    }
}
