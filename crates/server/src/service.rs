//! Applying an action to an application: load its log, let the core decide, and record the
//! decision with its consequences (jobs, audit, the public statistics' counters) in one store
//! transaction.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use wangban_core::application_number::ApplicationNumber;
use wangban_core::area::AreaCode;
use wangban_core::clock::{ClockKind, ClockStatus};
use wangban_core::document::DocumentKind;
use wangban_core::i18n::Locale;
use wangban_core::state::{Action, Application, State};
use wangban_core::stats::{self, Facets};
use wangban_gateways::sms::SmsTemplate;
use wangban_store::{ApplicationRow, AuditActor, Commit, NewAudit, NewJob, OfficerId, PaymentPaid};

use crate::app::AppState;
use crate::error::ApiError;
use crate::form::ApplicationForm;

/// An application as stored, with its log replayed.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub row: ApplicationRow,
    pub app: Application,
    pub log: Vec<Action>,
}

impl Loaded {
    pub fn form(&self) -> ApplicationForm {
        serde_json::from_str(&self.row.form).unwrap_or_default()
    }
}

/// What else an action causes, recorded with it.
#[derive(Default)]
pub struct Effects {
    pub jobs: Vec<NewJob>,
    pub audit_detail: serde_json::Value,
    pub form: Option<String>,
    pub claimed_by: Option<Option<OfficerId>>,
    pub payment_paid: Option<PaymentPaid>,
}

/// A background job's payload, by kind.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobPayload {
    /// Send one SMS.
    Sms {
        to: String,
        template: SmsTemplate,
        locale: Locale,
    },
    /// Tell the registry that the document being replaced was lost or stolen.
    ReportLost { application: i64 },
    /// Place the production order after payment.
    ProductionSubmit { application: i64 },
    /// Ask the production centre whether the document is made.
    ProductionPoll { application: i64, order_id: String },
    /// Ask the postal service where the item is.
    PostalPoll { application: i64, tracking: String },
    /// Record the new document in the registry (and cancel the old one).
    RegistryIssue { application: i64 },
}

impl JobPayload {
    pub fn kind(&self) -> &'static str {
        match self {
            JobPayload::Sms { .. } => "sms",
            JobPayload::ReportLost { .. } => "report_lost",
            JobPayload::ProductionSubmit { .. } => "production_submit",
            JobPayload::ProductionPoll { .. } => "production_poll",
            JobPayload::PostalPoll { .. } => "postal_poll",
            JobPayload::RegistryIssue { .. } => "registry_issue",
        }
    }

    pub fn job(&self, run_at: DateTime<Utc>) -> NewJob {
        NewJob {
            kind: self.kind().to_owned(),
            payload: serde_json::to_string(self).expect("payloads serialise"),
            run_at,
            max_attempts: match self {
                JobPayload::Sms { .. } => 6,
                _ => 20,
            },
            dedupe_key: None,
        }
    }
}

impl AppState {
    pub async fn load(&self, number: &str) -> Result<Option<Loaded>, ApiError> {
        let Some(row) = self.store.application_by_number(number).await? else {
            return Ok(None);
        };
        Ok(Some(self.replay(row).await?))
    }

    pub async fn load_id(&self, id: wangban_store::ApplicationId) -> Result<Loaded, ApiError> {
        let row = self.store.application(id).await?;
        self.replay(row).await
    }

    async fn replay(&self, row: ApplicationRow) -> Result<Loaded, ApiError> {
        let actions = self.store.actions(row.id).await?;
        // The log as it was when the row was read: an action committed in between (on
        // PostgreSQL another connection may commit between the two reads) would make the
        // replayed application newer than its row. The log is append-only and the row's
        // version is its last sequence number, so the prefix is exactly that moment's log.
        let log: Vec<Action> = actions
            .iter()
            .filter(|a| a.seq <= row.version)
            .map(|a| serde_json::from_str(&a.action))
            .collect::<Result<_, _>>()
            .map_err(|e| {
                tracing::error!(application = row.id.0, error = %e, "corrupt action log");
                ApiError::internal()
            })?;
        let app = Application::replay(row.created_at, &log).map_err(|e| {
            tracing::error!(application = row.id.0, error = %e, "log does not replay");
            ApiError::internal()
        })?;
        Ok(Loaded { row, app, log })
    }

    /// The deadline of the clock that runs in `app`'s state, for sorting queues.
    pub fn running_deadline(&self, app: &Application) -> Option<DateTime<Utc>> {
        let kind = match app.state() {
            State::Submitted | State::UnderReview => ClockKind::Review,
            State::CorrectionRequested => ClockKind::Correction,
            State::AwaitingPayment => ClockKind::Payment,
            State::InProduction => ClockKind::Production,
            _ => return None,
        };
        let clock = app.clock(kind);
        if !matches!(clock.status(), ClockStatus::Running { .. }) {
            return None;
        }
        match clock.reading(kind.default_budget(), self.now(), &self.calendar) {
            Ok(r) => Some(r.due_by),
            Err(e) => {
                tracing::warn!(error = %e, "no deadline: calendar");
                None
            }
        }
    }

    /// Applies `action` to `loaded` and records it, with its effects, atomically. A concurrent
    /// change is a 409 conflict; an action the state machine refuses is a 409 with its reason
    /// (403 when the actor may never take that step).
    pub async fn act(
        &self,
        loaded: &Loaded,
        action: Action,
        who: AuditActor,
        effects: Effects,
    ) -> Result<Application, ApiError> {
        let next = loaded.app.apply(&action).map_err(|e| match e {
            wangban_core::state::TransitionError::ActorNotPermitted { .. } => {
                ApiError::forbidden().with_detail(json!({ "reason": "actor_not_permitted" }))
            }
            other => ApiError::from(other),
        })?;
        let officer = match who {
            AuditActor::Officer(o) => Some(o),
            _ => None,
        };
        let event = action.event.kind();
        let facets = Facets {
            kind: loaded.row.kind.clone(),
            reason: loaded.row.reason.clone(),
            district: loaded.row.hukou_district.clone(),
        };
        let (stats, unmeasured) =
            stats::deltas(&facets, &loaded.app, &loaded.log, &action, &self.calendar);
        for what in unmeasured {
            tracing::warn!(application = loaded.row.id.0, %what, "statistics: duration not measured");
        }
        let commit = Commit {
            application: loaded.row.id,
            expected_version: loaded.row.version,
            at: action.at,
            new_state: next.state().code().to_owned(),
            due_at: self.running_deadline(&next),
            actor: action.actor.code().to_owned(),
            officer,
            action: serde_json::to_string(&action).expect("actions serialise"),
            form: effects.form,
            claimed_by: effects.claimed_by,
            jobs: effects.jobs,
            audit: vec![NewAudit {
                at: action.at,
                actor: who,
                action: format!("application.{}", event.code()),
                application: Some(loaded.row.id),
                detail: json!({
                    "number": loaded.row.number,
                    "from": loaded.app.state().code(),
                    "to": next.state().code(),
                    "detail": effects.audit_detail,
                }),
            }],
            payment_paid: effects.payment_paid,
            stats,
        };
        let claim = crate::idempotency::current_claim();
        self.store
            .commit_action_for_key(&commit, claim.as_ref())
            .await?;
        Ok(next)
    }

    /// An SMS job to the applicant of `loaded`.
    pub async fn sms_to_applicant(
        &self,
        loaded: &Loaded,
        template: SmsTemplate,
    ) -> Result<NewJob, ApiError> {
        let applicant = self.store.applicant(loaded.row.applicant).await?;
        let locale = loaded.form().locale.unwrap_or_default();
        Ok(JobPayload::Sms {
            to: applicant.phone,
            template,
            locale,
        }
        .job(self.now()))
    }

    /// The last day of a 7-day applicant deadline starting now (the start day not counted).
    pub fn deadline_date(&self, kind: ClockKind) -> chrono::NaiveDate {
        let days = kind.default_budget().days();
        self.today() + chrono::Days::new(u64::from(days))
    }
}

impl Loaded {
    pub fn number(&self) -> ApplicationNumber {
        ApplicationNumber::parse(&self.row.number).unwrap_or(ApplicationNumber::from_value(0))
    }

    pub fn kind(&self) -> DocumentKind {
        self.row.kind.parse().unwrap_or(DocumentKind::Passport)
    }

    pub fn district(&self) -> AreaCode {
        AreaCode::parse(&self.row.hukou_district)
            .unwrap_or_else(|_| AreaCode::parse("310101").expect("a valid code"))
    }
}
