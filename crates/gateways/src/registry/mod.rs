//! The citizen registry: what the public-security population and exit-entry records know of a
//! person (the input of the eligibility engine), and the changes wangban reports back.
//!
//! The port answers [`CitizenRegistry::person`] with a [`RegistryPerson`]: the core
//! [`PersonRecord`] (birth date, hukou district, flags, documents, last border crossing) plus
//! the name on record and its pinyin spelling. wangban reports three changes:
//! [`report_lost`](CitizenRegistry::report_lost) when an application for a lost or stolen
//! document is submitted, [`record_issued`](CitizenRegistry::record_issued) when the production
//! centre issues the new document, and [`cancel_document`](CitizenRegistry::cancel_document)
//! for the old one on renewal. All three are idempotent (repeating a call that timed out is
//! safe); a change that contradicts the record is rejected with a reason code:
//! `document_unknown` (no document of that kind and number), `document_cancelled` (reporting a
//! cancelled document lost), `number_in_use` (recording an issued number that the person
//! already holds for another kind).
//!
//! [`RegistrySimulator`] keeps people in memory: the [demo citizens](demo) (from
//! `demo/citizens.toml`, dates relative to the day it starts), a [synthetic population](synthetic)
//! of any size for load tests, or both. Only the people changed through the port are written to
//! its snapshot, so a restart regenerates the rest and keeps every reported change.

pub mod demo;
pub mod synthetic;

pub use demo::{DemoCitizen, demo_citizen, demo_citizen_by_phone, demo_citizens};

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use async_trait::async_trait;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use wangban_core::area::AreaCode;
use wangban_core::document::DocumentKind;
use wangban_core::id_number::{IdNumber, Sex};
use wangban_core::name::{PersonName, PinyinName};
use wangban_core::registry::{BorderCrossing, DocumentStatus, HeldDocument, PersonRecord};
use wangban_core::time::Timestamp;

use crate::clock::{Clock, SystemClock};
use crate::error::{GatewayError, GatewayResult, System};
use crate::serde_util;
use crate::sim::Faults;
use crate::snapshot::{self, Persister, SnapshotError};

/// What the registry knows of one person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RegistryPerson {
    pub record: PersonRecord,
    /// The name on record (as on the resident ID card).
    pub name: PersonName,
    /// The pinyin spelling printed in earlier documents.
    pub pinyin: PinyinName,
}

impl RegistryPerson {
    pub fn id_number(&self) -> &IdNumber {
        &self.record.id_number
    }

    pub fn sex(&self) -> Sex {
        self.record.id_number.sex()
    }
}

/// The citizen registry port.
#[async_trait]
pub trait CitizenRegistry: Send + Sync {
    /// The person with this ID number, or `None` when the registry has no such person.
    async fn person(&self, id: &IdNumber) -> GatewayResult<Option<RegistryPerson>>;

    /// Reports a document lost or stolen (挂失): it can no longer be used for travel.
    async fn report_lost(
        &self,
        id: &IdNumber,
        kind: DocumentKind,
        number: &str,
        at: Timestamp,
    ) -> GatewayResult<()>;

    /// Cancels a document (注销), e.g. the old one when its replacement is issued.
    async fn cancel_document(
        &self,
        id: &IdNumber,
        kind: DocumentKind,
        number: &str,
        at: Timestamp,
    ) -> GatewayResult<()>;

    /// Records a newly issued document.
    async fn record_issued(&self, id: &IdNumber, document: HeldDocument) -> GatewayResult<()>;
}

/// What changed in the registry through the port.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    ReportedLost,
    Cancelled,
    Issued,
}

/// One change made through the port (the simulator's log, shown on its page).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryChange {
    pub at: Timestamp,
    #[serde(deserialize_with = "serde_util::id_number")]
    pub id_number: IdNumber,
    pub change: ChangeKind,
    pub kind: DocumentKind,
    pub number: String,
}

/// Knobs of the registry simulator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RegistrySettings {
    /// Load the demo citizens of `demo/citizens.toml`.
    pub demo_citizens: bool,
    /// Add this many synthetic people (for load tests; 0 for none).
    pub synthetic_population: usize,
    /// The seed of the synthetic population: the same seed gives the same people.
    pub synthetic_seed: u64,
    /// Added to every call.
    pub latency_ms: u64,
    /// Share of calls that fail as "unavailable" (0.0 to 1.0).
    pub failure_rate: f64,
}

impl Default for RegistrySettings {
    fn default() -> Self {
        RegistrySettings {
            demo_citizens: true,
            synthetic_population: 0,
            synthetic_seed: 1,
            latency_ms: 0,
            failure_rate: 0.0,
        }
    }
}

/// How many changes the simulator's log keeps.
const LOG_CAPACITY: usize = 10_000;

#[derive(Default)]
struct RegistryState {
    people: HashMap<IdNumber, RegistryPerson>,
    /// People changed through the port since their record was generated: the snapshot.
    changed: HashSet<IdNumber>,
    /// People whose live capture never matches their ID photo (the proofing simulator asks).
    face_mismatch: HashSet<IdNumber>,
    log: VecDeque<RegistryChange>,
}

/// A person as a snapshot stores it.
#[derive(Serialize, Deserialize)]
struct StoredPerson {
    #[serde(deserialize_with = "serde_util::id_number")]
    id_number: IdNumber,
    #[serde(deserialize_with = "serde_util::person_name")]
    name: PersonName,
    #[serde(deserialize_with = "serde_util::pinyin")]
    pinyin: PinyinName,
    birth_date: NaiveDate,
    hukou_district: AreaCode,
    state_functionary: bool,
    active_military: bool,
    fingerprints_on_file: bool,
    documents: Vec<HeldDocument>,
    last_border_crossing: Option<BorderCrossing>,
}

impl From<&RegistryPerson> for StoredPerson {
    fn from(p: &RegistryPerson) -> Self {
        let r = &p.record;
        StoredPerson {
            id_number: r.id_number.clone(),
            name: p.name.clone(),
            pinyin: p.pinyin.clone(),
            birth_date: r.birth_date,
            hukou_district: r.hukou_district,
            state_functionary: r.state_functionary,
            active_military: r.active_military,
            fingerprints_on_file: r.fingerprints_on_file,
            documents: r.documents.clone(),
            last_border_crossing: r.last_border_crossing,
        }
    }
}

impl From<StoredPerson> for RegistryPerson {
    fn from(s: StoredPerson) -> Self {
        RegistryPerson {
            record: PersonRecord {
                id_number: s.id_number,
                birth_date: s.birth_date,
                hukou_district: s.hukou_district,
                state_functionary: s.state_functionary,
                active_military: s.active_military,
                fingerprints_on_file: s.fingerprints_on_file,
                documents: s.documents,
                last_border_crossing: s.last_border_crossing,
            },
            name: s.name,
            pinyin: s.pinyin,
        }
    }
}

#[derive(Serialize, Deserialize, Default)]
struct RegistrySnapshot {
    changed: Vec<StoredPerson>,
    log: Vec<RegistryChange>,
}

/// The in-memory registry.
pub struct RegistrySimulator {
    state: Arc<RwLock<RegistryState>>,
    clock: Arc<dyn Clock>,
    faults: Faults,
    persister: Option<Persister>,
}

impl RegistrySimulator {
    /// An empty registry (add people with [`insert`](Self::insert)).
    pub fn empty(clock: Arc<dyn Clock>) -> RegistrySimulator {
        RegistrySimulator::build(clock, Faults::new(System::Registry, 0, 0.0, 0))
    }

    fn build(clock: Arc<dyn Clock>, faults: Faults) -> RegistrySimulator {
        RegistrySimulator {
            state: Arc::new(RwLock::new(RegistryState::default())),
            clock,
            faults,
            persister: None,
        }
    }

    /// The registry as configured: demo citizens and a synthetic population, with dates relative
    /// to the clock's today.
    pub fn new(settings: &RegistrySettings, clock: Arc<dyn Clock>) -> RegistrySimulator {
        let today = clock.today();
        let faults = Faults::new(
            System::Registry,
            settings.latency_ms,
            settings.failure_rate,
            settings.synthetic_seed,
        );
        let sim = RegistrySimulator::build(clock, faults);
        if settings.synthetic_population > 0 {
            sim.extend(
                synthetic::synthetic_people(
                    settings.synthetic_population,
                    settings.synthetic_seed,
                    today,
                )
                .map(|s| s.person),
            );
        }
        if settings.demo_citizens {
            sim.reset_demo_citizens();
        }
        sim
    }

    /// Only the demo citizens.
    pub fn with_demo_citizens(clock: Arc<dyn Clock>) -> RegistrySimulator {
        let sim = RegistrySimulator::empty(clock);
        sim.reset_demo_citizens();
        sim
    }

    /// `n` synthetic people (see [`synthetic::synthetic_people`]), generated as of `today`.
    pub fn synthetic(n: usize, seed: u64, today: NaiveDate) -> RegistrySimulator {
        let sim = RegistrySimulator::empty(Arc::new(SystemClock));
        sim.extend(synthetic::synthetic_people(n, seed, today).map(|s| s.person));
        sim
    }

    /// Keeps the people changed through the port in `path` (JSON), loading what is there.
    pub fn persisted(
        mut self,
        path: PathBuf,
        debounce: Duration,
    ) -> Result<RegistrySimulator, SnapshotError> {
        if let Some(snap) = snapshot::load::<RegistrySnapshot>(&path)? {
            let mut state = self.write();
            for stored in snap.changed {
                let person = RegistryPerson::from(stored);
                state.changed.insert(person.id_number().clone());
                state.people.insert(person.id_number().clone(), person);
            }
            state.log = snap.log.into();
        }
        let state = self.state.clone();
        self.persister = Some(Persister::spawn(path, debounce, move || {
            let state = state.read().unwrap_or_else(|e| e.into_inner());
            // Sorted, so that the file is stable and diffable.
            let changed: BTreeMap<&str, StoredPerson> = state
                .changed
                .iter()
                .filter_map(|id| state.people.get(id))
                .map(|p| (p.id_number().as_str(), StoredPerson::from(p)))
                .collect();
            let snap = RegistrySnapshotRef {
                changed: changed.values().collect(),
                log: state.log.iter().collect(),
            };
            serde_json::to_vec_pretty(&snap).expect("registry state serialises")
        }));
        Ok(self)
    }

    fn read(&self) -> RwLockReadGuard<'_, RegistryState> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, RegistryState> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }

    fn changed(&self) {
        if let Some(p) = &self.persister {
            p.changed();
        }
    }

    /// Adds or replaces a person (as generated, not as a change through the port).
    pub fn insert(&self, person: RegistryPerson) {
        let mut state = self.write();
        state.changed.remove(person.id_number());
        state.people.insert(person.id_number().clone(), person);
        drop(state);
        self.changed();
    }

    fn extend(&self, people: impl Iterator<Item = RegistryPerson>) {
        let mut state = self.write();
        for person in people {
            state.people.insert(person.id_number().clone(), person);
        }
    }

    /// Puts every demo citizen back as `demo/citizens.toml` describes them, as of the clock's
    /// today (so a demo can be replayed), forgetting changes made to them through the port.
    pub fn reset_demo_citizens(&self) {
        let today = self.clock.today();
        let mut state = self.write();
        for citizen in demo::demo_citizens() {
            let person = citizen.person(today);
            let id = person.id_number().clone();
            state.changed.remove(&id);
            if citizen.face_mismatch {
                state.face_mismatch.insert(id.clone());
            } else {
                state.face_mismatch.remove(&id);
            }
            state.people.insert(id, person);
        }
        drop(state);
        self.changed();
    }

    /// The demo citizens (whether or not this registry loaded them).
    pub fn demo_citizens(&self) -> &'static [DemoCitizen] {
        demo::demo_citizens()
    }

    /// Makes every live capture of this person fail the face comparison (or stop failing).
    pub fn set_face_mismatch(&self, id: &IdNumber, mismatch: bool) {
        let mut state = self.write();
        if mismatch {
            state.face_mismatch.insert(id.clone());
        } else {
            state.face_mismatch.remove(id);
        }
    }

    /// Whether this person's live capture never matches their ID photo.
    pub fn face_mismatch(&self, id: &IdNumber) -> bool {
        self.read().face_mismatch.contains(id)
    }

    /// How many people the registry holds.
    pub fn len(&self) -> usize {
        self.read().people.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The person, without latency or injected failures (for the simulator's own pages).
    pub fn get(&self, id: &IdNumber) -> Option<RegistryPerson> {
        self.read().people.get(id).cloned()
    }

    /// Changes made through the port, oldest first (the last 10 000).
    pub fn changes(&self) -> Vec<RegistryChange> {
        self.read().log.iter().cloned().collect()
    }

    /// Writes the snapshot now, if there is one.
    pub fn flush(&self) -> std::io::Result<()> {
        self.persister.as_ref().map_or(Ok(()), Persister::flush)
    }

    /// Applies `change` to the document of `kind` and `number`.
    fn change_document(
        &self,
        id: &IdNumber,
        kind: DocumentKind,
        number: &str,
        at: Timestamp,
        change: ChangeKind,
    ) -> GatewayResult<()> {
        let wanted = normalise_number(number);
        let mut state = self.write();
        let person = state
            .people
            .get_mut(id)
            .ok_or_else(|| GatewayError::not_found(System::Registry, id.masked()))?;
        let doc = person
            .record
            .documents
            .iter_mut()
            .find(|d| d.kind == kind && normalise_number(&d.number) == wanted)
            .ok_or_else(|| GatewayError::rejected(System::Registry, "document_unknown"))?;
        let next = match (change, doc.status) {
            (ChangeKind::ReportedLost, DocumentStatus::Valid) => DocumentStatus::ReportedLost,
            (ChangeKind::ReportedLost, DocumentStatus::ReportedLost) => return Ok(()),
            (ChangeKind::ReportedLost, DocumentStatus::Cancelled) => {
                return Err(GatewayError::rejected(
                    System::Registry,
                    "document_cancelled",
                ));
            }
            (ChangeKind::Cancelled, DocumentStatus::Cancelled) => return Ok(()),
            (ChangeKind::Cancelled, _) => DocumentStatus::Cancelled,
            (ChangeKind::Issued, _) => unreachable!("issued documents are added, not changed"),
        };
        doc.status = next;
        let number = doc.number.clone();
        state.changed.insert(id.clone());
        push_log(
            &mut state,
            RegistryChange {
                at,
                id_number: id.clone(),
                change,
                kind,
                number,
            },
        );
        drop(state);
        self.changed();
        Ok(())
    }
}

#[derive(Serialize)]
struct RegistrySnapshotRef<'a> {
    changed: Vec<&'a StoredPerson>,
    log: Vec<&'a RegistryChange>,
}

fn push_log(state: &mut RegistryState, change: RegistryChange) {
    if state.log.len() >= LOG_CAPACITY {
        state.log.pop_front();
    }
    state.log.push_back(change);
}

fn normalise_number(number: &str) -> String {
    number
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase()
}

#[async_trait]
impl CitizenRegistry for RegistrySimulator {
    async fn person(&self, id: &IdNumber) -> GatewayResult<Option<RegistryPerson>> {
        self.faults.call().await?;
        Ok(self.get(id))
    }

    async fn report_lost(
        &self,
        id: &IdNumber,
        kind: DocumentKind,
        number: &str,
        at: Timestamp,
    ) -> GatewayResult<()> {
        self.faults.call().await?;
        self.change_document(id, kind, number, at, ChangeKind::ReportedLost)
    }

    async fn cancel_document(
        &self,
        id: &IdNumber,
        kind: DocumentKind,
        number: &str,
        at: Timestamp,
    ) -> GatewayResult<()> {
        self.faults.call().await?;
        self.change_document(id, kind, number, at, ChangeKind::Cancelled)
    }

    async fn record_issued(&self, id: &IdNumber, document: HeldDocument) -> GatewayResult<()> {
        self.faults.call().await?;
        let at = self.clock.now();
        let wanted = normalise_number(&document.number);
        let mut state = self.write();
        let person = state
            .people
            .get_mut(id)
            .ok_or_else(|| GatewayError::not_found(System::Registry, id.masked()))?;
        if let Some(existing) = person
            .record
            .documents
            .iter()
            .find(|d| normalise_number(&d.number) == wanted)
        {
            return if existing.kind == document.kind {
                Ok(())
            } else {
                Err(GatewayError::rejected(System::Registry, "number_in_use"))
            };
        }
        let (kind, number) = (document.kind, document.number.clone());
        person.record.documents.push(document);
        state.changed.insert(id.clone());
        push_log(
            &mut state,
            RegistryChange {
                at,
                id_number: id.clone(),
                change: ChangeKind::Issued,
                kind,
                number,
            },
        );
        drop(state);
        self.changed();
        Ok(())
    }
}

#[cfg(test)]
mod tests;
