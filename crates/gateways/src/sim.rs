//! What every simulator shares: deterministic randomness, injected latency and failures.

use std::sync::Mutex;
use std::time::Duration;

use crate::error::{GatewayError, GatewayResult, System};

/// SplitMix64: a tiny, fast generator whose output depends only on the seed (not on a crate
/// version), so that synthetic populations and injected failures are reproducible.
#[derive(Clone, Debug)]
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        // Multiply-shift: unbiased enough for simulation, and branch-free.
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub(crate) fn between(&mut self, lo: i64, hi: i64) -> i64 {
        let span = hi.abs_diff(lo) + 1;
        lo + i64::try_from(self.below(span)).unwrap_or(0)
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        unit(self.next_u64()) < p
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// The SplitMix64 finaliser: a stateless hash of one word.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A hash in `[0, 1)`.
pub(crate) fn unit(hash: u64) -> f64 {
    (hash >> 11) as f64 / (1u64 << 53) as f64
}

/// A stateless decision: true for a share `rate` of the `key`s, always the same for one key.
pub(crate) fn share(seed: u64, key: u64, rate: f64) -> bool {
    unit(mix(seed ^ mix(key))) < rate
}

/// A 64-bit FNV-1a hash of bytes (stable across runs and versions).
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Injected latency and transient failures of one simulated system.
#[derive(Debug)]
pub(crate) struct Faults {
    system: System,
    latency: Duration,
    failure_rate: f64,
    rng: Mutex<SplitMix64>,
}

impl Faults {
    pub(crate) fn new(system: System, latency_ms: u64, failure_rate: f64, seed: u64) -> Faults {
        Faults {
            system,
            latency: Duration::from_millis(latency_ms),
            failure_rate: failure_rate.clamp(0.0, 1.0),
            rng: Mutex::new(SplitMix64::new(seed ^ mix(system as u64 + 1))),
        }
    }

    /// Waits the configured latency, then fails transiently for the configured share of calls
    /// (the sequence of failures is fixed by the seed).
    pub(crate) async fn call(&self) -> GatewayResult<()> {
        if !self.latency.is_zero() {
            tokio::time::sleep(self.latency).await;
        }
        if self.roll() {
            return Err(GatewayError::Unavailable {
                system: self.system,
                detail: "simulated transient failure".into(),
            });
        }
        Ok(())
    }

    /// Whether the next call fails.
    pub(crate) fn roll(&self) -> bool {
        if self.failure_rate <= 0.0 {
            return false;
        }
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        rng.chance(self.failure_rate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generator_is_deterministic_and_roughly_uniform() {
        let mut a = SplitMix64::new(7);
        let mut b = SplitMix64::new(7);
        let xs: Vec<u64> = (0..100).map(|_| a.below(10)).collect();
        let ys: Vec<u64> = (0..100).map(|_| b.below(10)).collect();
        assert_eq!(xs, ys);
        let mut counts = [0u32; 10];
        let mut r = SplitMix64::new(1);
        for _ in 0..100_000 {
            counts[r.below(10) as usize] += 1;
        }
        assert!(
            counts.iter().all(|&c| (9_000..11_000).contains(&c)),
            "{counts:?}"
        );
        for _ in 0..1000 {
            let v = r.between(-3, 3);
            assert!((-3..=3).contains(&v));
        }
    }

    #[test]
    fn share_picks_about_the_rate_and_always_the_same_keys() {
        let picked: Vec<u64> = (0..10_000).filter(|k| share(42, *k, 0.1)).collect();
        assert!((800..1200).contains(&picked.len()), "{}", picked.len());
        let again: Vec<u64> = (0..10_000).filter(|k| share(42, *k, 0.1)).collect();
        assert_eq!(picked, again);
        assert!(!(0..1000).any(|k| share(42, k, 0.0)));
    }

    #[tokio::test]
    async fn faults_fail_at_the_configured_rate() {
        let never = Faults::new(System::Sms, 0, 0.0, 1);
        for _ in 0..100 {
            assert!(never.call().await.is_ok());
        }
        let always = Faults::new(System::Sms, 0, 1.0, 1);
        let err = always.call().await.unwrap_err();
        assert!(err.is_retryable());
        let some = Faults::new(System::Sms, 0, 0.3, 9);
        let failures = (0..1000).filter(|_| some.roll()).count();
        assert!((220..380).contains(&failures), "{failures}");
    }
}
