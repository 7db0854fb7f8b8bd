//! Typed settings: every key, its type, bounds and default.
//!
//! The store keeps strings; [`validate`] turns what an administrator types
//! into the normal form or refuses it, and [`Settings::from_pairs`] gives the
//! typed view used by the rest of the code.

/// Type and bounds of a setting.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SettingKind {
    /// A decimal number within bounds.
    Number {
        /// Smallest value.
        min: f64,
        /// Largest value.
        max: f64,
    },
    /// A whole number within bounds.
    Integer {
        /// Smallest value.
        min: i64,
        /// Largest value.
        max: i64,
    },
    /// Upper-case letters, exactly this many.
    Letters(usize),
}

/// One setting.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SettingDef {
    /// Key (`s10.first`).
    pub key: &'static str,
    /// Type and bounds.
    pub kind: SettingKind,
    /// Default value, if it has one.
    pub default: Option<&'static str>,
    /// What it is, in French.
    pub label_fr: &'static str,
}

/// Every setting.
pub const SETTINGS: &[SettingDef] = &[
    SettingDef {
        key: "ocr.confidence_threshold",
        kind: SettingKind::Number { min: 0.0, max: 1.0 },
        default: Some("0.7"),
        label_fr: "Seuil de confiance de lecture (0 à 1) sous lequel une rubrique est à vérifier",
    },
    SettingDef {
        key: "s10.service",
        kind: SettingKind::Letters(2),
        default: None,
        label_fr: "Code service des numéros de recommandé attribués par La Poste (ex. RA)",
    },
    SettingDef {
        key: "s10.first",
        kind: SettingKind::Integer {
            min: 0,
            max: 99_999_999,
        },
        default: None,
        label_fr: "Premier numéro de série de la plage attribuée",
    },
    SettingDef {
        key: "s10.last",
        kind: SettingKind::Integer {
            min: 0,
            max: 99_999_999,
        },
        default: None,
        label_fr: "Dernier numéro de série de la plage attribuée",
    },
    SettingDef {
        key: "s10.country",
        kind: SettingKind::Letters(2),
        default: Some("FR"),
        label_fr: "Code pays des numéros de recommandé",
    },
    SettingDef {
        key: "letters.address_x_mm",
        kind: SettingKind::Number {
            min: 0.0,
            max: 150.0,
        },
        default: Some("110"),
        label_fr: "Position horizontale du bloc adresse (mm depuis le bord gauche)",
    },
    SettingDef {
        key: "letters.address_y_mm",
        kind: SettingKind::Number {
            min: 0.0,
            max: 250.0,
        },
        default: Some("50"),
        label_fr: "Position verticale du bloc adresse (mm depuis le haut)",
    },
    SettingDef {
        key: "retention.days",
        kind: SettingKind::Integer { min: 30, max: 3650 },
        default: Some("180"),
        label_fr: "Durée de conservation après clôture (jours)",
    },
    SettingDef {
        key: "turnaround.capture_days",
        kind: SettingKind::Integer { min: 0, max: 30 },
        default: Some("2"),
        label_fr: "Délai de saisie (jours ouvrés après réception)",
    },
    SettingDef {
        key: "turnaround.decision_days",
        kind: SettingKind::Integer { min: 0, max: 30 },
        default: Some("5"),
        label_fr: "Délai de décision (jours ouvrés après réception)",
    },
    SettingDef {
        key: "turnaround.dispatch_days",
        kind: SettingKind::Integer { min: 0, max: 30 },
        default: Some("1"),
        label_fr: "Délai d'expédition (jours ouvrés après approbation)",
    },
];

/// A refused setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingError {
    /// No such key.
    #[error("paramètre inconnu : « {0} » (voir `parcours settings get`)")]
    UnknownKey(String),
    /// The value does not have the right type or is out of bounds.
    #[error("valeur refusée pour « {key} » : {why}")]
    BadValue {
        /// The key.
        key: String,
        /// Why, in French.
        why: String,
    },
}

/// The definition of a key.
pub fn def(key: &str) -> Option<&'static SettingDef> {
    SETTINGS.iter().find(|d| d.key == key)
}

/// Validates `value` for `key` and returns its normal form.
pub fn validate(key: &str, value: &str) -> Result<String, SettingError> {
    let d = def(key).ok_or_else(|| SettingError::UnknownKey(key.to_string()))?;
    let bad = |why: String| SettingError::BadValue {
        key: key.to_string(),
        why,
    };
    let v = value.trim();
    match d.kind {
        SettingKind::Number { min, max } => {
            let n: f64 = v
                .replace(',', ".")
                .parse()
                .map_err(|_| bad(format!("« {v} » n'est pas un nombre")))?;
            if !(min..=max).contains(&n) {
                return Err(bad(format!("doit être entre {min} et {max}")));
            }
            Ok(n.to_string())
        }
        SettingKind::Integer { min, max } => {
            let n: i64 = v
                .parse()
                .map_err(|_| bad(format!("« {v} » n'est pas un nombre entier")))?;
            if !(min..=max).contains(&n) {
                return Err(bad(format!("doit être entre {min} et {max}")));
            }
            Ok(n.to_string())
        }
        SettingKind::Letters(len) => {
            let up = v.to_uppercase();
            if up.chars().count() != len || !up.chars().all(|c| c.is_ascii_uppercase()) {
                return Err(bad(format!("{len} lettres attendues")));
            }
            Ok(up)
        }
    }
}

/// The typed view of all settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Under this confidence a field is to be checked.
    pub confidence_threshold: f32,
    /// S10 service letters, if set.
    pub s10_service: Option<String>,
    /// First serial of the allocated range.
    pub s10_first: Option<u32>,
    /// Last serial of the allocated range.
    pub s10_last: Option<u32>,
    /// S10 country code.
    pub s10_country: String,
    /// Address block left edge, mm.
    pub address_x_mm: f32,
    /// Address block top, mm.
    pub address_y_mm: f32,
    /// Days personal data is kept after closure.
    pub retention_days: i64,
    /// Capture milestone, business days after receipt.
    pub capture_days: u32,
    /// Decision milestone, business days after receipt.
    pub decision_days: u32,
    /// Dispatch milestone, business days after approval.
    pub dispatch_days: u32,
}

impl Settings {
    /// Builds the typed view from stored pairs; missing or unreadable
    /// values fall back to their defaults.
    pub fn from_pairs(pairs: &[(String, String)]) -> Settings {
        let get = |key: &str| -> Option<String> {
            pairs
                .iter()
                .find(|(k, _)| k == key)
                .and_then(|(_, v)| validate(key, v).ok())
                .or_else(|| def(key).and_then(|d| d.default).map(str::to_string))
        };
        let num = |key: &str| get(key).and_then(|v| v.parse::<f64>().ok());
        Settings {
            confidence_threshold: num("ocr.confidence_threshold").unwrap_or(0.7) as f32,
            s10_service: get("s10.service"),
            s10_first: num("s10.first").map(|n| n as u32),
            s10_last: num("s10.last").map(|n| n as u32),
            s10_country: get("s10.country").unwrap_or_else(|| "FR".into()),
            address_x_mm: num("letters.address_x_mm").unwrap_or(110.0) as f32,
            address_y_mm: num("letters.address_y_mm").unwrap_or(50.0) as f32,
            retention_days: num("retention.days").unwrap_or(180.0) as i64,
            capture_days: num("turnaround.capture_days").unwrap_or(2.0) as u32,
            decision_days: num("turnaround.decision_days").unwrap_or(5.0) as u32,
            dispatch_days: num("turnaround.dispatch_days").unwrap_or(1.0) as u32,
        }
    }

    /// The effective value of every setting as strings (`None` when unset).
    pub fn effective(pairs: &[(String, String)]) -> Vec<(&'static str, Option<String>)> {
        SETTINGS
            .iter()
            .map(|d| {
                let stored = pairs
                    .iter()
                    .find(|(k, _)| k == d.key)
                    .map(|(_, v)| v.clone());
                (d.key, stored.or(d.default.map(str::to_string)))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::threshold("ocr.confidence_threshold", "0,85", Ok("0.85"))]
    #[case::threshold_high("ocr.confidence_threshold", "1.5", Err(()))]
    #[case::service("s10.service", "ra", Ok("RA"))]
    #[case::service_digits("s10.service", "R1", Err(()))]
    #[case::serial("s10.first", "12345600", Ok("12345600"))]
    #[case::serial_too_long("s10.last", "123456789", Err(()))]
    #[case::retention("retention.days", "7", Err(()))]
    #[case::unknown("s10.colour", "red", Err(()))]
    fn validates(#[case] key: &str, #[case] value: &str, #[case] want: Result<&str, ()>) {
        assert_eq!(
            validate(key, value).map_err(|_| ()),
            want.map(str::to_string)
        );
    }

    #[test]
    fn defaults_apply_and_stored_values_win() {
        let s = Settings::from_pairs(&[("retention.days".into(), "365".into())]);
        assert_eq!(s.retention_days, 365);
        assert_eq!(s.capture_days, 2);
        assert_eq!(
            s.s10_service, None,
            "no S10 range until La Poste allocates one"
        );
        for d in SETTINGS {
            if let Some(v) = d.default {
                assert_eq!(validate(d.key, v).as_deref(), Ok(v), "default of {}", d.key);
            }
        }
    }
}
