//! Importing La Poste's delivery events (SPEC §7): each event moves the case
//! holding the letter, in date order, in one transaction.
//!
//! `DEPOSE` is recorded only; `AVISE` moves the case to `awaiting_pickup`,
//! `DISTRIBUE` to `verified` (the carrier checked the ID at the door),
//! `RETOURNE_NPAI` / `RETOURNE_NON_RECLAME` to `returned`. The transition is
//! dated on the event's day (at noon: La Poste gives no time), so that the
//! promise is measured on the day the letter was handed over, not on the
//! day of the import.
//!
//! An event already recorded counts as a duplicate and changes nothing, so
//! importing the same file twice is harmless. An unknown S10 number, a bad
//! row, a date after the import day, a voided letter or an event that does
//! not fit the case's status (DISTRIBUE on a closed case) is reported with
//! its line and not recorded; the other rows go through.

use anyhow::Result;
use chrono::{NaiveDateTime, NaiveTime};
use parcours_db::{cases, letters, tracking as store, Db};
use parcours_domain::lifecycle;
use parcours_domain::roles::Permission;
use parcours_domain::tracking::{self, LineError, TrackingRow};
use serde::Serialize;

use crate::cases::move_case;
use crate::{audit_log, require, Actor, Refusal};

/// A row whose S10 number is not one of our letters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unknown {
    /// Line of the file.
    pub line: u64,
    /// The S10 number, compact.
    pub tracking_number: String,
}

/// What an import did: `{"applied", "duplicates", "unknown", "errors"}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Events recorded now (and applied to their case when they move it).
    pub applied: usize,
    /// Events already recorded by an earlier import (or twice in this file).
    pub duplicates: usize,
    /// Rows whose S10 number is none of our letters.
    pub unknown: Vec<Unknown>,
    /// Rows not read or not applied, with why (French), by line.
    pub errors: Vec<LineError>,
}

/// Imports a CSV file of delivery events (clerks and managers).
pub fn import(db: &mut Db, actor: &Actor, csv: &[u8], at: NaiveDateTime) -> Result<ImportReport> {
    require(
        actor,
        Permission::ImportTracking,
        "importer les événements de distribution",
    )?;
    let (mut rows, errors) =
        tracking::parse_csv(csv).map_err(|e| Refusal::Invalid(e.to_string()))?;
    // Date order; on one day, in the order of a letter's life; then file order.
    rows.sort_by_key(|r| (r.event_date, r.event, r.line));
    let mut report = ImportReport {
        errors,
        ..ImportReport::default()
    };
    db.write(|tx| {
        let total = rows.len();
        for row in &rows {
            apply(tx, actor, row, at, &mut report)?;
        }
        report.errors.sort_by_key(|e| e.line);
        audit_log(
            tx,
            at,
            actor,
            "tracking.import",
            None,
            serde_json::json!({
                "rows": total + report.errors.len(),
                "applied": report.applied,
                "duplicates": report.duplicates,
                "unknown": report.unknown.len(),
                "errors": report.errors.len(),
            }),
        )?;
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(report)
}

fn apply(
    tx: &parcours_db::rusqlite::Connection,
    actor: &Actor,
    row: &TrackingRow,
    at: NaiveDateTime,
    report: &mut ImportReport,
) -> Result<()> {
    let error = |message: String| LineError {
        line: row.line,
        message,
    };
    let event = row.event.as_str();
    if row.event_date > at.date() {
        report.errors.push(error(format!(
            "événement {event} daté du {} : date postérieure à l'import, vérifiez le fichier",
            row.event_date.format("%d/%m/%Y")
        )));
        return Ok(());
    }
    let Some(letter) = letters::by_s10(tx, &row.tracking_number)? else {
        report.unknown.push(Unknown {
            line: row.line,
            tracking_number: row.tracking_number.clone(),
        });
        return Ok(());
    };
    if store::exists(tx, &row.tracking_number, event, row.event_date)? {
        report.duplicates += 1;
        return Ok(());
    }
    if letter.voided_at.is_some() {
        report.errors.push(error(format!(
            "événement {event} ignoré : la lettre {} a été annulée (réimprimée sous un autre numéro)",
            row.tracking_number
        )));
        return Ok(());
    }
    let case = cases::require(tx, letter.case_id)?;
    if let Some(to) = row.event.target() {
        if !lifecycle::allowed(case.status, to) {
            report.errors.push(error(format!(
                "événement {event} non appliqué : le dossier {} est « {} »",
                case.reference,
                case.status.label_fr()
            )));
            return Ok(());
        }
        let when = row
            .event_date
            .and_time(NaiveTime::from_hms_opt(12, 0, 0).expect("noon"));
        let reason = format!(
            "La Poste : {event} le {} (import du {})",
            row.event_date.format("%d/%m/%Y"),
            at.format("%d/%m/%Y")
        );
        move_case(tx, case.id, case.status, to, actor, when, &reason)?;
        audit_log(
            tx,
            at,
            actor,
            "case.tracking",
            Some(case.id),
            serde_json::json!({"event": event, "event_date": row.event_date, "to": to.as_str()}),
        )?;
    }
    store::insert(
        tx,
        &store::NewEvent {
            s10: &row.tracking_number,
            event,
            event_date: row.event_date,
            case_id: Some(case.id),
            at,
            by: &actor.name,
        },
    )?;
    report.applied += 1;
    Ok(())
}
