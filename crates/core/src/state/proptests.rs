//! Random logs: random actors doing random events at mostly increasing times, some steered along
//! the table so that deep states are reached, with invariants checked after every step.

use chrono::Duration;
use proptest::prelude::*;

use super::tests::t0;
use super::*;
use crate::clock::ClockStatus;

/// The data an event may carry, drawn once per step.
#[derive(Clone, Debug)]
struct Seed {
    delivery: DeliveryMethod,
    maybe_delivery: Option<DeliveryMethod>,
    fee_fen: u64,
    /// Whether a payment pays exactly the fee.
    exact: bool,
    items: Vec<CorrectionItem>,
    blank: bool,
    reason: RejectionReason,
    /// Seconds after the previous action (negative: going back in time).
    dt: i64,
}

#[derive(Clone, Debug)]
enum Step {
    /// Pick a row leaving the current state and one of its actors (by index, modulo); `onward`
    /// leaves out the rows that end the application early or stay put, so that the walk gets
    /// past the many ways out and reaches production and delivery.
    Steered {
        row: usize,
        actor: usize,
        onward: bool,
        seed: Seed,
    },
    /// Any actor, any event.
    Random {
        actor: Actor,
        kind: EventKind,
        seed: Seed,
    },
}

fn delivery() -> impl Strategy<Value = DeliveryMethod> {
    prop::sample::select(DeliveryMethod::ALL)
}

fn seed() -> impl Strategy<Value = Seed> {
    let item = (
        prop::sample::select(CorrectionSubject::ALL),
        prop::sample::select(CorrectionReason::ALL),
    )
        .prop_map(|(subject, reason)| CorrectionItem { subject, reason });
    (
        delivery(),
        prop::option::of(delivery()),
        prop::sample::select(&[6_000u64, 12_000][..]),
        prop::bool::weighted(0.85),
        prop::collection::vec(item, 0..4),
        prop::bool::weighted(0.1),
        prop::sample::select(RejectionReason::ALL),
        prop_oneof![
            1 => -7_200i64..0,
            12 => 0i64..=3 * 86_400,
        ],
    )
        .prop_map(
            |(delivery, maybe_delivery, fee_fen, exact, items, blank, reason, dt)| Seed {
                delivery,
                maybe_delivery,
                fee_fen,
                exact,
                items,
                blank,
                reason,
                dt,
            },
        )
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (any::<usize>(), any::<usize>(), prop::bool::weighted(0.8), seed())
            .prop_map(|(row, actor, onward, seed)| Step::Steered { row, actor, onward, seed }),
        1 => (
            prop::sample::select(Actor::ALL),
            prop::sample::select(EventKind::ALL),
            seed()
        )
            .prop_map(|(actor, kind, seed)| Step::Random { actor, kind, seed }),
    ]
}

fn text(seed: &Seed, value: &str) -> String {
    if seed.blank { " ".into() } else { value.into() }
}

fn event(kind: EventKind, app: &Application, seed: &Seed) -> Event {
    match kind {
        EventKind::Submit => Event::Submit {
            delivery: seed.delivery,
        },
        EventKind::UpdateDraft => Event::UpdateDraft {
            delivery: seed.maybe_delivery,
        },
        EventKind::Claim => Event::Claim,
        EventKind::Release => Event::Release,
        EventKind::RequestCorrection => Event::RequestCorrection {
            items: seed.items.clone(),
            note: seed.blank.then(|| "note".to_owned()),
        },
        EventKind::Correct => Event::Correct {
            delivery: seed.delivery,
        },
        EventKind::Approve => Event::Approve {
            fee_fen: seed.fee_fen,
        },
        EventKind::Reject => Event::Reject {
            reason: seed.reason,
            note: text(seed, "reason"),
        },
        EventKind::Withdraw => Event::Withdraw,
        EventKind::CorrectionDeadlineMissed => Event::CorrectionDeadlineMissed,
        EventKind::PaymentDeadlineMissed => Event::PaymentDeadlineMissed,
        EventKind::PaymentConfirmed => Event::PaymentConfirmed {
            amount_fen: if seed.exact {
                app.fee_fen().unwrap_or(seed.fee_fen)
            } else {
                seed.fee_fen + 1
            },
            reference: text(seed, "PAY"),
        },
        EventKind::Produced => Event::Produced {
            document_number: text(seed, "EA1234567"),
        },
        EventKind::Dispatch => Event::Dispatch {
            tracking_number: text(seed, "AA473124829GB"),
        },
        EventKind::SendToHall => Event::SendToHall,
        EventKind::Delivered => Event::Delivered,
        EventKind::DeliveryFailed => Event::DeliveryFailed,
        EventKind::Collected => Event::Collected,
    }
}

fn action(step: &Step, app: &Application) -> Action {
    let (actor, kind, seed) = match step {
        Step::Steered {
            row,
            actor,
            onward,
            seed,
        } => {
            let mut rows: Vec<_> = transitions_from(app.state()).collect();
            let forward = |t: &&Transition| {
                t.to != t.from && !matches!(t.to, State::Withdrawn | State::Rejected)
            };
            if *onward && rows.iter().any(forward) {
                rows.retain(forward);
            }
            if rows.is_empty() {
                let kind = EventKind::ALL[row % EventKind::ALL.len()];
                (Actor::ALL[actor % Actor::ALL.len()], kind, seed)
            } else {
                let t = rows[row % rows.len()];
                (t.actors[actor % t.actors.len()], t.event, seed)
            }
        }
        Step::Random { actor, kind, seed } => (*actor, *kind, seed),
    };
    Action::new(
        app.updated_at() + Duration::seconds(seed.dt),
        actor,
        event(kind, app, seed),
    )
}

/// Whether `action` should be accepted, decided without `apply`: the table, the time, the
/// delivery method and the event's data.
fn acceptable(app: &Application, action: &Action) -> bool {
    let kind = action.event.kind();
    let Some(t) = transition(app.state(), kind) else {
        return false;
    };
    let data_ok = match &action.event {
        Event::RequestCorrection { items, .. } => !items.is_empty(),
        Event::PaymentConfirmed {
            amount_fen,
            reference,
        } => app.fee_fen() == Some(*amount_fen) && !reference.trim().is_empty(),
        Event::Produced { document_number } => !document_number.trim().is_empty(),
        Event::Dispatch { tracking_number } => !tracking_number.trim().is_empty(),
        _ => true,
    };
    !app.state().is_terminal()
        && t.actors.contains(&action.actor)
        && action.at >= app.updated_at()
        && t.requires_delivery
            .is_none_or(|d| app.delivery() == Some(d))
        && data_ok
}

/// The phase each clock must be in, per state, written out independently of `clock_phase`.
fn expected_phase(kind: ClockKind, state: State) -> ClockPhase {
    use ClockPhase::*;
    use State::*;
    let (review, correction, payment, production) = match state {
        Draft => (Idle, Idle, Idle, Idle),
        Submitted | UnderReview => (Running, Idle, Idle, Idle),
        CorrectionRequested => (Paused, Running, Idle, Idle),
        AwaitingPayment => (Idle, Idle, Running, Idle),
        InProduction => (Idle, Idle, Idle, Running),
        Produced | Dispatched | ReadyForPickup | Delivered | Collected | Withdrawn | Rejected => {
            (Idle, Idle, Idle, Idle)
        }
    };
    match kind {
        ClockKind::Review => review,
        ClockKind::Correction => correction,
        ClockKind::Payment => payment,
        ClockKind::Production => production,
    }
}

fn check_invariants(app: &Application, accepted: &[Action]) -> Result<(), TestCaseError> {
    let state = app.state();
    prop_assert_eq!(app.version(), accepted.len() as u64);
    if let Some(last) = accepted.last() {
        prop_assert_eq!(app.updated_at(), last.at);
    }
    // The log is in time order.
    prop_assert!(accepted.windows(2).all(|w| w[0].at <= w[1].at));

    // Clocks follow the state: running or paused, never both, never in a final state.
    for kind in ClockKind::ALL {
        let status = app.clock(kind).status();
        let phase = expected_phase(kind, state);
        prop_assert_eq!(phase, clock_phase(kind, state));
        match phase {
            ClockPhase::Running => {
                prop_assert!(
                    matches!(status, ClockStatus::Running { .. }),
                    "{kind:?} {status:?} in {state}"
                )
            }
            ClockPhase::Paused => {
                prop_assert!(
                    matches!(status, ClockStatus::Paused { .. }),
                    "{kind:?} {status:?} in {state}"
                )
            }
            ClockPhase::Idle => prop_assert!(
                matches!(
                    status,
                    ClockStatus::NotStarted | ClockStatus::Stopped { .. }
                ),
                "{:?} {:?} in {}",
                kind,
                status,
                state
            ),
        }
        if state.is_terminal() {
            let active = matches!(
                status,
                ClockStatus::Running { .. } | ClockStatus::Paused { .. }
            );
            prop_assert!(!active, "{:?} active in final state {}", kind, state);
        }
    }
    let submitted = accepted.iter().any(|a| a.event.kind() == EventKind::Submit);
    prop_assert_eq!(
        app.clock(ClockKind::Review).status() == ClockStatus::NotStarted,
        !submitted
    );

    // Payment only after an approval, and of exactly the approved fee.
    let mut fee = None;
    for a in accepted {
        match &a.event {
            Event::Approve { fee_fen } => fee = Some(*fee_fen),
            Event::PaymentConfirmed { amount_fen, .. } => {
                prop_assert_eq!(fee, Some(*amount_fen), "payment without matching approval");
            }
            _ => {}
        }
    }
    prop_assert_eq!(app.fee_fen(), fee);
    prop_assert_eq!(
        app.payment().is_some(),
        accepted
            .iter()
            .any(|a| a.event.kind() == EventKind::PaymentConfirmed)
    );

    // What the application remembers matches the log.
    let rounds = accepted
        .iter()
        .filter(|a| a.event.kind() == EventKind::RequestCorrection)
        .count();
    prop_assert_eq!(app.correction_rounds() as usize, rounds);
    if submitted {
        prop_assert!(app.delivery().is_some());
    } else {
        prop_assert!(matches!(state, State::Draft | State::Withdrawn));
    }
    prop_assert_eq!(
        app.withdrawal().is_some(),
        state == State::Withdrawn,
        "withdrawal cause in {}",
        state
    );
    prop_assert_eq!(app.rejection().is_some(), state == State::Rejected);
    if matches!(state, State::Dispatched | State::Delivered) {
        prop_assert!(app.tracking_number().is_some());
        prop_assert_eq!(app.delivery(), Some(DeliveryMethod::Mail));
    }
    if matches!(
        state,
        State::Produced
            | State::Dispatched
            | State::ReadyForPickup
            | State::Delivered
            | State::Collected
    ) {
        prop_assert!(app.document_number().is_some() && app.payment().is_some());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_logs_keep_every_invariant(steps in prop::collection::vec(step(), 0..48)) {
        let mut app = Application::new_draft(t0());
        let mut accepted: Vec<Action> = Vec::new();
        for step in &steps {
            let action = action(step, &app);
            let before = app.clone();
            let expected = acceptable(&app, &action);
            match app.apply(&action) {
                Ok(next) => {
                    prop_assert!(expected, "accepted {:?} from {}", action, app.state());
                    prop_assert!(!before.is_terminal());
                    prop_assert_eq!(next.version(), before.version() + 1);
                    let t = transition(before.state(), action.event.kind()).unwrap();
                    prop_assert_eq!(next.state(), t.to);
                    prop_assert!(next.available_events(action.actor).is_empty()
                        || !next.is_terminal());
                    prop_assert!(before.available_events(action.actor).contains(&action.event.kind()));
                    accepted.push(action);
                    app = next;
                }
                Err(error) => {
                    prop_assert!(!expected, "refused {:?} from {}: {}", action, app.state(), error);
                    prop_assert_eq!(&app, &before);
                    if before.is_terminal() {
                        prop_assert!(
                            matches!(error, TransitionError::Terminal { .. }),
                            "final state refused with {:?}",
                            error
                        );
                    }
                    prop_assert!(crate::i18n::has_key(error.code()));
                }
            }
            check_invariants(&app, &accepted)?;
        }
        // The application is its log.
        prop_assert_eq!(Application::replay(t0(), &accepted), Ok(app.clone()));
        let json = serde_json::to_string(&accepted).unwrap();
        let back: Vec<Action> = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(Application::replay(t0(), &back), Ok(app));
    }
}

/// The steering reaches every state and every row, so the property above sees all of them.
#[test]
fn the_random_walk_covers_the_whole_table() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, TestRng, TestRunner};
    use std::collections::BTreeSet;

    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::deterministic_rng(proptest::test_runner::RngAlgorithm::ChaCha),
    );
    let strategy = prop::collection::vec(step(), 0..48);
    let mut states = BTreeSet::new();
    let mut rows = BTreeSet::new();
    for _ in 0..512 {
        let steps = strategy.new_tree(&mut runner).unwrap().current();
        let mut app = Application::new_draft(t0());
        states.insert(app.state());
        for step in &steps {
            let action = action(step, &app);
            if let Ok(next) = app.apply(&action) {
                rows.insert((app.state(), action.event.kind()));
                app = next;
                states.insert(app.state());
            }
        }
    }
    assert_eq!(states.len(), State::ALL.len(), "{states:?}");
    let missing: Vec<_> = TRANSITIONS
        .iter()
        .filter(|t| !rows.contains(&(t.from, t.event)))
        .collect();
    assert!(missing.is_empty(), "never taken: {missing:?}");
}
