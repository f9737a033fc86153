//! The validator-set handovers an offline record certificate carries
//! (`govchain_store::Handover`): the evidence that moves a verifier from the genesis set to
//! the set that decided the certifying block.

use crate::app::App;
use govchain_api::BackendError;
use govchain_execution::schema;
use govchain_store::Handover;
use govchain_types::{GenesisValidator, Height, validator_update_key};

/// How many versions of the validator set one history read returns.
const PAGE: usize = 256;

fn unavailable(e: impl std::fmt::Display) -> BackendError {
    BackendError::Unavailable(e.to_string())
}

impl App {
    /// The handovers from genesis up to block `upto`: one for every height in `2..=upto` at
    /// which the validator set changed, in height order.
    ///
    /// No index of its own is needed: the store keeps every version of `chain/validators`, and
    /// after genesis that key is written only at the start of the block a scheduled set takes
    /// over (execution's `begin_block`), so its history *is* the list of those heights. A node
    /// that synced executed the same blocks as one that decided them, so it has the same
    /// history, blocks and certificates.
    pub(crate) fn handovers(&self, upto: Height) -> Result<Vec<Handover>, BackendError> {
        let store = self.store();
        let mut heights = Vec::new();
        let mut from: Height = 1;
        loop {
            let page = store
                .history(schema::VALIDATORS, Some(from), PAGE)
                .map_err(unavailable)?;
            let full = page.len() == PAGE;
            let mut next = None;
            for v in page {
                if v.height > upto {
                    return self.handovers_at(&heights);
                }
                heights.push(v.height);
                next = Some(v.height.saturating_add(1));
            }
            match next {
                Some(n) if full => from = n,
                _ => return self.handovers_at(&heights),
            }
        }
    }

    fn handovers_at(&self, heights: &[Height]) -> Result<Vec<Handover>, BackendError> {
        let store = self.store();
        let mut out = Vec::with_capacity(heights.len());
        for &h in heights {
            let (Some(before), Some(state_at)) = (h.checked_sub(1), h.checked_sub(2)) else {
                return Err(unavailable(format!(
                    "the validator set changed at height {h}, before any block could certify it"
                )));
            };
            let header = store
                .block(before)
                .map_err(unavailable)?
                .ok_or_else(|| unavailable(format!("block {before} missing")))?
                .header;
            let commit = store
                .certificate(before)
                .map_err(unavailable)?
                .ok_or_else(|| unavailable(format!("certificate of block {before} missing")))?;
            let proof = store
                .proof(&validator_update_key(h), state_at)
                .map_err(unavailable)?;
            let Some(bytes) = &proof.value else {
                // Only a change scheduled one block ahead, before the two-block rule, does this.
                return Err(unavailable(format!(
                    "the validator change at height {h} is not in the state after {state_at}, \
                     so no block signed by the outgoing set certifies it"
                )));
            };
            let validators: Vec<GenesisValidator> =
                govchain_types::decode("validator set", bytes).map_err(unavailable)?;
            out.push(Handover {
                height: h,
                header,
                commit,
                proof,
                validators,
            });
        }
        Ok(out)
    }
}
