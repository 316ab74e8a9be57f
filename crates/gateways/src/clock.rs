//! Where "now" comes from: a port, so that tests (and the demo) can move time.
//!
//! Every simulator reads time from a [`Clock`]: the production centre finishes an order when
//! the clock has moved past its production time, a parcel's tracking events appear as the clock
//! passes each leg, a payment notification is signed with the clock's time. A test holds an
//! `Arc<ManualClock>`, gives the simulators a clone as `Arc<dyn Clock>`, and advances it.

use std::sync::Mutex;
use std::time::SystemTime;

use chrono::{Duration, NaiveDate};
use wangban_core::time::{Timestamp, civil_date};

/// The source of the current instant.
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;

    /// Today's civil date in Shanghai.
    fn today(&self) -> NaiveDate {
        civil_date(self.now())
    }
}

/// The machine's wall clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::from(SystemTime::now())
    }
}

/// A clock that moves only when told to. Share it as `Arc<ManualClock>`; every holder sees
/// the same time.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<Timestamp>,
}

impl ManualClock {
    pub fn new(at: Timestamp) -> ManualClock {
        ManualClock {
            now: Mutex::new(at),
        }
    }

    /// Starting at the wall clock's current time.
    pub fn starting_now() -> ManualClock {
        ManualClock::new(SystemClock.now())
    }

    pub fn set(&self, at: Timestamp) {
        *self.lock() = at;
    }

    /// Moves the clock forward (or backward, for a negative duration) and returns the new time.
    pub fn advance(&self, by: Duration) -> Timestamp {
        let mut now = self.lock();
        *now += by;
        *now
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Timestamp> {
        // A panic while holding this lock cannot leave a timestamp half-written.
        self.now.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.lock()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use std::sync::Arc;

    #[test]
    fn manual_clock_is_shared_and_moves_when_told() {
        let start = Utc.with_ymd_and_hms(2026, 2, 13, 15, 30, 0).unwrap();
        let manual = Arc::new(ManualClock::new(start));
        let shared: Arc<dyn Clock> = manual.clone();
        assert_eq!(shared.now(), start);
        // 15:30 UTC is 23:30 in Shanghai; one more hour is the next civil day.
        assert_eq!(
            shared.today(),
            NaiveDate::from_ymd_opt(2026, 2, 13).unwrap()
        );
        manual.advance(Duration::hours(1));
        assert_eq!(
            shared.today(),
            NaiveDate::from_ymd_opt(2026, 2, 14).unwrap()
        );
        manual.set(start);
        assert_eq!(shared.now(), start);
    }

    #[test]
    fn system_clock_is_after_2024() {
        assert!(SystemClock.today() > NaiveDate::from_ymd_opt(2024, 1, 1).unwrap());
    }
}
