//! The OpenAPI schemas of the answers: mirrors of the JSON the routes serialize.
//!
//! The types the routes answer live in crates that do not depend on utoipa (`types`, `law`,
//! `store`, `execution`), and some of them serialize through custom `Serialize` impls (keys,
//! hashes and amounts as strings) or `#[serde(flatten)]`. So each is described here by a
//! mirror: a type that is never built, whose `ToSchema` says what the real type's JSON is, named
//! as the real type (`#[schema(as = …)]`). A mirror can drift from what it mirrors; the contract
//! test (`node/tests/openapi.rs`) drives every route and validates each answer against the
//! document with its objects closed (no property a mirror does not name), so a renamed, added
//! or retyped field fails there.
//!
//! What is genuinely free-form is said so, not given a made-up shape: a record's fields (the
//! registry's law defines them), an entity's attributes (the Cedar schema of the laws in force
//! defines them).
#![allow(
    dead_code,
    reason = "schemas only: these types describe JSON other types serialize, and are never built"
)]

mod chain;
mod law;
mod records;

pub use chain::*;
pub use law::*;
pub use records::*;
