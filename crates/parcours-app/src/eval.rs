//! Scoring intake against a directory of truths (`parcours eval`).
//!
//! Each `NAME.expected.json` (the samples' shape: received, pages, fields,
//! id_document, ssn_proof, checks) is matched with `NAME.pdf`, `NAME.tif(f)`
//! or `NAME-p1.png`, `NAME-p2.png`…; the envelope is read exactly as intake
//! reads it (no database) and compared.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use parcours_domain::checks::{check_case, CheckContext, Severity};
use parcours_domain::form::{FieldKind, FieldValue, FormTemplate};
use serde::{Deserialize, Serialize};

/// Expected reading of one envelope.
#[derive(Debug, Deserialize)]
pub struct Truth {
    /// Receipt date to pass.
    pub received: NaiveDate,
    /// `typed` or `handwritten`.
    #[serde(default)]
    pub tier: String,
    /// Page kinds and rotations.
    pub pages: Vec<TruthPage>,
    /// Field values (null when empty).
    pub fields: BTreeMap<String, Option<TruthValue>>,
    /// Identity document, if any.
    pub id_document: Option<TruthId>,
    /// Checks a perfect reading raises.
    pub checks: Vec<TruthCheck>,
}

/// A page of the truth.
#[derive(Debug, Deserialize)]
pub struct TruthPage {
    /// Page kind.
    pub kind: String,
    /// Rotation, degrees.
    pub rotation: u16,
}

/// A field value of the truth.
#[derive(Debug, Deserialize)]
pub struct TruthValue {
    /// Text or boolean.
    pub value: serde_json::Value,
}

/// The identity document of the truth.
#[derive(Debug, Deserialize)]
pub struct TruthId {
    /// Document number.
    pub document_number: String,
    /// Birth date.
    pub birth_date: Option<NaiveDate>,
}

/// A check of the truth.
#[derive(Debug, Deserialize)]
pub struct TruthCheck {
    /// Code.
    pub code: String,
    /// Field, if any.
    pub field: Option<String>,
}

/// Scores of one run.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    /// Envelopes read.
    pub envelopes: usize,
    /// Envelopes whose reading failed (error).
    pub failures: Vec<String>,
    /// Pages whose kind was right / pages.
    pub page_kinds: Ratio,
    /// Pages whose rotation was right / pages.
    pub page_rotations: Ratio,
    /// Fields exactly right / fields, by tier.
    pub fields_by_tier: BTreeMap<String, Ratio>,
    /// Fields exactly right / fields, by key.
    pub fields_by_key: BTreeMap<String, Ratio>,
    /// Fields wrong although their confidence was at or above the threshold / fields.
    pub confident_but_wrong: Ratio,
    /// ID pages whose MRZ was read valid with the right number and birth date / envelopes with an ID document.
    pub mrz_reads: Ratio,
    /// Blocking checks raised that the truth has / blocking checks raised.
    pub blocking_precision: Ratio,
    /// Blocking checks of the truth that were raised / blocking checks of the truth.
    pub blocking_recall: Ratio,
    /// Clean envelopes (no blocking check in the truth) that got a blocking check.
    pub clean_wrongly_blocked: Ratio,
    /// Mean seconds per envelope.
    pub seconds_per_envelope: f64,
    /// Per envelope: what differed (for inspection).
    pub differences: BTreeMap<String, Vec<String>>,
}

/// `ok / total` with the rate.
#[derive(Debug, Default, Clone, Copy, Serialize)]
pub struct Ratio {
    /// Successes.
    pub ok: usize,
    /// Attempts.
    pub total: usize,
    /// ok / total (1 when total is 0).
    pub rate: f64,
}

impl Ratio {
    fn add(&mut self, ok: bool) {
        self.total += 1;
        self.ok += usize::from(ok);
        self.rate = self.ok as f64 / self.total as f64;
    }
}

/// The envelopes of `dir`: each truth with the files of its pages.
pub fn envelopes(dir: &Path) -> Result<Vec<(String, PathBuf, Vec<PathBuf>)>> {
    let mut out = Vec::new();
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("lecture du dossier {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    names.sort();
    for p in &names {
        let Some(stem) = p
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".expected.json"))
        else {
            continue;
        };
        let single = ["pdf", "tif", "tiff"]
            .iter()
            .map(|e| dir.join(format!("{stem}.{e}")))
            .find(|f| f.exists());
        let files = match single {
            Some(f) => vec![f],
            None => (1..)
                .map(|i| dir.join(format!("{stem}-p{i}.png")))
                .take_while(|f| f.exists())
                .collect(),
        };
        if !files.is_empty() {
            out.push((stem.to_string(), p.clone(), files));
        }
    }
    Ok(out)
}

fn same(kind: FieldKind, read: Option<&FieldValue>, truth: Option<&serde_json::Value>) -> bool {
    match (read, truth) {
        (None, None) => true,
        (Some(FieldValue::Bool(b)), Some(serde_json::Value::Bool(t))) => b == t,
        (Some(FieldValue::Bool(false)), None) => true,
        (None, Some(serde_json::Value::Bool(false))) => true,
        (Some(FieldValue::Text(s)), Some(serde_json::Value::String(t))) => {
            // SPEC §2: other text is compared without regard to case.
            if kind == FieldKind::Text {
                s.to_lowercase() == t.to_lowercase()
            } else {
                s == t
            }
        }
        _ => false,
    }
}

/// Reads every envelope of `dir` and scores it; `limit` keeps the first N.
pub fn run(
    dir: &Path,
    form: &FormTemplate,
    threshold: f32,
    limit: Option<usize>,
) -> Result<Report> {
    let mut report = Report::default();
    let mut seconds = 0.0;
    for (name, truth_path, files) in envelopes(dir)?
        .into_iter()
        .take(limit.unwrap_or(usize::MAX))
    {
        let truth: Truth = serde_json::from_slice(&std::fs::read(&truth_path)?)
            .with_context(|| format!("vérité illisible : {}", truth_path.display()))?;
        let start = Instant::now();
        let env = parcours_capture::read_envelope(&files, form, truth.received);
        seconds += start.elapsed().as_secs_f64();
        report.envelopes += 1;
        let env = match env {
            Ok(e) => e,
            Err(e) => {
                report.failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        let mut diffs = Vec::new();
        for (i, tp) in truth.pages.iter().enumerate() {
            let got = env.pages.get(i);
            let kind_ok = got.is_some_and(|p| p.kind.as_str() == tp.kind);
            report.page_kinds.add(kind_ok);
            if !kind_ok {
                diffs.push(format!(
                    "page {}: {} ≠ {:?}",
                    i + 1,
                    tp.kind,
                    got.map(|p| p.kind)
                ));
            }
            report
                .page_rotations
                .add(got.is_some_and(|p| p.rotation == tp.rotation));
        }
        for f in &form.fields {
            let read = env.reading.fields.get(&f.key);
            let value = read.and_then(|r| r.value.as_ref());
            let t = truth
                .fields
                .get(&f.key)
                .and_then(|v| v.as_ref())
                .map(|v| &v.value);
            let ok = same(f.kind, value, t);
            report
                .fields_by_tier
                .entry(truth.tier.clone())
                .or_default()
                .add(ok);
            report
                .fields_by_key
                .entry(f.key.clone())
                .or_default()
                .add(ok);
            let confident = read.is_some_and(|r| r.confidence >= threshold);
            report.confident_but_wrong.add(confident && !ok);
            if !ok {
                diffs.push(format!("{}: {:?} ≠ {:?}", f.key, value, t));
            }
        }
        if let Some(tid) = &truth.id_document {
            let ok = env.reading.id_document.as_ref().is_some_and(|d| {
                d.mrz_valid
                    && d.document_number == tid.document_number
                    && d.birth_date == tid.birth_date
            });
            report.mrz_reads.add(ok);
            if !ok {
                diffs.push("MRZ non lue".into());
            }
        }
        let ctx = CheckContext {
            received: truth.received,
            confidence_threshold: threshold,
            other_open_nirs: &[],
        };
        let raised: BTreeSet<(String, Option<String>)> = check_case(form, &env.reading, &ctx)
            .into_iter()
            .filter(|c| c.severity == Severity::Blocking)
            .map(|c| (c.code.as_str().to_string(), c.field))
            .collect();
        let expected: BTreeSet<(String, Option<String>)> = truth
            .checks
            .iter()
            .filter(|c| {
                parcours_domain::checks::CheckCode::parse(&c.code)
                    .is_some_and(|k| k.severity() == Severity::Blocking)
            })
            .map(|c| (c.code.clone(), c.field.clone()))
            .collect();
        for c in &raised {
            report.blocking_precision.add(expected.contains(c));
        }
        for c in &expected {
            report.blocking_recall.add(raised.contains(c));
        }
        if expected.is_empty() {
            report.clean_wrongly_blocked.add(!raised.is_empty());
        }
        if raised != expected {
            diffs.push(format!("checks: {raised:?} ≠ {expected:?}"));
        }
        if !diffs.is_empty() {
            report.differences.insert(name, diffs);
        }
    }
    report.seconds_per_envelope = if report.envelopes > 0 {
        seconds / report.envelopes as f64
    } else {
        0.0
    };
    Ok(report)
}
