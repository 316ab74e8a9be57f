//! Ports to the systems wangban does not own, each with a built-in simulator that behaves like
//! the real thing, so that the whole service runs and is tested on one machine.
//!
//! Owned here: the port traits (`#[async_trait]`, used as `Arc<dyn Port>`), their wire formats,
//! the simulators, the demo citizens and the synthetic population. Not here: what the service
//! does with the answers — attempt limits, deadlines, retries of failed calls, idempotent
//! handling of notifications, texts shown on pages (`wangban-server`, `wangban-core`).
//!
//! | port | module | simulator |
//! |---|---|---|
//! | [`CitizenRegistry`] | [`registry`] | [`RegistrySimulator`] |
//! | [`IdentityProofing`] | [`proofing`] | [`ProofingSimulator`] |
//! | [`PaymentProvider`] | [`payment`] | [`PaymentSimulator`] |
//! | [`SmsSender`] | [`sms`] | [`SmsSimulator`] |
//! | [`PostalService`] | [`post`] | [`PostSimulator`] |
//! | [`ProductionCentre`] | [`production`] | [`ProductionSimulator`] |
//! | [`Clock`] | [`clock`] | [`ManualClock`] (tests), [`SystemClock`] |
//!
//! Every port call returns a [`GatewayError`] when it fails: `Unavailable` and `Timeout` are
//! [retryable](GatewayError::is_retryable) (the ports are idempotent, so repeating is safe),
//! `Rejected` carries a stable reason code, `NotFound` names what is unknown. Nothing in this
//! crate is shown to people except SMS texts, which come from the core catalogue (`sms-*`).
//!
//! # The simulators
//!
//! **Citizen registry** ([`registry`]). People in memory: the demo citizens of
//! `demo/citizens.toml` (one per document kind × reason, one per way of being turned away, one
//! whose face never matches; dates relative to the day it starts; listed in this crate's
//! README), and optionally a synthetic population of any size for load tests
//! ([`registry::synthetic`]: valid and distinct ID numbers, plausible shares, reproducible by
//! seed). Lost reports, cancellations and issued documents change the record. Knobs:
//! `demo_citizens`, `synthetic_population`, `synthetic_seed`,
//! `latency_ms`, `failure_rate`.
//!
//! **Identity proofing** ([`proofing`]). Checks the capture (JPEG/PNG magic bytes, size), the
//! ID number (known to the registry), the name (the one on record), liveness and the face, and
//! answers `verified`, `name_mismatch`, `unknown_id` or `capture_rejected` with `not_an_image`,
//! `too_small`, `too_large`, `no_liveness` or `face_mismatch`. Knobs: `latency_ms`,
//! `failure_rate`, `min_capture_bytes`, `max_capture_bytes`, `liveness_failure_rate`, `seed`.
//!
//! **Payment** ([`payment`]). Orders with a hosted page (`/sim/pay/{id}`), signed notifications
//! (`Wangban-Signature: t=…,v1=HMAC-SHA256`) POSTed to the server from a background task,
//! retried with exponential backoff until a 2xx and given up after the last attempt; on
//! request delivered late, twice, or with a stale "pending" notification after the "paid" one;
//! a query call; orders that expire. Knobs: `secret`, `signature_tolerance_secs`,
//! `pay_url_base`, `order_ttl_secs`, `notify_delay_ms`, `duplicate_deliveries`,
//! `out_of_order`, `max_attempts`, `initial_backoff_ms`, `max_backoff_ms`,
//! `request_timeout_ms`.
//!
//! **SMS** ([`sms`]). Templates in zh-CN and en from the catalogue; an outbox (recipient, text,
//! template, time, status) for `/sim/sms` and the API; transient failures at a seeded rate.
//! Knobs: `failure_rate`, `seed`, `latency_ms`, `outbox_capacity`.
//!
//! **Post** ([`post`]). EMS waybills (`EA…CN`, UPU S10 check digit, postage paid by the
//! recipient), tracking events appearing as the clock passes each leg, a deterministic share of
//! failed deliveries. Knobs: `service_indicator`, `first_serial`, `origin`,
//! `accepted_after_secs`, `in_transit_after_secs`, `arrived_after_secs`,
//! `out_for_delivery_after_secs`, `delivered_after_secs`, `delivery_failure_rate`,
//! `failure_rate`, `seed`.
//!
//! **Production centre** ([`production`]). Takes an order after payment and produces it after
//! the configured time, with a new, unique number in the kind's format and the core's validity.
//! Knobs: `duration_secs`, `failure_rate`, `seed`.
//!
//! # Configuration and state
//!
//! [`SimulatorSettings`] (`deny_unknown_fields`; every field has a default that runs, with no
//! latency and no failures, which suits tests; [`SimulatorSettings::realistic`] turns on the
//! misbehaviour of real systems for a demo). In the server's configuration file:
//!
//! ```toml
//! [simulators]
//! snapshot_debounce_ms = 100
//! [simulators.registry]
//! synthetic_population = 100000
//! [simulators.payment]
//! secret = "change me"
//! duplicate_deliveries = 1
//! out_of_order = true
//! [simulators.sms]
//! failure_rate = 0.05
//! [simulators.post]
//! delivery_failure_rate = 0.05
//! [simulators.production]
//! duration_secs = 60
//! ```
//!
//! External systems keep their state when wangban restarts: given a folder (the server passes
//! `<data>/sim/`), [`Simulators::start`] loads and keeps one JSON snapshot per simulator
//! (`registry.json` — only the people changed through the port —, `payment.json`, `sms.json`,
//! `post.json`, `production.json`), replaced atomically shortly after each change; payment
//! notifications not yet delivered resume after a restart. [`Simulators::gateways`] gives the
//! server the ports as `Arc<dyn …>`; the concrete simulators stay reachable for the `/sim/*`
//! pages (pay an order, read the outbox, reset the demo citizens).

pub mod clock;
pub mod error;
pub mod payment;
pub mod post;
pub mod production;
pub mod proofing;
pub mod registry;
mod serde_util;
mod sim;
pub mod sms;
pub mod snapshot;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{GatewayError, GatewayResult, System};
pub use payment::{PaymentProvider, PaymentSettings, PaymentSimulator};
pub use post::{PostSettings, PostSimulator, PostalService};
pub use production::{ProductionCentre, ProductionSettings, ProductionSimulator};
pub use proofing::{IdentityProofing, ProofingSettings, ProofingSimulator};
pub use registry::demo::{DemoCitizen, demo_citizen, demo_citizens};
pub use registry::{CitizenRegistry, RegistryPerson, RegistrySettings, RegistrySimulator};
pub use sms::{SmsSender, SmsSettings, SmsSimulator};
pub use snapshot::SnapshotError;

/// The settings of every simulator (the `[simulators]` section of the server's configuration).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SimulatorSettings {
    /// How long changes are gathered before a snapshot is written. 0: an order created or
    /// paid and an SMS accepted are written before they are answered (for tests that kill
    /// the process, e.g. `wangban loadtest --kills`).
    pub snapshot_debounce_ms: u64,
    pub registry: RegistrySettings,
    pub proofing: ProofingSettings,
    pub payment: PaymentSettings,
    pub sms: SmsSettings,
    pub post: PostSettings,
    pub production: ProductionSettings,
}

impl Default for SimulatorSettings {
    fn default() -> Self {
        SimulatorSettings {
            snapshot_debounce_ms: 100,
            registry: RegistrySettings::default(),
            proofing: ProofingSettings::default(),
            payment: PaymentSettings::default(),
            sms: SmsSettings::default(),
            post: PostSettings::default(),
            production: ProductionSettings::default(),
        }
    }
}

impl SimulatorSettings {
    /// External systems as they are: slow proofing, late and duplicated payment notifications
    /// (and a stale one after them), a few SMS failures and failed deliveries. For demos; the
    /// defaults, without any of that, are for tests.
    pub fn realistic() -> SimulatorSettings {
        let d = SimulatorSettings::default();
        SimulatorSettings {
            registry: RegistrySettings {
                latency_ms: 50,
                ..d.registry
            },
            proofing: ProofingSettings {
                latency_ms: 1200,
                liveness_failure_rate: 0.1,
                ..d.proofing
            },
            payment: PaymentSettings {
                notify_delay_ms: 1500,
                duplicate_deliveries: 1,
                out_of_order: true,
                ..d.payment
            },
            sms: SmsSettings {
                latency_ms: 100,
                failure_rate: 0.05,
                ..d.sms
            },
            post: PostSettings {
                delivery_failure_rate: 0.05,
                ..d.post
            },
            ..d
        }
    }
}

/// The ports, as the server uses them.
#[derive(Clone)]
pub struct Gateways {
    pub clock: Arc<dyn Clock>,
    pub registry: Arc<dyn CitizenRegistry>,
    pub proofing: Arc<dyn IdentityProofing>,
    pub payment: Arc<dyn PaymentProvider>,
    pub sms: Arc<dyn SmsSender>,
    pub post: Arc<dyn PostalService>,
    pub production: Arc<dyn ProductionCentre>,
}

/// Every simulator, built and wired together.
#[derive(Clone)]
pub struct Simulators {
    pub clock: Arc<dyn Clock>,
    pub registry: Arc<RegistrySimulator>,
    pub proofing: Arc<ProofingSimulator>,
    pub payment: Arc<PaymentSimulator>,
    pub sms: Arc<SmsSimulator>,
    pub post: Arc<PostSimulator>,
    pub production: Arc<ProductionSimulator>,
}

impl Simulators {
    /// Builds every simulator from `settings`, reading time from `clock`. With a `state_dir`,
    /// each keeps its state in a snapshot file there (the folder is created), and what is there
    /// is loaded. Call it inside a Tokio runtime, so that payment notifications left undelivered
    /// by the previous run resume at once.
    pub fn start(
        settings: &SimulatorSettings,
        clock: Arc<dyn Clock>,
        state_dir: Option<PathBuf>,
    ) -> Result<Simulators, SnapshotError> {
        let debounce = Duration::from_millis(settings.snapshot_debounce_ms);
        if let Some(dir) = &state_dir {
            snapshot::ensure_folder(dir)?;
        }
        let file = |name: &str| state_dir.as_ref().map(|d| d.join(name));

        let mut registry = RegistrySimulator::new(&settings.registry, clock.clone());
        let mut payment = PaymentSimulator::new(settings.payment.clone(), clock.clone());
        let mut sms = SmsSimulator::new(settings.sms.clone(), clock.clone());
        let mut post = PostSimulator::new(settings.post.clone(), clock.clone());
        let mut production = ProductionSimulator::new(settings.production.clone(), clock.clone());
        if let Some(path) = file("registry.json") {
            registry = registry.persisted(path, debounce)?;
        }
        if let Some(path) = file("payment.json") {
            payment = payment.persisted(path, debounce)?;
        }
        if let Some(path) = file("sms.json") {
            sms = sms.persisted(path, debounce)?;
        }
        if let Some(path) = file("post.json") {
            post = post.persisted(path, debounce)?;
        }
        if let Some(path) = file("production.json") {
            production = production.persisted(path, debounce)?;
        }
        let registry = Arc::new(registry);
        let proofing = Arc::new(ProofingSimulator::new(
            registry.clone(),
            settings.proofing.clone(),
        ));
        Ok(Simulators {
            clock,
            registry,
            proofing,
            payment: Arc::new(payment),
            sms: Arc::new(sms),
            post: Arc::new(post),
            production: Arc::new(production),
        })
    }

    /// The ports, for the server.
    pub fn gateways(&self) -> Gateways {
        Gateways {
            clock: self.clock.clone(),
            registry: self.registry.clone(),
            proofing: self.proofing.clone(),
            payment: self.payment.clone(),
            sms: self.sms.clone(),
            post: self.post.clone(),
            production: self.production.clone(),
        }
    }

    /// Writes every snapshot now (at shutdown; they are also written shortly after each change).
    pub fn flush(&self) -> std::io::Result<()> {
        self.registry.flush()?;
        self.payment.flush()?;
        self.sms.flush()?;
        self.post.flush()?;
        self.production.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_read_from_toml_with_defaults_and_refuse_unknown_keys() {
        let s: SimulatorSettings = toml::from_str(
            r#"
            snapshot_debounce_ms = 5
            [registry]
            synthetic_population = 1000
            [payment]
            secret = "s3cret"
            duplicate_deliveries = 1
            out_of_order = true
            [post]
            delivery_failure_rate = 0.05
            origin = "310101"
            [production]
            duration_secs = 30
            "#,
        )
        .unwrap();
        assert_eq!(s.registry.synthetic_population, 1000);
        assert!(s.registry.demo_citizens);
        assert_eq!(s.payment.secret, "s3cret");
        assert_eq!(s.payment.max_attempts, 8);
        assert_eq!(s.post.origin.to_string(), "310101");
        assert_eq!(s.production.duration_secs, 30);
        assert_eq!(s.sms, SmsSettings::default());
        for bad in [
            "colour = 1",
            "[payment]\nsecrt = \"x\"",
            "[post]\norigin = \"99\"",
            "[sms]\nfailure_rate = \"high\"",
        ] {
            assert!(toml::from_str::<SimulatorSettings>(bad).is_err(), "{bad}");
        }
        assert_ne!(SimulatorSettings::realistic(), SimulatorSettings::default());
        // The default runs without waiting or failing anywhere.
        let d = SimulatorSettings::default();
        assert_eq!(
            (
                d.proofing.latency_ms,
                d.sms.failure_rate,
                d.post.delivery_failure_rate
            ),
            (0, 0.0, 0.0)
        );
    }
}
