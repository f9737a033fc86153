//! `docs/error-codes.md` is generated from `govchain_types::Code`: this test fails when the page
//! and the enum differ, so a renamed or removed code (clients match on them) shows up in review
//! as a change of that page. `GOVCHAIN_BLESS=1 cargo test -p govchain-types --test error_codes`
//! writes the page anew.

#![allow(clippy::unwrap_used, reason = "a test fails loudly")]

use govchain_types::{Code, Stage};
use std::collections::BTreeSet;
use std::path::PathBuf;

fn page() -> String {
    let mut out = String::from(
        "# Refusal codes\n\n\
         <!-- Generated from `crates/types/src/code.rs` by `crates/types/tests/error_codes.rs`; \
         do not edit. -->\n\n\
         Every refusal of a transaction has one of these codes: the answer of `POST /v1/tx` when \
         a node does not admit it, or the `code` of its receipt when a block executed and refused \
         it. One rule has one code wherever it is applied: the envelope rules (chain, expiry, \
         lifetime, key in force, nonce) are one check that admission and execution both call. A \
         receipt refused by a law also names the article (`decided_by`).\n\n\
         Clients match on these strings: a code is never renamed or reused for another meaning.\n",
    );
    for stage in [Stage::Admission, Stage::Both, Stage::Receipt] {
        let title = match stage {
            Stage::Admission => "At admission only (nothing is written)",
            Stage::Both => "At admission and in a receipt",
            Stage::Receipt => "In a receipt only (the nonce is used, nothing else changes)",
        };
        out.push_str(&format!(
            "\n## {title}\n\n| code | meaning |\n| --- | --- |\n"
        ));
        for code in Code::ALL.iter().filter(|c| c.stage() == stage) {
            out.push_str(&format!("| `{}` | {} |\n", code.as_str(), code.meaning()));
        }
    }
    out
}

#[test]
fn the_error_codes_page_is_generated_from_the_enum() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/error-codes.md");
    let want = page();
    if std::env::var_os("GOVCHAIN_BLESS").is_some() {
        std::fs::write(&path, &want).unwrap();
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/error-codes.md differs from the codes in crates/types/src/code.rs; if the change \
         is meant, run `GOVCHAIN_BLESS=1 cargo test -p govchain-types --test error_codes` and \
         commit the page"
    );
}

#[test]
fn every_code_is_one_lowercase_word_used_once_and_parses_back() {
    let mut seen = BTreeSet::new();
    for code in Code::ALL {
        let s = code.as_str();
        assert!(
            !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            "`{s}`"
        );
        assert!(seen.insert(s), "`{s}` twice");
        assert_eq!(Code::parse(s), Some(*code));
        assert!(!code.meaning().is_empty(), "`{s}` has no meaning");
    }
    assert_eq!(Code::parse("no_such_code"), None);
}
