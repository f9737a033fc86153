//! Enacting a law: the body's threshold signatures; the constitution's permission for that body
//! to enact that level, and to amend every law the bill replaces, repeals or takes a definition
//! from (never a higher level's); the next version; a future effective height; and laws that
//! compile at every height at which they change from then on.

use crate::authorize::{Action, authorize};
use crate::error::{Result, TxError};
use crate::overlay::TxOverlay;
use crate::payload::{Signer, TxContext, event};
use crate::schema::{self, InterpretationRecord, LawRef};
use crate::state::State;
use govchain_law::{EntityData, EntityRef};
use govchain_types::{
    Code, Event, Interpretation, LawBody, LawPackage, MemberSignature, PrincipalId,
};

/// The body `id` as it stands at `height`, and the members whose signatures over `msg` reach
/// its threshold; a shortfall is refused with `code`.
pub(crate) fn signed_by_body(
    tx: &dyn State,
    height: govchain_types::Height,
    id: &govchain_types::PrincipalId,
    msg: &[u8],
    signatures: &[MemberSignature],
    code: Code,
) -> Result<std::result::Result<(govchain_types::LawBody, Vec<govchain_types::PrincipalId>), TxError>>
{
    let Some(body) = schema::body_at(tx, id, height)? else {
        return Ok(Err(TxError::new(
            Code::UnknownBody,
            format!("there is no law-making body `{id}`"),
        )));
    };
    // Members sign with their keys in force in the key registry: a revoked key no longer counts.
    let mut keys = std::collections::BTreeMap::new();
    for m in &body.members {
        keys.insert(m.id.clone(), schema::keys_in_force(tx, &m.id, height)?);
    }
    let keys_of = |m: &govchain_types::BodyMember| keys.get(&m.id).cloned().unwrap_or_default();
    Ok(
        match govchain_law::check_member_signatures_with(&body, msg, signatures, keys_of) {
            Ok(signers) => Ok((body, signers)),
            Err(e) => Err(TxError::new(code, e.to_string())),
        },
    )
}

/// Most enactments of one body that may be pending at once (not yet in effect, or with a lapse
/// still ahead): what bounds the heights an enactment is checked at, body by body, so that no
/// body can use up another's room.
pub const MAX_PENDING_PER_BODY: usize = 8;

/// What enacting a bill asks the laws, besides its body's threshold: one request each.
pub(crate) enum Need {
    /// The body enacts at the bill's level and jurisdiction (constitution arts. 4–6).
    Enact,
    /// The body amends `law` (its latest version): the bill is a new version of it, repeals it,
    /// or defines anew what it defined; `why` says which (constitution art. 15).
    Amend { law: LawPackage, why: String },
    /// The bill constitutes (or reconstitutes) a body (constitution art. 7).
    Constitute(LawBody),
}

/// The requests enacting `bill` makes of the laws: each law it replaces, repeals or takes a
/// definition from is amended, and must be amendable by its body. A repeal of a law never
/// enacted is refused.
pub(crate) fn needs(
    state: &dyn State,
    bill: &LawPackage,
) -> Result<std::result::Result<Vec<Need>, TxError>> {
    let index = schema::law_index(state)?;
    let latest = |id: &PrincipalId| -> Result<Option<LawPackage>> {
        match index
            .iter()
            .filter(|l| &l.id == id)
            .map(|l| l.version)
            .max()
        {
            Some(v) => schema::law(state, id, v),
            None => Ok(None),
        }
    };
    let mut out = vec![Need::Enact];
    let amend = |out: &mut Vec<Need>, law: LawPackage, why: String| {
        let seen = out
            .iter()
            .any(|n| matches!(n, Need::Amend { law: l, .. } if l.id == law.id));
        if !seen {
            out.push(Need::Amend { law, why });
        }
    };
    if let Some(previous) = latest(&bill.id)? {
        let why = format!(
            "the bill is version {} of law `{}`, a {} law of body `{}`",
            bill.version,
            bill.id,
            previous.level.name(),
            previous.body
        );
        amend(&mut out, previous, why);
    }
    for id in &bill.repeals {
        match latest(id)? {
            Some(law) => {
                let why = format!(
                    "the bill repeals law `{id}`, a {} law of body `{}`",
                    law.level.name(),
                    law.body
                );
                amend(&mut out, law, why);
            }
            None => {
                return Ok(Err(TxError::new(
                    Code::UnknownLaw,
                    format!("the bill repeals `{id}`, which is no law"),
                )));
            }
        }
    }
    // What another law defined (in any version) is defined anew only as that law is amended.
    let mut seen = std::collections::BTreeSet::new();
    for l in index.iter().filter(|l| l.id != bill.id) {
        if !seen.insert((l.id.clone(), l.version)) {
            continue;
        }
        let Some(other) = schema::law(state, &l.id, l.version)? else {
            continue;
        };
        let registry = bill
            .registries
            .iter()
            .find(|r| other.registries.iter().any(|o| o.name == r.name))
            .map(|r| format!("registry `{}`", r.name));
        let currency = bill
            .currencies
            .iter()
            .find(|c| other.currencies.iter().any(|o| o.code == c.code))
            .map(|c| format!("currency `{}`", c.code));
        if let Some(what) = registry.or(currency)
            && let Some(law) = latest(&other.id)?
        {
            let why = format!(
                "the bill defines {what}, which law `{}` defines, a {} law of body `{}`",
                other.id,
                law.level.name(),
                law.body
            );
            amend(&mut out, law, why);
        }
    }
    out.extend(bill.constitutes.iter().cloned().map(Need::Constitute));
    Ok(Ok(out))
}

/// The request a need makes of the laws.
fn need_action<'a>(body: &'a LawBody, bill: &'a LawPackage, need: &'a Need) -> Action<'a> {
    match need {
        Need::Enact => Action::Enact { body, law: bill },
        Need::Amend { law, .. } => Action::Amend { body, law },
        Need::Constitute(new) => Action::Constitute {
            by: body,
            body: new,
        },
    }
}

/// A refusal of a need, saying how the bill touches the law refused.
fn refused(need: &Need, e: TxError) -> TxError {
    match need {
        Need::Amend { why, .. } => TxError {
            message: format!("{why}: {}", e.message),
            ..e
        },
        _ => e,
    }
}

/// The heights from the bill's effective height on at which the laws in force change, were it
/// enacted: where it takes effect, and every later height at which a law takes effect or lapses.
fn change_heights(index: &[LawRef], bill: &LawPackage) -> Vec<govchain_types::Height> {
    let from = bill.effective_from;
    let mut out: Vec<govchain_types::Height> = index
        .iter()
        .chain(std::iter::once(&LawRef::of(bill)))
        .flat_map(|l| [Some(l.effective_from), l.effective_until])
        .flatten()
        .filter(|h| *h > from)
        .collect();
    out.push(from);
    out.sort_unstable();
    out.dedup();
    out
}

/// Were `bill` enacted now, the laws in force at every height at which they change from its
/// effective height on must compile, and keep every currency in circulation with its minor
/// units: no sequence of enactments, repeals and lapses leaves a height whose laws cannot be
/// compiled (which would stop every node).
///
/// The schema is fixed, so every article compiles on its own: the bill's articles are compiled
/// once, and at each height only what laws can disagree on is checked — registries and
/// currencies defined twice, principals' registries, money in circulation. Each body may have
/// at most [`MAX_PENDING_PER_BODY`] enactments pending, which bounds the heights.
pub(crate) fn check_future(
    state: &dyn State,
    compiler: &crate::laws::Laws,
    bill: &LawPackage,
    now: &crate::laws::Currencies,
    height: govchain_types::Height,
) -> Result<std::result::Result<(), TxError>> {
    if let Err(e) = compiler.compile(std::slice::from_ref(bill)) {
        return Ok(Err(TxError::new(Code::InvalidBill, e.to_string())));
    }
    let mut index = schema::law_index(state)?;
    let mut packages = std::collections::BTreeMap::new();
    for l in &index {
        if let Some(p) = schema::law(state, &l.id, l.version)? {
            packages.insert((l.id.clone(), l.version), p);
        }
    }
    let pending =
        |l: &LawRef| l.effective_from > height || l.effective_until.is_some_and(|u| u > height);
    let of_body = index
        .iter()
        .filter(|l| pending(l))
        .filter(|l| {
            packages
                .get(&(l.id.clone(), l.version))
                .is_some_and(|p| p.body == bill.body)
        })
        .count();
    if of_body >= MAX_PENDING_PER_BODY {
        return Ok(Err(TxError::new(
            Code::TooManyPending,
            format!(
                "body `{}` has {of_body} enactments pending, the most allowed: let some take effect first",
                bill.body
            ),
        )));
    }
    let heights = change_heights(&index, bill);
    index.push(LawRef::of(bill));
    packages.insert((bill.id.clone(), bill.version), bill.clone());
    let mut circulating = Vec::new();
    for (code, current) in now {
        if schema::currency(state, code)?.supply.0 != 0 {
            circulating.push((code, current.def.decimals));
        }
    }
    for h in heights {
        let laws = crate::laws::in_force_at(&index, h)
            .into_iter()
            .filter_map(|l| packages.get(&(l.id.clone(), l.version)));
        let registries = crate::laws::registries_of(laws.clone());
        let currencies = match (registries, crate::laws::currencies_of(laws)) {
            (Ok(_), Ok(c)) => c,
            (Err(e), _) | (_, Err(e)) => {
                return Ok(Err(TxError::new(
                    Code::InvalidBill,
                    format!("from height {h} the laws in force would not compile: {e}"),
                )));
            }
        };
        // Money in circulation keeps its meaning: its currency stays, with its minor units.
        for (code, decimals) in &circulating {
            let problem = match currencies.get(*code) {
                None => Some("abolish it: redeem what circulates first".to_string()),
                Some(next) if next.def.decimals != *decimals => Some(format!(
                    "change its minor units from {decimals} to {} decimals, which would change every balance: define a new currency",
                    next.def.decimals
                )),
                Some(_) => None,
            };
            if let Some(p) = problem {
                return Ok(Err(TxError::new(
                    Code::InvalidBill,
                    format!("{code} is in circulation; from height {h} the bill would {p}"),
                )));
            }
        }
    }
    Ok(Ok(()))
}

/// The next version of law `bill.id` and a future effective height.
fn check_version(
    state: &dyn State,
    bill: &LawPackage,
    height: govchain_types::Height,
) -> Result<std::result::Result<(), TxError>> {
    if bill.effective_from <= height {
        return Ok(Err(TxError::new(
            Code::TooEarly,
            format!(
                "a law takes effect at a later block than {height}, not at {}",
                bill.effective_from
            ),
        )));
    }
    let latest = schema::law_index(state)?
        .iter()
        .filter(|l| l.id == bill.id)
        .map(|l| l.version)
        .max()
        .unwrap_or(0);
    if bill.version != latest.saturating_add(1) {
        return Ok(Err(TxError::new(
            Code::BadVersion,
            format!(
                "law `{}` is at version {latest}: the next is {}, not {}",
                bill.id,
                latest.saturating_add(1),
                bill.version
            ),
        )));
    }
    Ok(Ok(()))
}

/// Every problem that would refuse `bill` if it were enacted at `height` with its body's
/// threshold of signatures: its shape, its body, what its body may not enact, amend, repeal or
/// constitute (with the article that decided), its version and effective height, and the laws
/// at every later height. What `POST /v1/laws/verify` and `govchain law check` report; enactment
/// makes the same checks.
pub fn bill_problems(
    state: &dyn State,
    laws: &crate::laws::Laws,
    bill: &LawPackage,
    height: govchain_types::Height,
) -> Result<Vec<TxError>> {
    if let Err(e) = govchain_law::check_shape(bill) {
        return Ok(vec![TxError::new(Code::InvalidBill, e.to_string())]);
    }
    let mut out = Vec::new();
    let compiled = laws.at(state, height)?;
    match schema::body_at(state, &bill.body, height)? {
        None => out.push(TxError::new(
            Code::UnknownBody,
            format!("there is no law-making body `{}`", bill.body),
        )),
        Some(body) => match needs(state, bill)? {
            Err(e) => out.push(e),
            Ok(needs) => {
                for need in &needs {
                    let act = need_action(&body, bill, need);
                    let who = EntityData::new(EntityRef::new("Principal", ""));
                    if let Err(e) = crate::authorize::decide_pure(&compiled.book, who, &act, height)
                    {
                        out.push(refused(need, e));
                    }
                }
            }
        },
    }
    if let Err(e) = check_version(state, bill, height)? {
        out.push(e);
    }
    if let Err(e) = check_future(state, laws, bill, &compiled.currencies, height)? {
        out.push(e);
    }
    Ok(out)
}

pub(crate) fn enact_law(
    tx: &mut TxOverlay<'_>,
    ctx: &TxContext<'_>,
    signer: &Signer,
    law: &LawPackage,
    signatures: &[MemberSignature],
) -> Result<std::result::Result<Vec<Event>, TxError>> {
    if let Err(e) = govchain_law::check_shape(law) {
        return Ok(Err(TxError::new(Code::InvalidBill, e.to_string())));
    }
    let msg = govchain_law::bill_signing_bytes(ctx.chain_id, ctx.scheme, law);
    let (body, signers) = match signed_by_body(
        tx,
        ctx.height,
        &law.body,
        &msg,
        signatures,
        Code::NotEnacted,
    )? {
        Ok(b) => b,
        Err(e) => return Ok(Err(e)),
    };
    // The constitution says which body may enact which level, amend or repeal which law, and
    // who constitutes bodies; the enactment is the transaction's main act, decided first.
    let needs = match needs(tx, law)? {
        Ok(n) => n,
        Err(e) => return Ok(Err(e)),
    };
    for need in &needs {
        // A member signs with its keys in force, which are all of this chain's scheme.
        if let Need::Constitute(new) = need {
            for m in &new.members {
                if !schema::keys_in_force(tx, &m.id, ctx.height)?.contains(&m.key) {
                    return Ok(Err(TxError::new(
                        Code::InvalidBill,
                        format!(
                            "member `{}` of body `{}` must be a registered principal whose key in force is `{}`",
                            m.id, new.id, m.key
                        ),
                    )));
                }
            }
        }
        if let Err(e) = authorize(tx, ctx, signer, &need_action(&body, law, need))? {
            return Ok(Err(refused(need, e)));
        }
    }
    if let Err(e) = check_version(tx, law, ctx.height)? {
        return Ok(Err(e));
    }
    if let Err(e) = check_future(tx, ctx.compiler, law, ctx.currencies, ctx.height)? {
        return Ok(Err(e));
    }
    let mut index = schema::law_index(tx)?;
    index.push(LawRef {
        enacted_at: ctx.height,
        signed_by: signers.clone(),
        ..LawRef::of(law)
    });
    tx.put(schema::law_key(&law.id, law.version), schema::value(law));
    tx.put(schema::LAW_INDEX.to_vec(), schema::value(&index));
    Ok(Ok(vec![event(
        "law_enacted",
        &[
            ("law", law.id.to_string()),
            ("version", law.version.to_string()),
            ("level", law.level.to_string()),
            ("effective_from", law.effective_from.to_string()),
            (
                "signed_by",
                signers
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(","),
            ),
        ],
    )]))
}

/// Records an interpretation of a law: the body's threshold signatures, the constitution's
/// permission for that body to interpret that law, articles that exist, an id not used before.
pub(crate) fn interpret(
    tx: &mut TxOverlay<'_>,
    ctx: &TxContext<'_>,
    signer: &Signer,
    interpretation: &Interpretation,
    signatures: &[MemberSignature],
) -> Result<std::result::Result<Vec<Event>, TxError>> {
    if let Err(e) = govchain_law::check_interpretation(interpretation) {
        return Ok(Err(TxError::new(
            Code::InvalidInterpretation,
            e.to_string(),
        )));
    }
    let msg = govchain_law::interpretation_signing_bytes(ctx.chain_id, ctx.scheme, interpretation);
    let signed = signed_by_body(
        tx,
        ctx.height,
        &interpretation.body,
        &msg,
        signatures,
        Code::NotRecorded,
    )?;
    let (body, signers) = match signed {
        Ok(b) => b,
        Err(e) => return Ok(Err(e)),
    };
    // The latest version of the law enacted so far: its articles are the ones interpreted.
    let index = schema::law_index(tx)?;
    let latest = index
        .iter()
        .filter(|l| l.id == interpretation.law)
        .map(|l| l.version)
        .max();
    let Some(law) = (match latest {
        Some(v) => schema::law(tx, &interpretation.law, v)?,
        None => None,
    }) else {
        return Ok(Err(TxError::new(
            Code::UnknownLaw,
            format!("there is no law `{}`", interpretation.law),
        )));
    };
    if let Some(missing) = interpretation
        .articles
        .iter()
        .find(|a| !law.articles.iter().any(|x| &x.id == *a))
    {
        return Ok(Err(TxError::new(
            Code::UnknownArticle,
            format!(
                "law `{}` version {} has no article `{missing}`",
                law.id, law.version
            ),
        )));
    }
    if let Err(e) = authorize(
        tx,
        ctx,
        signer,
        &Action::Interpret {
            body: &body,
            law: &law,
        },
    )? {
        return Ok(Err(e));
    }
    let mut records = schema::interpretations(tx, &law.id)?;
    if records
        .iter()
        .any(|r| r.interpretation.id == interpretation.id)
    {
        return Ok(Err(TxError::new(
            Code::Duplicate,
            format!(
                "law `{}` already has an interpretation `{}`",
                law.id, interpretation.id
            ),
        )));
    }
    records.push(InterpretationRecord {
        interpretation: interpretation.clone(),
        recorded_at: ctx.height,
        signed_by: signers.clone(),
    });
    tx.put(
        schema::interpretations_key(&law.id),
        schema::value(&records),
    );
    Ok(Ok(vec![event(
        "interpretation_recorded",
        &[
            ("law", law.id.to_string()),
            ("interpretation", interpretation.id.clone()),
            ("articles", interpretation.articles.join(",")),
            (
                "signed_by",
                signers
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(","),
            ),
        ],
    )]))
}
