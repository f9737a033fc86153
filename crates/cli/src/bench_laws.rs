//! `govchain bench laws`: µs per authorization decision with many laws in force, through the
//! buckets and against the whole book (Cedar evaluates every policy it is handed).

#![allow(
    clippy::arithmetic_side_effects,
    reason = "benchmark arithmetic on counters and timings, not on amounts or input"
)]

use govchain_law::{
    AttrType, AuthRequest, EntityData, EntityDecl, EntityRef, LawBook, Schema, Value,
};
use govchain_types::{Article, ArticleKind, LawPackage, Level, PrincipalId};
use std::time::Instant;

const ACTIONS: [&str; 3] = ["read", "insert", "update"];

/// A schema with `registries` registry types, each with read/insert/update, beside the base.
fn schema(registries: usize) -> anyhow::Result<Schema> {
    let mut model = govchain_law::SchemaModel::base();
    for i in 0..registries {
        model.add_resource(
            EntityDecl {
                name: format!("Reg{i}"),
                parents: vec![],
                attrs: ["region", "sensitivity", "owner"]
                    .iter()
                    .map(|a| (a.to_string(), AttrType::String))
                    .collect(),
                principal: false,
            },
            &ACTIONS,
        );
    }
    Ok(model.schema()?)
}

fn laws(count: usize, per_law: usize, registries: usize) -> anyhow::Result<Vec<LawPackage>> {
    let mut out = Vec::new();
    for l in 0..count {
        let reg = format!("Reg{}", l % registries.max(1));
        let articles = (0..per_law)
            .map(|a| {
                let action = ACTIONS.get(a % 3).copied().unwrap_or("read");
                let effect = if a % 4 == 3 { "forbid" } else { "permit" };
                let policy = format!(
                    r#"{effect} (principal is Official, action == Action::"{action}", resource is {reg})
                       when {{ principal.powers.contains("power-{l}-{a}") && principal.jurisdiction.contains(resource.region)
                               && principal.status == "active" && context.height < principal.term_to }};"#
                );
                Article {
                    id: format!("{a}"),
                    title: format!("article {a}"),
                    kind: ArticleKind::Permission { policy },
                }
            })
            .collect();
        out.push(LawPackage {
            id: PrincipalId::new(format!("law-{l:03}"))?,
            version: 1,
            title: format!("law {l}"),
            level: if l % 5 == 0 {
                Level::Constitution
            } else {
                Level::National
            },
            body: PrincipalId::new("legislature")?,
            jurisdiction: vec![],
            articles,
            effective_from: 0,
            effective_until: None,
            repeals: vec![],
            constitutes: vec![],
            registries: vec![],
            currencies: vec![],
        });
    }
    Ok(out)
}

fn request(i: usize, registries: usize) -> AuthRequest {
    let reg = format!("Reg{}", i % registries.max(1));
    AuthRequest {
        principal: EntityData::new(EntityRef::new("Official", "off-wang"))
            .attr(
                "powers",
                Value::strs([format!("power-{}-{}", i % 50, i % 10)]),
            )
            .attr("jurisdiction", Value::strs(["110101"]))
            .attr("term_from", Value::Long(0))
            .attr("term_to", Value::Long(1_000_000))
            .attr("status", Value::str("active"))
            .parent(EntityRef::new("Department", "civil-affairs-110101"))
            .parent(EntityRef::new("Principal", "off-wang")),
        action: ACTIONS.get(i % 3).copied().unwrap_or("read").to_string(),
        resource: EntityData::new(EntityRef::new(reg, format!("r{i}")))
            .attr("region", Value::str("110101"))
            .attr("sensitivity", Value::str("protected"))
            .attr("owner", Value::str("civil-affairs")),
        height: 100,
        via_contract: None,
        amount: 0,
        counterparty: String::new(),
        region: Some("110101".into()),
        others: vec![],
    }
}

pub fn run(count: usize, per_law: usize, registries: usize, requests: usize) -> anyhow::Result<()> {
    let laws = laws(count, per_law, registries)?;
    let started = Instant::now();
    let book = LawBook::compile(&laws, schema(registries)?)?;
    let compile = started.elapsed();
    let reqs: Vec<AuthRequest> = (0..requests).map(|i| request(i, registries)).collect();
    let mut allowed = 0usize;
    let started = Instant::now();
    for r in &reqs {
        if book.decide(r)?.allowed {
            allowed += 1;
        }
    }
    let bucket_us = started.elapsed().as_secs_f64() * 1e6 / requests as f64;
    let whole_n = requests.min(2_000);
    let started = Instant::now();
    for r in reqs.iter().take(whole_n) {
        let _ = book.decide_whole(r)?;
    }
    let whole_us = started.elapsed().as_secs_f64() * 1e6 / whole_n as f64;
    println!(
        "law benchmark: {count} laws, {} articles in force, {registries} registry types, one core",
        book.len()
    );
    println!(
        "  compile (parse, validate, index)   {:>10.1} ms",
        compile.as_secs_f64() * 1e3
    );
    println!(
        "  decision through its bucket        {:>10.1} µs  ({allowed} of {requests} allowed)",
        bucket_us
    );
    println!("  decision against the whole book    {:>10.1} µs", whole_us);
    Ok(())
}
