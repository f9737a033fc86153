//! The one envelope check of a signed request — its chain, its expiry and lifetime, the signer's
//! key in force at the height, the nonce rule — shared by mempool admission, block execution and
//! signed reads, so that the three can never disagree (the holes of the security review came
//! from three copies of these rules). Its refusals are one typed enum, with one code each, that
//! admission answers and receipts carry alike.

use crate::error::Result;
use crate::schema::{self, KeyRecord};
use crate::state::State;
use govchain_types::{Code, Height, PublicKey};

/// What a signed request claims about itself.
#[derive(Clone, Copy, Debug)]
pub struct Envelope<'a> {
    pub chain_id: &'a str,
    pub signer: &'a PublicKey,
    pub valid_until: Height,
    /// `None` for requests without a nonce (signed reads: they are served once by their hash).
    pub nonce: Option<u64>,
}

/// The rules the request is checked under.
#[derive(Clone, Copy, Debug)]
pub struct Rules<'a> {
    pub chain_id: &'a str,
    /// The height the request would take effect at: the block being executed, or the next one.
    pub height: Height,
    /// Most blocks after `height` a request may stay valid.
    pub max_lifetime: u64,
    pub nonce: NonceRule,
}

/// How a nonce must relate to the signer's next nonce.
#[derive(Clone, Copy, Debug)]
pub enum NonceRule {
    /// Exactly the next nonce: what a block executes.
    Exact,
    /// From the next nonce up to `window` ahead: what the mempool holds.
    Window(u64),
}

/// Why a signed request's envelope is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    #[error("the request is for chain `{found}`, this is `{expected}`")]
    WrongChain { expected: String, found: String },
    #[error("the request expired at height {valid_until}; the block is {height}")]
    Expired { valid_until: Height, height: Height },
    #[error(
        "valid_until {valid_until} is more than {max} blocks after height {height}: a request is good for at most {max} blocks"
    )]
    LifetimeTooLong {
        valid_until: Height,
        height: Height,
        max: u64,
    },
    #[error("key `{0}` is not registered to anyone")]
    UnknownSigner(String),
    #[error("key `{key}` of `{principal}` was revoked")]
    Revoked { key: String, principal: String },
    #[error("nonce {nonce} was already used; the signer's next nonce is {expected}")]
    NonceUsed { nonce: u64, expected: u64 },
    #[error(
        "nonce {nonce} is ahead of the signer's next nonce {expected} (at most {window} ahead)"
    )]
    NonceAhead {
        nonce: u64,
        expected: u64,
        window: u64,
    },
    #[error("the signer's nonce space is exhausted")]
    NonceExhausted,
}

impl EnvelopeError {
    /// The stable code, the same in an admission answer and in a receipt.
    pub fn code(&self) -> Code {
        match self {
            EnvelopeError::WrongChain { .. } => Code::WrongChain,
            EnvelopeError::Expired { .. } => Code::Expired,
            EnvelopeError::LifetimeTooLong { .. } => Code::LifetimeTooLong,
            EnvelopeError::UnknownSigner(_) => Code::UnknownSigner,
            EnvelopeError::Revoked { .. } => Code::KeyRevoked,
            EnvelopeError::NonceUsed { .. } => Code::Replay,
            EnvelopeError::NonceAhead { .. } => Code::NonceTooHigh,
            EnvelopeError::NonceExhausted => Code::NonceExhausted,
        }
    }
}

/// The checks that need no state: chain, expiry, lifetime.
pub fn check_stateless(
    env: &Envelope<'_>,
    rules: &Rules<'_>,
) -> std::result::Result<(), EnvelopeError> {
    if env.chain_id != rules.chain_id {
        return Err(EnvelopeError::WrongChain {
            expected: rules.chain_id.to_string(),
            found: env.chain_id.to_string(),
        });
    }
    if env.valid_until < rules.height {
        return Err(EnvelopeError::Expired {
            valid_until: env.valid_until,
            height: rules.height,
        });
    }
    if env.valid_until.saturating_sub(rules.height) > rules.max_lifetime {
        return Err(EnvelopeError::LifetimeTooLong {
            valid_until: env.valid_until,
            height: rules.height,
            max: rules.max_lifetime,
        });
    }
    Ok(())
}

/// The whole check against `state` (the state the request would run on): the stateless rules,
/// the signer's key registered and in force at the height, and the nonce rule. Returns the
/// key's record. `Err(_)` is a storage failure; `Ok(Err(_))` a refusal.
pub fn check_envelope(
    state: &dyn State,
    env: &Envelope<'_>,
    rules: &Rules<'_>,
) -> Result<std::result::Result<KeyRecord, EnvelopeError>> {
    if let Err(e) = check_stateless(env, rules) {
        return Ok(Err(e));
    }
    let Some(key) = schema::key_record(state, env.signer)? else {
        return Ok(Err(EnvelopeError::UnknownSigner(env.signer.to_string())));
    };
    if !key.active_at(rules.height) {
        return Ok(Err(EnvelopeError::Revoked {
            key: env.signer.to_string(),
            principal: key.principal.to_string(),
        }));
    }
    if let Some(nonce) = env.nonce {
        let expected = schema::next_nonce(state, env.signer)?;
        if nonce < expected {
            return Ok(Err(EnvelopeError::NonceUsed { nonce, expected }));
        }
        let window = match rules.nonce {
            NonceRule::Exact => 0,
            NonceRule::Window(w) => w.saturating_sub(1),
        };
        if nonce.saturating_sub(expected) > window {
            return Ok(Err(EnvelopeError::NonceAhead {
                nonce,
                expected,
                window,
            }));
        }
        if nonce == u64::MAX {
            return Ok(Err(EnvelopeError::NonceExhausted));
        }
    }
    Ok(Ok(key))
}
