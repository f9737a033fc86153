//! Every refusal code a transaction can meet, as one enum: the mempool's admission answer and a
//! committed transaction's receipt name their refusal with these, so one rule has one code
//! wherever it is applied. `docs/error-codes.md` is generated from this list by a test
//! (`crates/types/tests/error_codes.rs`): a renamed or removed code shows up in review as a
//! change of that page, since clients match on these strings.

use std::fmt;

/// Where a code can be met.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    /// Only when a node admits a transaction (`POST /v1/tx` answers it; nothing is written).
    Admission,
    /// At admission and in a receipt alike: the envelope rules (`govchain_execution::envelope`)
    /// are one check both call.
    Both,
    /// Only in the receipt of a transaction a block executed (its nonce is used, nothing else
    /// changes).
    Receipt,
}

impl Stage {
    /// How the generated page names the stage.
    pub const fn as_str(self) -> &'static str {
        match self {
            Stage::Admission => "admission",
            Stage::Both => "admission and receipt",
            Stage::Receipt => "receipt",
        }
    }
}

macro_rules! codes {
    ($( $(#[doc = $doc:literal])+ $variant:ident = $code:literal, $stage:ident; )+) => {
        /// A refusal's stable, machine-readable code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $( $(#[doc = $doc])+ $variant, )+
        }

        impl Code {
            /// Every code, in the order of the generated page.
            pub const ALL: &'static [Code] = &[$(Code::$variant),+];

            /// The code as clients see it, e.g. `insufficient_funds`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( Code::$variant => $code, )+
                }
            }

            /// Where the code can be met.
            pub const fn stage(self) -> Stage {
                match self {
                    $( Code::$variant => Stage::$stage, )+
                }
            }

            /// What the code means, for the generated page.
            pub fn meaning(self) -> String {
                let lines: &[&str] = match self {
                    $( Code::$variant => &[$($doc),+], )+
                };
                lines.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" ")
            }
        }
    };
}

codes! {
    // ---- admission: refused before the pool, nothing written ----
    /// The transaction's encoding is over the chain's `max_tx_bytes`.
    TooLarge = "too_large", Admission;
    /// The bytes do not decode as a transaction (or the hex is bad).
    Malformed = "malformed", Admission;
    /// The signature does not verify for the signer's key over the transaction.
    BadSignature = "bad_signature", Admission;
    /// The same transaction is already in the pool; in a receipt, the law already has an
    /// interpretation of that id.
    Duplicate = "duplicate", Both;
    /// Another transaction of the signer with this nonce is already in the pool.
    NonceTaken = "nonce_taken", Admission;
    /// The signer has as many transactions waiting as the pool allows one signer.
    SignerLimit = "signer_limit", Admission;
    /// The pool holds as many transactions, or bytes, as it may: try again later.
    MempoolFull = "mempool_full", Admission;
    /// The node could not read its state: try again or another node.
    Unavailable = "unavailable", Admission;

    // ---- the envelope: the same rule at admission and in a block ----
    /// The transaction is signed for another chain.
    WrongChain = "wrong_chain", Both;
    /// The transaction's `valid_until` is below the height it would run at.
    Expired = "expired", Both;
    /// The transaction stays valid for more blocks than the chain allows.
    LifetimeTooLong = "lifetime_too_long", Both;
    /// The signing key is registered to no principal.
    UnknownSigner = "unknown_signer", Both;
    /// The signing key was revoked.
    KeyRevoked = "key_revoked", Both;
    /// The nonce was already used (a replay).
    Replay = "replay", Both;
    /// The nonce is ahead of the signer's next one (in a block: exactly the next one).
    NonceTooHigh = "nonce_too_high", Both;
    /// The signer has used every nonce.
    NonceExhausted = "nonce_exhausted", Both;

    // ---- execution: in the receipt of a refused transaction ----
    /// No law in force permits it, or an article forbids it (the receipt cites the article), or
    /// the request cannot be decided.
    Unauthorized = "unauthorized", Receipt;
    /// An official acts outside the jurisdiction of the position it acts in, or a department
    /// confers one beyond its own.
    BeyondJurisdiction = "beyond_jurisdiction", Receipt;
    /// The record or position being created exists already: update it instead.
    Exists = "exists", Receipt;
    /// The record or position named does not exist.
    NotFound = "not_found", Receipt;
    /// No registry of that name is in force.
    UnknownRegistry = "unknown_registry", Receipt;
    /// No principal of that id exists.
    UnknownPrincipal = "unknown_principal", Receipt;
    /// No position of that id exists.
    UnknownPosition = "unknown_position", Receipt;
    /// No currency of that code is in force.
    UnknownCurrency = "unknown_currency", Receipt;
    /// The account holder, or the fee collector a law names, is not registered.
    UnknownHolder = "unknown_holder", Receipt;
    /// No law of that id was ever enacted (a repeal, or an interpretation, names none).
    UnknownLaw = "unknown_law", Receipt;
    /// The law has no article of that number.
    UnknownArticle = "unknown_article", Receipt;
    /// No law-making body of that id exists.
    UnknownBody = "unknown_body", Receipt;
    /// The key is not registered, or not bound to the principal named.
    UnknownKey = "unknown_key", Receipt;
    /// The key is already bound to a principal: keys are never re-bound.
    KeyExists = "key_exists", Receipt;
    /// The key is already revoked.
    AlreadyRevoked = "already_revoked", Receipt;
    /// The principal would hold more keys in force than allowed.
    TooManyKeys = "too_many_keys", Receipt;
    /// The key is of another signature scheme than the chain's.
    SchemeMismatch = "scheme_mismatch", Receipt;
    /// A record key is not 1 to 64 letters, digits, `-`, `_` and `.`.
    BadKey = "bad_key", Receipt;
    /// The record does not fit its registry's fields and types.
    InvalidRecord = "invalid_record", Receipt;
    /// A bill's version is not its law's next one.
    BadVersion = "bad_version", Receipt;
    /// A text is empty, too long, or of characters not allowed there.
    BadText = "bad_text", Receipt;
    /// The import chunk is not well formed (order, size, region or duplicates).
    InvalidImport = "invalid_import", Receipt;
    /// The principal is of another kind than the operation needs.
    KindMismatch = "kind_mismatch", Receipt;
    /// A position's id, or a change of its status, is not well formed.
    InvalidPosition = "invalid_position", Receipt;
    /// The position has ended: appoint anew.
    Ended = "ended", Receipt;
    /// The record is closed.
    Closed = "closed", Receipt;
    /// The signer is not the organisation's representative in its registry record.
    NotRepresentative = "not_representative", Receipt;
    /// The bill is not valid: schema, conflicts, signatures, or the laws it would leave.
    InvalidBill = "invalid_bill", Receipt;
    /// The bill's signatures do not reach its body's threshold with members' keys in force.
    NotEnacted = "not_enacted", Receipt;
    /// The interpretation is not valid.
    InvalidInterpretation = "invalid_interpretation", Receipt;
    /// The interpretation's signatures do not reach its body's threshold.
    NotRecorded = "not_recorded", Receipt;
    /// A law or a validator change would take effect at or before the block that records it.
    TooEarly = "too_early", Receipt;
    /// The body has as many enactments pending as it may.
    TooManyPending = "too_many_pending", Receipt;
    /// The new validator set is not valid.
    InvalidValidators = "invalid_validators", Receipt;
    /// The amount is not more than zero.
    BadAmount = "bad_amount", Receipt;
    /// The account holds less than the amount and fee.
    InsufficientFunds = "insufficient_funds", Receipt;
    /// A sum would overflow.
    Overflow = "overflow", Receipt;
    /// The issue would take the currency past its supply limit.
    SupplyLimit = "supply_limit", Receipt;
    /// Only the currency's issuer may do this.
    NotIssuer = "not_issuer", Receipt;
    /// The signer does not hold the position it acts in.
    NotHolder = "not_holder", Receipt;
    /// A transaction in a body's name lacks its threshold of members' signatures (with their
    /// keys in force), or the body is not a principal.
    NotApproved = "not_approved", Receipt;
    /// The legislature acts only by its members' threshold (`acting_as` its body): its key
    /// alone may submit bills and interpretations, nothing else.
    MembersRequired = "members_required", Receipt;
    /// A transfer to oneself.
    SameAccount = "same_account", Receipt;
    /// The account is frozen.
    Frozen = "frozen", Receipt;
    /// The account is already frozen.
    AlreadyFrozen = "already_frozen", Receipt;
    /// The account is not frozen.
    NotFrozen = "not_frozen", Receipt;
    /// The service is not well formed: its form, its articles, or a script that does not
    /// compile, is too large, or has no `decide(application)`.
    InvalidService = "invalid_service", Receipt;
    /// No service of that name is deployed.
    UnknownService = "unknown_service", Receipt;
    /// The application's input does not fit the service's form (each field's error named).
    InvalidInput = "invalid_input", Receipt;
    /// The service's script failed, ran past a limit, or answered with no valid outcome; the
    /// message says which, the same on every node.
    ContractFailed = "contract_failed", Receipt;
    /// The application spent the budget of host calls an application may (our units).
    OutOfBudget = "out_of_budget", Receipt;
    /// No application of that id is waiting for an official's decision.
    NotPending = "not_pending", Receipt;
    /// The official may not decide this case: it is their own, their organisation's, or a
    /// member of their household's.
    ConflictOfInterest = "conflict_of_interest", Receipt;
    /// The case needs a second official, distinct from the first (four eyes).
    FourEyes = "four_eyes", Receipt;
    /// The application cannot be appealed: it was not rejected, or it was appealed already
    /// (once only).
    NotAppealable = "not_appealable", Receipt;
    /// The applicant has as many cases waiting for officials as one may
    /// (`services::MAX_OPEN_CASES`): another waits until one is decided.
    TooManyCases = "too_many_cases", Receipt;
}

impl Code {
    /// The code of a string, if it is one of ours.
    pub fn parse(s: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}
