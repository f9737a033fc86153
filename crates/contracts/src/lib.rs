//! The contract runtime: deterministic, metered Rhai scripts that decide applications from
//! registry facts under the laws.
//!
//! A service's script is pure. It is called as `decide(application)` and asks for what it needs
//! by name — `record("persons", id)`, `algorithm("child-subsidy-law", "1", "amount", [2, 400000])`
//! — and each answer comes from the facts the host has fetched so far. A fact not yet fetched
//! stops the run with a [`Need`], which the host fetches (through the one authorization
//! function, the contract acting for the applicant), charges to the transaction's budget, and
//! adds to the facts; the script then runs again from the start, until it returns its
//! [`Outcome`]: approved (the records it writes, the payments it makes), rejected (reason and
//! article), or for an official (what the data could not decide, which department, which
//! power). So the script never touches state, the host sees every fact it used, and the same
//! facts give the same outcome on every node.
//!
//! No floats (integers in minor units), no clock, no randomness, no modules, no `eval`, no
//! output: only the functions registered here. Operations, call depth, expression depth,
//! variables, functions and string/array/map sizes are limited ([`Limits`]); a run past a
//! limit fails with the same [`ContractError`] on every node. What a transaction may spend is
//! counted in our own units ([`Schedule`], [`Budget`]), never in Rhai's operation count, whose
//! unit its maintainers call volatile: that count is only a safety limit per run.

mod facts;
mod outcome;
mod runtime;
mod value;

pub use facts::{Fact, Facts, Need};
pub use outcome::{Every, Outcome, Payment, RecordWrite};
pub use runtime::{Budget, ContractError, Limits, Runtime, Schedule, Script};
pub use value::{ValueError, from_dynamic, to_dynamic};
