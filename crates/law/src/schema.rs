//! The Cedar schema the laws are checked against: who may act (principal kinds), on what
//! (resources), how (actions), with which context. A bill whose policy names an unknown type,
//! attribute or action fails validation before the vote.
//!
//! The Registries issue extends it with one entity type per registry definition; the text is
//! generated, never hand-edited per deployment.

use cedar_policy::Schema;

/// The base schema: principals, the chain's own resources, and the kernel's actions.
pub const BASE_SCHEMA: &str = r#"
type Ctx = {
  height: Long,
  via_contract: Bool,
  service: String,
};

// Resources of the kernel. Every principal is a member of its own `Principal` record, so
// `principal in resource` reads "acts on itself".
entity Principal = { kind: String, exists: Bool };
entity ValidatorSet;
entity Law = { level: String, jurisdiction: Set<String>, body: String };

// Principals. `authority` marks the genesis bootstrap authorities.
entity Body = { members: Long, threshold: Long };
entity Department in [Department, Principal] = { jurisdiction: Set<String>, authority: Bool };
entity Legislature in [Body, Principal] = { authority: Bool };
entity Person in [Principal] = { region: String, authority: Bool };
entity Organisation in [Principal] = { region: String, authority: Bool };
entity Official in [Department, Principal] = {
  powers: Set<String>,
  jurisdiction: Set<String>,
  term_from: Long,
  term_to: Long,
  status: String,
};
entity Contract in [Principal] = { service: String, version: Long };

action "create-principal", "manage-keys" appliesTo {
  principal: [Person, Organisation, Department, Legislature, Official, Contract],
  resource: [Principal],
  context: Ctx,
};
action "change-validators" appliesTo {
  principal: [Person, Organisation, Department, Legislature, Official, Contract],
  resource: [ValidatorSet],
  context: Ctx,
};
action "enact" appliesTo {
  principal: [Body, Legislature, Department],
  resource: [Law],
  context: Ctx,
};
"#;

/// Why a schema is not usable.
#[derive(Debug, thiserror::Error)]
#[error("law schema: {0}")]
pub struct SchemaError(pub String);

/// Parses the base schema.
pub fn base_schema() -> Result<Schema, SchemaError> {
    Schema::from_cedarschema_str(BASE_SCHEMA)
        .map(|(schema, _warnings)| schema)
        .map_err(|e| SchemaError(e.to_string()))
}
