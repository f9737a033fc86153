//! The bootstrap constitution: the first law of a new chain, until the legislature enacts its
//! own. It grants what the kernel needs to start — genesis authorities register principals and
//! their keys, every principal manages its own keys, the legislature changes the validator set.

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
                "the founding authorities register principals and their keys",
                r#"permit (principal, action in [Action::"create-principal", Action::"manage-keys"], resource is Principal)
                   when { principal has authority && principal.authority };"#,
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
                r#"permit (principal is Legislature, action == Action::"enact", resource is Law)
                   when { resource.level == "constitution" || resource.level == "national" };"#,
            ),
        ],
        effective_from: 0,
        effective_until: None,
        repeals: vec![],
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_bootstrap_constitution_compiles() {
        let c = super::constitution();
        crate::package::check_shape(&c).unwrap();
        let book = crate::LawBook::compile(&[c], crate::base_schema().unwrap()).unwrap();
        assert_eq!(book.len(), 4);
    }
}
