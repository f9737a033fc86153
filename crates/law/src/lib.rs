//! Smart laws: law packages as bills (shape, threshold signatures), the legal hierarchy, and
//! the one authorization function every operation goes through — Cedar policies of the laws in
//! force, indexed by what they can match, each decision naming the law and article that made it.
//!
//! Pure: no clock, no I/O. The kernel gathers the entities of a request from state and hands
//! them in (STYLE.md §3).

pub mod book;
pub mod bootstrap;
pub mod decision;
mod evaluate;
pub mod package;
pub mod powers;
pub mod request;
pub mod schema;
pub mod verify;

pub use book::{LawBook, LawError, covers};
/// The Cedar schema type, for callers that keep one.
pub use cedar_policy::Schema;
pub use decision::Decision;
pub use package::{
    BillError, bill_hash, bill_signing_bytes, check_body, check_interpretation,
    check_member_signatures, check_member_signatures_with, check_registry, check_shape,
    check_signatures, check_size, interpretation_signing_bytes, name_ok, snapshot_signing_bytes,
};
pub use powers::{lowest_granting_level, within};
pub use request::{AuthRequest, EntityData, EntityRef, Value, check_bounds};
pub use schema::{AttrType, EntityDecl, SchemaError, SchemaModel, base_schema, enclosing_regions};
