//! The paper form: its template (fields, labels, boxes, mandatory flags,
//! types) and the normalisation of the values read from it (SPEC §2).
//!
//! The layout is data (`templates/form-*.toml`), parsed here from a string;
//! a new version of the form is a new file, not new code.

use serde::{Deserialize, Serialize};

use crate::values;

/// The template of the current form, compiled in as the default.
pub const DEFAULT_TEMPLATE: &str =
    include_str!("../../../templates/form-parcours-alternatif-1.0.toml");

/// Type of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// One of several ticked boxes (`options`).
    Choice,
    /// A surname.
    Name,
    /// Given names, space separated.
    Names,
    /// A date `JJ/MM/AAAA`.
    Date,
    /// Free text.
    Text,
    /// A French postcode.
    Postcode,
    /// A phone number.
    Phone,
    /// An e-mail address.
    Email,
    /// A social security number.
    Nir,
    /// A tick box.
    Checkbox,
    /// Presence of a signature (ink).
    Signature,
}

impl FieldKind {
    /// Whether the value is a `true`/`false` presence rather than text.
    pub fn is_boolean(self) -> bool {
        matches!(self, FieldKind::Checkbox | FieldKind::Signature)
    }
}

/// One option of a choice field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChoiceOption {
    /// Normalised value (`madame`).
    pub value: String,
    /// Printed label (`Madame`).
    pub label: String,
    /// Tick box, mm.
    #[serde(rename = "box")]
    pub rect: [f32; 4],
}

/// One field of the form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldSpec {
    /// Stable key (`last_name`).
    pub key: String,
    /// Page number (1 or 2).
    pub page: u8,
    /// Printed label, asterisk included.
    pub label: String,
    /// Left edge of the label in mm (15 unless told).
    #[serde(default)]
    pub label_x: Option<f32>,
    /// Vertical centre of the label in mm (middle of the box unless told).
    #[serde(default)]
    pub label_y: Option<f32>,
    /// The label carries an asterisk.
    pub mandatory: bool,
    /// Mandatory only when this checkbox is ticked.
    #[serde(default)]
    pub required_if: Option<String>,
    /// Group of checkboxes of which one at least must be ticked.
    #[serde(default)]
    pub group: Option<String>,
    /// Type of answer.
    pub kind: FieldKind,
    /// Answer box, mm.
    #[serde(rename = "box")]
    pub rect: [f32; 4],
    /// Options of a choice field.
    #[serde(default)]
    pub options: Vec<ChoiceOption>,
}

/// A printed text of the form (titles, footers), used as a landmark.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaticText {
    /// Pages where it is printed.
    pub pages: Vec<u8>,
    /// The text.
    pub text: String,
    /// Left edge, or centre when `align = "center"`, mm.
    pub x: f32,
    /// Vertical centre, mm.
    pub y: f32,
    /// Font size in points.
    pub size_pt: f32,
    /// Bold face.
    #[serde(default)]
    pub bold: bool,
    /// Italic face.
    #[serde(default)]
    pub italic: bool,
    /// `center` or `left` (default).
    #[serde(default)]
    pub align: Option<String>,
    /// Printed on a grey band (section titles).
    #[serde(default)]
    pub band: bool,
}

/// A whole form template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormTemplate {
    /// Version name printed on the form.
    pub name: String,
    /// Page width, mm.
    pub width_mm: f32,
    /// Page height, mm.
    pub height_mm: f32,
    /// Printed texts.
    pub texts: Vec<StaticText>,
    /// Answer fields, in reading order.
    pub fields: Vec<FieldSpec>,
}

/// A template that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// The TOML does not parse or lacks a required key.
    #[error("modèle de formulaire illisible : {0}")]
    Syntax(#[from] toml::de::Error),
    /// Two fields share a key.
    #[error("modèle de formulaire : le champ « {0} » est défini deux fois")]
    DuplicateKey(String),
    /// `required_if` names a field that is not a checkbox of the template.
    #[error("modèle de formulaire : « {0} » dépend d'une case inconnue")]
    UnknownDependency(String),
}

impl FormTemplate {
    /// Parses and validates a template.
    pub fn parse(toml_text: &str) -> Result<FormTemplate, TemplateError> {
        let t: FormTemplate = toml::from_str(toml_text)?;
        for (i, f) in t.fields.iter().enumerate() {
            if t.fields[..i].iter().any(|g| g.key == f.key) {
                return Err(TemplateError::DuplicateKey(f.key.clone()));
            }
            if let Some(dep) = &f.required_if {
                if t.field(dep).map(|d| d.kind) != Some(FieldKind::Checkbox) {
                    return Err(TemplateError::UnknownDependency(f.key.clone()));
                }
            }
        }
        Ok(t)
    }

    /// The compiled-in template of form version 1.0.
    pub fn default_v1() -> FormTemplate {
        FormTemplate::parse(DEFAULT_TEMPLATE).expect("the bundled template is valid")
    }

    /// The field with this key.
    pub fn field(&self, key: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.key == key)
    }
}

/// A normalised value: text, or a presence for checkboxes and signatures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FieldValue {
    /// Ticked / signed or not.
    Bool(bool),
    /// Text in its normal form (dates ISO when they parse).
    Text(String),
}

impl FieldValue {
    /// The text, if this is a text value.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            FieldValue::Text(s) => Some(s),
            FieldValue::Bool(_) => None,
        }
    }

    /// Whether this is a ticked box / present signature.
    pub fn is_true(&self) -> bool {
        matches!(self, FieldValue::Bool(true))
    }
}

/// Normalises raw text read for a field of `kind` (SPEC §2, "Normalised
/// values"). Empty text gives `None`. A value that does not have the expected
/// shape (a date that does not parse…) is kept as read, single-spaced, so
/// that the checks can report it.
pub fn normalize(kind: FieldKind, raw: &str) -> Option<FieldValue> {
    let text = values::normalize_text(raw);
    if text.is_empty() {
        return match kind {
            FieldKind::Checkbox | FieldKind::Signature => Some(FieldValue::Bool(false)),
            _ => None,
        };
    }
    let value = match kind {
        FieldKind::Name | FieldKind::Names => values::normalize_name(&text),
        FieldKind::Date => values::parse_date_fr(&text)
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or(text),
        FieldKind::Postcode => values::normalize_postcode(&text).unwrap_or(text),
        FieldKind::Phone => values::normalize_phone(&text),
        FieldKind::Email => text.replace(' ', "").to_lowercase(),
        FieldKind::Nir => crate::nir::normalize(&text),
        FieldKind::Choice => text.to_lowercase(),
        FieldKind::Checkbox | FieldKind::Signature => {
            let yes = matches!(text.to_lowercase().as_str(), "true" | "1" | "oui" | "x");
            return Some(FieldValue::Bool(yes));
        }
        FieldKind::Text => text,
    };
    Some(FieldValue::Text(value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[test]
    fn bundled_template_has_every_key_of_spec_section_2() {
        let t = FormTemplate::default_v1();
        let keys: Vec<&str> = t.fields.iter().map(|f| f.key.as_str()).collect();
        let spec = [
            "civility",
            "last_name",
            "birth_name",
            "first_names",
            "birth_date",
            "birth_place",
            "birth_country",
            "address_line",
            "address_complement",
            "postcode",
            "city",
            "phone",
            "email",
            "nir",
            "motive_no_smartphone",
            "motive_no_french_id",
            "motive_recent_permit",
            "motive_other",
            "motive_other_text",
            "signed_place",
            "signed_date",
            "signature",
        ];
        assert_eq!(keys, spec, "the template follows SPEC §2 in order");
        let starred: Vec<&str> = t
            .fields
            .iter()
            .filter(|f| f.label.contains('*'))
            .map(|f| f.key.as_str())
            .collect();
        let mandatory: Vec<&str> = t
            .fields
            .iter()
            .filter(|f| f.mandatory)
            .map(|f| f.key.as_str())
            .collect();
        assert_eq!(starred, mandatory, "an asterisk marks a mandatory field");
    }

    #[test]
    fn duplicate_keys_are_refused() {
        let t = DEFAULT_TEMPLATE.replace("key = \"birth_name\"", "key = \"last_name\"");
        assert!(matches!(
            FormTemplate::parse(&t),
            Err(TemplateError::DuplicateKey(k)) if k == "last_name"
        ));
    }

    #[rstest]
    #[case::name(FieldKind::Name, " dupont  de la  rue ", Some("DUPONT DE LA RUE"))]
    #[case::accents(FieldKind::Names, "élodie marie", Some("ÉLODIE MARIE"))]
    #[case::date(FieldKind::Date, "03/06/1969", Some("1969-06-03"))]
    #[case::bad_date_kept(FieldKind::Date, "31/02/1980", Some("31/02/1980"))]
    #[case::phone(FieldKind::Phone, "04 26 15 36 36", Some("0426153636"))]
    #[case::nir(FieldKind::Nir, "2 69 06 24 322 843 14", Some("269062432284314"))]
    #[case::email(FieldKind::Email, "Jo.Martin@SFR.fr", Some("jo.martin@sfr.fr"))]
    #[case::empty(FieldKind::Text, "   ", None)]
    fn normalises(#[case] kind: FieldKind, #[case] raw: &str, #[case] want: Option<&str>) {
        let got = normalize(kind, raw);
        assert_eq!(got, want.map(|s| FieldValue::Text(s.to_string())));
    }

    #[test]
    fn empty_checkbox_is_false() {
        assert_eq!(
            normalize(FieldKind::Checkbox, ""),
            Some(FieldValue::Bool(false))
        );
    }
}
