//! The laws of the demo government in force at genesis (DEMO.md, "Laws in force at genesis").

use crate::id;
use govchain_types::{
    Amount, Article, ArticleKind, CurrencyDef, FieldDef, FieldType, LawPackage, Level,
    PrincipalKind, RefTarget, RegistryDef, Sensitivity,
};

pub(crate) fn field(name: &str, ty: FieldType, required: bool) -> FieldDef {
    FieldDef {
        name: name.into(),
        ty,
        required,
    }
}

pub(crate) fn text(n: u32) -> FieldType {
    FieldType::Text { max_len: n }
}

pub(crate) fn reference(to: RefTarget) -> FieldType {
    FieldType::Reference(to)
}

fn one_of(values: &[&str]) -> FieldType {
    FieldType::Enum {
        values: values.iter().map(|v| (*v).to_string()).collect(),
    }
}

/// A registry owned by `department`, placed by its `region` field when it has one.
fn registry(
    name: &str,
    title: &str,
    department: &str,
    sensitivity: Sensitivity,
    fields: Vec<FieldDef>,
    indexes: &[&str],
) -> RegistryDef {
    let has = |n: &str| fields.iter().any(|f| f.name == n);
    RegistryDef {
        name: name.into(),
        title: title.into(),
        department: id(department),
        sensitivity,
        region_field: has("region").then(|| "region".to_string()),
        indexes: indexes.iter().map(|i| (*i).to_string()).collect(),
        fields,
        subject_field: None,
        principals: None,
        jurisdiction_field: None,
        parent_field: None,
        representative_field: None,
    }
}

fn about(mut def: RegistryDef, subject: &str) -> RegistryDef {
    def.subject_field = Some(subject.into());
    def
}

fn permit(id: &str, title: &str, policy: &str) -> Article {
    Article {
        id: id.into(),
        title: title.into(),
        kind: ArticleKind::Permission {
            policy: policy.into(),
        },
    }
}

fn algorithm(id: &str, title: &str, source: &str) -> Article {
    Article {
        id: id.into(),
        title: title.into(),
        kind: ArticleKind::Algorithm {
            language: "rhai".into(),
            source: source.into(),
        },
    }
}

/// The articles that let a ministry run a service under its law, numbered from `first`:
/// `department` deploys the law's services; persons apply to `service` and read their own
/// applications to it; an official of the case's department with its power, in the
/// jurisdiction, decides its cases and reads them.
fn service_articles(
    first: u32,
    law: &str,
    service: &str,
    department: &str,
    power: &str,
) -> Vec<Article> {
    let n = |i: u32| first.saturating_add(i).to_string();
    vec![
        permit(
            &n(0),
            &format!("{department} deploys the services that carry out this law"),
            &format!(
                r#"permit (principal is Department, action == Action::"deploy", resource is Service)
                   when {{ principal in Department::"{department}" && resource.law == "{law}"
                          && resource.department == "{department}" }};"#
            ),
        ),
        permit(
            &n(1),
            &format!(
                "a person applies to the `{service}` service, reads their applications to it, and appeals their rejection"
            ),
            &format!(
                r#"permit (principal is Person, action in [Action::"apply", Action::"read", Action::"appeal"], resource)
                   when {{ (resource is Service && resource.name == "{service}")
                          || (resource is Application && resource.service == "{service}"
                              && principal in resource.applicant) }};"#
            ),
        ),
        permit(
            &n(2),
            &format!(
                "an official of the case's department with the power it needs (`{power}`, or `hear-appeal` for an appeal) decides and reads the `{service}` cases of the position's jurisdiction"
            ),
            &format!(
                r#"permit (principal is Official, action in [Action::"decide", Action::"read"], resource)
                   when {{ (resource is Case || resource is Application) && resource.service == "{service}"
                          && principal.department == resource.department
                          && principal.powers.contains(resource.power)
                          && principal.jurisdiction.containsAny(resource.regions) }};"#
            ),
        ),
    ]
}

fn national(law: &str, title: &str, articles: Vec<Article>) -> LawPackage {
    LawPackage {
        id: id(law),
        version: 1,
        title: title.into(),
        level: Level::National,
        body: id("legislature"),
        jurisdiction: vec![],
        articles,
        effective_from: 0,
        effective_until: None,
        repeals: vec![],
        constitutes: vec![],
        registries: vec![],
        currencies: vec![],
    }
}

/// Every law in force at genesis: the constitution first.
pub fn laws() -> Vec<LawPackage> {
    vec![
        govchain_law::bootstrap::constitution(),
        state_organisation_law(),
        civil_registration_law(),
        business_licence_law(),
        child_subsidy_law(),
        pension_law(),
        currency_law(),
        regional_regulation(),
    ]
}

/// The register of departments: names, jurisdictions, and the hierarchy of the state.
pub fn state_organisation_law() -> LawPackage {
    let mut departments = registry(
        "departments",
        "Departments of the state",
        "legislature",
        Sensitivity::Public,
        vec![
            field("name", text(200), true),
            field("jurisdiction", FieldType::Regions, true),
            field("parent", reference(RefTarget::Principal), false),
        ],
        &["parent"],
    );
    departments.principals = Some(PrincipalKind::Department);
    departments.jurisdiction_field = Some("jurisdiction".into());
    departments.parent_field = Some("parent".into());
    LawPackage {
        registries: vec![departments],
        ..national(
            "state-organisation-law",
            "State Organisation Law",
            vec![
                permit(
                    "1",
                    "the legislature keeps the register of departments",
                    r#"permit (principal is Legislature, action in [Action::"insert", Action::"update", Action::"close"], resource is Record)
                   when { resource.registry == "departments" };"#,
                ),
                permit(
                    "2",
                    "the legislature binds and revokes the keys of departments, of the legislature, of officials and of the members of law-making bodies",
                    r#"permit (principal is Legislature, action == Action::"manage-keys", resource is Principal)
                   when { resource.kind == "department" || resource.kind == "legislature"
                          || resource.official || resource.lawmaker };"#,
                ),
                permit(
                    "4",
                    "the national audit office appoints auditors",
                    r#"permit (principal is Department, action == Action::"appoint", resource is Position)
                   when { principal in Department::"national-audit-office" && resource in principal
                          && ["audit"].containsAll(resource.powers) };"#,
                ),
            ],
        )
    }
}

/// Registries of persons, households and births: who registers, and who reads.
pub fn civil_registration_law() -> LawPackage {
    let mut persons = registry(
        "persons",
        "Persons",
        "civil-affairs",
        Sensitivity::Protected,
        vec![
            field("name", text(200), true),
            field("birth_date", FieldType::Date, true),
            field("sex", one_of(&["female", "male"]), false),
            field("region", FieldType::Region, true),
            field(
                "household",
                reference(RefTarget::Record {
                    registry: "households".into(),
                }),
                false,
            ),
            field("status", one_of(&["living", "deceased"]), true),
        ],
        &["region", "household"],
    );
    persons.principals = Some(PrincipalKind::Person);
    let households = registry(
        "households",
        "Households",
        "civil-affairs",
        Sensitivity::Protected,
        vec![
            field("region", FieldType::Region, true),
            field("address", text(500), false),
            field(
                "income_fen",
                FieldType::Integer {
                    min: 0,
                    max: 100_000_000_000,
                },
                false,
            ),
        ],
        &["region"],
    );
    let births = about(
        registry(
            "births",
            "Births",
            "civil-affairs",
            Sensitivity::Protected,
            vec![
                field("child_name", text(200), true),
                field("mother", reference(RefTarget::Person), true),
                field("father", reference(RefTarget::Person), false),
                field("birth_date", FieldType::Date, true),
                field("region", FieldType::Region, true),
                field("child", text(64), false),
            ],
            &["mother", "region"],
        ),
        "mother",
    );
    let notifications = about(
        registry(
            "birth-notifications",
            "Birth notifications from hospitals",
            "civil-affairs",
            Sensitivity::Protected,
            vec![
                field("child_name", text(200), true),
                field("mother", reference(RefTarget::Person), true),
                field("birth_date", FieldType::Date, true),
                field("region", FieldType::Region, true),
                field("hospital", reference(RefTarget::Principal), true),
            ],
            &["mother"],
        ),
        "mother",
    );
    // A secret registry: the hospital's medical record of a birth stays with the hospital; the
    // chain keeps its salted hash, so the record can be proven unaltered later.
    let medical = about(
        registry(
            "birth-medical-records",
            "Medical records of births (hash only)",
            "civil-affairs",
            Sensitivity::Secret,
            vec![
                field("mother", reference(RefTarget::Person), true),
                field("region", FieldType::Region, true),
                field("hospital", reference(RefTarget::Principal), true),
                field("document", FieldType::Hash, true),
            ],
            &["mother"],
        ),
        "mother",
    );
    let cases = about(
        registry(
            "civil-cases",
            "Civil affairs cases",
            "civil-affairs",
            Sensitivity::Protected,
            vec![
                field("applicant", reference(RefTarget::Principal), true),
                field("matter", text(500), true),
                field("region", FieldType::Region, true),
                field("decision", one_of(&["pending", "granted", "refused"]), true),
            ],
            &["applicant", "decision"],
        ),
        "applicant",
    );
    LawPackage {
        registries: vec![persons, households, births, notifications, medical, cases],
        ..civil_registration_law_text()
    }
}

fn civil_registration_law_text() -> LawPackage {
    let mut law = national(
        "civil-registration-law",
        "Civil Registration Law",
        vec![
            permit(
                "1",
                "a registrar registers births",
                r#"permit (principal is Official, action == Action::"insert", resource is Record)
                   when { resource.registry == "births" && principal.powers.contains("register-birth") };"#,
            ),
            permit(
                "2",
                "a hospital notifies the births in its jurisdiction, and records the hash of its medical record of each",
                r#"permit (principal is Department, action == Action::"insert", resource is Record)
                   when { ["birth-notifications", "birth-medical-records"].contains(resource.registry)
                          && principal.jurisdiction.containsAny(resource.regions) };"#,
            ),
            permit(
                "3",
                "the birth-registration service records the births it decides",
                r#"permit (principal is Contract, action == Action::"insert", resource is Record)
                   when { principal.service == "register-birth"
                          && ["births", "persons", "households"].contains(resource.registry) };"#,
            ),
            permit(
                "4",
                "civil-affairs officials keep the persons, households and births registries",
                r#"permit (principal is Official, action in [Action::"read", Action::"update"], resource is Record)
                   when { ["persons", "households", "births"].contains(resource.registry)
                          && principal.department like "civil-affairs*" };"#,
            ),
            permit(
                "5",
                "a person reads the records about them",
                r#"permit (principal is Person, action == Action::"read", resource is Record)
                   when { principal in resource.subject };"#,
            ),
            permit(
                "6",
                "a registrar decides civil cases",
                r#"permit (principal is Official, action == Action::"decide", resource is Record)
                   when { resource.registry == "civil-cases" && principal.powers.contains("decide-civil-case") };"#,
            ),
            permit(
                "7",
                "only registrars and the birth service register births; hospitals notify them",
                r#"forbid (principal is Department, action == Action::"insert", resource is Record)
                   when { resource.registry == "births" };"#,
            ),
            permit(
                "10",
                "civil affairs binds and revokes the keys of persons in its jurisdiction who hold no office and sit on no law-making body",
                r#"permit (principal is Department, action == Action::"manage-keys", resource is Principal)
                   when { resource.kind == "person" && principal in Department::"civil-affairs"
                          && principal.jurisdiction.containsAny(resource.regions)
                          && !resource.official && !resource.lawmaker && !resource.authority };"#,
            ),
            permit(
                "11",
                "civil affairs appoints registrars and heads of civil registration",
                r#"permit (principal is Department, action == Action::"appoint", resource is Position)
                   when { principal in Department::"civil-affairs" && resource in principal
                          && ["register-birth", "decide-civil-case", "hear-appeal"].containsAll(resource.powers) };"#,
            ),
            permit(
                "16",
                "the birth-registration service reads the hospitals' notifications and the registers of persons, households and births",
                r#"permit (principal is Contract, action == Action::"read", resource is Record)
                   when { principal.service == "register-birth"
                          && ["birth-notifications", "persons", "households", "births"].contains(resource.registry) };"#,
            ),
            permit(
                "9",
                "the Ministry of Civil Affairs loads the initial registers of persons and households",
                r#"permit (principal is Department, action == Action::"import", resource is Registry)
                   when { principal in Department::"civil-affairs" && ["persons", "households"].contains(resource.name) };"#,
            ),
            algorithm(
                "8",
                "a birth is decided automatically when the notification and the parents' records agree",
                r#"// Inputs: the hospital's notification and the registry records of both parents.
fn decide(notification, mother, father) {
    if notification.mother != mother.id { return #{ decided: false, reason: "the mother is not the person notified" }; }
    if mother.status != "living" { return #{ decided: false, reason: "the mother's record is not current" }; }
    if father != () && father.household != mother.household {
        return #{ decided: false, reason: "the parents' households differ: a registrar decides" };
    }
    #{ decided: true, household: mother.household, region: mother.region }
}"#,
            ),
        ],
    );
    law.articles.extend(service_articles(
        13,
        "civil-registration-law",
        "register-birth",
        "civil-affairs",
        "register-birth",
    ));
    law
}

/// Organisations and business licences.
pub fn business_licence_law() -> LawPackage {
    let mut organisations = registry(
        "organisations",
        "Organisations",
        "market-regulation",
        Sensitivity::Public,
        vec![
            field("name", text(200), true),
            field("region", FieldType::Region, true),
            field("representative", reference(RefTarget::Person), true),
            field(
                "form",
                one_of(&["company", "partnership", "association", "sole-trader"]),
                true,
            ),
        ],
        &["region", "representative"],
    );
    organisations.principals = Some(PrincipalKind::Organisation);
    organisations.representative_field = Some("representative".into());
    let licences = about(
        registry(
            "licences",
            "Business licences",
            "market-regulation",
            Sensitivity::Public,
            vec![
                field("organisation", reference(RefTarget::Organisation), true),
                field("activity", text(200), true),
                field("region", FieldType::Region, true),
                field("valid_from", FieldType::Date, true),
                field("status", one_of(&["granted", "revoked"]), true),
            ],
            &["organisation", "region"],
        ),
        "organisation",
    );
    let sanctions = about(
        registry(
            "sanctions",
            "Sanctions on organisations",
            "market-regulation",
            Sensitivity::Public,
            vec![
                field("organisation", reference(RefTarget::Organisation), true),
                field("reason", text(500), true),
                field("from", FieldType::Date, true),
                field("region", FieldType::Region, true),
            ],
            &["organisation"],
        ),
        "organisation",
    );
    let applications = about(
        registry(
            "licence-applications",
            "Applications for business licences",
            "market-regulation",
            Sensitivity::Protected,
            vec![
                field("organisation", reference(RefTarget::Organisation), true),
                field("activity", text(200), true),
                field("region", FieldType::Region, true),
            ],
            &["organisation"],
        ),
        "organisation",
    );
    LawPackage {
        registries: vec![organisations, licences, sanctions, applications],
        ..business_licence_law_text()
    }
}

fn business_licence_law_text() -> LawPackage {
    national(
        "business-licence-law",
        "Business Licence Law",
        vec![
            permit(
                "1",
                "a licensing officer grants and amends licences",
                r#"permit (principal is Official, action in [Action::"insert", Action::"update"], resource is Record)
                   when { resource.registry == "licences" && principal.powers.contains("grant-licence") };"#,
            ),
            permit(
                "2",
                "the licensing service grants the licences it decides",
                r#"permit (principal is Contract, action == Action::"insert", resource is Record)
                   when { principal.service == "grant-licence" && resource.registry == "licences" };"#,
            ),
            permit(
                "3",
                "market regulation keeps the registers of organisations and sanctions",
                r#"permit (principal is Official, action in [Action::"read", Action::"insert", Action::"update"], resource is Record)
                   when { ["organisations", "sanctions"].contains(resource.registry)
                          && principal.department == "market-regulation" };"#,
            ),
            permit(
                "4",
                "an organisation reads the records about it",
                r#"permit (principal is Organisation, action == Action::"read", resource is Record)
                   when { principal in resource.subject };"#,
            ),
            permit(
                "7",
                "an organisation, through its representative, applies for a licence and reads its applications",
                r#"permit (principal is Organisation, action in [Action::"insert", Action::"read"], resource is Record)
                   when { resource.registry == "licence-applications" && principal in resource.subject };"#,
            ),
            permit(
                "8",
                "licensing officers read the applications",
                r#"permit (principal is Official, action == Action::"read", resource is Record)
                   when { resource.registry == "licence-applications" && principal.powers.contains("grant-licence") };"#,
            ),
            permit(
                "9",
                "market regulation binds and revokes the keys of organisations in its jurisdiction",
                r#"permit (principal is Department, action == Action::"manage-keys", resource is Principal)
                   when { resource.kind == "organisation" && principal in Department::"market-regulation"
                          && principal.jurisdiction.containsAny(resource.regions) && !resource.authority };"#,
            ),
            permit(
                "10",
                "market regulation appoints licensing officers",
                r#"permit (principal is Department, action == Action::"appoint", resource is Position)
                   when { principal in Department::"market-regulation" && resource in principal
                          && ["grant-licence", "hear-appeal"].containsAll(resource.powers) };"#,
            ),
            permit(
                "11",
                "market regulation deploys the services that carry out this law",
                r#"permit (principal is Department, action == Action::"deploy", resource is Service)
                   when { principal in Department::"market-regulation" && resource.law == "business-licence-law"
                          && resource.department == "market-regulation" };"#,
            ),
            permit(
                "12",
                "an organisation, through its representative, applies for a licence",
                r#"permit (principal is Organisation, action == Action::"apply", resource is Service)
                   when { resource.name == "grant-licence" };"#,
            ),
            permit(
                "14",
                "a licensing officer of market regulation decides the licence cases in the position's jurisdiction",
                r#"permit (principal is Official, action == Action::"decide", resource is Case)
                   when { resource.service == "grant-licence" && principal.department == resource.department
                          && principal.powers.contains(resource.power)
                          && principal.jurisdiction.containsAny(resource.regions) };"#,
            ),
            permit(
                "15",
                "an organisation, through its representative, reads its licence applications and appeals their rejection",
                r#"permit (principal is Organisation, action in [Action::"read", Action::"appeal"], resource is Application)
                   when { resource.service == "grant-licence" && principal in resource.applicant };"#,
            ),
            permit(
                "16",
                "a licensing officer reads the licence cases of the position's jurisdiction",
                r#"permit (principal is Official, action == Action::"read", resource is Application)
                   when { resource.service == "grant-licence" && principal.powers.contains("grant-licence")
                          && principal.jurisdiction.containsAny(resource.regions) };"#,
            ),
            permit(
                "13",
                "the licensing service reads the registers of organisations and sanctions",
                r#"permit (principal is Contract, action == Action::"read", resource is Record)
                   when { principal.service == "grant-licence" && ["organisations", "sanctions"].contains(resource.registry) };"#,
            ),
            permit(
                "6",
                "market regulation loads the initial registers of organisations and licences",
                r#"permit (principal is Department, action == Action::"import", resource is Registry)
                   when { principal in Department::"market-regulation" && ["organisations", "licences"].contains(resource.name) };"#,
            ),
            algorithm(
                "5",
                "a licence is granted automatically unless the organisation is sanctioned or the activity is restricted in its region",
                r#"fn decide(organisation, activity, sanctions, restricted) {
    if sanctions.len() > 0 { return #{ decided: false, reason: "the organisation is under a sanction" }; }
    if restricted.contains(activity) { return #{ decided: false, reason: "the activity is restricted in the region" }; }
    #{ decided: true }
}"#,
            ),
        ],
    )
}

/// The child subsidy: eligibility and amount, paid from the treasury.
pub fn child_subsidy_law() -> LawPackage {
    let cases = about(
        registry(
            "benefit-cases",
            "Benefit cases the data could not decide",
            "hr-social-security",
            Sensitivity::Protected,
            vec![
                field("applicant", reference(RefTarget::Person), true),
                field("benefit", one_of(&["child-subsidy", "pension"]), true),
                field("region", FieldType::Region, true),
                field("decision", one_of(&["pending", "granted", "refused"]), true),
            ],
            &["applicant", "decision"],
        ),
        "applicant",
    );
    LawPackage {
        registries: vec![cases],
        ..child_subsidy_law_text()
    }
}

fn child_subsidy_law_text() -> LawPackage {
    let mut law = national(
        "child-subsidy-law",
        "Child Subsidy Law",
        vec![
            algorithm(
                "1",
                "the monthly subsidy per child under three, by household income bracket (fen)",
                r#"fn amount(children_under_3, household_income_fen) {
    let per_child = if household_income_fen < 500000 { 50000 }
        else if household_income_fen < 1500000 { 30000 }
        else { 0 };
    children_under_3 * per_child
}"#,
            ),
            permit(
                "2",
                "the child-subsidy service pays from the treasury",
                r#"permit (principal is Contract, action == Action::"transfer", resource is Account)
                   when { principal.service == "child-subsidy" && resource.holder == Principal::"treasury"
                          && resource.currency == "CNY" };"#,
            ),
            permit(
                "3",
                "a benefits officer decides the subsidy cases the data cannot",
                r#"permit (principal is Official, action == Action::"decide", resource is Record)
                   when { resource.registry == "benefit-cases" && principal.powers.contains("pay-benefit") };"#,
            ),
            permit(
                "4",
                "the child-subsidy service decides from the registers of persons, households and births, and records the subsidies it grants",
                r#"permit (principal is Contract, action in [Action::"read", Action::"insert"], resource is Record)
                   when { principal.service == "child-subsidy"
                          && (resource.registry == "benefits"
                              || (action == Action::"read" && ["persons", "households", "births"].contains(resource.registry))) };"#,
            ),
        ],
    );
    law.articles.extend(service_articles(
        5,
        "child-subsidy-law",
        "child-subsidy",
        "hr-social-security",
        "pay-benefit",
    ));
    law
}

/// Pensions: the monthly amount and who pays it.
pub fn pension_law() -> LawPackage {
    let benefits = about(
        registry(
            "benefits",
            "Benefits granted",
            "hr-social-security",
            Sensitivity::Protected,
            vec![
                field("beneficiary", reference(RefTarget::Person), true),
                field("benefit", one_of(&["child-subsidy", "pension"]), true),
                field(
                    "amount_fen",
                    FieldType::Integer {
                        min: 0,
                        max: 1_000_000_000,
                    },
                    true,
                ),
                field("region", FieldType::Region, true),
                field("from", FieldType::Date, true),
            ],
            &["beneficiary"],
        ),
        "beneficiary",
    );
    let accounts = about(
        registry(
            "pension-accounts",
            "Pension insurance accounts",
            "hr-social-security",
            Sensitivity::Protected,
            vec![
                field("person", reference(RefTarget::Person), true),
                field(
                    "contribution_months",
                    FieldType::Integer { min: 0, max: 1200 },
                    true,
                ),
                field(
                    "account_balance_fen",
                    FieldType::Integer {
                        min: 0,
                        max: 100_000_000_000,
                    },
                    true,
                ),
                field("region", FieldType::Region, true),
            ],
            &["person"],
        ),
        "person",
    );
    LawPackage {
        registries: vec![benefits, accounts],
        ..pension_law_text()
    }
}

fn pension_law_text() -> LawPackage {
    let mut law = national(
        "pension-law",
        "Pension Law",
        vec![
            algorithm(
                "1",
                "the monthly pension: a basic part and an individual part (fen)",
                r#"fn monthly(contribution_months, average_wage_fen, account_balance_fen) {
    if contribution_months < 180 { return 0; }
    let basic = average_wage_fen * contribution_months / 1200;
    let individual = account_balance_fen / 139;
    basic + individual
}
// The average monthly wage the basic part is reckoned on (fen).
fn average_wage() { 1000000 }
// A month of pension, in blocks (the demo chain's month).
fn month_blocks() { 30 }
// The pension age, in years.
fn pension_age() { 60 }"#,
            ),
            permit(
                "2",
                "the pension service pays pensions from the treasury",
                r#"permit (principal is Contract, action == Action::"transfer", resource is Account)
                   when { principal.service == "pension" && resource.holder == Principal::"treasury"
                          && resource.currency == "CNY" };"#,
            ),
            permit(
                "3",
                "a pensions officer records benefits",
                r#"permit (principal is Official, action in [Action::"insert", Action::"update"], resource is Record)
                   when { resource.registry == "benefits" && principal.powers.contains("pay-benefit") };"#,
            ),
            permit(
                "4",
                "human resources and social security appoints pensions officers",
                r#"permit (principal is Department, action == Action::"appoint", resource is Position)
                   when { principal in Department::"hr-social-security" && resource in principal
                          && ["pay-benefit", "hear-appeal"].containsAll(resource.powers) };"#,
            ),
            permit(
                "5",
                "the pension service decides from the registers of persons and pension accounts, records the pensions it grants and pays them every month",
                r#"permit (principal is Contract, action in [Action::"read", Action::"insert"], resource is Record)
                   when { principal.service == "pension"
                          && (resource.registry == "benefits"
                              || (action == Action::"read" && ["persons", "pension-accounts"].contains(resource.registry))) };"#,
            ),
            permit(
                "9",
                "human resources and social security keeps the pension accounts",
                r#"permit (principal is Official, action in [Action::"read", Action::"insert", Action::"update"], resource is Record)
                   when { resource.registry == "pension-accounts" && principal.powers.contains("pay-benefit") };"#,
            ),
        ],
    );
    law.articles.extend(service_articles(
        6,
        "pension-law",
        "pension",
        "hr-social-security",
        "pay-benefit",
    ));
    law
}

/// Most CNY the central bank may have in circulation (fen): 100 trillion yuan.
pub const CNY_MAX_SUPPLY: i128 = 10_000_000_000_000_000;
/// Most CNY one issuance may create (fen): 10 billion yuan.
pub const CNY_MAX_ISSUE: i64 = 1_000_000_000_000;

/// Legal tender: the currency, who issues and redeems it and within which limits, who moves
/// it, who freezes it.
pub fn currency_law() -> LawPackage {
    LawPackage {
        currencies: vec![CurrencyDef {
            code: "CNY".into(),
            name: "Renminbi".into(),
            decimals: 2,
            issuer: id("central-bank"),
            max_supply: Some(Amount(CNY_MAX_SUPPLY)),
            transfer_fee: None,
        }],
        ..national(
            "currency-law",
            "Currency Law",
            vec![
                permit(
                    "1",
                    "the central bank's governor issues CNY, at most 10 billion yuan at once",
                    &format!(
                        r#"permit (principal is Official, action == Action::"issue", resource is Currency)
                   when {{ resource.code == "CNY" && resource.issuer == "central-bank"
                          && principal.department == "central-bank" && principal.powers.contains("issue-currency")
                          && context.amount <= {CNY_MAX_ISSUE} }};"#
                    ),
                ),
                permit(
                    "2",
                    "the central bank's governor redeems CNY from the central bank's own account",
                    r#"permit (principal is Official, action == Action::"redeem", resource is Currency)
                   when { resource.code == "CNY" && resource.issuer == "central-bank"
                          && principal.department == "central-bank" && principal.powers.contains("redeem-currency")
                          && context.counterparty == "central-bank" };"#,
                ),
                permit(
                    "3",
                    "a holder transfers from its own account (an organisation through its representative)",
                    r#"permit (principal, action == Action::"transfer", resource is Account)
                   when { principal in resource.holder };"#,
                ),
                permit(
                    "4",
                    "nothing moves from a frozen account",
                    r#"forbid (principal, action == Action::"transfer", resource is Account)
                   when { resource.frozen };"#,
                ),
                permit(
                    "5",
                    "a court freezes and unfreezes accounts within its jurisdiction by order",
                    r#"permit (principal is Official, action in [Action::"freeze", Action::"unfreeze"], resource is Account)
                   when { principal.powers.contains("freeze-account")
                          && principal.jurisdiction.containsAny(resource.regions) };"#,
                ),
                permit(
                    "6",
                    "a holder reads its own account and statement; so do the courts within their jurisdiction and the state auditor",
                    r#"permit (principal, action == Action::"read", resource is Account)
                   when { principal in resource.holder
                          || (principal is Official && principal.powers.contains("audit"))
                          || (principal is Official && principal.powers.contains("freeze-account")
                              && principal.jurisdiction.containsAny(resource.regions)) };"#,
                ),
                permit(
                    "7",
                    "the central bank appoints its governors, and a court its judges",
                    r#"permit (principal is Department, action == Action::"appoint", resource is Position)
                   when { resource in principal
                          && ((principal in Department::"central-bank"
                               && ["issue-currency", "redeem-currency"].containsAll(resource.powers))
                              || (principal in Department::"court-110000"
                                  && ["freeze-account"].containsAll(resource.powers))) };"#,
                ),
            ],
        )
    }
}

/// The regional regulation of `110000`: one article within the national laws, one that tries
/// to permit what a national law forbids (the conflict report's example; the hierarchy makes it
/// decide nothing), and the activities restricted in the region.
pub fn regional_regulation() -> LawPackage {
    LawPackage {
        id: id("regional-regulation-110000"),
        version: 1,
        title: "Regional Regulation of 110000".into(),
        level: Level::Regional,
        body: id("council-110000"),
        jurisdiction: vec!["110000".into()],
        articles: vec![
            permit(
                "1",
                "officials of the region read the licences of the region",
                r#"permit (principal is Official, action == Action::"read", resource is Record)
                   when { resource.registry == "licences" && principal.jurisdiction.containsAny(resource.regions) };"#,
            ),
            permit(
                "2",
                "hospitals register births directly",
                r#"permit (principal is Department, action == Action::"insert", resource is Record)
                   when { resource.registry == "births" };"#,
            ),
            algorithm(
                "3",
                "activities restricted in the region",
                r#"fn restricted() { ["fireworks", "mining"] }"#,
            ),
        ],
        effective_from: 0,
        effective_until: None,
        repeals: vec![],
        constitutes: vec![],
        registries: vec![],
        currencies: vec![],
    }
}
