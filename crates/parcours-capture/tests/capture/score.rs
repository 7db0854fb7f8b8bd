//! Scoring a reading against an `expected.json` truth (shared by the test and the example).

use parcours_domain::form::{FieldKind, FieldValue, FormTemplate};

/// Scores of a set of envelopes.
#[derive(Debug, Default)]
pub struct Score {
    /// Envelopes read.
    pub envelopes: usize,
    /// Pages whose kind is right, of all pages.
    pub kinds: (usize, usize),
    /// Non-blank pages whose rotation is right, of all non-blank pages.
    pub rotations: (usize, usize),
    /// Fields read exactly, per tier.
    pub fields: std::collections::BTreeMap<String, (usize, usize)>,
    /// Fields read wrong with a confidence at or above [`THRESHOLD`], per tier.
    pub wrong_sure: std::collections::BTreeMap<String, (usize, usize)>,
    /// Fields read exactly, per key.
    pub by_key: std::collections::BTreeMap<String, (usize, usize)>,
    /// MRZ read valid with the right number, of envelopes with an id document.
    pub mrz: (usize, usize),
    /// SSN proof NIR read right.
    pub ssn_nir: (usize, usize),
    /// Seconds spent reading.
    pub seconds: f64,
    /// Differences, for the log.
    pub diffs: Vec<String>,
}

/// The confidence threshold of the settings (`ocr.confidence_threshold`).
pub const THRESHOLD: f32 = 0.7;

fn same(kind: FieldKind, read: Option<&FieldValue>, truth: Option<&serde_json::Value>) -> bool {
    match (read, truth) {
        (None, None) => true,
        (Some(FieldValue::Bool(b)), Some(serde_json::Value::Bool(t))) => b == t,
        (Some(FieldValue::Bool(false)), None) | (None, Some(serde_json::Value::Bool(false))) => {
            true
        }
        (Some(FieldValue::Text(s)), Some(serde_json::Value::String(t))) => {
            if kind == FieldKind::Text {
                s.to_lowercase() == t.to_lowercase()
            } else {
                s == t
            }
        }
        _ => false,
    }
}

impl Score {
    /// Reads one envelope and scores it.
    pub fn add(
        &mut self,
        name: &str,
        pdf: &std::path::Path,
        truth: &serde_json::Value,
        form: &FormTemplate,
    ) {
        let received = truth["received"]
            .as_str()
            .and_then(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
            .expect("truth has a receipt date");
        let tier = truth["tier"].as_str().unwrap_or("?").to_string();
        let start = std::time::Instant::now();
        let env = parcours_capture::read_envelope(&[pdf.to_path_buf()], form, received);
        self.seconds += start.elapsed().as_secs_f64();
        self.envelopes += 1;
        let env = match env {
            Ok(e) => e,
            Err(e) => {
                self.diffs.push(format!("{name}: {e}"));
                return;
            }
        };
        if let Some(dir) = std::env::var_os("CROPS_DIR") {
            for (k, c) in &env.crops {
                let _ = std::fs::write(
                    std::path::Path::new(&dir).join(format!("{name}-{k}.png")),
                    &c.png,
                );
            }
        }
        let want_sep = truth["checks"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c["code"] == "PROOFS_NOT_SEPARATE"));
        if env.reading.proofs_not_separate != want_sep {
            self.diffs.push(format!(
                "{name}: proofs_not_separate {} want {want_sep}",
                env.reading.proofs_not_separate
            ));
        }
        let tp = truth["pages"].as_array().cloned().unwrap_or_default();
        for (i, t) in tp.iter().enumerate() {
            let got = env.pages.get(i);
            let kind = t["kind"].as_str().unwrap_or("");
            let ok = got.is_some_and(|p| p.kind.as_str() == kind);
            self.kinds.1 += 1;
            self.kinds.0 += usize::from(ok);
            if !ok {
                self.diffs.push(format!(
                    "{name} page {}: kind {:?} want {kind}",
                    i + 1,
                    got.map(|p| p.kind)
                ));
            }
            if kind != "blank" {
                let rot = t["rotation"].as_u64().unwrap_or(0) as u16;
                let ok = got.is_some_and(|p| p.rotation == rot);
                self.rotations.1 += 1;
                self.rotations.0 += usize::from(ok);
                if !ok {
                    self.diffs
                        .push(format!("{name} page {}: rotation want {rot}", i + 1));
                }
            }
        }
        for f in &form.fields {
            let read = env
                .reading
                .fields
                .get(&f.key)
                .and_then(|r| r.value.as_ref());
            let t = truth["fields"].get(&f.key).and_then(|v| v.get("value"));
            let ok = same(f.kind, read, t);
            let conf = env.reading.fields.get(&f.key).map_or(0.0, |r| r.confidence);
            let e = self.wrong_sure.entry(tier.clone()).or_default();
            e.1 += 1;
            e.0 += usize::from(!ok && conf >= THRESHOLD);
            let e = self.fields.entry(tier.clone()).or_default();
            e.1 += 1;
            e.0 += usize::from(ok);
            let e = self.by_key.entry(f.key.clone()).or_default();
            e.1 += 1;
            e.0 += usize::from(ok);
            if !ok {
                self.diffs.push(format!(
                    "{name} {}: {:?} want {:?} (confidence {conf:.2})",
                    f.key, read, t
                ));
            }
        }
        if let Some(tid) = truth["id_document"].as_object() {
            let ok = env.reading.id_document.as_ref().is_some_and(|d| {
                d.mrz_valid
                    && Some(d.document_number.as_str())
                        == tid.get("document_number").and_then(|v| v.as_str())
            });
            self.mrz.1 += 1;
            self.mrz.0 += usize::from(ok);
            if !ok {
                self.diffs.push(format!(
                    "{name} MRZ: {:?} want {:?}",
                    env.reading
                        .id_document
                        .as_ref()
                        .map(|d| (&d.mrz, d.mrz_valid)),
                    tid.get("mrz")
                ));
            }
        }
        if let Some(ts) = truth["ssn_proof"].as_object() {
            let want = ts.get("nir").and_then(|v| v.as_str());
            let got = env
                .reading
                .ssn_proof
                .as_ref()
                .and_then(|s| s.nir.as_deref());
            self.ssn_nir.1 += 1;
            self.ssn_nir.0 += usize::from(got == want);
            if got != want {
                self.diffs
                    .push(format!("{name} ssn nir: {got:?} want {want:?}"));
            }
        }
    }

    /// Reads every `*.pdf` with its `*.expected.json` in `dir`.
    pub fn add_dir(&mut self, dir: &std::path::Path, form: &FormTemplate, limit: usize) {
        let mut pdfs: Vec<_> = std::fs::read_dir(dir)
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        pdfs.retain(|p: &std::path::PathBuf| p.extension().is_some_and(|e| e == "pdf"));
        pdfs.sort();
        for pdf in pdfs.into_iter().take(limit) {
            let truth_path = pdf.with_extension("expected.json");
            let Ok(bytes) = std::fs::read(&truth_path) else {
                continue;
            };
            let truth: serde_json::Value = serde_json::from_slice(&bytes).expect("truth parses");
            let name = pdf.file_name().unwrap().to_string_lossy().into_owned();
            self.add(&name, &pdf, &truth, form);
        }
    }

    /// A one-paragraph report.
    pub fn report(&self) -> String {
        let pct = |(a, b): (usize, usize)| {
            if b == 0 {
                0.0
            } else {
                100.0 * a as f64 / b as f64
            }
        };
        let mut s = format!(
            "envelopes {}; page kinds {}/{} ({:.1} %); rotations (non-blank) {}/{} ({:.1} %); MRZ {}/{} ({:.1} %); SSN-proof NIR {}/{} ({:.1} %); {:.2} s per envelope\n",
            self.envelopes,
            self.kinds.0, self.kinds.1, pct(self.kinds),
            self.rotations.0, self.rotations.1, pct(self.rotations),
            self.mrz.0, self.mrz.1, pct(self.mrz),
            self.ssn_nir.0, self.ssn_nir.1, pct(self.ssn_nir),
            self.seconds / self.envelopes.max(1) as f64,
        );
        for (tier, v) in &self.fields {
            s += &format!("fields exact, {tier}: {}/{} ({:.1} %)\n", v.0, v.1, pct(*v));
            if let Some(w) = self.wrong_sure.get(tier) {
                s += &format!(
                    "  wrong with confidence >= {THRESHOLD}, {tier}: {}/{} ({:.1} %)\n",
                    w.0,
                    w.1,
                    pct(*w)
                );
            }
        }
        for (key, v) in &self.by_key {
            s += &format!("  {key:<22} {:>5.1} %\n", pct(*v));
        }
        s
    }

    /// Exact-match rate of fields over all tiers, 0–1.
    #[allow(dead_code)]
    pub fn field_rate(&self) -> f64 {
        let (a, b) = self
            .fields
            .values()
            .fold((0, 0), |x, v| (x.0 + v.0, x.1 + v.1));
        a as f64 / b.max(1) as f64
    }
}
