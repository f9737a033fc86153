//! Money: currencies defined by law, amounts in minor units, accounts and their postings.

use crate::{Citation, Hash, Height, PrincipalId};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount of a currency in its minor units (fen for CNY): an integer, never a float.
///
/// In JSON it is a string of digits (`"150000"`), so no client loses precision past 2^53; a
/// JSON number is accepted too.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    BorshSerialize,
    BorshDeserialize,
)]
pub struct Amount(pub i128);

impl Amount {
    pub const ZERO: Amount = Amount(0);

    pub fn checked_add(self, other: Amount) -> Option<Amount> {
        self.0.checked_add(other.0).map(Amount)
    }

    pub fn checked_sub(self, other: Amount) -> Option<Amount> {
        self.0.checked_sub(other.0).map(Amount)
    }

    /// The amount written in major units with `decimals` places: `150000`, 2 → `1500.00`.
    pub fn display(self, decimals: u8) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let digits = self.0.unsigned_abs().to_string();
        let d = usize::from(decimals);
        if d == 0 {
            return format!("{sign}{digits}");
        }
        let padded = format!("{digits:0>width$}", width = d.saturating_add(1));
        let (whole, frac) = padded.split_at(padded.len().saturating_sub(d));
        format!("{sign}{whole}.{frac}")
    }

    /// Parses an amount written in major units (`1500`, `1500.5`, `1500.50`) into minor units
    /// of a currency with `decimals` places. More places than the currency has is an error.
    pub fn parse_major(text: &str, decimals: u8) -> Result<Amount, String> {
        let bad = || format!("`{text}` is not an amount with at most {decimals} decimal places");
        let t = text.trim();
        let (neg, t) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t),
        };
        let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !digits(whole) || !digits(frac) || frac.len() > usize::from(decimals)
        {
            return Err(bad());
        }
        let scale = 10i128.checked_pow(u32::from(decimals)).ok_or_else(bad)?;
        let missing = u32::from(decimals)
            .checked_sub(u32::try_from(frac.len()).map_err(|_| bad())?)
            .ok_or_else(bad)?;
        let frac_scale = 10i128.checked_pow(missing).ok_or_else(bad)?;
        let w: i128 = whole.parse().map_err(|_| bad())?;
        let f: i128 = if frac.is_empty() {
            0
        } else {
            frac.parse().map_err(|_| bad())?
        };
        let v = w
            .checked_mul(scale)
            .and_then(|v| f.checked_mul(frac_scale).and_then(|f| v.checked_add(f)))
            .ok_or_else(bad)?;
        Ok(Amount(if neg {
            v.checked_neg().ok_or_else(bad)?
        } else {
            v
        }))
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Serialize for Amount {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_string())
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl serde::de::Visitor<'_> for Visit {
            type Value = Amount;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer amount in minor units, as a string or a number")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Amount, E> {
                let digits = v.strip_prefix('-').unwrap_or(v);
                let ok = !digits.is_empty()
                    && v.len() <= 40
                    && digits.bytes().all(|b| b.is_ascii_digit());
                if !ok {
                    return Err(E::custom(format!("`{v}` is not an integer amount")));
                }
                v.parse::<i128>()
                    .map(Amount)
                    .map_err(|_| E::custom(format!("`{v}` is out of range")))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Amount, E> {
                Ok(Amount(i128::from(v)))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Amount, E> {
                Ok(Amount(i128::from(v)))
            }
            fn visit_i128<E: serde::de::Error>(self, v: i128) -> Result<Amount, E> {
                Ok(Amount(v))
            }
            fn visit_u128<E: serde::de::Error>(self, v: u128) -> Result<Amount, E> {
                i128::try_from(v)
                    .map(Amount)
                    .map_err(|_| E::custom("amount out of range"))
            }
        }
        d.deserialize_any(Visit)
    }
}

/// A currency as the law that creates it defines it: its code, minor units, the authority
/// that issues and redeems it, and the limits the law sets.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct CurrencyDef {
    /// `CNY`: 2 to 12 capital letters and digits.
    pub code: String,
    pub name: String,
    /// Minor-unit places: 2 for CNY (1 yuan = 100 fen). At most 18.
    pub decimals: u8,
    /// The department that issues and redeems it (the central bank). Which of its officials
    /// may is for the law's articles to say.
    pub issuer: PrincipalId,
    /// The most that may be in circulation at once, if the law caps it.
    #[serde(default)]
    pub max_supply: Option<Amount>,
    /// The fee on each transfer, if the law sets one (by default there is none).
    #[serde(default)]
    pub transfer_fee: Option<TransferFee>,
}

/// A fee the law sets on transfers: a flat part plus a share in basis points, paid by the
/// sender on top of the amount, credited to the collector's account.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct TransferFee {
    #[serde(default)]
    pub flat: Amount,
    /// Hundredths of a percent of the amount, rounded down; at most 10,000.
    #[serde(default)]
    pub basis_points: u16,
    /// Whose account receives the fees (the treasury).
    pub collector: PrincipalId,
}

impl TransferFee {
    /// The fee on a transfer of `amount`, if it does not overflow.
    pub fn on(&self, amount: Amount) -> Option<Amount> {
        let share = amount
            .0
            .checked_mul(i128::from(self.basis_points))?
            .checked_div(10_000)?;
        self.flat.0.checked_add(share).map(Amount)
    }
}

/// A court order (or other legal act) that froze an account.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct FreezeOrder {
    /// The order's reference, e.g. `(2026) Jing 01 Zhi 123`.
    pub order: String,
    /// Who froze it.
    pub by: PrincipalId,
    pub height: Height,
    pub tx: Hash,
    /// The law article that allowed it.
    pub citation: Option<Citation>,
}

/// What moved an account's balance.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum PostingKind {
    Issued,
    Redeemed,
    Sent,
    Received,
    Fee,
    /// The initial balances of the genesis document.
    Genesis,
}

/// One line of an account statement: one change of one account's balance.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Posting {
    pub height: Height,
    /// The transaction (zero at genesis).
    pub tx: Hash,
    pub kind: PostingKind,
    /// The change: positive credits, negative debits.
    pub amount: Amount,
    /// The balance after it.
    pub balance: Amount,
    /// The other side: the sender or receiver, the issuer, or the fee collector.
    pub counterparty: Option<PrincipalId>,
    #[serde(default)]
    pub memo: String,
    #[serde(default)]
    pub reference: String,
    /// The law article that allowed it.
    pub citation: Option<Citation>,
}

/// A balance at genesis, issued with the chain.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct GenesisBalance {
    pub holder: PrincipalId,
    pub currency: String,
    pub amount: Amount,
}

/// Longest memo of a transfer, in bytes.
pub const MAX_MEMO_BYTES: usize = 256;
/// Longest reference (an invoice, a court order) of a transfer or freeze, in bytes.
pub const MAX_REFERENCE_BYTES: usize = 128;

/// Whether `code` is a currency code: 2 to 12 capital letters and digits, a letter first.
pub fn currency_code_ok(code: &str) -> bool {
    (2..=12).contains(&code.len())
        && code.bytes().next().is_some_and(|b| b.is_ascii_uppercase())
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_written_and_read_in_major_units() {
        assert_eq!(Amount(150_000).display(2), "1500.00");
        assert_eq!(Amount(5).display(2), "0.05");
        assert_eq!(Amount(-5).display(2), "-0.05");
        assert_eq!(Amount(7).display(0), "7");
        assert_eq!(Amount::parse_major("1500", 2), Ok(Amount(150_000)));
        assert_eq!(Amount::parse_major("1500.5", 2), Ok(Amount(150_050)));
        assert_eq!(Amount::parse_major("0.05", 2), Ok(Amount(5)));
        assert!(Amount::parse_major("0.005", 2).is_err());
        assert!(Amount::parse_major("1e3", 2).is_err());
        assert!(Amount::parse_major("", 2).is_err());
        assert!(Amount::parse_major(".5", 2).is_err());
        assert!(Amount::parse_major("999999999999999999999999999999999999999", 2).is_err());
    }

    #[test]
    fn amounts_are_strings_in_json_and_numbers_are_accepted() {
        assert_eq!(serde_json::to_string(&Amount(12)).unwrap(), "\"12\"");
        assert_eq!(
            serde_json::from_str::<Amount>("\"-170141183460469231731687303715884105728\"").unwrap(),
            Amount(i128::MIN)
        );
        assert_eq!(serde_json::from_str::<Amount>("42").unwrap(), Amount(42));
        assert!(serde_json::from_str::<Amount>("\"1.5\"").is_err());
        assert!(
            serde_json::from_str::<Amount>("\"99999999999999999999999999999999999999999\"")
                .is_err()
        );
        assert!(serde_json::from_str::<Amount>("1.5").is_err());
        let e = serde_json::from_str::<Amount>("\"-\"")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not an integer amount"), "{e}");
    }

    #[test]
    fn fees_round_down_and_refuse_overflow() {
        let fee = TransferFee {
            flat: Amount(10),
            basis_points: 50,
            collector: PrincipalId::new("treasury").unwrap(),
        };
        assert_eq!(fee.on(Amount(10_000)), Some(Amount(60)));
        assert_eq!(fee.on(Amount(199)), Some(Amount(10)));
        assert_eq!(fee.on(Amount(i128::MAX)), None);
    }

    #[test]
    fn currency_codes() {
        assert!(currency_code_ok("CNY"));
        assert!(currency_code_ok("E2"));
        assert!(!currency_code_ok("cny"));
        assert!(!currency_code_ok("2E"));
        assert!(!currency_code_ok("C"));
        assert!(!currency_code_ok("CNY/"));
    }
}
