//! Public services as data: a service's versioned package (its script, its typed input form,
//! the law and articles it carries out, the department competent for its cases), and the
//! applications made to it with their timelines.

use crate::{Citation, FieldDef, Fields, Hash, Height, PrincipalId};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// A version of a service, as the department that deploys it (under a law that lets it) signs
/// it.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct ServiceDef {
    /// Stable name, e.g. `business-licence`; laws name it as `Service::"business-licence"`
    /// and its contract as `principal.service == "business-licence"`.
    pub name: PrincipalId,
    /// From 1; an upgrade is the next version. Applications keep the version they started
    /// under.
    pub version: u32,
    pub title: String,
    /// The law it carries out, and the articles of that law.
    pub law: PrincipalId,
    pub articles: Vec<String>,
    /// The department competent for the cases its data cannot decide.
    pub department: PrincipalId,
    /// The typed input an application gives, checked before the script runs.
    pub form: Vec<FieldDef>,
    /// The script (Rhai): `fn decide(application)`.
    pub script: String,
    /// Registries whose new records open applications proactively: for each record inserted
    /// in one, the script's `opened(record)` names who is to receive the service (with what
    /// input), at the next block's start — nobody asks for data the state already holds.
    #[serde(default)]
    pub on_insert: Vec<String>,
}

/// A deployed version of a service, as state keeps it.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct ServiceRecord {
    pub def: ServiceDef,
    /// When and by whom it was deployed, and the article that allowed it (none at genesis).
    pub deployed_at: Height,
    pub deployed_by: PrincipalId,
    pub citation: Option<Citation>,
}

/// Where an application stands.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[borsh(use_discriminant = true)]
pub enum ApplicationStatus {
    /// Decided by the service: granted, with what it wrote and paid.
    Approved = 0,
    /// Decided by the service: refused, with the reason and the article.
    Rejected = 1,
    /// The data could not decide: a case waits for an official of the competent department.
    CaseOpened = 2,
    /// Opened by the service itself, from a record (a birth): it waits for the applicant to
    /// confirm it, and is decided then.
    Proposed = 3,
}

/// One step of an application's timeline.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct ApplicationStep {
    pub height: Height,
    pub tx: Hash,
    /// `submitted`, `approved`, `rejected`, `case_opened`.
    pub kind: String,
    /// Who acted: the applicant, the service (`service@version`), an official.
    pub by: String,
    pub reason: String,
    pub citation: Option<Citation>,
}

/// A case the service opened for an official.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct CaseInfo {
    pub department: PrincipalId,
    pub power: String,
    /// The region the case belongs to (the applicant's record's region, if it has one): the
    /// jurisdiction an official deciding it must hold.
    pub region: Option<String>,
    /// How many distinct officials must concur (2: four eyes, as the service's law says).
    pub officials: u8,
    /// The first official's decision, while a second, distinct one must concur.
    pub first: Option<FirstDecision>,
    /// The height by which it must be decided (its statutory deadline), if the service's law
    /// sets one: at that height's start, undecided, it escalates to the parent department (or,
    /// with none, is marked overdue).
    pub deadline: Option<Height>,
    /// How many blocks each department has to decide it (the deadline after an escalation).
    pub period: Option<u64>,
    /// The height at whose start the officials are reminded, if any.
    pub reminder: Option<Height>,
    /// Decided by the law at its deadline, if the service's law says so — approved (`true`)
    /// or rejected — instead of escalating.
    pub deemed: Option<bool>,
    /// It hears the applicant's appeal of a rejection (at the parent department of the one
    /// that decided, with the power `hear-appeal`).
    pub appeal: bool,
}

/// The first of two officials' decisions of a four-eyes case.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct FirstDecision {
    pub official: PrincipalId,
    pub approve: bool,
}

/// The runs an approval scheduled (a monthly pension): the service's
/// `scheduled(application, period)` at the start of block `next`, then every `every` blocks.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct ScheduleInfo {
    /// The height of the approval that started it: period `n` falls due at `from + n × every`.
    pub from: Height,
    pub every: u64,
    /// The height at whose start the next period runs (later, if that block was full: the
    /// periods due at one block start are bounded, and the rest run at the next).
    pub next: Height,
    /// The periods run so far; the next is `done + 1`.
    pub done: u64,
    /// How many periods it runs in all, if the approval said.
    pub times: Option<u64>,
    /// What the approval granted, fixed for the schedule's life (a pension's monthly amount):
    /// each run sees it as `application.granted`.
    pub granted: Fields,
    /// Periods refused in a row (three end the schedule).
    pub failures: u8,
    /// The latest period's step (every period's is kept apart, by application and period).
    pub last: Option<ApplicationStep>,
}

/// An application to a service: its id is the transaction that made it.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Application {
    pub id: Hash,
    pub service: PrincipalId,
    /// The service's version it started under, kept for its whole life.
    pub version: u32,
    pub applicant: PrincipalId,
    pub input: Fields,
    pub status: ApplicationStatus,
    pub case: Option<CaseInfo>,
    /// The periodic runs its approval started, while they last.
    pub schedule: Option<ScheduleInfo>,
    /// Whether the applicant has appealed (once only).
    pub appealed: bool,
    pub timeline: Vec<ApplicationStep>,
}
