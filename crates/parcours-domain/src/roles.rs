//! Roles of SPEC §8 and what each may do.
//!
//! The app layer asks [`may`] before every operation; hiding a button is
//! never the only guard.

use serde::{Deserialize, Serialize};

/// A user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Back-office clerk: intake, review, decide, print letters and slips.
    Clerk,
    /// Post-office counter agent: find a letter, record the ID check. Never sees a NIR.
    CounterAgent,
    /// Manager: dashboards, exports, reassign; reads cases.
    Manager,
    /// Administrator: users, templates, settings, retention.
    Admin,
}

/// Every role.
pub const ALL_ROLES: [Role; 4] = [Role::Clerk, Role::CounterAgent, Role::Manager, Role::Admin];

impl Role {
    /// Stable name (`counter_agent`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Clerk => "clerk",
            Role::CounterAgent => "counter_agent",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }

    /// Parses the stable name.
    pub fn parse(s: &str) -> Option<Role> {
        ALL_ROLES.into_iter().find(|r| r.as_str() == s)
    }

    /// French name shown to users.
    pub fn label_fr(self) -> &'static str {
        match self {
            Role::Clerk => "agent de traitement",
            Role::CounterAgent => "guichetier",
            Role::Manager => "responsable",
            Role::Admin => "administrateur",
        }
    }
}

/// Something a user may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Create a case from scans.
    Intake,
    /// Read a whole case, NIR and scans included.
    ReadCase,
    /// Correct fields and decide on a case.
    Decide,
    /// Print letters and deposit slips, dispatch batches.
    PrintLetters,
    /// Find a letter at the counter (no NIR).
    CounterFind,
    /// Record the ID check at the counter.
    CounterVerify,
    /// Import delivery events.
    ImportTracking,
    /// Dashboards and exports.
    Reports,
    /// Users and roles.
    ManageUsers,
    /// Settings and templates.
    ManageSettings,
    /// Retention purge, backups.
    Purge,
    /// Read and verify the audit log.
    Audit,
}

/// Whether `role` may do `p` (SPEC §8).
pub fn may(role: Role, p: Permission) -> bool {
    use Permission::*;
    match role {
        Role::Clerk => matches!(
            p,
            Intake | ReadCase | Decide | PrintLetters | ImportTracking
        ),
        Role::CounterAgent => matches!(p, CounterFind | CounterVerify),
        Role::Manager => matches!(p, ReadCase | Reports | ImportTracking | Audit),
        Role::Admin => matches!(p, ManageUsers | ManageSettings | Purge | Audit | Reports),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_agents_never_read_whole_cases() {
        assert!(!may(Role::CounterAgent, Permission::ReadCase));
        assert!(may(Role::CounterAgent, Permission::CounterFind));
        assert!(!may(Role::CounterAgent, Permission::Decide));
    }

    #[test]
    fn only_clerks_decide_and_only_admins_manage() {
        for r in ALL_ROLES {
            assert_eq!(may(r, Permission::Decide), r == Role::Clerk, "{r:?}");
            assert_eq!(may(r, Permission::ManageUsers), r == Role::Admin, "{r:?}");
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
    }
}
