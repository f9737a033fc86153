//! Any bytes as a law package or an interpretation, any text as a permission rule: decoding,
//! checking and compiling never panic; what is refused is refused with a citation of the law and
//! article.
#![no_main]

use govchain_types::{
    Article, ArticleKind, Interpretation, LawPackage, Level, PrincipalId, decode,
};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

/// Parsed once: parsing the schema every run made the target slow.
static SCHEMA: LazyLock<govchain_law::Schema> =
    LazyLock::new(|| govchain_law::base_schema().unwrap());

fuzz_target!(|data: &[u8]| {
    if let Ok(law) = decode::<LawPackage>("law package", data) {
        let _ = govchain_law::check_shape(&law);
        let _ = govchain_law::LawBook::check(std::slice::from_ref(&law), &SCHEMA);
        let _ = govchain_law::LawBook::compile(&[law], SCHEMA.clone());
    }
    if let Ok(i) = decode::<Interpretation>("interpretation", data) {
        let _ = govchain_law::check_interpretation(&i);
    }
    if let (Ok(text), Ok(id)) = (std::str::from_utf8(data), PrincipalId::new("fuzz-law")) {
        let law = LawPackage {
            id,
            version: 1,
            title: "fuzz".into(),
            level: Level::National,
            body: id_or_panic("legislature"),
            jurisdiction: vec![],
            articles: vec![Article {
                id: "1".into(),
                title: "fuzzed".into(),
                kind: ArticleKind::Permission { policy: text.into() },
            }],
            effective_from: 1,
            effective_until: None,
            repeals: vec![],
            constitutes: vec![],
            registries: vec![],
            currencies: vec![],
        };
        if let Err(e) = govchain_law::LawBook::compile(&[law], SCHEMA.clone()) {
            assert!(e.to_string().starts_with("law `fuzz-law`"), "{e}");
        }
    }
});

fn id_or_panic(s: &str) -> PrincipalId {
    PrincipalId::new(s).unwrap()
}
