//! Smart-law packages: what the legislature enacts, as data.
//!
//! A law has a level in the legal hierarchy, an enacting body, a jurisdiction, effective heights,
//! and articles. An article is either a permission rule (a Cedar policy, permit or forbid) or a
//! legal algorithm (source text the contract runtime of the Services issue executes). Every
//! decision names the law and article that decided it.

use crate::{Height, PrincipalId, PublicKey, Signature};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The legal hierarchy, lowest first: a law of a higher level prevails.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    BorshSerialize,
    BorshDeserialize,
    Serialize,
    Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[borsh(use_discriminant = true)]
pub enum Level {
    Department = 0,
    Regional = 1,
    National = 2,
    Constitution = 3,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::Department => "department",
            Level::Regional => "regional",
            Level::National => "national",
            Level::Constitution => "constitution",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What an article is.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ArticleKind {
    /// A permission rule: one Cedar policy, `permit (...)` or `forbid (...)`.
    Permission { policy: String },
    /// A legal algorithm (eligibility, amounts): source text for the contract runtime.
    Algorithm { language: String, source: String },
}

/// One article of a law.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Article {
    /// Stable within the law, e.g. `4` or `4.2`; cited as ``law `x` article `4` ``.
    pub id: String,
    pub title: String,
    #[serde(flatten)]
    pub kind: ArticleKind,
}

/// A law package: a bill until enacted, then state.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct LawPackage {
    /// Stable id, e.g. `civil-registration-law`.
    pub id: PrincipalId,
    /// Version of this law id, from 1; an amendment is the same id with the next version.
    pub version: u32,
    pub title: String,
    pub level: Level,
    /// The body that enacts it (e.g. `legislature`, `council-110000`).
    pub body: PrincipalId,
    /// Region codes it applies to; empty means the whole country.
    #[serde(default)]
    pub jurisdiction: Vec<String>,
    pub articles: Vec<Article>,
    /// The first height it decides.
    pub effective_from: Height,
    /// The first height it no longer decides, if it lapses.
    #[serde(default)]
    pub effective_until: Option<Height>,
    /// Laws this one repeals from its effective height.
    #[serde(default)]
    pub repeals: Vec<PrincipalId>,
    /// Law-making bodies this law establishes or reconstitutes (members, threshold), from its
    /// effective height; a repeal of this law restores the earlier composition. Bodies change
    /// only this way.
    #[serde(default)]
    pub constitutes: Vec<LawBody>,
    /// Registries this law creates or redefines (a later version of the law may add fields;
    /// records written under an earlier definition stay readable), from its effective height.
    #[serde(default)]
    pub registries: Vec<crate::RegistryDef>,
    /// Currencies this law creates or redefines (issuer, minor units, limits, fee), from its
    /// effective height.
    #[serde(default)]
    pub currencies: Vec<crate::CurrencyDef>,
}

/// What kind of law-making body it is; the constitution says which kind enacts which level.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    BorshSerialize,
    BorshDeserialize,
    Serialize,
    Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[borsh(use_discriminant = true)]
pub enum BodyKind {
    /// The national legislature.
    #[default]
    Legislature = 0,
    /// A regional council (e.g. `council-110000`).
    Council = 1,
    /// A department's head (or its board), for department rules.
    Department = 2,
}

impl BodyKind {
    pub fn name(self) -> &'static str {
        match self {
            BodyKind::Legislature => "legislature",
            BodyKind::Council => "council",
            BodyKind::Department => "department",
        }
    }
}

impl fmt::Display for BodyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A body that enacts laws: members with their keys and a signature threshold.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct LawBody {
    pub id: PrincipalId,
    #[serde(default)]
    pub kind: BodyKind,
    /// Region codes the body acts for; empty means the whole country.
    #[serde(default)]
    pub jurisdiction: Vec<String>,
    pub members: Vec<BodyMember>,
    /// Signatures of distinct members needed to enact.
    pub threshold: u32,
}

/// A member of a law-making body.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct BodyMember {
    pub id: PrincipalId,
    pub key: PublicKey,
}

/// A member's signature on a bill (over the hash of its canonical encoding).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct MemberSignature {
    pub member: PrincipalId,
    pub signature: Signature,
}

/// An interpretation of articles of a law, for events no algorithm can decide: signed by the
/// members of a body the constitution lets interpret, recorded on chain, cited by services and
/// officials as ``interpretation `id` of law `x` ``.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Interpretation {
    /// Stable and unique per law, e.g. `2026-1`.
    pub id: String,
    /// The law interpreted and the articles it concerns.
    pub law: PrincipalId,
    pub articles: Vec<String>,
    pub title: String,
    pub text: String,
    /// The body that gives it (its members sign).
    pub body: PrincipalId,
}

/// Where a decision came from: a law, its version and an article.
#[derive(
    Clone,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    BorshSerialize,
    BorshDeserialize,
    Serialize,
    Deserialize,
)]
pub struct Citation {
    pub law: PrincipalId,
    pub version: u32,
    pub article: String,
    pub level: Level,
}

impl fmt::Display for Citation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "law `{}` article `{}`", self.law, self.article)
    }
}
