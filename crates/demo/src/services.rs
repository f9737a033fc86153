//! The demo government's services, deployed at genesis by their departments under their laws.

use crate::id;
use crate::laws::{field, reference, text};
use govchain_types::{FieldType, RefTarget, ServiceDef};

/// Business licences (`business-licence-law` art. 5): granted at once unless the organisation
/// is sanctioned (rejected) or the activity is restricted in its region (a case for a
/// licensing officer of market regulation in that region, art. 14 — two distinct officers who
/// concur, four eyes — whose decision grants the licence or refuses it).
pub fn grant_licence() -> ServiceDef {
    ServiceDef {
        name: id("grant-licence"),
        version: 1,
        title: "Business licence".into(),
        law: id("business-licence-law"),
        articles: vec!["5".into()],
        department: id("market-regulation"),
        form: vec![
            field("organisation", reference(RefTarget::Organisation), true),
            field("activity", text(200), true),
            field("valid_from", FieldType::Date, true),
        ],
        script: GRANT_LICENCE.into(),
    }
}

/// The activities restricted in a region are the region's; the demo restricts fireworks in
/// Dongcheng (`110101`).
const GRANT_LICENCE: &str = r#"
fn decide(app) {
    let org = app.input.organisation;
    if app.applicant != org {
        return #{ outcome: "rejected", article: "5",
                  reason: "an organisation applies for its own licence" };
    }
    let record = record("organisations", org);
    if record == () {
        return #{ outcome: "rejected", article: "5",
                  reason: "the organisation is not in the register of organisations" };
    }
    let sanctions = find("sanctions", "organisation", org);
    let restricted = if record.region == "110101" { ["fireworks"] } else { [] };
    let d = algorithm("business-licence-law", "5", "decide", [record, app.input.activity, sanctions, restricted]);
    if d.decided {
        return #{ outcome: "approved", article: "5",
                  reason: "no sanction, and the activity is allowed in the organisation's region",
                  writes: [#{ registry: "licences", key: "lic-" + org + "-" + app.height,
                              fields: #{ organisation: org, activity: app.input.activity,
                                         region: record.region, valid_from: app.input.valid_from,
                                         status: "granted" } }] };
    }
    if sanctions.len() > 0 {
        return #{ outcome: "rejected", article: "5", reason: d.reason };
    }
    #{ outcome: "official", article: "5", reason: d.reason,
       department: "market-regulation", power: "grant-licence", region: record.region,
       officials: 2, deadline: 1000, reminder: 500 }
}

// A licensing officer's decision of a case: the licence if granted.
fn decided(app, decision) {
    if !decision.approve {
        return #{ outcome: "rejected", article: "5", reason: decision.reasons };
    }
    let record = record("organisations", app.input.organisation);
    #{ outcome: "approved", article: "5", reason: decision.reasons,
       writes: [#{ registry: "licences", key: "lic-" + app.input.organisation + "-" + app.height,
                   fields: #{ organisation: app.input.organisation, activity: app.input.activity,
                              region: record.region, valid_from: app.input.valid_from,
                              status: "granted" } }] }
}
"#;

/// Every service of the demo, as the genesis deploys them.
pub fn services() -> Vec<ServiceDef> {
    vec![grant_licence()]
}
