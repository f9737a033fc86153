//! The bootstrap constitution: the first law of a new chain, until the legislature enacts its
//! own. It grants what the kernel needs to start — genesis authorities register new principals,
//! every principal manages its own keys, the legislature changes the validator set — and says
//! which body enacts which level of law, who amends or repeals a law (only a body that may
//! enact at its level, or a higher one), who constitutes and interprets, that officials act only
//! within their position's term and jurisdiction, and that a department appoints only within its
//! own structure, for a term of at most 160,000,000 blocks. Whose keys a department manages beyond its own, and which
//! powers it may confer, national laws say (`powers`: nothing lower counts).

use govchain_types::{Article, ArticleKind, LawPackage, Level, PrincipalId};

fn article(id: &str, title: &str, policy: &str) -> Article {
    Article {
        id: id.into(),
        title: title.into(),
        kind: ArticleKind::Permission {
            policy: policy.into(),
        },
    }
}

fn literal(id: &'static str) -> PrincipalId {
    #[allow(
        clippy::expect_used,
        reason = "a literal id of this module; the unit test below compiles every one"
    )]
    PrincipalId::new(id).expect("a valid literal id")
}

/// The constitution of a new chain (law id `constitution`, level constitution, version 1).
pub fn constitution() -> LawPackage {
    LawPackage {
        id: literal("constitution"),
        version: 1,
        title: "Constitution".into(),
        level: Level::Constitution,
        body: literal("legislature"),
        jurisdiction: vec![],
        articles: vec![
            article(
                "1",
                "the legislature decides who validates the ledger",
                r#"permit (principal is Legislature, action == Action::"change-validators", resource is ValidatorSet)
                   when { principal.authority };"#,
            ),
            article(
                "2",
                "the founding authorities register new principals; whose keys they manage after that, the laws say",
                r#"permit (principal, action == Action::"create-principal", resource is Principal)
                   when { principal has authority && principal.authority && !resource.exists };"#,
            ),
            article(
                "3",
                "every principal manages its own keys",
                r#"permit (principal, action == Action::"manage-keys", resource is Principal)
                   when { principal in resource };"#,
            ),
            article(
                "4",
                "the legislature enacts the constitution and national laws",
                r#"permit (principal is Body, action == Action::"enact", resource is Law)
                   when { principal.kind == "legislature" && (resource.level == "constitution" || resource.level == "national") };"#,
            ),
            article(
                "5",
                "a regional council enacts regional laws within its region",
                r#"permit (principal is Body, action == Action::"enact", resource is Law)
                   when { principal.kind == "council" && resource.level == "regional"
                          && principal.jurisdiction.containsAll(resource.jurisdiction) };"#,
            ),
            article(
                "6",
                "a department's head enacts department rules within the department's jurisdiction",
                r#"permit (principal is Body, action == Action::"enact", resource is Law)
                   when { principal.kind == "department" && resource.level == "department"
                          && principal.jurisdiction.containsAll(resource.jurisdiction) };"#,
            ),
            article(
                "7",
                "law-making bodies are constituted by the legislature",
                r#"permit (principal is Body, action == Action::"constitute", resource is Body)
                   when { principal.kind == "legislature" };"#,
            ),
            article(
                "8",
                "the legislature interprets the laws",
                r#"permit (principal is Body, action == Action::"interpret", resource is Law)
                   when { principal.kind == "legislature" };"#,
            ),
            article(
                "9",
                "a regional council interprets its regional laws",
                r#"permit (principal is Body, action == Action::"interpret", resource is Law)
                   when { principal.kind == "council" && resource.level == "regional"
                          && principal.jurisdiction.containsAll(resource.jurisdiction) };"#,
            ),
            article(
                "10",
                "an official acts only while the position is active and within its term",
                r#"forbid (principal is Official, action, resource)
                   unless { principal.status == "active" && principal.term_from <= context.height
                            && context.height < principal.term_to };"#,
            ),
            article(
                "11",
                "an official acts on records only within the position's jurisdiction",
                r#"forbid (principal is Official, action, resource is Record)
                   unless { principal.jurisdiction.containsAny(resource.regions) };"#,
            ),
            article(
                "12",
                "no department reads protected data outside its jurisdiction",
                r#"forbid (principal is Department, action == Action::"read", resource is Record)
                   when { resource.sensitivity != "public" }
                   unless { principal.jurisdiction.containsAny(resource.regions) };"#,
            ),
            article(
                "13",
                "a department suspends, reinstates and dismisses the officials of its own structure",
                r#"permit (principal is Department, action == Action::"set-position-status", resource is Position)
                   when { resource in principal };"#,
            ),
            article(
                "14",
                "auditors read the log of protected reads",
                r#"permit (principal is Official, action == Action::"audit", resource is AuditLog)
                   when { principal.powers.contains("audit") };"#,
            ),
            article(
                "15",
                "a law-making body replaces, repeals and defines anew laws as article 16 allows",
                r#"permit (principal is Body, action == Action::"amend", resource is Law);"#,
            ),
            article(
                "16",
                "a law is replaced, repealed or has what it defines defined anew only by a body that may enact at its level within its jurisdiction, or by a higher one; a department's board only its own rules",
                r#"forbid (principal is Body, action == Action::"amend", resource is Law)
                   unless { principal.kind == "legislature"
                            || (principal.kind == "council"
                                && (resource.level == "regional" || resource.level == "department")
                                && principal.jurisdiction.containsAll(resource.jurisdiction))
                            || (principal.kind == "department" && resource.level == "department"
                                && resource.body == principal.id
                                && principal.jurisdiction.containsAll(resource.jurisdiction)) };"#,
            ),
            article(
                "17",
                "a department appoints only to positions of its own structure, with the powers the laws let it confer",
                r#"forbid (principal, action == Action::"appoint", resource is Position)
                   unless { principal is Department && resource in principal };"#,
            ),
            article(
                "18",
                "an appointment has an end of term, at most 160,000,000 blocks (five years at a block a second) after its start",
                r#"forbid (principal, action == Action::"appoint", resource is Position)
                   when { resource.term_to == 9223372036854775807
                          || resource.term_to - resource.term_from > 160000000 };"#,
            ),
            article(
                "19",
                "an official loads records only within the position's jurisdiction",
                r#"forbid (principal is Official, action == Action::"import", resource is Registry)
                   unless { principal.jurisdiction.containsAny(resource.regions) };"#,
            ),
            article(
                "20",
                "a department loads records only within its jurisdiction",
                r#"forbid (principal is Department, action == Action::"import", resource is Registry)
                   unless { principal.jurisdiction.containsAny(resource.regions) };"#,
            ),
            article(
                "21",
                "the members of the body that would enact a bill, and auditors, see which recorded decisions it would change",
                r#"permit (principal, action == Action::"dry-run", resource is DryRun)
                   when { principal in resource.members
                          || (principal is Official && principal.powers.contains("audit")) };"#,
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

#[cfg(test)]
mod tests {
    #[test]
    fn the_bootstrap_constitution_compiles() {
        let c = super::constitution();
        crate::package::check_shape(&c).unwrap();
        let book = crate::LawBook::compile(&[c], crate::base_schema().unwrap()).unwrap();
        assert_eq!(book.len(), 21);
    }
}
