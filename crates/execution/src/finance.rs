//! Money: currencies the laws define, accounts of principals, and the four ways a balance
//! moves — issue, redeem, transfer (with the fee a law may set), and the freeze that stops it.
//!
//! Every amount is an [`Amount`] in minor units with checked arithmetic. Each operation is one
//! decision of the laws (`issue`/`redeem` on a `Currency`, `transfer`/`freeze`/`unfreeze` on an
//! `Account`, with `context.amount` and `context.counterparty`); the kernel adds what no law
//! may waive: positive amounts, existing holders, no overdraft, no overflow, the supply limit
//! of the currency's law, and nothing leaving a frozen account. Money is conserved: per
//! currency, the supply equals the sum of balances ([`check_conservation`]).
//!
//! Each change of a balance is also a statement line ([`Posting`]) the node keeps in its
//! journal, outside the state root: the state holds balances, the journal explains them.

use crate::authorize::{Action, authorize_as, principal_regions, signer_entity};
use crate::error::{ExecError, Result, TxError};
use crate::laws::CurrencyInForce;
use crate::overlay::TxOverlay;
use crate::payload::{Signer, TxContext, event};
use crate::schema::{self, AccountRecord, CurrencyRecord};
use crate::state::State;
use govchain_law::{EntityData, EntityRef, Value};
use govchain_types::Code;
use govchain_types::{
    Amount, Event, FreezeOrder, MAX_MEMO_BYTES, MAX_REFERENCE_BYTES, Posting, PostingKind,
    PrincipalId, WriteSet,
};
use std::collections::BTreeMap;

type Outcome = Result<std::result::Result<Vec<Event>, TxError>>;

/// A statement line waiting for its transaction to succeed: the account's currency and holder,
/// and the line.
pub(crate) type PendingPosting = (String, PrincipalId, Posting);

fn currency<'c>(
    ctx: &'c TxContext<'_>,
    code: &str,
) -> std::result::Result<&'c CurrencyInForce, TxError> {
    ctx.currencies.get(code).ok_or_else(|| {
        TxError::new(
            Code::UnknownCurrency,
            format!("no law in force defines a currency `{code}`"),
        )
    })
}

fn positive(amount: Amount) -> std::result::Result<(), TxError> {
    if amount.0 <= 0 {
        return Err(TxError::new(
            Code::BadAmount,
            format!("the amount must be more than zero; it is {amount}"),
        ));
    }
    Ok(())
}

fn text_ok(what: &str, text: &str, max: usize) -> std::result::Result<(), TxError> {
    if text.len() > max || text.chars().any(char::is_control) {
        return Err(TxError::new(
            Code::BadText,
            format!("the {what} must be at most {max} bytes of printable text"),
        ));
    }
    Ok(())
}

/// The kind of principal `id` names, or a refusal if it names nobody.
fn holder_kind(
    state: &dyn State,
    id: &PrincipalId,
) -> Result<std::result::Result<govchain_types::PrincipalKind, TxError>> {
    Ok(match schema::principal(state, id)? {
        Some(r) => Ok(r.kind),
        None => Err(TxError::new(
            Code::UnknownHolder,
            format!("`{id}` is not a registered person, organisation or department"),
        )),
    })
}

/// An account as the laws see it: currency, holder, the holder's kind and regions, frozen.
pub(crate) fn account_entity(
    state: &dyn State,
    registries: &crate::laws::Registries,
    code: &str,
    holder: &PrincipalId,
    kind: govchain_types::PrincipalKind,
    account: &AccountRecord,
) -> Result<EntityData> {
    Ok(
        EntityData::new(EntityRef::new("Account", format!("{code}/{holder}")))
            .attr("currency", Value::str(code))
            .attr("holder", Value::entity("Principal", holder.to_string()))
            .attr("holder_kind", Value::str(crate::authorize::kind_name(kind)))
            .attr("frozen", Value::Bool(account.frozen.is_some()))
            .attr(
                "regions",
                Value::strs(principal_regions(state, registries, holder, kind)?),
            ),
    )
}

/// A currency as the laws see it: code, issuer, decimals and the supply in circulation.
fn currency_entity(c: &CurrencyInForce, record: &CurrencyRecord) -> EntityData {
    let supply = i64::try_from(record.supply.0).unwrap_or(i64::MAX);
    EntityData::new(EntityRef::new("Currency", c.def.code.as_str()))
        .attr("code", Value::str(c.def.code.as_str()))
        .attr("issuer", Value::str(c.def.issuer.to_string()))
        .attr("decimals", Value::Long(i64::from(c.def.decimals)))
        .attr("supply", Value::Long(supply))
}

/// One side of a movement, applied to the transaction's writes and statement.
struct Line<'a> {
    holder: &'a PrincipalId,
    kind: PostingKind,
    /// Credited (`true`) or debited.
    credit: bool,
    amount: Amount,
    counterparty: Option<&'a PrincipalId>,
}

/// Applies balance changes to accounts, refusing an overdraft or an overflow, and queues the
/// statement lines. Nothing is written unless every line applies.
fn post(
    tx: &mut TxOverlay<'_>,
    ctx: &TxContext<'_>,
    code: &str,
    lines: &[Line<'_>],
    memo: &str,
    reference: &str,
) -> Result<std::result::Result<(), TxError>> {
    let mut accounts: BTreeMap<&PrincipalId, AccountRecord> = BTreeMap::new();
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        let account = match accounts.get(line.holder) {
            Some(a) => a.clone(),
            None => schema::account(tx, code, line.holder)?,
        };
        let delta = if line.credit {
            Some(line.amount)
        } else {
            line.amount.0.checked_neg().map(Amount)
        };
        let Some((delta, balance)) = delta.and_then(|d| Some((d, account.balance.checked_add(d)?)))
        else {
            return Ok(Err(TxError::new(
                Code::Overflow,
                format!("the balance of `{}` in {code} would overflow", line.holder),
            )));
        };
        if balance.0 < 0 {
            return Ok(Err(TxError::new(
                Code::InsufficientFunds,
                // No figures: receipts are public, balances are not.
                format!(
                    "the {code} account of `{}` does not hold enough for this{}",
                    line.holder,
                    if line.kind == PostingKind::Fee {
                        " and the fee the law sets"
                    } else {
                        ""
                    }
                ),
            )));
        }
        out.push((
            code.to_string(),
            line.holder.clone(),
            Posting {
                height: ctx.height,
                tx: ctx.tx_id,
                kind: line.kind,
                amount: delta,
                balance,
                counterparty: line.counterparty.cloned(),
                memo: memo.to_string(),
                reference: reference.to_string(),
                citation: tx.citation.clone(),
            },
        ));
        accounts.insert(
            line.holder,
            AccountRecord {
                balance,
                last_tx: ctx.tx_id,
                ..account
            },
        );
    }
    for (holder, account) in accounts {
        tx.put(schema::account_key(code, holder), schema::value(&account));
    }
    tx.postings.extend(out);
    Ok(Ok(()))
}

/// What an issue or a redemption asks: new money into `holder`'s account, or money out of
/// circulation from it.
pub(crate) struct SupplyChange<'a> {
    pub code: &'a str,
    pub holder: &'a PrincipalId,
    pub amount: Amount,
    pub memo: &'a str,
    pub issuing: bool,
}

/// Only the issuing authority creates or destroys its money: the issuing department itself,
/// or an official acting in a position of it. Which of them may, and how much, the laws say.
fn for_issuer(
    ctx: &TxContext<'_>,
    signer: &Signer,
    code: &str,
) -> std::result::Result<(), TxError> {
    let c = currency(ctx, code)?;
    let issuer = &c.def.issuer;
    let ok = match (&signer.position, &signer.organisation) {
        (Some(p), _) => &p.position.department == issuer,
        (None, None) => &signer.principal == issuer,
        (None, Some(_)) => false,
    };
    if ok {
        return Ok(());
    }
    Err(TxError::new(
        Code::NotIssuer,
        format!(
            "only `{issuer}`, the issuer {} names, issues and redeems {code}: act in a position of it",
            c.citation()
        ),
    )
    .citing(c.citation()))
}

/// Issues or redeems, as the currency's issuer and as the laws allow.
pub(crate) fn change_supply(
    tx: &mut TxOverlay<'_>,
    ctx: &TxContext<'_>,
    signer: &Signer,
    change: &SupplyChange<'_>,
) -> Outcome {
    let &SupplyChange {
        code,
        holder,
        amount,
        memo,
        issuing,
    } = change;
    if let Err(e) = for_issuer(ctx, signer, code) {
        return Ok(Err(e));
    }
    let c = match currency(ctx, code) {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    if let Err(e) = positive(amount).and_then(|()| text_ok("memo", memo, MAX_MEMO_BYTES)) {
        return Ok(Err(e));
    }
    if let Err(e) = holder_kind(tx, holder)? {
        return Ok(Err(e));
    }
    let record = schema::currency(tx, code)?;
    let action = Action::Money {
        action: if issuing { "issue" } else { "redeem" },
        resource: currency_entity(c, &record),
        amount,
        counterparty: holder,
    };
    let who = signer_entity(tx, ctx, signer)?;
    if let Err(e) = authorize_as(tx, ctx, who, None, &action)? {
        return Ok(Err(e));
    }
    let supply = if issuing {
        record.supply.checked_add(amount)
    } else {
        record.supply.checked_sub(amount)
    };
    let Some(supply) = supply else {
        return Ok(Err(TxError::new(
            Code::Overflow,
            format!("the supply of {code} would overflow"),
        )));
    };
    if let Some(max) = c.def.max_supply
        && issuing
        && supply > max
    {
        return Ok(Err(TxError::new(
            Code::SupplyLimit,
            format!(
                "issuing would put {} {code} in circulation; {} caps it at {}",
                supply.display(c.def.decimals),
                c.citation(),
                max.display(c.def.decimals)
            ),
        )
        .citing(c.citation())));
    }
    if !issuing && let Err(e) = not_frozen(tx, code, holder)? {
        return Ok(Err(e));
    }
    let line = Line {
        holder,
        kind: if issuing {
            PostingKind::Issued
        } else {
            PostingKind::Redeemed
        },
        credit: issuing,
        amount,
        counterparty: Some(&c.def.issuer),
    };
    if let Err(e) = post(tx, ctx, code, &[line], memo, "")? {
        return Ok(Err(e));
    }
    tx.put(
        schema::currency_key(code),
        schema::value(&CurrencyRecord { supply }),
    );
    Ok(Ok(vec![event(
        if issuing { "issued" } else { "redeemed" },
        &[
            ("currency", code.to_string()),
            ("holder", holder.to_string()),
            ("amount", amount.to_string()),
            ("supply", supply.to_string()),
        ],
    )]))
}

/// A freeze stops everything leaving the account, whatever the laws permit: the order is cited.
fn not_frozen(
    state: &dyn State,
    code: &str,
    holder: &PrincipalId,
) -> Result<std::result::Result<(), TxError>> {
    let account = schema::account(state, code, holder)?;
    Ok(match account.frozen {
        None => Ok(()),
        Some(order) => {
            let e = TxError::new(
                Code::Frozen,
                format!(
                    "the {code} account of `{holder}` is frozen by order `{}` (height {})",
                    order.order, order.height
                ),
            );
            Err(match order.citation {
                Some(c) => e.citing(c),
                None => e,
            })
        }
    })
}

/// What a transfer asks: who pays whom how much, with memo and reference.
pub(crate) struct TransferOrder<'a> {
    pub code: &'a str,
    pub from: &'a PrincipalId,
    pub to: &'a PrincipalId,
    pub amount: Amount,
    pub memo: &'a str,
    pub reference: &'a str,
}

/// A transfer signed by the holder (or its representative, or an official with the power the
/// laws name). `order.from` is whom the signer pays from (see [`own_account`]).
pub(crate) fn transfer(
    tx: &mut TxOverlay<'_>,
    ctx: &TxContext<'_>,
    signer: &Signer,
    order: &TransferOrder<'_>,
) -> Outcome {
    let who = signer_entity(tx, ctx, signer)?;
    move_money(tx, ctx, who, None, order)
}

/// Whose account a signer pays from when the transfer names none: the organisation it acts
/// for, or its own.
pub(crate) fn own_account(signer: &Signer) -> &PrincipalId {
    match &signer.organisation {
        Some((org, _)) => org,
        None => &signer.principal,
    }
}

/// Moves money as `who` — a signer, or a service contract (`via_contract`) paying from the
/// account its law allows. The one path every transfer takes.
pub(crate) fn move_money(
    tx: &mut TxOverlay<'_>,
    ctx: &TxContext<'_>,
    who: EntityData,
    via_contract: Option<&str>,
    o: &TransferOrder<'_>,
) -> Outcome {
    let c = match currency(ctx, o.code) {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    let checks = positive(o.amount)
        .and_then(|()| text_ok("memo", o.memo, MAX_MEMO_BYTES))
        .and_then(|()| text_ok("reference", o.reference, MAX_REFERENCE_BYTES));
    if let Err(e) = checks {
        return Ok(Err(e));
    }
    if o.from == o.to {
        return Ok(Err(TxError::new(
            Code::SameAccount,
            format!("`{}` cannot transfer to itself", o.from),
        )));
    }
    let from_kind = match holder_kind(tx, o.from)? {
        Ok(k) => k,
        Err(e) => return Ok(Err(e)),
    };
    if let Err(e) = holder_kind(tx, o.to)? {
        return Ok(Err(e));
    }
    let source = schema::account(tx, o.code, o.from)?;
    let resource = account_entity(tx, ctx.registries, o.code, o.from, from_kind, &source)?;
    let action = Action::Money {
        action: "transfer",
        resource,
        amount: o.amount,
        counterparty: o.to,
    };
    if let Err(e) = authorize_as(tx, ctx, who, via_contract, &action)? {
        return Ok(Err(e));
    }
    if let Err(e) = not_frozen(tx, o.code, o.from)? {
        return Ok(Err(e));
    }
    let mut lines = vec![
        Line {
            holder: o.from,
            kind: PostingKind::Sent,
            credit: false,
            amount: o.amount,
            counterparty: Some(o.to),
        },
        Line {
            holder: o.to,
            kind: PostingKind::Received,
            credit: true,
            amount: o.amount,
            counterparty: Some(o.from),
        },
    ];
    let mut fee_paid = Amount::ZERO;
    if let Some(rule) = &c.def.transfer_fee {
        let Some(fee) = rule.on(o.amount) else {
            return Ok(Err(TxError::new(
                Code::Overflow,
                format!("the fee on {} {} overflows", o.amount, o.code),
            )));
        };
        if fee.0 > 0 && &rule.collector != o.from {
            if holder_kind(tx, &rule.collector)?.is_err() {
                return Ok(Err(TxError::new(
                    Code::UnknownHolder,
                    format!(
                        "the fee collector `{}` that {} names is not registered",
                        rule.collector,
                        c.citation()
                    ),
                )
                .citing(c.citation())));
            }
            fee_paid = fee;
            lines.push(Line {
                holder: o.from,
                kind: PostingKind::Fee,
                credit: false,
                amount: fee,
                counterparty: Some(&rule.collector),
            });
            lines.push(Line {
                holder: &rule.collector,
                kind: PostingKind::Fee,
                credit: true,
                amount: fee,
                counterparty: Some(o.from),
            });
        }
    }
    if let Err(e) = post(tx, ctx, o.code, &lines, o.memo, o.reference)? {
        return Ok(Err(e));
    }
    let mut attrs = vec![
        ("currency", o.code.to_string()),
        ("from", o.from.to_string()),
        ("to", o.to.to_string()),
        ("amount", o.amount.to_string()),
    ];
    if fee_paid.0 > 0 {
        attrs.push(("fee", fee_paid.to_string()));
    }
    if !o.reference.is_empty() {
        attrs.push(("reference", o.reference.to_string()));
    }
    Ok(Ok(vec![event("transferred", &attrs)]))
}

/// Freezes (`freezing`) or unfreezes `holder`'s account in `code` by `order`.
pub(crate) fn set_frozen(
    tx: &mut TxOverlay<'_>,
    ctx: &TxContext<'_>,
    signer: &Signer,
    code: &str,
    holder: &PrincipalId,
    order: &str,
    freezing: bool,
) -> Outcome {
    if let Err(e) = currency(ctx, code) {
        return Ok(Err(e));
    }
    if order.trim().is_empty() {
        return Ok(Err(TxError::new(
            Code::BadText,
            "a freeze or unfreeze names the order that makes it",
        )));
    }
    if let Err(e) = text_ok("order", order, MAX_REFERENCE_BYTES) {
        return Ok(Err(e));
    }
    let kind = match holder_kind(tx, holder)? {
        Ok(k) => k,
        Err(e) => return Ok(Err(e)),
    };
    let account = schema::account(tx, code, holder)?;
    let who = signer_entity(tx, ctx, signer)?;
    let resource = account_entity(tx, ctx.registries, code, holder, kind, &account)?;
    let action = Action::Money {
        action: if freezing { "freeze" } else { "unfreeze" },
        resource,
        amount: Amount::ZERO,
        counterparty: holder,
    };
    if let Err(e) = authorize_as(tx, ctx, who, None, &action)? {
        return Ok(Err(e));
    }
    // Only to whoever may freeze: whether and by which order an account is frozen.
    match (&account.frozen, freezing) {
        (Some(o), true) => {
            return Ok(Err(TxError::new(
                Code::AlreadyFrozen,
                format!(
                    "the {code} account of `{holder}` is already frozen by order `{}`",
                    o.order
                ),
            )));
        }
        (None, false) => {
            return Ok(Err(TxError::new(
                Code::NotFrozen,
                format!("the {code} account of `{holder}` is not frozen"),
            )));
        }
        _ => {}
    }
    let frozen = freezing.then(|| FreezeOrder {
        order: order.to_string(),
        by: signer.principal.clone(),
        height: ctx.height,
        tx: ctx.tx_id,
        citation: tx.citation.clone(),
    });
    tx.put(
        schema::account_key(code, holder),
        schema::value(&AccountRecord {
            frozen,
            last_tx: ctx.tx_id,
            ..account
        }),
    );
    Ok(Ok(vec![event(
        if freezing { "frozen" } else { "unfrozen" },
        &[
            ("currency", code.to_string()),
            ("holder", holder.to_string()),
            ("order", order.to_string()),
        ],
    )]))
}

/// How the laws in force at `height` decide `reader` (acting as `acting`, if given) reading the
/// account of `holder` in `code` — its balance, statement or proof — as `state` holds it.
/// `Ok(Err(_))` says why it cannot be decided (an unknown currency, holder or reader).
pub fn decide_account_read(
    state: &dyn State,
    laws: &crate::laws::Laws,
    height: govchain_types::Height,
    reader: &PrincipalId,
    acting: Option<&govchain_types::Acting>,
    code: &str,
    holder: &PrincipalId,
) -> Result<std::result::Result<govchain_law::Decision, String>> {
    decide_account_read_as_of(state, state, laws, height, reader, acting, code, holder)
}

/// [`decide_account_read`] of the account as it stood in `as_of` (the state at a past height:
/// its freeze, its holder's region then), the reader as it stands in `state`: a read of a past
/// balance is decided on what it returns.
#[allow(
    clippy::too_many_arguments,
    reason = "one decision, each argument a part of it"
)]
pub fn decide_account_read_as_of(
    state: &dyn State,
    as_of: &dyn State,
    laws: &crate::laws::Laws,
    height: govchain_types::Height,
    reader: &PrincipalId,
    acting: Option<&govchain_types::Acting>,
    code: &str,
    holder: &PrincipalId,
) -> Result<std::result::Result<govchain_law::Decision, String>> {
    let compiled = laws.at(state, height)?;
    if !compiled.currencies.contains_key(code) {
        return Ok(Err(format!("no law in force defines a currency `{code}`")));
    }
    let kind = match holder_kind(state, holder)? {
        Ok(k) => k,
        Err(e) => return Ok(Err(e.message)),
    };
    let account = schema::account(as_of, code, holder)?;
    let resource = account_entity(as_of, &compiled.registries, code, holder, kind, &account)?;
    crate::authorize::decide_as(state, laws, height, reader, acting, "read", resource)
}

/// The journal entry of a statement line: its account's prefix, then height, slot (0 for the
/// block's start, a transaction's index + 1) and line number, big-endian, so an account's lines
/// are in order.
pub fn statement_key(
    code: &str,
    holder: &PrincipalId,
    height: govchain_types::Height,
    tx_index: Option<u32>,
    line: u32,
) -> Vec<u8> {
    // The block's start (a schedule's payments) comes before its first transaction.
    let slot = tx_index.map_or(0, |i| u64::from(i).saturating_add(1));
    let mut key = schema::statement_prefix(code, holder);
    key.extend_from_slice(&height.to_be_bytes());
    key.extend_from_slice(&slot.to_be_bytes());
    key.extend_from_slice(&line.to_be_bytes());
    key
}

/// The statement lines of the genesis balances (the journal of height 0), so every statement
/// starts from its opening balance.
pub fn genesis_journal(g: &govchain_types::Genesis) -> Vec<(Vec<u8>, Vec<u8>)> {
    (0u32..)
        .zip(&g.balances)
        .map(|(i, b)| {
            let posting = Posting {
                height: 0,
                tx: govchain_types::Hash::ZERO,
                kind: PostingKind::Genesis,
                amount: b.amount,
                balance: b.amount,
                counterparty: None,
                memo: "opening balance".into(),
                reference: String::new(),
                citation: None,
            };
            (
                statement_key(&b.currency, &b.holder, 0, None, i),
                schema::value(&posting),
            )
        })
        .collect()
}

/// What a state entry says about money: its currency, whether it is a balance (`account/…`) or
/// a supply (`currency/…`), and the amount; `None` for every other key.
fn money_entry(key: &[u8], value: Option<&[u8]>) -> Result<Option<(String, bool, i128)>> {
    let Ok(k) = std::str::from_utf8(key) else {
        return Ok(None);
    };
    let corrupt = |e: govchain_types::DecodeError| ExecError::Corrupt {
        key: k.to_string(),
        reason: e.to_string(),
    };
    if let Some(rest) = k.strip_prefix("account/") {
        let code = rest.split('/').next().unwrap_or_default().to_string();
        let balance = match value {
            None => 0,
            Some(b) => {
                govchain_types::decode::<AccountRecord>("account", b)
                    .map_err(corrupt)?
                    .balance
                    .0
            }
        };
        return Ok(Some((code, true, balance)));
    }
    if let Some(code) = k.strip_prefix("currency/") {
        let supply = match value {
            None => 0,
            Some(b) => {
                govchain_types::decode::<CurrencyRecord>("currency", b)
                    .map_err(corrupt)?
                    .supply
                    .0
            }
        };
        return Ok(Some((code.to_string(), false, supply)));
    }
    Ok(None)
}

/// Checks that a block conserved money: per currency, the change of the supply equals the
/// sum of the changes of the balances it wrote. With conservation at genesis, this keeps
/// supply = Σ balances at every height. A failure is a bug of the kernel: the block is invalid
/// ([`ExecError::InvalidBlock`]) and is not committed.
pub fn check_conservation(base: &dyn State, writes: &WriteSet) -> Result<()> {
    let mut delta: BTreeMap<String, i128> = BTreeMap::new();
    for (key, write) in writes {
        let Some((code, balance, new)) = money_entry(key, write.value.as_deref())? else {
            continue;
        };
        let old = money_entry(key, base.get(key)?.as_deref())?.map_or(0, |(_, _, v)| v);
        let change = new.checked_sub(old);
        // Balances count up, the supply down: every currency's changes sum to zero.
        let signed = if balance {
            change
        } else {
            change.and_then(i128::checked_neg)
        };
        let d = delta.entry(code).or_default();
        *d = signed
            .and_then(|v| d.checked_add(v))
            .ok_or_else(|| ExecError::Corrupt {
                key: String::from_utf8_lossy(key).into_owned(),
                reason: "the sum of changes overflows".into(),
            })?;
    }
    match delta.into_iter().find(|(_, d)| *d != 0) {
        None => Ok(()),
        Some((code, d)) => Err(ExecError::InvalidBlock(format!(
            "money is not conserved: the block changed the balances of `{code}` by {d} more than its supply"
        ))),
    }
}

/// Per currency, the supply and the sum of every balance in a state: what the property tests
/// compare.
pub fn totals(state: &crate::MemState) -> Result<BTreeMap<String, (i128, i128)>> {
    let mut out: BTreeMap<String, (i128, i128)> = BTreeMap::new();
    for (key, value) in &state.0 {
        let Some((code, balance, amount)) = money_entry(key, Some(value))? else {
            continue;
        };
        let t = out.entry(code).or_default();
        if balance {
            t.1 = t.1.checked_add(amount).ok_or_else(|| ExecError::Corrupt {
                key: String::from_utf8_lossy(key).into_owned(),
                reason: "the sum of balances overflows".into(),
            })?;
        } else {
            t.0 = amount;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    //! Payments by service contracts: the path the contract runtime's host calls, decided by
    //! the laws with the contract as the principal.
    #![allow(
        clippy::unwrap_used,
        clippy::indexing_slicing,
        reason = "a test fails loudly"
    )]

    use super::*;
    use crate::laws::Laws;

    fn pid(s: &str) -> PrincipalId {
        PrincipalId::new(s).unwrap()
    }

    fn contract(service: &str) -> EntityData {
        EntityData::new(EntityRef::new("Contract", format!("{service}-v1")))
            .attr("service", Value::str(service))
            .attr("version", Value::Long(1))
            .parent(EntityRef::new("Principal", format!("{service}-v1")))
    }

    /// `service` pays `amount` fen of `code` from `from` to `to` at height 1 of the demo chain.
    fn pay(service: &str, code: &str, from: &str, amount: i128) -> (Outcome, Vec<PendingPosting>) {
        let key = |id: &str| {
            govchain_crypto::SecretKey::from_seed(govchain_types::Scheme::Ed25519, id.as_bytes())
                .public_key()
        };
        let g = govchain_demo::genesis::document("pay-test", key("validator"), key);
        let mut state = crate::MemState::default();
        state.apply(&crate::genesis_writes(&g).unwrap());
        let laws = Laws::new().unwrap();
        let compiled = laws.at(&state, 1).unwrap();
        let ctx = TxContext {
            height: 1,
            date: "2026-12-01",
            work: &crate::services::BlockWork::new(50_000_000),
            max_lifetime: 100,
            chain_id: "pay-test",
            scheme: govchain_types::Scheme::Ed25519,
            laws: &compiled.book,
            compiler: &laws,
            registries: &compiled.registries,
            currencies: &compiled.currencies,
            statutes: &compiled.statutes,
            tx_id: govchain_types::Hash::ZERO,
        };
        let mut tx = TxOverlay::new(&state);
        let (from, to) = (pid(from), pid("cit-0001"));
        let order = TransferOrder {
            code,
            from: &from,
            to: &to,
            amount: Amount(amount),
            memo: "child subsidy, November",
            reference: "case-1",
        };
        let out = move_money(&mut tx, &ctx, contract(service), Some(service), &order);
        (out, tx.postings)
    }

    #[test]
    fn the_subsidy_service_pays_from_the_treasury_as_its_law_allows() {
        let (out, postings) = pay("child-subsidy", "CNY", "treasury", 50_000);
        let events = out.unwrap().unwrap();
        assert_eq!(events[0].kind, "transferred");
        assert_eq!(postings.len(), 2);
        let citation = postings[0].2.citation.clone().unwrap();
        assert_eq!(
            (citation.law.as_str(), citation.article.as_str()),
            ("child-subsidy-law", "2")
        );
        let (out, _) = pay("pension", "CNY", "treasury", 50_000);
        assert!(out.unwrap().is_ok(), "pension-law art. 2");
    }

    #[test]
    fn a_service_pays_from_nowhere_its_law_does_not_name() {
        // From a citizen's account: no law lets a service take it.
        let (out, postings) = pay("child-subsidy", "CNY", "cit-0002", 100);
        assert_eq!(out.unwrap().unwrap_err().code, "unauthorized");
        assert!(postings.is_empty());
        // A service no law names.
        let (out, _) = pay("licence", "CNY", "treasury", 100);
        assert_eq!(out.unwrap().unwrap_err().code, "unauthorized");
        // More than the treasury holds.
        let (out, _) = pay(
            "pension",
            "CNY",
            "treasury",
            govchain_demo::genesis::TREASURY_OPENING + 1,
        );
        assert_eq!(out.unwrap().unwrap_err().code, "insufficient_funds");
    }

    #[test]
    fn a_block_that_creates_or_loses_money_is_caught() {
        let put = |v: Vec<u8>| govchain_types::Write {
            value: Some(v),
            tx_index: Some(0),
        };
        let account = |n: i128| {
            schema::value(&AccountRecord {
                balance: Amount(n),
                ..AccountRecord::default()
            })
        };
        let supply = |n: i128| schema::value(&CurrencyRecord { supply: Amount(n) });
        let (a, b) = (pid("a"), pid("b"));
        let mut base = crate::MemState::default();
        base.0.insert(schema::account_key("CNY", &a), account(10));
        base.0.insert(schema::currency_key("CNY"), supply(10));
        // A transfer of 4 from `a` to a new account `b`: conserved.
        let mut writes = WriteSet::new();
        writes.insert(schema::account_key("CNY", &a), put(account(6)));
        writes.insert(schema::account_key("CNY", &b), put(account(4)));
        check_conservation(&base, &writes).unwrap();
        // An issue of 5 into `b` with the supply raised: conserved.
        writes.insert(schema::account_key("CNY", &b), put(account(9)));
        writes.insert(schema::currency_key("CNY"), put(supply(15)));
        check_conservation(&base, &writes).unwrap();
        // Money out of nowhere, and money lost: the block is invalid.
        writes.insert(schema::account_key("CNY", &b), put(account(10)));
        let err = check_conservation(&base, &writes).unwrap_err();
        assert!(
            matches!(&err, ExecError::InvalidBlock(m) if m.contains("by 1 more")),
            "{err}"
        );
        writes.insert(schema::account_key("CNY", &b), put(account(8)));
        let err = check_conservation(&base, &writes).unwrap_err();
        assert!(
            matches!(&err, ExecError::InvalidBlock(m) if m.contains("by -1 more")),
            "{err}"
        );
    }
}
