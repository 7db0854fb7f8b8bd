//! The PDFs of a print run, once written: opened in the system's viewer or
//! saved elsewhere by the clerk (desktop "Ouvrir" and "Enregistrer sous…").
//!
//! Only PDFs lying directly in a letters output folder are handed out; the
//! caller says which folders those are (the desktop: its default letters
//! folder and the folders it printed into). A letter carries its activation
//! code in clear, so each access is audited, with the file's name only.
//! Spawning the viewer is the caller's business: this crate knows no desktop.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use chrono::NaiveDateTime;
use parcours_db::Db;
use parcours_domain::roles::Permission;

use crate::{audit_log, require, Actor, Refusal};

/// `file`, canonical, if it is a PDF directly inside one of `folders`
/// (symbolic links resolved, so a link pointing out of the folder is
/// refused); else the French refusal to show.
pub fn letters_pdf(folders: &[PathBuf], file: &Path) -> Result<PathBuf, Refusal> {
    let shown = file.display();
    let is_pdf = file
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("pdf"));
    if !is_pdf {
        return Err(Refusal::Invalid(format!(
            "« {shown} » n'est pas un PDF : seuls les PDF des courriers peuvent être ouverts ou enregistrés"
        )));
    }
    let real = file
        .canonicalize()
        .ok()
        .filter(|p| p.is_file())
        .ok_or_else(|| {
            Refusal::NotFound(format!(
                "le fichier « {shown} » est introuvable : imprimez le lot à nouveau ou vérifiez le dossier"
            ))
        })?;
    let inside = real.parent().is_some_and(|dir| {
        folders
            .iter()
            .filter_map(|f| f.canonicalize().ok())
            .any(|f| f == dir)
    });
    if !inside {
        return Err(Refusal::Invalid(format!(
            "« {shown} » n'est pas dans le dossier des courriers : seuls les PDF imprimés par Parcours peuvent être ouverts ou enregistrés"
        )));
    }
    Ok(real)
}

/// Checks that the clerk may open `file` (a PDF of a letters output folder,
/// [`letters_pdf`]) and audits it (`letter.open`); returns its canonical
/// path for the caller to hand to the system's viewer.
pub fn open_pdf(
    db: &mut Db,
    actor: &Actor,
    folders: &[PathBuf],
    file: &Path,
    at: NaiveDateTime,
) -> Result<PathBuf> {
    require(actor, Permission::PrintLetters, "ouvrir les courriers")?;
    let real = letters_pdf(folders, file)?;
    db.write(|tx| {
        audit_log(
            tx,
            at,
            actor,
            "letter.open",
            None,
            serde_json::json!({ "file": file_name(&real) }),
        )
    })?;
    Ok(real)
}

/// Copies `file` (a PDF of a letters output folder, [`letters_pdf`]) to
/// `dest`, where the clerk chose to save it; `.pdf` is added to a name
/// without extension, any other extension is refused (the copy must not
/// replace a file of another kind), and so is the source itself. Audited
/// (`letter.save_copy`, file name only). Returns where it was written.
pub fn save_pdf_copy(
    db: &mut Db,
    actor: &Actor,
    folders: &[PathBuf],
    file: &Path,
    dest: &Path,
    at: NaiveDateTime,
) -> Result<PathBuf> {
    require(actor, Permission::PrintLetters, "enregistrer les courriers")?;
    let real = letters_pdf(folders, file)?;
    let dest = match dest.extension().and_then(|e| e.to_str()) {
        None => dest.with_extension("pdf"),
        Some(e) if e.eq_ignore_ascii_case("pdf") => dest.to_path_buf(),
        Some(_) => {
            return Err(Refusal::Invalid(format!(
                "« {} » n'est pas un nom de PDF : terminez-le par .pdf",
                dest.display()
            ))
            .into())
        }
    };
    if dest.canonicalize().is_ok_and(|d| d == real) {
        return Err(Refusal::Invalid(
            "la copie remplacerait le fichier lui-même : choisissez un autre nom ou un autre dossier"
                .into(),
        )
        .into());
    }
    std::fs::copy(&real, &dest)
        .map_err(|e| {
            Refusal::Invalid(format!(
                "« {} » ne peut pas être écrit ({e}) : choisissez un autre emplacement",
                dest.display()
            ))
        })
        .context("copying a letter")?;
    db.write(|tx| {
        audit_log(
            tx,
            at,
            actor,
            "letter.save_copy",
            None,
            serde_json::json!({ "file": file_name(&real) }),
        )
    })?;
    Ok(dest)
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use parcours_domain::roles::Role;

    fn at() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 3, 9)
            .and_then(|d| d.and_hms_opt(10, 0, 0))
            .expect("date")
    }

    fn actor(role: Role) -> Actor {
        Actor {
            name: "agent".into(),
            role,
        }
    }

    /// A database, a letters folder holding `lot-1.pdf`, and a folder
    /// beside it holding `secret.pdf` and `notes.txt`.
    struct World {
        dir: tempfile::TempDir,
        db: Db,
        letters: PathBuf,
    }

    fn world() -> World {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = crate::open(&dir.path().join("t.db")).expect("open");
        let letters = dir.path().join("courriers");
        let other = dir.path().join("ailleurs");
        for d in [&letters, &other] {
            std::fs::create_dir_all(d).expect("mkdir");
        }
        std::fs::write(letters.join("lot-1.pdf"), b"%PDF-1.7 lot").expect("write");
        std::fs::write(letters.join("notes.txt"), b"x").expect("write");
        std::fs::write(other.join("secret.pdf"), b"%PDF secret").expect("write");
        World { dir, db, letters }
    }

    fn refusal(e: anyhow::Error) -> Refusal {
        e.downcast::<Refusal>().expect("a refusal, not a failure")
    }

    fn audit_actions(db: &Db) -> Vec<String> {
        db.read(|c| {
            let mut st = c.prepare("SELECT action FROM audit ORDER BY id")?;
            let rows = st.query_map([], |r| r.get::<_, String>(0))?;
            Ok::<_, anyhow::Error>(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .expect("audit")
    }

    #[test]
    fn only_pdfs_directly_in_a_letters_folder_are_handed_out() {
        let w = world();
        let folders = [w.letters.clone()];
        let root = w.dir.path();
        let ok = letters_pdf(&folders, &w.letters.join("lot-1.pdf")).expect("a letter");
        assert!(ok.ends_with("courriers/lot-1.pdf"));
        // `..` is resolved before the folder is compared.
        let sneaky = w.letters.join("../ailleurs/secret.pdf");
        for (file, why) in [
            (sneaky, "a path leaving the folder through .."),
            (root.join("ailleurs/secret.pdf"), "a PDF of another folder"),
            (w.letters.join("notes.txt"), "a file that is not a PDF"),
            (root.join("t.db"), "the database"),
        ] {
            let e = letters_pdf(&folders, &file).expect_err(why);
            assert_eq!(e.code(), "INVALID", "{why}: {e}");
        }
        let e = letters_pdf(&folders, &w.letters.join("absent.pdf")).unwrap_err();
        assert_eq!(e.code(), "NOT_FOUND");
        assert!(e.to_string().contains("introuvable"), "{e}");
        // No folder given: nothing is handed out.
        let e = letters_pdf(&[], &w.letters.join("lot-1.pdf")).unwrap_err();
        assert!(e.to_string().contains("dossier des courriers"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn a_link_out_of_the_letters_folder_is_refused() {
        let w = world();
        let link = w.letters.join("lien.pdf");
        std::os::unix::fs::symlink(w.dir.path().join("ailleurs/secret.pdf"), &link)
            .expect("symlink");
        let e = letters_pdf(std::slice::from_ref(&w.letters), &link).unwrap_err();
        assert_eq!(e.code(), "INVALID", "{e}");
    }

    #[test]
    fn saving_a_copy_copies_and_audits_and_refuses_the_rest() {
        let mut w = world();
        let folders = [w.letters.clone()];
        let clerk = actor(Role::Clerk);
        let src = w.letters.join("lot-1.pdf");
        let out = w.dir.path().join("copie");
        let written = save_pdf_copy(&mut w.db, &clerk, &folders, &src, &out, at()).expect("copied");
        assert_eq!(written, w.dir.path().join("copie.pdf"), ".pdf is added");
        assert_eq!(std::fs::read(&written).unwrap(), b"%PDF-1.7 lot");
        assert_eq!(audit_actions(&w.db), ["letter.save_copy"]);

        let secret = w.dir.path().join("ailleurs/secret.pdf");
        let e = save_pdf_copy(&mut w.db, &clerk, &folders, &secret, &out, at()).unwrap_err();
        let e = refusal(e);
        assert_eq!(e.code(), "INVALID");
        assert!(e.to_string().contains("dossier des courriers"), "{e}");

        let notes = w.letters.join("notes.txt");
        let e = save_pdf_copy(&mut w.db, &clerk, &folders, &src, &notes, at()).unwrap_err();
        assert_eq!(
            refusal(e).code(),
            "INVALID",
            "a letter never replaces a file of another kind"
        );
        assert_eq!(std::fs::read(&notes).unwrap(), b"x");
        // A name without extension (even a dot-file) gets `.pdf`.
        let hidden = w.dir.path().join(".bashrc");
        let written =
            save_pdf_copy(&mut w.db, &clerk, &folders, &src, &hidden, at()).expect("copied");
        assert_eq!(written, w.dir.path().join(".bashrc.pdf"));
        assert!(!hidden.exists());

        let e = save_pdf_copy(&mut w.db, &clerk, &folders, &src, &src, at()).unwrap_err();
        assert!(refusal(e).to_string().contains("lui-même"));
        assert_eq!(
            std::fs::read(&src).unwrap(),
            b"%PDF-1.7 lot",
            "copying a file onto itself would empty it"
        );

        let nowhere = w.dir.path().join("nulle/part/copie.pdf");
        let e = save_pdf_copy(&mut w.db, &clerk, &folders, &src, &nowhere, at()).unwrap_err();
        assert_eq!(refusal(e).code(), "INVALID");
        assert_eq!(
            audit_actions(&w.db),
            ["letter.save_copy", "letter.save_copy"],
            "only what was done is audited"
        );
    }

    #[test]
    fn opening_is_for_clerks_and_audited() {
        let mut w = world();
        let folders = [w.letters.clone()];
        let src = w.letters.join("lot-1.pdf");
        for role in [Role::CounterAgent, Role::Manager, Role::Admin] {
            let e = open_pdf(&mut w.db, &actor(role), &folders, &src, at()).unwrap_err();
            assert_eq!(refusal(e).code(), "FORBIDDEN", "{role:?}");
            let e = save_pdf_copy(
                &mut w.db,
                &actor(role),
                &folders,
                &src,
                &w.dir.path().join("c.pdf"),
                at(),
            )
            .unwrap_err();
            assert_eq!(refusal(e).code(), "FORBIDDEN", "{role:?}");
        }
        let real = open_pdf(&mut w.db, &actor(Role::Clerk), &folders, &src, at()).expect("open");
        assert_eq!(real, src.canonicalize().unwrap());
        assert_eq!(audit_actions(&w.db), ["letter.open"]);
    }
}
