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
        on_insert: vec![],
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

/// `years_before(date, years)`: the date `years` years before `date` (`YYYY-MM-DD`), as scripts
/// compare birth dates with the block's date.
const DATES: &str = r#"
fn years_before(date, years) {
    (parse_int(date.sub_string(0, 4)) - years).to_string() + date.sub_string(4, 6)
}
"#;

/// Birth registration (`civil-registration-law` art. 8): registered at once when a hospital
/// notified the birth and the parents' records agree (the law's algorithm), writing the birth
/// and the child's person record; otherwise a case for a registrar of the district's civil
/// registry office, whose decision registers it or refuses.
pub fn register_birth() -> ServiceDef {
    ServiceDef {
        name: id("register-birth"),
        version: 1,
        title: "Birth registration".into(),
        law: id("civil-registration-law"),
        articles: vec!["8".into()],
        department: id("civil-affairs"),
        form: vec![
            field(
                "notification",
                reference(RefTarget::Record {
                    registry: "birth-notifications".into(),
                }),
                true,
            ),
            field("father", reference(RefTarget::Person), false),
        ],
        script: REGISTER_BIRTH.into(),
        on_insert: vec![],
    }
}

const REGISTER_BIRTH: &str = r#"
fn decide(app) {
    let n = record("birth-notifications", app.input.notification);
    if n == () {
        return #{ outcome: "rejected", article: "8", reason: "no hospital has notified this birth" };
    }
    if n.mother != app.applicant && app.input.father != app.applicant {
        return #{ outcome: "rejected", article: "8",
                  reason: "a parent of the child applies for the registration of its birth" };
    }
    if record("births", "b-" + app.input.notification) != () {
        return #{ outcome: "rejected", article: "8", reason: "this birth is registered already" };
    }
    // The notification names the mother, not the father: a father's declaration is checked
    // by a registrar.
    if n.mother != app.applicant {
        return to_registrar(n, "the father applies: a registrar checks the declaration");
    }
    let mother = record("persons", n.mother);
    let father = if app.input.father == () { () } else { record("persons", app.input.father) };
    if mother == () || (app.input.father != () && father == ()) {
        return to_registrar(n, "a parent is not in the register of persons");
    }
    mother.id = n.mother;
    let d = algorithm("civil-registration-law", "8", "decide", [n, mother, father]);
    if !d.decided {
        return to_registrar(n, d.reason);
    }
    registered(app, n, d.household, "the hospital's notification and the parents' records agree")
}

// A registrar of the district's civil registry office decides.
fn to_registrar(n, reason) {
    let office = if ["110101", "110102"].contains(n.region) { "civil-affairs-" + n.region }
                 else { "civil-affairs" };
    #{ outcome: "official", article: "8", reason: reason, department: office,
       power: "register-birth", region: n.region, deadline: 1000, reminder: 500 }
}

// The birth and the child's person record (in the mother's household, if she has one).
fn registered(app, n, household, reason) {
    let child = "p-" + app.id.sub_string(0, 16);
    let birth = #{ child_name: n.child_name, mother: n.mother, birth_date: n.birth_date,
                   region: n.region, child: child };
    if app.input.father != () { birth.father = app.input.father; }
    let person = #{ name: n.child_name, birth_date: n.birth_date, region: n.region,
                    status: "living" };
    if household != () { person.household = household; }
    #{ outcome: "approved", article: "8", reason: reason,
       writes: [#{ registry: "births", key: "b-" + app.input.notification, fields: birth },
                #{ registry: "persons", key: child, fields: person }] }
}

// A registrar's decision of a case.
fn decided(app, decision) {
    let n = record("birth-notifications", app.input.notification);
    if !decision.approve || n == () {
        return #{ outcome: "rejected", article: "8", reason: decision.reasons };
    }
    let mother = record("persons", n.mother);
    registered(app, n, if mother == () { () } else { mother.household }, decision.reasons)
}
"#;

/// The child subsidy (`child-subsidy-law` art. 1): for a child under three of the applicant's
/// household, the law's algorithm gives the amount from the household's income; the service
/// records the benefit and pays it from the treasury at once. Where the registers cannot
/// decide (the child in another household, no income recorded) a benefits officer does. When a
/// birth is recorded, the service opens the application for each parent itself, to confirm.
pub fn child_subsidy() -> ServiceDef {
    ServiceDef {
        name: id("child-subsidy"),
        version: 1,
        title: "Child subsidy".into(),
        law: id("child-subsidy-law"),
        articles: vec!["1".into()],
        department: id("hr-social-security"),
        // The child's record in the register of persons (a newborn has no key of its own).
        form: vec![field(
            "child",
            reference(RefTarget::Record {
                registry: "persons".into(),
            }),
            true,
        )],
        script: format!("{DATES}{CHILD_SUBSIDY}"),
        on_insert: vec!["births".into()],
    }
}

const CHILD_SUBSIDY: &str = r#"
// A birth recorded: the subsidy is opened for each parent, to confirm (the first to confirm
// receives it).
fn opened(birth) {
    if birth.child == () { return []; }
    let parents = [#{ applicant: birth.mother, input: #{ child: birth.child }, confirm: true }];
    if birth.father != () {
        parents.push(#{ applicant: birth.father, input: #{ child: birth.child }, confirm: true });
    }
    parents
}

fn decide(app) {
    let parent = record("persons", app.applicant);
    let child = record("persons", app.input.child);
    if parent == () || child == () || child.status != "living" {
        return #{ outcome: "rejected", article: "1",
                  reason: "the parent and the child are living persons in the register" };
    }
    if child.birth_date <= years_before(app.date, 3) {
        return #{ outcome: "rejected", article: "1", reason: "the child is three years old or older" };
    }
    if record("benefits", "cs-" + app.input.child) != () {
        return #{ outcome: "rejected", article: "1", reason: "the subsidy for this child is granted already" };
    }
    if parent.household == () || child.household != parent.household {
        return to_officer(parent, "the child is not recorded in the applicant's household");
    }
    let household = record("households", parent.household);
    if household == () || household.income_fen == () {
        return to_officer(parent, "the household's income is not recorded");
    }
    grant(app, parent, household.income_fen,
          "a child under three of the applicant's household, whose income is recorded")
}

fn to_officer(parent, reason) {
    #{ outcome: "official", article: "1", reason: reason, department: "hr-social-security",
       power: "pay-benefit", region: parent.region, deadline: 1000, reminder: 500 }
}

fn grant(app, parent, income, reason) {
    let amount = algorithm("child-subsidy-law", "1", "amount", [1, income]);
    if amount <= 0 {
        return #{ outcome: "rejected", article: "1",
                  reason: "the household's income is above the subsidy's brackets" };
    }
    #{ outcome: "approved", article: "1", reason: reason,
       writes: [#{ registry: "benefits", key: "cs-" + app.input.child,
                   fields: #{ beneficiary: app.applicant, benefit: "child-subsidy",
                              amount_fen: amount, region: parent.region, from: app.date } }],
       payments: [#{ from: "treasury", to: app.applicant, currency: "CNY", amount: amount }] }
}

// A benefits officer's decision: granted at the amount of the household's income if recorded,
// else of the lowest bracket.
fn decided(app, decision) {
    let parent = record("persons", app.applicant);
    if !decision.approve || parent == () {
        return #{ outcome: "rejected", article: "1", reason: decision.reasons };
    }
    let household = if parent.household == () { () } else { record("households", parent.household) };
    let income = if household == () || household.income_fen == () { 0 } else { household.income_fen };
    grant(app, parent, income, decision.reasons)
}
"#;

/// The monthly pension (`pension-law` arts. 1 and 2): granted at the pension age with 180
/// months of contributions or more, its amount from the person's pension account by the law's
/// algorithm; recorded as a benefit, then paid from the treasury every month (a schedule of
/// the law's month in blocks) while the pensioner lives and the benefit stands. No account: a
/// case for a pensions officer.
pub fn pension() -> ServiceDef {
    ServiceDef {
        name: id("pension"),
        version: 1,
        title: "Monthly pension".into(),
        law: id("pension-law"),
        articles: vec!["1".into(), "2".into()],
        department: id("hr-social-security"),
        form: vec![],
        script: format!("{DATES}{PENSION}"),
        on_insert: vec![],
    }
}

const PENSION: &str = r#"
fn decide(app) {
    let person = record("persons", app.applicant);
    if person == () || person.status != "living" {
        return #{ outcome: "rejected", article: "1",
                  reason: "the applicant is not a living person in the register" };
    }
    let age = algorithm("pension-law", "1", "pension_age", []);
    if person.birth_date > years_before(app.date, age) {
        return #{ outcome: "rejected", article: "1", reason: "the applicant has not reached the pension age" };
    }
    if record("benefits", "pension-" + app.applicant) != () {
        return #{ outcome: "rejected", article: "1", reason: "a pension is granted already" };
    }
    let account = record("pension-accounts", app.applicant);
    if account == () {
        return #{ outcome: "official", article: "1",
                  reason: "no pension account is recorded: an officer establishes the contributions",
                  department: "hr-social-security", power: "pay-benefit", region: person.region,
                  deadline: 1000, reminder: 500 };
    }
    grant(app, person, account, "of pension age, with 180 months of contributions or more")
}

fn grant(app, person, account, reason) {
    let wage = algorithm("pension-law", "1", "average_wage", []);
    let amount = algorithm("pension-law", "1", "monthly",
                           [account.contribution_months, wage, account.account_balance_fen]);
    if amount <= 0 {
        return #{ outcome: "rejected", article: "1", reason: "fewer than 180 months of contributions" };
    }
    let month = algorithm("pension-law", "1", "month_blocks", []);
    #{ outcome: "approved", article: "1", reason: reason,
       writes: [#{ registry: "benefits", key: "pension-" + app.applicant,
                   fields: #{ beneficiary: app.applicant, benefit: "pension", amount_fen: amount,
                              region: person.region, from: app.date } }],
       schedule: #{ every: month, granted: #{ amount_fen: amount } } }
}

// Each month: paid while the pensioner lives and the benefit stands.
fn scheduled(app, period) {
    let person = record("persons", app.applicant);
    if person == () || person.status != "living" {
        return #{ outcome: "rejected", article: "2", reason: "the pensioner is no longer living: the pension ends" };
    }
    if record("benefits", "pension-" + app.applicant) == () {
        return #{ outcome: "rejected", article: "2", reason: "the pension's record is closed: the pension ends" };
    }
    // The amount granted, fixed at the grant: editing the benefit's record moves no money.
    #{ outcome: "approved", article: "2", reason: "month " + period,
       payments: [#{ from: "treasury", to: app.applicant, currency: "CNY", amount: app.granted.amount_fen }] }
}

// A pensions officer's decision, once the account is established.
fn decided(app, decision) {
    let person = record("persons", app.applicant);
    let account = record("pension-accounts", app.applicant);
    if !decision.approve || person == () || account == () {
        return #{ outcome: "rejected", article: "1", reason: decision.reasons };
    }
    grant(app, person, account, decision.reasons)
}
"#;

/// Every service of the demo, as the genesis deploys them.
pub fn services() -> Vec<ServiceDef> {
    vec![
        grant_licence(),
        register_birth(),
        child_subsidy(),
        pension(),
    ]
}
