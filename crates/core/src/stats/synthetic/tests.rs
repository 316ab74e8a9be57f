use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::area::{AreaCode, current_shanghai_districts};
use crate::state::{Application, State};
use crate::stats::{StatsDelta, replay};

fn histories(seed: u64, n: usize) -> Vec<SyntheticApplication> {
    let calendar = WorkingCalendar::builtin();
    Histories::new(seed, Span::default(), &calendar)
        .unwrap()
        .take(n)
        .collect()
}

#[test]
fn every_history_is_a_log_the_state_machine_accepts_within_the_span() {
    let span = Span::default();
    let end = end_of_day(span.until);
    let mut finals: BTreeMap<State, u64> = BTreeMap::new();
    for h in histories(1, 20_000) {
        let app = Application::replay(h.created_at, &h.log)
            .unwrap_or_else(|e| panic!("{:?} does not replay: {e:?}", h.log));
        *finals.entry(app.state()).or_default() += 1;
        assert!(
            matches!(h.log[0].event, Event::Submit { .. }),
            "{:?}",
            h.log
        );
        assert!(h.created_at <= h.log[0].at);
        assert!(civil_date(h.log[0].at) >= span.from);
        assert!(h.log.iter().all(|a| a.at < end), "{:?}", h.log);
        assert!(h.log.windows(2).all(|w| w[0].at <= w[1].at));
    }
    // Every way an application ends, and some still under way when the span ends.
    for state in [
        State::Delivered,
        State::Collected,
        State::ReadyForPickup,
        State::Rejected,
        State::Withdrawn,
    ] {
        assert!(finals.get(&state).copied().unwrap_or(0) > 0, "{finals:?}");
    }
    let done = finals[&State::Delivered] + finals[&State::Collected];
    assert!(done > 15_000, "most are finished: {finals:?}");
}

#[test]
fn the_same_seed_gives_the_same_histories_and_another_seed_others() {
    let a = histories(7, 500);
    assert_eq!(a, histories(7, 500));
    assert_ne!(a, histories(8, 500));
}

#[test]
fn the_histories_give_every_figure_the_page_publishes() {
    let calendar = WorkingCalendar::builtin();
    let mut counts: BTreeMap<(&str, String), u64> = BTreeMap::new();
    let mut months = BTreeSet::new();
    let mut districts = BTreeSet::new();
    let mut durations: BTreeMap<&str, BTreeSet<i64>> = BTreeMap::new();
    let n = 20_000;
    for h in histories(3, n) {
        let (deltas, unmeasured) = replay(&h.facets, h.created_at, &h.log, &calendar).unwrap();
        assert!(unmeasured.is_empty(), "{unmeasured:?}");
        for d in deltas {
            match d {
                StatsDelta::Count(k) => {
                    months.insert(k.month.clone());
                    if !k.district.is_empty() {
                        districts.insert(k.district.clone());
                    }
                    *counts.entry((k.metric, k.detail)).or_default() += 1;
                }
                StatsDelta::Duration(k) => {
                    durations.entry(k.metric).or_default().insert(k.days);
                }
            }
        }
    }
    // Every history is one application submitted.
    assert_eq!(counts[&("applied", String::new())], n as u64);
    for metric in ["issued", "approved", "rejected", "corrected"] {
        assert!(counts[&(metric, String::new())] > 0, "{metric}");
    }
    for cause in ["applicant", "correction_deadline", "payment_deadline"] {
        assert!(counts[&("withdrawn", cause.to_owned())] > 0, "{cause}");
    }
    let reasons = counts
        .keys()
        .filter(|(m, _)| *m == "correction_reason")
        .count();
    assert_eq!(reasons, CORRECTIONS.len());
    // January 2023 to November 2026.
    assert_eq!(months.len(), 47, "{months:?}");
    assert_eq!(districts.len(), 16);
    // Working-day durations that vary (the review target is 7, production 3).
    assert!(
        durations["submission_to_approval"].len() >= 5,
        "{durations:?}"
    );
    assert!(durations["payment_to_dispatch"].len() >= 3, "{durations:?}");
}

#[test]
fn the_districts_are_shanghais_current_ones() {
    let current: BTreeSet<AreaCode> = current_shanghai_districts().collect();
    let ours: BTreeSet<AreaCode> = DISTRICTS
        .iter()
        .map(|(c, _)| AreaCode::parse(c).unwrap())
        .collect();
    assert_eq!(ours, current);
}

#[test]
fn a_span_the_calendar_does_not_cover_or_that_is_empty_is_refused() {
    let calendar = WorkingCalendar::builtin();
    let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let uncovered = Span {
        from: d(2019, 1, 1),
        until: d(2026, 1, 1),
    };
    assert!(matches!(
        Histories::new(1, uncovered, &calendar),
        Err(SyntheticError::NotCovered { .. })
    ));
    let empty = Span {
        from: d(2026, 1, 2),
        until: d(2026, 1, 1),
    };
    assert!(matches!(
        Histories::new(1, empty, &calendar),
        Err(SyntheticError::EmptySpan { .. })
    ));
}
