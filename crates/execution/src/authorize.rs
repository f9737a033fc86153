//! The one place every transaction's right to act is decided.
//!
//! HOOK: the Smart-laws issue replaces the body of [`authorize`] with the evaluation of the laws
//! in force (Cedar policies of enacted law packages, with citations). Until then it applies the
//! bootstrap rule fixed at genesis:
//! - a principal manages its own keys;
//! - a genesis *authority* creates principals and manages anyone's keys;
//! - only the legislature (a genesis authority of kind `legislature`) changes the validator set.

use crate::error::{Result, TxError};
use crate::payload::Signer;
use crate::state::State;
use govchain_types::{PrincipalId, PrincipalKind};

/// What a transaction asks to do.
pub(crate) enum Action<'a> {
    CreatePrincipal {
        principal: &'a PrincipalId,
        kind: PrincipalKind,
    },
    ManageKeys {
        principal: &'a PrincipalId,
    },
    ChangeValidators,
}

/// Decides whether `signer` may perform `action` in the current state. `Ok(Err(_))` is a
/// refusal (the receipt carries it), `Err(_)` a storage failure.
pub(crate) fn authorize(
    _state: &dyn State,
    signer: &Signer,
    action: &Action<'_>,
) -> Result<std::result::Result<(), TxError>> {
    let who = &signer.principal;
    let refuse = |what: String| Ok(Err(TxError::new("unauthorized", what)));
    match action {
        Action::CreatePrincipal { principal, kind } => {
            if signer.record.authority {
                Ok(Ok(()))
            } else {
                refuse(format!(
                    "`{who}` may not create the {kind:?} `{principal}`: only a bootstrap \
                     authority may (bootstrap rule, until the laws decide)"
                ))
            }
        }
        Action::ManageKeys { principal } => {
            if signer.record.authority || who == *principal {
                Ok(Ok(()))
            } else {
                refuse(format!(
                    "`{who}` may not manage the keys of `{principal}`: only the principal \
                     itself or a bootstrap authority may (bootstrap rule, until the laws decide)"
                ))
            }
        }
        Action::ChangeValidators => {
            if signer.record.authority && signer.record.kind == PrincipalKind::Legislature {
                Ok(Ok(()))
            } else {
                refuse(format!(
                    "`{who}` may not change the validator set: only the legislature may \
                     (bootstrap rule, until the laws decide)"
                ))
            }
        }
    }
}
