//! The kernel's request path: a request built straight into Cedar's evaluation types and decided
//! by one evaluator over the policies of its bucket.
//!
//! `cedar_policy::Authorizer` (what [`crate::LawBook::decide_whole`] and `explain` use) spends
//! most of a request's cost around the evaluation itself: the request checked against the schema,
//! every attribute evaluated from a restricted expression, the transitive closure of the
//! entities' ancestors computed, and a partial evaluation per policy with its diagnostics, for
//! each of the two calls (forbids, then permits). Here:
//!
//! - the request's environment (principal type, action, resource type) is looked up among the
//!   schema's, and the context is the same five typed fields for every action (the schema's `Ctx`;
//!   a test checks that the schema accepts it for every action), so the request is the one
//!   `Request::new` would have accepted;
//! - attribute values are built as values;
//! - the entities' ancestors, which the kernel lists whole, are checked to be closed
//!   (`EnforceAlreadyComputed`) and computed only when they are not;
//! - one evaluator decides every policy of the bucket, concretely.
//!
//! The tests that compare `decide` with `decide_whole` (a property test over random requests,
//! the demo's requests) hold the two paths to the same decisions.

use crate::request::{AuthRequest, EntityData, EntityRef, Value};
use cedar_policy::{Effect, EntityTypeName, Policy, PolicyId, RequestEnv, Schema};
use cedar_policy_core::ast;
use cedar_policy_core::entities::{Entities, NoEntitiesSchema, TCComputation};
use cedar_policy_core::evaluator::Evaluator;
use cedar_policy_core::extensions::Extensions;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::str::FromStr;
use std::sync::Arc;

/// A bucket's key: principal type, action (as `Action::"read"`), resource type.
pub(crate) type EnvKey = (String, String, String);

/// What a request's evaluation found, each list sorted: the forbids that apply, the forbids that
/// failed to evaluate, the permits that apply.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Found {
    pub forbids: Vec<PolicyId>,
    pub forbid_errors: Vec<PolicyId>,
    pub permits: Vec<PolicyId>,
}

/// A policy as the kernel's path evaluates it: its condition (scope and `when`/`unless` as one
/// expression) built once, where `Evaluator::evaluate` builds it anew for every request.
pub(crate) struct Condition {
    pub id: PolicyId,
    pub forbid: bool,
    expr: ast::Expr,
    slots: ast::SlotEnv,
}

impl Condition {
    pub(crate) fn of(p: &Policy) -> Arc<Self> {
        let core: &ast::Policy = p.as_ref();
        Arc::new(Self {
            id: p.id().clone(),
            forbid: p.effect() == Effect::Forbid,
            expr: core.condition(),
            slots: core.env().clone(),
        })
    }

    /// Whether the policy applies; an error (a missing attribute, an overflow, a condition that
    /// is not a boolean) as Cedar reports it.
    fn applies(&self, evaluator: &Evaluator<'_>) -> Result<bool, ()> {
        match evaluator.interpret(&self.expr, &self.slots) {
            Ok(ast::Value {
                value: ast::ValueKind::Lit(ast::Literal::Bool(b)),
                ..
            }) => Ok(b),
            _ => Err(()),
        }
    }
}

/// A request environment as a bucket key.
pub(crate) fn env_key(env: &RequestEnv) -> EnvKey {
    (
        env.principal().to_string(),
        env.action().to_string(),
        env.resource().to_string(),
    )
}

/// The schema's names, parsed once per law book.
pub(crate) struct Types {
    /// Entity type names by their text (parsing one per entity of every request was a tenth of
    /// building it), with the evaluator's type and the name's text as bucket keys carry it.
    names: HashMap<String, Named>,
    /// Actions by id: the uid and its text as bucket keys carry it.
    actions: HashMap<String, (ast::EntityUID, String)>,
    /// Every (principal type, action, resource type) the schema lets a request have.
    envs: HashSet<EnvKey>,
}

/// An entity type name in the forms a request needs.
#[derive(Clone)]
pub(crate) struct Named {
    api: EntityTypeName,
    core: ast::EntityType,
    text: String,
}

impl Named {
    fn of(name: EntityTypeName) -> Self {
        Self {
            core: name.as_ref().clone(),
            text: name.to_string(),
            api: name,
        }
    }
}

impl Types {
    pub(crate) fn of(schema: &Schema) -> Self {
        let mut names: HashMap<String, Named> = schema
            .entity_types()
            .map(|t| (t.to_string(), Named::of(t.clone())))
            .collect();
        if let Ok(action) = EntityTypeName::from_str("Action") {
            names.insert("Action".into(), Named::of(action));
        }
        let actions = schema
            .actions()
            .map(|a| {
                (
                    a.id().unescaped().to_string(),
                    (ast::EntityUID::from(a.clone()), a.to_string()),
                )
            })
            .collect();
        let envs = schema.request_envs().map(|env| env_key(&env)).collect();
        Self {
            names,
            actions,
            envs,
        }
    }

    /// `kind` as a type name: the schema's, else parsed (an unknown type fails later, where
    /// the request is checked against the schema).
    pub(crate) fn name(&self, kind: &str) -> Result<EntityTypeName, String> {
        Ok(self.named(kind)?.api.clone())
    }

    /// The schema's name (borrowed), else `kind` parsed.
    fn named(&self, kind: &str) -> Result<Cow<'_, Named>, String> {
        match self.names.get(kind) {
            Some(t) => Ok(Cow::Borrowed(t)),
            None => EntityTypeName::from_str(kind)
                .map(|n| Cow::Owned(Named::of(n)))
                .map_err(|e| format!("`{kind}` is not an entity type: {e}")),
        }
    }

    fn uid(&self, r: &EntityRef) -> Result<ast::EntityUID, String> {
        Ok(ast::EntityUID::from_components(
            self.named(&r.kind)?.core.clone(),
            ast::Eid::new(r.id.as_str()),
            None,
        ))
    }

    fn value(&self, v: &Value) -> Result<ast::Value, String> {
        Ok(match v {
            Value::Str(s) => ast::Value::from(s.as_str()),
            Value::Long(n) => ast::Value::from(*n),
            Value::Bool(b) => ast::Value::from(*b),
            Value::Set(items) => ast::Value::set(
                items
                    .iter()
                    .map(|i| self.value(i))
                    .collect::<Result<Vec<_>, _>>()?,
                None,
            ),
            Value::Entity(r) => ast::Value::from(self.uid(&r.entity)?),
        })
    }

    fn entity(&self, d: &EntityData) -> Result<ast::Entity, String> {
        let attrs = d
            .attrs
            .iter()
            .map(|(k, v)| Ok((k.as_str().into(), ast::PartialValue::from(self.value(v)?))))
            .collect::<Result<Vec<_>, String>>()?;
        let parents = d
            .ancestors
            .iter()
            .map(|a| self.uid(a))
            .collect::<Result<HashSet<_>, String>>()?;
        Ok(ast::Entity::new_with_attr_partial_value(
            self.uid(&d.uid)?,
            attrs,
            HashSet::new(),
            parents,
            [],
        ))
    }

    fn entity_list(&self, req: &AuthRequest) -> Result<Vec<ast::Entity>, String> {
        each_entity(req).map(|e| self.entity(e)).collect()
    }

    /// The entities of a request ([`each_entity`]). Ancestors are taken as listed when they are
    /// closed (every ancestor's own ancestors among them, no entity its own), else the closure
    /// is computed.
    fn entities(&self, req: &AuthRequest) -> Result<Entities, String> {
        let list = self.entity_list(req)?;
        let extensions = Extensions::all_available();
        let closed = Entities::from_entities(
            list,
            None::<&NoEntitiesSchema>,
            TCComputation::EnforceAlreadyComputed,
            extensions,
        );
        match closed {
            Ok(entities) => Ok(entities),
            // Rare (a caller's request): build them again and close them.
            Err(_) => Entities::from_entities(
                self.entity_list(req)?,
                None::<&NoEntitiesSchema>,
                TCComputation::ComputeNow,
                extensions,
            )
            .map_err(|e| e.to_string()),
        }
    }

    /// The request as Cedar evaluates it, and the bucket it is decided in. Refused when the
    /// schema does not let this principal type ask this action of this resource type.
    pub(crate) fn request(&self, req: &AuthRequest) -> Result<(ast::Request, EnvKey), String> {
        let Some((action, action_text)) = self.actions.get(&req.action) else {
            return Err(format!("`{}` is not an action of the schema", req.action));
        };
        let key = (
            self.named(&req.principal.uid.kind)?.text.clone(),
            action_text.clone(),
            self.named(&req.resource.uid.kind)?.text.clone(),
        );
        if !self.envs.contains(&key) {
            return Err(format!(
                "the schema does not let a `{}` ask {} of a `{}`",
                key.0, key.1, key.2
            ));
        }
        let height = i64::try_from(req.height).map_err(|_| "height out of range".to_string())?;
        let context = BTreeMap::from([
            ("height".into(), ast::Value::from(height)),
            (
                "via_contract".into(),
                ast::Value::from(req.via_contract.is_some()),
            ),
            (
                "service".into(),
                ast::Value::from(req.via_contract.as_deref().unwrap_or_default()),
            ),
            ("amount".into(), ast::Value::from(req.amount)),
            (
                "counterparty".into(),
                ast::Value::from(req.counterparty.as_str()),
            ),
        ]);
        let request = ast::Request::new_unchecked(
            ast::EntityUIDEntry::known(self.uid(&req.principal.uid)?, None),
            ast::EntityUIDEntry::known(action.clone(), None),
            ast::EntityUIDEntry::known(self.uid(&req.resource.uid)?, None),
            Some(ast::Context::Value(Arc::new(context))),
        );
        Ok((request, key))
    }

    /// Evaluates `request` (from [`Types::request`]) against the conditions of a bucket.
    pub(crate) fn evaluate(
        &self,
        req: &AuthRequest,
        request: ast::Request,
        conditions: &[Arc<Condition>],
    ) -> Result<Found, String> {
        let mut found = Found::default();
        let entities = self.entities(req)?;
        let evaluator = Evaluator::new(request, &entities, Extensions::all_available());
        for c in conditions {
            match (c.forbid, c.applies(&evaluator)) {
                (true, Ok(true)) => found.forbids.push(c.id.clone()),
                (true, Err(())) => found.forbid_errors.push(c.id.clone()),
                (false, Ok(true)) => found.permits.push(c.id.clone()),
                (_, Ok(false)) | (false, Err(())) => {}
            }
        }
        // Sorted, as the authorizer's path sorts its (hash set) results.
        for ids in [
            &mut found.forbids,
            &mut found.forbid_errors,
            &mut found.permits,
        ] {
            ids.sort();
            ids.dedup();
        }
        Ok(found)
    }
}

/// The entities of a request, one per uid, principal and resource first: when a principal acts
/// on itself (a body reconstituting itself), the policies see the principal's attributes for
/// both.
pub(crate) fn each_entity(req: &AuthRequest) -> impl Iterator<Item = &EntityData> {
    let mut seen = HashSet::new();
    [&req.principal, &req.resource]
        .into_iter()
        .chain(&req.others)
        .filter(move |e| seen.insert((&e.uid.kind, &e.uid.id)))
}
