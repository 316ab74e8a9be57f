//! Public statistics: what one action adds to the aggregates, and how published figures are
//! derived from them.
//!
//! The aggregates are counters, never a scan of applications: every committed action adds the
//! [`StatsDelta`]s that [`deltas`] gives, in the same transaction as the state change, so they
//! cannot drift. The same function, run over every application's log in order, rebuilds them
//! (`Store::rebuild_stats`), so the incremental and the rebuilt figures agree by construction and
//! a test compares both with a direct count.
//!
//! What is counted (each in the civil month, Asia/Shanghai, of the action that causes it):
//! - `applied`: the first submission (a resubmission after a correction is not a new one), with
//!   the delivery method chosen then;
//! - `issued`: a document handed on to the resident: mailed (`dispatch`), or collected at the
//!   hall by an applicant who chose pickup (a mailed document that the post could not deliver
//!   and that is collected at the hall was counted when it was mailed);
//! - `approved`, `rejected`;
//! - `corrected`: an application's first correction request; `correction_reason`: each distinct
//!   reason of each request (`detail` = the reason's code);
//! - `withdrawn`: a submitted application withdrawn (`detail` = the cause: `applicant`,
//!   `correction_deadline`, `payment_deadline`); a draft abandoned is not counted.
//!
//! `applied` and `issued` are counted by kind, reason, delivery method and hukou district; the
//! other metrics by month and detail only (the page breaks none of them down by facet), so the
//! table holds at most a few thousand cells a month whatever the number of applications.
//!
//! Durations, in working days of the statutory calendar, as a histogram (metric, month, days):
//! `submission_to_approval` from the first submission's date to the approval's date,
//! `payment_to_dispatch` from the payment's date to the document leaving (mailed or sent to the
//! hall). The working days are those in (start, end]: approved the day it was submitted is 0.
//! A date the calendar has no data for leaves that one duration out (and says so in the log of
//! the caller): never a guess.

use std::collections::BTreeSet;

use crate::calendar::WorkingCalendar;
use crate::state::{Action, Application, DeliveryMethod, Event, ReplayError, State};
use crate::time::{Timestamp, civil_date};

pub mod synthetic;

/// Counted metrics (the `metric` column).
pub mod metric {
    pub const APPLIED: &str = "applied";
    pub const ISSUED: &str = "issued";
    pub const APPROVED: &str = "approved";
    pub const REJECTED: &str = "rejected";
    pub const CORRECTED: &str = "corrected";
    pub const CORRECTION_REASON: &str = "correction_reason";
    pub const WITHDRAWN: &str = "withdrawn";
    /// Durations (the histogram's `metric` column).
    pub const SUBMISSION_TO_APPROVAL: &str = "submission_to_approval";
    pub const PAYMENT_TO_DISPATCH: &str = "payment_to_dispatch";
}

/// What the statistics know of an application besides its log: its kind, reason and hukou
/// district (codes, as stored).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Facets {
    pub kind: String,
    pub reason: String,
    pub district: String,
}

/// One counter cell: a count of one metric in one month for one combination of facets.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountKey {
    /// `YYYY-MM`, Asia/Shanghai.
    pub month: String,
    pub metric: &'static str,
    pub kind: String,
    pub reason: String,
    /// `mail`, `pickup`, or empty when not yet chosen.
    pub delivery: String,
    pub district: String,
    /// The correction reason or withdrawal cause; empty for other metrics.
    pub detail: String,
}

/// One histogram bucket: how many durations of `days` working days ended in `month`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DurationKey {
    pub metric: &'static str,
    pub month: String,
    pub days: i64,
}

/// One increment (by one) that an action adds to the aggregates.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StatsDelta {
    Count(CountKey),
    Duration(DurationKey),
}

/// `YYYY-MM` of `at` in Shanghai.
pub fn month_of(at: Timestamp) -> String {
    civil_date(at).format("%Y-%m").to_string()
}

fn delivery_code(d: Option<DeliveryMethod>) -> String {
    d.map(|d| d.code().to_owned()).unwrap_or_default()
}

/// What `action`, applied to `before` (the application replayed from `log`), adds to the
/// aggregates. Durations the calendar cannot measure are left out and returned in the second
/// part, for the caller to log.
pub fn deltas(
    facets: &Facets,
    before: &Application,
    log: &[Action],
    action: &Action,
    calendar: &WorkingCalendar,
) -> (Vec<StatsDelta>, Vec<String>) {
    let month = month_of(action.at);
    let mut out = Vec::new();
    let mut unmeasured = Vec::new();
    let count = |metric: &'static str, delivery: Option<DeliveryMethod>, detail: &str| {
        // Only `applied` and `issued` are published by facet; the others by month and detail
        // alone, which keeps the table (and the page's sums) small.
        let faceted = metric == metric::APPLIED || metric == metric::ISSUED;
        let facet = |v: &String| if faceted { v.clone() } else { String::new() };
        StatsDelta::Count(CountKey {
            month: month.clone(),
            metric,
            kind: facet(&facets.kind),
            reason: facet(&facets.reason),
            delivery: if faceted {
                delivery_code(delivery)
            } else {
                String::new()
            },
            district: facet(&facets.district),
            detail: detail.to_owned(),
        })
    };
    let mut duration = |metric: &'static str, from: Option<Timestamp>| {
        let Some(from) = from else { return };
        match calendar.working_days_between(civil_date(from), civil_date(action.at)) {
            Ok(days) => out_push_duration(&mut out, metric, &month, days),
            Err(e) => unmeasured.push(format!("{metric}: {e}")),
        }
    };
    let first_submission = || {
        log.iter()
            .find(|a| matches!(a.event, Event::Submit { .. }))
            .map(|a| a.at)
    };
    let mut counts = Vec::new();
    match &action.event {
        Event::Submit { delivery } if before.state() == State::Draft => {
            counts.push(count(metric::APPLIED, Some(*delivery), ""));
        }
        Event::Approve { .. } => {
            counts.push(count(metric::APPROVED, before.delivery(), ""));
            duration(metric::SUBMISSION_TO_APPROVAL, first_submission());
        }
        Event::Reject { .. } => counts.push(count(metric::REJECTED, before.delivery(), "")),
        Event::RequestCorrection { items, .. } => {
            if before.correction_rounds() == 0 {
                counts.push(count(metric::CORRECTED, before.delivery(), ""));
            }
            let reasons: BTreeSet<&str> = items.iter().map(|i| i.reason.code()).collect();
            for r in reasons {
                counts.push(count(metric::CORRECTION_REASON, before.delivery(), r));
            }
        }
        Event::Withdraw | Event::CorrectionDeadlineMissed | Event::PaymentDeadlineMissed
            if before.state() != State::Draft =>
        {
            if let Some(cause) = action.event.kind().withdrawal_cause() {
                counts.push(count(metric::WITHDRAWN, before.delivery(), cause.code()));
            }
        }
        Event::Dispatch { .. } => {
            counts.push(count(metric::ISSUED, before.delivery(), ""));
            duration(metric::PAYMENT_TO_DISPATCH, before.payment().map(|p| p.at));
        }
        Event::SendToHall => {
            duration(metric::PAYMENT_TO_DISPATCH, before.payment().map(|p| p.at));
        }
        Event::Collected if before.delivery() == Some(DeliveryMethod::Pickup) => {
            counts.push(count(metric::ISSUED, before.delivery(), ""));
        }
        _ => {}
    }
    counts.extend(out);
    (counts, unmeasured)
}

/// Everything one application's log adds, replayed from the draft created at `created_at`:
/// the deltas that [`deltas`] gives each action in turn (what the live path's commits added one
/// by one), and the durations left out. A rebuild folds these over the stored logs, the
/// synthetic generator over its histories, so both count as the live path does.
pub fn replay(
    facets: &Facets,
    created_at: Timestamp,
    log: &[Action],
    calendar: &WorkingCalendar,
) -> Result<(Vec<StatsDelta>, Vec<String>), ReplayError> {
    let mut app = Application::new_draft(created_at);
    let mut all = Vec::new();
    let mut unmeasured = Vec::new();
    for (index, action) in log.iter().enumerate() {
        let (d, u) = deltas(facets, &app, &log[..index], action, calendar);
        all.extend(d);
        unmeasured.extend(u);
        app = app
            .apply(action)
            .map_err(|error| ReplayError { index, error })?;
    }
    Ok((all, unmeasured))
}

fn out_push_duration(out: &mut Vec<StatsDelta>, metric: &'static str, month: &str, days: i64) {
    out.push(StatsDelta::Duration(DurationKey {
        metric,
        month: month.to_owned(),
        days,
    }));
}

/// The median of a histogram of integer values (`(value, count)` in any order): the middle
/// value, or the mean of the two middle values for an even total; `None` when empty. Exact.
pub fn median(histogram: &[(i64, u64)]) -> Option<f64> {
    let mut h: Vec<(i64, u64)> = histogram.iter().copied().filter(|(_, n)| *n > 0).collect();
    h.sort_unstable();
    let total: u64 = h.iter().map(|(_, n)| n).sum();
    if total == 0 {
        return None;
    }
    // The values at (1-based) ranks lo and hi; equal for an odd total.
    let lo = total.div_ceil(2);
    let hi = total / 2 + 1;
    let at = |rank: u64| {
        let mut seen = 0;
        for (v, n) in &h {
            seen += n;
            if seen >= rank {
                return *v;
            }
        }
        unreachable!("rank within total")
    };
    Some((at(lo) as f64 + at(hi) as f64) / 2.0)
}

/// Which cells of a published table to suppress so that no small group of people can be picked
/// out: every count from 1 to `min_cell - 1` (zero tells nothing about a person), and — when the
/// total is published and exactly one cell would be hidden, so that it could be worked out by
/// subtraction — also the smallest other nonzero cell. `min_cell` 0 or 1 suppresses nothing.
pub fn suppressed(counts: &[u64], min_cell: u64) -> Vec<bool> {
    let mut hide: Vec<bool> = counts.iter().map(|&n| n > 0 && n < min_cell).collect();
    if hide.iter().filter(|h| **h).count() == 1 {
        let other = counts
            .iter()
            .enumerate()
            .filter(|(i, n)| !hide[*i] && **n > 0)
            .min_by_key(|(_, n)| **n)
            .map(|(i, _)| i);
        if let Some(i) = other {
            hide[i] = true;
        }
    }
    hide
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{Actor, CorrectionItem, CorrectionReason, CorrectionSubject};
    use chrono::{TimeZone, Utc};

    #[test]
    fn median_of_histograms() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[(3, 0)]), None);
        assert_eq!(median(&[(4, 1)]), Some(4.0));
        assert_eq!(median(&[(1, 1), (2, 1)]), Some(1.5));
        assert_eq!(median(&[(5, 2), (1, 3)]), Some(1.0));
        assert_eq!(median(&[(5, 3), (1, 3)]), Some(3.0));
        assert_eq!(median(&[(0, 10), (9, 1)]), Some(0.0));
    }

    #[test]
    fn median_matches_sorting_the_values() {
        let values = [3i64, 0, 7, 7, 2, 9, 1, 3, 3, 12, 5];
        for len in 1..=values.len() {
            let mut v = values[..len].to_vec();
            v.sort();
            let expect = if len % 2 == 1 {
                v[len / 2] as f64
            } else {
                (v[len / 2 - 1] + v[len / 2]) as f64 / 2.0
            };
            let hist: Vec<(i64, u64)> = v.iter().map(|x| (*x, 1)).collect();
            assert_eq!(median(&hist), Some(expect), "{v:?}");
        }
    }

    #[test]
    fn small_cells_and_the_one_that_would_give_them_away_are_suppressed() {
        assert_eq!(suppressed(&[10, 3, 0, 20], 5), [true, true, false, false]);
        assert_eq!(suppressed(&[10, 3, 4, 20], 5), [false, true, true, false]);
        assert_eq!(suppressed(&[10, 30, 0], 5), [false, false, false]);
        assert_eq!(suppressed(&[4], 5), [true]);
        assert_eq!(suppressed(&[1, 2], 0), [false, false]);
    }

    fn at(day: u32, h: u32) -> Timestamp {
        // 2026-03-02 is a Monday.
        Utc.with_ymd_and_hms(2026, 3, day, h, 0, 0).unwrap()
    }

    #[test]
    fn a_journey_adds_what_the_module_doc_says() {
        let cal = WorkingCalendar::builtin();
        let facets = Facets {
            kind: "passport".into(),
            reason: "damaged".into(),
            district: "310104".into(),
        };
        let steps = [
            Action::new(
                at(2, 2),
                Actor::Applicant,
                Event::Submit {
                    delivery: DeliveryMethod::Pickup,
                },
            ),
            Action::new(at(2, 3), Actor::Reviewer, Event::Claim),
            Action::new(
                at(2, 4),
                Actor::Reviewer,
                Event::RequestCorrection {
                    items: vec![
                        CorrectionItem {
                            subject: CorrectionSubject::IdPhoto,
                            reason: CorrectionReason::PhotoBackground,
                        },
                        CorrectionItem {
                            subject: CorrectionSubject::Signature,
                            reason: CorrectionReason::PhotoBackground,
                        },
                    ],
                    note: None,
                },
            ),
            Action::new(
                at(3, 2),
                Actor::Applicant,
                Event::Correct {
                    delivery: DeliveryMethod::Pickup,
                },
            ),
            Action::new(at(3, 3), Actor::Reviewer, Event::Claim),
            Action::new(at(5, 3), Actor::Reviewer, Event::Approve { fee_fen: 12000 }),
            Action::new(
                at(6, 3),
                Actor::PaymentProvider,
                Event::PaymentConfirmed {
                    amount_fen: 12000,
                    reference: "r".into(),
                },
            ),
            Action::new(
                at(9, 3),
                Actor::ProductionCentre,
                Event::Produced {
                    document_number: "E12345678".into(),
                },
            ),
            Action::new(at(9, 4), Actor::DispatchClerk, Event::SendToHall),
            Action::new(at(10, 4), Actor::DispatchClerk, Event::Collected),
        ];
        let mut app = Application::new_draft(at(1, 1));
        let mut all = Vec::new();
        for (i, a) in steps.iter().enumerate() {
            let (d, unmeasured) = deltas(&facets, &app, &steps[..i], a, &cal);
            assert!(unmeasured.is_empty());
            all.extend(d);
            app = app.apply(a).unwrap();
        }
        let counts: Vec<(&str, &str, &str)> = all
            .iter()
            .filter_map(|d| match d {
                StatsDelta::Count(k) => Some((k.metric, k.delivery.as_str(), k.detail.as_str())),
                _ => None,
            })
            .collect();
        assert_eq!(
            counts,
            [
                ("applied", "pickup", ""),
                ("corrected", "", ""),
                ("correction_reason", "", "photo_background"),
                ("approved", "", ""),
                ("issued", "pickup", ""),
            ]
        );
        let durations: Vec<(&str, i64)> = all
            .iter()
            .filter_map(|d| match d {
                StatsDelta::Duration(k) => Some((k.metric, k.days)),
                _ => None,
            })
            .collect();
        // Mon 2 → Thu 5 March: 3 working days; Fri 6 → Mon 9: 1.
        assert_eq!(
            durations,
            [("submission_to_approval", 3), ("payment_to_dispatch", 1)]
        );
    }
}
