//! Real-person authentication (实人认证): the name and ID number a person types, and a live
//! capture of their face, checked against the national ID record.
//!
//! [`IdentityProofing::verify`] answers with a [`ProofingOutcome`]; only
//! [`ProofingOutcome::Verified`] lets the person go on. The port does not count attempts: the
//! server does, and offers the way forward (a reception hall) after the last one.
//!
//! [`ProofingSimulator`] checks, in the order a real service does:
//! 1. the capture is an image: JPEG (`FF D8 FF`) or PNG (`89 50 4E 47 0D 0A 1A 0A`) magic
//!    bytes, else `not_an_image`; at least `min_capture_bytes`, else `too_small`; at most
//!    `max_capture_bytes`, else `too_large`;
//! 2. the ID number is in the registry, else [`ProofingOutcome::UnknownId`];
//! 3. the name is the name on record, else [`ProofingOutcome::NameMismatch`];
//! 4. liveness: a capture containing the ASCII marker `NO-LIVENESS` (so a demo page can make
//!    one), or one of a deterministic share `liveness_failure_rate` of captures (by content:
//!    the same bytes always give the same answer), fails with `no_liveness`;
//! 5. the face matches the ID photo: fails with `face_mismatch` for people the registry
//!    simulator marks so (the demo citizen `face-mismatch`).
//!
//! Knobs: `latency_ms` (a real check takes a second or two), `failure_rate` (transient
//! "unavailable"), the capture sizes and the liveness failure rate.

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use wangban_core::id_number::IdNumber;
use wangban_core::name::PersonName;

use crate::error::{GatewayResult, System};
use crate::registry::{CitizenRegistry, RegistrySimulator};
use crate::sim::{Faults, fnv1a, share};

/// What the person submitted.
#[derive(Clone)]
pub struct ProofingRequest {
    pub name: PersonName,
    pub id_number: IdNumber,
    /// The live capture (an image from the camera).
    pub capture: Bytes,
}

impl std::fmt::Debug for ProofingRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProofingRequest")
            .field("name", &self.name)
            .field("id_number", &self.id_number)
            .field("capture_bytes", &self.capture.len())
            .finish()
    }
}

/// Why a live capture was not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaptureProblem {
    /// Not a JPEG or PNG image.
    NotAnImage,
    /// Too few bytes to hold a usable face.
    TooSmall,
    /// More bytes than the service accepts.
    TooLarge,
    /// The capture does not show a live person (a photo of a photo, a replay, bad light).
    NoLiveness,
    /// The face does not match the photo of the ID record.
    FaceMismatch,
}

impl CaptureProblem {
    pub fn code(self) -> &'static str {
        match self {
            CaptureProblem::NotAnImage => "not_an_image",
            CaptureProblem::TooSmall => "too_small",
            CaptureProblem::TooLarge => "too_large",
            CaptureProblem::NoLiveness => "no_liveness",
            CaptureProblem::FaceMismatch => "face_mismatch",
        }
    }
}

/// The answer of real-person authentication.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ProofingOutcome {
    Verified,
    /// The name is not the one on record for that ID number.
    NameMismatch,
    /// No one has that ID number.
    UnknownId,
    CaptureRejected {
        reason: CaptureProblem,
    },
}

impl ProofingOutcome {
    /// A stable code: `verified`, `name_mismatch`, `unknown_id`, `capture_rejected.<reason>`.
    pub fn code(self) -> &'static str {
        match self {
            ProofingOutcome::Verified => "verified",
            ProofingOutcome::NameMismatch => "name_mismatch",
            ProofingOutcome::UnknownId => "unknown_id",
            ProofingOutcome::CaptureRejected { reason } => match reason {
                CaptureProblem::NotAnImage => "capture_rejected.not_an_image",
                CaptureProblem::TooSmall => "capture_rejected.too_small",
                CaptureProblem::TooLarge => "capture_rejected.too_large",
                CaptureProblem::NoLiveness => "capture_rejected.no_liveness",
                CaptureProblem::FaceMismatch => "capture_rejected.face_mismatch",
            },
        }
    }

    pub fn is_verified(self) -> bool {
        self == ProofingOutcome::Verified
    }
}

/// The identity-proofing port.
#[async_trait]
pub trait IdentityProofing: Send + Sync {
    async fn verify(&self, request: ProofingRequest) -> GatewayResult<ProofingOutcome>;
}

/// Knobs of the identity-proofing simulator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProofingSettings {
    /// Added to every check.
    pub latency_ms: u64,
    /// Share of checks that fail as "unavailable".
    pub failure_rate: f64,
    /// Captures below this size are `too_small`.
    pub min_capture_bytes: usize,
    /// Captures above this size are `too_large`.
    pub max_capture_bytes: usize,
    /// Share of captures (chosen by their content) that fail the liveness check.
    pub liveness_failure_rate: f64,
    /// Seed of the injected failures.
    pub seed: u64,
}

impl Default for ProofingSettings {
    fn default() -> Self {
        ProofingSettings {
            latency_ms: 0,
            failure_rate: 0.0,
            min_capture_bytes: 1024,
            max_capture_bytes: 10 * 1024 * 1024,
            liveness_failure_rate: 0.0,
            seed: 1,
        }
    }
}

/// The ASCII marker that makes a capture fail the liveness check.
pub const NO_LIVENESS_MARKER: &[u8] = b"NO-LIVENESS";

const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF];
const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

/// Checks captures against the registry simulator.
pub struct ProofingSimulator {
    registry: Arc<RegistrySimulator>,
    settings: ProofingSettings,
    faults: Faults,
}

impl ProofingSimulator {
    pub fn new(registry: Arc<RegistrySimulator>, settings: ProofingSettings) -> ProofingSimulator {
        let faults = Faults::new(
            System::Proofing,
            settings.latency_ms,
            settings.failure_rate,
            settings.seed,
        );
        ProofingSimulator {
            registry,
            settings,
            faults,
        }
    }

    fn capture_problem(&self, capture: &[u8]) -> Option<CaptureProblem> {
        if !(capture.starts_with(JPEG) || capture.starts_with(PNG)) {
            return Some(CaptureProblem::NotAnImage);
        }
        if capture.len() < self.settings.min_capture_bytes {
            return Some(CaptureProblem::TooSmall);
        }
        if capture.len() > self.settings.max_capture_bytes {
            return Some(CaptureProblem::TooLarge);
        }
        None
    }

    fn live(&self, capture: &[u8]) -> bool {
        let marked = capture
            .windows(NO_LIVENESS_MARKER.len())
            .any(|w| w == NO_LIVENESS_MARKER);
        !marked
            && !share(
                self.settings.seed,
                fnv1a(capture),
                self.settings.liveness_failure_rate,
            )
    }
}

#[async_trait]
impl IdentityProofing for ProofingSimulator {
    async fn verify(&self, request: ProofingRequest) -> GatewayResult<ProofingOutcome> {
        self.faults.call().await?;
        let rejected = |reason| Ok(ProofingOutcome::CaptureRejected { reason });
        if let Some(problem) = self.capture_problem(&request.capture) {
            return rejected(problem);
        }
        let Some(person) = self.registry.person(&request.id_number).await? else {
            return Ok(ProofingOutcome::UnknownId);
        };
        if person.name != request.name {
            return Ok(ProofingOutcome::NameMismatch);
        }
        if !self.live(&request.capture) {
            return rejected(CaptureProblem::NoLiveness);
        }
        if self.registry.face_mismatch(&request.id_number) {
            return rejected(CaptureProblem::FaceMismatch);
        }
        Ok(ProofingOutcome::Verified)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::registry::demo::demo_citizen;
    use chrono::{TimeZone, Utc};
    use wangban_core::time::Timestamp;

    fn sim(settings: ProofingSettings) -> ProofingSimulator {
        let at: Timestamp = Utc.with_ymd_and_hms(2026, 11, 25, 2, 0, 0).unwrap();
        let registry = Arc::new(RegistrySimulator::with_demo_citizens(Arc::new(
            ManualClock::new(at),
        )));
        ProofingSimulator::new(registry, settings)
    }

    /// A JPEG-looking capture of `size` bytes whose content depends on `salt`.
    fn jpeg(size: usize, salt: u8) -> Bytes {
        let mut b = JPEG.to_vec();
        b.extend((0..size - 3).map(|i| (i as u8).wrapping_mul(31).wrapping_add(salt)));
        Bytes::from(b)
    }

    fn request(key: &str, name: &str, capture: Bytes) -> ProofingRequest {
        ProofingRequest {
            name: PersonName::parse(name).unwrap(),
            id_number: demo_citizen(key).unwrap().id_number.clone(),
            capture,
        }
    }

    #[tokio::test]
    async fn the_right_person_with_a_live_capture_is_verified() {
        let s = sim(ProofingSettings::default());
        let outcome = s
            .verify(request("passport-expiring", "陈静怡", jpeg(4096, 1)))
            .await
            .unwrap();
        assert_eq!(outcome, ProofingOutcome::Verified);
        let mut png = PNG.to_vec();
        png.resize(2048, 7);
        let outcome = s
            .verify(request("hkmo-damaged", "古丽米拉·阿不都", Bytes::from(png)))
            .await
            .unwrap();
        assert!(outcome.is_verified());
    }

    #[tokio::test]
    async fn fails_the_way_a_real_service_does() {
        let s = sim(ProofingSettings::default());
        let wrong_name = s
            .verify(request("passport-expiring", "陈静", jpeg(4096, 1)))
            .await
            .unwrap();
        assert_eq!(wrong_name, ProofingOutcome::NameMismatch);
        let unknown = ProofingRequest {
            name: PersonName::parse("张三").unwrap(),
            id_number: IdNumber::parse("11010519491231002X", chrono::NaiveDate::MAX).unwrap(),
            capture: jpeg(4096, 1),
        };
        assert_eq!(s.verify(unknown).await.unwrap(), ProofingOutcome::UnknownId);
        let cases = [
            (
                Bytes::from_static(b"GIF89a not a face at all, really not"),
                "capture_rejected.not_an_image",
            ),
            (jpeg(500, 1), "capture_rejected.too_small"),
            (jpeg(11 * 1024 * 1024, 1), "capture_rejected.too_large"),
        ];
        for (capture, code) in cases {
            let outcome = s
                .verify(request("passport-expiring", "陈静怡", capture))
                .await
                .unwrap();
            assert_eq!(outcome.code(), code);
        }
        // A capture problem is reported before anything is looked up.
        let outcome = s
            .verify(request(
                "passport-expiring",
                "陈静",
                Bytes::from_static(b"text"),
            ))
            .await
            .unwrap();
        assert_eq!(outcome.code(), "capture_rejected.not_an_image");

        let mut replay = jpeg(4096, 1).to_vec();
        replay.extend_from_slice(NO_LIVENESS_MARKER);
        let outcome = s
            .verify(request("passport-expiring", "陈静怡", Bytes::from(replay)))
            .await
            .unwrap();
        assert_eq!(outcome.code(), "capture_rejected.no_liveness");
        let outcome = s
            .verify(request("face-mismatch", "曹阳", jpeg(4096, 1)))
            .await
            .unwrap();
        assert_eq!(
            outcome,
            ProofingOutcome::CaptureRejected {
                reason: CaptureProblem::FaceMismatch
            }
        );
    }

    #[tokio::test]
    async fn liveness_fails_for_a_share_of_captures_always_the_same_ones() {
        let s = sim(ProofingSettings {
            liveness_failure_rate: 0.5,
            ..ProofingSettings::default()
        });
        let mut failed = Vec::new();
        for salt in 0..40u8 {
            let outcome = s
                .verify(request("passport-expiring", "陈静怡", jpeg(2048, salt)))
                .await
                .unwrap();
            if !outcome.is_verified() {
                assert_eq!(outcome.code(), "capture_rejected.no_liveness");
                failed.push(salt);
            }
        }
        assert!((8..32).contains(&failed.len()), "{failed:?}");
        // Another try with a new capture can pass; the same capture fails again.
        let again = s
            .verify(request(
                "passport-expiring",
                "陈静怡",
                jpeg(2048, failed[0]),
            ))
            .await
            .unwrap();
        assert!(!again.is_verified());
    }

    #[tokio::test]
    async fn unavailable_and_slow_when_configured() {
        let s = sim(ProofingSettings {
            failure_rate: 1.0,
            ..ProofingSettings::default()
        });
        let err = s
            .verify(request("passport-expiring", "陈静怡", jpeg(4096, 1)))
            .await
            .unwrap_err();
        assert!(err.is_retryable());
        let s = sim(ProofingSettings {
            latency_ms: 50,
            ..ProofingSettings::default()
        });
        let started = std::time::Instant::now();
        s.verify(request("passport-expiring", "陈静怡", jpeg(4096, 1)))
            .await
            .unwrap();
        assert!(started.elapsed() >= std::time::Duration::from_millis(50));
    }
}
