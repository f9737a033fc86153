//! The demo government of `DEMO.md`: one cast for the devnet, the tests, the docs and the
//! portal. Identifiers are stable; tests and docs name them.
//!
//! - [`laws`]: the laws in force at genesis — the constitution and the national and regional
//!   laws, with their permission articles (Cedar) and legal algorithms.
//! - [`bodies`]: the law-making bodies — the legislature, the regional council of `110000`, the
//!   board of the Ministry of Civil Affairs — given their members' keys.
//! - [`cast`]: the officials, citizens, departments, contracts, records and accounts of the
//!   story, as the authorization function sees them. The Registries issue loads the same people
//!   into registries; until then the tests build the requests from here.

pub mod cast;
pub mod genesis;
mod laws;
pub mod services;

pub use laws::{
    CNY_MAX_ISSUE, CNY_MAX_SUPPLY, business_licence_law, child_subsidy_law, civil_registration_law,
    currency_law, laws, pension_law, regional_regulation, state_organisation_law,
};

use govchain_types::{BodyKind, BodyMember, LawBody, PrincipalId, PublicKey};

/// A body of the demo: `(body, kind, jurisdiction, members, threshold)`.
pub type BodyRow = (
    &'static str,
    BodyKind,
    &'static [&'static str],
    &'static [&'static str],
    u32,
);

/// The law-making bodies and their members.
pub const BODIES: [BodyRow; 3] = [
    (
        "legislature",
        BodyKind::Legislature,
        &[],
        &["leg-1", "leg-2", "leg-3", "leg-4", "leg-5"],
        3,
    ),
    (
        "council-110000",
        BodyKind::Council,
        &["110000"],
        &["council-1", "council-2", "council-3"],
        2,
    ),
    (
        "civil-affairs-board",
        BodyKind::Department,
        &["110000"],
        &["off-zhao"],
        1,
    ),
];

/// An id of the demo cast; every literal of this crate is a valid id (tested).
pub fn id(s: &str) -> PrincipalId {
    #[allow(
        clippy::expect_used,
        reason = "literal ids of this crate; the tests build every one"
    )]
    PrincipalId::new(s).expect("a valid demo id")
}

/// The bodies of [`BODIES`], each member's key given by `key_of(member)`.
pub fn bodies(mut key_of: impl FnMut(&str) -> PublicKey) -> Vec<LawBody> {
    BODIES
        .iter()
        .map(|(body, kind, jurisdiction, members, threshold)| LawBody {
            id: id(body),
            kind: *kind,
            jurisdiction: jurisdiction.iter().map(|s| (*s).to_string()).collect(),
            members: members
                .iter()
                .map(|m| BodyMember {
                    id: id(m),
                    key: key_of(m),
                })
                .collect(),
            threshold: *threshold,
        })
        .collect()
}

/// Registers every member of `bodies` among `accounts`: a person holding the member's key (added
/// to the account if the member is already one, e.g. `off-zhao`). Members sign bills with keys
/// of the key registry, so revoking one reaches them.
pub fn add_members(accounts: &mut Vec<govchain_types::GenesisAccount>, bodies: &[LawBody]) {
    for m in bodies.iter().flat_map(|b| &b.members) {
        match accounts.iter_mut().find(|a| a.id == m.id) {
            Some(a) => {
                if !a.keys.contains(&m.key) {
                    a.keys.push(m.key.clone());
                }
            }
            None => accounts.push(govchain_types::GenesisAccount {
                id: m.id.clone(),
                kind: govchain_types::PrincipalKind::Person,
                authority: false,
                keys: vec![m.key.clone()],
            }),
        }
    }
}
