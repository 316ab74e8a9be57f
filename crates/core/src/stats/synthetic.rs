//! Synthetic application histories, for measuring and testing the statistics at a scale no test
//! can reach through the service (`wangban stats generate`, BENCHMARKS.md): never used by the
//! live path.
//!
//! Each history is what the service would have logged for one application: the actions of the
//! applicant, the reviewer, the payment provider, the production centre, the dispatch clerk, the
//! post and the deadline sweeper, in time order, each one a step the state machine accepts
//! ([`Application::apply`](crate::state::Application::apply); a test replays thousands). The
//! statistics of a history are then whatever [`super::deltas`] says of its actions — the
//! generator decides what happens, never what is counted.
//!
//! Every history is submitted (drafts abandoned before submission count nowhere, so they would
//! only cost time): `n` histories are `n` applications in the `applied` total. The same seed gives
//! the same histories on every machine (a SplitMix64 generator written out here, so no crate
//! upgrade can change them).
//!
//! What the generator assumes, roughly after the pilot's public report: kinds (passport 70 %,
//! Hong Kong/Macao 22 %, Taiwan 8 %), reasons (expiring 60 %, visa pages used up 15 % of
//! passports, lost 15 %, damaged 10 %), hukou districts in proportion to Shanghai's 2020 census,
//! mail 62 % / pickup 38 %; submissions on any day between 07:00 and 23:00, more in summer and
//! fewer at the Spring Festival, growing 10 % a year; officers act on working days of the
//! statutory calendar between 09:00 and 17:00. A review round asks for a correction 17 % of the
//! time the first round and 8 % later (one to three items, photo reasons most often), rejects
//! 2.5 % (4 % later) and approves the rest; a correction request goes unanswered for its 7 days
//! 9 % of the time, and an approved application goes unpaid for its 7 days 5 % of the time.
//! Production takes one to three working days. Actions that would fall after the span's last
//! day are not taken: the most recent applications are still under way, as on a real day.

use chrono::{Datelike, Duration, NaiveDate};

use super::Facets;
use crate::calendar::WorkingCalendar;
use crate::document::{DocumentKind, Reason};
use crate::fees::FeeSchedule;
use crate::postal::check_digit;
use crate::state::{
    Action, Actor, CorrectionItem, CorrectionReason, CorrectionSubject, DeliveryMethod, Event,
    RejectionReason,
};
use crate::time::{Timestamp, civil_date, end_of_day, start_of_day};

/// The days the histories happen in: submissions from `from`, no action after the end of
/// `until` (both inclusive, Shanghai dates).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub from: NaiveDate,
    pub until: NaiveDate,
}

impl Default for Span {
    /// 2023-01-01 to 2026-11-25: three years and eleven months, within the built-in calendar.
    fn default() -> Self {
        Span {
            from: NaiveDate::from_ymd_opt(2023, 1, 1).expect("a date"),
            until: NaiveDate::from_ymd_opt(2026, 11, 25).expect("a date"),
        }
    }
}

/// Why histories cannot be generated over a span.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SyntheticError {
    #[error("the span ends ({until}) before it starts ({from})")]
    EmptySpan { from: NaiveDate, until: NaiveDate },
    /// Officers' days and the durations need the working-day calendar of every day.
    #[error("the working-day calendar has no data for some days between {from} and {until}")]
    NotCovered { from: NaiveDate, until: NaiveDate },
}

/// One generated application: its facets, when its draft was made, and its log.
#[derive(Clone, Debug, PartialEq)]
pub struct SyntheticApplication {
    pub facets: Facets,
    pub created_at: Timestamp,
    pub log: Vec<Action>,
}

/// SplitMix64 (Steele, Lea and Flood 2014): small, fast, and fixed here.
#[derive(Clone, Debug)]
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// True `per_mille` times in a thousand.
    fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    /// One of `table`'s values, in proportion to its weight.
    fn pick<T: Copy>(&mut self, table: &[(T, u32)]) -> T {
        let total: u32 = table.iter().map(|(_, w)| w).sum();
        let mut r = self.below(u64::from(total)) as u32;
        for (v, w) in table {
            if r < *w {
                return *v;
            }
            r -= w;
        }
        table[table.len() - 1].0
    }
}

const KINDS: [(DocumentKind, u32); 3] = [
    (DocumentKind::Passport, 70),
    (DocumentKind::HkMacaoPermit, 22),
    (DocumentKind::TaiwanPermit, 8),
];

const PASSPORT_REASONS: [(Reason, u32); 4] = [
    (Reason::ExpiringSoon, 60),
    (Reason::VisaPagesUsedUp, 15),
    (Reason::LostOrStolen, 15),
    (Reason::Damaged, 10),
];

/// Visa pages are a passport's reason only.
const PERMIT_REASONS: [(Reason, u32); 3] = [
    (Reason::ExpiringSoon, 75),
    (Reason::LostOrStolen, 15),
    (Reason::Damaged, 10),
];

/// Shanghai's current districts, weighted by resident population (2020 census, in ten
/// thousands).
pub const DISTRICTS: [(&str, u32); 16] = [
    ("310101", 66),  // 黄浦
    ("310104", 111), // 徐汇
    ("310105", 69),  // 长宁
    ("310106", 98),  // 静安
    ("310107", 124), // 普陀
    ("310109", 76),  // 虹口
    ("310110", 125), // 杨浦
    ("310112", 265), // 闵行
    ("310113", 224), // 宝山
    ("310114", 183), // 嘉定
    ("310115", 568), // 浦东
    ("310116", 82),  // 金山
    ("310117", 191), // 松江
    ("310118", 127), // 青浦
    ("310120", 114), // 奉贤
    ("310151", 64),  // 崇明
];

/// The reasons a reviewer gives, photo problems most often; each with the item it is about.
const CORRECTIONS: [(CorrectionReason, u32); 15] = [
    (CorrectionReason::PhotoBackground, 22),
    (CorrectionReason::ImageUnclear, 14),
    (CorrectionReason::PhotoFraming, 10),
    (CorrectionReason::SignatureFormat, 10),
    (CorrectionReason::PhotoClothing, 7),
    (CorrectionReason::DataIncorrect, 7),
    (CorrectionReason::PhotoNotRecent, 5),
    (CorrectionReason::SignatureSpacing, 5),
    (CorrectionReason::PhotoRetouched, 4),
    (CorrectionReason::DataIncomplete, 4),
    (CorrectionReason::PhotoHeadCovering, 3),
    (CorrectionReason::IdCardMismatch, 3),
    (CorrectionReason::IdCardExpired, 2),
    (CorrectionReason::PhotoJewellery, 2),
    (CorrectionReason::Other, 2),
];

fn subject_of(reason: CorrectionReason) -> CorrectionSubject {
    use CorrectionReason as R;
    match reason {
        R::PhotoBackground
        | R::PhotoNotRecent
        | R::PhotoClothing
        | R::PhotoHeadCovering
        | R::PhotoJewellery
        | R::PhotoRetouched
        | R::PhotoFraming => CorrectionSubject::IdPhoto,
        R::SignatureFormat | R::SignatureSpacing => CorrectionSubject::Signature,
        R::ImageUnclear | R::IdCardMismatch | R::IdCardExpired => CorrectionSubject::IdCardFront,
        R::DataIncorrect | R::DataIncomplete => CorrectionSubject::Address,
        R::Other => CorrectionSubject::Other,
    }
}

/// Submissions by calendar month (January first): the Spring Festival's dip, the summer's peak.
const SEASON: [u32; 12] = [95, 70, 100, 100, 105, 115, 125, 120, 100, 90, 95, 100];

/// An endless, deterministic stream of histories (take as many as wanted).
#[derive(Clone, Debug)]
pub struct Histories<'c> {
    rng: Rng,
    span: Span,
    days: u64,
    /// The end of the span's last day: no action at or after it.
    end: Timestamp,
    calendar: &'c WorkingCalendar,
    fees: FeeSchedule,
    serial: u32,
}

impl<'c> Histories<'c> {
    /// The histories of `seed` over `span`, with officers working on `calendar`'s working days.
    pub fn new(
        seed: u64,
        span: Span,
        calendar: &'c WorkingCalendar,
    ) -> Result<Self, SyntheticError> {
        if span.until < span.from {
            return Err(SyntheticError::EmptySpan {
                from: span.from,
                until: span.until,
            });
        }
        if !calendar.covers_range(span.from, span.until) {
            return Err(SyntheticError::NotCovered {
                from: span.from,
                until: span.until,
            });
        }
        Ok(Histories {
            rng: Rng(seed),
            span,
            days: (span.until - span.from).num_days() as u64 + 1,
            end: end_of_day(span.until),
            calendar,
            fees: FeeSchedule::default(),
            serial: 0,
        })
    }

    /// The day of a submission: uniform over the span, thinned by season and growth.
    fn submission_day(&mut self) -> NaiveDate {
        let years = (self.days / 365 + 1) as u32;
        let max = 125 * (10 + years);
        loop {
            let day = self.span.from + Duration::days(self.rng.below(self.days) as i64);
            let year = (day.year() - self.span.from.year()).max(0) as u32;
            let weight = SEASON[day.month0() as usize] * (10 + year);
            if self.rng.below(u64::from(max)) < u64::from(weight) {
                return day;
            }
        }
    }

    fn one(&mut self) -> SyntheticApplication {
        let kind = self.rng.pick(&KINDS);
        let reason = if kind == DocumentKind::Passport {
            self.rng.pick(&PASSPORT_REASONS)
        } else {
            self.rng.pick(&PERMIT_REASONS)
        };
        let district = self.rng.pick(&DISTRICTS);
        let facets = Facets {
            kind: kind.code().to_owned(),
            reason: reason.code().to_owned(),
            district: district.to_owned(),
        };
        let day = self.submission_day();
        let submitted = local(day, self.rng.between(7 * 60, 23 * 60 - 1));
        let created_at = submitted - Duration::minutes(self.rng.between(5, 180));
        let fee_fen = self.fees.fee(kind).get();
        self.serial = self.serial.wrapping_add(1) % 100_000_000;
        let serial = self.serial;
        let mut j = Journey {
            rng: &mut self.rng,
            calendar: self.calendar,
            end: self.end,
            at: submitted,
            log: Vec::with_capacity(12),
            open: true,
        };
        j.journey(submitted, kind, fee_fen, serial);
        SyntheticApplication {
            facets,
            created_at,
            log: j.log,
        }
    }
}

impl Iterator for Histories<'_> {
    type Item = SyntheticApplication;

    fn next(&mut self) -> Option<SyntheticApplication> {
        Some(self.one())
    }
}

/// `minute` minutes after midnight of `day`, Shanghai time.
fn local(day: NaiveDate, minute: i64) -> Timestamp {
    start_of_day(day) + Duration::minutes(minute)
}

/// One history being written: the last action's time, and whether it may go on.
struct Journey<'a> {
    rng: &'a mut Rng,
    calendar: &'a WorkingCalendar,
    end: Timestamp,
    at: Timestamp,
    log: Vec<Action>,
    /// False once an action would have fallen after the span (or the calendar's data).
    open: bool,
}

impl Journey<'_> {
    /// Takes the action at `at` if it falls within the span; otherwise the history stops here
    /// (the application is still in its current state when the span ends). `None` (a day the
    /// calendar has no data for, which lies past the span) stops it too.
    fn act(&mut self, at: Option<Timestamp>, actor: Actor, event: Event) -> bool {
        match at {
            Some(at) if self.open && at < self.end => {
                debug_assert!(at >= self.at);
                self.at = at;
                self.log.push(Action::new(at, actor, event));
                true
            }
            _ => {
                self.open = false;
                false
            }
        }
    }

    /// Between `lo` and `hi` minutes after the last action (any hour: the applicant, the post).
    fn later(&mut self, lo: i64, hi: i64) -> Option<Timestamp> {
        Some(self.at + Duration::minutes(self.rng.between(lo, hi)))
    }

    /// Office hours (09:00–17:00) of the `n`-th working day after the last action's date (that
    /// date itself, or the next working day, when `n` is 0); never before the last action.
    fn office(&mut self, n: i32) -> Option<Timestamp> {
        let date = civil_date(self.at);
        let day = if n == 0 {
            self.calendar.next_working_day(date).ok()?
        } else {
            self.calendar.add_working_days(date, n).ok()?
        };
        let at = local(day, self.rng.between(9 * 60, 17 * 60 - 1));
        Some(if at > self.at {
            at
        } else {
            self.at + Duration::minutes(self.rng.between(5, 90))
        })
    }

    /// When the sweeper withdraws an application whose 7-day deadline ran from the last action:
    /// a few minutes into the day after the seventh.
    fn deadline(&mut self) -> Option<Timestamp> {
        let last = civil_date(self.at) + Duration::days(7);
        Some(end_of_day(last) + Duration::minutes(self.rng.between(1, 10)))
    }

    fn journey(&mut self, submitted: Timestamp, kind: DocumentKind, fee_fen: u64, serial: u32) {
        let mut delivery = if self.rng.chance(620) {
            DeliveryMethod::Mail
        } else {
            DeliveryMethod::Pickup
        };
        self.at = submitted;
        if !self.act(
            Some(submitted),
            Actor::Applicant,
            Event::Submit { delivery },
        ) {
            return;
        }
        let mut round = 0;
        // Review rounds until an approval (or the end of the history).
        loop {
            round += 1;
            if self.rng.chance(8) {
                let at = self.later(30, 3 * 24 * 60);
                self.act(at, Actor::Applicant, Event::Withdraw);
                return;
            }
            let wait = self.rng.pick(&[(0, 30), (1, 35), (2, 20), (3, 10), (5, 5)]);
            let at = self.office(wait);
            if !self.act(at, Actor::Reviewer, Event::Claim) {
                return;
            }
            let decided = if self.rng.chance(800) {
                self.later(10, 120)
            } else {
                self.office(1)
            };
            let (reject, correct) = if round == 1 { (25, 170) } else { (40, 80) };
            let r = self.rng.below(1000);
            if r < reject {
                let reason = self.rng.pick(&[
                    (RejectionReason::Ineligible, 40),
                    (RejectionReason::Duplicate, 25),
                    (RejectionReason::IdentityMismatch, 15),
                    (RejectionReason::FalseInformation, 10),
                    (RejectionReason::LegalRestriction, 5),
                    (RejectionReason::Other, 5),
                ]);
                let event = Event::Reject {
                    reason,
                    note: "synthetic".into(),
                };
                self.act(decided, Actor::Reviewer, event);
                return;
            }
            if r >= reject + correct {
                if !self.act(decided, Actor::Reviewer, Event::Approve { fee_fen }) {
                    return;
                }
                break;
            }
            let n = self.rng.pick(&[(1, 70), (2, 22), (3, 8)]);
            let items = (0..n)
                .map(|_| {
                    let reason = self.rng.pick(&CORRECTIONS);
                    CorrectionItem {
                        subject: subject_of(reason),
                        reason,
                    }
                })
                .collect();
            let event = Event::RequestCorrection { items, note: None };
            if !self.act(decided, Actor::Reviewer, event) {
                return;
            }
            let answer = self.rng.below(1000);
            if answer < 90 {
                let at = self.deadline();
                self.act(at, Actor::System, Event::CorrectionDeadlineMissed);
                return;
            }
            if answer < 120 {
                let at = self.later(60, 6 * 24 * 60);
                self.act(at, Actor::Applicant, Event::Withdraw);
                return;
            }
            if self.rng.chance(50) {
                delivery = match delivery {
                    DeliveryMethod::Mail => DeliveryMethod::Pickup,
                    DeliveryMethod::Pickup => DeliveryMethod::Mail,
                };
            }
            let at = self.later(30, 6 * 24 * 60);
            if !self.act(at, Actor::Applicant, Event::Correct { delivery }) {
                return;
            }
        }
        // Approved: the fee is paid, or not.
        let pay = self.rng.below(1000);
        if pay < 50 {
            let at = self.deadline();
            self.act(at, Actor::System, Event::PaymentDeadlineMissed);
            return;
        }
        if pay < 60 {
            let at = self.later(60, 3 * 24 * 60);
            self.act(at, Actor::Applicant, Event::Withdraw);
            return;
        }
        let at = self.later(10, 4 * 24 * 60);
        let paid = Event::PaymentConfirmed {
            amount_fen: fee_fen,
            reference: format!("SYN{serial:08}"),
        };
        if !self.act(at, Actor::PaymentProvider, paid) {
            return;
        }
        let days = self.rng.pick(&[(1, 40), (2, 40), (3, 20)]);
        let at = self.office(days);
        let prefix = match kind {
            DocumentKind::Passport => 'E',
            DocumentKind::HkMacaoPermit => 'C',
            DocumentKind::TaiwanPermit => 'L',
        };
        let produced = Event::Produced {
            document_number: format!("{prefix}{serial:08}"),
        };
        if !self.act(at, Actor::ProductionCentre, produced) {
            return;
        }
        let n = i32::from(!self.rng.chance(700));
        let at = self.office(n);
        match delivery {
            DeliveryMethod::Mail => {
                let tracking_number = format!("EA{serial:08}{}CN", check_digit(serial));
                if !self.act(
                    at,
                    Actor::DispatchClerk,
                    Event::Dispatch { tracking_number },
                ) {
                    return;
                }
                if self.rng.chance(960) {
                    let at = self.later(18 * 60, 3 * 24 * 60);
                    self.act(at, Actor::PostalService, Event::Delivered);
                } else {
                    let at = self.later(18 * 60, 3 * 24 * 60);
                    if self.act(at, Actor::PostalService, Event::DeliveryFailed)
                        && self.rng.chance(850)
                    {
                        let days = self.rng.between(1, 10) as i32;
                        let at = self.office(days);
                        self.act(at, Actor::DispatchClerk, Event::Collected);
                    }
                }
            }
            DeliveryMethod::Pickup => {
                if self.act(at, Actor::DispatchClerk, Event::SendToHall) && self.rng.chance(960) {
                    let days = self.rng.between(1, 15) as i32;
                    let at = self.office(days);
                    self.act(at, Actor::DispatchClerk, Event::Collected);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
