//! Letters (SPEC §6): the registered letters of every approved case printed
//! as one batch with its deposit slip, the batch handed to La Poste, a
//! registered letter reprinted, the *demande de complément* and the rejection
//! letter.
//!
//! Choices:
//! - **Activation codes are kept only as hashes.** The PDFs written to the
//!   output folder for the printer carry the code in clear; the copy of a
//!   registered letter kept in the scans store is drawn a second time with the
//!   code masked, and the combined PDF of a batch (codes in clear) is not
//!   kept. The deposit slip, complement and rejection letters hold no secret
//!   and are kept as printed.
//! - **A case whose address cannot be written to the postal norm is left out
//!   of the batch and reported** ([`PrintedBatch::skipped`], with the norm's
//!   message), and stays `approved`; the other letters are printed. Refusing
//!   the whole batch would hold every applicant back for one bad address.
//!   The clerk corrects the address (`review::correct_field` accepts the
//!   recipient's fields on an approved case) and the next batch takes it.
//! - **A reprinted letter is printed on its own** (its own PDF); the batch's
//!   combined PDF is not drawn again, since the other letters' activation
//!   codes are not kept: the spoilt sheet is replaced by the new one.
//! - **Printing the rejection letter closes the case** (`rejected` →
//!   `closed`): nothing is left to do, and the retention period starts.
//! - **The S10 range is checked before anything is drawn**: unset, or fewer
//!   free numbers than letters to print, is a [`Refusal::Invalid`] and
//!   nothing is stored or written.
//! - **A reprint takes a new S10 number** (the old one stays taken by the
//!   voided letter and is never handed out again) and a new activation code
//!   (the old hash is voided with its letter). The new letter joins the same
//!   batch, whose deposit slip is drawn again with the new number.
//! - **Files** go to the output folder only once every PDF is drawn and every
//!   row written, at the end of the transaction; if the transaction does not
//!   commit, the files written are removed.
//! - A batch's PDFs are drawn from a read snapshot, outside the write
//!   transaction (about 75 ms a letter in a debug build), so that other
//!   workstations are not held up; the transaction then takes the serials
//!   with `next_serial` and checks they are the ones drawn, and refuses the
//!   run (nothing is kept) if another print came in between, or if a case of
//!   the batch was decided otherwise or had its address corrected meanwhile
//!   (its letter would show the old one). A case approved meanwhile simply
//!   waits for the next batch: clerks approving at their desks do not stop
//!   a colleague's print run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use chrono::{NaiveDate, NaiveDateTime};
use parcours_db::letters::{self, LetterKind, LetterRow, NewLetter};
use parcours_db::rusqlite::Connection;
use parcours_db::{cases as case_store, checks as check_store, fields, scans, transitions, Db};
use parcours_domain::address::{self, AddressError, PostalAddress};
use parcours_domain::checks::Severity;
use parcours_domain::form::{FieldValue, FormTemplate};
use parcours_domain::lifecycle::Status;
use parcours_domain::roles::Permission;
use parcours_domain::s10::S10;
use parcours_domain::settings::Settings;
use parcours_domain::Civility;
use parcours_letters::{
    self as pdf, Batch, ComplementLetter, LetterError, LetterLayout, Printable, RegisteredLetter,
    RejectionLetter, Sender, SlipItem,
};
use serde::Serialize;

pub use parcours_letters::{hash_activation_code, Templates};

use crate::cases::{case_id, move_case};
use crate::{audit_log, require, Actor, Refusal};

/// What the copy of a registered letter kept in the scans store shows in
/// place of the activation code.
const MASKED_CODE: &str = "(code non conservé)";

/// One registered letter of a print run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrintedLetter {
    /// The case reference.
    pub reference: String,
    /// The S10 number, compact (`RA123456785FR`).
    pub s10: String,
    /// The letter's PDF in the output folder.
    pub file: PathBuf,
}

/// An approved case left out of a batch, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedCase {
    /// The case reference.
    pub reference: String,
    /// Stable code of the address problem (`POSTCODE`, `MISSING_STREET`…).
    pub code: String,
    /// What is wrong, in French.
    pub message: String,
}

/// A printed batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrintedBatch {
    /// The batch number.
    pub batch: i64,
    /// The deposit slip in the output folder (`bordereau-{batch}.pdf`).
    pub slip: PathBuf,
    /// Every letter then the slip, one PDF for the printer (`lot-{batch}.pdf`).
    pub combined: PathBuf,
    /// The letters, in print order.
    pub letters: Vec<PrintedLetter>,
    /// Approved cases left out because their address does not fit the norm.
    pub skipped: Vec<SkippedCase>,
}

/// A batch handed to La Poste.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DispatchedBatch {
    /// The batch number.
    pub batch: i64,
    /// When.
    pub dispatched_at: NaiveDateTime,
    /// The cases moved to `dispatched`.
    pub letters: Vec<DispatchedLetter>,
}

/// A letter handed to La Poste.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DispatchedLetter {
    /// The case reference.
    pub reference: String,
    /// The S10 number, compact.
    pub s10: String,
}

/// A reprinted registered letter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reprinted {
    /// The new letter.
    pub letter: PrintedLetter,
    /// The S10 number of the voided letter (never reused).
    pub voided_s10: Option<String>,
    /// The batch the letter belongs to.
    pub batch: Option<i64>,
    /// The batch's deposit slip, drawn again with the new number.
    pub slip: Option<PathBuf>,
}

/// A complement request or a rejection letter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrdinaryLetter {
    /// The case reference.
    pub reference: String,
    /// `complement` or `rejection`.
    pub kind: LetterKind,
    /// The PDF in the output folder.
    pub file: PathBuf,
    /// The sentences printed as reasons.
    pub reasons: Vec<String>,
}

fn letter_error(e: LetterError) -> anyhow::Error {
    match e {
        LetterError::Template { .. } | LetterError::Io { .. } => {
            Refusal::Invalid(e.to_string()).into()
        }
        other => anyhow::Error::new(other).context("impression des courriers"),
    }
}

/// The recipient of a case, from its fields.
struct Recipient {
    civility: Option<Civility>,
    address: PostalAddress,
}

impl Recipient {
    fn slip_item(&self, s10: S10, reference: &str) -> SlipItem {
        let last = self.address.last_line();
        let (postcode, city) = last.split_once(' ').unwrap_or((last, ""));
        SlipItem {
            s10,
            recipient: self.address.lines.first().cloned().unwrap_or_default(),
            postcode: postcode.to_string(),
            city: city.to_string(),
            reference: reference.to_string(),
        }
    }
}

fn recipient(c: &Connection, case_id: i64) -> Result<std::result::Result<Recipient, AddressError>> {
    let values: BTreeMap<String, String> = fields::list(c, case_id)?
        .into_iter()
        .filter_map(|f| match f.value {
            Some(FieldValue::Text(t)) if !t.trim().is_empty() => Some((f.key, t)),
            _ => None,
        })
        .collect();
    let get = |k: &str| values.get(k).map(String::as_str);
    let civility = get("civility").and_then(Civility::parse);
    Ok(address::build(
        civility,
        get("first_names").unwrap_or(""),
        get("last_name").unwrap_or(""),
        get("address_complement"),
        get("address_line").unwrap_or(""),
        get("postcode").unwrap_or(""),
        get("city").unwrap_or(""),
    )
    .map(|address| Recipient { civility, address }))
}

fn recipient_or_refuse(c: &Connection, case_id: i64, reference: &str) -> Result<Recipient> {
    recipient(c, case_id)?.map_err(|e| {
        Refusal::Invalid(format!(
            "le dossier {reference} ne peut pas recevoir de courrier : {e}"
        ))
        .into()
    })
}

/// The S10 range of the settings.
struct Range {
    service: String,
    first: u32,
    last: u32,
    country: String,
}

impl Range {
    fn of(s: &Settings) -> std::result::Result<Range, Refusal> {
        match (&s.s10_service, s.s10_first, s.s10_last) {
            (Some(service), Some(first), Some(last)) if first <= last => Ok(Range {
                service: service.clone(),
                first,
                last,
                country: s.s10_country.clone(),
            }),
            (Some(_), Some(first), Some(last)) => Err(Refusal::Invalid(format!(
                "la plage de numéros de recommandé est vide (s10.first = {first} est après s10.last = {last}) : un administrateur doit la corriger"
            ))),
            _ => Err(Refusal::Invalid(
                "la plage de numéros de recommandé n'est pas paramétrée : un administrateur doit renseigner s10.service, s10.first et s10.last (plage attribuée par La Poste) avant toute impression".into(),
            )),
        }
    }

    /// Refuses unless `n` numbers are still free.
    fn ensure_free(&self, c: &Connection, n: usize) -> Result<()> {
        let next = letters::next_serial(c, &self.service, self.first, self.last)?;
        let free = next.map_or(0, |n| u64::from(self.last - n) + 1);
        if (n as u64) > free {
            return Err(Refusal::Invalid(format!(
                "plage de numéros de recommandé {} épuisée : {} lettre(s) à imprimer mais {} numéro(s) libre(s) (jusqu'à {}) ; demandez une nouvelle plage à La Poste et faites-la enregistrer (s10.first, s10.last) — rien n'a été imprimé",
                self.service, n, free, self.last
            ))
            .into());
        }
        Ok(())
    }

    /// Takes the next number (inside the write transaction).
    fn take(&self, c: &Connection) -> Result<S10> {
        let serial =
            letters::next_serial(c, &self.service, self.first, self.last)?.ok_or_else(|| {
                Refusal::Invalid(format!(
                    "plage de numéros de recommandé {} épuisée",
                    self.service
                ))
            })?;
        S10::new(&self.service, serial, &self.country)
            .map_err(|e| Refusal::Invalid(format!("numéro de recommandé impossible : {e}")).into())
    }
}

fn layout(s: &Settings) -> LetterLayout {
    LetterLayout {
        address_x_mm: s.address_x_mm,
        address_y_mm: s.address_y_mm,
    }
}

/// Files to write once everything else is done.
#[derive(Default)]
struct Outbox {
    files: Vec<(PathBuf, Vec<u8>)>,
    written: Vec<PathBuf>,
}

impl Outbox {
    fn add(&mut self, path: PathBuf, bytes: Vec<u8>) -> PathBuf {
        self.files.push((path.clone(), bytes));
        path
    }

    fn flush(&mut self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("création du dossier de sortie {}", dir.display()))?;
        for (path, bytes) in std::mem::take(&mut self.files) {
            std::fs::write(&path, bytes)
                .with_context(|| format!("écriture de {}", path.display()))?;
            self.written.push(path);
        }
        Ok(())
    }

    /// Removes what was written (the transaction did not commit).
    fn undo(&self) {
        for p in &self.written {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Runs `f` in one write transaction; the files it queued are written at its
/// end and removed again if the transaction does not commit.
fn with_outbox<T>(
    db: &mut Db,
    out_dir: &Path,
    f: impl FnOnce(&Connection, &mut Outbox) -> Result<T>,
) -> Result<T> {
    let mut outbox = Outbox::default();
    let result = db.write(|tx| {
        let v = f(tx, &mut outbox)?;
        outbox.flush(out_dir)?;
        Ok::<_, anyhow::Error>(v)
    });
    if result.is_err() {
        outbox.undo();
    }
    result
}

/// What every letter of one operation shares.
struct Press<'a> {
    layout: LetterLayout,
    templates: &'a Templates,
    date: NaiveDate,
    actor: &'a Actor,
    at: NaiveDateTime,
}

/// A registered letter drawn: the PDF for the printer (code in clear) and
/// the copy to keep (code masked).
struct Drawn {
    letter: RegisteredLetter,
    pdf: Vec<u8>,
    kept: Vec<u8>,
}

impl Press<'_> {
    /// Draws a registered letter with a new activation code. No database.
    fn draw(&self, reference: &str, to: &Recipient, s10: S10) -> Result<Drawn> {
        let code = pdf::new_activation_code(&mut rand::thread_rng());
        let letter = RegisteredLetter {
            reference: reference.to_string(),
            s10,
            civility: to.civility,
            address: to.address.clone(),
            date: self.date,
            activation_code: code,
            sender: Sender::default(),
        };
        let printed =
            pdf::registered_letter(&letter, &self.layout, self.templates).map_err(letter_error)?;
        let masked = RegisteredLetter {
            activation_code: MASKED_CODE.to_string(),
            ..letter.clone()
        };
        let kept =
            pdf::registered_letter(&masked, &self.layout, self.templates).map_err(letter_error)?;
        Ok(Drawn {
            letter,
            pdf: printed,
            kept,
        })
    }

    /// Draws many letters, in order, spread over the machine's cores.
    fn draw_all(&self, letters: Vec<(&str, &Recipient, S10)>) -> Result<Vec<Drawn>> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let chunk = letters.len().div_ceil(threads).max(1);
        std::thread::scope(|scope| {
            let workers: Vec<_> = letters
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter()
                            .map(|(reference, to, s10)| self.draw(reference, to, s10.clone()))
                            .collect::<Result<Vec<_>>>()
                    })
                })
                .collect();
            let mut drawn = Vec::with_capacity(letters.len());
            for w in workers {
                drawn.extend(w.join().unwrap_or_else(|p| std::panic::resume_unwind(p))?);
            }
            Ok(drawn)
        })
    }

    /// Records a drawn letter, its masked copy kept as `kept_sha`, with
    /// the hash of its code.
    fn record(
        &self,
        tx: &Connection,
        case_id: i64,
        d: &Drawn,
        kept_sha: &str,
        batch: Option<i64>,
    ) -> Result<()> {
        let compact = d.letter.s10.compact();
        letters::insert(
            tx,
            &NewLetter {
                case_id,
                kind: LetterKind::Registered,
                s10: Some((&compact, &d.letter.s10.service, d.letter.s10.serial)),
                batch_id: batch,
                activation_hash: Some(&pdf::hash_activation_code(&d.letter.activation_code)),
                pdf_sha: Some(kept_sha),
                at: self.at,
                by: &self.actor.name,
            },
        )?;
        Ok(())
    }
}

/// Keeps and records an ordinary letter (complement, rejection).
fn keep_ordinary(
    tx: &Connection,
    scans_dir: &Path,
    case_id: i64,
    kind: LetterKind,
    pdf_bytes: &[u8],
    actor: &Actor,
    at: NaiveDateTime,
) -> Result<()> {
    let sha = scans::store(scans_dir, pdf_bytes, "pdf")?;
    letters::insert(
        tx,
        &NewLetter {
            case_id,
            kind,
            s10: None,
            batch_id: None,
            activation_hash: None,
            pdf_sha: Some(&sha),
            at,
            by: &actor.name,
        },
    )?;
    Ok(())
}

fn letter_file(out_dir: &Path, reference: &str, s10: &str) -> PathBuf {
    out_dir.join(format!("{reference}-{s10}.pdf"))
}

/// What a print run found to print, read before anything is drawn.
struct Plan {
    settings: Settings,
    range: Range,
    todo: Vec<(case_store::CaseRow, Recipient)>,
    skipped: Vec<SkippedCase>,
    /// Every approved case, printable or not (to see that none came or went).
    approved: Vec<i64>,
    first_serial: u32,
    batch: i64,
}

fn plan(c: &Connection) -> Result<Plan> {
    let settings = crate::settings::load(c)?;
    let range = Range::of(&settings)?;
    let mut todo = Vec::new();
    let mut skipped = Vec::new();
    let mut approved = Vec::new();
    for row in case_store::list(c, Some(Status::Approved), usize::MAX >> 1, 0)? {
        approved.push(row.id);
        match recipient(c, row.id)? {
            Ok(r) => todo.push((row, r)),
            Err(e) => skipped.push(SkippedCase {
                reference: row.reference.clone(),
                code: e.code().to_string(),
                message: e.to_string(),
            }),
        }
    }
    if todo.is_empty() {
        let mut msg = "aucun dossier approuvé à imprimer".to_string();
        if !skipped.is_empty() {
            msg.push_str(" : ");
            msg.push_str(
                &skipped
                    .iter()
                    .map(|s| format!("{} ({})", s.reference, s.message))
                    .collect::<Vec<_>>()
                    .join(" ; "),
            );
        }
        return Err(Refusal::Invalid(msg).into());
    }
    range.ensure_free(c, todo.len())?;
    let first_serial = letters::next_serial(c, &range.service, range.first, range.last)?
        .expect("ensure_free checked that numbers are left");
    let batch = letters::next_batch_id(c)?;
    Ok(Plan {
        settings,
        range,
        todo,
        skipped,
        approved,
        first_serial,
        batch,
    })
}

fn raced() -> anyhow::Error {
    Refusal::Invalid(
        "un autre poste a imprimé ou modifié des dossiers pendant la préparation du lot : rien n'a été imprimé, relancez l'impression".into(),
    )
    .into()
}

/// Prints the registered letter of every approved case, as one batch: the
/// next S10 numbers of the range in the settings, a new activation code per
/// letter (only its hash is kept), one PDF per letter, the deposit slip and
/// one combined PDF for the printer in `out_dir`; every case moves to
/// `letter_printed`. Clerks only.
///
/// The PDFs are drawn from a read snapshot, before the write transaction,
/// so that other workstations are not held up while they are drawn; the
/// transaction then takes the numbers and records everything at once, and
/// refuses if another print run or a decision came in between.
pub fn print_batch(
    db: &mut Db,
    actor: &Actor,
    out_dir: &Path,
    templates: &Templates,
    today: NaiveDate,
    at: NaiveDateTime,
) -> Result<PrintedBatch> {
    require(actor, Permission::PrintLetters, "imprimer les courriers")?;
    let scans_dir = db.scans_dir();
    let plan = db.read(plan)?;
    let press = Press {
        layout: layout(&plan.settings),
        templates,
        date: today,
        actor,
        at,
    };
    let batch = plan.batch;

    // Draw everything, outside the write transaction, on every core.
    let mut numbered = Vec::with_capacity(plan.todo.len());
    let mut items = Vec::with_capacity(plan.todo.len());
    for (i, (row, to)) in plan.todo.iter().enumerate() {
        let serial = plan.first_serial + i as u32;
        let s10 = S10::new(&plan.range.service, serial, &plan.range.country)
            .map_err(|e| Refusal::Invalid(format!("numéro de recommandé impossible : {e}")))?;
        items.push(to.slip_item(s10.clone(), &row.reference));
        numbered.push((row.reference.as_str(), to, s10));
    }
    let drawn = press.draw_all(numbered)?;
    let slip = Batch {
        id: batch.to_string(),
        date: today,
        sender: Sender::default(),
        items,
    };
    let slip_pdf = pdf::deposit_slip(&slip).map_err(letter_error)?;
    let mut docs: Vec<Printable> = drawn
        .iter()
        .map(|d| Printable::Registered(&d.letter))
        .collect();
    docs.push(Printable::DepositSlip(&slip));
    let combined = pdf::combine(&docs, &press.layout, templates).map_err(letter_error)?;
    drop(docs);

    with_outbox(db, out_dir, |tx, outbox| {
        // The cases of the snapshot are still approved, each letter still
        // shows its case's address, the numbers are still free. A case
        // approved since waits for the next batch.
        let now: std::collections::BTreeSet<i64> =
            case_store::list(tx, Some(Status::Approved), usize::MAX >> 1, 0)?
                .into_iter()
                .map(|r| r.id)
                .collect();
        if plan.approved.iter().any(|id| !now.contains(id)) {
            return Err(raced());
        }
        for (row, drawn_for) in &plan.todo {
            match recipient(tx, row.id)? {
                Ok(to) if to.civility == drawn_for.civility && to.address == drawn_for.address => {}
                _ => return Err(raced()),
            }
        }
        if letters::create_batch(tx, &actor.name, at)? != batch {
            return Err(raced());
        }
        let kept = scans::store_many(&scans_dir, drawn.iter().map(|d| (&d.kept[..], "pdf")))?;
        let mut printed = Vec::with_capacity(drawn.len());
        for (((row, _), d), kept_sha) in plan.todo.iter().zip(drawn).zip(kept) {
            // A case approved again after a return: its old letter stops working.
            if let Some(old) = letters::current_registered(tx, row.id)? {
                letters::void(tx, old.id, &actor.name, at)?;
            }
            if plan.range.take(tx)? != d.letter.s10 {
                return Err(raced());
            }
            press.record(tx, row.id, &d, &kept_sha, Some(batch))?;
            let compact = d.letter.s10.compact();
            move_case(
                tx,
                row.id,
                Status::Approved,
                Status::LetterPrinted,
                actor,
                at,
                &format!("lettre recommandée {compact}, lot {batch}"),
            )?;
            audit_log(
                tx,
                at,
                actor,
                "letter.print",
                Some(row.id),
                serde_json::json!({"batch": batch, "s10": compact}),
            )?;
            let file = outbox.add(letter_file(out_dir, &row.reference, &compact), d.pdf);
            printed.push(PrintedLetter {
                reference: row.reference.clone(),
                s10: compact,
                file,
            });
        }
        let slip_sha = scans::store(&scans_dir, &slip_pdf, "pdf")?;
        letters::set_batch_files(tx, batch, &slip_sha, None)?;
        for s in &plan.skipped {
            let id = case_id(tx, &s.reference)?;
            // The code only: the message may quote the address.
            audit_log(
                tx,
                at,
                actor,
                "letter.skip",
                Some(id),
                serde_json::json!({"batch": batch, "code": s.code}),
            )?;
        }
        audit_log(
            tx,
            at,
            actor,
            "letters.batch",
            None,
            serde_json::json!({
                "batch": batch,
                "letters": printed.len(),
                "skipped": plan.skipped.len(),
                "first_s10": printed.first().map(|p| &p.s10),
                "last_s10": printed.last().map(|p| &p.s10),
            }),
        )?;
        let slip_file = outbox.add(out_dir.join(format!("bordereau-{batch}.pdf")), slip_pdf);
        let combined_file = outbox.add(out_dir.join(format!("lot-{batch}.pdf")), combined);
        Ok(PrintedBatch {
            batch,
            slip: slip_file,
            combined: combined_file,
            letters: printed,
            skipped: plan.skipped.clone(),
        })
    })
}

fn current_in_batch(c: &Connection, batch: i64) -> Result<Vec<LetterRow>> {
    Ok(letters::in_batch(c, batch)?
        .into_iter()
        .filter(|l| l.kind == LetterKind::Registered && l.voided_at.is_none())
        .collect())
}

/// Records that batch `batch` was handed to La Poste: every case of its
/// current letters moves from `letter_printed` to `dispatched`. A batch is
/// dispatched once. Clerks only.
pub fn dispatch_batch(
    db: &mut Db,
    actor: &Actor,
    batch: i64,
    at: NaiveDateTime,
) -> Result<DispatchedBatch> {
    require(
        actor,
        Permission::PrintLetters,
        "remettre un lot à La Poste",
    )?;
    db.write(|tx| {
        let row = letters::batch(tx, batch)?
            .ok_or_else(|| Refusal::NotFound(format!("aucun lot n° {batch}")))?;
        if let Some(when) = row.dispatched_at {
            return Err(Refusal::Invalid(format!(
                "le lot n° {batch} a déjà été remis à La Poste le {} : rien n'a été modifié",
                when.format("%d/%m/%Y à %H:%M")
            ))
            .into());
        }
        let mut out = Vec::new();
        for l in current_in_batch(tx, batch)? {
            let case = case_store::require(tx, l.case_id)?;
            if case.status != Status::LetterPrinted {
                return Err(Refusal::Invalid(format!(
                    "le dossier {} du lot n° {batch} est « {} » et non « {} » : rien n'a été modifié",
                    case.reference,
                    case.status.label_fr(),
                    Status::LetterPrinted.label_fr()
                ))
                .into());
            }
            let s10 = l.s10.clone().unwrap_or_default();
            move_case(
                tx,
                case.id,
                Status::LetterPrinted,
                Status::Dispatched,
                actor,
                at,
                &format!("remis à La Poste, lot {batch}"),
            )?;
            audit_log(
                tx,
                at,
                actor,
                "letter.dispatch",
                Some(case.id),
                serde_json::json!({"batch": batch, "s10": s10}),
            )?;
            out.push(DispatchedLetter {
                reference: case.reference,
                s10,
            });
        }
        letters::set_dispatched(tx, batch, &actor.name, at)?;
        audit_log(
            tx,
            at,
            actor,
            "letters.dispatch",
            None,
            serde_json::json!({"batch": batch, "letters": out.len()}),
        )?;
        Ok(DispatchedBatch {
            batch,
            dispatched_at: at,
            letters: out,
        })
    })
}

/// Reprints the registered letter of a case printed but not yet handed to
/// La Poste (lost, spoilt): the current letter is voided with its activation
/// code, a new letter with a new S10 number and a new code is drawn into
/// `out_dir`, and the batch's deposit slip is drawn again. Clerks only.
pub fn reprint(
    db: &mut Db,
    actor: &Actor,
    reference: &str,
    out_dir: &Path,
    templates: &Templates,
    today: NaiveDate,
    at: NaiveDateTime,
) -> Result<Reprinted> {
    require(actor, Permission::PrintLetters, "réimprimer un courrier")?;
    let scans_dir = db.scans_dir();
    with_outbox(db, out_dir, |tx, outbox| {
        let id = case_id(tx, reference)?;
        let case = case_store::require(tx, id)?;
        if case.status != Status::LetterPrinted {
            return Err(Refusal::Invalid(format!(
                "le dossier {} est « {} » : seule une lettre imprimée et pas encore remise à La Poste se réimprime",
                case.reference,
                case.status.label_fr()
            ))
            .into());
        }
        let old = letters::current_registered(tx, id)?.ok_or_else(|| {
            Refusal::Invalid(format!(
                "le dossier {} n'a pas de lettre recommandée en cours",
                case.reference
            ))
        })?;
        let settings = crate::settings::load(tx)?;
        let range = Range::of(&settings)?;
        range.ensure_free(tx, 1)?;
        let layout = layout(&settings);
        let to = recipient_or_refuse(tx, id, &case.reference)?;
        letters::void(tx, old.id, &actor.name, at)?;
        let s10 = range.take(tx)?;
        let press = Press {
            layout,
            templates,
            date: today,
            actor,
            at,
        };
        let d = press.draw(&case.reference, &to, s10)?;
        let kept_sha = scans::store(&scans_dir, &d.kept, "pdf")?;
        press.record(tx, id, &d, &kept_sha, old.batch_id)?;
        let compact = d.letter.s10.compact();
        let file = outbox.add(letter_file(out_dir, &case.reference, &compact), d.pdf);

        let mut slip = None;
        if let Some(batch) = old.batch_id {
            let mut items = Vec::new();
            for l in current_in_batch(tx, batch)? {
                let c = case_store::require(tx, l.case_id)?;
                let s10 = S10::parse(l.s10.as_deref().unwrap_or_default())
                    .with_context(|| format!("numéro de recommandé du dossier {}", c.reference))?;
                items.push(
                    recipient_or_refuse(tx, c.id, &c.reference)?.slip_item(s10, &c.reference),
                );
            }
            let b = Batch {
                id: batch.to_string(),
                date: today,
                sender: Sender::default(),
                items,
            };
            let slip_pdf = pdf::deposit_slip(&b).map_err(letter_error)?;
            let sha = scans::store(&scans_dir, &slip_pdf, "pdf")?;
            letters::set_batch_files(tx, batch, &sha, None)?;
            slip = Some(outbox.add(out_dir.join(format!("bordereau-{batch}.pdf")), slip_pdf));
        }
        audit_log(
            tx,
            at,
            actor,
            "letter.reprint",
            Some(id),
            serde_json::json!({"batch": old.batch_id, "voided_s10": old.s10, "s10": compact}),
        )?;
        Ok(Reprinted {
            letter: PrintedLetter {
                reference: case.reference,
                s10: compact,
                file,
            },
            voided_s10: old.s10,
            batch: old.batch_id,
            slip,
        })
    })
}

fn ordinary_file(out_dir: &Path, reference: &str, kind: LetterKind) -> PathBuf {
    let suffix = match kind {
        LetterKind::Complement => "complement",
        LetterKind::Rejection => "rejet",
        LetterKind::Registered => "recommande",
    };
    out_dir.join(format!("{reference}-{suffix}.pdf"))
}

/// The *demande de complément* of a case in `incomplete`: one French sentence
/// per blocking check still open, then the reason the clerk gave when asking
/// for the complement (if any). An ordinary letter, recorded; the status does
/// not change. Clerks only.
pub fn complement_letter(
    db: &mut Db,
    actor: &Actor,
    reference: &str,
    out_dir: &Path,
    templates: &Templates,
    today: NaiveDate,
    at: NaiveDateTime,
) -> Result<OrdinaryLetter> {
    require(actor, Permission::PrintLetters, "imprimer les courriers")?;
    let scans_dir = db.scans_dir();
    let form = FormTemplate::default_v1();
    with_outbox(db, out_dir, |tx, outbox| {
        let id = case_id(tx, reference)?;
        let case = case_store::require(tx, id)?;
        if case.status != Status::Incomplete {
            return Err(Refusal::Invalid(format!(
                "le dossier {} est « {} » : une demande de complément ne s'imprime que pour un dossier « {} »",
                case.reference,
                case.status.label_fr(),
                Status::Incomplete.label_fr()
            ))
            .into());
        }
        let mut reasons: Vec<String> = Vec::new();
        for c in check_store::list(tx, id)? {
            if c.check.severity == Severity::Blocking && !c.is_overridden() {
                let s = c.check.sentence_fr(&form);
                if !reasons.contains(&s) {
                    reasons.push(s);
                }
            }
        }
        if let Some(why) = last_reason(tx, id, Status::Incomplete)? {
            reasons.push(why);
        }
        if reasons.is_empty() {
            return Err(Refusal::Invalid(format!(
                "le dossier {} n'a ni point bloquant ni motif de complément : rien à demander",
                case.reference
            ))
            .into());
        }
        let to = recipient_or_refuse(tx, id, &case.reference)?;
        let settings = crate::settings::load(tx)?;
        let letter = ComplementLetter {
            reference: case.reference.clone(),
            civility: to.civility,
            address: to.address,
            date: today,
            reasons: reasons.clone(),
            sender: Sender::default(),
        };
        let bytes =
            pdf::complement_letter(&letter, &layout(&settings), templates).map_err(letter_error)?;
        keep_ordinary(
            tx,
            &scans_dir,
            id,
            LetterKind::Complement,
            &bytes,
            actor,
            at,
        )?;
        let file = outbox.add(
            ordinary_file(out_dir, &case.reference, LetterKind::Complement),
            bytes,
        );
        audit_log(
            tx,
            at,
            actor,
            "letter.complement",
            Some(id),
            serde_json::json!({"reasons": reasons.len()}),
        )?;
        Ok(OrdinaryLetter {
            reference: case.reference,
            kind: LetterKind::Complement,
            file,
            reasons,
        })
    })
}

/// The reason of the last transition of the case into `to`, if not blank.
fn last_reason(c: &Connection, case_id: i64, to: Status) -> Result<Option<String>> {
    Ok(transitions::list(c, case_id)?
        .into_iter()
        .rev()
        .find(|t| t.to == to)
        .map(|t| t.reason.trim().to_string())
        .filter(|r| !r.is_empty()))
}

/// The rejection letter of a `rejected` case, with the reason recorded at
/// the decision. An ordinary letter, recorded; the case is then closed.
/// Clerks only.
pub fn rejection_letter(
    db: &mut Db,
    actor: &Actor,
    reference: &str,
    out_dir: &Path,
    templates: &Templates,
    today: NaiveDate,
    at: NaiveDateTime,
) -> Result<OrdinaryLetter> {
    require(actor, Permission::PrintLetters, "imprimer les courriers")?;
    let scans_dir = db.scans_dir();
    with_outbox(db, out_dir, |tx, outbox| {
        let id = case_id(tx, reference)?;
        let case = case_store::require(tx, id)?;
        if case.status != Status::Rejected {
            return Err(Refusal::Invalid(format!(
                "le dossier {} est « {} » : une lettre de rejet ne s'imprime que pour un dossier « {} »",
                case.reference,
                case.status.label_fr(),
                Status::Rejected.label_fr()
            ))
            .into());
        }
        let reason = last_reason(tx, id, Status::Rejected)?.ok_or_else(|| {
            Refusal::Invalid(format!(
                "le rejet du dossier {} n'a pas de motif : il ne peut pas être écrit à l'usager",
                case.reference
            ))
        })?;
        let to = recipient_or_refuse(tx, id, &case.reference)?;
        let settings = crate::settings::load(tx)?;
        let letter = RejectionLetter {
            reference: case.reference.clone(),
            civility: to.civility,
            address: to.address,
            date: today,
            reason: reason.clone(),
            sender: Sender::default(),
        };
        let bytes =
            pdf::rejection_letter(&letter, &layout(&settings), templates).map_err(letter_error)?;
        keep_ordinary(tx, &scans_dir, id, LetterKind::Rejection, &bytes, actor, at)?;
        move_case(
            tx,
            id,
            Status::Rejected,
            Status::Closed,
            actor,
            at,
            "lettre de rejet imprimée",
        )?;
        let file = outbox.add(
            ordinary_file(out_dir, &case.reference, LetterKind::Rejection),
            bytes,
        );
        audit_log(
            tx,
            at,
            actor,
            "letter.rejection",
            Some(id),
            serde_json::json!({}),
        )?;
        Ok(OrdinaryLetter {
            reference: case.reference,
            kind: LetterKind::Rejection,
            file,
            reasons: vec![reason],
        })
    })
}
