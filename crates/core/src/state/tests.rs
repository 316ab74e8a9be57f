use std::collections::{BTreeSet, VecDeque};

use chrono::{Duration, TimeZone, Utc};

use super::*;
use crate::clock::ClockStatus;
use crate::i18n::{Locale, has_key};

pub(super) fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap()
}

/// A valid event of `kind` for `app` (the right amount, non-blank texts, one correction item).
pub(super) fn valid_event(kind: EventKind, app: &Application, delivery: DeliveryMethod) -> Event {
    match kind {
        EventKind::Submit => Event::Submit { delivery },
        EventKind::UpdateDraft => Event::UpdateDraft {
            delivery: Some(delivery),
        },
        EventKind::Claim => Event::Claim,
        EventKind::Release => Event::Release,
        EventKind::RequestCorrection => Event::RequestCorrection {
            items: vec![CorrectionItem {
                subject: CorrectionSubject::IdPhoto,
                reason: CorrectionReason::PhotoBackground,
            }],
            note: None,
        },
        EventKind::Correct => Event::Correct { delivery },
        EventKind::Approve => Event::Approve { fee_fen: 12_000 },
        EventKind::Reject => Event::Reject {
            reason: RejectionReason::Ineligible,
            note: "state functionary".into(),
        },
        EventKind::Withdraw => Event::Withdraw,
        EventKind::CorrectionDeadlineMissed => Event::CorrectionDeadlineMissed,
        EventKind::PaymentDeadlineMissed => Event::PaymentDeadlineMissed,
        EventKind::PaymentConfirmed => Event::PaymentConfirmed {
            amount_fen: app.fee_fen().unwrap_or(12_000),
            reference: "PAY-1".into(),
        },
        EventKind::Produced => Event::Produced {
            document_number: "EA1234567".into(),
        },
        EventKind::Dispatch => Event::Dispatch {
            tracking_number: "AA473124829GB".into(),
        },
        EventKind::SendToHall => Event::SendToHall,
        EventKind::Delivered => Event::Delivered,
        EventKind::DeliveryFailed => Event::DeliveryFailed,
        EventKind::Collected => Event::Collected,
    }
}

/// Builds an application one accepted action at a time, an hour apart, keeping the log.
pub(super) struct Script {
    pub app: Application,
    pub log: Vec<Action>,
    pub now: Timestamp,
}

impl Script {
    pub fn new() -> Self {
        Script {
            app: Application::new_draft(t0()),
            log: Vec::new(),
            now: t0(),
        }
    }

    fn action(&mut self, actor: Actor, event: Event) -> Action {
        self.now += Duration::hours(1);
        Action::new(self.now, actor, event)
    }

    #[track_caller]
    pub fn step(&mut self, actor: Actor, event: Event) -> &mut Self {
        let action = self.action(actor, event);
        let before = self.app.clone();
        self.app = self
            .app
            .apply(&action)
            .unwrap_or_else(|e| panic!("{action:?} refused from {:?}: {e}", before.state()));
        assert_eq!(self.app.version(), before.version() + 1);
        self.log.push(action);
        self
    }

    #[track_caller]
    pub fn refuse(&mut self, actor: Actor, event: Event) -> TransitionError {
        let action = self.action(actor, event);
        let before = self.app.clone();
        let err = self
            .app
            .apply(&action)
            .expect_err("the action should be refused");
        assert_eq!(self.app, before);
        err
    }

    #[track_caller]
    pub fn state(&mut self, state: State) -> &mut Self {
        assert_eq!(self.app.state(), state);
        self
    }

    pub fn status(&self, kind: ClockKind) -> ClockStatus {
        self.app.clock(kind).status()
    }
}

/// The shortest way from a new draft to `target` for an applicant who chose `delivery`: the
/// actor and event kind of each step.
fn path_to(target: State, delivery: DeliveryMethod) -> Option<Vec<&'static Transition>> {
    let mut queue = VecDeque::from([(State::Draft, Vec::new())]);
    let mut seen = BTreeSet::from([State::Draft]);
    while let Some((state, path)) = queue.pop_front() {
        if state == target {
            return Some(path);
        }
        for t in transitions_from(state) {
            if t.requires_delivery.is_some_and(|d| d != delivery) {
                continue;
            }
            if seen.insert(t.to) {
                let mut next: Vec<&'static Transition> = path.clone();
                next.push(t);
                queue.push_back((t.to, next));
            }
        }
    }
    None
}

/// A script whose application is in `target`, reached with `delivery`.
fn reach(target: State, delivery: DeliveryMethod) -> Option<Script> {
    let path = path_to(target, delivery)?;
    let mut s = Script::new();
    for t in path {
        let event = valid_event(t.event, &s.app, delivery);
        s.step(t.actors[0], event);
    }
    s.state(target);
    Some(s)
}

fn other(d: DeliveryMethod) -> DeliveryMethod {
    match d {
        DeliveryMethod::Mail => DeliveryMethod::Pickup,
        DeliveryMethod::Pickup => DeliveryMethod::Mail,
    }
}

// ----- the table --------------------------------------------------------------------------------

#[test]
fn the_table_is_the_one_in_the_brief() {
    use Actor as A;
    use EventKind as E;
    use State as S;
    type Row = (S, E, Vec<A>, S, Option<DeliveryMethod>);
    let expected: BTreeSet<Row> = [
        (S::Draft, E::Submit, vec![A::Applicant], S::Submitted, None),
        (S::Draft, E::UpdateDraft, vec![A::Applicant], S::Draft, None),
        (
            S::Submitted,
            E::Claim,
            vec![A::Reviewer],
            S::UnderReview,
            None,
        ),
        (
            S::UnderReview,
            E::Release,
            vec![A::Reviewer, A::Supervisor],
            S::Submitted,
            None,
        ),
        (
            S::UnderReview,
            E::RequestCorrection,
            vec![A::Reviewer],
            S::CorrectionRequested,
            None,
        ),
        (
            S::CorrectionRequested,
            E::Correct,
            vec![A::Applicant],
            S::Submitted,
            None,
        ),
        (
            S::UnderReview,
            E::Approve,
            vec![A::Reviewer],
            S::AwaitingPayment,
            None,
        ),
        (
            S::UnderReview,
            E::Reject,
            vec![A::Reviewer],
            S::Rejected,
            None,
        ),
        (
            S::Draft,
            E::Withdraw,
            vec![A::Applicant],
            S::Withdrawn,
            None,
        ),
        (
            S::Submitted,
            E::Withdraw,
            vec![A::Applicant],
            S::Withdrawn,
            None,
        ),
        (
            S::UnderReview,
            E::Withdraw,
            vec![A::Applicant],
            S::Withdrawn,
            None,
        ),
        (
            S::CorrectionRequested,
            E::Withdraw,
            vec![A::Applicant],
            S::Withdrawn,
            None,
        ),
        (
            S::AwaitingPayment,
            E::Withdraw,
            vec![A::Applicant],
            S::Withdrawn,
            None,
        ),
        (
            S::CorrectionRequested,
            E::CorrectionDeadlineMissed,
            vec![A::System],
            S::Withdrawn,
            None,
        ),
        (
            S::AwaitingPayment,
            E::PaymentDeadlineMissed,
            vec![A::System],
            S::Withdrawn,
            None,
        ),
        (
            S::AwaitingPayment,
            E::PaymentConfirmed,
            vec![A::PaymentProvider],
            S::InProduction,
            None,
        ),
        (
            S::InProduction,
            E::Produced,
            vec![A::ProductionOperator, A::ProductionCentre],
            S::Produced,
            None,
        ),
        (
            S::Produced,
            E::Dispatch,
            vec![A::DispatchClerk],
            S::Dispatched,
            Some(DeliveryMethod::Mail),
        ),
        (
            S::Produced,
            E::SendToHall,
            vec![A::DispatchClerk],
            S::ReadyForPickup,
            Some(DeliveryMethod::Pickup),
        ),
        (
            S::Dispatched,
            E::Delivered,
            vec![A::PostalService],
            S::Delivered,
            None,
        ),
        (
            S::Dispatched,
            E::DeliveryFailed,
            vec![A::PostalService],
            S::ReadyForPickup,
            None,
        ),
        (
            S::ReadyForPickup,
            E::Collected,
            vec![A::DispatchClerk],
            S::Collected,
            None,
        ),
    ]
    .into_iter()
    .map(|(f, e, mut a, t, d)| {
        a.sort();
        (f, e, a, t, d)
    })
    .collect();
    let actual: BTreeSet<_> = TRANSITIONS
        .iter()
        .map(|t| {
            let mut actors = t.actors.to_vec();
            actors.sort();
            (t.from, t.event, actors, t.to, t.requires_delivery)
        })
        .collect();
    assert_eq!(actual, expected);
    assert_eq!(TRANSITIONS.len(), expected.len(), "a row is duplicated");
}

#[test]
fn the_table_is_well_formed() {
    let mut pairs = BTreeSet::new();
    for t in TRANSITIONS {
        assert!(
            pairs.insert((t.from, t.event)),
            "two rows for {} on {}",
            t.from,
            t.event
        );
        assert!(
            !t.actors.is_empty(),
            "nobody may {} from {}",
            t.event,
            t.from
        );
        assert!(!t.from.is_terminal(), "a row leaves final state {}", t.from);
        let unique: BTreeSet<_> = t.actors.iter().collect();
        assert_eq!(unique.len(), t.actors.len(), "actor repeated in {t:?}");
        // Only the choice between post and hall depends on the delivery method.
        if t.requires_delivery.is_some() {
            assert_eq!(t.from, State::Produced);
        }
        // Exactly the three withdrawing events lead to Withdrawn.
        assert_eq!(
            t.to == State::Withdrawn,
            t.event.withdrawal_cause().is_some(),
            "{t:?}"
        );
    }
    // Every event kind is used by the table.
    for kind in EventKind::ALL {
        assert!(
            TRANSITIONS.iter().any(|t| t.event == *kind),
            "{kind} unused"
        );
    }
    // From Produced, each delivery method has exactly one way on.
    for d in DeliveryMethod::ALL {
        let ways = transitions_from(State::Produced)
            .filter(|t| t.requires_delivery.is_none_or(|r| r == *d))
            .count();
        assert_eq!(ways, 1, "{d}");
    }
}

#[test]
fn every_state_is_reachable_from_draft() {
    let mut seen = BTreeSet::from([State::Draft]);
    let mut queue = VecDeque::from([State::Draft]);
    while let Some(s) = queue.pop_front() {
        for t in transitions_from(s) {
            if seen.insert(t.to) {
                queue.push_back(t.to);
            }
        }
    }
    let all: BTreeSet<_> = State::ALL.iter().copied().collect();
    assert_eq!(seen, all);
    // And each with a real application, under a delivery method that leads there.
    for state in State::ALL {
        assert!(
            reach(*state, DeliveryMethod::Mail).is_some()
                || reach(*state, DeliveryMethod::Pickup).is_some(),
            "{state}"
        );
    }
}

#[test]
fn every_non_terminal_state_has_a_way_out_and_leads_to_an_end() {
    for state in State::ALL {
        let out: Vec<_> = transitions_from(*state).collect();
        if state.is_terminal() {
            assert!(out.is_empty(), "{state} is final but has rows");
            continue;
        }
        assert!(out.iter().any(|t| t.to != *state), "{state} has no way out");
        // A final state is reachable from here (no trap).
        let mut seen = BTreeSet::from([*state]);
        let mut queue = VecDeque::from([*state]);
        let mut ends = false;
        while let Some(s) = queue.pop_front() {
            ends |= s.is_terminal();
            for t in transitions_from(s) {
                if seen.insert(t.to) {
                    queue.push_back(t.to);
                }
            }
        }
        assert!(ends, "no final state reachable from {state}");
    }
    assert_eq!(
        State::ALL.iter().filter(|s| s.is_terminal()).count(),
        4,
        "Delivered, Collected, Withdrawn, Rejected"
    );
}

#[test]
fn every_row_is_exercised_with_every_actor() {
    let mut covered = BTreeSet::new();
    for (i, t) in TRANSITIONS.iter().enumerate() {
        for delivery in DeliveryMethod::ALL {
            if t.requires_delivery.is_some_and(|d| d != *delivery) {
                continue;
            }
            let Some(start) = reach(t.from, *delivery) else {
                continue;
            };
            for actor in Actor::ALL {
                let event = valid_event(t.event, &start.app, *delivery);
                let action = Action::new(start.now + Duration::minutes(5), *actor, event);
                let result = start.app.apply(&action);
                if t.actors.contains(actor) {
                    let next = result.unwrap_or_else(|e| panic!("{t:?} by {actor}: {e}"));
                    assert_eq!(next.state(), t.to);
                    assert_eq!(next.version(), start.app.version() + 1);
                    assert_eq!(allowed(t.from, t.event, *actor), Ok(t.to));
                    covered.insert(i);
                } else {
                    assert!(
                        matches!(
                            result,
                            Err(TransitionError::ActorNotPermitted { actor: a, .. }) if a == *actor
                        ),
                        "{t:?} by {actor}: {result:?}"
                    );
                    assert!(allowed(t.from, t.event, *actor).is_err());
                }
            }
        }
    }
    assert_eq!(covered.len(), TRANSITIONS.len());
}

#[test]
fn every_state_refuses_every_event_not_in_its_rows() {
    for state in State::ALL {
        let start = reach(*state, DeliveryMethod::Mail)
            .or_else(|| reach(*state, DeliveryMethod::Pickup))
            .unwrap();
        for kind in EventKind::ALL {
            if transition(*state, *kind).is_some() {
                continue;
            }
            // The actor who may do this event elsewhere.
            let actor = TRANSITIONS
                .iter()
                .find(|t| t.event == *kind)
                .unwrap()
                .actors[0];
            let event = valid_event(*kind, &start.app, DeliveryMethod::Mail);
            let action = Action::new(start.now + Duration::minutes(5), actor, event);
            let expected = if state.is_terminal() {
                TransitionError::Terminal {
                    state: *state,
                    event: *kind,
                }
            } else {
                TransitionError::NotAllowed {
                    state: *state,
                    event: *kind,
                }
            };
            assert_eq!(start.app.apply(&action), Err(expected.clone()));
            assert_eq!(allowed(*state, *kind, actor), Err(expected));
        }
    }
}

#[test]
fn the_three_administrators_are_permitted_nothing() {
    let admins = [
        Actor::SystemAdministrator,
        Actor::SecurityAdministrator,
        Actor::Auditor,
    ];
    for admin in admins {
        assert!(admin.is_officer());
        assert!(!admin.acts_on_applications());
        assert!(TRANSITIONS.iter().all(|t| !t.actors.contains(&admin)));
        for state in State::ALL {
            let start = reach(*state, DeliveryMethod::Mail)
                .or_else(|| reach(*state, DeliveryMethod::Pickup))
                .unwrap();
            assert!(start.app.available_events(admin).is_empty());
            for kind in EventKind::ALL {
                let event = valid_event(*kind, &start.app, DeliveryMethod::Mail);
                let action = Action::new(start.now, admin, event);
                let err = start.app.apply(&action).unwrap_err();
                assert!(
                    matches!(
                        err,
                        TransitionError::ActorNotPermitted { .. }
                            | TransitionError::Terminal { .. }
                    ),
                    "{admin} {kind} from {state}: {err:?}"
                );
            }
        }
    }
    // Everyone else does something.
    for actor in Actor::ALL {
        assert_eq!(
            actor.acts_on_applications(),
            !admins.contains(actor),
            "{actor}"
        );
    }
}

#[test]
fn a_final_application_accepts_nothing() {
    for state in State::ALL.iter().filter(|s| s.is_terminal()) {
        let start = reach(*state, DeliveryMethod::Mail)
            .or_else(|| reach(*state, DeliveryMethod::Pickup))
            .unwrap();
        for actor in Actor::ALL {
            assert!(start.app.available_events(*actor).is_empty());
            for kind in EventKind::ALL {
                let event = valid_event(*kind, &start.app, DeliveryMethod::Mail);
                let action = Action::new(start.now + Duration::days(1), *actor, event);
                assert_eq!(
                    start.app.apply(&action),
                    Err(TransitionError::Terminal {
                        state: *state,
                        event: *kind
                    })
                );
            }
        }
    }
}

// ----- whole journeys ---------------------------------------------------------------------------

fn running(s: &Script, kind: ClockKind) -> bool {
    matches!(s.status(kind), ClockStatus::Running { .. })
}

fn paused(s: &Script, kind: ClockKind) -> bool {
    matches!(s.status(kind), ClockStatus::Paused { .. })
}

fn stopped(s: &Script, kind: ClockKind) -> bool {
    matches!(s.status(kind), ClockStatus::Stopped { .. })
}

fn not_started(s: &Script, kind: ClockKind) -> bool {
    s.status(kind) == ClockStatus::NotStarted
}

fn to_approval(delivery: DeliveryMethod) -> Script {
    let mut s = Script::new();
    s.step(Actor::Applicant, Event::UpdateDraft { delivery: None })
        .step(Actor::Applicant, Event::Submit { delivery })
        .state(State::Submitted);
    assert!(running(&s, ClockKind::Review));
    s.step(Actor::Reviewer, Event::Claim)
        .state(State::UnderReview)
        .step(Actor::Reviewer, Event::Approve { fee_fen: 12_000 })
        .state(State::AwaitingPayment);
    assert!(stopped(&s, ClockKind::Review));
    assert!(running(&s, ClockKind::Payment));
    assert!(not_started(&s, ClockKind::Correction));
    assert_eq!(s.app.fee_fen(), Some(12_000));
    s
}

fn pay_and_produce(s: &mut Script) {
    s.step(
        Actor::PaymentProvider,
        Event::PaymentConfirmed {
            amount_fen: 12_000,
            reference: "WX20260302001".into(),
        },
    )
    .state(State::InProduction);
    assert!(stopped(s, ClockKind::Payment));
    assert!(running(s, ClockKind::Production));
    s.step(
        Actor::ProductionCentre,
        Event::Produced {
            document_number: "EA1234567".into(),
        },
    )
    .state(State::Produced);
    assert!(stopped(s, ClockKind::Production));
    assert_eq!(s.app.document_number(), Some("EA1234567"));
    let payment = s.app.payment().unwrap();
    assert_eq!(payment.amount_fen, 12_000);
    assert_eq!(payment.reference, "WX20260302001");
}

fn assert_replays(s: &Script) {
    assert_eq!(Application::replay(t0(), &s.log), Ok(s.app.clone()));
    let json = serde_json::to_string(&s.log).unwrap();
    let back: Vec<Action> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, s.log);
    assert_eq!(s.app.version(), s.log.len() as u64);
}

#[test]
fn mail_happy_path() {
    let mut s = to_approval(DeliveryMethod::Mail);
    pay_and_produce(&mut s);
    assert_eq!(
        s.app.available_events(Actor::DispatchClerk),
        vec![EventKind::Dispatch]
    );
    s.step(
        Actor::DispatchClerk,
        Event::Dispatch {
            tracking_number: "AA473124829GB".into(),
        },
    )
    .state(State::Dispatched)
    .step(Actor::PostalService, Event::Delivered)
    .state(State::Delivered);
    assert_eq!(s.app.tracking_number(), Some("AA473124829GB"));
    assert!(s.app.is_terminal());
    for kind in ClockKind::ALL {
        assert!(!running(&s, kind) && !paused(&s, kind), "{kind:?}");
    }
    assert_eq!(s.app.correction_rounds(), 0);
    assert_eq!(s.app.withdrawal(), None);
    assert_replays(&s);
}

#[test]
fn pickup_happy_path() {
    let mut s = to_approval(DeliveryMethod::Pickup);
    pay_and_produce(&mut s);
    assert_eq!(
        s.app.available_events(Actor::DispatchClerk),
        vec![EventKind::SendToHall]
    );
    s.step(Actor::DispatchClerk, Event::SendToHall)
        .state(State::ReadyForPickup)
        .step(Actor::DispatchClerk, Event::Collected)
        .state(State::Collected);
    assert_eq!(s.app.tracking_number(), None);
    assert_replays(&s);
}

#[test]
fn a_correction_round_pauses_and_resumes_the_review_clock() {
    let mut s = Script::new();
    s.step(
        Actor::Applicant,
        Event::Submit {
            delivery: DeliveryMethod::Mail,
        },
    )
    .step(Actor::Reviewer, Event::Claim);
    let items = vec![
        CorrectionItem {
            subject: CorrectionSubject::IdPhoto,
            reason: CorrectionReason::PhotoBackground,
        },
        CorrectionItem {
            subject: CorrectionSubject::Signature,
            reason: CorrectionReason::SignatureSpacing,
        },
    ];
    s.step(
        Actor::Reviewer,
        Event::RequestCorrection {
            items: items.clone(),
            note: Some("请在白色背景前重新拍摄".into()),
        },
    )
    .state(State::CorrectionRequested);
    let asked_at = s.now;
    assert_eq!(
        s.status(ClockKind::Review),
        ClockStatus::Paused { since: asked_at }
    );
    assert_eq!(
        s.status(ClockKind::Correction),
        ClockStatus::Running { since: asked_at }
    );
    let request = s.app.correction_request().unwrap();
    assert_eq!(request.items, items);
    assert_eq!(request.at, asked_at);
    assert_eq!(s.app.correction_rounds(), 1);

    // The applicant corrects and switches to pickup.
    s.step(
        Actor::Applicant,
        Event::Correct {
            delivery: DeliveryMethod::Pickup,
        },
    )
    .state(State::Submitted);
    let corrected_at = s.now;
    assert_eq!(
        s.status(ClockKind::Review),
        ClockStatus::Running {
            since: corrected_at
        }
    );
    assert_eq!(
        s.status(ClockKind::Correction),
        ClockStatus::Stopped { at: corrected_at }
    );
    assert_eq!(s.app.delivery(), Some(DeliveryMethod::Pickup));
    // The review clock ran twice, with the correction time left out.
    let segments = s.app.clock(ClockKind::Review).segments();
    assert_eq!(segments.len(), 2);
    assert_eq!(segments[0].end, Some(asked_at));
    assert_eq!(segments[1].start, corrected_at);

    // A second round restarts the correction clock.
    s.step(Actor::Reviewer, Event::Claim).step(
        Actor::Reviewer,
        Event::RequestCorrection {
            items: vec![CorrectionItem {
                subject: CorrectionSubject::Address,
                reason: CorrectionReason::DataIncomplete,
            }],
            note: None,
        },
    );
    let asked_again = s.now;
    assert_eq!(s.app.correction_rounds(), 2);
    assert_eq!(
        s.status(ClockKind::Correction),
        ClockStatus::Running { since: asked_again }
    );
    assert_eq!(s.app.clock(ClockKind::Correction).segments().len(), 1);
    assert!(paused(&s, ClockKind::Review));
    s.step(
        Actor::Applicant,
        Event::Correct {
            delivery: DeliveryMethod::Pickup,
        },
    )
    .step(Actor::Reviewer, Event::Claim)
    .step(Actor::Reviewer, Event::Approve { fee_fen: 6_000 });
    assert_eq!(s.app.clock(ClockKind::Review).segments().len(), 3);
    assert!(stopped(&s, ClockKind::Review));
    assert_replays(&s);
}

#[test]
fn a_missed_correction_deadline_withdraws() {
    let mut s = Script::new();
    s.step(
        Actor::Applicant,
        Event::Submit {
            delivery: DeliveryMethod::Mail,
        },
    )
    .step(Actor::Reviewer, Event::Claim);
    let request = valid_event(EventKind::RequestCorrection, &s.app, DeliveryMethod::Mail);
    s.step(Actor::Reviewer, request);
    assert_eq!(
        s.app.available_events(Actor::System),
        vec![EventKind::CorrectionDeadlineMissed]
    );
    s.step(Actor::System, Event::CorrectionDeadlineMissed)
        .state(State::Withdrawn);
    assert_eq!(
        s.app.withdrawal(),
        Some(WithdrawalCause::CorrectionDeadline)
    );
    assert!(stopped(&s, ClockKind::Review));
    assert!(stopped(&s, ClockKind::Correction));
    assert!(not_started(&s, ClockKind::Payment));
    assert_replays(&s);
}

#[test]
fn a_missed_payment_deadline_withdraws() {
    let mut s = to_approval(DeliveryMethod::Pickup);
    s.step(Actor::System, Event::PaymentDeadlineMissed)
        .state(State::Withdrawn);
    assert_eq!(s.app.withdrawal(), Some(WithdrawalCause::PaymentDeadline));
    assert!(stopped(&s, ClockKind::Payment));
    assert!(not_started(&s, ClockKind::Production));
    // A late payment callback is refused.
    let err = s.refuse(
        Actor::PaymentProvider,
        Event::PaymentConfirmed {
            amount_fen: 12_000,
            reference: "late".into(),
        },
    );
    assert_eq!(
        err,
        TransitionError::Terminal {
            state: State::Withdrawn,
            event: EventKind::PaymentConfirmed
        }
    );
    assert_replays(&s);
}

#[test]
fn the_applicant_may_withdraw_until_payment() {
    let withdrawable = [
        State::Draft,
        State::Submitted,
        State::UnderReview,
        State::CorrectionRequested,
        State::AwaitingPayment,
    ];
    for state in State::ALL {
        let mut s = reach(*state, DeliveryMethod::Mail)
            .or_else(|| reach(*state, DeliveryMethod::Pickup))
            .unwrap();
        if withdrawable.contains(state) {
            s.step(Actor::Applicant, Event::Withdraw)
                .state(State::Withdrawn);
            assert_eq!(s.app.withdrawal(), Some(WithdrawalCause::Applicant));
            for kind in ClockKind::ALL {
                assert!(!running(&s, kind) && !paused(&s, kind), "{state} {kind:?}");
            }
            assert_replays(&s);
        } else {
            s.refuse(Actor::Applicant, Event::Withdraw);
        }
    }
}

#[test]
fn rejection() {
    let mut s = Script::new();
    s.step(
        Actor::Applicant,
        Event::Submit {
            delivery: DeliveryMethod::Mail,
        },
    )
    .step(Actor::Reviewer, Event::Claim)
    .step(
        Actor::Reviewer,
        Event::Reject {
            reason: RejectionReason::LegalRestriction,
            note: "第十二条".into(),
        },
    )
    .state(State::Rejected);
    assert_eq!(
        s.app.rejection(),
        Some(&Rejection {
            reason: RejectionReason::LegalRestriction,
            note: "第十二条".into()
        })
    );
    assert!(stopped(&s, ClockKind::Review));
    assert!(not_started(&s, ClockKind::Payment));
    assert_eq!(s.app.fee_fen(), None);
    assert_replays(&s);
}

#[test]
fn release_and_reclaim_keep_the_review_clock_running() {
    let mut s = Script::new();
    s.step(
        Actor::Applicant,
        Event::Submit {
            delivery: DeliveryMethod::Mail,
        },
    );
    let submitted = s.now;
    s.step(Actor::Reviewer, Event::Claim)
        .step(Actor::Supervisor, Event::Release)
        .state(State::Submitted)
        .step(Actor::Reviewer, Event::Claim)
        .step(Actor::Reviewer, Event::Release)
        .state(State::Submitted);
    assert_eq!(
        s.status(ClockKind::Review),
        ClockStatus::Running { since: submitted }
    );
    assert_eq!(
        s.refuse(Actor::Supervisor, Event::Claim),
        TransitionError::ActorNotPermitted {
            actor: Actor::Supervisor,
            event: EventKind::Claim,
            state: State::Submitted
        }
    );
}

#[test]
fn a_failed_delivery_returns_the_document_to_the_hall() {
    let mut s = to_approval(DeliveryMethod::Mail);
    pay_and_produce(&mut s);
    s.step(
        Actor::DispatchClerk,
        Event::Dispatch {
            tracking_number: "RM123456785GB".into(),
        },
    )
    .step(Actor::PostalService, Event::DeliveryFailed)
    .state(State::ReadyForPickup);
    assert_eq!(s.app.delivery(), Some(DeliveryMethod::Mail));
    s.step(Actor::DispatchClerk, Event::Collected)
        .state(State::Collected);
    assert_replays(&s);
}

// ----- refusals ---------------------------------------------------------------------------------

#[test]
fn the_delivery_method_decides_between_post_and_hall() {
    for delivery in DeliveryMethod::ALL {
        let mut s = reach(State::Produced, *delivery).unwrap();
        let (wrong, event) = match delivery {
            DeliveryMethod::Mail => (EventKind::SendToHall, Event::SendToHall),
            DeliveryMethod::Pickup => (
                EventKind::Dispatch,
                Event::Dispatch {
                    tracking_number: "AA473124829GB".into(),
                },
            ),
        };
        assert_eq!(
            s.refuse(Actor::DispatchClerk, event),
            TransitionError::WrongDeliveryMethod {
                event: wrong,
                required: other(*delivery),
                chosen: Some(*delivery),
            }
        );
    }
}

#[test]
fn the_draft_may_change_its_delivery_method() {
    let mut s = Script::new();
    assert_eq!(s.app.delivery(), None);
    s.step(
        Actor::Applicant,
        Event::UpdateDraft {
            delivery: Some(DeliveryMethod::Pickup),
        },
    )
    .state(State::Draft);
    assert_eq!(s.app.delivery(), Some(DeliveryMethod::Pickup));
    s.step(Actor::Applicant, Event::UpdateDraft { delivery: None });
    assert_eq!(s.app.delivery(), Some(DeliveryMethod::Pickup));
    assert!(not_started(&s, ClockKind::Review));
    s.step(
        Actor::Applicant,
        Event::Submit {
            delivery: DeliveryMethod::Mail,
        },
    );
    assert_eq!(s.app.delivery(), Some(DeliveryMethod::Mail));
    assert_eq!(s.app.version(), 3);
}

#[test]
fn the_payment_must_equal_the_fee() {
    let mut s = to_approval(DeliveryMethod::Mail);
    for paid in [0, 11_999, 12_001, 6_000] {
        assert_eq!(
            s.refuse(
                Actor::PaymentProvider,
                Event::PaymentConfirmed {
                    amount_fen: paid,
                    reference: "X".into()
                }
            ),
            TransitionError::AmountMismatch {
                expected_fen: 12_000,
                paid_fen: paid
            }
        );
    }
    s.state(State::AwaitingPayment);
    assert!(s.app.payment().is_none());
}

#[test]
fn texts_that_identify_things_must_not_be_blank() {
    let mut s = to_approval(DeliveryMethod::Mail);
    assert_eq!(
        s.refuse(
            Actor::PaymentProvider,
            Event::PaymentConfirmed {
                amount_fen: 12_000,
                reference: "  ".into()
            }
        ),
        TransitionError::Blank {
            event: EventKind::PaymentConfirmed,
            field: "payment_reference"
        }
    );
    pay_and_produce(&mut s);
    assert_eq!(
        s.refuse(
            Actor::DispatchClerk,
            Event::Dispatch {
                tracking_number: String::new()
            }
        ),
        TransitionError::Blank {
            event: EventKind::Dispatch,
            field: "tracking_number"
        }
    );
    let mut s = reach(State::InProduction, DeliveryMethod::Mail).unwrap();
    assert_eq!(
        s.refuse(
            Actor::ProductionOperator,
            Event::Produced {
                document_number: "".into()
            }
        ),
        TransitionError::Blank {
            event: EventKind::Produced,
            field: "document_number"
        }
    );
}

#[test]
fn a_correction_request_names_at_least_one_item() {
    let mut s = reach(State::UnderReview, DeliveryMethod::Mail).unwrap();
    assert_eq!(
        s.refuse(
            Actor::Reviewer,
            Event::RequestCorrection {
                items: vec![],
                note: Some("photo".into())
            }
        ),
        TransitionError::EmptyCorrectionList
    );
    s.state(State::UnderReview);
    assert_eq!(s.app.correction_rounds(), 0);
}

#[test]
fn time_does_not_go_backwards() {
    let s = reach(State::Submitted, DeliveryMethod::Mail).unwrap();
    let previous = s.app.updated_at();
    let earlier = Action::new(
        previous - Duration::seconds(1),
        Actor::Reviewer,
        Event::Claim,
    );
    assert_eq!(
        s.app.apply(&earlier),
        Err(TransitionError::TimeWentBackwards {
            previous,
            at: previous - Duration::seconds(1)
        })
    );
    // The same instant is fine.
    let same = Action::new(previous, Actor::Reviewer, Event::Claim);
    assert_eq!(s.app.apply(&same).unwrap().updated_at(), previous);
    // Nothing before the draft was created either.
    let draft = Application::new_draft(t0());
    let before = Action::new(t0() - Duration::days(1), Actor::Applicant, Event::Withdraw);
    assert!(matches!(
        draft.apply(&before),
        Err(TransitionError::TimeWentBackwards { .. })
    ));
}

#[test]
fn a_replay_stops_at_the_first_refused_action() {
    let mut s = reach(State::UnderReview, DeliveryMethod::Mail).unwrap();
    s.log.push(Action::new(
        s.now,
        Actor::Auditor,
        Event::Approve { fee_fen: 1 },
    ));
    let err = Application::replay(t0(), &s.log).unwrap_err();
    assert_eq!(err.index, s.log.len() - 1);
    assert_eq!(err.code(), "app-error-actor-not-permitted");
    assert!(
        err.to_string()
            .starts_with("action #2 of the log: auditor may not approve")
    );
    assert_eq!(
        Application::replay(t0(), &[]),
        Ok(Application::new_draft(t0()))
    );
}

// ----- codes, serde and the catalogue -----------------------------------------------------------

fn all_labels() -> Vec<(&'static str, Message)> {
    let mut out = Vec::new();
    macro_rules! add {
        ($($t:ty),+) => {$(
            for v in <$t>::ALL {
                assert_eq!(<$t>::from_code(v.code()), Some(*v));
                assert_eq!(serde_json::to_value(v).unwrap(), v.code());
                assert_eq!(serde_json::from_value::<$t>(v.code().into()).unwrap(), *v);
                assert_eq!(v.to_string(), v.code());
                out.push((v.code(), v.label()));
            }
            assert_eq!(<$t>::from_code("nonsense"), None);
        )+};
    }
    add!(
        State,
        Actor,
        EventKind,
        DeliveryMethod,
        WithdrawalCause,
        CorrectionSubject,
        CorrectionReason,
        RejectionReason
    );
    out
}

#[test]
fn codes_are_stable_snake_case_and_labelled_in_both_languages() {
    let labels = all_labels();
    assert_eq!(labels.len(), 13 + 12 + 18 + 2 + 3 + 9 + 15 + 6);
    for (code, label) in labels {
        assert!(
            code.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            "{code}"
        );
        assert!(label.key.starts_with("app-"), "{}", label.key);
        assert!(has_key(label.key), "{} missing", label.key);
        for locale in Locale::ALL {
            let text = label.render(locale);
            assert!(
                !text.is_empty() && text != label.key,
                "{} {locale}",
                label.key
            );
        }
    }
    assert_eq!(State::UnderReview.label().render(Locale::ZhCn), "审核中");
    assert_eq!(
        State::ReadyForPickup.label().render(Locale::En),
        "Ready for pickup"
    );
}

#[test]
fn events_serialise_with_a_type_tag_equal_to_their_kind_code() {
    let s = reach(State::Produced, DeliveryMethod::Mail).unwrap();
    for kind in EventKind::ALL {
        let event = valid_event(*kind, &s.app, DeliveryMethod::Mail);
        assert_eq!(event.kind(), *kind);
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["type"], kind.code(), "{json}");
        assert_eq!(serde_json::from_value::<Event>(json).unwrap(), event);
    }
    // The stored form of an action is pinned: changing it breaks every stored log.
    let action = Action::new(
        t0(),
        Actor::Reviewer,
        Event::RequestCorrection {
            items: vec![CorrectionItem {
                subject: CorrectionSubject::IdCardBack,
                reason: CorrectionReason::ImageUnclear,
            }],
            note: None,
        },
    );
    assert_eq!(
        serde_json::to_string(&action).unwrap(),
        r#"{"at":"2026-03-02T01:00:00Z","actor":"reviewer","event":{"type":"request_correction","items":[{"subject":"id_card_back","reason":"image_unclear"}]}}"#
    );
    let paid: Action = serde_json::from_str(
        r#"{"at":"2026-03-02T09:00:00+08:00","actor":"payment_provider",
            "event":{"type":"payment_confirmed","amount_fen":12000,"reference":"P1"}}"#,
    )
    .unwrap();
    assert_eq!(paid.at, t0());
    assert_eq!(
        paid.event,
        Event::PaymentConfirmed {
            amount_fen: 12_000,
            reference: "P1".into()
        }
    );
    assert!(serde_json::from_str::<Event>(r#"{"type":"teleport"}"#).is_err());
    // The table itself serialises, for the guide and the back office.
    let table = serde_json::to_value(TRANSITIONS).unwrap();
    assert_eq!(table.as_array().unwrap().len(), TRANSITIONS.len());
}

fn every_error() -> Vec<TransitionError> {
    let mut errors = vec![
        TransitionError::AmountMismatch {
            expected_fen: 12_000,
            paid_fen: 6_050,
        },
        TransitionError::EmptyCorrectionList,
        TransitionError::TimeWentBackwards {
            previous: t0(),
            at: t0() - Duration::hours(1),
        },
    ];
    for state in State::ALL {
        for event in EventKind::ALL {
            errors.push(TransitionError::Terminal {
                state: *state,
                event: *event,
            });
            errors.push(TransitionError::NotAllowed {
                state: *state,
                event: *event,
            });
        }
    }
    for actor in Actor::ALL {
        for event in EventKind::ALL {
            errors.push(TransitionError::ActorNotPermitted {
                actor: *actor,
                event: *event,
                state: State::Draft,
            });
        }
    }
    for required in DeliveryMethod::ALL {
        for chosen in [
            None,
            Some(DeliveryMethod::Mail),
            Some(DeliveryMethod::Pickup),
        ] {
            errors.push(TransitionError::WrongDeliveryMethod {
                event: EventKind::Dispatch,
                required: *required,
                chosen,
            });
        }
    }
    for (event, field) in [
        (EventKind::PaymentConfirmed, "payment_reference"),
        (EventKind::Produced, "document_number"),
        (EventKind::Dispatch, "tracking_number"),
    ] {
        errors.push(TransitionError::Blank { event, field });
    }
    let mut clock = Clock::new(ClockKind::Payment);
    errors.push(TransitionError::Clock(clock.pause(t0()).unwrap_err()));
    errors
}

#[test]
fn every_error_has_a_message_in_both_languages() {
    let mut codes = BTreeSet::new();
    for error in every_error() {
        let msg = error.message();
        assert!(msg.key.starts_with("app-error-"));
        assert!(has_key(msg.key), "{} missing", msg.key);
        codes.insert(error.code());
        assert!(!error.to_string().is_empty());
        for locale in Locale::ALL {
            let text = error.localize(locale);
            assert!(!text.contains("app-"), "unresolved reference in {text:?}");
            assert!(!text.contains('{'), "{text:?}");
            // The names chosen by code are the right ones.
            let label = |m: Message| m.render(locale);
            match &error {
                TransitionError::Terminal { state, .. } => {
                    assert!(text.contains(&label(state.label())), "{text}");
                }
                TransitionError::NotAllowed { state, event } => {
                    assert!(text.contains(&label(state.label())), "{text}");
                    assert!(text.contains(&label(event.label())), "{text}");
                }
                TransitionError::ActorNotPermitted { actor, event, .. } => {
                    assert!(text.contains(&label(actor.label())), "{text}");
                    assert!(text.contains(&label(event.label())), "{text}");
                }
                TransitionError::AmountMismatch { .. } => {
                    assert!(text.contains("120.00") && text.contains("60.50"), "{text}");
                }
                _ => {}
            }
        }
    }
    assert_eq!(codes.len(), 9, "{codes:?}");
    let blank = TransitionError::Blank {
        event: EventKind::Dispatch,
        field: "tracking_number",
    };
    assert_eq!(blank.localize(Locale::ZhCn), "邮件号不能为空。");
    assert_eq!(
        blank.localize(Locale::En),
        "The tracking number must not be empty."
    );
}
