//! Signed transactions: signing, and verifying into [`VerifiedTx`].

use crate::error::{CryptoError, Result};
use crate::hash::hash;
use crate::keys::SecretKey;
use crate::verify::{BatchVerifier, verify};
use govchain_types::{Hash, Scheme, Tx, TxBody};

/// A transaction whose signature was checked against its signer key, with its id computed.
///
/// Only [`verify_tx`] and [`verify_txs`] make one, so holding a `VerifiedTx` proves the check
/// was done (on the chain's scheme). It says nothing of nonces, expiry or authorisation: those
/// are execution's to decide.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedTx {
    tx: Tx,
    id: Hash,
}

impl VerifiedTx {
    pub fn tx(&self) -> &Tx {
        &self.tx
    }

    /// The transaction's id ([`crate::tx_id`]).
    pub fn id(&self) -> Hash {
        self.id
    }

    pub fn into_tx(self) -> Tx {
        self.tx
    }

    pub fn into_parts(self) -> (Tx, Hash) {
        (self.tx, self.id)
    }
}

/// Signs `body` with `key`. `scheme` is the chain's: a key of another scheme gives a
/// transaction that [`verify_tx`] refuses, and `body.signer` should be `key`'s public key.
pub fn sign_tx(_scheme: Scheme, key: &SecretKey, body: TxBody) -> Tx {
    let signature = key.sign(&body.signing_bytes());
    Tx { body, signature }
}

/// Makes `body` act in the name of body `id` (`Acting::Body`), signed by `members` — each a
/// member's id and key — over `TxBody::member_signing_bytes`. Sign the transaction itself after.
pub fn sign_as_body(
    mut body: TxBody,
    id: govchain_types::PrincipalId,
    members: &[(govchain_types::PrincipalId, &SecretKey)],
) -> TxBody {
    body.acting_as = Some(govchain_types::Acting::Body {
        id: id.clone(),
        signatures: Vec::new(),
    });
    let msg = body.member_signing_bytes();
    let signatures = members
        .iter()
        .map(|(member, key)| govchain_types::MemberSignature {
            member: member.clone(),
            signature: key.sign(&msg),
        })
        .collect();
    body.acting_as = Some(govchain_types::Acting::Body { id, signatures });
    body
}

/// The signer key and the signature must both be of the chain's scheme.
fn check_schemes(scheme: Scheme, tx: &Tx) -> Result<()> {
    let mismatch = |what, found| CryptoError::SchemeMismatch {
        what,
        expected: scheme,
        found,
    };
    if tx.body.signer.scheme() != scheme {
        return Err(mismatch(
            "the transaction's signer key",
            tx.body.signer.scheme(),
        ));
    }
    if tx.signature.scheme() != scheme {
        return Err(mismatch(
            "the transaction's signature",
            tx.signature.scheme(),
        ));
    }
    Ok(())
}

/// Checks `tx`'s signature on a chain of `scheme`; on failure the transaction comes back with
/// the reason.
#[allow(
    clippy::result_large_err,
    reason = "both variants hold the transaction by value: boxing the error would save nothing"
)]
pub fn verify_tx(scheme: Scheme, tx: Tx) -> Result<VerifiedTx, (Tx, CryptoError)> {
    if let Err(e) = check_schemes(scheme, &tx) {
        return Err((tx, e));
    }
    let bytes = tx.body.signing_bytes();
    match verify(&tx.body.signer, &bytes, &tx.signature) {
        Ok(()) => Ok(VerifiedTx {
            id: hash(scheme, &bytes),
            tx,
        }),
        Err(e) => Err((tx, e)),
    }
}

/// Checks many transactions' signatures at once (see [`BatchVerifier`]); one result per
/// transaction, in input order, each as [`verify_tx`] would give it.
#[allow(
    clippy::result_large_err,
    reason = "both variants hold the transaction by value: boxing the error would save nothing"
)]
pub fn verify_txs(scheme: Scheme, txs: Vec<Tx>) -> Vec<Result<VerifiedTx, (Tx, CryptoError)>> {
    let mut batch = BatchVerifier::new();
    let mut ids = Vec::with_capacity(txs.len());
    for tx in &txs {
        match check_schemes(scheme, tx) {
            Ok(()) => {
                let bytes = tx.body.signing_bytes();
                batch.push(&tx.body.signer, &bytes, &tx.signature);
                ids.push(hash(scheme, &bytes));
            }
            Err(e) => {
                batch.push_refused(e);
                ids.push(Hash::ZERO);
            }
        }
    }
    let mut results = batch.verify().into_iter();
    txs.into_iter()
        .zip(ids)
        .map(|(tx, id)| match results.next() {
            Some(Ok(())) => Ok(VerifiedTx { tx, id }),
            Some(Err(e)) => Err((tx, e)),
            // INVARIANT: the batch has one result per transaction; fail closed all the same.
            None => Err((tx, CryptoError::BadSignature)),
        })
        .collect()
}
