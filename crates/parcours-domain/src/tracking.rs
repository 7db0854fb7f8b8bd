//! Delivery events from La Poste (SPEC §7): the CSV file parsed into typed
//! rows, every bad row reported with its line number.
//!
//! The file has a header row naming at least the columns `tracking_number`,
//! `event_date` and `event` (any order, any case; other columns ignored),
//! separated by commas or semicolons (whichever the header uses most), in
//! UTF-8 with or without a byte-order mark. Dates are ISO (`2026-03-12`) or
//! French (`12/03/2026`); a time after the date (`2026-03-12T10:15`,
//! `12/03/2026 10:15`) is ignored. Tracking numbers are S10 numbers, spaces
//! allowed.
//!
//! Pure: takes the file's bytes, no IO; what each event does to a case is
//! [`DeliveryEvent::target`], applying it is the app's job.

use chrono::NaiveDate;
use serde::Serialize;

use crate::lifecycle::Status;
use crate::s10::S10;

/// A delivery event of La Poste.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum DeliveryEvent {
    /// Handed to La Poste (recorded only).
    #[serde(rename = "DEPOSE")]
    Depose,
    /// Nobody home: a notice was left, the letter waits at the post office.
    #[serde(rename = "AVISE")]
    Avise,
    /// Handed over after the carrier checked the ID.
    #[serde(rename = "DISTRIBUE")]
    Distribue,
    /// Returned: addressee unknown at this address (NPAI).
    #[serde(rename = "RETOURNE_NPAI")]
    RetourneNpai,
    /// Returned: not collected within 15 days.
    #[serde(rename = "RETOURNE_NON_RECLAME")]
    RetourneNonReclame,
}

/// Every event, in the order a letter's life goes.
pub const ALL_EVENTS: [DeliveryEvent; 5] = [
    DeliveryEvent::Depose,
    DeliveryEvent::Avise,
    DeliveryEvent::Distribue,
    DeliveryEvent::RetourneNpai,
    DeliveryEvent::RetourneNonReclame,
];

impl DeliveryEvent {
    /// The code in La Poste's file (`DISTRIBUE`).
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryEvent::Depose => "DEPOSE",
            DeliveryEvent::Avise => "AVISE",
            DeliveryEvent::Distribue => "DISTRIBUE",
            DeliveryEvent::RetourneNpai => "RETOURNE_NPAI",
            DeliveryEvent::RetourneNonReclame => "RETOURNE_NON_RECLAME",
        }
    }

    /// Parses a code, ignoring case and surrounding spaces.
    pub fn parse(s: &str) -> Option<DeliveryEvent> {
        let s = s.trim();
        ALL_EVENTS
            .into_iter()
            .find(|e| e.as_str().eq_ignore_ascii_case(s))
    }

    /// The status the case moves to, or `None` when the event is only recorded.
    pub fn target(self) -> Option<Status> {
        match self {
            DeliveryEvent::Depose => None,
            DeliveryEvent::Avise => Some(Status::AwaitingPickup),
            DeliveryEvent::Distribue => Some(Status::Verified),
            DeliveryEvent::RetourneNpai | DeliveryEvent::RetourneNonReclame => {
                Some(Status::Returned)
            }
        }
    }
}

/// One good row of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrackingRow {
    /// Line of the file (the header is line 1).
    pub line: u64,
    /// The S10 number, compact (`RA123456785FR`).
    pub tracking_number: String,
    /// Day of the event.
    pub event_date: NaiveDate,
    /// The event.
    pub event: DeliveryEvent,
}

/// A row that could not be read, with why (French).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineError {
    /// Line of the file.
    pub line: u64,
    /// What is wrong, in French.
    pub message: String,
}

/// The file as a whole cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrackingFileError {
    /// No header row, or a required column is missing from it.
    #[error("fichier de suivi sans colonne « {0} » : la première ligne doit nommer les colonnes tracking_number, event_date et event")]
    MissingColumn(&'static str),
    /// The file is empty.
    #[error("fichier de suivi vide")]
    Empty,
}

/// The required columns.
pub const COLUMNS: [&str; 3] = ["tracking_number", "event_date", "event"];

/// Reads a date `YYYY-MM-DD` or `JJ/MM/AAAA`, optionally followed by a time.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let day = s.split([' ', 'T']).next().unwrap_or_default();
    NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(day, "%d/%m/%Y"))
        .ok()
        .filter(|_| day.len() == 10)
}

/// The delimiter the header line uses most (`;` or `,`).
fn delimiter(text: &[u8]) -> u8 {
    let header = text.split(|b| *b == b'\n').next().unwrap_or_default();
    let count = |c: u8| header.iter().filter(|b| **b == c).count();
    if count(b';') > count(b',') {
        b';'
    } else {
        b','
    }
}

/// Parses the file: every good row, and every bad row with its line and why.
/// Blank lines are skipped. Only a missing header is an error of the whole file.
pub fn parse_csv(bytes: &[u8]) -> Result<(Vec<TrackingRow>, Vec<LineError>), TrackingFileError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(TrackingFileError::Empty);
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(bytes))
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes);
    let header: Vec<String> = reader
        .byte_headers()
        .map_err(|_| TrackingFileError::MissingColumn(COLUMNS[0]))?
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_ascii_lowercase())
        .collect();
    let mut idx = [0usize; 3];
    for (i, name) in COLUMNS.iter().enumerate() {
        idx[i] = header
            .iter()
            .position(|h| h == name)
            .ok_or(TrackingFileError::MissingColumn(name))?;
    }

    let mut rows = Vec::new();
    let mut errors = Vec::new();
    // Line numbers from the record's byte offset, whatever the line ends
    // (csv's own count is off with `\r\n`).
    let line_at = |byte: u64| -> u64 {
        let mut end = usize::try_from(byte).unwrap_or(usize::MAX).min(bytes.len());
        // A record's offset may point at the line end before it.
        while end < bytes.len() && matches!(bytes[end], b'\r' | b'\n') {
            end += 1;
        }
        1 + bytes[..end].iter().filter(|b| **b == b'\n').count() as u64
    };
    let mut record = csv::ByteRecord::new();
    loop {
        let line_hint = line_at(reader.position().byte());
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(line_hint, |p| line_at(p.byte()));
                errors.push(LineError {
                    line,
                    message: format!("ligne illisible : {e}"),
                });
                continue;
            }
        }
        let line = record.position().map_or(line_hint, |p| line_at(p.byte()));
        if record.iter().all(|f| f.trim_ascii().is_empty()) {
            continue;
        }
        match read_row(&record, idx, line) {
            Ok(row) => rows.push(row),
            Err(message) => errors.push(LineError { line, message }),
        }
    }
    Ok((rows, errors))
}

const MAX_FIELD_CHARS: usize = 40;

fn read_row(record: &csv::ByteRecord, idx: [usize; 3], line: u64) -> Result<TrackingRow, String> {
    let field = |i: usize, name: &str| -> Result<&str, String> {
        let raw = record
            .get(idx[i])
            .ok_or_else(|| format!("colonne « {name} » absente de la ligne"))?;
        let s = std::str::from_utf8(raw.trim_ascii()).map_err(|_| {
            format!("colonne « {name} » : texte non UTF-8 (enregistrez le fichier en UTF-8)")
        })?;
        if s.is_empty() {
            return Err(format!("colonne « {name} » vide"));
        }
        // Every column holds a few characters; a long one (a quote left
        // open swallows the rest of the file) is not echoed back.
        if s.chars().count() > MAX_FIELD_CHARS {
            return Err(format!(
                "colonne « {name} » trop longue ({} caractères) : un guillemet non fermé ?",
                s.chars().count()
            ));
        }
        Ok(s)
    };
    let number = field(0, COLUMNS[0])?;
    let s10 = S10::parse(number).map_err(|e| e.to_string())?;
    let date_text = field(1, COLUMNS[1])?;
    let event_date = parse_date(date_text).ok_or_else(|| {
        format!("date « {date_text} » illisible : AAAA-MM-JJ ou JJ/MM/AAAA attendu")
    })?;
    let event_text = field(2, COLUMNS[2])?;
    let event = DeliveryEvent::parse(event_text).ok_or_else(|| {
        format!(
            "événement « {event_text} » inconnu : DEPOSE, AVISE, DISTRIBUE, RETOURNE_NPAI ou RETOURNE_NON_RECLAME attendu"
        )
    })?;
    Ok(TrackingRow {
        line,
        tracking_number: s10.compact(),
        event_date,
        event,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn check(input: &str, rows: &[(u64, &str, &str, DeliveryEvent)], errors: &[u64]) {
        let (got, errs) = parse_csv(input.as_bytes()).expect("the header is there");
        let got: Vec<(u64, String, NaiveDate, DeliveryEvent)> = got
            .into_iter()
            .map(|r| (r.line, r.tracking_number, r.event_date, r.event))
            .collect();
        let want: Vec<(u64, String, NaiveDate, DeliveryEvent)> = rows
            .iter()
            .map(|(l, n, dt, e)| (*l, n.to_string(), d(dt), *e))
            .collect();
        assert_eq!(got, want, "good rows of {input:?}");
        let lines: Vec<u64> = errs.iter().map(|e| e.line).collect();
        assert_eq!(lines, errors, "bad rows of {input:?}: {errs:?}");
    }

    #[test]
    fn comma_iso_dates() {
        check(
            "tracking_number,event_date,event\nRA123456785FR,2026-03-12,DISTRIBUE\n",
            &[(2, "RA123456785FR", "2026-03-12", DeliveryEvent::Distribue)],
            &[],
        );
    }

    #[test]
    fn semicolon_french_dates_bom_crlf_and_column_order() {
        check(
            "\u{feff}Event;Tracking_Number;Event_Date\r\navise;RA 123 456 785 FR;12/03/2026\r\n\r\nDEPOSE;RA123456785FR;10/03/2026 08:12\r\n",
            &[
                (2, "RA123456785FR", "2026-03-12", DeliveryEvent::Avise),
                (4, "RA123456785FR", "2026-03-10", DeliveryEvent::Depose),
            ],
            &[],
        );
    }

    #[test]
    fn bad_rows_are_reported_with_their_line_and_never_stop_the_others() {
        let input = "tracking_number,event_date,event\n\
                     RA123456784FR,2026-03-12,DISTRIBUE\n\
                     RA123456785FR,2026-02-30,DISTRIBUE\n\
                     RA123456785FR,2026-03-12,PERDU\n\
                     RA123456785FR,,AVISE\n\
                     RA123456785FR\n\
                     RA123456785FR,2026-03-13,RETOURNE_NPAI\n";
        check(
            input,
            &[(
                7,
                "RA123456785FR",
                "2026-03-13",
                DeliveryEvent::RetourneNpai,
            )],
            &[2, 3, 4, 5, 6],
        );
        let (_, errs) = parse_csv(input.as_bytes()).unwrap();
        assert!(
            errs[0].message.contains("contrôle"),
            "a wrong S10 check digit says so: {}",
            errs[0].message
        );
    }

    #[test]
    fn an_overlong_field_is_not_echoed() {
        let long = "A".repeat(10_000);
        let csv = format!("tracking_number,event_date,event\n{long},2026-03-02,AVISE\n");
        let (rows, errors) = parse_csv(csv.as_bytes()).unwrap();
        assert!(rows.is_empty());
        assert_eq!(errors.len(), 1);
        assert!(errors[0].message.contains("trop longue (10000 caractères)"));
        assert!(errors[0].message.len() < 200, "{}", errors[0].message);
    }

    #[test]
    fn invalid_utf8_is_a_line_error() {
        let mut bytes =
            b"tracking_number;event_date;event\nRA123456785FR;2026-03-12;DISTRIBU\xC9\n".to_vec();
        bytes.extend_from_slice(b"RA123456785FR;2026-03-12;AVISE\n");
        let (rows, errs) = parse_csv(&bytes).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].line, 2);
    }

    #[rstest]
    #[case::empty("")]
    #[case::bom_only("\u{feff}\n")]
    #[case::no_header("RA123456785FR,2026-03-12,DISTRIBUE\n")]
    #[case::missing_event("tracking_number;event_date\nRA123456785FR;2026-03-12\n")]
    fn unreadable_files(#[case] input: &str) {
        assert!(parse_csv(input.as_bytes()).is_err(), "{input:?}");
    }

    #[rstest]
    #[case::iso("2026-03-12", Some("2026-03-12"))]
    #[case::french("12/03/2026", Some("2026-03-12"))]
    #[case::iso_time("2026-03-12T10:15:00", Some("2026-03-12"))]
    #[case::short_year("12/03/26", None)]
    #[case::impossible("31/04/2026", None)]
    fn dates(#[case] input: &str, #[case] want: Option<&str>) {
        assert_eq!(parse_date(input), want.map(d));
    }

    #[test]
    fn targets_follow_the_lifecycle() {
        use crate::lifecycle::allowed;
        for e in ALL_EVENTS {
            assert_eq!(DeliveryEvent::parse(&e.as_str().to_lowercase()), Some(e));
            if let Some(to) = e.target() {
                assert!(
                    allowed(Status::Dispatched, to),
                    "{e:?} applies to a dispatched letter"
                );
            }
        }
    }
}
