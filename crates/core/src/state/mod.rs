//! The application state machine, as data.
//!
//! The machine is one static table, [`TRANSITIONS`]: each row says from which [`State`], on which
//! [`EventKind`], which [`Actor`]s may move an application to which state (and, for the two rows
//! that depend on it, for which [`DeliveryMethod`]). Nothing else decides whether a step is
//! allowed: [`allowed`], [`Application::apply`] and [`Application::available_events`] all read the
//! table, so the back office, the guide and the tests see the same rules.
//!
//! An application is never stored as a mutable status: it is the fold of its append-only log of
//! [`Action`]s ([`Application::replay`]). [`Application::apply`] is pure — it returns the next
//! value and leaves the current one alone — and an illegal step is a [`TransitionError`] value,
//! never a panic.
//!
//! | from | event | actors | to |
//! |---|---|---|---|
//! | draft | update_draft | applicant | draft |
//! | draft | submit | applicant | submitted |
//! | submitted | claim | reviewer | under_review |
//! | under_review | release | reviewer, supervisor | submitted |
//! | under_review | request_correction | reviewer | correction_requested |
//! | correction_requested | correct | applicant | submitted |
//! | under_review | approve | reviewer | awaiting_payment |
//! | under_review | reject | reviewer | rejected |
//! | draft … awaiting_payment | withdraw | applicant | withdrawn |
//! | correction_requested | correction_deadline_missed | system | withdrawn |
//! | awaiting_payment | payment_deadline_missed | system | withdrawn |
//! | awaiting_payment | payment_confirmed | payment_provider | in_production |
//! | in_production | produced | production_centre, production_operator | produced |
//! | produced | dispatch (mail only) | dispatch_clerk | dispatched |
//! | produced | send_to_hall (pickup only) | dispatch_clerk | ready_for_pickup |
//! | dispatched | delivered | postal_service | delivered |
//! | dispatched | delivery_failed | postal_service | ready_for_pickup |
//! | ready_for_pickup | collected | dispatch_clerk | collected |
//!
//! The system, security and audit administrators (三员分立) appear in no row.
//!
//! The four [`Clock`]s follow the state through [`clock_phase`]: a clock runs, is paused, or is
//! idle (not started or stopped) in each state, and every transition starts, pauses, resumes or
//! stops each clock so that it matches the new state.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::clock::{Clock, ClockError, ClockKind};
use crate::i18n::{Localize, Message};
use crate::time::{Timestamp, format_local};

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

/// A closed set of values, each with a stable snake_case code (its serde form) and a catalogue
/// label.
macro_rules! coded_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $code:literal, $key:literal; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
        )]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $code)] $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable machine-readable code (also the serde form).
            pub const fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)+
                }
            }

            /// The value whose [`code`](Self::code) is `code`.
            pub fn from_code(code: &str) -> Option<Self> {
                match code {
                    $($code => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// The catalogue key of the label.
            pub const fn label_key(self) -> &'static str {
                match self {
                    $($name::$variant => $key,)+
                }
            }

            /// The name of the value for a person.
            pub fn label(self) -> Message {
                Message::new(self.label_key())
            }
        }

        /// The code.
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

coded_enum! {
    /// Where an application is.
    pub enum State {
        /// Being filled in by the applicant; nothing has been sent.
        Draft => "draft", "app-state-draft";
        /// Submitted, waiting in the review queue.
        Submitted => "submitted", "app-state-submitted";
        /// Claimed by a reviewer.
        UnderReview => "under_review", "app-state-under-review";
        /// Waiting for the applicant to correct data or files.
        CorrectionRequested => "correction_requested", "app-state-correction-requested";
        /// Approved; waiting for the applicant to pay the fee.
        AwaitingPayment => "awaiting_payment", "app-state-awaiting-payment";
        /// Paid; the order is with the production centre.
        InProduction => "in_production", "app-state-in-production";
        /// The new document exists.
        Produced => "produced", "app-state-produced";
        /// Mailed to the applicant.
        Dispatched => "dispatched", "app-state-dispatched";
        /// At the reception hall of the applicant's hukou district.
        ReadyForPickup => "ready_for_pickup", "app-state-ready-for-pickup";
        /// Handed over by the postal service (final).
        Delivered => "delivered", "app-state-delivered";
        /// Collected at the hall (final).
        Collected => "collected", "app-state-collected";
        /// Withdrawn by the applicant or for a missed deadline (final).
        Withdrawn => "withdrawn", "app-state-withdrawn";
        /// Refused by the reviewer (final).
        Rejected => "rejected", "app-state-rejected";
    }
}

impl State {
    /// A final state: the application accepts no more actions.
    pub const fn is_terminal(self) -> bool {
        matches!(
            self,
            State::Delivered | State::Collected | State::Withdrawn | State::Rejected
        )
    }
}

coded_enum! {
    /// Who acts on an application: the applicant, an officer role, or a machine.
    pub enum Actor {
        /// The person applying.
        Applicant => "applicant", "app-actor-applicant";
        /// Reviews applications: claims, requests corrections, approves, rejects.
        Reviewer => "reviewer", "app-actor-reviewer";
        /// Records production at the production centre.
        ProductionOperator => "production_operator", "app-actor-production-operator";
        /// Dispatch and reception-hall clerk: mails documents, hands them over at the hall.
        DispatchClerk => "dispatch_clerk", "app-actor-dispatch-clerk";
        /// Supervises reviewers: may return a claimed application to the queue.
        Supervisor => "supervisor", "app-actor-supervisor";
        /// The deadline sweeper.
        System => "system", "app-actor-system";
        /// The payment provider's confirmed callback.
        PaymentProvider => "payment_provider", "app-actor-payment-provider";
        /// The production centre's system.
        ProductionCentre => "production_centre", "app-actor-production-centre";
        /// The postal service's tracking callback.
        PostalService => "postal_service", "app-actor-postal-service";
        /// 系统管理员: runs the system, acts on no application.
        SystemAdministrator => "system_administrator", "app-actor-system-administrator";
        /// 安全管理员: manages roles and permissions, acts on no application.
        SecurityAdministrator => "security_administrator", "app-actor-security-administrator";
        /// 安全审计员: reads the audit trail, acts on no application.
        Auditor => "auditor", "app-actor-auditor";
    }
}

impl Actor {
    /// An officer role (a person working for the administration).
    pub const fn is_officer(self) -> bool {
        matches!(
            self,
            Actor::Reviewer
                | Actor::ProductionOperator
                | Actor::DispatchClerk
                | Actor::Supervisor
                | Actor::SystemAdministrator
                | Actor::SecurityAdministrator
                | Actor::Auditor
        )
    }

    /// A machine (the deadline sweeper or an external system's callback), not a person.
    pub const fn is_machine(self) -> bool {
        matches!(
            self,
            Actor::System | Actor::PaymentProvider | Actor::ProductionCentre | Actor::PostalService
        )
    }

    /// Whether the table lets this actor do anything at all to an application.
    pub fn acts_on_applications(self) -> bool {
        TRANSITIONS.iter().any(|t| t.actors.contains(&self))
    }
}

coded_enum! {
    /// What happens to an application, without its data. See [`Event`] for the data.
    pub enum EventKind {
        Submit => "submit", "app-event-submit";
        UpdateDraft => "update_draft", "app-event-update-draft";
        Claim => "claim", "app-event-claim";
        Release => "release", "app-event-release";
        RequestCorrection => "request_correction", "app-event-request-correction";
        Correct => "correct", "app-event-correct";
        Approve => "approve", "app-event-approve";
        Reject => "reject", "app-event-reject";
        Withdraw => "withdraw", "app-event-withdraw";
        CorrectionDeadlineMissed => "correction_deadline_missed",
            "app-event-correction-deadline-missed";
        PaymentDeadlineMissed => "payment_deadline_missed", "app-event-payment-deadline-missed";
        PaymentConfirmed => "payment_confirmed", "app-event-payment-confirmed";
        Produced => "produced", "app-event-produced";
        Dispatch => "dispatch", "app-event-dispatch";
        SendToHall => "send_to_hall", "app-event-send-to-hall";
        Delivered => "delivered", "app-event-delivered";
        DeliveryFailed => "delivery_failed", "app-event-delivery-failed";
        Collected => "collected", "app-event-collected";
    }
}

impl EventKind {
    /// Why an application that this event withdraws was withdrawn.
    pub const fn withdrawal_cause(self) -> Option<WithdrawalCause> {
        match self {
            EventKind::Withdraw => Some(WithdrawalCause::Applicant),
            EventKind::CorrectionDeadlineMissed => Some(WithdrawalCause::CorrectionDeadline),
            EventKind::PaymentDeadlineMissed => Some(WithdrawalCause::PaymentDeadline),
            _ => None,
        }
    }
}

coded_enum! {
    /// How the applicant receives the new document.
    pub enum DeliveryMethod {
        /// By post to the address given (postage paid by the recipient).
        Mail => "mail", "app-delivery-mail";
        /// At the reception hall of the hukou district.
        Pickup => "pickup", "app-delivery-pickup";
    }
}

coded_enum! {
    /// Why an application was withdrawn.
    pub enum WithdrawalCause {
        /// The applicant withdrew it.
        Applicant => "applicant", "app-withdrawal-applicant";
        /// The applicant did not correct within the deadline.
        CorrectionDeadline => "correction_deadline", "app-withdrawal-correction-deadline";
        /// The applicant did not pay within the deadline.
        PaymentDeadline => "payment_deadline", "app-withdrawal-payment-deadline";
    }
}

coded_enum! {
    /// A field or file that a reviewer asks the applicant to correct.
    pub enum CorrectionSubject {
        IdPhoto => "id_photo", "app-correction-subject-id-photo";
        Signature => "signature", "app-correction-subject-signature";
        IdCardFront => "id_card_front", "app-correction-subject-id-card-front";
        IdCardBack => "id_card_back", "app-correction-subject-id-card-back";
        NamePinyin => "name_pinyin", "app-correction-subject-name-pinyin";
        Address => "address", "app-correction-subject-address";
        Phone => "phone", "app-correction-subject-phone";
        EmergencyContact => "emergency_contact", "app-correction-subject-emergency-contact";
        /// Anything else: the note says what.
        Other => "other", "app-correction-subject-other";
    }
}

coded_enum! {
    /// Why an item must be corrected.
    pub enum CorrectionReason {
        PhotoBackground => "photo_background", "app-correction-reason-photo-background";
        PhotoNotRecent => "photo_not_recent", "app-correction-reason-photo-not-recent";
        PhotoClothing => "photo_clothing", "app-correction-reason-photo-clothing";
        PhotoHeadCovering => "photo_head_covering", "app-correction-reason-photo-head-covering";
        PhotoJewellery => "photo_jewellery", "app-correction-reason-photo-jewellery";
        PhotoRetouched => "photo_retouched", "app-correction-reason-photo-retouched";
        PhotoFraming => "photo_framing", "app-correction-reason-photo-framing";
        SignatureFormat => "signature_format", "app-correction-reason-signature-format";
        SignatureSpacing => "signature_spacing", "app-correction-reason-signature-spacing";
        ImageUnclear => "image_unclear", "app-correction-reason-image-unclear";
        IdCardMismatch => "id_card_mismatch", "app-correction-reason-id-card-mismatch";
        IdCardExpired => "id_card_expired", "app-correction-reason-id-card-expired";
        DataIncorrect => "data_incorrect", "app-correction-reason-data-incorrect";
        DataIncomplete => "data_incomplete", "app-correction-reason-data-incomplete";
        /// Anything else: the note says what.
        Other => "other", "app-correction-reason-other";
    }
}

coded_enum! {
    /// Why a reviewer refused an application.
    pub enum RejectionReason {
        /// Does not meet the conditions for the online service (the counter may still help).
        Ineligible => "ineligible", "app-rejection-ineligible";
        /// The applicant is not who the record says.
        IdentityMismatch => "identity_mismatch", "app-rejection-identity-mismatch";
        /// False or forged information or files.
        FalseInformation => "false_information", "app-rejection-false-information";
        /// A legal ground not to issue the document (出境入境管理法 第十二条).
        LegalRestriction => "legal_restriction", "app-rejection-legal-restriction";
        /// Another application for the same document is in progress.
        Duplicate => "duplicate", "app-rejection-duplicate";
        /// Anything else: the note says what.
        Other => "other", "app-rejection-other";
    }
}

/// One thing to correct, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CorrectionItem {
    pub subject: CorrectionSubject,
    pub reason: CorrectionReason,
}

/// What happens to an application, with its data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// The applicant submits the draft, choosing how to receive the document.
    Submit { delivery: DeliveryMethod },
    /// The applicant changes the draft (the form data live elsewhere); may change the delivery
    /// method.
    UpdateDraft {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        delivery: Option<DeliveryMethod>,
    },
    /// A reviewer takes the application from the queue.
    Claim,
    /// The application goes back to the queue.
    Release,
    /// The reviewer asks the applicant to correct these items (at least one).
    RequestCorrection {
        items: Vec<CorrectionItem>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// The applicant has corrected and resubmits, choosing the delivery method again.
    Correct { delivery: DeliveryMethod },
    /// The reviewer approves; the fee (computed elsewhere) is fixed here.
    Approve { fee_fen: u64 },
    /// The reviewer refuses.
    Reject {
        reason: RejectionReason,
        note: String,
    },
    /// The applicant withdraws.
    Withdraw,
    /// The correction deadline passed without a correction.
    CorrectionDeadlineMissed,
    /// The payment deadline passed without a payment.
    PaymentDeadlineMissed,
    /// The payment provider confirms payment of exactly the fee.
    PaymentConfirmed { amount_fen: u64, reference: String },
    /// The production centre has made the new document.
    Produced { document_number: String },
    /// Mailed (mail delivery only).
    Dispatch { tracking_number: String },
    /// Sent to the hukou district's reception hall (pickup delivery only).
    SendToHall,
    /// The postal service delivered the item.
    Delivered,
    /// The postal service could not deliver; the item goes to the hall.
    DeliveryFailed,
    /// The applicant collected the document at the hall.
    Collected,
}

impl Event {
    pub const fn kind(&self) -> EventKind {
        match self {
            Event::Submit { .. } => EventKind::Submit,
            Event::UpdateDraft { .. } => EventKind::UpdateDraft,
            Event::Claim => EventKind::Claim,
            Event::Release => EventKind::Release,
            Event::RequestCorrection { .. } => EventKind::RequestCorrection,
            Event::Correct { .. } => EventKind::Correct,
            Event::Approve { .. } => EventKind::Approve,
            Event::Reject { .. } => EventKind::Reject,
            Event::Withdraw => EventKind::Withdraw,
            Event::CorrectionDeadlineMissed => EventKind::CorrectionDeadlineMissed,
            Event::PaymentDeadlineMissed => EventKind::PaymentDeadlineMissed,
            Event::PaymentConfirmed { .. } => EventKind::PaymentConfirmed,
            Event::Produced { .. } => EventKind::Produced,
            Event::Dispatch { .. } => EventKind::Dispatch,
            Event::SendToHall => EventKind::SendToHall,
            Event::Delivered => EventKind::Delivered,
            Event::DeliveryFailed => EventKind::DeliveryFailed,
            Event::Collected => EventKind::Collected,
        }
    }
}

/// One entry of an application's log: who did what, when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    pub at: Timestamp,
    pub actor: Actor,
    pub event: Event,
}

impl Action {
    pub fn new(at: Timestamp, actor: Actor, event: Event) -> Self {
        Action { at, actor, event }
    }
}

/// One row of the state machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Transition {
    pub from: State,
    pub event: EventKind,
    /// Who may do it; never empty.
    pub actors: &'static [Actor],
    pub to: State,
    /// The row applies only if the applicant chose this delivery method.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requires_delivery: Option<DeliveryMethod>,
}

const fn row(from: State, event: EventKind, actors: &'static [Actor], to: State) -> Transition {
    Transition {
        from,
        event,
        actors,
        to,
        requires_delivery: None,
    }
}

const fn only_for(delivery: DeliveryMethod, t: Transition) -> Transition {
    Transition {
        requires_delivery: Some(delivery),
        ..t
    }
}

const APPLICANT: &[Actor] = &[Actor::Applicant];
const REVIEWER: &[Actor] = &[Actor::Reviewer];
const REVIEWER_OR_SUPERVISOR: &[Actor] = &[Actor::Reviewer, Actor::Supervisor];
const SYSTEM: &[Actor] = &[Actor::System];
const PAYMENT_PROVIDER: &[Actor] = &[Actor::PaymentProvider];
const PRODUCTION: &[Actor] = &[Actor::ProductionCentre, Actor::ProductionOperator];
const DISPATCH_CLERK: &[Actor] = &[Actor::DispatchClerk];
const POSTAL_SERVICE: &[Actor] = &[Actor::PostalService];

/// The state machine: the single source of truth. At most one row per (from, event).
pub static TRANSITIONS: &[Transition] = {
    use EventKind as E;
    use State as S;
    &[
        row(S::Draft, E::UpdateDraft, APPLICANT, S::Draft),
        row(S::Draft, E::Submit, APPLICANT, S::Submitted),
        row(S::Submitted, E::Claim, REVIEWER, S::UnderReview),
        row(
            S::UnderReview,
            E::Release,
            REVIEWER_OR_SUPERVISOR,
            S::Submitted,
        ),
        row(
            S::UnderReview,
            E::RequestCorrection,
            REVIEWER,
            S::CorrectionRequested,
        ),
        row(S::CorrectionRequested, E::Correct, APPLICANT, S::Submitted),
        row(S::UnderReview, E::Approve, REVIEWER, S::AwaitingPayment),
        row(S::UnderReview, E::Reject, REVIEWER, S::Rejected),
        row(S::Draft, E::Withdraw, APPLICANT, S::Withdrawn),
        row(S::Submitted, E::Withdraw, APPLICANT, S::Withdrawn),
        row(S::UnderReview, E::Withdraw, APPLICANT, S::Withdrawn),
        row(S::CorrectionRequested, E::Withdraw, APPLICANT, S::Withdrawn),
        row(S::AwaitingPayment, E::Withdraw, APPLICANT, S::Withdrawn),
        row(
            S::CorrectionRequested,
            E::CorrectionDeadlineMissed,
            SYSTEM,
            S::Withdrawn,
        ),
        row(
            S::AwaitingPayment,
            E::PaymentDeadlineMissed,
            SYSTEM,
            S::Withdrawn,
        ),
        row(
            S::AwaitingPayment,
            E::PaymentConfirmed,
            PAYMENT_PROVIDER,
            S::InProduction,
        ),
        row(S::InProduction, E::Produced, PRODUCTION, S::Produced),
        only_for(
            DeliveryMethod::Mail,
            row(S::Produced, E::Dispatch, DISPATCH_CLERK, S::Dispatched),
        ),
        only_for(
            DeliveryMethod::Pickup,
            row(
                S::Produced,
                E::SendToHall,
                DISPATCH_CLERK,
                S::ReadyForPickup,
            ),
        ),
        row(S::Dispatched, E::Delivered, POSTAL_SERVICE, S::Delivered),
        row(
            S::Dispatched,
            E::DeliveryFailed,
            POSTAL_SERVICE,
            S::ReadyForPickup,
        ),
        row(
            S::ReadyForPickup,
            E::Collected,
            DISPATCH_CLERK,
            S::Collected,
        ),
    ]
};

/// The rows leaving `state`.
pub fn transitions_from(state: State) -> impl Iterator<Item = &'static Transition> {
    TRANSITIONS.iter().filter(move |t| t.from == state)
}

/// The row for `event` from `state`, whoever acts.
pub fn transition(state: State, event: EventKind) -> Option<&'static Transition> {
    TRANSITIONS
        .iter()
        .find(|t| t.from == state && t.event == event)
}

/// The row that lets `actor` do `event` from `state` (the delivery-method condition aside), or
/// why not. Checked in this order: a final state refuses everything; an actor whom no row
/// permits `event` is refused as such; then the state must have a row for `event`.
pub fn rule(
    state: State,
    event: EventKind,
    actor: Actor,
) -> Result<&'static Transition, TransitionError> {
    if state.is_terminal() {
        return Err(TransitionError::Terminal { state, event });
    }
    let actor_may = TRANSITIONS
        .iter()
        .any(|t| t.event == event && t.actors.contains(&actor));
    if !actor_may {
        return Err(TransitionError::ActorNotPermitted {
            actor,
            event,
            state,
        });
    }
    let t = transition(state, event).ok_or(TransitionError::NotAllowed { state, event })?;
    if t.actors.contains(&actor) {
        Ok(t)
    } else {
        Err(TransitionError::ActorNotPermitted {
            actor,
            event,
            state,
        })
    }
}

/// The state `actor` doing `event` from `state` leads to (the delivery-method condition aside).
pub fn allowed(state: State, event: EventKind, actor: Actor) -> Result<State, TransitionError> {
    rule(state, event, actor).map(|t| t.to)
}

/// What a clock does while an application is in a state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockPhase {
    /// Not started yet, or stopped.
    Idle,
    Running,
    Paused,
}

/// What each clock does in each state: the review clock runs while the application waits for or
/// is with a reviewer and is paused while the applicant corrects; the correction, payment and
/// production clocks run while the applicant corrects, while the applicant pays, and while the
/// document is being made. Transitions start, pause, resume and stop the clocks to match.
pub const fn clock_phase(kind: ClockKind, state: State) -> ClockPhase {
    match (kind, state) {
        (ClockKind::Review, State::Submitted | State::UnderReview) => ClockPhase::Running,
        (ClockKind::Review, State::CorrectionRequested) => ClockPhase::Paused,
        (ClockKind::Correction, State::CorrectionRequested) => ClockPhase::Running,
        (ClockKind::Payment, State::AwaitingPayment) => ClockPhase::Running,
        (ClockKind::Production, State::InProduction) => ClockPhase::Running,
        _ => ClockPhase::Idle,
    }
}

/// An application's four clocks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Clocks {
    pub review: Clock,
    pub correction: Clock,
    pub payment: Clock,
    pub production: Clock,
}

impl Clocks {
    fn new() -> Self {
        Clocks {
            review: Clock::new(ClockKind::Review),
            correction: Clock::new(ClockKind::Correction),
            payment: Clock::new(ClockKind::Payment),
            production: Clock::new(ClockKind::Production),
        }
    }

    pub fn get(&self, kind: ClockKind) -> &Clock {
        match kind {
            ClockKind::Review => &self.review,
            ClockKind::Correction => &self.correction,
            ClockKind::Payment => &self.payment,
            ClockKind::Production => &self.production,
        }
    }

    fn get_mut(&mut self, kind: ClockKind) -> &mut Clock {
        match kind {
            ClockKind::Review => &mut self.review,
            ClockKind::Correction => &mut self.correction,
            ClockKind::Payment => &mut self.payment,
            ClockKind::Production => &mut self.production,
        }
    }

    /// Moves every clock from its phase in `from` to its phase in `to`.
    fn follow(&mut self, from: State, to: State, at: Timestamp) -> Result<(), ClockError> {
        for kind in ClockKind::ALL {
            let clock = self.get_mut(kind);
            match (clock_phase(kind, from), clock_phase(kind, to)) {
                (ClockPhase::Idle, ClockPhase::Idle)
                | (ClockPhase::Running, ClockPhase::Running)
                | (ClockPhase::Paused, ClockPhase::Paused) => {}
                (ClockPhase::Idle, ClockPhase::Running) => clock.start(at)?,
                (ClockPhase::Idle, ClockPhase::Paused) => {
                    clock.start(at)?;
                    clock.pause(at)?;
                }
                (ClockPhase::Running, ClockPhase::Paused) => clock.pause(at)?,
                (ClockPhase::Paused, ClockPhase::Running) => clock.resume(at)?,
                (ClockPhase::Running | ClockPhase::Paused, ClockPhase::Idle) => clock.stop(at)?,
            }
        }
        Ok(())
    }
}

/// The latest correction request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CorrectionRequest {
    pub at: Timestamp,
    pub items: Vec<CorrectionItem>,
    pub note: Option<String>,
}

/// The confirmed payment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Payment {
    pub at: Timestamp,
    pub amount_fen: u64,
    pub reference: String,
}

/// Why the reviewer refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rejection {
    pub reason: RejectionReason,
    pub note: String,
}

/// An application as its log makes it: built only by [`Application::new_draft`] and
/// [`Application::apply`], so it is always consistent with the table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Application {
    state: State,
    version: u64,
    created_at: Timestamp,
    updated_at: Timestamp,
    delivery: Option<DeliveryMethod>,
    fee_fen: Option<u64>,
    payment: Option<Payment>,
    document_number: Option<String>,
    tracking_number: Option<String>,
    correction_rounds: u32,
    correction_request: Option<CorrectionRequest>,
    withdrawal: Option<WithdrawalCause>,
    rejection: Option<Rejection>,
    clocks: Clocks,
}

impl Application {
    /// A new, empty draft (version 0).
    pub fn new_draft(at: Timestamp) -> Self {
        Application {
            state: State::Draft,
            version: 0,
            created_at: at,
            updated_at: at,
            delivery: None,
            fee_fen: None,
            payment: None,
            document_number: None,
            tracking_number: None,
            correction_rounds: 0,
            correction_request: None,
            withdrawal: None,
            rejection: None,
            clocks: Clocks::new(),
        }
    }

    /// The application created at `created_at` with `log` applied in order.
    pub fn replay(created_at: Timestamp, log: &[Action]) -> Result<Application, ReplayError> {
        Application::new_draft(created_at).apply_all(log)
    }

    /// This application with `log` applied in order; the first refused action stops the replay.
    pub fn apply_all(&self, log: &[Action]) -> Result<Application, ReplayError> {
        let mut app = self.clone();
        for (index, action) in log.iter().enumerate() {
            app = app
                .apply(action)
                .map_err(|error| ReplayError { index, error })?;
        }
        Ok(app)
    }

    /// The application after `action`, or why the action is refused (then `self` is the
    /// application still).
    pub fn apply(&self, action: &Action) -> Result<Application, TransitionError> {
        let kind = action.event.kind();
        let t = rule(self.state, kind, action.actor)?;
        if action.at < self.updated_at {
            return Err(TransitionError::TimeWentBackwards {
                previous: self.updated_at,
                at: action.at,
            });
        }
        if let Some(required) = t.requires_delivery
            && self.delivery != Some(required)
        {
            return Err(TransitionError::WrongDeliveryMethod {
                event: kind,
                required,
                chosen: self.delivery,
            });
        }

        let mut next = self.clone();
        match &action.event {
            Event::Submit { delivery } | Event::Correct { delivery } => {
                next.delivery = Some(*delivery);
            }
            Event::UpdateDraft { delivery } => {
                if delivery.is_some() {
                    next.delivery = *delivery;
                }
            }
            Event::RequestCorrection { items, note } => {
                if items.is_empty() {
                    return Err(TransitionError::EmptyCorrectionList);
                }
                next.correction_rounds = next.correction_rounds.saturating_add(1);
                next.correction_request = Some(CorrectionRequest {
                    at: action.at,
                    items: items.clone(),
                    note: note.clone(),
                });
            }
            Event::Approve { fee_fen } => next.fee_fen = Some(*fee_fen),
            Event::Reject { reason, note } => {
                next.rejection = Some(Rejection {
                    reason: *reason,
                    note: note.clone(),
                });
            }
            Event::PaymentConfirmed {
                amount_fen,
                reference,
            } => {
                if self.fee_fen != Some(*amount_fen) {
                    return Err(TransitionError::AmountMismatch {
                        expected_fen: self.fee_fen.unwrap_or_default(),
                        paid_fen: *amount_fen,
                    });
                }
                not_blank(kind, "payment_reference", reference)?;
                next.payment = Some(Payment {
                    at: action.at,
                    amount_fen: *amount_fen,
                    reference: reference.clone(),
                });
            }
            Event::Produced { document_number } => {
                not_blank(kind, "document_number", document_number)?;
                next.document_number = Some(document_number.clone());
            }
            Event::Dispatch { tracking_number } => {
                not_blank(kind, "tracking_number", tracking_number)?;
                next.tracking_number = Some(tracking_number.clone());
            }
            Event::Claim
            | Event::Release
            | Event::Withdraw
            | Event::CorrectionDeadlineMissed
            | Event::PaymentDeadlineMissed
            | Event::SendToHall
            | Event::Delivered
            | Event::DeliveryFailed
            | Event::Collected => {}
        }
        if let Some(cause) = kind.withdrawal_cause() {
            next.withdrawal = Some(cause);
        }
        next.clocks
            .follow(self.state, t.to, action.at)
            .map_err(TransitionError::Clock)?;
        next.state = t.to;
        next.version = self.version + 1;
        next.updated_at = action.at;
        Ok(next)
    }

    /// The events `actor` may do now (delivery-method condition included; payloads aside).
    pub fn available_events(&self, actor: Actor) -> Vec<EventKind> {
        if self.state.is_terminal() {
            return Vec::new();
        }
        transitions_from(self.state)
            .filter(|t| t.actors.contains(&actor))
            .filter(|t| t.requires_delivery.is_none_or(|d| self.delivery == Some(d)))
            .map(|t| t.event)
            .collect()
    }

    pub fn state(&self) -> State {
        self.state
    }

    /// How many actions were accepted.
    pub fn version(&self) -> u64 {
        self.version
    }

    pub fn created_at(&self) -> Timestamp {
        self.created_at
    }

    /// When the last accepted action happened (the creation time for a new draft).
    pub fn updated_at(&self) -> Timestamp {
        self.updated_at
    }

    /// The delivery method the applicant chose (always set once submitted).
    pub fn delivery(&self) -> Option<DeliveryMethod> {
        self.delivery
    }

    /// The fee fixed at approval.
    pub fn fee_fen(&self) -> Option<u64> {
        self.fee_fen
    }

    pub fn payment(&self) -> Option<&Payment> {
        self.payment.as_ref()
    }

    pub fn document_number(&self) -> Option<&str> {
        self.document_number.as_deref()
    }

    pub fn tracking_number(&self) -> Option<&str> {
        self.tracking_number.as_deref()
    }

    /// How many times a correction was requested.
    pub fn correction_rounds(&self) -> u32 {
        self.correction_rounds
    }

    /// The latest correction request (open while the state is
    /// [`State::CorrectionRequested`]).
    pub fn correction_request(&self) -> Option<&CorrectionRequest> {
        self.correction_request.as_ref()
    }

    pub fn withdrawal(&self) -> Option<WithdrawalCause> {
        self.withdrawal
    }

    pub fn rejection(&self) -> Option<&Rejection> {
        self.rejection.as_ref()
    }

    pub fn clocks(&self) -> &Clocks {
        &self.clocks
    }

    pub fn clock(&self, kind: ClockKind) -> &Clock {
        self.clocks.get(kind)
    }

    pub fn is_terminal(&self) -> bool {
        self.state.is_terminal()
    }
}

fn not_blank(event: EventKind, field: &'static str, value: &str) -> Result<(), TransitionError> {
    if value.trim().is_empty() {
        Err(TransitionError::Blank { event, field })
    } else {
        Ok(())
    }
}

/// Why an action is refused. The application is unchanged.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("the application is {state}, a final state: {event} is refused")]
    Terminal { state: State, event: EventKind },
    #[error("{event} is not possible while the application is {state}")]
    NotAllowed { state: State, event: EventKind },
    #[error("{actor} may not {event} (the application is {state})")]
    ActorNotPermitted {
        actor: Actor,
        event: EventKind,
        state: State,
    },
    #[error(
        "{event} is only for delivery by {required}, but the applicant chose {}",
        .chosen.map_or("none", DeliveryMethod::code)
    )]
    WrongDeliveryMethod {
        event: EventKind,
        required: DeliveryMethod,
        chosen: Option<DeliveryMethod>,
    },
    #[error("{paid_fen} fen paid, but the fee fixed at approval is {expected_fen} fen")]
    AmountMismatch { expected_fen: u64, paid_fen: u64 },
    #[error("a correction request must name at least one item")]
    EmptyCorrectionList,
    /// `field` is `payment_reference`, `document_number` or `tracking_number`.
    #[error("{event}: {field} must not be blank")]
    Blank {
        event: EventKind,
        field: &'static str,
    },
    #[error("an action at {at} is earlier than the previous one at {previous}")]
    TimeWentBackwards { previous: Timestamp, at: Timestamp },
    /// A clock refused to follow the state: a bug, not a user error.
    #[error("internal error: {0}")]
    Clock(ClockError),
}

/// Yuan with two decimals, for messages.
fn yuan(fen: u64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

fn clock_code(kind: ClockKind) -> &'static str {
    match kind {
        ClockKind::Review => "review",
        ClockKind::Correction => "correction",
        ClockKind::Payment => "payment",
        ClockKind::Production => "production",
    }
}

impl Localize for TransitionError {
    fn message(&self) -> Message {
        match self {
            TransitionError::Terminal { state, event } => Message::new("app-error-terminal")
                .with("state", state.code())
                .with("event", event.code()),
            TransitionError::NotAllowed { state, event } => Message::new("app-error-not-allowed")
                .with("state", state.code())
                .with("event", event.code()),
            TransitionError::ActorNotPermitted {
                actor,
                event,
                state,
            } => Message::new("app-error-actor-not-permitted")
                .with("actor", actor.code())
                .with("event", event.code())
                .with("state", state.code()),
            TransitionError::WrongDeliveryMethod {
                event,
                required,
                chosen,
            } => Message::new("app-error-wrong-delivery")
                .with("event", event.code())
                .with("required", required.code())
                .with("chosen", chosen.map_or("none", DeliveryMethod::code)),
            TransitionError::AmountMismatch {
                expected_fen,
                paid_fen,
            } => Message::new("app-error-amount-mismatch")
                .with("expected", yuan(*expected_fen))
                .with("paid", yuan(*paid_fen)),
            TransitionError::EmptyCorrectionList => Message::new("app-error-empty-correction"),
            TransitionError::Blank { event, field } => Message::new("app-error-blank")
                .with("event", event.code())
                .with("field", *field),
            TransitionError::TimeWentBackwards { previous, at } => {
                Message::new("app-error-time-backwards")
                    .with("previous", format_local(*previous))
                    .with("at", format_local(*at))
            }
            TransitionError::Clock(e) => {
                Message::new("app-error-clock").with("clock", clock_code(e.kind))
            }
        }
    }
}

/// An action of a log that could not be applied.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("action #{index} of the log: {error}")]
pub struct ReplayError {
    /// Its position in the log (from 0).
    pub index: usize,
    pub error: TransitionError,
}

/// The refused action's message.
impl Localize for ReplayError {
    fn message(&self) -> Message {
        self.error.message()
    }
}
