//! One engine per node, configured once: the packages and host functions scripts see, the
//! limits of every run, the cost schedule, and the scripts compiled so far.

use crate::facts::{Fact, Facts, Need};
use crate::outcome::Outcome;
use crate::value::{ValueError, from_dynamic, to_dynamic};
use govchain_types::Hash;
use rhai::packages::{
    ArithmeticPackage, BasicArrayPackage, BasicIteratorPackage, BasicMapPackage, BasicMathPackage,
    BasicStringPackage, LogicPackage, MoreStringPackage, Package,
};
use rhai::{
    AST, Array, CallFnOptions, Dynamic, Engine, EvalAltResult, ImmutableString, Map,
    NativeCallContext, OptimizationLevel, Scope,
};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// What one run of a script may use. A run past any of them fails with
/// [`ContractError::Limit`], the same on every node (Rhai's version is pinned).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Rhai operations per run: a safety limit (an endless loop ends here), not a price.
    pub operations: u64,
    /// Nested function calls (deep recursion ends here).
    pub call_levels: usize,
    /// Expression nesting at the top level and inside functions.
    pub expr_depth: usize,
    pub function_expr_depth: usize,
    /// Bytes of one string, entries of one array or map.
    pub string_bytes: usize,
    pub array_len: usize,
    pub map_len: usize,
    /// Variables in scope at once, functions a script defines.
    pub variables: usize,
    pub functions: usize,
    /// Bytes of a script's source.
    pub source_bytes: usize,
    /// Facts one decision may fetch (each run after a fetch starts again: this bounds the runs).
    pub facts: usize,
    /// Rhai operations one decision may spend in all its runs and its algorithms' runs: a
    /// safety limit per application, as `operations` is per run (still not a price).
    pub application_operations: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            operations: 200_000,
            call_levels: 16,
            expr_depth: 32,
            function_expr_depth: 32,
            string_bytes: 16 * 1024,
            array_len: 1024,
            map_len: 256,
            variables: 256,
            functions: 64,
            source_bytes: 64 * 1024,
            facts: 32,
            application_operations: 1_000_000,
        }
    }
}

/// What each thing a script makes the host do costs, in our units.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// Each run of a script (the first, and one after each fetched fact).
    pub run: u64,
    /// A record read.
    pub record: u64,
    /// A lookup by index, plus each record it returns.
    pub find: u64,
    pub find_per_record: u64,
    /// A call of a law's algorithm (its own runs are charged as runs too).
    pub algorithm: u64,
    /// A record written, plus each byte of its fields.
    pub write: u64,
    pub write_per_byte: u64,
    /// A payment.
    pub payment: u64,
}

impl Default for Schedule {
    fn default() -> Self {
        Self {
            run: 100,
            record: 200,
            find: 300,
            find_per_record: 100,
            algorithm: 100,
            write: 500,
            write_per_byte: 1,
            payment: 500,
        }
    }
}

/// What a transaction may still spend, in [`Schedule`] units.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Budget {
    limit: u64,
    spent: u64,
    /// Rhai operations its runs used (a safety measure of work, not a price).
    operations: u64,
    /// Most operations its decision may use, if less than the runtime's per-decision limit
    /// (what is left of a block's).
    operations_cap: Option<u64>,
}

impl Budget {
    pub fn new(limit: u64) -> Self {
        Self {
            limit,
            spent: 0,
            operations: 0,
            operations_cap: None,
        }
    }

    /// This budget, its decision allowed at most `cap` Rhai operations in all (what is left of
    /// a block's work), if that is less than the runtime's limit.
    pub fn with_operations(mut self, cap: u64) -> Self {
        self.operations_cap = Some(cap);
        self
    }

    /// The Rhai operations its runs used.
    pub fn operations(&self) -> u64 {
        self.operations
    }

    /// Spends `units` for `what`, or fails leaving the budget as it was.
    pub fn charge(&mut self, units: u64, what: &str) -> Result<(), ContractError> {
        match self.spent.checked_add(units) {
            Some(total) if total <= self.limit => {
                self.spent = total;
                Ok(())
            }
            _ => Err(ContractError::Budget {
                what: what.to_string(),
                needed: units,
                left: self.limit.saturating_sub(self.spent),
                limit: self.limit,
            }),
        }
    }

    pub fn spent(&self) -> u64 {
        self.spent
    }

    pub fn limit(&self) -> u64 {
        self.limit
    }
}

/// Why a script did not give an answer. Every message is a function of the script, its input
/// and its facts: the same on every node.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ContractError {
    #[error("the script is {size} bytes; at most {most}")]
    TooLarge { size: usize, most: usize },
    #[error("the script does not compile: {0}")]
    Compile(String),
    #[error("the script has no function `{name}` of {params} parameters")]
    NoFunction { name: String, params: usize },
    #[error("the script ran past a limit: {0}")]
    Limit(String),
    #[error("the script failed: {0}")]
    Failed(String),
    #[error("out of budget: {what} costs {needed} units, {left} of {limit} left")]
    Budget {
        what: String,
        needed: u64,
        left: u64,
        limit: u64,
    },
    #[error("the script asked for more than {0} facts")]
    TooManyFacts(usize),
    #[error("the script asked for the same fact twice without using it: {0}")]
    Repeated(String),
    #[error("the script's answer: {0}")]
    Answer(String),
    #[error("a value: {0}")]
    Value(#[from] ValueError),
    /// The host could not give a fact (an unknown registry or law, a lookup too large).
    #[error("{0}")]
    Host(String),
    /// The laws refuse the contract a fact it asked for (a read it may not make).
    #[error("{0}")]
    Refused(String),
}

/// A compiled script.
#[derive(Clone, Debug)]
pub struct Script {
    ast: Arc<AST>,
}

impl Script {
    /// Whether it defines `name` with `params` parameters.
    pub fn has_function(&self, name: &str, params: usize) -> bool {
        self.ast
            .iter_functions()
            .any(|f| f.name == name && f.params.len() == params)
    }
}

/// The stop a host function raises for a fact the host has not fetched: a system error, so a
/// script's `try`/`catch` cannot swallow it.
#[derive(Debug)]
struct NeedFact(Need);

impl std::fmt::Display for NeedFact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "needs {:?}", self.0)
    }
}

impl std::error::Error for NeedFact {}

/// The facts as a script's run sees them, in its tag.
fn lookup(ctx: &NativeCallContext, need: Need) -> Result<Dynamic, Box<EvalAltResult>> {
    let key = need.key();
    let known = ctx.tag().and_then(|t| {
        t.read_lock::<Map>()
            .and_then(|m| m.get(key.as_str()).cloned())
    });
    match known {
        Some(v) => Ok(v),
        None => Err(Box::new(EvalAltResult::ErrorSystem(
            "fact".into(),
            Box::new(NeedFact(need)),
        ))),
    }
}

/// Most scripts kept compiled.
const CACHE_SIZE: usize = 1024;

thread_local! {
    /// Operations the decision running on this thread may still spend (`u64::MAX` outside a
    /// decision), and how many its current run has spent so far. A run is synchronous on the
    /// thread that calls it, so these belong to it alone.
    static OPERATIONS_LEFT: std::cell::Cell<u64> = const { std::cell::Cell::new(u64::MAX) };
    static OPERATIONS_USED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// The token of a run stopped for its decision's operations.
const OUT_OF_OPERATIONS: &str = "the decision's operations";

/// The contract engine of a node.
pub struct Runtime {
    engine: Engine,
    limits: Limits,
    schedule: Schedule,
    cache: Mutex<BTreeMap<Hash, Arc<AST>>>,
}

impl Runtime {
    pub fn new(limits: Limits, schedule: Schedule) -> Self {
        let mut engine = Engine::new_raw();
        // Only these packages: no `sleep`, `timestamp`, `eval`, `print`, modules or floats.
        for p in [
            ArithmeticPackage::new().as_shared_module(),
            LogicPackage::new().as_shared_module(),
            BasicStringPackage::new().as_shared_module(),
            MoreStringPackage::new().as_shared_module(),
            BasicArrayPackage::new().as_shared_module(),
            BasicMapPackage::new().as_shared_module(),
            BasicIteratorPackage::new().as_shared_module(),
            BasicMathPackage::new().as_shared_module(),
        ] {
            engine.register_global_module(p);
        }
        engine.disable_symbol("eval");
        // No function pointers or closures: a fact asked for inside one would reach the host
        // wrapped in a catchable error (Rhai wraps what a called function pointer raises), so
        // a script could go on without it. Loops do what `map` and `filter` would.
        engine.set_allow_anonymous_fn(false);
        for symbol in ["Fn", "call", "curry"] {
            engine.disable_symbol(symbol);
        }
        engine.on_print(|_| {});
        engine.on_debug(|_, _, _| {});
        engine.set_optimization_level(OptimizationLevel::None);
        // Each operation counts against the decision's operations too (see `run`).
        engine.on_progress(|ops| {
            OPERATIONS_USED.with(|u| u.set(ops));
            (ops > OPERATIONS_LEFT.with(std::cell::Cell::get))
                .then(|| Dynamic::from(OUT_OF_OPERATIONS.to_string()))
        });
        engine.set_max_operations(limits.operations);
        engine.set_max_call_levels(limits.call_levels);
        engine.set_max_expr_depths(limits.expr_depth, limits.function_expr_depth);
        engine.set_max_string_size(limits.string_bytes);
        engine.set_max_array_size(limits.array_len);
        engine.set_max_map_size(limits.map_len);
        engine.set_max_variables(limits.variables);
        engine.set_max_functions(limits.functions);
        engine.set_max_strings_interned(256);
        // What a service may ask of the host: each answered from the facts, or a stop to fetch.
        engine.register_fn(
            "record",
            |ctx: NativeCallContext, registry: ImmutableString, key: ImmutableString| {
                lookup(
                    &ctx,
                    Need::Record {
                        registry: registry.to_string(),
                        key: key.to_string(),
                    },
                )
            },
        );
        engine.register_fn(
            "find",
            |ctx: NativeCallContext,
             registry: ImmutableString,
             field: ImmutableString,
             value: ImmutableString| {
                lookup(
                    &ctx,
                    Need::Find {
                        registry: registry.to_string(),
                        field: field.to_string(),
                        value: value.to_string(),
                    },
                )
            },
        );
        engine.register_fn(
            "algorithm",
            |ctx: NativeCallContext,
             law: ImmutableString,
             article: ImmutableString,
             function: ImmutableString,
             args: Array| {
                let args = args
                    .iter()
                    .map(from_dynamic)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| -> Box<EvalAltResult> {
                        format!("the arguments of `{function}`: {e}").into()
                    })?;
                lookup(
                    &ctx,
                    Need::Algorithm {
                        law: law.to_string(),
                        article: article.to_string(),
                        function: function.to_string(),
                        args,
                    },
                )
            },
        );
        Self {
            engine,
            limits,
            schedule,
            cache: Mutex::new(BTreeMap::new()),
        }
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    /// Compiles `source`, or takes it from the scripts compiled before.
    pub fn compile(&self, source: &str) -> Result<Script, ContractError> {
        if source.len() > self.limits.source_bytes {
            return Err(ContractError::TooLarge {
                size: source.len(),
                most: self.limits.source_bytes,
            });
        }
        // The cache's own key (SHA-256 whatever the chain's scheme): never shown or stored.
        let hash = govchain_crypto::hash(govchain_types::Scheme::Ed25519, source.as_bytes());
        if let Some(ast) = self.lock().get(&hash) {
            return Ok(Script { ast: ast.clone() });
        }
        let ast = Arc::new(
            self.engine
                .compile(source)
                .map_err(|e| ContractError::Compile(e.to_string()))?,
        );
        let mut cache = self.lock();
        if cache.len() >= CACHE_SIZE
            && let Some(first) = cache.keys().next().copied()
        {
            cache.remove(&first);
        }
        cache.insert(hash, ast.clone());
        Ok(Script { ast })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<Hash, Arc<AST>>> {
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// One run of `function` with `args` (as the script sees them), seeing `facts`.
    fn run(
        &self,
        script: &Script,
        function: &str,
        args: Vec<Dynamic>,
        facts: Dynamic,
        budget: &mut Budget,
    ) -> Result<Result<Value, Need>, ContractError> {
        if !script.has_function(function, args.len()) {
            return Err(ContractError::NoFunction {
                name: function.to_string(),
                params: args.len(),
            });
        }
        budget.charge(self.schedule.run, "a run of the script")?;
        let options = CallFnOptions::new()
            .eval_ast(false)
            .rewind_scope(true)
            .with_tag(facts);
        let mut scope = Scope::new();
        OPERATIONS_USED.with(|u| u.set(0));
        let ran = self.engine.call_fn_with_options::<Dynamic>(
            options,
            &mut scope,
            &script.ast,
            function,
            args,
        );
        let used = OPERATIONS_USED.with(std::cell::Cell::get);
        OPERATIONS_LEFT.with(|l| l.set(l.get().saturating_sub(used)));
        budget.operations = budget.operations.saturating_add(used);
        match ran {
            Ok(v) => Ok(Ok(from_dynamic(&v)?)),
            Err(e) => match *e {
                EvalAltResult::ErrorSystem(_, inner) => match inner.downcast::<NeedFact>() {
                    Ok(need) => Ok(Err(need.0)),
                    Err(other) => Err(ContractError::Failed(other.to_string())),
                },
                // Stopped by what was left of the block's work: not the script's fault but the
                // block's budget (the application may be made again in a later block).
                EvalAltResult::ErrorTerminated(..) => match budget.operations_cap {
                    Some(c) if c < self.limits.application_operations => {
                        Err(ContractError::Budget {
                            what: "the block's contract work (Rhai operations)".into(),
                            needed: c.saturating_add(1),
                            left: c,
                            limit: c,
                        })
                    }
                    _ => Err(ContractError::Limit(format!(
                        "the decision's scripts ran past {} operations in all",
                        self.limits.application_operations
                    ))),
                },
                e @ (EvalAltResult::ErrorTooManyOperations(_)
                | EvalAltResult::ErrorTooManyVariables(_)
                | EvalAltResult::ErrorTooManyModules(_)
                | EvalAltResult::ErrorStackOverflow(_)
                | EvalAltResult::ErrorDataTooLarge(..)) => Err(ContractError::Limit(e.to_string())),
                e => Err(ContractError::Failed(e.to_string())),
            },
        }
    }

    /// Calls a pure function of `script` (a law's algorithm) with `args`: it may ask for no
    /// facts.
    pub fn call(
        &self,
        script: &Script,
        function: &str,
        args: &[Value],
        budget: &mut Budget,
    ) -> Result<Value, ContractError> {
        let args = args.iter().map(to_dynamic).collect::<Result<_, _>>()?;
        match self.run(
            script,
            function,
            args,
            Dynamic::from_map(Map::new()),
            budget,
        )? {
            Ok(v) => Ok(v),
            Err(need) => Err(ContractError::Host(format!(
                "an algorithm asks for no facts; `{function}` asked for {need:?}"
            ))),
        }
    }

    /// Decides an application: runs `decide(application)`, fetching each fact it asks for
    /// through `fetch` (which charges what it reads), until it answers; then reads its answer.
    /// Returns the outcome and the facts it was decided on, in the order they were fetched.
    pub fn decide(
        &self,
        script: &Script,
        application: &Value,
        fetch: &mut dyn FnMut(&Need, &mut Budget) -> Result<Value, ContractError>,
        budget: &mut Budget,
    ) -> Result<(Outcome, Vec<Fact>), ContractError> {
        self.conclude(
            script,
            "decide",
            std::slice::from_ref(application),
            fetch,
            budget,
        )
    }

    /// Resumes an application after an official's decision: runs `decided(application,
    /// decision)` as [`Runtime::decide`] runs `decide`. The caller checks that the script has
    /// it (`Script::has_function("decided", 2)`).
    pub fn resume(
        &self,
        script: &Script,
        application: &Value,
        decision: &Value,
        fetch: &mut dyn FnMut(&Need, &mut Budget) -> Result<Value, ContractError>,
        budget: &mut Budget,
    ) -> Result<(Outcome, Vec<Fact>), ContractError> {
        self.conclude(
            script,
            "decided",
            &[application.clone(), decision.clone()],
            fetch,
            budget,
        )
    }

    /// Runs `function` of `script` with `args` as [`Runtime::decide`] runs `decide`, fetching
    /// the facts it asks for, until it answers an outcome (a schedule's `scheduled(application,
    /// period)`, a trigger's run).
    pub fn conclude(
        &self,
        script: &Script,
        function: &str,
        args: &[Value],
        fetch: &mut dyn FnMut(&Need, &mut Budget) -> Result<Value, ContractError>,
        budget: &mut Budget,
    ) -> Result<(Outcome, Vec<Fact>), ContractError> {
        // The decision's operations, for all its runs; given back whatever happens.
        struct Restore(u64);
        impl Drop for Restore {
            fn drop(&mut self) {
                OPERATIONS_LEFT.with(|l| l.set(self.0));
            }
        }
        let allowance = budget
            .operations_cap
            .map_or(self.limits.application_operations, |c| {
                c.min(self.limits.application_operations)
            });
        let _restore = Restore(OPERATIONS_LEFT.with(|l| l.replace(allowance)));
        let mut facts = Facts::new();
        // Converted once for every run; the facts fetched so far are shared with each run
        // (its tag), not copied into it.
        let args: Vec<Dynamic> = args.iter().map(to_dynamic).collect::<Result<_, _>>()?;
        let mut seen = Dynamic::from_map(Map::new()).into_shared();
        loop {
            let run = self.run(script, function, args.clone(), seen.clone(), budget)?;
            let need = match run {
                Ok(answer) => {
                    let outcome = Outcome::parse(&answer).map_err(ContractError::Answer)?;
                    return Ok((outcome, facts.into_fetched()));
                }
                Err(need) => need,
            };
            if facts.len() >= self.limits.facts {
                return Err(ContractError::TooManyFacts(self.limits.facts));
            }
            let key = need.key();
            let Some(mut known) = seen.write_lock::<Map>() else {
                return Err(ContractError::Host("the facts are not a map".into()));
            };
            if known.contains_key(key.as_str()) {
                return Err(ContractError::Repeated(key.replace('\u{0}', " ")));
            }
            let answer = fetch(&need, budget)?;
            known.insert(key.as_str().into(), to_dynamic(&answer)?);
            facts.insert(need, answer);
        }
    }
}
