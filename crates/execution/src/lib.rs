//! The state machine: `genesis(doc) -> writes` and `apply_block(state, header, txs) -> (writes,
//! receipts)`.
//!
//! Pure over the [`State`] trait (STYLE.md §1): no clock (block time comes from the header), no
//! randomness, no floats, no I/O, and only ordered maps in results. Two nodes that apply the
//! same block to the same state produce the same writes, receipts and state root.

mod agenda;
mod apply;
mod authorize;
mod block_rules;
pub use authorize::{
    Audited, Explanation, decide_as, decide_read_versions, dry_run_entity, explain,
};
pub use block_rules::{
    BlockRuleError, TxHashes, TxTooLarge, check_block_limits, check_tx_size, envelope_failures,
};
mod enact;
pub use enact::{MAX_PENDING_PER_BODY, bill_problems};
pub mod envelope;
mod error;
pub mod finance;
mod genesis;
mod header;
mod keys;
pub use keys::MAX_KEYS_IN_FORCE;
mod laws;
mod overlay;
mod payload;
mod positions;
pub mod registry;
pub mod schema;
pub mod services;
mod state;
mod validators;

pub use apply::{AUDITED_TXS, BlockOutcome, apply_block, block_date};
pub use error::{ExecError, Result, TxError};
pub use genesis::{
    GenesisError, GenesisRecords, Overlay, genesis_state, genesis_writes, validate_genesis,
};
pub use header::{Expected, HeaderError, validate_header};
pub use laws::{
    Compiled, Currencies, CurrencyInForce, Ended, LawVersion, Laws, Registries, RegistryInForce,
    currencies_of, history, in_force, in_force_at, registries_of, with_bill,
};
pub use state::{MemState, Scanned, State, StateError};
pub use validators::{VALIDATOR_CHANGE_DELAY, validate_validators};
