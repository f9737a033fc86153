//! The laws in force, compiled: every permission article parsed once as a Cedar policy with the
//! id `law/article`, validated against the schema, and filed into buckets by the (principal
//! type, action, resource type) requests it can match. A request is evaluated only against its
//! bucket — Cedar evaluates every policy it is handed, ~0.66 µs each (measured-ceilings.md) —
//! and the result is the same as against the whole body of law (tested). A permit is filed
//! under the request environments its scope and conditions can match without a type error (the
//! laws compile only when every policy validates), a forbid under those its scope alone can
//! match (a forbid that fails to evaluate counts as applying: see `filed_under`), so leaving a
//! policy out of the other buckets changes no decision.

use crate::decision::Decision;
use crate::evaluate::{Condition, EnvKey, Found, Types, env_key};
use crate::request::{AuthRequest, EntityData, EntityRef, Value};
use cedar_policy::{
    AuthorizationError, Authorizer, Context, Effect, Entities, Entity, EntityId, EntityUid, Policy,
    PolicyId, PolicySet, Request, RestrictedExpression, Schema, ValidationMode, Validator,
};
use govchain_types::{ArticleKind, Citation, LawPackage};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

/// Longest permission rule accepted, in bytes.
pub const MAX_POLICY_BYTES: usize = 8 * 1024;
/// Deepest nesting of brackets accepted: Cedar 4's parser has no depth guard of its own.
pub const MAX_POLICY_DEPTH: usize = 32;

/// Why laws cannot be compiled, or a request not evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LawError {
    #[error("law `{law}` article `{article}`: {reason}")]
    Article {
        law: String,
        article: String,
        reason: String,
    },
    #[error("authorization request: {0}")]
    Request(String),
}

/// What the book knows of each compiled article.
#[derive(Clone, Debug)]
struct ArticleRef {
    citation: Citation,
    jurisdiction: Vec<String>,
    policy: Policy,
    /// The length of the policy's text.
    bytes: usize,
}

#[derive(Clone, Default)]
struct Bucket {
    forbids: PolicySet,
    permits: PolicySet,
    /// The policies' text, in bytes: what deciding a request in this bucket costs, roughly.
    bytes: usize,
    /// The policies as the kernel's path evaluates them, in the order of their ids.
    conditions: Vec<Arc<Condition>>,
}

impl Bucket {
    fn add(&mut self, p: Policy, condition: &Arc<Condition>, bytes: usize) -> Result<(), String> {
        self.bytes = self.bytes.saturating_add(bytes);
        self.conditions.push(Arc::clone(condition));
        let set = match p.effect() {
            Effect::Permit => &mut self.permits,
            Effect::Forbid => &mut self.forbids,
        };
        set.add(p).map_err(|e| e.to_string())
    }
}

/// The compiled laws in force over a range of heights.
#[derive(Clone)]
pub struct LawBook {
    schema: Arc<Schema>,
    articles: BTreeMap<String, ArticleRef>,
    /// By (action, resource type), over every principal type: what a decision costs at most.
    buckets: BTreeMap<(String, String), Arc<Bucket>>,
    /// By (principal type, action, resource type): what a request is decided against.
    decided_in: BTreeMap<(String, String, String), Arc<Bucket>>,
    whole: Arc<Bucket>,
    /// The schema's entity type names, parsed once (parsing one per entity of every request
    /// was a tenth of building it).
    types: Arc<Types>,
}

/// Requests as `cedar_policy`'s authorizer takes them: the reference path of
/// [`LawBook::decide_whole`] and [`LawBook::check_request`], apart from the kernel's
/// ([`crate::evaluate`]).
impl Types {
    fn api_uid(&self, r: &EntityRef) -> Result<EntityUid, String> {
        Ok(EntityUid::from_type_name_and_id(
            self.name(&r.kind)?,
            EntityId::new(&r.id),
        ))
    }

    fn expression(&self, v: &Value) -> Result<RestrictedExpression, String> {
        Ok(match v {
            Value::Str(s) => RestrictedExpression::new_string(s.clone()),
            Value::Long(n) => RestrictedExpression::new_long(*n),
            Value::Bool(b) => RestrictedExpression::new_bool(*b),
            Value::Set(items) => RestrictedExpression::new_set(
                items
                    .iter()
                    .map(|i| self.expression(i))
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            Value::Entity(r) => RestrictedExpression::new_entity_uid(self.api_uid(&r.entity)?),
        })
    }

    fn api_entity(&self, d: &EntityData) -> Result<Entity, String> {
        let attrs = d
            .attrs
            .iter()
            .map(|(k, v)| Ok((k.clone(), self.expression(v)?)))
            .collect::<Result<HashMap<_, _>, String>>()?;
        let parents = d
            .ancestors
            .iter()
            .map(|a| self.api_uid(a))
            .collect::<Result<HashSet<_>, String>>()?;
        Entity::new(self.api_uid(&d.uid)?, attrs, parents).map_err(|e| e.to_string())
    }

    /// The entities of a request ([`crate::evaluate::each_entity`]).
    fn api_entity_list(&self, req: &AuthRequest) -> Result<Vec<Entity>, LawError> {
        crate::evaluate::each_entity(req)
            .map(|e| self.api_entity(e).map_err(LawError::Request))
            .collect()
    }
}

/// The request shapes (principal type, action, resource type) a policy is filed under: a
/// permit's, those its scope and conditions can match without a type error; a forbid's, those
/// its scope alone can match. A condition the type checker calls false for a shape can still
/// fail to evaluate there — `context.amount + 1 > 0 && principal is Person` overflows before it
/// is false for an official — and a forbid that fails counts as applying, so a forbid is left
/// out only where its scope cannot match (a scope is decided without an error). A permit that
/// fails never counts, so leaving it out changes nothing.
fn filed_under(p: &Policy, schema: &Schema) -> Result<std::collections::BTreeSet<EnvKey>, String> {
    let scope_only;
    let typed = match p.effect() {
        Effect::Forbid if p.has_non_scope_constraint() => {
            let mut json = p.to_json().map_err(|e| e.to_string())?;
            let Some(fields) = json.as_object_mut() else {
                return Err("the rule's JSON form is not an object".into());
            };
            fields.insert("conditions".into(), serde_json::Value::Array(Vec::new()));
            scope_only =
                Policy::from_json(Some(p.id().clone()), json).map_err(|e| e.to_string())?;
            &scope_only
        }
        _ => p,
    };
    Ok(typed
        .get_valid_request_envs(schema)
        .map(|env| env_key(&env))
        .collect())
}

fn policy_id(law: &LawPackage, article: &str) -> String {
    format!("{}/{}", law.id, article)
}

/// Refuses text too long or too deeply nested to hand to the parser.
fn check_size(text: &str) -> Result<(), String> {
    if text.len() > MAX_POLICY_BYTES {
        return Err(format!(
            "the rule is {} bytes, more than {MAX_POLICY_BYTES}",
            text.len()
        ));
    }
    let mut depth = 0usize;
    for b in text.bytes() {
        match b {
            b'(' | b'[' | b'{' => {
                depth = depth.saturating_add(1);
                if depth > MAX_POLICY_DEPTH {
                    return Err(format!(
                        "the rule nests deeper than {MAX_POLICY_DEPTH} levels"
                    ));
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Whether a law's region code covers a request's region (GB/T 2260: `110000` is a province,
/// `110100` a prefecture in it, `110101` a district in that).
pub fn covers(law_code: &str, region: &str) -> bool {
    let mut prefix = law_code;
    while let Some(p) = prefix.strip_suffix("00") {
        prefix = p;
    }
    region.starts_with(prefix)
}

impl LawBook {
    /// Compiles the permission articles of `laws` (those in force) against `schema`. The first
    /// problem is reported with the law and article it is in; [`LawBook::check`] lists them all.
    pub fn compile(laws: &[LawPackage], schema: Schema) -> Result<Self, LawError> {
        let (articles, mut problems) = parse(laws);
        if let Some(first) = problems.drain(..).next() {
            return Err(first);
        }
        let mut all = PolicySet::new();
        for a in articles.values() {
            all.add(a.policy.clone()).map_err(|e| LawError::Article {
                law: a.citation.law.to_string(),
                article: a.citation.article.clone(),
                reason: e.to_string(),
            })?;
        }
        if let Some(first) = validate(&schema, &all).into_iter().next() {
            return Err(first);
        }
        let mut buckets: BTreeMap<(String, String), Bucket> = BTreeMap::new();
        let mut decided_in: BTreeMap<(String, String, String), Bucket> = BTreeMap::new();
        let mut whole = Bucket::default();
        for a in articles.values() {
            let p = &a.policy;
            let condition = Condition::of(p);
            let envs = filed_under(p, &schema).map_err(|reason| LawError::Article {
                law: a.citation.law.to_string(),
                article: a.citation.article.clone(),
                reason,
            })?;
            // One entry per principal type the policy fits: keep each (action, resource)
            // bucket once.
            let keys: std::collections::BTreeSet<(String, String)> = envs
                .iter()
                .map(|(_, action, resource)| (action.clone(), resource.clone()))
                .collect();
            for key in keys {
                buckets
                    .entry(key)
                    .or_default()
                    .add(p.clone(), &condition, a.bytes)
                    .map_err(LawError::Request)?;
            }
            for key in envs {
                decided_in
                    .entry(key)
                    .or_default()
                    .add(p.clone(), &condition, a.bytes)
                    .map_err(LawError::Request)?;
            }
            whole
                .add(p.clone(), &condition, a.bytes)
                .map_err(LawError::Request)?;
        }
        Ok(Self {
            types: Arc::new(Types::of(&schema)),
            schema: Arc::new(schema),
            articles,
            buckets: shared(buckets),
            decided_in: shared(decided_in),
            whole: Arc::new(whole),
        })
    }

    /// Every problem of `laws` against `schema`: text that does not parse or is too large, and
    /// every validation error and warning, sorted by law and article. Empty when they compile.
    pub fn check(laws: &[LawPackage], schema: &Schema) -> Vec<LawError> {
        let (articles, mut problems) = parse(laws);
        let mut all = PolicySet::new();
        for a in articles.values() {
            if let Err(e) = all.add(a.policy.clone()) {
                problems.push(LawError::Article {
                    law: a.citation.law.to_string(),
                    article: a.citation.article.clone(),
                    reason: e.to_string(),
                });
            }
        }
        problems.extend(validate(schema, &all));
        problems
    }

    /// The schema the book was compiled against.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The compiled policy of `law/article`, if it is in the book.
    pub fn policy(&self, id: &str) -> Option<&Policy> {
        self.articles.get(id).map(|a| &a.policy)
    }

    /// The policies of the bucket a request with this action and resource type is decided in.
    pub fn bucket_policies(&self, action: &str, resource_type: &str) -> Vec<&Policy> {
        let key = (action.to_string(), resource_type.to_string());
        self.buckets
            .get(&key)
            .map(|b| b.permits.policies().chain(b.forbids.policies()).collect())
            .unwrap_or_default()
    }

    /// The policy text, in bytes, of the articles a request of `action` on `resource_type`
    /// (as [`LawBook::bucket_policies`] names them) is decided against: what one decision costs.
    pub fn bucket_bytes(&self, action: &str, resource_type: &str) -> usize {
        self.buckets
            .get(&(action.to_string(), resource_type.to_string()))
            .map_or(0, |b| b.bytes)
    }

    /// The largest [`LawBook::bucket_bytes`]: what one decision costs at most.
    pub fn largest_bucket_bytes(&self) -> usize {
        self.buckets.values().map(|b| b.bytes).max().unwrap_or(0)
    }

    /// How many articles are compiled.
    pub fn len(&self) -> usize {
        self.articles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.articles.is_empty()
    }

    /// Checks a request's entities against the schema: every attribute declared, of its type,
    /// none missing. The kernel builds its requests to fit; a request from outside (an API
    /// caller's) is checked before it is decided.
    pub fn check_request(&self, req: &AuthRequest) -> Result<(), LawError> {
        let bad = |e: String| LawError::Request(e);
        let list = self.types.api_entity_list(req)?;
        Entities::from_entities(list, Some(&self.schema)).map_err(|e| bad(e.to_string()))?;
        Ok(())
    }

    /// Decides a request against the articles that can match it, on the kernel's path
    /// ([`crate::evaluate`]).
    pub fn decide(&self, req: &AuthRequest) -> Result<Decision, LawError> {
        let (request, key) = self.types.request(req).map_err(LawError::Request)?;
        let empty = Bucket::default();
        let bucket = self.decided_in.get(&key).map_or(&empty, |b| b.as_ref());
        let found = self
            .types
            .evaluate(req, request, &bucket.conditions)
            .map_err(LawError::Request)?;
        Ok(self.cited(found, req))
    }

    /// Decides a request against every article in force with `cedar_policy`'s authorizer: the
    /// reference the kernel's path and its buckets must agree with, and what `explain` shows.
    pub fn decide_whole(&self, req: &AuthRequest) -> Result<Decision, LawError> {
        let (request, entities) = self.build(req)?;
        let authorizer = Authorizer::new();
        let (forbids, forbid_errors) =
            satisfied(&authorizer, &self.whole.forbids, &request, &entities);
        let (permits, _) = satisfied(&authorizer, &self.whole.permits, &request, &entities);
        let found = Found {
            forbids,
            forbid_errors,
            permits,
        };
        Ok(self.cited(found, req))
    }

    /// The decision from what applied: forbids that apply or failed to evaluate (fail closed)
    /// deny; else the permits that apply grant, each counted where its law's jurisdiction
    /// covers the request's region and at or above the level that may grant the action.
    fn cited(&self, found: Found, req: &AuthRequest) -> Decision {
        let region = req.region.as_deref();
        // Permits below the level that may grant this action do not count (`powers`).
        let lowest = crate::powers::lowest_granting_level(&req.action);
        let cite = |ids: Vec<PolicyId>| -> Vec<Citation> {
            ids.iter()
                .filter_map(|id| self.articles.get(&id.to_string()))
                .filter(|a| {
                    a.jurisdiction.is_empty()
                        || region.is_some_and(|r| a.jurisdiction.iter().any(|c| covers(c, r)))
                })
                .map(|a| a.citation.clone())
                .collect()
        };
        let mut forbids = cite(found.forbids);
        forbids.extend(cite(found.forbid_errors));
        Decision::granted_from(lowest, cite(found.permits), forbids)
    }

    fn build(&self, req: &AuthRequest) -> Result<(Request, Entities), LawError> {
        let bad = |e: String| LawError::Request(e);
        let list = self.types.api_entity_list(req)?;
        let entities = Entities::from_entities(list, None).map_err(|e| bad(e.to_string()))?;
        let height = i64::try_from(req.height).map_err(|_| bad("height out of range".into()))?;
        let context = Context::from_pairs([
            ("height".to_string(), RestrictedExpression::new_long(height)),
            (
                "via_contract".to_string(),
                RestrictedExpression::new_bool(req.via_contract.is_some()),
            ),
            (
                "service".to_string(),
                RestrictedExpression::new_string(req.via_contract.clone().unwrap_or_default()),
            ),
            (
                "amount".to_string(),
                RestrictedExpression::new_long(req.amount),
            ),
            (
                "counterparty".to_string(),
                RestrictedExpression::new_string(req.counterparty.clone()),
            ),
        ])
        .map_err(|e| bad(e.to_string()))?;
        let request = Request::new(
            self.types.api_uid(&req.principal.uid).map_err(bad)?,
            self.types
                .api_uid(&EntityRef::new("Action", req.action.as_str()))
                .map_err(bad)?,
            self.types.api_uid(&req.resource.uid).map_err(bad)?,
            context,
            Some(&self.schema),
        )
        .map_err(|e| bad(e.to_string()))?;
        Ok((request, entities))
    }
}

/// Parses every permission article of `laws`, sorted by law id: the articles that parse, and
/// the problems of those that do not.
fn parse(laws: &[LawPackage]) -> (BTreeMap<String, ArticleRef>, Vec<LawError>) {
    let mut sorted: Vec<&LawPackage> = laws.iter().collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    let mut articles = BTreeMap::new();
    let mut problems = Vec::new();
    for law in sorted {
        for article in &law.articles {
            let ArticleKind::Permission { policy } = &article.kind else {
                continue;
            };
            let fail = |reason: String| LawError::Article {
                law: law.id.to_string(),
                article: article.id.clone(),
                reason,
            };
            if let Err(e) = check_size(policy) {
                problems.push(fail(e));
                continue;
            }
            let id = policy_id(law, &article.id);
            match Policy::parse(Some(PolicyId::new(&id)), policy) {
                Ok(parsed) => {
                    articles.insert(
                        id,
                        ArticleRef {
                            citation: Citation {
                                law: law.id.clone(),
                                version: law.version,
                                article: article.id.clone(),
                                level: law.level,
                            },
                            jurisdiction: law.jurisdiction.clone(),
                            policy: parsed,
                            bytes: policy.len(),
                        },
                    );
                }
                Err(e) => problems.push(fail(format!("the rule does not parse: {e}"))),
            }
        }
    }
    (articles, problems)
}

/// Strict level-1 validation: every error and warning, sorted by policy id.
fn validate(schema: &Schema, all: &PolicySet) -> Vec<LawError> {
    let validator = Validator::new(schema.clone());
    let result = validator.validate_with_level(all, ValidationMode::Strict, 1);
    let mut problems: Vec<(String, String)> = result
        .validation_errors()
        .map(|e| (e.policy_id().to_string(), e.to_string()))
        .chain(
            result
                .validation_warnings()
                .map(|w| (w.policy_id().to_string(), w.to_string())),
        )
        .collect();
    problems.sort();
    problems
        .into_iter()
        .map(|(id, message)| {
            let (law, article) = id.split_once('/').unwrap_or((id.as_str(), ""));
            LawError::Article {
                law: law.to_string(),
                article: article.to_string(),
                reason: format!("the rule does not fit the schema: {message}"),
            }
        })
        .collect()
}

/// The ids that apply in `set`, and those that failed to evaluate; both sorted.
fn satisfied(
    authorizer: &Authorizer,
    set: &PolicySet,
    request: &Request,
    entities: &Entities,
) -> (Vec<PolicyId>, Vec<PolicyId>) {
    if set.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let response = authorizer.is_authorized(request, set, entities);
    // INVARIANT: `reason` is a hash set; sort before anything depends on its order.
    let mut hit: Vec<PolicyId> = response.diagnostics().reason().cloned().collect();
    let mut err: Vec<PolicyId> = response
        .diagnostics()
        .errors()
        .map(|e| match e {
            AuthorizationError::PolicyEvaluationError(e) => e.policy_id().clone(),
        })
        .collect();
    hit.sort();
    hit.dedup();
    err.sort();
    err.dedup();
    (hit, err)
}

/// Buckets shared between the books of neighbouring height ranges.
fn shared<K: Ord>(buckets: BTreeMap<K, Bucket>) -> BTreeMap<K, Arc<Bucket>> {
    buckets.into_iter().map(|(k, b)| (k, Arc::new(b))).collect()
}
