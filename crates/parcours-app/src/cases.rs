//! Cases: recording what intake read, listing, opening a case.

use std::collections::BTreeMap;

use anyhow::Result;
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use parcours_db::rusqlite::Connection;
use parcours_db::{cases, checks as check_store, fields, pages, transitions, Db};
use parcours_domain::checks::{check_case, CaseReading, Check, CheckContext, IdDocument, SsnProof};
use parcours_domain::form::{FieldValue, FormTemplate};
use parcours_domain::lifecycle::{self, Status};
use parcours_domain::roles::Permission;
use serde::Serialize;

use crate::{audit_log, require, Actor, Refusal};

/// A page as stored with a case.
pub use parcours_db::pages::PageRow;

/// A field value with its confidence, as in SPEC §9.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldOut {
    /// Normalised value.
    pub value: FieldValue,
    /// Confidence 0–1.
    pub confidence: f32,
}

/// A page as in SPEC §9.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PageOut {
    /// 1-based position in the envelope.
    pub index: i64,
    /// Page kind.
    pub kind: parcours_domain::PageKind,
    /// Rotation applied to read it (0, 90, 180, 270).
    pub rotation: i64,
}

/// A case as printed by `parcours intake --json` and `parcours case show --json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseView {
    /// Internal identifier.
    pub case_id: String,
    /// Reference printed on letters (`PA-2026-000123`).
    pub reference: String,
    /// Status.
    pub status: Status,
    /// Receipt date.
    pub received: NaiveDate,
    /// Pages in envelope order.
    pub pages: Vec<PageOut>,
    /// Every field of the form (`null` when empty).
    pub fields: BTreeMap<String, Option<FieldOut>>,
    /// The identity document read, if any.
    pub id_document: Option<IdDocument>,
    /// The social-security proof read, if any.
    pub ssn_proof: Option<SsnProof>,
    /// The checks raised.
    pub checks: Vec<Check>,
}

/// One line of a case list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseSummary {
    /// Reference.
    pub reference: String,
    /// Status.
    pub status: Status,
    /// Receipt date.
    pub received: NaiveDate,
    /// Usage name.
    pub last_name: Option<String>,
    /// Given names.
    pub first_names: Option<String>,
    /// Number of blocking checks not overridden.
    pub blocking: i64,
}

/// What intake stores: the reading, its pages, and the receipt date.
pub struct NewIntake<'a> {
    /// The reading of the envelope.
    pub reading: &'a CaseReading,
    /// The pages, already stored on disk (content-addressed).
    pub pages: &'a [PageRow],
    /// Crops of fields: key → (sha256 of the PNG crop, page index).
    pub crops: &'a BTreeMap<String, (String, i64)>,
    /// Receipt date.
    pub received: NaiveDate,
}

/// Stores a new case from what intake read, runs every check, and moves it
/// to `in_review` — one transaction. Returns the case as SPEC §9 prints it.
pub fn record_intake(
    db: &mut Db,
    actor: &Actor,
    form: &FormTemplate,
    new: NewIntake,
    at: NaiveDateTime,
) -> Result<CaseView> {
    require(actor, Permission::Intake, "enregistrer un dossier")?;
    let id = db.write(|tx| {
        let settings = crate::settings::load(tx)?;
        let others = cases::open_nirs_except(tx, None)?;
        let ctx = CheckContext {
            received: new.received,
            confidence_threshold: settings.confidence_threshold,
            other_open_nirs: &others,
        };
        let found = check_case(form, new.reading, &ctx);
        let reference = cases::next_reference(tx, new.received.year())?;
        let r = new.reading;
        let id = cases::insert(
            tx,
            &cases::NewCase {
                reference,
                status: Status::Received,
                received: new.received,
                at,
                nir: r.text("nir").map(str::to_string),
                last_name: r.text("last_name").map(str::to_string),
                first_names: r.text("first_names").map(str::to_string),
                birth_date: r.text("birth_date").map(str::to_string),
                postcode: r.text("postcode").map(str::to_string),
                city: r.text("city").map(str::to_string),
                id_document: r.id_document.clone(),
                ssn_proof: r.ssn_proof.clone(),
            },
        )?;
        for p in new.pages {
            pages::insert(tx, id, p)?;
        }
        for f in &form.fields {
            let read = r.fields.get(&f.key);
            let crop = new.crops.get(&f.key);
            fields::upsert(
                tx,
                id,
                &fields::FieldRow {
                    key: f.key.clone(),
                    value: read.and_then(|x| x.value.clone()),
                    confidence: read.map_or(0.0, |x| x.confidence),
                    crop_sha: crop.map(|c| c.0.clone()),
                    page_idx: crop.map(|c| c.1),
                    corrected_by: None,
                    corrected_at: None,
                },
            )?;
        }
        cases::set_proofs(tx, id, &proofs_json(r))?;
        check_store::replace(tx, id, &found)?;
        move_case(
            tx,
            id,
            Status::Received,
            Status::InReview,
            actor,
            at,
            "lecture automatique",
        )?;
        audit_log(
            tx,
            at,
            actor,
            "case.intake",
            Some(id),
            serde_json::json!({"pages": new.pages.len(), "checks": found.len()}),
        )?;
        Ok::<_, anyhow::Error>(id)
    })?;
    db.read(|c| view(c, id))
}

fn proofs_json(r: &CaseReading) -> serde_json::Value {
    serde_json::json!({
        "id_proof_pages": r.id_proof_pages,
        "ssn_proof_pages": r.ssn_proof_pages,
        "proofs_not_separate": r.proofs_not_separate,
    })
}

/// Rebuilds the reading of a stored case (fields as corrected, proofs as
/// found at intake), to run the checks again.
pub(crate) fn reading_of(c: &Connection, id: i64) -> Result<CaseReading> {
    let row = cases::require(c, id)?;
    let proofs = cases::proofs(c, id)?.unwrap_or_default();
    let count = |k: &str| {
        proofs
            .get(k)
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0) as usize
    };
    Ok(CaseReading {
        fields: fields::list(c, id)?
            .into_iter()
            .map(|f| {
                let read = parcours_domain::checks::FieldReading {
                    value: f.value,
                    confidence: f.confidence,
                };
                (f.key, read)
            })
            .collect(),
        id_proof_pages: count("id_proof_pages"),
        ssn_proof_pages: count("ssn_proof_pages"),
        proofs_not_separate: proofs
            .get("proofs_not_separate")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false),
        id_document: row.id_document,
        ssn_proof: row.ssn_proof,
    })
}

/// The id of the case with this reference.
pub(crate) fn case_id(c: &Connection, reference: &str) -> Result<i64> {
    let r = reference.trim().to_uppercase();
    cases::by_reference(c, &r)?
        .map(|row| row.id)
        .ok_or_else(|| Refusal::NotFound(format!("aucun dossier de référence « {r} »")).into())
}

/// Applies a lifecycle transition and records it.
pub(crate) fn move_case(
    tx: &Connection,
    case_id: i64,
    from: Status,
    to: Status,
    actor: &Actor,
    at: NaiveDateTime,
    reason: &str,
) -> Result<()> {
    let t = lifecycle::transition(from, to, &actor.name, at, reason)
        .map_err(|e| Refusal::Invalid(e.to_string()))?;
    cases::set_status(tx, case_id, to, at)?;
    transitions::record(tx, case_id, &t)?;
    Ok(())
}

/// Builds the SPEC §9 view of a stored case.
pub(crate) fn view(c: &Connection, id: i64) -> Result<CaseView> {
    let row = cases::require(c, id)?;
    let fields = fields::list(c, id)?
        .into_iter()
        .map(|f| {
            let out = f.value.map(|value| FieldOut {
                value,
                confidence: f.confidence,
            });
            (f.key, out)
        })
        .collect();
    Ok(CaseView {
        case_id: row.id.to_string(),
        reference: row.reference,
        status: row.status,
        received: row.received,
        pages: pages::list(c, id)?
            .into_iter()
            .map(|p| PageOut {
                index: p.idx,
                kind: p.kind,
                rotation: p.rotation,
            })
            .collect(),
        fields,
        id_document: row.id_document,
        ssn_proof: row.ssn_proof,
        checks: check_store::list(c, id)?
            .into_iter()
            .map(|r| r.check)
            .collect(),
    })
}

/// Lists cases, optionally of one status (roles that read cases). Audited:
/// the list shows names.
pub fn list(
    db: &mut Db,
    actor: &Actor,
    status: Option<Status>,
    at: NaiveDateTime,
) -> Result<Vec<CaseSummary>> {
    require(actor, Permission::ReadCase, "consulter les dossiers")?;
    db.write(|tx| {
        let rows = cases::list(tx, status, usize::MAX >> 1, 0)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let blocking = check_store::list(tx, row.id)?
                .iter()
                .filter(|c| {
                    c.check.severity == parcours_domain::checks::Severity::Blocking
                        && c.overridden_by.is_none()
                })
                .count() as i64;
            out.push(CaseSummary {
                reference: row.reference,
                status: row.status,
                received: row.received,
                last_name: row.last_name,
                first_names: row.first_names,
                blocking,
            });
        }
        audit_log(
            tx,
            at,
            actor,
            "case.list",
            None,
            serde_json::json!({"status": status.map(|s| s.as_str()), "count": out.len()}),
        )?;
        Ok(out)
    })
}

/// Opens a whole case (roles that read cases). Audited.
pub fn show(db: &mut Db, actor: &Actor, reference: &str, at: NaiveDateTime) -> Result<CaseView> {
    require(actor, Permission::ReadCase, "consulter les dossiers")?;
    db.write(|tx| {
        let id = case_id(tx, reference)?;
        audit_log(tx, at, actor, "case.open", Some(id), serde_json::json!({}))?;
        view(tx, id)
    })
}

/// A page of a work queue, with the count of every status.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CasePage {
    /// Cases matching the filter.
    pub total: i64,
    /// Position of the first item in the filtered list.
    pub offset: usize,
    /// At most `limit` cases, by receipt date then id.
    pub items: Vec<CaseSummary>,
    /// Every status, in lifecycle order, with its number of cases (all cases).
    pub counts: Vec<(Status, i64)>,
}

/// A page of cases, optionally of one status, with the count of every
/// status (roles that read cases). Whatever the number of cases, it reads
/// `limit` lines and the per-status counts kept by the database, so work
/// queues stay fast with 100 000 cases. Audited like [`list`].
pub fn page(
    db: &mut Db,
    actor: &Actor,
    status: Option<Status>,
    offset: usize,
    limit: usize,
    at: NaiveDateTime,
) -> Result<CasePage> {
    require(actor, Permission::ReadCase, "consulter les dossiers")?;
    db.write(|tx| {
        let counts = parcours_db::reports::status_counts(tx)?;
        let total = match status {
            Some(s) => counts.iter().find(|(x, _)| *x == s).map_or(0, |(_, n)| *n),
            None => counts.iter().map(|(_, n)| n).sum(),
        };
        let items: Vec<CaseSummary> = cases::list_lines(tx, status, limit, offset)?
            .into_iter()
            .map(|l| CaseSummary {
                reference: l.reference,
                status: l.status,
                received: l.received,
                last_name: l.last_name,
                first_names: l.first_names,
                blocking: l.blocking,
            })
            .collect();
        audit_log(
            tx,
            at,
            actor,
            "case.list",
            None,
            serde_json::json!({
                "status": status.map(|s| s.as_str()),
                "offset": offset,
                "count": items.len(),
            }),
        )?;
        Ok(CasePage {
            total,
            offset,
            items,
            counts,
        })
    })
}

/// The image of one page of a case, as scanned (turn it by `rotation` to
/// read it upright).
#[derive(Debug, Clone, PartialEq)]
pub struct PageImage {
    /// 1-based position in the envelope.
    pub index: i64,
    /// Page kind.
    pub kind: parcours_domain::PageKind,
    /// Clockwise rotation that makes it upright (0, 90, 180, 270).
    pub rotation: i64,
    /// File extension of the image (`jpg`, `png`).
    pub ext: String,
    /// Width in pixels.
    pub width: i64,
    /// Height in pixels.
    pub height: i64,
    /// The image file's bytes.
    pub bytes: Vec<u8>,
}

/// The crop of the scan a field was read from.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldCrop {
    /// Field key.
    pub key: String,
    /// Page it was cut from.
    pub page_index: Option<i64>,
    /// PNG bytes (upright).
    pub png: Vec<u8>,
}

/// One page image of a case (roles that read cases), for the review
/// screen. Read-only: opening the case ([`show`]) is what the audit records.
pub fn page_image(db: &Db, actor: &Actor, reference: &str, index: i64) -> Result<PageImage> {
    require(actor, Permission::ReadCase, "consulter les dossiers")?;
    let page = db.read(|c| {
        let id = case_id(c, reference)?;
        pages::list(c, id)?
            .into_iter()
            .find(|p| p.idx == index)
            .ok_or_else(|| {
                anyhow::Error::from(Refusal::NotFound(format!(
                    "le dossier {reference} n'a pas de page {index}"
                )))
            })
    })?;
    let bytes = parcours_db::scans::load(&db.scans_dir(), &page.sha256, &page.ext)?;
    Ok(PageImage {
        index: page.idx,
        kind: page.kind,
        rotation: page.rotation,
        ext: page.ext,
        width: page.width,
        height: page.height,
        bytes,
    })
}

/// Largest size of a page thumbnail, in pixels: 160 wide, an A4 page's
/// height at that width. The review screen shows them 112 px high.
pub const THUMBNAIL_BOX: (u32, u32) = (160, 227);

/// A small JPEG of one page of a case (at most [`THUMBNAIL_BOX`], same
/// aspect ratio, not turned: `rotation` applies as to [`page_image`]), for
/// the review screen's strip of pages; the full page is loaded with
/// [`page_image`] only when the clerk opens it. `width` and `height` are the
/// thumbnail's. Same role and, like [`page_image`], read-only.
pub fn page_thumbnail(db: &Db, actor: &Actor, reference: &str, index: i64) -> Result<PageImage> {
    use anyhow::Context as _;
    let full = page_image(db, actor, reference, index)?;
    let img = image::load_from_memory(&full.bytes)
        .with_context(|| format!("decoding page {index} of {reference}"))?;
    let (w, h) = THUMBNAIL_BOX;
    let small = if img.width() > w || img.height() > h {
        img.thumbnail(w, h)
    } else {
        img
    };
    // JPEG holds grey or RGB: anything else (alpha, 16 bits) is made RGB.
    let small = match small.color() {
        image::ColorType::L8 | image::ColorType::Rgb8 => small,
        _ => image::DynamicImage::ImageRgb8(small.to_rgb8()),
    };
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 80)
        .encode_image(&small)
        .with_context(|| format!("encoding the thumbnail of page {index} of {reference}"))?;
    Ok(PageImage {
        index: full.index,
        kind: full.kind,
        rotation: full.rotation,
        ext: "jpg".into(),
        width: i64::from(small.width()),
        height: i64::from(small.height()),
        bytes,
    })
}

/// The crops of every field read from a form page (roles that read cases),
/// in the form's order, for the review screen. A crop whose file is missing
/// (purged) is left out. Read-only, like [`page_image`].
pub fn field_crops(db: &Db, actor: &Actor, reference: &str) -> Result<Vec<FieldCrop>> {
    require(actor, Permission::ReadCase, "consulter les dossiers")?;
    let rows = db.read(|c| {
        let id = case_id(c, reference)?;
        Ok::<_, anyhow::Error>(fields::list(c, id)?)
    })?;
    let dir = db.scans_dir();
    Ok(rows
        .into_iter()
        .filter_map(|f| {
            let sha = f.crop_sha?;
            let png = parcours_db::scans::load(&dir, &sha, "png").ok()?;
            Some(FieldCrop {
                key: f.key,
                page_index: f.page_idx,
                png,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use parcours_domain::checks::FieldReading;
    use parcours_domain::roles::Role;

    fn at() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 3, 2)
            .and_then(|d| d.and_hms_opt(9, 0, 0))
            .expect("date")
    }

    fn actor(role: Role) -> Actor {
        Actor {
            name: "agent".into(),
            role,
        }
    }

    /// `n` cases, received over a few days, some without a name (more
    /// blocking checks), the odd ones approved.
    fn world(n: usize) -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut db = crate::open(&dir.path().join("t.db")).expect("open");
        let form = FormTemplate::default_v1();
        let clerk = actor(Role::Clerk);
        for i in 0..n {
            let mut reading = CaseReading::default();
            if i % 3 != 0 {
                reading.fields.insert(
                    "last_name".into(),
                    FieldReading {
                        value: Some(FieldValue::Text(format!("NOM{i}"))),
                        confidence: 0.9,
                    },
                );
            }
            let received = NaiveDate::from_ymd_opt(2026, 3, 1 + (i % 4) as u32).expect("date");
            let v = record_intake(
                &mut db,
                &clerk,
                &form,
                NewIntake {
                    reading: &reading,
                    pages: &[],
                    crops: &BTreeMap::new(),
                    received,
                },
                at(),
            )
            .expect("intake");
            if i % 2 == 1 {
                crate::review::decide(
                    &mut db,
                    &clerk,
                    &v.reference,
                    crate::review::Decision::Approve,
                    Some("vu"),
                    at(),
                )
                .expect("approve");
            }
        }
        (dir, db)
    }

    #[test]
    fn a_page_is_the_same_slice_as_the_whole_list_with_counts() {
        let (_d, mut db) = world(9);
        let manager = actor(Role::Manager);
        let all = list(&mut db, &manager, None, at()).expect("list");
        let p = page(&mut db, &manager, None, 0, 100, at()).expect("page");
        assert_eq!(p.items, all, "one query gives what the audited list gives");
        assert_eq!(p.total, 9);
        assert_eq!(p.counts.len(), 11, "every status, zeros included");
        assert_eq!(p.counts.iter().map(|(_, n)| n).sum::<i64>(), 9);
        let approved: Vec<_> = all
            .iter()
            .filter(|c| c.status == Status::Approved)
            .cloned()
            .collect();
        let p = page(&mut db, &manager, Some(Status::Approved), 1, 2, at()).expect("page");
        assert_eq!(p.total, approved.len() as i64);
        assert_eq!(p.offset, 1);
        assert_eq!(
            p.items,
            approved[1..3].to_vec(),
            "offset and limit cut the filtered list"
        );
        let p = page(&mut db, &manager, None, 50, 10, at()).expect("page");
        assert!(
            p.items.is_empty(),
            "past the end: an empty page, not an error"
        );
        assert_eq!(p.total, 9);
        assert!(
            all.iter().any(|c| c.blocking > 0)
                && all
                    .iter()
                    .any(|c| c.status == Status::Approved && c.blocking == 0),
            "blocking checks are counted, overridden ones are not"
        );
    }

    /// A case whose one page is a stored `w`×`h` PNG scan.
    fn case_with_page(w: u32, h: u32) -> (tempfile::TempDir, Db, String) {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut db = crate::open(&dir.path().join("t.db")).expect("open");
        let scan = image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 200])
        });
        let mut png = Vec::new();
        image::DynamicImage::ImageRgb8(scan)
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .expect("png");
        let sha = parcours_db::scans::store(&db.scans_dir(), &png, "png").expect("store");
        let page = PageRow {
            idx: 1,
            kind: parcours_domain::PageKind::FormPage1,
            rotation: 90,
            sha256: sha,
            ext: "png".into(),
            source_file: "env.png".into(),
            source_page: 1,
            width: i64::from(w),
            height: i64::from(h),
        };
        let v = record_intake(
            &mut db,
            &actor(Role::Clerk),
            &FormTemplate::default_v1(),
            NewIntake {
                reading: &CaseReading::default(),
                pages: &[page],
                crops: &BTreeMap::new(),
                received: NaiveDate::from_ymd_opt(2026, 3, 2).expect("date"),
            },
            at(),
        )
        .expect("intake");
        (dir, db, v.reference)
    }

    #[test]
    fn thumbnails_are_small_jpegs_of_the_page() {
        let (_d, db, reference) = case_with_page(1240, 1754);
        let clerk = actor(Role::Clerk);
        let t = page_thumbnail(&db, &clerk, &reference, 1).expect("thumbnail");
        assert_eq!(t.ext, "jpg");
        assert_eq!(
            (t.width, t.height),
            (160, 226),
            "fits the box, keeps the page's shape"
        );
        assert_eq!(t.rotation, 90, "the rotation to show it upright is kept");
        let decoded = image::load_from_memory(&t.bytes).expect("a readable JPEG");
        assert_eq!((decoded.width(), decoded.height()), (160, 226));
        assert!(
            t.bytes.len() < 30_000,
            "a thumbnail is a few kilobytes, not a scan ({} bytes)",
            t.bytes.len()
        );
        let full = page_image(&db, &clerk, &reference, 1).expect("page");
        assert_eq!(
            (full.width, full.height, full.ext.as_str()),
            (1240, 1754, "png"),
            "the full page is still there for the viewer"
        );
        let agent = actor(Role::CounterAgent);
        let e = page_thumbnail(&db, &agent, &reference, 1).unwrap_err();
        assert!(
            matches!(e.downcast_ref::<Refusal>(), Some(Refusal::Forbidden { .. })),
            "a counter agent sees no scan, not even small: {e:#}"
        );
        let e = page_thumbnail(&db, &clerk, &reference, 2).unwrap_err();
        assert!(
            matches!(e.downcast_ref::<Refusal>(), Some(Refusal::NotFound(_))),
            "{e:#}"
        );
    }

    #[test]
    fn a_page_smaller_than_the_box_is_not_enlarged() {
        let (_d, db, reference) = case_with_page(100, 80);
        let t = page_thumbnail(&db, &actor(Role::Clerk), &reference, 1).expect("thumbnail");
        assert_eq!((t.width, t.height), (100, 80));
    }

    #[test]
    fn pages_and_scans_are_refused_to_a_counter_agent() {
        let (_d, mut db) = world(1);
        let agent = actor(Role::CounterAgent);
        let refused = |e: anyhow::Error| {
            matches!(e.downcast_ref::<Refusal>(), Some(Refusal::Forbidden { .. }))
        };
        assert!(refused(
            page(&mut db, &agent, None, 0, 10, at()).unwrap_err()
        ));
        assert!(refused(
            field_crops(&db, &agent, "PA-2026-000001").unwrap_err()
        ));
        assert!(refused(
            page_image(&db, &agent, "PA-2026-000001", 1).unwrap_err()
        ));
        let clerk = actor(Role::Clerk);
        assert!(field_crops(&db, &clerk, "PA-2026-000001")
            .unwrap()
            .is_empty());
        let e = page_image(&db, &clerk, "PA-2026-000001", 1).unwrap_err();
        assert!(
            matches!(e.downcast_ref::<Refusal>(), Some(Refusal::NotFound(_))),
            "{e:#}"
        );
    }
}
