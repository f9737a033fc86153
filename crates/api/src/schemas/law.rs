//! Laws, their history, authorization requests and the verification of bills.

use super::*;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// A law package (`govchain_types::LawPackage`): a bill until enacted.
#[derive(ToSchema)]
#[schema(as = LawPackage)]
pub struct LawPackageSchema {
    id: String,
    version: u32,
    title: String,
    level: LevelSchema,
    /// The body that enacts it.
    body: String,
    /// Region codes it applies to; empty: the whole country.
    jurisdiction: Vec<String>,
    articles: Vec<ArticleSchema>,
    /// The first height it decides.
    effective_from: u64,
    /// The first height it no longer decides, if it lapses.
    effective_until: Option<u64>,
    /// Laws it repeals from its effective height.
    repeals: Vec<String>,
    /// Law-making bodies it establishes or reconstitutes.
    constitutes: Vec<LawBodySchema>,
    /// Registries it creates or redefines.
    registries: Vec<RegistryDefSchema>,
    /// Currencies it creates or redefines.
    currencies: Vec<CurrencyDefSchema>,
}

/// An article of a law (`govchain_types::Article`), of a `type`.
#[derive(ToSchema)]
#[schema(as = Article)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ArticleSchema {
    /// A permission rule: `policy` is one Cedar policy, `permit (…)` or `forbid (…)`, as text.
    Permission {
        id: String,
        title: String,
        policy: String,
    },
    /// A legal algorithm: source text for the contract runtime.
    Algorithm {
        id: String,
        title: String,
        language: String,
        source: String,
    },
}

/// A law-making body (`govchain_types::LawBody`).
#[derive(ToSchema)]
#[schema(as = LawBody)]
pub struct LawBodySchema {
    id: String,
    #[schema(pattern = "^(legislature|council|department)$")]
    kind: String,
    jurisdiction: Vec<String>,
    members: Vec<BodyMemberSchema>,
    /// Signatures of distinct members needed to enact.
    threshold: u32,
}

/// A member of a law-making body (`govchain_types::BodyMember`).
#[derive(ToSchema)]
#[schema(as = BodyMember)]
pub struct BodyMemberSchema {
    id: String,
    /// `scheme:hex`.
    key: String,
}

/// A registry's definition (`govchain_types::RegistryDef`).
#[derive(ToSchema)]
#[schema(as = RegistryDef)]
pub struct RegistryDefSchema {
    name: String,
    title: String,
    /// The department that owns it.
    department: String,
    sensitivity: SensitivitySchema,
    fields: Vec<FieldDefSchema>,
    /// Fields with a secondary index.
    indexes: Vec<String>,
    region_field: Option<String>,
    subject_field: Option<String>,
    /// The records are principals of this kind.
    principals: Option<PrincipalKindSchema>,
    jurisdiction_field: Option<String>,
    parent_field: Option<String>,
    representative_field: Option<String>,
}

/// Who may read a registry's records (`govchain_types::Sensitivity`).
#[derive(ToSchema)]
#[schema(as = Sensitivity)]
#[serde(rename_all = "snake_case")]
pub enum SensitivitySchema {
    Public,
    Protected,
    Secret,
}

/// A field of a registry and its type (`govchain_types::FieldDef`), by `type`.
#[derive(ToSchema)]
#[schema(as = FieldDef)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FieldDefSchema {
    /// UTF-8 text of at most `max_len` bytes.
    Text {
        name: String,
        required: bool,
        max_len: u32,
    },
    /// A whole number within `[min, max]`.
    Integer {
        name: String,
        required: bool,
        min: i64,
        max: i64,
    },
    /// A fixed-point number with `scale` digits after the point.
    Decimal {
        name: String,
        required: bool,
        scale: u8,
    },
    Bool {
        name: String,
        required: bool,
    },
    /// `YYYY-MM-DD`.
    Date {
        name: String,
        required: bool,
    },
    /// One of `values`.
    Enum {
        name: String,
        required: bool,
        values: Vec<String>,
    },
    /// The id of a principal, account or record: `to` is `person`, `organisation`,
    /// `principal`, `account` or `record` (then with `registry`).
    Reference {
        name: String,
        required: bool,
        #[schema(pattern = "^(person|organisation|principal|account|record)$")]
        to: String,
        registry: Option<String>,
    },
    /// A hash (hex).
    Hash {
        name: String,
        required: bool,
    },
    /// A region code (six digits).
    Region {
        name: String,
        required: bool,
    },
    /// A set of region codes, or `CN`: a jurisdiction.
    Regions {
        name: String,
        required: bool,
    },
}

/// A currency as its law defines it (`govchain_types::CurrencyDef`).
#[derive(ToSchema)]
#[schema(as = CurrencyDef)]
pub struct CurrencyDefSchema {
    code: String,
    name: String,
    /// Minor-unit places.
    decimals: u8,
    /// The department that issues and redeems it.
    issuer: String,
    /// The most in circulation at once, in minor units (a string of digits), if capped.
    max_supply: Option<String>,
    transfer_fee: Option<TransferFeeSchema>,
}

/// The fee a law sets on transfers (`govchain_types::TransferFee`).
#[derive(ToSchema)]
#[schema(as = TransferFee)]
pub struct TransferFeeSchema {
    /// Minor units, a string of digits.
    flat: String,
    /// Hundredths of a percent of the amount.
    basis_points: u16,
    collector: String,
}

/// An interpretation of articles of a law (`govchain_types::Interpretation`).
#[derive(ToSchema)]
#[schema(as = Interpretation)]
pub struct InterpretationSchema {
    id: String,
    law: String,
    articles: Vec<String>,
    title: String,
    text: String,
    /// The body that gives it.
    body: String,
}

/// One version of a law in its history (`govchain_execution::LawVersion`).
#[derive(ToSchema)]
#[schema(as = LawVersion)]
pub struct LawVersionSchema {
    id: String,
    version: u32,
    level: LevelSchema,
    effective_from: u64,
    effective_until: Option<u64>,
    repeals: Vec<String>,
    /// The bodies it constitutes.
    constitutes: Vec<String>,
    /// The height of the block that enacted it (0 for genesis laws).
    enacted_at: u64,
    /// The members whose signatures enacted it (empty for genesis laws).
    signed_by: Vec<String>,
    title: String,
    /// The height it stopped deciding, and why, if it has (or is scheduled to).
    ended: Option<EndedSchema>,
}

/// Why and from when a law's version no longer decides (`govchain_execution::laws::Ended`).
#[derive(ToSchema)]
#[schema(as = Ended)]
pub struct EndedSchema {
    from: u64,
    /// `superseded by version n`, ``repealed by law `x` version n`` or `lapsed`.
    how: String,
}

/// An interpretation as recorded (`govchain_execution::schema::InterpretationRecord`).
#[derive(ToSchema)]
#[schema(as = InterpretationRecord)]
pub struct InterpretationRecordSchema {
    interpretation: InterpretationSchema,
    recorded_at: u64,
    signed_by: Vec<String>,
}

/// An authorization request (`govchain_law::AuthRequest`).
#[derive(ToSchema)]
#[schema(as = AuthRequest)]
pub struct AuthRequestSchema {
    principal: EntitySchema,
    action: String,
    resource: EntitySchema,
    /// The height it is decided at.
    height: u64,
    via_contract: Option<String>,
    region: Option<String>,
    /// Money moved, in minor units (`context.amount`; 0 when none, or left out).
    amount: i64,
    /// The other party, for money (`context.counterparty`).
    counterparty: String,
    others: Vec<EntitySchema>,
}

/// An entity of a request (`govchain_law::EntityData`).
#[derive(ToSchema)]
#[schema(as = Entity)]
pub struct EntitySchema {
    uid: EntityRefSchema,
    /// Free-form: the attributes the Cedar schema of the laws in force gives the entity's
    /// kind. Each value is a string, an integer, true/false, a set of values, or
    /// `{"entity": {kind, id}}`.
    attrs: BTreeMap<String, AttrValueSchema>,
    /// Every ancestor (the hierarchy is not looked up).
    ancestors: Vec<EntityRefSchema>,
}

/// An entity's type and id (`govchain_law::EntityRef`), e.g. `Official` `off-wang`.
#[derive(ToSchema)]
#[schema(as = EntityRef)]
pub struct EntityRefSchema {
    kind: String,
    id: String,
}

/// A value of an entity attribute (`govchain_law::Value`).
#[derive(ToSchema)]
#[schema(as = AttrValue)]
#[serde(untagged)]
pub enum AttrValueSchema {
    Str(String),
    Long(i64),
    Bool(bool),
    /// A set.
    #[schema(no_recursion)]
    Set(Vec<AttrValueSchema>),
    Entity(EntityValueSchema),
}

/// A reference to an entity as an attribute value (`govchain_law::EntityValue`).
#[derive(ToSchema)]
#[schema(as = EntityValue)]
pub struct EntityValueSchema {
    entity: EntityRefSchema,
}

/// The verification of a bill (`govchain_law::verify::Report`).
#[derive(ToSchema)]
#[schema(as = VerifyReport)]
pub struct VerifyReportSchema {
    law: String,
    version: u32,
    level: LevelSchema,
    /// Whether it could be enacted as it is (shape and schema); conflicts do not block.
    valid: bool,
    findings: Vec<FindingSchema>,
    /// How many requests the conflict search sampled.
    sampled: u64,
    dry_run: DryRunSchema,
}

/// One finding of a verification (`govchain_law::verify::Finding`).
#[derive(ToSchema)]
#[schema(as = Finding)]
pub struct FindingSchema {
    kind: FindingKindSchema,
    /// The bill's article it concerns (empty for the bill as a whole).
    article: String,
    /// The article in force it meets, if any.
    other: Option<CitationSchema>,
    message: String,
    /// A request that shows it.
    witness: Option<AuthRequestSchema>,
}

/// What a finding says (`govchain_law::verify::FindingKind`).
#[derive(ToSchema)]
#[schema(as = FindingKind)]
#[serde(rename_all = "snake_case")]
pub enum FindingKindSchema {
    Invalid,
    ForbiddenByHigher,
    ForbiddenBySameLevel,
    GrantedByHigher,
    LimitedBy,
    RestrictsSameLevel,
    OverridesLower,
    Shadowed,
    NeverDecides,
    Unexercised,
}

/// A bill's dry run over recorded or given requests (`govchain_law::verify::DryRun`).
#[derive(ToSchema)]
#[schema(as = DryRun)]
pub struct DryRunSchema {
    /// How many requests were replayed.
    replayed: u64,
    /// How many decisions change (allowed/denied or the deciding article).
    changed: u64,
    newly_denied: u64,
    newly_allowed: u64,
    /// The first 200 changes, unless `withheld`.
    changes: Vec<ChangeSchema>,
    /// The changes were counted, not listed: the requests replayed were real people's acts.
    withheld: bool,
    /// When recorded requests' changes are listed: the article that let the reader see them.
    decided_by: Option<CitationSchema>,
    /// Of the listed changes, how many had a private party's amount left out.
    amounts_withheld: u64,
    /// Requests that could not be decided.
    undecidable: u64,
}

/// A request whose decision the bill changes (`govchain_law::verify::Change`).
#[derive(ToSchema)]
#[schema(as = Change)]
pub struct ChangeSchema {
    request: AuthRequestSchema,
    before: OutcomeSchema,
    after: OutcomeSchema,
}

/// A decision as a verification reports it (`govchain_law::verify::Outcome`).
#[derive(ToSchema)]
#[schema(as = Outcome)]
pub struct OutcomeSchema {
    allowed: bool,
    decided_by: Option<CitationSchema>,
}
