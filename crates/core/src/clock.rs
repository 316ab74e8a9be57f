//! Clocks: the deadlines that run while one party is the one to act.
//!
//! A [`Clock`] records when it started, every pause and resume, and when it stopped. It is either
//! not started, running, paused or stopped — one at a time, by construction. Measuring a clock
//! (elapsed, remaining, paused since, overdue) needs the working-day calendar for the
//! working-day budgets; see [`Clock::reading`].
//!
//! wangban's four clocks (their [`ClockKind::default_budget`]):
//! - **review** — 7 working days from submission to the review decision, paused while the
//!   applicant is correcting;
//! - **correction** — 7 calendar days for the applicant to answer a correction request;
//! - **payment** — 7 calendar days for the applicant to pay after approval;
//! - **production** — 3 working days from payment to the document being produced.
//!
//! # How days are counted
//!
//! Deadlines are day-granular, as in Chinese administrative practice, on civil dates in
//! Asia/Shanghai ([`crate::time`]):
//!
//! 1. **The start day does not count** (期限开始之日不计算在内): counting begins with the day
//!    after the civil date on which the clock first started.
//! 2. **A day is consumed when the clock was running at its end.** A day `d` after the start
//!    date counts — if it is a working day, for a [`Budget::WorkingDays`] budget; any day, for a
//!    [`Budget::CalendarDays`] one — once the instant `time::end_of_day(d)` (00:00 of the next
//!    day) has passed *and* the clock was running up to it: some running interval
//!    `(start, end]` contains it. A pause from Tuesday 10:00 to Thursday 09:00 therefore gives
//!    back Tuesday and Wednesday, and Thursday counts. A pause at exactly midnight keeps the day
//!    that just ended; a resumption at exactly midnight does not get the day before back.
//! 3. **The due date** is the civil date on which the budget's last day is consumed. For a clock
//!    that has not used up its budget, it is projected assuming the clock runs from the reading
//!    on (a paused clock: as if resumed now; a clock not started: as if started now); for one
//!    that has, it is the date on which the budget ran out; a stopped clock keeps the due date it
//!    had when it stopped. Without pauses this is `start date + n days` for calendar days and
//!    `add_working_days(start date, n)` for working days.
//! 4. **A deadline is met by anything strictly before the end of the due date**
//!    (`time::end_of_day(due)`, 16:00 UTC): the reading is **overdue** when the clock ran
//!    (until now, or until it stopped) to the end of the due date or beyond — that is, when the
//!    budget is used up. A clock paused after its budget ran out stays overdue.
//!
//! Calendar-day clocks never pause in wangban's use; the same rule applies if they do.
//! Reading a working-day clock needs the calendar for every date it counts: a date without data
//! is [`CalendarError::NoData`] (or, with the `WeekendsOnly` policy, a provisional reading).

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::calendar::{CalendarError, WorkingCalendar, with_date};
use crate::i18n::{Localize, Message};
use crate::time::{Timestamp, civil_date, end_of_day, start_of_day};

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

    /// The stable code (also the catalogue's `$kind`).
    pub fn code(self) -> &'static str {
        match self {
            ClockKind::Review => "review",
            ClockKind::Correction => "correction",
            ClockKind::Payment => "payment",
            ClockKind::Production => "production",
        }
    }

    /// The budget the service description gives this clock: review 7 and production 3 working
    /// days, correction and payment 7 calendar days. Outer crates may configure others.
    pub fn default_budget(self) -> Budget {
        match self {
            ClockKind::Review => Budget::WorkingDays(7),
            ClockKind::Production => Budget::WorkingDays(3),
            ClockKind::Correction | ClockKind::Payment => Budget::CalendarDays(7),
        }
    }
}

/// How long a clock may run, in days of one kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "unit", content = "days", rename_all = "snake_case")]
pub enum Budget {
    /// Working days of the statutory calendar.
    WorkingDays(u32),
    /// Every day counts.
    CalendarDays(u32),
}

impl Budget {
    /// The number of days, whatever their kind.
    pub fn days(self) -> u32 {
        match self {
            Budget::WorkingDays(n) | Budget::CalendarDays(n) => n,
        }
    }

    /// The stable code of the unit (also the catalogue's `$unit`).
    pub fn unit(self) -> &'static str {
        match self {
            Budget::WorkingDays(_) => "working_days",
            Budget::CalendarDays(_) => "calendar_days",
        }
    }
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
        self.stopped_at
            .or_else(|| self.segments.last().map(|s| s.end.unwrap_or(s.start)))
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

/// Counting days of one budget's kind.
struct Counter<'a> {
    budget: Budget,
    calendar: &'a WorkingCalendar,
}

impl Counter<'_> {
    /// The counted days in `first..=last` (0 when `last < first`).
    fn count(&self, first: NaiveDate, last: NaiveDate) -> Result<i64, CalendarError> {
        match self.budget {
            Budget::WorkingDays(_) => self.calendar.working_days_in(first, last),
            Budget::CalendarDays(_) => Ok(((last - first).num_days() + 1).max(0)),
        }
    }

    fn counts(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        match self.budget {
            Budget::WorkingDays(_) => self.calendar.is_working_day(date),
            Budget::CalendarDays(_) => Ok(true),
        }
    }

    /// The k-th counted day strictly after `anchor` (`anchor` itself for k = 0).
    fn nth_after(&self, anchor: NaiveDate, k: i64) -> Result<NaiveDate, CalendarError> {
        match self.budget {
            Budget::WorkingDays(_) => {
                let k = i32::try_from(k).map_err(|_| CalendarError::OutOfRange)?;
                self.calendar.add_working_days(anchor, k)
            }
            Budget::CalendarDays(_) => u64::try_from(k)
                .ok()
                .and_then(|k| anchor.checked_add_days(chrono::Days::new(k)))
                .ok_or(CalendarError::OutOfRange),
        }
    }

    /// Whether counting `first..=last` relied on the calendar's fallback for years without data.
    fn provisional(&self, first: NaiveDate, last: NaiveDate) -> bool {
        matches!(self.budget, Budget::WorkingDays(_)) && !self.calendar.covers_range(first, last)
    }
}

fn saturating_u32(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// A clock measured at one instant, in its budget's unit (see the module documentation for how
/// days are counted). The API returns it as JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reading {
    pub kind: ClockKind,
    pub budget: Budget,
    /// Not started, running since, paused since or stopped at (`status` plus `since` / `at`).
    #[serde(flatten)]
    pub status: ClockStatus,
    /// The civil date on which the clock first started (a day that does not count).
    pub started_on: Option<NaiveDate>,
    /// Days consumed: counted days whose end has passed while the clock ran.
    pub elapsed: u32,
    /// "Day k of n": the ordinal of the counted day in progress — today, if the clock is running
    /// and today counts; for a stopped clock, the day on which it stopped, if that counted.
    /// `None` on the start day, on days that do not count and while paused.
    pub day: Option<u32>,
    /// Budget minus elapsed; negative once the clock ran past its budget.
    pub remaining: i64,
    /// The due date (projected, for a clock with days left; see the module documentation).
    pub due: NaiveDate,
    /// The instant the deadline is met strictly before: the end of the due date in Shanghai.
    pub due_by: Timestamp,
    /// The clock ran to the end of the due date or beyond.
    pub overdue: bool,
    /// Counted days begun after the due date (0 when not overdue, and on the first days after
    /// the due date that do not count).
    pub overdue_by: u32,
    /// Counted days given back by pauses: days after the start date that ended while the clock
    /// was paused. `elapsed + paused_total` is every counted day ended since the start date.
    pub paused_total: u32,
    /// Some counted date is not covered by the loaded holiday notices (only possible with the
    /// calendar's `WeekendsOnly` policy): the working days are a provisional count.
    pub provisional: bool,
}

impl Clock {
    /// The clock measured at `now` against `budget` (see the module documentation). `now` is
    /// expected at or after the clock's last event; a stopped clock is measured at its stop.
    pub fn reading(
        &self,
        budget: Budget,
        now: Timestamp,
        calendar: &WorkingCalendar,
    ) -> Result<Reading, CalendarError> {
        let counter = Counter { budget, calendar };
        let n = i64::from(budget.days());
        let status = self.status();
        let Some(started_at) = self.started_at() else {
            let today = civil_date(now);
            let due = counter.nth_after(today, n)?;
            return Ok(Reading {
                kind: self.kind,
                budget,
                status,
                started_on: None,
                elapsed: 0,
                day: None,
                remaining: n,
                due,
                due_by: end_of_day(due),
                overdue: false,
                overdue_by: 0,
                paused_total: 0,
                provisional: counter.provisional(today, due),
            });
        };
        let start_date = civil_date(started_at);
        let first_counted = start_date.succ_opt().ok_or(CalendarError::OutOfRange)?;
        let horizon = match status {
            ClockStatus::Stopped { at } => at.min(now),
            _ => now,
        };
        // The running intervals (start, end], up to the horizon.
        let runs: Vec<(Timestamp, Timestamp)> = self
            .segments
            .iter()
            .filter_map(|s| {
                let end = s.end.unwrap_or(horizon).min(horizon);
                (s.start < end).then_some((s.start, end))
            })
            .collect();

        // A run (from, to] consumes the days whose end it contains: civil(from) ..= civil(to) − 1.
        let mut elapsed = 0;
        let mut ran_out = (n == 0).then_some(start_date);
        for &(from, to) in &runs {
            let first = civil_date(from).max(first_counted);
            let Some(last) = civil_date(to).pred_opt() else {
                continue;
            };
            let consumed = counter.count(first, last)?;
            if ran_out.is_none() && elapsed + consumed >= n {
                let before = first.pred_opt().ok_or(CalendarError::OutOfRange)?;
                ran_out = Some(counter.nth_after(before, n - elapsed)?);
            }
            elapsed += consumed;
        }

        let today = civil_date(horizon);
        let last_ended = today.pred_opt().ok_or(CalendarError::OutOfRange)?;
        let due = match ran_out {
            Some(date) => date,
            // The days still to count begin today (or the day after the start date).
            None => counter.nth_after(last_ended.max(start_date), n - elapsed)?,
        };
        let ran_until_horizon = matches!(
            status,
            ClockStatus::Running { .. } | ClockStatus::Stopped { .. }
        ) && runs
            .last()
            .is_some_and(|&(from, to)| to == horizon && from.max(start_of_day(today)) < horizon);
        let in_progress = ran_until_horizon && today > start_date && counter.counts(today)?;
        let paused_total = counter.count(first_counted, last_ended)? - elapsed;

        Ok(Reading {
            kind: self.kind,
            budget,
            status,
            started_on: Some(start_date),
            elapsed: saturating_u32(elapsed),
            day: in_progress.then(|| saturating_u32(elapsed + 1)),
            remaining: n - elapsed,
            due,
            due_by: end_of_day(due),
            overdue: horizon >= end_of_day(due),
            overdue_by: saturating_u32(elapsed + i64::from(in_progress) - n),
            paused_total: saturating_u32(paused_total),
            provisional: counter.provisional(first_counted, due.max(today)),
        })
    }
}

impl Localize for Reading {
    /// "Review: working day 2 of 7 (due 10 June).", "Pay by 3 June.", "Review: paused since
    /// 3 June — waiting for you.", "Review: overdue by 2 working days (due 3 June)." …
    fn message(&self) -> Message {
        let message = |key: &'static str| {
            Message::new(key)
                .with("kind", self.kind.code())
                .with("unit", self.budget.unit())
                .with("budget", self.budget.days())
                .with("due", self.due)
                .with("due_month", self.due.month())
                .with("due_day", self.due.day())
                .with("due_weekday", self.due.weekday().number_from_monday())
        };
        match self.status {
            ClockStatus::NotStarted => message("clock-not-started"),
            ClockStatus::Stopped { at } => {
                let key = if self.overdue {
                    "clock-stopped-late"
                } else {
                    "clock-stopped-on-time"
                };
                with_date(message(key), civil_date(at))
            }
            _ if self.overdue && self.overdue_by > 0 => {
                message("clock-overdue-by").with("late", self.overdue_by)
            }
            _ if self.overdue => message("clock-overdue-since"),
            ClockStatus::Paused { since } => with_date(message("clock-paused"), civil_date(since)),
            ClockStatus::Running { .. } => match (self.kind, self.day) {
                (ClockKind::Payment, _) => message("clock-pay-by"),
                (ClockKind::Correction, _) => message("clock-correct-by"),
                (_, Some(day)) => message("clock-running-day").with("day", day),
                (_, None) => message("clock-running-used").with("elapsed", self.elapsed),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::YearsWithoutData;
    use crate::i18n::{Locale, has_key};
    use crate::time::shanghai;
    use chrono::{Days, TimeZone, Utc};
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// An instant given in Shanghai local time.
    fn sh(y: i32, m: u32, day: u32, h: u32, min: u32) -> Timestamp {
        shanghai()
            .with_ymd_and_hms(y, m, day, h, min, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn cal() -> WorkingCalendar {
        crate::calendar::test_calendar()
    }

    fn review() -> Budget {
        ClockKind::Review.default_budget()
    }

    /// Review started on Friday 6 Feb 2026, correction requested Friday 13 Feb, corrected after
    /// the Spring Festival on Tuesday 24 Feb.
    fn review_over_spring_festival() -> Clock {
        let mut clock = Clock::new(ClockKind::Review);
        clock.start(sh(2026, 2, 6, 10, 0)).unwrap();
        clock.pause(sh(2026, 2, 13, 10, 0)).unwrap();
        clock.resume(sh(2026, 2, 24, 9, 0)).unwrap();
        clock
    }

    #[test]
    fn default_budgets_follow_the_service_description() {
        assert_eq!(ClockKind::Review.default_budget(), Budget::WorkingDays(7));
        assert_eq!(
            ClockKind::Production.default_budget(),
            Budget::WorkingDays(3)
        );
        assert_eq!(
            ClockKind::Correction.default_budget(),
            Budget::CalendarDays(7)
        );
        assert_eq!(ClockKind::Payment.default_budget(), Budget::CalendarDays(7));
        let json = serde_json::to_value(Budget::WorkingDays(7)).unwrap();
        assert_eq!(json, serde_json::json!({"unit": "working_days", "days": 7}));
        let back: Budget = serde_json::from_value(json).unwrap();
        assert_eq!(back, Budget::WorkingDays(7));
    }

    #[test]
    fn review_paused_over_the_spring_festival_gives_the_paused_days_back() {
        let c = cal();
        let clock = review_over_spring_festival();
        // Without the pause the review would be due on Tuesday 24 Feb: Mon 9 … Fri 13,
        // the working Saturday 14, then (after the festival) the 24th.
        let mut straight = Clock::new(ClockKind::Review);
        straight.start(sh(2026, 2, 6, 10, 0)).unwrap();
        let r = straight
            .reading(review(), sh(2026, 2, 12, 12, 0), &c)
            .unwrap();
        assert_eq!(r.due, d(2026, 2, 24));

        // Just after the pause: 9–12 Feb consumed (4); projected as if resumed now.
        let mut paused = Clock::new(ClockKind::Review);
        paused.start(sh(2026, 2, 6, 10, 0)).unwrap();
        paused.pause(sh(2026, 2, 13, 10, 0)).unwrap();
        let r = paused
            .reading(review(), sh(2026, 2, 13, 12, 0), &c)
            .unwrap();
        assert_eq!(
            (r.elapsed, r.day, r.remaining, r.paused_total),
            (4, None, 3, 0)
        );
        assert_eq!(r.due, d(2026, 2, 24));
        assert_eq!(
            r.localize(Locale::En),
            "Review: paused since 13 February — waiting for you."
        );
        assert_eq!(
            r.localize(Locale::ZhCn),
            "审核：自2月13日起暂停计时，等待您处理。"
        );
        // During the festival: Friday 13 and Saturday 14 (a working day) were given back.
        let r = paused
            .reading(review(), sh(2026, 2, 20, 12, 0), &c)
            .unwrap();
        assert_eq!((r.elapsed, r.paused_total, r.remaining), (4, 2, 3));
        assert_eq!(r.due, d(2026, 2, 26));
        assert!(!r.overdue);

        // Resumed on the 24th: on the 25th, the 24th is consumed and the 25th is day 6 of 7.
        let r = clock.reading(review(), sh(2026, 2, 25, 12, 0), &c).unwrap();
        assert_eq!(
            r.status,
            ClockStatus::Running {
                since: sh(2026, 2, 24, 9, 0)
            }
        );
        assert_eq!(r.started_on, Some(d(2026, 2, 6)));
        assert_eq!(
            (r.elapsed, r.day, r.remaining, r.paused_total),
            (5, Some(6), 2, 2)
        );
        assert_eq!(r.due, d(2026, 2, 26));
        assert_eq!(
            r.due_by,
            Utc.with_ymd_and_hms(2026, 2, 26, 16, 0, 0).unwrap()
        );
        assert!(!r.overdue && !r.provisional);
        assert_eq!(
            r.localize(Locale::En),
            "Review: working day 6 of 7 (due 26 February)."
        );
        assert_eq!(
            r.localize(Locale::ZhCn),
            "审核：第6个工作日（共7个工作日），2月26日到期。"
        );

        // Overdue from the end of 26 Feb in Shanghai (16:00 UTC).
        let before = Utc.with_ymd_and_hms(2026, 2, 26, 15, 59, 59).unwrap();
        let r = clock.reading(review(), before, &c).unwrap();
        assert!(!r.overdue);
        assert_eq!((r.elapsed, r.day), (6, Some(7)));
        let at = Utc.with_ymd_and_hms(2026, 2, 26, 16, 0, 0).unwrap();
        let r = clock.reading(review(), at, &c).unwrap();
        assert!(r.overdue);
        assert_eq!((r.elapsed, r.remaining, r.overdue_by), (7, 0, 0));
        assert_eq!(
            r.localize(Locale::En),
            "Review: overdue since the end of 26 February."
        );
        let r = clock.reading(review(), sh(2026, 3, 2, 10, 0), &c).unwrap();
        // Fri 27 Feb consumed, Mon 2 Mar in progress; Sat 28 Feb was a working day too.
        assert_eq!(
            (r.elapsed, r.day, r.remaining, r.overdue_by),
            (9, Some(10), -2, 3)
        );
        assert_eq!(
            r.localize(Locale::En),
            "Review: overdue by 3 working days (due 26 February)."
        );
        assert_eq!(
            r.localize(Locale::ZhCn),
            "审核：已超期3个工作日（2月26日到期）。"
        );
        let r = clock.reading(review(), sh(2026, 2, 27, 10, 0), &c).unwrap();
        assert_eq!(
            r.localize(Locale::En),
            "Review: overdue by 1 working day (due 26 February)."
        );
    }

    #[test]
    fn a_pause_from_tuesday_morning_to_thursday_morning_gives_back_tuesday_and_wednesday() {
        let c = cal();
        let mut clock = Clock::new(ClockKind::Review);
        clock.start(sh(2025, 3, 7, 15, 0)).unwrap(); // a Friday
        clock.pause(sh(2025, 3, 11, 10, 0)).unwrap(); // Tuesday
        clock.resume(sh(2025, 3, 13, 9, 0)).unwrap(); // Thursday
        let r = clock.reading(review(), sh(2025, 3, 14, 8, 0), &c).unwrap();
        // Monday and Thursday consumed; Tuesday and Wednesday given back; Friday is day 3.
        assert_eq!((r.elapsed, r.paused_total, r.day), (2, 2, Some(3)));
        // Due: Fri 14, Mon 17, Tue 18, Wed 19, Thu 20 → day 7 on Thursday 20 March.
        assert_eq!(r.due, d(2025, 3, 20));
    }

    #[test]
    fn midnight_pauses_and_resumptions() {
        let c = cal();
        // Paused at exactly the end of Monday: Monday was run to its end and counts.
        let mut clock = Clock::new(ClockKind::Review);
        clock.start(sh(2025, 3, 7, 15, 0)).unwrap();
        clock.pause(sh(2025, 3, 11, 0, 0)).unwrap();
        let r = clock.reading(review(), sh(2025, 3, 12, 12, 0), &c).unwrap();
        assert_eq!((r.elapsed, r.paused_total), (1, 1));
        // Resumed at exactly the end of Wednesday: Wednesday is not counted.
        clock.resume(sh(2025, 3, 13, 0, 0)).unwrap();
        let r = clock.reading(review(), sh(2025, 3, 13, 12, 0), &c).unwrap();
        assert_eq!((r.elapsed, r.paused_total, r.day), (1, 2, Some(2)));
    }

    #[test]
    fn production_from_payment_on_the_friday_before_the_spring_festival() {
        let c = cal();
        let budget = ClockKind::Production.default_budget();
        let mut clock = Clock::new(ClockKind::Production);
        clock.start(sh(2026, 2, 13, 15, 0)).unwrap();
        // Saturday 14 Feb is a working day (1), then 15–23 off, Tuesday 24 (2), Wednesday 25 (3).
        let r = clock.reading(budget, sh(2026, 2, 13, 16, 0), &c).unwrap();
        assert_eq!(r.due, d(2026, 2, 25));
        assert_eq!((r.elapsed, r.day, r.remaining), (0, None, 3));
        assert_eq!(
            r.localize(Locale::En),
            "Production: 0 of 3 working days used (due 25 February)."
        );
        let r = clock.reading(budget, sh(2026, 2, 14, 11, 0), &c).unwrap();
        assert_eq!(r.day, Some(1));
        assert_eq!(
            r.localize(Locale::ZhCn),
            "制证：第1个工作日（共3个工作日），2月25日到期。"
        );
        let r = clock.reading(budget, sh(2026, 2, 18, 11, 0), &c).unwrap();
        assert_eq!(
            (r.elapsed, r.day, r.remaining, r.due),
            (1, None, 2, d(2026, 2, 25))
        );

        let mut on_time = clock.clone();
        on_time.stop(sh(2026, 2, 25, 11, 0)).unwrap();
        let r = on_time.reading(budget, sh(2026, 3, 10, 9, 0), &c).unwrap();
        assert!(!r.overdue);
        assert_eq!((r.elapsed, r.day, r.due), (2, Some(3), d(2026, 2, 25)));
        assert_eq!(
            r.localize(Locale::En),
            "Production: done on 25 February, within the deadline (25 February)."
        );
        // A stopped clock reads the same at any later instant.
        assert_eq!(
            r,
            on_time.reading(budget, sh(2026, 3, 2, 9, 0), &c).unwrap()
        );

        let mut late = clock.clone();
        late.stop(sh(2026, 2, 26, 9, 0)).unwrap();
        let r = late.reading(budget, sh(2026, 3, 2, 9, 0), &c).unwrap();
        assert!(r.overdue);
        assert_eq!((r.due, r.overdue_by), (d(2026, 2, 25), 1));
        assert_eq!(
            r.localize(Locale::ZhCn),
            "制证：于2月26日完成，已超期（2月25日到期）。"
        );
    }

    #[test]
    fn correction_clock_of_seven_calendar_days_and_the_end_of_the_due_day() {
        let c = cal();
        let budget = ClockKind::Correction.default_budget();
        let mut clock = Clock::new(ClockKind::Correction);
        clock.start(sh(2026, 6, 1, 10, 0)).unwrap();
        let r = clock.reading(budget, sh(2026, 6, 3, 9, 0), &c).unwrap();
        assert_eq!(r.due, d(2026, 6, 8));
        assert_eq!((r.elapsed, r.day, r.remaining), (1, Some(2), 6));
        assert_eq!(r.localize(Locale::En), "Correct and resubmit by 8 June.");
        assert_eq!(
            r.localize(Locale::ZhCn),
            "请于6月8日24时前完成补正并重新提交。"
        );
        // 23:59:59 on 8 June in Shanghai is 15:59:59 UTC: still in time.
        let r = clock
            .reading(
                budget,
                Utc.with_ymd_and_hms(2026, 6, 8, 15, 59, 59).unwrap(),
                &c,
            )
            .unwrap();
        assert!(!r.overdue);
        assert_eq!((r.elapsed, r.day), (6, Some(7)));
        let r = clock
            .reading(
                budget,
                Utc.with_ymd_and_hms(2026, 6, 8, 16, 0, 0).unwrap(),
                &c,
            )
            .unwrap();
        assert!(r.overdue);
        assert_eq!((r.elapsed, r.remaining), (7, 0));
        let r = clock.reading(budget, sh(2026, 6, 10, 9, 0), &c).unwrap();
        assert_eq!((r.overdue_by, r.remaining), (2, -1));
        assert_eq!(
            r.localize(Locale::En),
            "Correction: overdue by 2 days (due 8 June)."
        );
    }

    #[test]
    fn payment_clock_needs_no_holiday_data() {
        // Calendar days count whatever the calendar: 2027 has no data, the payment clock runs.
        let c = cal();
        let budget = ClockKind::Payment.default_budget();
        let mut clock = Clock::new(ClockKind::Payment);
        clock.start(sh(2027, 1, 30, 20, 0)).unwrap();
        let r = clock.reading(budget, sh(2027, 2, 1, 9, 0), &c).unwrap();
        assert_eq!(r.due, d(2027, 2, 6));
        assert!(!r.provisional);
        assert_eq!(r.localize(Locale::En), "Pay by 6 February.");
        assert_eq!(r.localize(Locale::ZhCn), "请于2月6日24时前完成缴费。");
        // A working-day clock there is an error, or provisional with the fallback.
        let mut clock = Clock::new(ClockKind::Production);
        clock.start(sh(2027, 1, 30, 20, 0)).unwrap();
        let budget = ClockKind::Production.default_budget();
        let now = sh(2027, 2, 1, 9, 0);
        assert_eq!(
            clock.reading(budget, now, &c),
            Err(CalendarError::NoData { year: 2027 })
        );
        let fallback = c.with_policy(YearsWithoutData::WeekendsOnly);
        let r = clock.reading(budget, now, &fallback).unwrap();
        assert!(r.provisional);
        assert_eq!(r.due, d(2027, 2, 3));
    }

    #[test]
    fn a_clock_not_started_projects_from_now() {
        let c = cal();
        let clock = Clock::new(ClockKind::Production);
        let r = clock
            .reading(
                ClockKind::Production.default_budget(),
                sh(2026, 2, 13, 15, 0),
                &c,
            )
            .unwrap();
        assert_eq!(r.status, ClockStatus::NotStarted);
        assert_eq!((r.elapsed, r.remaining, r.overdue), (0, 3, false));
        assert_eq!(r.due, d(2026, 2, 25));
        assert_eq!(r.localize(Locale::En), "Production: not started.");
    }

    #[test]
    fn reading_serialises_for_the_api() {
        let c = cal();
        let r = review_over_spring_festival()
            .reading(review(), sh(2026, 2, 25, 12, 0), &c)
            .unwrap();
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["kind"], "review");
        assert_eq!(json["status"], "running");
        assert_eq!(json["since"], "2026-02-24T01:00:00Z");
        assert_eq!(
            json["budget"],
            serde_json::json!({"unit": "working_days", "days": 7})
        );
        assert_eq!(json["due"], "2026-02-26");
        assert_eq!(json["elapsed"], 5);
        assert_eq!(json["day"], 6);
        assert_eq!(json["remaining"], 2);
        assert_eq!(json["paused_total"], 2);
        assert_eq!(json["overdue"], false);
    }

    #[test]
    fn every_reading_message_is_in_the_catalogue() {
        let c = cal();
        let mut readings = Vec::new();
        for kind in ClockKind::ALL {
            let budget = kind.default_budget();
            let mut clock = Clock::new(kind);
            readings.push(clock.reading(budget, sh(2025, 3, 3, 9, 0), &c).unwrap());
            clock.start(sh(2025, 3, 3, 10, 0)).unwrap();
            for now in [
                sh(2025, 3, 3, 11, 0),
                sh(2025, 3, 5, 11, 0),
                sh(2025, 3, 9, 11, 0),
            ] {
                readings.push(clock.reading(budget, now, &c).unwrap());
            }
            readings.push(clock.reading(budget, sh(2025, 4, 1, 11, 0), &c).unwrap());
            let mut paused = clock.clone();
            paused.pause(sh(2025, 3, 4, 10, 0)).unwrap();
            readings.push(paused.reading(budget, sh(2025, 3, 5, 11, 0), &c).unwrap());
            clock.stop(sh(2025, 3, 4, 10, 0)).unwrap();
            readings.push(clock.reading(budget, sh(2025, 3, 5, 11, 0), &c).unwrap());
        }
        for r in &readings {
            assert!(has_key(r.code()), "{}", r.code());
            for locale in Locale::ALL {
                let text = r.localize(locale);
                assert!(!text.contains('{') && !text.contains('$'), "{text}");
            }
        }
    }

    fn covered_start() -> impl Strategy<Value = Timestamp> {
        // Starts from 2023-01-01 to late 2025, so that every deadline stays within the data.
        (0u64..1000, 0u32..24, 0u32..60).prop_map(|(day, h, m)| {
            let date = d(2023, 1, 1) + Days::new(day);
            sh(date.year(), date.month(), date.day(), h, m)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn elapsed_is_bounded_and_pausing_never_brings_the_due_date_forward(
            start in covered_start(),
            run_minutes in 0i64..(30 * 24 * 60),
            pause_minutes in 0i64..(20 * 24 * 60),
            after_minutes in 0i64..(20 * 24 * 60),
            resumed in any::<bool>(),
        ) {
            let c = cal();
            let minutes = chrono::Duration::minutes;
            let pause_at = start + minutes(run_minutes);
            let resume_at = pause_at + minutes(pause_minutes);
            let now = resume_at + minutes(after_minutes);

            let mut straight = Clock::new(ClockKind::Review);
            straight.start(start).unwrap();
            let mut paused = straight.clone();
            paused.pause(pause_at).unwrap();
            if resumed {
                paused.resume(resume_at).unwrap();
            }
            let a = straight.reading(review(), now, &c).unwrap();
            let b = paused.reading(review(), now, &c).unwrap();

            let bound = c.working_days_between(civil_date(start), civil_date(now)).unwrap();
            prop_assert!(i64::from(a.elapsed) <= bound);
            prop_assert!(b.elapsed <= a.elapsed);
            prop_assert!(b.due >= a.due, "{} < {}", b.due, a.due);
            prop_assert!(!b.overdue || a.overdue);
            prop_assert_eq!(a.paused_total, 0);
            // Every counted day ended since the start date was either consumed or given back.
            let ended = c
                .working_days_in(civil_date(start).succ_opt().unwrap(), civil_date(now).pred_opt().unwrap())
                .unwrap();
            prop_assert_eq!(i64::from(b.elapsed + b.paused_total), ended);
            prop_assert_eq!(i64::from(a.elapsed), ended);
            // The projection agrees with the calendar when nothing was paused.
            if !a.overdue {
                prop_assert_eq!(a.due, c.add_working_days(civil_date(start), 7).unwrap());
            }
        }
    }
}
