//! The aggregates against a direct count: many varied applications go through
//! `commit_action` (each commit carrying what `wangban_core::stats::deltas` says), then every
//! published sum is compared with a count made here, independently, from the stored action logs
//! and application rows; then `rebuild_stats` must give the same sums. On both databases.

use std::collections::BTreeMap;

use chrono::{Duration, TimeZone, Utc};
use wangban_core::calendar::WorkingCalendar;
use wangban_core::state::{
    Action, Actor, Application, CorrectionItem, CorrectionReason, CorrectionSubject,
    DeliveryMethod, Event, RejectionReason,
};
use wangban_core::stats::{deltas, month_of};
use wangban_core::time::{Timestamp, civil_date};

use crate::testing::TestStore;
use crate::{ApplicationId, Commit, NewApplication, StatsCells, StatsTallies, StatsTally, Store};

/// A small deterministic generator (no seed file, same data every run).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const KINDS: [&str; 3] = ["passport", "hk_macao_permit", "taiwan_permit"];
const REASONS: [&str; 4] = [
    "expiring_soon",
    "damaged",
    "lost_or_stolen",
    "visa_pages_used_up",
];
const DISTRICTS: [&str; 5] = ["310101", "310104", "310115", "310112", "310151"];
const CORRECTION_REASONS: [CorrectionReason; 5] = [
    CorrectionReason::PhotoBackground,
    CorrectionReason::SignatureFormat,
    CorrectionReason::ImageUnclear,
    CorrectionReason::DataIncorrect,
    CorrectionReason::PhotoClothing,
];

/// One application's journey, as the actions its actors take, in time order.
fn journey(rng: &mut Rng, start: Timestamp) -> Vec<Action> {
    let mut at = start;
    let mut log = Vec::new();
    let mut step = |rng: &mut Rng, actor: Actor, event: Event, log: &mut Vec<Action>| {
        at += Duration::hours(1 + rng.below(60) as i64);
        log.push(Action::new(at, actor, event));
    };
    if rng.chance(8) {
        return log; // stays a draft
    }
    if rng.chance(5) {
        step(rng, Actor::Applicant, Event::Withdraw, &mut log);
        return log; // abandoned draft: not counted
    }
    let mut delivery = if rng.chance(60) {
        DeliveryMethod::Mail
    } else {
        DeliveryMethod::Pickup
    };
    step(rng, Actor::Applicant, Event::Submit { delivery }, &mut log);
    loop {
        if rng.chance(5) {
            return log; // still in the queue
        }
        step(rng, Actor::Reviewer, Event::Claim, &mut log);
        match rng.below(10) {
            0 => {
                let reason = RejectionReason::Ineligible;
                let note = "n".into();
                step(
                    rng,
                    Actor::Reviewer,
                    Event::Reject { reason, note },
                    &mut log,
                );
                return log;
            }
            1..=3 => {
                let items = (0..1 + rng.below(3))
                    .map(|i| CorrectionItem {
                        subject: [CorrectionSubject::IdPhoto, CorrectionSubject::Signature]
                            [i as usize % 2],
                        reason: CORRECTION_REASONS[rng.below(5) as usize],
                    })
                    .collect();
                let event = Event::RequestCorrection { items, note: None };
                step(rng, Actor::Reviewer, event, &mut log);
                match rng.below(6) {
                    0 => {
                        step(
                            rng,
                            Actor::System,
                            Event::CorrectionDeadlineMissed,
                            &mut log,
                        );
                        return log;
                    }
                    1 => {
                        step(rng, Actor::Applicant, Event::Withdraw, &mut log);
                        return log;
                    }
                    _ => {
                        if rng.chance(30) {
                            delivery = match delivery {
                                DeliveryMethod::Mail => DeliveryMethod::Pickup,
                                DeliveryMethod::Pickup => DeliveryMethod::Mail,
                            };
                        }
                        step(rng, Actor::Applicant, Event::Correct { delivery }, &mut log);
                    }
                }
            }
            _ => break,
        }
    }
    step(
        rng,
        Actor::Reviewer,
        Event::Approve { fee_fen: 12000 },
        &mut log,
    );
    match rng.below(10) {
        0 => {
            step(rng, Actor::System, Event::PaymentDeadlineMissed, &mut log);
            return log;
        }
        1 => return log, // not paid yet
        _ => {}
    }
    let paid = Event::PaymentConfirmed {
        amount_fen: 12000,
        reference: "ref".into(),
    };
    step(rng, Actor::PaymentProvider, paid, &mut log);
    if rng.chance(10) {
        return log;
    }
    let produced = Event::Produced {
        document_number: "E12345678".into(),
    };
    step(rng, Actor::ProductionCentre, produced, &mut log);
    match delivery {
        DeliveryMethod::Mail => {
            let dispatch = Event::Dispatch {
                tracking_number: "AA473124829GB".into(),
            };
            step(rng, Actor::DispatchClerk, dispatch, &mut log);
            if rng.chance(20) {
                step(rng, Actor::PostalService, Event::DeliveryFailed, &mut log);
                if rng.chance(70) {
                    step(rng, Actor::DispatchClerk, Event::Collected, &mut log);
                }
            } else {
                step(rng, Actor::PostalService, Event::Delivered, &mut log);
            }
        }
        DeliveryMethod::Pickup => {
            step(rng, Actor::DispatchClerk, Event::SendToHall, &mut log);
            if rng.chance(80) {
                step(rng, Actor::DispatchClerk, Event::Collected, &mut log);
            }
        }
    }
    log
}

/// Creates `n` applications and takes each through its journey with `commit_action`, the way
/// the server does (the state machine decides, the commit carries the statistics' deltas).
async fn generate(store: &Store, n: usize, calendar: &WorkingCalendar) {
    let mut rng = Rng(7);
    let applicant = store
        .applicant_for_phone("13800000001", Utc::now())
        .await
        .unwrap();
    for i in 0..n {
        // Spread over January to May 2026 (the built-in calendar covers it).
        let created = Utc.with_ymd_and_hms(2026, 1, 1, 1, 0, 0).unwrap()
            + Duration::hours(rng.below(24 * 130) as i64);
        let facets = wangban_core::stats::Facets {
            kind: KINDS[rng.below(3) as usize].into(),
            reason: REASONS[rng.below(4) as usize].into(),
            // Skewed: the last district is rare (suppression is the server's to show).
            district: DISTRICTS[(rng.below(9) as usize).min(4)].into(),
        };
        let id = store
            .create_application(&NewApplication {
                number: format!("N{i:08}"),
                applicant,
                kind: facets.kind.clone(),
                reason: facets.reason.clone(),
                state: "draft".into(),
                form: "{}".into(),
                hukou_district: facets.district.clone(),
                created_at: created,
            })
            .await
            .unwrap();
        let log = journey(&mut rng, created);
        let mut app = Application::new_draft(created);
        for (seq, action) in log.iter().enumerate() {
            let next = app.apply(action).unwrap();
            let (stats, unmeasured) = deltas(&facets, &app, &log[..seq], action, calendar);
            assert!(unmeasured.is_empty(), "{unmeasured:?}");
            store
                .commit_action(&Commit {
                    application: id,
                    expected_version: seq as i64,
                    at: action.at,
                    new_state: next.state().code().into(),
                    due_at: None,
                    actor: action.actor.code().into(),
                    officer: None,
                    action: serde_json::to_string(action).unwrap(),
                    form: None,
                    claimed_by: None,
                    jobs: vec![],
                    audit: vec![],
                    payment_paid: None,
                    stats,
                })
                .await
                .unwrap();
            app = next;
        }
    }
}

/// The published sums counted directly from the stored rows and logs, with the definitions of
/// `wangban_core::stats` written out again (not calling it).
async fn direct_count(store: &Store, calendar: &WorkingCalendar) -> StatsTallies {
    // (metric, month, kind, reason, delivery, district, detail) → n
    let mut cells: BTreeMap<[String; 7], u64> = BTreeMap::new();
    let mut durations: BTreeMap<(String, i64), u64> = BTreeMap::new();
    let ids: Vec<i64> = crate::db::query("SELECT id FROM applications ORDER BY id")
        .fetch_all(&store.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    for id in ids {
        let row = store.application(ApplicationId(id)).await.unwrap();
        let log: Vec<Action> = store
            .actions(ApplicationId(id))
            .await
            .unwrap()
            .iter()
            .map(|a| serde_json::from_str(&a.action).unwrap())
            .collect();
        let mut add = |metric: &str, at: Timestamp, delivery: &str, detail: &str| {
            // Facets for applied and issued only.
            let f = |v: &str| {
                if metric == "applied" || metric == "issued" {
                    v.to_owned()
                } else {
                    String::new()
                }
            };
            let key = [
                metric.to_owned(),
                month_of(at),
                f(&row.kind),
                f(&row.reason),
                f(delivery),
                f(&row.hukou_district),
                detail.to_owned(),
            ];
            *cells.entry(key).or_default() += 1;
        };
        let days = |from: Timestamp, to: Timestamp| {
            calendar
                .working_days_between(civil_date(from), civil_date(to))
                .unwrap()
        };
        let mut delivery = String::new();
        let mut submitted_at: Option<Timestamp> = None;
        let mut paid_at: Option<Timestamp> = None;
        let mut dispatched = false;
        let mut corrected = false;
        for a in &log {
            match &a.event {
                Event::Submit { delivery: d } => {
                    delivery = d.code().into();
                    submitted_at = Some(a.at);
                    add("applied", a.at, &delivery, "");
                }
                Event::Correct { delivery: d } => delivery = d.code().into(),
                Event::Approve { .. } => {
                    add("approved", a.at, &delivery, "");
                    let d = days(submitted_at.unwrap(), a.at);
                    *durations
                        .entry(("submission_to_approval".into(), d))
                        .or_default() += 1;
                }
                Event::Reject { .. } => add("rejected", a.at, &delivery, ""),
                Event::RequestCorrection { items, .. } => {
                    if !corrected {
                        add("corrected", a.at, &delivery, "");
                        corrected = true;
                    }
                    let mut reasons: Vec<&str> = items.iter().map(|i| i.reason.code()).collect();
                    reasons.sort();
                    reasons.dedup();
                    for r in reasons {
                        add("correction_reason", a.at, &delivery, r);
                    }
                }
                Event::Withdraw if submitted_at.is_some() => {
                    add("withdrawn", a.at, &delivery, "applicant")
                }
                Event::CorrectionDeadlineMissed => {
                    add("withdrawn", a.at, &delivery, "correction_deadline")
                }
                Event::PaymentDeadlineMissed => {
                    add("withdrawn", a.at, &delivery, "payment_deadline")
                }
                Event::PaymentConfirmed { .. } => paid_at = Some(a.at),
                Event::Dispatch { .. } | Event::SendToHall => {
                    if matches!(a.event, Event::Dispatch { .. }) {
                        dispatched = true;
                        add("issued", a.at, &delivery, "");
                    }
                    let d = days(paid_at.unwrap(), a.at);
                    *durations
                        .entry(("payment_to_dispatch".into(), d))
                        .or_default() += 1;
                }
                Event::Collected if !dispatched => add("issued", a.at, &delivery, ""),
                _ => {}
            }
        }
        // The final state agrees with the log (a check of the generator, not of the sums).
        assert_eq!(
            row.version as usize,
            log.len(),
            "application {id} committed every step"
        );
    }
    // Sum by each facet, as Store::statistics publishes.
    let mut sums: BTreeMap<(String, String, String), u64> = BTreeMap::new();
    for (k, n) in &cells {
        let dims = [
            ("month", &k[1]),
            ("kind", &k[2]),
            ("reason", &k[3]),
            ("delivery", &k[4]),
            ("district", &k[5]),
            ("detail", &k[6]),
        ];
        for (d, v) in dims {
            *sums.entry((k[0].clone(), d.into(), v.clone())).or_default() += n;
        }
        *sums
            .entry((k[0].clone(), "total".into(), String::new()))
            .or_default() += n;
    }
    let mut counts: Vec<StatsTally> = sums
        .into_iter()
        .map(|((metric, dimension, value), n)| StatsTally {
            metric,
            dimension,
            value,
            n,
        })
        .collect();
    counts.sort();
    StatsTallies {
        counts,
        durations: durations.into_iter().map(|((m, d), n)| (m, d, n)).collect(),
    }
}

async fn the_aggregates_equal_a_direct_count_and_a_rebuild(store: TestStore) {
    let calendar = WorkingCalendar::builtin();
    generate(&store, 160, &calendar).await;
    let published = store.statistics().await.unwrap();
    let direct = direct_count(&store, &calendar).await;
    // The generator made something of everything.
    for metric in [
        "applied",
        "issued",
        "approved",
        "rejected",
        "corrected",
        "correction_reason",
        "withdrawn",
    ] {
        assert!(direct.total(metric) > 0, "no {metric} generated");
    }
    for cause in ["applicant", "correction_deadline", "payment_deadline"] {
        assert!(
            direct
                .by("withdrawn", "detail")
                .iter()
                .any(|(c, n)| c == cause && *n > 0),
            "no withdrawal by {cause}"
        );
    }
    assert!(direct.by("applied", "month").len() >= 4);
    assert!(!direct.histogram("submission_to_approval").is_empty());
    assert!(!direct.histogram("payment_to_dispatch").is_empty());
    assert_eq!(published.counts, direct.counts);
    assert_eq!(published.durations, direct.durations);
    // Applications ever submitted (not a draft, nor a draft withdrawn), by SQL on the rows.
    let submitted: i64 = crate::db::query(
        "SELECT COUNT(*) FROM applications
         WHERE version > 0 AND NOT (version = 1 AND state = 'withdrawn')",
    )
    .fetch_one(&store.pool)
    .await
    .unwrap()
    .get(0);
    assert_eq!(published.total("applied"), submitted as u64);

    // Wipe the counters by hand, then rebuild from the logs: the same figures.
    crate::db::query("UPDATE stats_counts SET n = n + 1000")
        .execute(&store.pool)
        .await
        .unwrap();
    let report = store.rebuild_stats(&calendar).await.unwrap();
    assert_eq!(report.applications, 160);
    assert_eq!(report.unmeasured, 0);
    assert_eq!(store.statistics().await.unwrap(), published);
    // Twice is the same (idempotent).
    store.rebuild_stats(&calendar).await.unwrap();
    assert_eq!(store.statistics().await.unwrap(), published);
}

/// Every row of both tables, in key order.
async fn rows(store: &Store) -> (Vec<[String; 8]>, Vec<(String, String, i64, i64)>) {
    let counts = crate::db::query(
        "SELECT month, metric, kind, reason, delivery, district, detail, n FROM stats_counts
         ORDER BY month, metric, kind, reason, delivery, district, detail",
    )
    .fetch_all(&store.pool)
    .await
    .unwrap()
    .iter()
    .map(|r| {
        let mut row: [String; 8] = Default::default();
        for (i, cell) in row.iter_mut().enumerate().take(7) {
            *cell = r.get(i);
        }
        row[7] = r.get::<i64, _>(7).to_string();
        row
    })
    .collect();
    let durations = crate::db::query(
        "SELECT metric, month, days, n FROM stats_durations ORDER BY metric, month, days",
    )
    .fetch_all(&store.pool)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
    .collect();
    (counts, durations)
}

/// What `wangban stats generate` writes — synthetic histories replayed, folded in memory and
/// written with `replace_stats` — is row for row what committing the same histories one
/// action at a time through `commit_action` (the server's path) leaves in the tables.
async fn synthetic_histories_write_what_their_commits_add(store: TestStore) {
    use wangban_core::stats::replay;
    use wangban_core::stats::synthetic::{Histories, Span};
    const N: usize = 1_000;
    let calendar = WorkingCalendar::builtin();
    let histories: Vec<_> = Histories::new(5, Span::default(), &calendar)
        .unwrap()
        .take(N)
        .collect();
    let applicant = store
        .applicant_for_phone("13800000001", Utc::now())
        .await
        .unwrap();
    for (i, h) in histories.iter().enumerate() {
        let id = store
            .create_application(&NewApplication {
                number: format!("S{i:08}"),
                applicant,
                kind: h.facets.kind.clone(),
                reason: h.facets.reason.clone(),
                state: "draft".into(),
                form: "{}".into(),
                hukou_district: h.facets.district.clone(),
                created_at: h.created_at,
            })
            .await
            .unwrap();
        let mut app = Application::new_draft(h.created_at);
        for (seq, action) in h.log.iter().enumerate() {
            let next = app.apply(action).unwrap();
            let (stats, _) = deltas(&h.facets, &app, &h.log[..seq], action, &calendar);
            store
                .commit_action(&Commit {
                    application: id,
                    expected_version: seq as i64,
                    at: action.at,
                    new_state: next.state().code().into(),
                    due_at: None,
                    actor: action.actor.code().into(),
                    officer: None,
                    action: serde_json::to_string(action).unwrap(),
                    form: None,
                    claimed_by: None,
                    jobs: vec![],
                    audit: vec![],
                    payment_paid: None,
                    stats,
                })
                .await
                .unwrap();
            app = next;
        }
    }
    let committed = rows(&store).await;
    let published = store.statistics().await.unwrap();
    assert_eq!(published.total("applied"), N as u64);
    assert!(committed.0.len() > 500, "{} cells", committed.0.len());

    // Emptied, then the generator's way.
    store.replace_stats(&StatsCells::default()).await.unwrap();
    assert_eq!(store.statistics().await.unwrap(), StatsTallies::default());
    let mut cells = StatsCells::default();
    for h in &histories {
        let (d, unmeasured) = replay(&h.facets, h.created_at, &h.log, &calendar).unwrap();
        assert!(unmeasured.is_empty());
        cells.add(d);
    }
    store.replace_stats(&cells).await.unwrap();
    assert_eq!(rows(&store).await, committed);
    assert_eq!(store.statistics().await.unwrap(), published);
}

mod on_sqlite {
    #[tokio::test]
    async fn the_aggregates_equal_a_direct_count_and_a_rebuild() {
        super::the_aggregates_equal_a_direct_count_and_a_rebuild(
            crate::testing::TestStore::sqlite().await,
        )
        .await
    }

    #[tokio::test]
    async fn synthetic_histories_write_what_their_commits_add() {
        super::synthetic_histories_write_what_their_commits_add(
            crate::testing::TestStore::sqlite().await,
        )
        .await
    }
}

mod on_postgres {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_aggregates_equal_a_direct_count_and_a_rebuild() {
        super::the_aggregates_equal_a_direct_count_and_a_rebuild(
            crate::testing::TestStore::postgres().await,
        )
        .await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn synthetic_histories_write_what_their_commits_add() {
        super::synthetic_histories_write_what_their_commits_add(
            crate::testing::TestStore::postgres().await,
        )
        .await
    }
}
