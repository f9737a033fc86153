//! Verifying a bill before the vote: does it fit the schema, how does it meet the laws in force,
//! and which recent decisions would it change.
//!
//! - **Validation**: every problem of every article against the schema, not only the first.
//! - **Conflicts**: a literal-seeded search for requests where a bill article and an article in
//!   force both apply with opposite effects — what the bill permits that a higher (or equal) law
//!   forbids, what it forbids that a higher law grants, the lower laws it overrides — and
//!   articles that shadow each other. Every conflict reported comes with a request that shows it;
//!   the search samples, so it can miss a conflict, never invent one (docs/cedar-4-api.md §5).
//! - **Dry run**: recorded requests (the audit log, or a supplied sample) decided by the laws in
//!   force now and by the laws in force with the bill; the decisions that change.
//!
//! Advisory and off chain: enactment never depends on it.

use crate::book::LawBook;
use crate::decision::Decision;
use crate::request::{AuthRequest, EntityData, EntityRef, Value};
use crate::schema::{AttrType, SchemaModel};
use cedar_policy::Policy;
use govchain_types::{ArticleKind, Citation, LawPackage, Level};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Sampled requests per (bill article, request shape), at most.
pub const SAMPLES_PER_SHAPE: usize = 1500;
/// Most requests the conflict search samples for one bill, shared out evenly among its
/// (article, request shape) pairs: sixteen pairs get [`SAMPLES_PER_SHAPE`] each, a bill of more
/// gets fewer per pair. Each sample is decided against every article of its bucket, so without
/// this a bill's cost grew with the square of its articles (review finding 7).
pub const MAX_SEARCH_SAMPLES: usize = 16 * SAMPLES_PER_SHAPE;
/// What one decision costs the budgets below: the policy text of the articles it is decided
/// against, in bytes, plus this for building the request. The caps on samples bound how many
/// decisions a verification makes, not what each costs: a bill of 256 articles of 4 KB each in
/// one request shape made every decision weigh a megabyte of policies, and one anonymous
/// verification ran for more than five minutes on a validator's core (`govchain attack api`).
pub const DECISION_OVERHEAD: usize = 1024;
/// The conflict search's budget, in the cost of decisions: [`MAX_SEARCH_SAMPLES`] decisions
/// against 32 KiB of policies each — more than any bucket of the demo's laws holds, so laws of
/// ordinary size get every sample, and a bill of heavy articles gets fewer (at least one per
/// article and request shape).
pub const MAX_SEARCH_WORK: usize = MAX_SEARCH_SAMPLES * 32 * 1024;
/// The dry run's budget, in the same cost: 1,000 requests (the most a caller may supply) each
/// decided twice against 32 KiB of policies. Past it the rest are not replayed, and the report's
/// `replayed` says how many were.
pub const MAX_REPLAY_WORK: usize = 2 * 1000 * 32 * 1024;

/// What deciding a request against `bytes` of policies costs the budgets.
fn decision_cost(bytes: usize) -> usize {
    bytes.saturating_add(DECISION_OVERHEAD)
}

/// Most changed decisions listed by a dry run (all are counted).
pub const MAX_CHANGES_LISTED: usize = 200;

/// What a finding says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// The bill is malformed or does not fit the schema.
    Invalid,
    /// Wherever a bill permit applied in the samples, a forbid of a higher law applied too and
    /// prevailed: the article never takes effect.
    ForbiddenByHigher,
    /// The same with a forbid of the same level.
    ForbiddenBySameLevel,
    /// Wherever a bill forbid applied, a permit of a higher law applied too and prevailed.
    GrantedByHigher,
    /// A law of the same or a higher level prevails over a bill article in some of the requests
    /// it applies to (e.g. the constitution's limits on officials' terms).
    LimitedBy,
    /// A bill forbid takes away what a law of the same level permits.
    RestrictsSameLevel,
    /// The bill prevails over a lower law (its permit over a lower forbid, or its forbid over a
    /// lower permit).
    OverridesLower,
    /// Wherever an article applied in the samples, another of the same effect that prevails
    /// applied too.
    Shadowed,
    /// A bill article applied in the samples but never decided.
    NeverDecides,
    /// No sampled request satisfies the bill article (the search is not exhaustive).
    Unexercised,
}

/// One finding of the verification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub kind: FindingKind,
    /// The bill's article it concerns (empty for the bill as a whole).
    pub article: String,
    /// The article in force it meets, if any.
    pub other: Option<Citation>,
    pub message: String,
    /// A request that shows it.
    pub witness: Option<AuthRequest>,
}

/// A decision as reported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub allowed: bool,
    pub decided_by: Option<Citation>,
}

impl From<&Decision> for Outcome {
    fn from(d: &Decision) -> Self {
        Self {
            allowed: d.allowed,
            decided_by: d.decided_by.clone(),
        }
    }
}

/// A recorded request whose decision the bill changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub request: AuthRequest,
    pub before: Outcome,
    pub after: Outcome,
}

/// The dry run over recorded requests.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DryRun {
    /// How many requests were replayed: every one given, or as many as [`MAX_REPLAY_WORK`]
    /// allows, the first ones.
    pub replayed: usize,
    /// How many decisions change (allowed/denied or the deciding article).
    pub changed: usize,
    /// How many go from allowed to denied, and from denied to allowed.
    pub newly_denied: usize,
    pub newly_allowed: usize,
    /// The first [`MAX_CHANGES_LISTED`] changes.
    pub changes: Vec<Change>,
    /// Whether the changes were counted but not listed: the requests replayed were recorded
    /// acts of real people (the node's sample of decided requests), which an answer to anyone
    /// must not show. Requests the caller passes as samples are its own, and are listed.
    #[serde(default)]
    pub withheld: bool,
    /// When the recorded requests' changes are listed: the article that let the reader of a
    /// signed read see them (a member of the body that would enact the bill, or an auditor).
    #[serde(default)]
    pub decided_by: Option<govchain_types::Citation>,
    /// Of the listed changes, how many had a private party's amount left out (`amount` 0).
    #[serde(default)]
    pub amounts_withheld: usize,
    /// Requests that could not be decided (e.g. shapes the schema no longer has).
    pub undecidable: usize,
}

/// The verification of a bill.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub law: String,
    pub version: u32,
    pub level: Level,
    /// Whether it could be enacted as it is (shape and schema); conflicts do not block.
    pub valid: bool,
    pub findings: Vec<Finding>,
    /// How many requests the conflict search sampled.
    pub sampled: usize,
    pub dry_run: DryRun,
}

/// The laws a verification compares: those in force now, and those in force once the bill is
/// (the bill, minus what it supersedes or repeals).
pub struct Context<'a> {
    pub model: &'a SchemaModel,
    pub now: &'a [LawPackage],
    pub with_bill: &'a [LawPackage],
    /// Requests to replay: recent ones from the audit log, or a supplied sample.
    pub replay: &'a [AuthRequest],
}

/// A verification's caller telling it to stop: set when the answer is no longer wanted (the
/// request timed out, the client went away), so a stranger's abandoned request does not keep
/// the node's one expensive worker busy to the end. Checked before each sampled and replayed
/// request; a stopped verification returns what it found so far, which no one reads.
#[derive(Clone, Debug, Default)]
pub struct Cancel(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl Cancel {
    pub fn new() -> Self {
        Self::default()
    }

    /// Tells every holder of a clone to stop.
    pub fn cancel(&self) {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Verifies `bill` against `ctx`, to the end.
pub fn verify(bill: &LawPackage, ctx: &Context<'_>) -> Report {
    verify_until(bill, ctx, &Cancel::new())
}

/// Verifies `bill` against `ctx` until `cancel` is set.
pub fn verify_until(bill: &LawPackage, ctx: &Context<'_>, cancel: &Cancel) -> Report {
    let mut report = Report {
        law: bill.id.to_string(),
        version: bill.version,
        level: bill.level,
        valid: false,
        findings: Vec::new(),
        sampled: 0,
        dry_run: DryRun::default(),
    };
    let invalid = |message: String, article: String| Finding {
        kind: FindingKind::Invalid,
        article,
        other: None,
        message,
        witness: None,
    };
    if let Err(e) = crate::package::check_shape(bill) {
        report.findings.push(invalid(e.to_string(), String::new()));
        return report;
    }
    let schema = match ctx.model.schema() {
        Ok(s) => s,
        Err(e) => {
            report.findings.push(invalid(e.to_string(), String::new()));
            return report;
        }
    };
    let problems = LawBook::check(std::slice::from_ref(bill), &schema);
    if !problems.is_empty() {
        for p in problems {
            let article = match &p {
                crate::LawError::Article { article, .. } => article.clone(),
                crate::LawError::Request(_) => String::new(),
            };
            report.findings.push(invalid(p.to_string(), article));
        }
        return report;
    }
    let (now, with_bill) = match (
        LawBook::compile(ctx.now, schema.clone()),
        LawBook::compile(ctx.with_bill, schema),
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            report.findings.push(invalid(
                format!("with the laws in force: {e}"),
                String::new(),
            ));
            return report;
        }
    };
    report.valid = true;
    if ctx
        .with_bill
        .iter()
        .any(|l| l.id == bill.id && l.version == bill.version)
    {
        let regions: BTreeSet<String> = ctx
            .with_bill
            .iter()
            .flat_map(|l| l.jurisdiction.iter().cloned())
            .collect();
        search(bill, &with_bill, ctx.model, &regions, &mut report, cancel);
    }
    report.dry_run = dry_run_until(&now, &with_bill, ctx.replay, cancel);
    report
}

/// Replays `requests` under both books, as many as [`MAX_REPLAY_WORK`] allows (each charged
/// the largest bucket of each book), and lists the decisions that change.
pub fn dry_run(now: &LawBook, with_bill: &LawBook, requests: &[AuthRequest]) -> DryRun {
    dry_run_until(now, with_bill, requests, &Cancel::new())
}

/// [`dry_run`] until `cancel` is set.
pub fn dry_run_until(
    now: &LawBook,
    with_bill: &LawBook,
    requests: &[AuthRequest],
    cancel: &Cancel,
) -> DryRun {
    let each = decision_cost(now.largest_bucket_bytes())
        .saturating_add(decision_cost(with_bill.largest_bucket_bytes()));
    let most = MAX_REPLAY_WORK.checked_div(each).unwrap_or(0).max(1);
    let requests = requests.get(..most).unwrap_or(requests);
    let mut out = DryRun::default();
    for r in requests {
        if cancel.is_cancelled() {
            break;
        }
        out.replayed = out.replayed.saturating_add(1);
        let checked = now
            .check_request(r)
            .and_then(|()| with_bill.check_request(r));
        let (Ok(()), Ok(before), Ok(after)) = (checked, now.decide(r), with_bill.decide(r)) else {
            out.undecidable = out.undecidable.saturating_add(1);
            continue;
        };
        // An amendment that keeps the outcome and the deciding article changes nothing.
        let article = |d: &Decision| {
            d.decided_by
                .as_ref()
                .map(|c| (c.law.clone(), c.article.clone()))
        };
        if before.allowed == after.allowed && article(&before) == article(&after) {
            continue;
        }
        out.changed = out.changed.saturating_add(1);
        match (before.allowed, after.allowed) {
            (true, false) => out.newly_denied = out.newly_denied.saturating_add(1),
            (false, true) => out.newly_allowed = out.newly_allowed.saturating_add(1),
            _ => {}
        }
        if out.changes.len() < MAX_CHANGES_LISTED {
            out.changes.push(Change {
                request: r.clone(),
                before: (&before).into(),
                after: (&after).into(),
            });
        }
    }
    out
}

/// What the search learns of one bill article.
#[derive(Default)]
struct Tally {
    applied: usize,
    decided: usize,
    first: Option<AuthRequest>,
    /// Other articles that applied with it: how often, and the first request.
    with: BTreeMap<Citation, (usize, AuthRequest)>,
}

fn cite(c: &Citation) -> String {
    format!("law `{}` article `{}` ({})", c.law, c.article, c.level)
}

/// A request shape: principal type, action, resource type.
type Shape = (String, String, String);

fn search(
    bill: &LawPackage,
    book: &LawBook,
    model: &SchemaModel,
    regions: &BTreeSet<String>,
    report: &mut Report,
    cancel: &Cancel,
) {
    let schema = book.schema();
    // Tallies of the bill's articles and of the articles they met, over every sample.
    let mut tallies: BTreeMap<Citation, Tally> = BTreeMap::new();
    let articles: Vec<(&Policy, BTreeSet<Shape>)> = bill
        .articles
        .iter()
        .filter(|a| matches!(a.kind, ArticleKind::Permission { .. }))
        .filter_map(|a| book.policy(&format!("{}/{}", bill.id, a.id)))
        .map(|policy| {
            let shapes = policy
                .get_valid_request_envs(schema)
                .map(|env| {
                    (
                        env.principal().to_string(),
                        env.action().to_string(),
                        env.resource().to_string(),
                    )
                })
                .collect();
            (policy, shapes)
        })
        .collect();
    let pairs = articles
        .iter()
        .fold(0usize, |n, (_, shapes)| n.saturating_add(shapes.len()));
    let per_shape = SAMPLES_PER_SHAPE
        .min(
            MAX_SEARCH_SAMPLES
                .checked_div(pairs)
                .unwrap_or(SAMPLES_PER_SHAPE),
        )
        .max(1);
    let work_per_pair = MAX_SEARCH_WORK
        .checked_div(pairs)
        .unwrap_or(MAX_SEARCH_WORK);
    let mut bucket_literals: BTreeMap<(String, String), Literals> = BTreeMap::new();
    for (policy, shapes) in articles {
        for (principal, action, resource) in shapes {
            if cancel.is_cancelled() {
                return;
            }
            // INVARIANT: the pairs together spend at most MAX_SEARCH_WORK (but one sample each).
            let cost = decision_cost(book.bucket_bytes(&action, &resource));
            let per_shape = per_shape
                .min(work_per_pair.checked_div(cost).unwrap_or(per_shape))
                .max(1);
            let action_name = action_id(&action);
            // The literals of a bucket's articles, walked once for every bill article that
            // meets them: walked per article, a bill of 256 heavy articles in one bucket took
            // minutes before its first sample.
            let others = bucket_literals
                .entry((action.clone(), resource.clone()))
                .or_insert_with(|| {
                    let mut lits = Literals::default();
                    for p in book.bucket_policies(&action, &resource) {
                        lits.collect(p);
                    }
                    lits
                });
            let pools = Pools::new(policy, others, bill, regions);
            for i in 0..per_shape {
                if cancel.is_cancelled() {
                    break;
                }
                let Some(req) = pools.sample(model, i, &principal, &action_name, &resource) else {
                    break;
                };
                report.sampled = report.sampled.saturating_add(1);
                let Ok(d) = book.decide(&req) else {
                    continue;
                };
                let applicable: Vec<&Citation> = d.permits.iter().chain(&d.forbids).collect();
                for c in applicable.iter().filter(|c| c.law == bill.id) {
                    let t = tallies.entry((*c).clone()).or_default();
                    t.applied = t.applied.saturating_add(1);
                    if d.decided_by.as_ref() == Some(*c) {
                        t.decided = t.decided.saturating_add(1);
                    }
                    if t.first.is_none() {
                        t.first = Some(req.clone());
                    }
                    for o in applicable.iter().filter(|o| o.law != bill.id) {
                        let e = t
                            .with
                            .entry((*o).clone())
                            .or_insert_with(|| (0, req.clone()));
                        e.0 = e.0.saturating_add(1);
                    }
                }
            }
        }
    }
    let effect = |c: &Citation| -> Option<bool> {
        book.policy(&format!("{}/{}", c.law, c.article))
            .map(|p| p.effect() == cedar_policy::Effect::Permit)
    };
    for article in &bill.articles {
        let ArticleKind::Permission { .. } = article.kind else {
            continue;
        };
        let me = Citation {
            law: bill.id.clone(),
            version: bill.version,
            article: article.id.clone(),
            level: bill.level,
        };
        let Some(t) = tallies.get(&me) else {
            report.findings.push(Finding {
                kind: FindingKind::Unexercised,
                article: article.id.clone(),
                other: None,
                message: format!(
                    "no sampled request satisfies article `{}`; check its conditions (the search is not exhaustive)",
                    article.id
                ),
                witness: None,
            });
            continue;
        };
        let Some(mine_permits) = effect(&me) else {
            continue;
        };
        for (other, (count, witness)) in &t.with {
            let Some(other_permits) = effect(other) else {
                continue;
            };
            let o = cite(other);
            let finding = |kind, message: String| Finding {
                kind,
                article: article.id.clone(),
                other: Some(other.clone()),
                message,
                witness: Some(witness.clone()),
            };
            let level = other.level.cmp(&bill.level);
            let always = *count == t.applied;
            let n = t.applied;
            let a = &article.id;
            use std::cmp::Ordering::*;
            let found = match (mine_permits, other_permits, level) {
                (true, false, Greater) if always => Some(finding(
                    FindingKind::ForbiddenByHigher,
                    format!(
                        "article `{a}` permits what {o} forbids: in all {n} sampled requests where it applies, the higher law prevails, so it never takes effect"
                    ),
                )),
                (true, false, Equal) if always => Some(finding(
                    FindingKind::ForbiddenBySameLevel,
                    format!(
                        "article `{a}` permits what {o} forbids: in all {n} sampled requests where it applies, the forbid of the same level prevails"
                    ),
                )),
                (false, true, Greater) if always => Some(finding(
                    FindingKind::GrantedByHigher,
                    format!(
                        "article `{a}` forbids what {o} grants: in all {n} sampled requests where it applies, the higher law prevails, so it never takes effect"
                    ),
                )),
                (true, false, Greater | Equal) | (false, true, Greater) => Some(finding(
                    FindingKind::LimitedBy,
                    format!(
                        "{o} prevails over article `{a}` in {count} of the {n} sampled requests where it applies"
                    ),
                )),
                (true, false, Less) => Some(finding(
                    FindingKind::OverridesLower,
                    format!(
                        "article `{a}` permits what the lower {o} forbids; the bill prevails there"
                    ),
                )),
                (false, true, Equal) => Some(finding(
                    FindingKind::RestrictsSameLevel,
                    format!("article `{a}` takes away what {o} permits"),
                )),
                (false, true, Less) => Some(finding(
                    FindingKind::OverridesLower,
                    format!("article `{a}` takes away what the lower {o} permits"),
                )),
                // Same effect: shadowing, when one always applies with the other and prevails.
                _ if always && n >= 3 && other.level >= bill.level => Some(finding(
                    FindingKind::Shadowed,
                    format!(
                        "in all {n} sampled requests where article `{a}` applies, {o} applies too and prevails"
                    ),
                )),
                _ => None,
            };
            report.findings.extend(found);
        }
        if t.decided == 0 && t.applied > 0 {
            report.findings.push(Finding {
                kind: FindingKind::NeverDecides,
                article: article.id.clone(),
                other: None,
                message: format!(
                    "article `{}` applies in {} sampled requests but another article decides every one",
                    article.id, t.applied
                ),
                witness: t.first.clone(),
            });
        }
    }
    report
        .findings
        .sort_by(|a, b| (a.kind, &a.article, &a.other).cmp(&(b.kind, &b.article, &b.other)));
}

/// `Action::"read"` → `read`.
fn action_id(action: &str) -> String {
    action
        .rsplit_once("::")
        .map(|(_, id)| id.trim_matches('"').to_string())
        .unwrap_or_else(|| action.to_string())
}

/// The values a sample draws from: literals of the bill article (preferred half the time) and
/// of the articles it can meet, with boundary values.
struct Pools {
    strings: Vec<String>,
    own_strings: Vec<String>,
    longs: Vec<i64>,
    entities: BTreeMap<String, Vec<String>>,
    regions: Vec<Option<String>>,
    /// Per attribute name: the strings and numbers it is compared with (numbers ±1).
    attr_strings: BTreeMap<String, Vec<String>>,
    attr_longs: BTreeMap<String, Vec<i64>>,
}

impl Pools {
    /// The pools of `bill_policy` meeting the articles whose literals are `others`.
    fn new(
        bill_policy: &Policy,
        others: &Literals,
        bill: &LawPackage,
        law_regions: &BTreeSet<String>,
    ) -> Self {
        let mut own = Literals::default();
        own.collect(bill_policy);
        let mut all = others.clone();
        all.collect(bill_policy);
        let mut strings: BTreeSet<String> = all.strings.clone();
        strings.insert(String::new());
        strings.insert("CN".into());
        strings.extend(bill.jurisdiction.iter().cloned());
        let mut longs = BTreeSet::from([0i64, 1, 1000, i64::MAX]);
        for l in &all.longs {
            longs.extend([l.saturating_sub(1), *l, l.saturating_add(1)]);
        }
        let mut regions: Vec<Option<String>> = vec![None];
        for code in bill
            .jurisdiction
            .iter()
            .chain(law_regions)
            .chain(strings.iter().filter(|s| is_region(s)))
        {
            let code = Some(code.clone());
            if !regions.contains(&code) {
                regions.push(code);
            }
        }
        let mut attr_strings: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut attr_longs: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for (attr, lits) in &all.by_attr {
            for l in lits {
                match l {
                    Lit::Str(s) => attr_strings
                        .entry(attr.clone())
                        .or_default()
                        .push(s.clone()),
                    Lit::Long(n) => attr_longs.entry(attr.clone()).or_default().extend([
                        n.saturating_sub(1),
                        *n,
                        n.saturating_add(1),
                    ]),
                }
            }
        }
        Self {
            attr_strings,
            attr_longs,
            strings: strings.into_iter().collect(),
            own_strings: own.strings.into_iter().collect(),
            longs: longs.into_iter().collect(),
            entities: all
                .entities
                .into_iter()
                .map(|(k, v)| (k, v.into_iter().collect()))
                .collect(),
            regions,
        }
    }

    fn string(&self, i: usize, salt: &str) -> String {
        let pool = if mix(i, salt, "own").is_multiple_of(2) && !self.own_strings.is_empty() {
            &self.own_strings
        } else {
            &self.strings
        };
        pick(pool, i, salt).cloned().unwrap_or_default()
    }

    fn set(&self, i: usize, salt: &str) -> Value {
        match mix(i, salt, "set") % 4 {
            0 => Value::Set(Vec::new()),
            1 => Value::strs(self.strings.iter().cloned()),
            2 => Value::strs(self.own_strings.iter().cloned()),
            _ => Value::strs([self.string(i, salt)]),
        }
    }

    fn entity_id(&self, kind: &str, i: usize, salt: &str, own: &str) -> String {
        let mut ids = vec![own.to_string(), "someone-else".to_string()];
        ids.extend(self.entities.get(kind).into_iter().flatten().cloned());
        pick(&ids, i, salt).cloned().unwrap_or_default()
    }

    fn value(&self, name: &str, t: &AttrType, i: usize, salt: &str, principal_id: &str) -> Value {
        // Three times in four, a value the attribute is compared with, when there is one.
        let own = !mix(i, salt, "attr").is_multiple_of(4);
        let strings = self.attr_strings.get(name).filter(|_| own);
        match t {
            AttrType::String => match strings.and_then(|p| pick(p, i, salt)) {
                Some(s) => Value::Str(s.clone()),
                None => Value::Str(self.string(i, salt)),
            },
            AttrType::Long => {
                let pool = self
                    .attr_longs
                    .get(name)
                    .filter(|_| own)
                    .unwrap_or(&self.longs);
                Value::Long(pick(pool, i, salt).copied().unwrap_or(0))
            }
            AttrType::Bool => Value::Bool(mix(i, salt, "bool").is_multiple_of(2)),
            AttrType::StringSet => match strings {
                Some(p) if mix(i, salt, "subset").is_multiple_of(2) => {
                    Value::strs(pick(p, i, salt).cloned())
                }
                Some(p) => Value::strs(p.iter().cloned()),
                None => self.set(i, salt),
            },
            AttrType::Entity(kind) => {
                Value::entity(kind.as_str(), self.entity_id(kind, i, salt, principal_id))
            }
            AttrType::EntitySet(kind) => {
                // Empty, one or two: with the principal itself or without.
                let n = mix(i, salt, "members") % 3;
                Value::Set(
                    (0..n)
                        .map(|k| {
                            let salt = format!("{salt}.{k}");
                            Value::entity(
                                kind.as_str(),
                                self.entity_id(kind, i, &salt, principal_id),
                            )
                        })
                        .collect(),
                )
            }
        }
    }

    fn entity(
        &self,
        model: &SchemaModel,
        kind: &str,
        id: &str,
        i: usize,
        principal_id: &str,
    ) -> Option<EntityData> {
        let decl = model.entity(kind)?;
        let mut e = EntityData::new(EntityRef::new(kind, id));
        for (name, t) in &decl.attrs {
            let salt = format!("{kind}.{name}");
            e = e.attr(name, self.value(name, t, i, &salt, principal_id));
        }
        for parent in &decl.parents {
            if parent == "Principal" {
                e = e.parent(EntityRef::new("Principal", id));
                continue;
            }
            let salt = format!("{kind}<{parent}");
            if let Some(pid) = self
                .entities
                .get(parent)
                .and_then(|ids| pick(ids, i, &salt))
                && mix(i, &salt, "in").is_multiple_of(2)
            {
                e = e.parent(EntityRef::new(parent.as_str(), pid.as_str()));
            }
        }
        Some(e)
    }

    fn sample(
        &self,
        model: &SchemaModel,
        i: usize,
        principal: &str,
        action: &str,
        resource: &str,
    ) -> Option<AuthRequest> {
        let principal_id = self.entity_id(principal, i, "principal-id", "p-sample");
        let resource_id = self.entity_id(resource, i, "resource-id", "r-sample");
        let resource_id = if resource == "Principal" && mix(i, "self", "").is_multiple_of(3) {
            principal_id.clone()
        } else {
            resource_id
        };
        let p = self.entity(model, principal, &principal_id, i, &principal_id)?;
        let r = self.entity(model, resource, &resource_id, i, &principal_id)?;
        let height = pick(&self.longs, i, "height")
            .copied()
            .unwrap_or(0)
            .max(0)
            .unsigned_abs();
        Some(AuthRequest {
            principal: p,
            action: action.to_string(),
            resource: r,
            height,
            via_contract: None,
            region: pick(&self.regions, i, "region").cloned().flatten(),
            amount: match self.value("amount", &AttrType::Long, i, "context.amount", "") {
                Value::Long(n) => n,
                _ => 0,
            },
            counterparty: self.string(i, "context.counterparty"),
            others: Vec::new(),
        })
    }
}

fn is_region(s: &str) -> bool {
    s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit())
}

/// A well-mixed number from a sample index and a salt (SplitMix64 over FNV-1a): which value a
/// sample takes for an attribute. Not for anything secret.
fn mix(i: usize, salt: &str, extra: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in salt.bytes().chain(extra.bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    let mut z = h ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn pick<'a, T>(pool: &'a [T], i: usize, salt: &str) -> Option<&'a T> {
    if pool.is_empty() {
        return None;
    }
    let len = u64::try_from(pool.len()).ok()?;
    let at = usize::try_from(mix(i, salt, "").checked_rem(len)?).ok()?;
    pool.get(at)
}

/// The literals of policies: strings, numbers, entity uids by type, and the literals each
/// attribute is compared with.
#[derive(Clone, Default)]
struct Literals {
    strings: BTreeSet<String>,
    longs: BTreeSet<i64>,
    entities: BTreeMap<String, BTreeSet<String>>,
    by_attr: BTreeMap<String, BTreeSet<Lit>>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Lit {
    Str(String),
    Long(i64),
}

const COMPARISONS: [&str; 10] = [
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "contains",
    "containsAll",
    "containsAny",
    "like",
];

/// `x.attr` → `attr`.
fn attr_of(v: &serde_json::Value) -> Option<&str> {
    v.get(".")?.get("attr")?.as_str()
}

/// The literal values in an expression (a value, or a set of values).
fn values_in(v: &serde_json::Value, out: &mut Vec<Lit>) {
    use serde_json::Value as J;
    if let Some(value) = v.get("Value") {
        match value {
            J::String(s) => out.push(Lit::Str(s.clone())),
            J::Number(n) => out.extend(n.as_i64().map(Lit::Long)),
            _ => {}
        }
    }
    if let Some(J::Array(items)) = v.get("Set") {
        for i in items {
            values_in(i, out);
        }
    }
}

/// The strings a `like` pattern matches, with its wildcards empty and filled.
fn pattern_strings(parts: &[serde_json::Value]) -> [String; 2] {
    let (mut empty, mut filled) = (String::new(), String::new());
    for p in parts {
        match p.get("Literal").and_then(serde_json::Value::as_str) {
            Some(c) => {
                empty.push_str(c);
                filled.push_str(c);
            }
            None => filled.push_str("-x"),
        }
    }
    [empty, filled]
}

impl Literals {
    fn collect(&mut self, policy: &Policy) {
        if let Ok(json) = policy.to_json() {
            self.walk(&json);
        }
    }

    fn walk(&mut self, v: &serde_json::Value) {
        use serde_json::Value as J;
        match v {
            J::Object(map) => {
                if let (Some(J::String(t)), Some(J::String(id))) = (map.get("type"), map.get("id"))
                {
                    self.entities
                        .entry(t.clone())
                        .or_default()
                        .insert(id.clone());
                }
                if let Some(value) = map.get("Value") {
                    match value {
                        J::String(s) => {
                            self.strings.insert(s.clone());
                        }
                        J::Number(n) => {
                            if let Some(n) = n.as_i64() {
                                self.longs.insert(n);
                            }
                        }
                        _ => {}
                    }
                }
                // `like` patterns: strings that match them.
                if let Some(J::Array(parts)) = map.get("pattern") {
                    self.strings.extend(pattern_strings(parts));
                }
                // Comparisons of an attribute with literals: that attribute's own pool.
                for op in COMPARISONS {
                    let Some(J::Object(args)) = map.get(op) else {
                        continue;
                    };
                    let (left, right) = (args.get("left"), args.get("right"));
                    let mut lits = Vec::new();
                    let attr = match (left.and_then(attr_of), right.and_then(attr_of)) {
                        (Some(a), _) => {
                            if let Some(r) = right {
                                values_in(r, &mut lits);
                            }
                            if let Some(J::Array(parts)) = args.get("pattern") {
                                lits.extend(pattern_strings(parts).map(Lit::Str));
                            }
                            a
                        }
                        (None, Some(a)) => {
                            if let Some(l) = left {
                                values_in(l, &mut lits);
                            }
                            a
                        }
                        (None, None) => continue,
                    };
                    if !lits.is_empty() {
                        self.by_attr
                            .entry(attr.to_string())
                            .or_default()
                            .extend(lits);
                    }
                }
                for child in map.values() {
                    self.walk(child);
                }
            }
            J::Array(items) => {
                for child in items {
                    self.walk(child);
                }
            }
            _ => {}
        }
    }
}
