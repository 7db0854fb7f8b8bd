//! Backup and restore of a whole Parcours installation: the database and its
//! scans folder, in one file (administrators).
//!
//! The backup is a plain POSIX tar archive (ustar, uncompressed: scans are
//! already JPEG or PNG) that any `tar -tf` can list:
//!
//! ```text
//! parcours.db                      consistent copy (SQLite online backup)
//! scans/ab/<sha256>.<ext>          every file of the content-addressed scans folder
//! manifest.json                    {"format": "parcours-backup-1", "created_at",
//!                                   "schema_version", "database_sha256",
//!                                   "database_bytes", "scans", "scan_bytes"}
//! ```
//!
//! The database copy is one snapshot taken while Parcours may keep running;
//! the scans are copied after it, so a scan stored meanwhile is included
//! harmlessly (nothing refers to it). [`backup`] refuses to overwrite a file
//! and writes through a temporary file, so a failed backup leaves nothing.
//!
//! [`restore`] unpacks into a data directory that must be empty (or, with
//! `force`, whose current database and scans are first moved aside into
//! `avant-restauration-<date>/`, never deleted). It unpacks into a staging
//! folder, checks the manifest, the database's hash and `PRAGMA
//! integrity_check`, migrates an older schema forward (a newer one is
//! refused), logs the administrator in *against the restored accounts*, then
//! moves everything into place. Every entry name is checked before anything
//! is written: an archive cannot write outside its destination.
//!
//! Both operations are audited (`backup.create` in the backed-up database,
//! after the snapshot; `backup.restore` in the restored one).

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use chrono::{NaiveDateTime, Timelike};
use parcours_db::{scans, Db};
use parcours_domain::roles::Permission;
use serde::{Deserialize, Serialize};

use crate::{audit_log, require, Actor, Refusal};

/// The `format` of the manifest written by this version.
pub const FORMAT: &str = "parcours-backup-1";

const DB_ENTRY: &str = "parcours.db";
const MANIFEST_ENTRY: &str = "manifest.json";
const SCANS_PREFIX: &str = "scans/";

/// What the archive says about itself (`manifest.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// When the backup was taken (local time of the service).
    pub created_at: NaiveDateTime,
    /// Schema version (`PRAGMA user_version`) of the database copy.
    pub schema_version: i64,
    /// SHA-256 of the database copy, hex.
    pub database_sha256: String,
    /// Size of the database copy, bytes.
    pub database_bytes: u64,
    /// Number of scan files.
    pub scans: usize,
    /// Total size of the scan files, bytes.
    pub scan_bytes: u64,
}

/// What [`backup`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackupReport {
    /// The archive written.
    pub file: PathBuf,
    /// Its manifest.
    pub manifest: Manifest,
    /// Scans whose content no longer matches their name (already damaged on
    /// disk); they are copied as they are.
    pub damaged_scans: Vec<String>,
}

/// What [`restore`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RestoreReport {
    /// The database restored.
    pub database: PathBuf,
    /// The manifest of the archive.
    pub manifest: Manifest,
    /// Where the previous database and scans were moved (with `force`).
    pub moved_aside: Option<PathBuf>,
    /// Scans whose content does not match their name (restored as they are).
    pub damaged_scans: Vec<String>,
}

/// Writes a backup of `db` and its scans to `dest` (administrators).
/// `dest` must not exist.
pub fn backup(db: &mut Db, actor: &Actor, dest: &Path, at: NaiveDateTime) -> Result<BackupReport> {
    require(actor, Permission::Purge, "sauvegarder la base")?;
    if dest.exists() {
        bail!(Refusal::Invalid(format!(
            "le fichier {} existe déjà : choisissez un autre nom de sauvegarde",
            dest.display()
        )));
    }
    let snapshot = sibling(dest, "base-temporaire");
    let partial = sibling(dest, "partiel");
    let at = at.with_nanosecond(0).unwrap_or(at);
    let result = write_archive(db, &snapshot, &partial, at);
    let _ = std::fs::remove_file(&snapshot);
    let (manifest, damaged_scans) = match result {
        Ok(x) => x,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    std::fs::rename(&partial, dest)
        .with_context(|| format!("écriture de la sauvegarde {}", dest.display()))?;
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    db.write(|tx| {
        audit_log(
            tx,
            at,
            actor,
            "backup.create",
            None,
            serde_json::json!({
                "file": name,
                "database_sha256": manifest.database_sha256,
                "scans": manifest.scans,
                "damaged_scans": damaged_scans.len(),
            }),
        )
    })?;
    Ok(BackupReport {
        file: dest.to_path_buf(),
        manifest,
        damaged_scans,
    })
}

/// `dir/.name.<what>` next to `path`.
fn sibling(path: &Path, what: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "sauvegarde".into());
    path.with_file_name(format!(".{name}.{what}"))
}

fn write_archive(
    db: &Db,
    snapshot: &Path,
    partial: &Path,
    at: NaiveDateTime,
) -> Result<(Manifest, Vec<String>)> {
    let _ = std::fs::remove_file(snapshot);
    db.backup_to(snapshot)
        .context("copie de la base de données")?;
    let db_bytes = std::fs::read(snapshot)
        .with_context(|| format!("lecture de la copie {}", snapshot.display()))?;
    // `PRAGMA user_version` is the big-endian integer at offset 60 of the header.
    let schema_version = db_bytes
        .get(60..64)
        .map(|b| i64::from(i32::from_be_bytes([b[0], b[1], b[2], b[3]])))
        .unwrap_or(0);
    let scans_dir = db.scans_dir();
    let files = scan_files(&scans_dir)?;

    let out = File::create(partial)
        .with_context(|| format!("création de la sauvegarde {}", partial.display()))?;
    let mut tar = BufWriter::new(out);
    tar_entry(&mut tar, DB_ENTRY, &db_bytes, at)?;
    let (mut count, mut scan_bytes, mut damaged) = (0usize, 0u64, Vec::new());
    for (rel, path) in files {
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            // Purged since the listing: the snapshot may still name it, as a
            // purge running now would have removed it a moment later.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e).with_context(|| format!("lecture du scan {}", path.display())),
        };
        if !content_matches_name(&rel, &bytes) {
            damaged.push(rel.clone());
        }
        tar_entry(&mut tar, &format!("{SCANS_PREFIX}{rel}"), &bytes, at)?;
        count += 1;
        scan_bytes += bytes.len() as u64;
    }
    let manifest = Manifest {
        format: FORMAT.into(),
        created_at: at,
        schema_version,
        database_sha256: scans::sha256_hex(&db_bytes),
        database_bytes: db_bytes.len() as u64,
        scans: count,
        scan_bytes,
    };
    tar_entry(
        &mut tar,
        MANIFEST_ENTRY,
        &serde_json::to_vec_pretty(&manifest)?,
        at,
    )?;
    tar.write_all(&[0u8; 1024])?;
    let out = tar.into_inner().map_err(|e| e.into_error())?;
    out.sync_all()?;
    Ok((manifest, damaged))
}

/// Every stored file of the scans folder as (`ab/<sha>.<ext>`, path), sorted.
fn scan_files(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    let top = match std::fs::read_dir(dir) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e).with_context(|| format!("lecture de {}", dir.display())),
    };
    for sub in top {
        let sub = sub?;
        let sub_name = sub.file_name().to_string_lossy().into_owned();
        if !sub.file_type()?.is_dir() || !is_prefix(&sub_name) {
            continue;
        }
        for f in std::fs::read_dir(sub.path())? {
            let f = f?;
            let name = f.file_name().to_string_lossy().into_owned();
            let rel = format!("{sub_name}/{name}");
            // Temporary files of an interrupted store start with a dot.
            if f.file_type()?.is_file() && scan_name(&rel).is_some() {
                out.push((rel, f.path()));
            }
        }
    }
    out.sort();
    Ok(out)
}

fn is_prefix(s: &str) -> bool {
    s.len() == 2 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// `(sha, ext)` when `rel` is `ab/<sha>.<ext>` as the scans store writes it.
fn scan_name(rel: &str) -> Option<(&str, &str)> {
    let (prefix, file) = rel.split_once('/')?;
    let (sha, ext) = file.split_once('.')?;
    let ok = is_prefix(prefix)
        && sha.len() == 64
        && sha.starts_with(prefix)
        && sha.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        && !ext.is_empty()
        && ext.len() <= 8
        && ext.bytes().all(|b| b.is_ascii_alphanumeric());
    ok.then_some((sha, ext))
}

fn content_matches_name(rel: &str, bytes: &[u8]) -> bool {
    scan_name(rel).is_some_and(|(sha, _)| scans::sha256_hex(bytes) == sha)
}

/// Restores the archive `archive` as the database `target` and its scans
/// folder. The data directory (`target`'s folder) must be empty unless
/// `force`. `login` authenticates the user against the *restored* database;
/// the user must be an administrator there.
pub fn restore(
    archive: &Path,
    target: &Path,
    force: bool,
    at: NaiveDateTime,
    login: impl FnOnce(&Db) -> Result<Actor>,
) -> Result<RestoreReport> {
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = target
        .file_name()
        .context("chemin de base de données sans nom de fichier")?
        .to_string_lossy()
        .into_owned();
    let occupied = match std::fs::read_dir(&dir) {
        Ok(mut entries) => entries.next().is_some(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(e).with_context(|| format!("lecture du dossier {}", dir.display())),
    };
    if occupied && !force {
        bail!(Refusal::Invalid(format!(
            "le dossier de données {} n'est pas vide : restaurez dans un dossier vide, \
             ou ajoutez --force pour mettre de côté la base actuelle avant de restaurer",
            dir.display()
        )));
    }
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("création du dossier {}", dir.display()))?;
    let staging = dir.join(format!(".restauration-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir(&staging)
        .with_context(|| format!("création du dossier {}", staging.display()))?;
    let result = unpack_and_check(archive, &staging, &file_name, at, login);
    let (manifest, damaged_scans) = match result {
        Ok(x) => x,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    let stem = Path::new(&file_name)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "parcours".into());
    let scans_name = format!("{stem}.scans");
    let ours = |name: &str| {
        name == file_name
            || name == format!("{file_name}-wal")
            || name == format!("{file_name}-shm")
            || name == scans_name
    };
    let moved_aside = if occupied {
        let aside = dir.join(format!("avant-restauration-{}", at.format("%Y%m%d-%H%M%S")));
        std::fs::create_dir_all(&aside)?;
        for e in std::fs::read_dir(&dir)? {
            let name = e?.file_name().to_string_lossy().into_owned();
            if ours(&name) {
                std::fs::rename(dir.join(&name), aside.join(&name)).with_context(|| {
                    format!("mise de côté de {} dans {}", name, aside.display())
                })?;
            }
        }
        Some(aside)
    } else {
        None
    };
    for e in std::fs::read_dir(&staging)? {
        let name = e?.file_name().to_string_lossy().into_owned();
        if ours(&name) {
            std::fs::rename(staging.join(&name), dir.join(&name))
                .with_context(|| format!("mise en place de {name} dans {}", dir.display()))?;
        }
    }
    let _ = std::fs::remove_dir_all(&staging);
    Ok(RestoreReport {
        database: target.to_path_buf(),
        manifest,
        moved_aside,
        damaged_scans,
    })
}

fn unpack_and_check(
    archive: &Path,
    staging: &Path,
    file_name: &str,
    at: NaiveDateTime,
    login: impl FnOnce(&Db) -> Result<Actor>,
) -> Result<(Manifest, Vec<String>)> {
    let shown = archive.display().to_string();
    let bad = |why: &str| {
        anyhow::anyhow!(
            "{shown} : ce n'est pas une sauvegarde Parcours lisible ({why}) ; \
             choisissez le fichier écrit par « parcours backup »"
        )
    };
    let f = File::open(archive).with_context(|| format!("{shown} : ouverture impossible"))?;
    let db_path = staging.join(file_name);
    let stem = Path::new(file_name)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "parcours".into());
    let scans_dir = staging.join(format!("{stem}.scans"));
    let mut manifest: Option<Manifest> = None;
    let mut db_sha: Option<String> = None;
    let (mut count, mut damaged) = (0usize, Vec::new());
    let mut reader = BufReader::new(f);
    loop {
        let entry = read_header(&mut reader).map_err(|why| bad(&why))?;
        let Some((name, size)) = entry else { break };
        let body = read_body(&mut reader, size).map_err(|why| bad(&why))?;
        if name == DB_ENTRY {
            if db_sha.is_some() {
                return Err(bad("deux bases de données"));
            }
            db_sha = Some(scans::sha256_hex(&body));
            std::fs::write(&db_path, &body)
                .with_context(|| format!("écriture de {}", db_path.display()))?;
        } else if name == MANIFEST_ENTRY {
            manifest =
                Some(serde_json::from_slice(&body).map_err(|_| bad("manifest.json illisible"))?);
        } else if let Some(rel) = name
            .strip_prefix(SCANS_PREFIX)
            .filter(|r| scan_name(r).is_some())
        {
            if !content_matches_name(rel, &body) {
                damaged.push(rel.to_string());
            }
            let path = scans_dir.join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, &body)
                .with_context(|| format!("écriture de {}", path.display()))?;
            count += 1;
        } else {
            return Err(bad(&format!(
                "entrée inattendue « {} »",
                name.escape_debug()
            )));
        }
    }
    let manifest = manifest.ok_or_else(|| bad("manifest.json absent"))?;
    if manifest.format != FORMAT {
        return Err(bad(&format!("format « {} » inconnu", manifest.format)));
    }
    match db_sha {
        None => return Err(bad("base de données absente")),
        Some(sha) if sha != manifest.database_sha256 => {
            return Err(bad("la base de données ne correspond pas à son empreinte"))
        }
        Some(_) => {}
    }
    if count != manifest.scans {
        return Err(bad(&format!(
            "{count} scan(s) au lieu de {} annoncés",
            manifest.scans
        )));
    }
    let mut db = crate::open(&db_path)?;
    let integrity: String = db.read(|c| {
        c.query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(parcours_db::DbError::from)
    })?;
    if integrity != "ok" {
        return Err(bad(&format!("base de données endommagée : {integrity}")));
    }
    let actor = login(&db)?;
    require(&actor, Permission::Purge, "restaurer une sauvegarde")?;
    db.write(|tx| {
        audit_log(
            tx,
            at,
            &actor,
            "backup.restore",
            None,
            serde_json::json!({
                "created_at": manifest.created_at,
                "database_sha256": manifest.database_sha256,
                "scans": manifest.scans,
                "damaged_scans": damaged.len(),
            }),
        )
    })?;
    drop(db);
    // The read-only connection closed last and could not fold the WAL back:
    // one plain connection does it, so that one file is moved into place.
    let c = parcours_db::rusqlite::Connection::open(&db_path)?;
    c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    c.close().map_err(|(_, e)| e)?;
    Ok((manifest, damaged))
}

// ---------------------------------------------------------------- tar (ustar)

/// Largest entry size the 11 octal digits of a ustar header hold (8 GiB).
const MAX_ENTRY: u64 = 0o77777777777;

fn tar_entry(out: &mut impl Write, name: &str, data: &[u8], at: NaiveDateTime) -> Result<()> {
    if name.len() > 99 {
        bail!("nom d'entrée trop long pour l'archive : {name}");
    }
    if data.len() as u64 > MAX_ENTRY {
        bail!("{name} : fichier trop grand pour l'archive (plus de 8 Gio)");
    }
    let mut h = [0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    let mut field = |at: usize, len: usize, value: u64| {
        let s = format!("{value:0width$o}\0", width = len - 1);
        h[at..at + len].copy_from_slice(s.as_bytes());
    };
    field(100, 8, 0o644);
    field(108, 8, 0);
    field(116, 8, 0);
    field(124, 12, data.len() as u64);
    field(136, 12, at.and_utc().timestamp().max(0) as u64);
    h[156] = b'0';
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    out.write_all(&h)?;
    out.write_all(data)?;
    let pad = (512 - data.len() % 512) % 512;
    out.write_all(&vec![0u8; pad])?;
    Ok(())
}

fn read_full(r: &mut impl Read, buf: &mut [u8]) -> Result<bool, String> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(format!("lecture impossible : {e}")),
        }
    }
    if got == 0 {
        return Ok(false);
    }
    if got < buf.len() {
        return Err("archive tronquée".into());
    }
    Ok(true)
}

fn octal(field: &[u8]) -> Option<u64> {
    let s = std::str::from_utf8(field).ok()?;
    let s = s.trim_matches(|c: char| c == '\0' || c == ' ');
    if s.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(s, 8).ok()
}

/// The next entry's name and size; `None` at the end of the archive.
fn read_header(r: &mut impl Read) -> Result<Option<(String, u64)>, String> {
    let mut h = [0u8; 512];
    if !read_full(r, &mut h)? {
        return Err("fin de l'archive absente".into());
    }
    if h.iter().all(|&b| b == 0) {
        return Ok(None);
    }
    let stored = octal(&h[148..156]).ok_or("en-tête d'entrée illisible")?;
    let mut sum: u64 = h.iter().map(|&b| u64::from(b)).sum();
    sum -= h[148..156].iter().map(|&b| u64::from(b)).sum::<u64>();
    sum += 8 * u64::from(b' ');
    if sum != stored || &h[257..262] != b"ustar" {
        return Err("en-tête d'entrée endommagé".into());
    }
    if !matches!(h[156], b'0' | 0) {
        return Err("entrée qui n'est pas un fichier".into());
    }
    let name_end = h[..100].iter().position(|&b| b == 0).unwrap_or(100);
    let name = std::str::from_utf8(&h[..name_end])
        .map_err(|_| "nom d'entrée illisible")?
        .to_string();
    if h[345] != 0 {
        return Err("nom d'entrée inattendu".into());
    }
    let size = octal(&h[124..136]).ok_or("taille d'entrée illisible")?;
    Ok(Some((name, size)))
}

fn read_body(r: &mut impl Read, size: u64) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    r.by_ref()
        .take(size)
        .read_to_end(&mut body)
        .map_err(|e| format!("lecture impossible : {e}"))?;
    if body.len() as u64 != size {
        return Err("archive tronquée".into());
    }
    let pad = ((512 - size % 512) % 512) as usize;
    let mut skip = vec![0u8; pad];
    if pad > 0 && !read_full(r, &mut skip)? {
        return Err("archive tronquée".into());
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 3, 2)
            .unwrap()
            .and_hms_opt(9, 30, 0)
            .unwrap()
    }

    fn entries(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
        let mut r = bytes;
        let mut out = Vec::new();
        while let Some((name, size)) = read_header(&mut r)? {
            out.push((name, read_body(&mut r, size)?));
        }
        Ok(out)
    }

    #[test]
    fn tar_entries_round_trip_with_padding() {
        let mut buf = Vec::new();
        tar_entry(&mut buf, "a.txt", b"bonjour", at()).unwrap();
        tar_entry(&mut buf, "scans/ab/x.png", &[7u8; 512], at()).unwrap();
        tar_entry(&mut buf, "vide", b"", at()).unwrap();
        buf.extend([0u8; 1024]);
        assert_eq!(buf.len() % 512, 0, "a tar is made of 512-byte blocks");
        let got = entries(&buf).unwrap();
        assert_eq!(
            got,
            vec![
                ("a.txt".to_string(), b"bonjour".to_vec()),
                ("scans/ab/x.png".to_string(), vec![7u8; 512]),
                ("vide".to_string(), vec![]),
            ]
        );
    }

    #[test]
    fn damaged_or_truncated_archives_are_errors() {
        let mut buf = Vec::new();
        tar_entry(&mut buf, "a.txt", &[1u8; 700], at()).unwrap();
        buf.extend([0u8; 1024]);
        assert!(entries(&buf[..600]).is_err(), "truncated in the body");
        assert!(entries(&buf[..1024]).is_err(), "truncated in the padding");
        assert!(entries(&buf[..1536]).is_err(), "no end blocks");
        let mut edited = buf.clone();
        edited[0] = b'b';
        assert!(entries(&edited).is_err(), "the header checksum fails");
        assert!(entries(b"").is_err());
        assert!(entries(&[0x41; 2048]).is_err());
    }

    #[test]
    fn only_names_the_scans_store_writes_are_scans() {
        let sha = scans::sha256_hex(b"x");
        assert!(scan_name(&format!("{}/{sha}.png", &sha[..2])).is_some());
        for bad in [
            format!("../{sha}.png"),
            format!("{}/../../{sha}.png", &sha[..2]),
            format!("zz/{sha}.png"),
            format!("00/{sha}.png"),
            format!("{}/{sha}", &sha[..2]),
            format!("{}/{sha}.p/g", &sha[..2]),
            format!("{}/{sha}.png/../../x", &sha[..2]),
            "/etc/passwd".into(),
        ] {
            assert!(scan_name(&bad).is_none(), "{bad} must be refused");
        }
    }
}
