//! The document production centre: it takes an order once the fee is paid and, after its
//! production time, reports the new document's number and validity.
//!
//! [`ProductionCentre::submit`] is idempotent per application and kind (a retried call returns
//! the same order). [`ProductionCentre::status`] answers `Pending` (with the expected time)
//! until the order is produced, then `Produced` with the document number, issue date and
//! expiry date. The server then records the new document in the registry and, on renewal,
//! cancels the old one.
//!
//! [`ProductionSimulator`] produces each order `duration_secs` after submission, by the
//! [`Clock`]. Numbers follow each kind's format and never repeat: passport
//! `E` + a letter (not I or O) + 7 digits, Hong Kong/Macao permit `C` + a letter + 7 digits
//! (both in the lettered series from `J` on, which the demo and synthetic records do not use),
//! Taiwan permit `T` + 8 digits from `T90000001` on, then `T` + a letter + 7 digits (the format is unconfirmed, so the server's
//! `[document_numbers]` patterns decide what it accepts). Validity follows the core: 10 years
//! from 16, 5 years below.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use async_trait::async_trait;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use wangban_core::application_number::ApplicationNumber;
use wangban_core::document::{DocumentKind, DocumentNumber, DocumentNumberRules};
use wangban_core::fees::expiry_date;
use wangban_core::id_number::IdNumber;
use wangban_core::name::{PersonName, PinyinName};
use wangban_core::time::{Timestamp, civil_date};

use crate::clock::Clock;
use crate::error::{GatewayError, GatewayResult, System};
use crate::serde_util;
use crate::sim::Faults;
use crate::snapshot::{self, Persister, SnapshotError};

/// What the service orders.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductionOrder {
    /// The application.
    pub reference: ApplicationNumber,
    pub kind: DocumentKind,
    #[serde(deserialize_with = "serde_util::id_number")]
    pub holder: IdNumber,
    #[serde(deserialize_with = "serde_util::person_name")]
    pub name: PersonName,
    #[serde(deserialize_with = "serde_util::pinyin")]
    pub pinyin: PinyinName,
}

/// The production centre's id of an order.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ProductionOrderId(pub String);

impl ProductionOrderId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<String> for ProductionOrderId {
    fn from(id: String) -> Self {
        ProductionOrderId(id)
    }
}

impl std::fmt::Display for ProductionOrderId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where an order stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ProductionStatus {
    Pending {
        submitted_at: Timestamp,
        /// When the centre expects to finish.
        expected_at: Timestamp,
    },
    Produced {
        document_number: DocumentNumber,
        issued_on: NaiveDate,
        expires_on: NaiveDate,
        produced_at: Timestamp,
    },
}

/// The production centre port.
#[async_trait]
pub trait ProductionCentre: Send + Sync {
    /// Takes an order (idempotent per reference and kind).
    async fn submit(&self, order: ProductionOrder) -> GatewayResult<ProductionOrderId>;

    async fn status(&self, id: &ProductionOrderId) -> GatewayResult<ProductionStatus>;
}

/// Knobs of the production centre simulator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProductionSettings {
    /// Time from submission to the document being produced.
    pub duration_secs: u64,
    /// Share of submissions that fail as "unavailable".
    pub failure_rate: f64,
    pub seed: u64,
}

impl Default for ProductionSettings {
    fn default() -> Self {
        ProductionSettings {
            duration_secs: 60,
            failure_rate: 0.0,
            seed: 1,
        }
    }
}

/// An order as the simulator keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimProductionOrder {
    pub id: ProductionOrderId,
    pub order: ProductionOrder,
    pub submitted_at: Timestamp,
    pub ready_at: Timestamp,
    /// Assigned at submission, revealed when produced.
    pub document_number: String,
}

#[derive(Default, Serialize, Deserialize)]
struct ProductionState {
    /// Numbers issued so far, per kind (passport, HK/Macao, Taiwan).
    issued: [u64; 3],
    orders: BTreeMap<String, SimProductionOrder>,
    #[serde(skip)]
    by_reference: HashMap<(ApplicationNumber, DocumentKind), ProductionOrderId>,
}

/// Letters of the lettered series (no I, no O).
const SERIES: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
/// The production series starts at `J`.
const FIRST_LETTER: usize = 8;

/// Numbers per letter of a lettered series (0000001 to 9999999).
const PER_LETTER: u64 = 9_999_999;

/// The `n`th number (from 0) the centre issues for `kind`, or `None` when the series is used
/// up (after 160 million passports or permits, or 170 million Taiwan permits).
pub fn nth_number(kind: DocumentKind, n: u64) -> Option<String> {
    let lettered = |prefix: char, n: u64| {
        let letter = SERIES.get(FIRST_LETTER + usize::try_from(n / PER_LETTER).ok()?)?;
        Some(format!(
            "{prefix}{}{:07}",
            char::from(*letter),
            n % PER_LETTER + 1
        ))
    };
    match kind {
        DocumentKind::Passport => lettered('E', n),
        DocumentKind::HkMacaoPermit => lettered('C', n),
        // T90000001 to T99999999, then T + a letter + 7 digits.
        DocumentKind::TaiwanPermit if n < PER_LETTER => Some(format!("T{:08}", 90_000_001 + n)),
        DocumentKind::TaiwanPermit => lettered('T', n - PER_LETTER),
    }
}

fn kind_index(kind: DocumentKind) -> usize {
    match kind {
        DocumentKind::Passport => 0,
        DocumentKind::HkMacaoPermit => 1,
        DocumentKind::TaiwanPermit => 2,
    }
}

/// The simulated production centre.
pub struct ProductionSimulator {
    state: Arc<RwLock<ProductionState>>,
    settings: ProductionSettings,
    clock: Arc<dyn Clock>,
    faults: Faults,
    rules: DocumentNumberRules,
    persister: Option<Persister>,
}

impl ProductionSimulator {
    pub fn new(settings: ProductionSettings, clock: Arc<dyn Clock>) -> ProductionSimulator {
        let faults = Faults::new(System::Production, 0, settings.failure_rate, settings.seed);
        ProductionSimulator {
            state: Arc::new(RwLock::new(ProductionState::default())),
            settings,
            clock,
            faults,
            rules: DocumentNumberRules::default(),
            persister: None,
        }
    }

    /// Keeps orders in `path`, loading what is there.
    pub fn persisted(
        mut self,
        path: PathBuf,
        debounce: Duration,
    ) -> Result<ProductionSimulator, SnapshotError> {
        if let Some(mut loaded) = snapshot::load::<ProductionState>(&path)? {
            loaded.by_reference = loaded
                .orders
                .values()
                .map(|o| ((o.order.reference, o.order.kind), o.id.clone()))
                .collect();
            *self.write() = loaded;
        }
        let state = self.state.clone();
        self.persister = Some(Persister::spawn(path, debounce, move || {
            let state = state.read().unwrap_or_else(|e| e.into_inner());
            serde_json::to_vec(&*state).expect("orders serialise")
        }));
        Ok(self)
    }

    fn read(&self) -> RwLockReadGuard<'_, ProductionState> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, ProductionState> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Every order, by id.
    pub fn orders(&self) -> Vec<SimProductionOrder> {
        self.read().orders.values().cloned().collect()
    }

    /// Writes the snapshot now, if there is one.
    pub fn flush(&self) -> std::io::Result<()> {
        self.persister.as_ref().map_or(Ok(()), Persister::flush)
    }
}

#[async_trait]
impl ProductionCentre for ProductionSimulator {
    async fn submit(&self, order: ProductionOrder) -> GatewayResult<ProductionOrderId> {
        self.faults.call().await?;
        let now = self.clock.now();
        let mut state = self.write();
        if let Some(id) = state.by_reference.get(&(order.reference, order.kind)) {
            return Ok(id.clone());
        }
        let k = kind_index(order.kind);
        let document_number = nth_number(order.kind, state.issued[k])
            .ok_or_else(|| GatewayError::rejected(System::Production, "numbers_exhausted"))?;
        state.issued[k] += 1;
        let id = ProductionOrderId(format!(
            "PC{}{:06}",
            now.format("%Y%m%d"),
            state.orders.len() + 1
        ));
        state
            .by_reference
            .insert((order.reference, order.kind), id.clone());
        state.orders.insert(
            id.0.clone(),
            SimProductionOrder {
                id: id.clone(),
                order,
                submitted_at: now,
                ready_at: now + chrono::Duration::seconds(self.settings.duration_secs as i64),
                document_number,
            },
        );
        drop(state);
        if let Some(p) = &self.persister {
            p.changed();
        }
        Ok(id)
    }

    async fn status(&self, id: &ProductionOrderId) -> GatewayResult<ProductionStatus> {
        let order = self
            .read()
            .orders
            .get(&id.0)
            .cloned()
            .ok_or_else(|| GatewayError::not_found(System::Production, id.0.as_str()))?;
        if self.clock.now() < order.ready_at {
            return Ok(ProductionStatus::Pending {
                submitted_at: order.submitted_at,
                expected_at: order.ready_at,
            });
        }
        let issued_on = civil_date(order.ready_at);
        let document_number = self
            .rules
            .parse(order.order.kind, &order.document_number)
            .map_err(|_| GatewayError::rejected(System::Production, "number_format"))?;
        Ok(ProductionStatus::Produced {
            document_number,
            issued_on,
            expires_on: expiry_date(order.order.holder.birth_date(), issued_on),
            produced_at: order.ready_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::registry::demo::demo_citizen;
    use chrono::{TimeZone, Utc};

    fn order(key: &str, kind: DocumentKind, reference: u64) -> ProductionOrder {
        let c = demo_citizen(key).unwrap();
        ProductionOrder {
            reference: ApplicationNumber::from_value(reference),
            kind,
            holder: c.id_number.clone(),
            name: c.name.clone(),
            pinyin: c.pinyin.clone(),
        }
    }

    #[tokio::test]
    async fn produces_a_valid_number_after_the_configured_time_and_not_before() {
        // 23:59:30 in Shanghai: the document is produced, and dated, the next day.
        let start = Utc.with_ymd_and_hms(2026, 11, 25, 15, 59, 30).unwrap();
        let clock = Arc::new(ManualClock::new(start));
        let centre = ProductionSimulator::new(ProductionSettings::default(), clock.clone());
        let id = centre
            .submit(order("passport-expiring", DocumentKind::Passport, 1))
            .await
            .unwrap();
        assert_eq!(
            centre
                .submit(order("passport-expiring", DocumentKind::Passport, 1))
                .await
                .unwrap(),
            id
        );
        clock.advance(chrono::Duration::seconds(59));
        assert_eq!(
            centre.status(&id).await.unwrap(),
            ProductionStatus::Pending {
                submitted_at: start,
                expected_at: start + chrono::Duration::seconds(60),
            }
        );
        clock.advance(chrono::Duration::seconds(1));
        let ProductionStatus::Produced {
            document_number,
            issued_on,
            expires_on,
            ..
        } = centre.status(&id).await.unwrap()
        else {
            panic!("not produced after 60 s")
        };
        assert_eq!(document_number.as_str(), "EJ0000001");
        assert_eq!(issued_on, NaiveDate::from_ymd_opt(2026, 11, 26).unwrap());
        assert_eq!(expires_on, NaiveDate::from_ymd_opt(2036, 11, 25).unwrap());

        // A child's document is valid for 5 years.
        let child = centre
            .submit(order("under-16", DocumentKind::Passport, 2))
            .await
            .unwrap();
        clock.advance(chrono::Duration::seconds(60));
        let ProductionStatus::Produced {
            document_number,
            expires_on,
            ..
        } = centre.status(&child).await.unwrap()
        else {
            panic!()
        };
        assert_eq!(document_number.as_str(), "EJ0000002");
        assert_eq!(expires_on, NaiveDate::from_ymd_opt(2031, 11, 25).unwrap());
        assert!(matches!(
            centre.status(&ProductionOrderId("PC0".into())).await,
            Err(GatewayError::NotFound { .. })
        ));
    }

    #[test]
    fn numbers_follow_each_kind_and_never_repeat() {
        let rules = DocumentNumberRules::default();
        let mut seen = std::collections::HashSet::new();
        for kind in DocumentKind::ALL {
            for n in (0..2000).chain([9_999_998, 9_999_999, 10_000_000, 50_000_000, 159_999_983]) {
                let number = nth_number(kind, n).unwrap();
                assert!(rules.parse(kind, &number).is_ok(), "{number}");
                assert!(!number.contains(['I', 'O']) || kind == DocumentKind::TaiwanPermit);
                assert!(seen.insert(number.clone()), "{number} twice");
            }
        }
        let nth = |kind, n| nth_number(kind, n).unwrap();
        assert_eq!(nth(DocumentKind::Passport, 9_999_998), "EJ9999999");
        assert_eq!(nth(DocumentKind::Passport, 9_999_999), "EK0000001");
        assert_eq!(nth(DocumentKind::Passport, 159_999_983), "EZ9999999");
        assert_eq!(nth_number(DocumentKind::Passport, 159_999_984), None);
        assert_eq!(nth(DocumentKind::HkMacaoPermit, 0), "CJ0000001");
        assert_eq!(nth(DocumentKind::TaiwanPermit, 0), "T90000001");
        assert_eq!(nth(DocumentKind::TaiwanPermit, 9_999_998), "T99999999");
        assert_eq!(nth(DocumentKind::TaiwanPermit, 9_999_999), "TJ0000001");
    }

    #[tokio::test]
    async fn orders_survive_a_restart_and_numbering_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("production.json");
        let clock = Arc::new(ManualClock::new(
            Utc.with_ymd_and_hms(2026, 11, 25, 2, 0, 0).unwrap(),
        ));
        let first = {
            let centre = ProductionSimulator::new(ProductionSettings::default(), clock.clone())
                .persisted(path.clone(), Duration::from_millis(1))
                .unwrap();
            centre
                .submit(order("taiwan-expiring", DocumentKind::TaiwanPermit, 7))
                .await
                .unwrap()
        };
        let centre = ProductionSimulator::new(ProductionSettings::default(), clock.clone())
            .persisted(path, Duration::from_millis(1))
            .unwrap();
        assert_eq!(
            centre
                .submit(order("taiwan-expiring", DocumentKind::TaiwanPermit, 7))
                .await
                .unwrap(),
            first
        );
        let second = centre
            .submit(order("taiwan-damaged", DocumentKind::TaiwanPermit, 8))
            .await
            .unwrap();
        clock.advance(chrono::Duration::minutes(2));
        let number = |s: ProductionStatus| match s {
            ProductionStatus::Produced {
                document_number, ..
            } => document_number.as_str().to_owned(),
            other => panic!("{other:?}"),
        };
        assert_eq!(number(centre.status(&first).await.unwrap()), "T90000001");
        assert_eq!(number(centre.status(&second).await.unwrap()), "T90000002");
    }
}
