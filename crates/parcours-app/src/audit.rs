//! The audit log: verifying its hash chain.

use anyhow::Result;
use parcours_db::{audit, Db};
use parcours_domain::roles::Permission;

use crate::{require, Actor};

pub use parcours_db::audit::AuditReport;

/// Recomputes the audit chain and says whether any row was edited,
/// removed or reordered (administrators and managers).
pub fn verify(db: &Db, actor: &Actor) -> Result<AuditReport> {
    require(actor, Permission::Audit, "vérifier le journal d'audit")?;
    db.read(|c| Ok::<_, anyhow::Error>(audit::verify(c)?))
}
