//! The cast of the demo story as the authorization function sees it: principals with their
//! attributes and ancestors, and the resources they act on.

use govchain_law::{AuthRequest, EntityData, EntityRef, Value, enclosing_regions};
use govchain_types::{BodyKind, LawPackage};

/// An official's position: `(id, department, powers, jurisdiction)`; terms are open-ended.
pub const OFFICIALS: [(&str, &str, &[&str], &[&str]); 8] = [
    (
        "off-wang",
        "civil-affairs-110101",
        &["register-birth", "decide-civil-case"],
        &["110101"],
    ),
    (
        "off-li",
        "civil-affairs-110102",
        &["register-birth", "decide-civil-case"],
        &["110102"],
    ),
    (
        "off-zhao",
        "civil-affairs",
        &["decide-civil-case", "hear-appeal"],
        &["110000"],
    ),
    (
        "off-chen",
        "market-regulation",
        &["grant-licence"],
        &["110000"],
    ),
    (
        "off-sun",
        "hr-social-security",
        &["pay-benefit"],
        &["110000"],
    ),
    (
        "off-zhou",
        "central-bank",
        &["issue-currency", "redeem-currency"],
        &["CN"],
    ),
    ("judge-wu", "court-110000", &["freeze-account"], &["110000"]),
    ("off-qian", "national-audit-office", &["audit"], &["CN"]),
];

/// Departments: `(id, parent, jurisdiction)`.
pub const DEPARTMENTS: [(&str, Option<&str>, &[&str]); 11] = [
    ("civil-affairs", None, &["CN"]),
    ("civil-affairs-110101", Some("civil-affairs"), &["110101"]),
    ("civil-affairs-110102", Some("civil-affairs"), &["110102"]),
    ("market-regulation", None, &["CN"]),
    ("hr-social-security", None, &["CN"]),
    ("central-bank", None, &["CN"]),
    ("treasury", None, &["CN"]),
    ("hospital-110101", None, &["110101"]),
    ("court-110000", None, &["110000"]),
    ("legislature-office", None, &["CN"]),
    ("national-audit-office", None, &["CN"]),
];

/// The district of a citizen `cit-0001` … `cit-0100`: spread over `110101`, `110102` and
/// `310101`; `cit-0001` and `cit-0002` (married parents) live in `110101`.
pub fn citizen_region(n: u32) -> &'static str {
    match n.checked_rem(3) {
        Some(1) | Some(2) if n <= 2 => "110101",
        Some(0) => "310101",
        Some(1) => "110101",
        _ => "110102",
    }
}

fn department_ancestors(id: &str) -> Vec<EntityRef> {
    let mut out = vec![EntityRef::new("Department", id)];
    let mut at = id;
    while let Some((_, Some(parent), _)) = DEPARTMENTS.iter().find(|(d, _, _)| *d == at) {
        out.push(EntityRef::new("Department", *parent));
        at = parent;
    }
    out
}

fn with_ancestors(mut e: EntityData, ancestors: Vec<EntityRef>) -> EntityData {
    for a in ancestors {
        e = e.parent(a);
    }
    e
}

/// An official of [`OFFICIALS`] with an active, open-ended position; `None` for another id.
pub fn official(id: &str) -> Option<EntityData> {
    let (_, department, powers, jurisdiction) = OFFICIALS.iter().find(|o| o.0 == id)?;
    let mut ancestors = department_ancestors(department);
    ancestors.push(EntityRef::new("Principal", id));
    Some(with_ancestors(
        EntityData::new(EntityRef::new("Official", id))
            .attr("department", Value::str(*department))
            .attr("powers", Value::strs(powers.iter().copied()))
            .attr("jurisdiction", Value::strs(jurisdiction.iter().copied()))
            .attr("term_from", Value::Long(0))
            .attr("term_to", Value::Long(i64::MAX))
            .attr("status", Value::str("active")),
        ancestors,
    ))
}

/// The same official with the position ended from `height` (as `off-chen` in the story).
pub fn dismissed(official: EntityData, height: u64) -> EntityData {
    official.attr("status", Value::str("ended")).attr(
        "term_to",
        Value::Long(i64::try_from(height).unwrap_or(i64::MAX)),
    )
}

/// A department of [`DEPARTMENTS`] acting as a principal (a hospital notifying, say).
pub fn department(id: &str) -> Option<EntityData> {
    let (_, _, jurisdiction) = DEPARTMENTS.iter().find(|d| d.0 == id)?;
    let mut ancestors: Vec<EntityRef> = department_ancestors(id).into_iter().skip(1).collect();
    ancestors.push(EntityRef::new("Principal", id));
    Some(with_ancestors(
        EntityData::new(EntityRef::new("Department", id))
            .attr("jurisdiction", Value::strs(jurisdiction.iter().copied()))
            .attr("authority", Value::Bool(false)),
        ancestors,
    ))
}

/// Citizen `cit-NNNN`.
pub fn citizen(n: u32) -> EntityData {
    let id = format!("cit-{n:04}");
    EntityData::new(EntityRef::new("Person", &id))
        .attr("region", Value::str(citizen_region(n)))
        .attr("authority", Value::Bool(false))
        .parent(EntityRef::new("Principal", id))
}

/// Organisation `org-NNNN`, registered in `110101`.
pub fn organisation(n: u32) -> EntityData {
    let id = format!("org-{n:04}");
    EntityData::new(EntityRef::new("Organisation", &id))
        .attr("region", Value::str("110101"))
        .attr("authority", Value::Bool(false))
        .parent(EntityRef::new("Principal", id))
}

/// The contract of a public service, e.g. `register-birth`, `pension`.
pub fn contract(service: &str) -> EntityData {
    let id = format!("service-{service}");
    EntityData::new(EntityRef::new("Contract", &id))
        .attr("service", Value::str(service))
        .attr("version", Value::Long(1))
        .parent(EntityRef::new("Principal", id))
}

/// A law-making body as the principal of `enact`, `constitute` and `interpret`.
pub fn body(id: &str) -> Option<EntityData> {
    let (_, kind, jurisdiction, members, threshold) = crate::BODIES.iter().find(|b| b.0 == id)?;
    let kind: &BodyKind = kind;
    Some(
        EntityData::new(EntityRef::new("Body", id))
            .attr("id", Value::str(id))
            .attr("kind", Value::str(kind.name()))
            .attr("jurisdiction", Value::strs(jurisdiction.iter().copied()))
            .attr(
                "members",
                Value::Long(i64::try_from(members.len()).unwrap_or(i64::MAX)),
            )
            .attr("threshold", Value::Long(i64::from(*threshold))),
    )
}

/// A record of `registry`, owned by `department`, located in `region`, about `subject`.
pub fn record(
    registry: &str,
    key: &str,
    department: &str,
    sensitivity: &str,
    region: &str,
    subject: &str,
) -> EntityData {
    EntityData::new(EntityRef::new("Record", format!("{registry}/{key}")))
        .attr("registry", Value::str(registry))
        .attr("department", Value::str(department))
        .attr("sensitivity", Value::str(sensitivity))
        .attr("regions", Value::strs(enclosing_regions(region)))
        .attr("subject", Value::entity("Principal", subject))
}

/// A CNY account held by `holder` (of kind `person`, `organisation` or `department`).
pub fn account(holder: &str, holder_kind: &str, region: &str, frozen: bool) -> EntityData {
    EntityData::new(EntityRef::new("Account", format!("{holder}/CNY")))
        .attr("currency", Value::str("CNY"))
        .attr("holder", Value::entity("Principal", holder))
        .attr("holder_kind", Value::str(holder_kind))
        .attr("frozen", Value::Bool(frozen))
        .attr("regions", Value::strs(enclosing_regions(region)))
}

/// The currency `CNY`, issued by the central bank, with `supply` fen in circulation.
pub fn cny() -> EntityData {
    EntityData::new(EntityRef::new("Currency", "CNY"))
        .attr("code", Value::str("CNY"))
        .attr("issuer", Value::str("central-bank"))
        .attr("decimals", Value::Long(2))
        .attr("supply", Value::Long(100_000_000_000))
}

/// A request that moves `amount` fen with `counterparty` (the receiver, or the account issued
/// into or redeemed from).
pub fn money(mut request: AuthRequest, amount: i64, counterparty: &str) -> AuthRequest {
    request.amount = amount;
    request.counterparty = counterparty.into();
    request
}

/// A law as the resource of `enact` or `interpret`.
pub fn law(law: &LawPackage) -> EntityData {
    EntityData::new(EntityRef::new("Law", law.id.to_string()))
        .attr("level", Value::str(law.level.name()))
        .attr(
            "jurisdiction",
            Value::strs(law.jurisdiction.iter().cloned()),
        )
        .attr("body", Value::str(law.body.to_string()))
}

/// A request at `height`; its region is the resource's own (the first of its `regions`), or the
/// first region of the law it is about.
pub fn request(
    principal: EntityData,
    action: &str,
    resource: EntityData,
    height: u64,
) -> AuthRequest {
    let region = match resource
        .attrs
        .get("regions")
        .or(resource.attrs.get("jurisdiction"))
    {
        Some(Value::Set(items)) => items.iter().find_map(|v| match v {
            Value::Str(s) if s != "CN" => Some(s.clone()),
            _ => None,
        }),
        _ => None,
    };
    AuthRequest {
        principal,
        action: action.into(),
        resource,
        height,
        via_contract: None,
        amount: 0,
        counterparty: String::new(),
        region,
        others: Vec::new(),
    }
}
