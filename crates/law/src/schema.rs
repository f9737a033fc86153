//! The Cedar schema the laws are checked against: who may act (principal kinds), on what
//! (resources), how (actions), with which context. A bill whose policy names an unknown type,
//! attribute or action fails validation before the vote.
//!
//! The schema is a Rust model rendered to Cedar schema text, never hand-edited per deployment:
//! the Registries issue adds one resource type per registry definition to it. The conflict
//! analysis (`verify`) reads the same model to build sample requests.

use cedar_policy::Schema;
use std::fmt::Write as _;

/// The type of an entity attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttrType {
    String,
    Long,
    Bool,
    /// A set of strings (region codes, powers).
    StringSet,
    /// A reference to an entity of the named type.
    Entity(String),
    /// A set of references to entities of the named type (the members of a body, say).
    EntitySet(String),
}

impl AttrType {
    fn cedar(&self) -> String {
        match self {
            AttrType::String => "String".into(),
            AttrType::Long => "Long".into(),
            AttrType::Bool => "Bool".into(),
            AttrType::StringSet => "Set<String>".into(),
            AttrType::Entity(name) => name.clone(),
            AttrType::EntitySet(name) => format!("Set<{name}>"),
        }
    }
}

/// An entity type: its name, the types it may be a member of, and its attributes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntityDecl {
    pub name: String,
    pub parents: Vec<String>,
    pub attrs: Vec<(String, AttrType)>,
    /// A principal kind (may act), as opposed to a resource only.
    pub principal: bool,
}

/// An action: which principal types may ask it of which resource types.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionDecl {
    pub name: String,
    pub principals: Vec<String>,
    pub resources: Vec<String>,
}

/// The schema as data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaModel {
    pub entities: Vec<EntityDecl>,
    pub actions: Vec<ActionDecl>,
}

fn entity(name: &str, parents: &[&str], attrs: &[(&str, AttrType)], principal: bool) -> EntityDecl {
    EntityDecl {
        name: name.into(),
        parents: parents.iter().map(|p| (*p).into()).collect(),
        attrs: attrs
            .iter()
            .map(|(n, t)| ((*n).into(), t.clone()))
            .collect(),
        principal,
    }
}

fn action(names: &[&str], principals: &[&str], resources: &[&str]) -> Vec<ActionDecl> {
    names
        .iter()
        .map(|n| ActionDecl {
            name: (*n).into(),
            principals: principals.iter().map(|p| (*p).into()).collect(),
            resources: resources.iter().map(|r| (*r).into()).collect(),
        })
        .collect()
}

/// Every kind of principal that signs transactions.
pub const PRINCIPAL_KINDS: [&str; 6] = [
    "Person",
    "Organisation",
    "Department",
    "Legislature",
    "Official",
    "Contract",
];

impl SchemaModel {
    /// The kernel's schema: principals, the chain's own resources, registry records, money, and
    /// the actions on them.
    ///
    /// Region codes: `regions` of a resource holds its region code, every code enclosing it
    /// (`110101` → `110100`, `110000`) and `CN`, the whole country; a jurisdiction is a set of
    /// codes, so "within jurisdiction" reads `principal.jurisdiction.containsAny(resource.regions)`.
    pub fn base() -> Self {
        use AttrType::*;
        let s = || String;
        let set = || StringSet;
        let entities = vec![
            // Resources of the kernel. Every principal is a member of its own `Principal`
            // record, so `principal in resource` reads "acts on itself". A principal's record
            // is in the departments it holds a position of (and every one above them), so
            // `resource in principal` reads "an official of the acting department". `region`
            // and `regions` place it (a person's or organisation's registry record; `CN` for
            // all), `department` owns the registry that holds it, `authority` marks the
            // genesis authorities, `official` a holder of a position not ended, `lawmaker` a
            // member of a law-making body as it stands at the block.
            entity(
                "Principal",
                &["Department"],
                &[
                    ("kind", s()),
                    ("exists", Bool),
                    ("region", s()),
                    ("regions", set()),
                    ("department", s()),
                    ("authority", Bool),
                    ("official", Bool),
                    ("lawmaker", Bool),
                ],
                false,
            ),
            entity("ValidatorSet", &[], &[], false),
            entity(
                "Law",
                &[],
                &[("level", s()), ("jurisdiction", set()), ("body", s())],
                false,
            ),
            // A registry record: which registry, the department owning it, its sensitivity
            // (public, protected, secret), where it is, and whom it is about.
            entity(
                "Record",
                &[],
                &[
                    ("registry", s()),
                    ("department", s()),
                    ("sensitivity", s()),
                    ("regions", set()),
                    ("subject", Entity("Principal".into())),
                ],
                false,
            ),
            entity(
                "Currency",
                &[],
                &[
                    ("code", s()),
                    ("issuer", s()),
                    ("decimals", Long),
                    ("supply", Long),
                ],
                false,
            ),
            entity(
                "Account",
                &[],
                &[
                    ("currency", s()),
                    ("holder", Entity("Principal".into())),
                    ("holder_kind", s()),
                    ("frozen", Bool),
                    ("regions", set()),
                ],
                false,
            ),
            // A position in a department, as the resource of appointments: the department
            // chain it sits in is its ancestry, so `resource in principal` reads "within the
            // acting department".
            // `term_to` is exclusive, the largest integer when the term is open-ended.
            entity(
                "Position",
                &["Department"],
                &[
                    ("department", s()),
                    ("holder", Entity("Principal".into())),
                    ("powers", set()),
                    ("jurisdiction", set()),
                    ("term_from", Long),
                    ("term_to", Long),
                ],
                false,
            ),
            // A registry, as the resource of `import` (the initial load) for records of one
            // region (`regions` as a record's).
            entity(
                "Registry",
                &[],
                &[
                    ("name", s()),
                    ("department", s()),
                    ("sensitivity", s()),
                    ("regions", set()),
                ],
                false,
            ),
            // A public service, as the resource of `deploy` (by a ministry, under the law it
            // carries out) and `apply` (by whom that law lets apply).
            entity(
                "Service",
                &[],
                &[
                    ("name", s()),
                    ("law", s()),
                    ("department", s()),
                    ("version", Long),
                ],
                false,
            ),
            // A case a service opened for an official, as the resource of `decide`: the service,
            // the department competent for it, the power it needs, where it is (`regions` as a
            // record's) and who applied.
            entity(
                "Case",
                &[],
                &[
                    ("service", s()),
                    ("department", s()),
                    ("power", s()),
                    ("regions", set()),
                    ("applicant", s()),
                    // Whether it hears the applicant's appeal of a rejection.
                    ("appeal", Bool),
                ],
                false,
            ),
            // An application to a service, as the resource of `read` and `appeal`: the service, who applied
            // (`principal in resource.applicant` reads "their own"), the department and power
            // its case needs (empty while it has none), where it is, and how it stands.
            entity(
                "Application",
                &[],
                &[
                    ("service", s()),
                    ("applicant", Entity("Principal".into())),
                    ("department", s()),
                    ("power", s()),
                    ("regions", set()),
                    ("status", s()),
                ],
                false,
            ),
            // A node's log of protected reads, as the resource of `audit`.
            entity("AuditLog", &[], &[], false),
            // What a bill would change among a node's recorded decisions (real people's acts),
            // as the resource of `dry-run`: the bill's law, level and body, and the members of
            // that body as the laws in force name them.
            entity(
                "DryRun",
                &[],
                &[
                    ("law", s()),
                    ("level", s()),
                    ("body", s()),
                    ("members", AttrType::EntitySet("Principal".into())),
                ],
                false,
            ),
            // A law-making body: legislature, council or department (`id` is its own id, so
            // a law can compare it with a law's `body`).
            entity(
                "Body",
                &[],
                &[
                    ("id", s()),
                    ("kind", s()),
                    ("jurisdiction", set()),
                    ("members", Long),
                    ("threshold", Long),
                ],
                true,
            ),
            // Principals. `authority` marks the genesis bootstrap authorities.
            entity(
                "Department",
                &["Department", "Principal"],
                &[("jurisdiction", set()), ("authority", Bool)],
                true,
            ),
            entity("Legislature", &["Principal"], &[("authority", Bool)], true),
            entity(
                "Person",
                &["Principal"],
                &[("region", s()), ("authority", Bool)],
                true,
            ),
            entity(
                "Organisation",
                &["Principal"],
                &[("region", s()), ("authority", Bool)],
                true,
            ),
            // An official acts through a position: its powers, jurisdiction, term (heights,
            // `term_to` exclusive) and status (active, suspended, ended) at the executing block.
            entity(
                "Official",
                &["Department", "Principal"],
                &[
                    ("department", s()),
                    ("powers", set()),
                    ("jurisdiction", set()),
                    ("term_from", Long),
                    ("term_to", Long),
                    ("status", s()),
                ],
                true,
            ),
            entity(
                "Contract",
                &["Principal"],
                &[("service", s()), ("version", Long)],
                true,
            ),
        ];
        let all = PRINCIPAL_KINDS;
        let mut actions = Vec::new();
        actions.extend(action(
            &["create-principal", "manage-keys"],
            &all,
            &["Principal"],
        ));
        actions.extend(action(&["change-validators"], &all, &["ValidatorSet"]));
        // `amend`: replace a law by a new version, repeal it, or define anew what it defined.
        actions.extend(action(
            &["enact", "interpret", "amend"],
            &["Body"],
            &["Law"],
        ));
        actions.extend(action(&["constitute"], &["Body"], &["Body"]));
        actions.extend(action(
            &["read"],
            &all,
            &["Record", "Account", "Application"],
        ));
        actions.extend(action(&["insert", "update", "close"], &all, &["Record"]));
        actions.extend(action(&["decide"], &["Official"], &["Record", "Case"]));
        actions.extend(action(
            &["issue", "redeem"],
            &["Official", "Department", "Contract"],
            &["Currency"],
        ));
        actions.extend(action(&["transfer"], &all, &["Account"]));
        actions.extend(action(&["freeze", "unfreeze"], &["Official"], &["Account"]));
        actions.extend(action(&["audit"], &all, &["AuditLog"]));
        actions.extend(action(&["dry-run"], &all, &["DryRun"]));
        actions.extend(action(&["import"], &all, &["Registry"]));
        actions.extend(action(
            &["deploy"],
            &["Department", "Official"],
            &["Service"],
        ));
        actions.extend(action(&["apply"], &all, &["Service"]));
        actions.extend(action(&["appeal"], &all, &["Application"]));
        actions.extend(action(
            &["appoint", "set-position-status"],
            &["Department", "Official", "Legislature"],
            &["Position"],
        ));
        Self { entities, actions }
    }

    /// Adds a resource type to the actions named (a registry's own record type, say).
    pub fn add_resource(&mut self, decl: EntityDecl, actions: &[&str]) {
        for a in self
            .actions
            .iter_mut()
            .filter(|a| actions.contains(&a.name.as_str()))
        {
            if !a.resources.contains(&decl.name) {
                a.resources.push(decl.name.clone());
            }
        }
        self.entities.push(decl);
    }

    /// The entity type named `name`.
    pub fn entity(&self, name: &str) -> Option<&EntityDecl> {
        self.entities.iter().find(|e| e.name == name)
    }

    /// The schema in Cedar's schema syntax.
    pub fn render(&self) -> String {
        let mut out = String::from(
            "type Ctx = {\n  height: Long,\n  via_contract: Bool,\n  service: String,\n  amount: Long,\n  counterparty: String,\n};\n\n",
        );
        for e in &self.entities {
            let _ = write!(out, "entity {}", e.name);
            if !e.parents.is_empty() {
                let _ = write!(out, " in [{}]", e.parents.join(", "));
            }
            if !e.attrs.is_empty() {
                let attrs: Vec<String> = e
                    .attrs
                    .iter()
                    .map(|(n, t)| format!("{n}: {}", t.cedar()))
                    .collect();
                let _ = write!(out, " = {{ {} }}", attrs.join(", "));
            }
            out.push_str(";\n");
        }
        out.push('\n');
        for a in &self.actions {
            let _ = writeln!(
                out,
                "action \"{}\" appliesTo {{ principal: [{}], resource: [{}], context: Ctx }};",
                a.name,
                a.principals.join(", "),
                a.resources.join(", ")
            );
        }
        out
    }

    /// Parses the rendered schema.
    pub fn schema(&self) -> Result<Schema, SchemaError> {
        Schema::from_cedarschema_str(&self.render())
            .map(|(schema, _warnings)| schema)
            .map_err(|e| SchemaError(e.to_string()))
    }
}

/// Why a schema is not usable.
#[derive(Debug, thiserror::Error)]
#[error("law schema: {0}")]
pub struct SchemaError(pub String);

/// The base schema, parsed.
pub fn base_schema() -> Result<Schema, SchemaError> {
    SchemaModel::base().schema()
}

/// A region code, every code enclosing it and `CN` (the whole country): the `regions` of a
/// resource. `110101` → `[110101, 110100, 110000, CN]`.
pub fn enclosing_regions(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        out.push(code.to_string());
        for keep in [4usize, 2] {
            if let Some(prefix) = code.get(..keep) {
                let enclosing = format!("{prefix:0<6}");
                if !out.contains(&enclosing) {
                    out.push(enclosing);
                }
            }
        }
    }
    out.push("CN".into());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base_schema_parses() {
        let text = SchemaModel::base().render();
        assert!(text.contains("entity Official in [Department, Principal]"));
        base_schema().unwrap();
    }

    #[test]
    fn regions_enclose() {
        assert_eq!(
            enclosing_regions("110101"),
            ["110101", "110100", "110000", "CN"]
        );
        assert_eq!(enclosing_regions("110000"), ["110000", "CN"]);
        assert_eq!(enclosing_regions("bad"), ["CN"]);
    }
}
