//! Clocks: the deadlines that run while one party is the one to act.
//!
//! A [`Clock`] records when it started, every pause and resume, and when it stopped. It is either
//! not started, running, paused or stopped — one at a time, by construction. Measuring a clock
//! (elapsed, remaining, paused since, overdue) needs the working-day calendar for the
//! working-day budgets; see [`Clock::reading`].
//!
//! wangban's four clocks:
//! - **review** — 7 working days from submission to the review decision, paused while the
//!   applicant is correcting;
//! - **correction** — 7 calendar days for the applicant to answer a correction request;
//! - **payment** — 7 calendar days for the applicant to pay after approval;
//! - **production** — 3 working days from payment to the document being produced.

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

/// Which of wangban's clocks this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    Review,
    Correction,
    Payment,
    Production,
}

impl ClockKind {
    pub const ALL: [ClockKind; 4] = [
        ClockKind::Review,
        ClockKind::Correction,
        ClockKind::Payment,
        ClockKind::Production,
    ];
}

/// Where a clock is now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ClockStatus {
    NotStarted,
    Running { since: Timestamp },
    Paused { since: Timestamp },
    Stopped { at: Timestamp },
}

/// A clock operation that does not fit the clock's status (for example pausing a stopped clock,
/// or an instant earlier than the clock's last event).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("clock {kind:?} cannot {op} while {status:?}")]
pub struct ClockError {
    pub kind: ClockKind,
    pub op: &'static str,
    pub status: ClockStatus,
}

/// One interval during which the clock ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    pub start: Timestamp,
    /// `None` while the clock is running in this segment.
    pub end: Option<Timestamp>,
}

/// A deadline clock: its kind, and the intervals during which it ran.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clock {
    pub kind: ClockKind,
    segments: Vec<Segment>,
    stopped_at: Option<Timestamp>,
}

impl Clock {
    pub fn new(kind: ClockKind) -> Self {
        Clock {
            kind,
            segments: Vec::new(),
            stopped_at: None,
        }
    }

    /// The intervals during which the clock ran, in order.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    pub fn status(&self) -> ClockStatus {
        if let Some(at) = self.stopped_at {
            return ClockStatus::Stopped { at };
        }
        match self.segments.last() {
            None => ClockStatus::NotStarted,
            Some(Segment { start, end: None }) => ClockStatus::Running { since: *start },
            Some(Segment {
                end: Some(since), ..
            }) => ClockStatus::Paused { since: *since },
        }
    }

    /// When the clock first started.
    pub fn started_at(&self) -> Option<Timestamp> {
        self.segments.first().map(|s| s.start)
    }

    fn last_event(&self) -> Option<Timestamp> {
        self.stopped_at.or_else(|| {
            self.segments
                .last()
                .map(|s| s.end.unwrap_or(s.start))
        })
    }

    fn refuse(&self, op: &'static str) -> ClockError {
        ClockError {
            kind: self.kind,
            op,
            status: self.status(),
        }
    }

    fn check_order(&self, op: &'static str, at: Timestamp) -> Result<(), ClockError> {
        match self.last_event() {
            Some(last) if at < last => Err(self.refuse(op)),
            _ => Ok(()),
        }
    }

    /// Starts a clock that has never run. A stopped clock can be started again (a new
    /// correction round, say): it forgets its earlier run.
    pub fn start(&mut self, at: Timestamp) -> Result<(), ClockError> {
        match self.status() {
            ClockStatus::NotStarted => {}
            ClockStatus::Stopped { .. } => {
                self.check_order("start", at)?;
                self.segments.clear();
                self.stopped_at = None;
            }
            _ => return Err(self.refuse("start")),
        }
        self.segments.push(Segment {
            start: at,
            end: None,
        });
        Ok(())
    }

    pub fn pause(&mut self, at: Timestamp) -> Result<(), ClockError> {
        if !matches!(self.status(), ClockStatus::Running { .. }) {
            return Err(self.refuse("pause"));
        }
        self.check_order("pause", at)?;
        if let Some(seg) = self.segments.last_mut() {
            seg.end = Some(at);
        }
        Ok(())
    }

    pub fn resume(&mut self, at: Timestamp) -> Result<(), ClockError> {
        if !matches!(self.status(), ClockStatus::Paused { .. }) {
            return Err(self.refuse("resume"));
        }
        self.check_order("resume", at)?;
        self.segments.push(Segment {
            start: at,
            end: None,
        });
        Ok(())
    }

    /// Stops a running or paused clock for good.
    pub fn stop(&mut self, at: Timestamp) -> Result<(), ClockError> {
        match self.status() {
            ClockStatus::Running { .. } => {
                self.check_order("stop", at)?;
                if let Some(seg) = self.segments.last_mut() {
                    seg.end = Some(at);
                }
            }
            ClockStatus::Paused { .. } => self.check_order("stop", at)?,
            _ => return Err(self.refuse("stop")),
        }
        self.stopped_at = Some(at);
        Ok(())
    }
}
