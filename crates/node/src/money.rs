//! Reads of money: currencies in force, accounts as of a height, statements from the journal.
//! Departments' accounts are public finance; the accounts of persons and organisations are
//! read only through signed read requests the laws decide (see `reads.rs`).

use crate::app::App;
use govchain_api::{AccountView, BackendError, CurrencyView, StatementPage};
use govchain_execution::schema;
use govchain_types::{Height, Posting, PrincipalId, PrincipalKind, decode};

fn unavailable(e: impl std::fmt::Display) -> BackendError {
    BackendError::Unavailable(e.to_string())
}

fn bad(m: impl Into<String>) -> BackendError {
    BackendError::BadRequest(m.into())
}

/// Most statement lines one page holds.
pub const MAX_STATEMENT_PAGE: usize = 500;

impl App {
    /// The currencies in force at `height` (default: the next block), with their supply then.
    pub fn currencies_at(&self, height: Option<Height>) -> Result<Vec<CurrencyView>, BackendError> {
        let (state, compiled) = self.in_force_at(height, "currencies")?;
        let mut out = Vec::new();
        for c in compiled.currencies.values() {
            let supply = schema::currency(&state, &c.def.code)
                .map_err(unavailable)?
                .supply;
            out.push(CurrencyView {
                supply_display: supply.display(c.def.decimals),
                supply,
                def: c.def.clone(),
                law: c.law.to_string(),
                law_version: c.version,
            });
        }
        Ok(out)
    }

    /// Whether the API serves `holder`'s accounts without a signed read: departments' only.
    pub fn check_public_account(&self, holder: &PrincipalId) -> Result<(), BackendError> {
        let record = schema::principal(&self.state(), holder)
            .map_err(unavailable)?
            .ok_or_else(|| BackendError::NotFound(format!("`{holder}` is not registered")))?;
        if record.kind == PrincipalKind::Department {
            return Ok(());
        }
        Err(BackendError::Forbidden(
            "read_request_required",
            format!(
                "the accounts of `{holder}` are private: read them with a signed read request (`POST /v1/read`)"
            ),
        ))
    }

    /// The decimal places of a currency in force, without reading any supply.
    fn decimals(&self, currency: &str) -> Result<u8, BackendError> {
        let (_, compiled) = self.in_force_at(None, "currencies")?;
        compiled
            .currencies
            .get(currency)
            .map(|c| c.def.decimals)
            .ok_or_else(|| {
                BackendError::NotFound(format!("no law in force defines a currency `{currency}`"))
            })
    }

    /// An account as of `height` (default: the latest), without checking who may read it.
    pub(crate) fn account_unchecked(
        &self,
        holder: &PrincipalId,
        currency: &str,
        height: Option<Height>,
    ) -> Result<AccountView, BackendError> {
        let decimals = self.decimals(currency)?;
        let latest = self.head().height;
        let at = height.unwrap_or(latest);
        if at > latest {
            return Err(BackendError::NotFound(format!(
                "height {at} is above the latest, {latest}"
            )));
        }
        let found = self
            .store()
            .get(&schema::account_key(currency, holder), Some(at))
            .map_err(unavailable)?;
        let (record, changed_at) = match found {
            None => (schema::AccountRecord::default(), None),
            Some(v) => (
                decode::<schema::AccountRecord>("account", &v.value).map_err(unavailable)?,
                Some(v.height),
            ),
        };
        Ok(AccountView {
            currency: currency.to_string(),
            holder: holder.to_string(),
            balance_display: record.balance.display(decimals),
            balance: record.balance,
            frozen: record.frozen,
            height: at,
            changed_at,
        })
    }

    /// A page of an account's statement, without checking who may read it. In the `public`
    /// view (a department's statement, unsigned) the lines with a person or organisation on
    /// the other side keep the parties and leave out amount, balance, memo and reference.
    pub(crate) fn statement_unchecked(
        &self,
        holder: &PrincipalId,
        currency: &str,
        after: Option<&str>,
        limit: usize,
        newest_first: bool,
        public: bool,
    ) -> Result<StatementPage, BackendError> {
        self.decimals(currency)?;
        let after = after
            .map(|a| hex::decode(a).map_err(|_| bad("`after` is the hex cursor of a page")))
            .transpose()?;
        let prefix = schema::statement_prefix(currency, holder);
        let after = after.map(|a| {
            let mut k = prefix.clone();
            k.extend_from_slice(&a);
            k
        });
        let limit = limit.clamp(1, MAX_STATEMENT_PAGE);
        let rows = self
            .store()
            .journal(&prefix, after.as_deref(), limit, newest_first)
            .map_err(unavailable)?;
        let next = (rows.len() == limit)
            .then(|| {
                rows.last()
                    .and_then(|(k, _)| k.get(prefix.len()..))
                    .map(hex::encode)
            })
            .flatten();
        let mut lines: Vec<Posting> = rows
            .iter()
            .map(|(_, v)| decode::<Posting>("statement line", v).map_err(unavailable))
            .collect::<Result<_, _>>()?;
        let mut redacted = Vec::new();
        if public {
            for (i, line) in lines.iter_mut().enumerate() {
                if line
                    .counterparty
                    .as_ref()
                    .is_some_and(|c| !self.is_department(c))
                {
                    line.amount = govchain_types::Amount::ZERO;
                    line.balance = govchain_types::Amount::ZERO;
                    line.memo.clear();
                    line.reference.clear();
                    redacted.push(i);
                }
            }
        }
        Ok(StatementPage {
            currency: currency.to_string(),
            holder: holder.to_string(),
            lines,
            next,
            redacted,
        })
    }
}
