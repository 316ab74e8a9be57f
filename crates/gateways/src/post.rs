//! Mailing the new document: an EMS waybill with a UPU S10 tracking number, postage paid by the
//! recipient on delivery (到付), and tracking events as the parcel travels.
//!
//! [`PostalService::create_waybill`] returns the tracking number (`EA` + 8-digit serial + check
//! digit + `CN`); it is idempotent for the same `reference` (the application number), so a
//! retried call never ships twice. [`PostalService::track`] returns the events so far, oldest
//! first; the server polls it and moves the application on at `delivered` or
//! `delivery_failed` (the item then goes to the reception hall).
//!
//! [`PostSimulator`] derives the events from the [`Clock`] and the time
//! since the waybill was created: `accepted` at the origin office, `in_transit` leaving the
//! origin and again arriving in the destination area, `out_for_delivery`, then `delivered` —
//! or, for a deterministic share `delivery_failure_rate` of tracking numbers,
//! `delivery_failed`. Each leg's offset from creation is a knob (minutes by default, so a demo
//! sees the parcel arrive; a real post takes days). Locations are GB/T 2260 area codes (the
//! pages name them in either language).

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use wangban_core::area::AreaCode;
use wangban_core::name::PersonName;
use wangban_core::phone::MobileNumber;
use wangban_core::postal::S10Number;
use wangban_core::time::Timestamp;

use crate::clock::Clock;
use crate::error::{GatewayError, GatewayResult, System};
use crate::serde_util;
use crate::sim::{Faults, share};
use crate::snapshot::{self, Persister, SnapshotError};

/// Who pays the postage.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Postage {
    /// 到付: the recipient pays on delivery (the service's rule).
    #[default]
    RecipientPays,
    /// The sender pays (not used by the service today).
    SenderPays,
}

/// What the service hands to the post.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waybill {
    #[serde(deserialize_with = "serde_util::person_name")]
    pub recipient: PersonName,
    #[serde(deserialize_with = "serde_util::mobile")]
    pub phone: MobileNumber,
    /// The street address as the applicant wrote it.
    pub address: String,
    /// The recipient's area (district code, or any code of the province).
    pub destination: AreaCode,
    #[serde(default)]
    pub postcode: Option<String>,
    /// The service's reference (the application number): one waybill per reference.
    pub reference: String,
    pub postage: Postage,
}

/// A step of the parcel's journey.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrackingEventKind {
    Accepted,
    InTransit,
    OutForDelivery,
    Delivered,
    DeliveryFailed,
}

impl TrackingEventKind {
    pub fn code(self) -> &'static str {
        match self {
            TrackingEventKind::Accepted => "accepted",
            TrackingEventKind::InTransit => "in_transit",
            TrackingEventKind::OutForDelivery => "out_for_delivery",
            TrackingEventKind::Delivered => "delivered",
            TrackingEventKind::DeliveryFailed => "delivery_failed",
        }
    }

    /// Whether the journey ends here.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            TrackingEventKind::Delivered | TrackingEventKind::DeliveryFailed
        )
    }
}

/// One tracking event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackingEvent {
    pub at: Timestamp,
    pub kind: TrackingEventKind,
    pub location: AreaCode,
}

/// The postal service port.
#[async_trait]
pub trait PostalService: Send + Sync {
    /// Creates a waybill (idempotent per reference) and returns its tracking number.
    async fn create_waybill(&self, waybill: Waybill) -> GatewayResult<S10Number>;

    /// The events so far, oldest first (empty until the post accepts the item).
    async fn track(&self, tracking_number: &S10Number) -> GatewayResult<Vec<TrackingEvent>>;
}

/// Knobs of the postal simulator. The `*_after_secs` are offsets from the waybill's creation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PostSettings {
    /// The S10 service indicator (`EA`: EMS).
    pub service_indicator: String,
    /// The serial of the first waybill.
    pub first_serial: u32,
    /// Where items are accepted (the EMS office of the issuing authority).
    pub origin: AreaCode,
    pub accepted_after_secs: u64,
    pub in_transit_after_secs: u64,
    pub arrived_after_secs: u64,
    pub out_for_delivery_after_secs: u64,
    pub delivered_after_secs: u64,
    /// Share of tracking numbers whose delivery fails (chosen by the number).
    pub delivery_failure_rate: f64,
    /// Share of `create_waybill` calls that fail as "unavailable".
    pub failure_rate: f64,
    pub seed: u64,
}

impl Default for PostSettings {
    fn default() -> Self {
        PostSettings {
            service_indicator: "EA".into(),
            first_serial: 10_000_001,
            origin: AreaCode::parse("310115").expect("Pudong"),
            accepted_after_secs: 60,
            in_transit_after_secs: 5 * 60,
            arrived_after_secs: 10 * 60,
            out_for_delivery_after_secs: 15 * 60,
            delivered_after_secs: 25 * 60,
            delivery_failure_rate: 0.0,
            failure_rate: 0.0,
            seed: 1,
        }
    }
}

/// A waybill as the simulator keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipment {
    #[serde(deserialize_with = "serde_util::s10")]
    pub tracking_number: S10Number,
    pub waybill: Waybill,
    pub created_at: Timestamp,
}

#[derive(Default, Serialize, Deserialize)]
struct PostState {
    next_serial: u32,
    /// By tracking number.
    shipments: BTreeMap<String, Shipment>,
    /// Tracking number by reference.
    #[serde(skip)]
    by_reference: HashMap<String, S10Number>,
}

/// The simulated post.
pub struct PostSimulator {
    state: Arc<RwLock<PostState>>,
    settings: PostSettings,
    clock: Arc<dyn Clock>,
    faults: Faults,
    persister: Option<Persister>,
}

impl PostSimulator {
    pub fn new(settings: PostSettings, clock: Arc<dyn Clock>) -> PostSimulator {
        let faults = Faults::new(System::Post, 0, settings.failure_rate, settings.seed);
        let state = PostState {
            next_serial: settings.first_serial,
            shipments: BTreeMap::new(),
            by_reference: HashMap::new(),
        };
        PostSimulator {
            state: Arc::new(RwLock::new(state)),
            settings,
            clock,
            faults,
            persister: None,
        }
    }

    /// Keeps the waybills in `path`, loading what is there.
    pub fn persisted(
        mut self,
        path: PathBuf,
        debounce: Duration,
    ) -> Result<PostSimulator, SnapshotError> {
        if let Some(mut loaded) = snapshot::load::<PostState>(&path)? {
            loaded.by_reference = loaded
                .shipments
                .values()
                .map(|s| (s.waybill.reference.clone(), s.tracking_number.clone()))
                .collect();
            *self.write() = loaded;
        }
        let state = self.state.clone();
        self.persister = Some(Persister::spawn(path, debounce, move || {
            let state = state.read().unwrap_or_else(|e| e.into_inner());
            serde_json::to_vec(&*state).expect("waybills serialise")
        }));
        Ok(self)
    }

    fn read(&self) -> RwLockReadGuard<'_, PostState> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, PostState> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Every shipment, by tracking number.
    pub fn shipments(&self) -> Vec<Shipment> {
        self.read().shipments.values().cloned().collect()
    }

    /// One shipment.
    pub fn shipment(&self, tracking_number: &S10Number) -> Option<Shipment> {
        self.read().shipments.get(tracking_number.as_str()).cloned()
    }

    /// Whether delivery of this item will fail.
    pub fn will_fail(&self, tracking_number: &S10Number) -> bool {
        share(
            self.settings.seed,
            u64::from(tracking_number.serial()),
            self.settings.delivery_failure_rate,
        )
    }

    /// The whole journey of a shipment, including events still to come.
    pub fn journey(&self, shipment: &Shipment) -> Vec<TrackingEvent> {
        let s = &self.settings;
        let at = |secs: u64| shipment.created_at + chrono::Duration::seconds(secs as i64);
        let destination = shipment.waybill.destination;
        let last = if self.will_fail(&shipment.tracking_number) {
            TrackingEventKind::DeliveryFailed
        } else {
            TrackingEventKind::Delivered
        };
        vec![
            TrackingEvent {
                at: at(s.accepted_after_secs),
                kind: TrackingEventKind::Accepted,
                location: s.origin,
            },
            TrackingEvent {
                at: at(s.in_transit_after_secs),
                kind: TrackingEventKind::InTransit,
                location: s.origin,
            },
            TrackingEvent {
                at: at(s.arrived_after_secs),
                kind: TrackingEventKind::InTransit,
                location: destination,
            },
            TrackingEvent {
                at: at(s.out_for_delivery_after_secs),
                kind: TrackingEventKind::OutForDelivery,
                location: destination,
            },
            TrackingEvent {
                at: at(s.delivered_after_secs),
                kind: last,
                location: destination,
            },
        ]
    }

    /// Writes the snapshot now, if there is one.
    pub fn flush(&self) -> std::io::Result<()> {
        self.persister.as_ref().map_or(Ok(()), Persister::flush)
    }
}

#[async_trait]
impl PostalService for PostSimulator {
    async fn create_waybill(&self, waybill: Waybill) -> GatewayResult<S10Number> {
        self.faults.call().await?;
        if waybill.address.trim().is_empty() || waybill.reference.trim().is_empty() {
            return Err(GatewayError::rejected(System::Post, "missing_field"));
        }
        let mut state = self.write();
        if let Some(existing) = state.by_reference.get(&waybill.reference) {
            return Ok(existing.clone());
        }
        let serial = state.next_serial;
        let tracking_number = S10Number::build(&self.settings.service_indicator, serial, "CN")
            .map_err(|_| GatewayError::rejected(System::Post, "serials_exhausted"))?;
        state.next_serial += 1;
        state
            .by_reference
            .insert(waybill.reference.clone(), tracking_number.clone());
        state.shipments.insert(
            tracking_number.as_str().to_owned(),
            Shipment {
                tracking_number: tracking_number.clone(),
                waybill,
                created_at: self.clock.now(),
            },
        );
        drop(state);
        if let Some(p) = &self.persister {
            p.changed();
        }
        Ok(tracking_number)
    }

    async fn track(&self, tracking_number: &S10Number) -> GatewayResult<Vec<TrackingEvent>> {
        let shipment = self
            .shipment(tracking_number)
            .ok_or_else(|| GatewayError::not_found(System::Post, tracking_number.as_str()))?;
        let now = self.clock.now();
        Ok(self
            .journey(&shipment)
            .into_iter()
            .filter(|e| e.at <= now)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use chrono::{TimeZone, Utc};

    fn clock() -> Arc<ManualClock> {
        Arc::new(ManualClock::new(
            Utc.with_ymd_and_hms(2026, 11, 25, 2, 0, 0).unwrap(),
        ))
    }

    fn waybill(reference: &str) -> Waybill {
        Waybill {
            recipient: PersonName::parse("陈静怡").unwrap(),
            phone: MobileNumber::parse("13800000001").unwrap(),
            address: "上海市徐汇区漕溪北路1号".into(),
            destination: AreaCode::parse("310104").unwrap(),
            postcode: Some("200030".into()),
            reference: reference.into(),
            postage: Postage::RecipientPays,
        }
    }

    fn kinds(events: &[TrackingEvent]) -> Vec<&'static str> {
        events.iter().map(|e| e.kind.code()).collect()
    }

    #[tokio::test]
    async fn tracking_progresses_as_the_clock_moves() {
        let clock = clock();
        let post = PostSimulator::new(PostSettings::default(), clock.clone());
        let number = post.create_waybill(waybill("WB-1")).await.unwrap();
        assert_eq!(number.as_str(), "EA100000017CN");
        assert!(S10Number::parse(number.as_str()).is_ok());
        assert_eq!(post.create_waybill(waybill("WB-1")).await.unwrap(), number);
        let second = post.create_waybill(waybill("WB-2")).await.unwrap();
        assert_eq!(second.serial(), number.serial() + 1);

        assert!(post.track(&number).await.unwrap().is_empty());
        let steps = [
            (60, vec!["accepted"]),
            (5 * 60, vec!["accepted", "in_transit"]),
            (10 * 60, vec!["accepted", "in_transit", "in_transit"]),
            (
                15 * 60,
                vec!["accepted", "in_transit", "in_transit", "out_for_delivery"],
            ),
            (
                25 * 60,
                vec![
                    "accepted",
                    "in_transit",
                    "in_transit",
                    "out_for_delivery",
                    "delivered",
                ],
            ),
        ];
        let start = clock.now();
        for (secs, expected) in steps {
            clock.set(start + chrono::Duration::seconds(secs - 1));
            let before = post.track(&number).await.unwrap();
            assert_eq!(before.len(), expected.len() - 1, "just before {secs} s");
            clock.set(start + chrono::Duration::seconds(secs));
            let events = post.track(&number).await.unwrap();
            assert_eq!(kinds(&events), expected, "at {secs} s");
        }
        let events = post.track(&number).await.unwrap();
        assert_eq!(events[0].location.to_string(), "310115");
        assert_eq!(events[4].location.to_string(), "310104");
        assert!(events.windows(2).all(|w| w[0].at <= w[1].at));
        assert!(events.last().unwrap().kind.is_final());
        let unknown = S10Number::build("EA", 99, "CN").unwrap();
        assert!(matches!(
            post.track(&unknown).await,
            Err(GatewayError::NotFound { .. })
        ));
    }

    #[tokio::test]
    async fn a_deterministic_share_of_deliveries_fails() {
        let clock = clock();
        let post = PostSimulator::new(
            PostSettings {
                delivery_failure_rate: 0.2,
                ..PostSettings::default()
            },
            clock.clone(),
        );
        let mut numbers = Vec::new();
        for i in 0..200 {
            numbers.push(
                post.create_waybill(waybill(&format!("WB-{i}")))
                    .await
                    .unwrap(),
            );
        }
        clock.advance(chrono::Duration::hours(1));
        let mut failed = 0;
        for n in &numbers {
            let events = post.track(n).await.unwrap();
            let last = events.last().unwrap().kind;
            assert!(last.is_final());
            if last == TrackingEventKind::DeliveryFailed {
                failed += 1;
                assert!(post.will_fail(n));
            }
        }
        assert!((20..60).contains(&failed), "{failed}");
        // The same numbers fail in another simulator with the same seed.
        let again = PostSimulator::new(
            PostSettings {
                delivery_failure_rate: 0.2,
                ..PostSettings::default()
            },
            clock,
        );
        assert_eq!(
            numbers.iter().filter(|n| again.will_fail(n)).count(),
            failed
        );
    }

    #[tokio::test]
    async fn waybills_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("post.json");
        let clock = clock();
        let number = {
            let post = PostSimulator::new(PostSettings::default(), clock.clone())
                .persisted(path.clone(), Duration::from_millis(1))
                .unwrap();
            post.create_waybill(waybill("WB-1")).await.unwrap()
        };
        clock.advance(chrono::Duration::hours(1));
        let post = PostSimulator::new(PostSettings::default(), clock)
            .persisted(path, Duration::from_millis(1))
            .unwrap();
        assert_eq!(post.track(&number).await.unwrap().len(), 5);
        assert_eq!(post.shipment(&number).unwrap().waybill, waybill("WB-1"));
        let next = post.create_waybill(waybill("WB-2")).await.unwrap();
        assert_eq!(next.serial(), number.serial() + 1);
    }
}
