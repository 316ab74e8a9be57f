//! Background work: the job runner and the deadline sweeper.
//!
//! **Jobs** live in the database (the outbox written with each state change). A worker leases a
//! few due jobs at a time; a job whose worker dies comes back when its lease runs out. A failed
//! job is retried with exponential backoff and ends `failed` after its last attempt (an SMS that
//! could never be sent is visible as such, not lost). Polling jobs (production, post) reschedule
//! themselves until there is news.
//!
//! **The sweeper** runs every few seconds: it withdraws applications whose 7-day correction or
//! payment deadline has passed, sends one reminder before each deadline, and asks the payment
//! provider about payments whose notification never came (reconciliation).
//!
//! Both stop at a safe point (between jobs) when the shutdown signal comes. Time comes from the
//! `Clock` port, so tests move it.

use std::time::Duration as StdDuration;

use chrono::Duration;
use tokio::sync::watch;
use wangban_core::clock::{ClockKind, ClockStatus};
use wangban_core::document::DocumentKind;
use wangban_core::id_number::IdNumber;
use wangban_core::name::{PersonName, PinyinName};
use wangban_core::registry::{DocumentStatus, HeldDocument};
use wangban_core::state::{Action, Actor, Event, State};
use wangban_gateways::payment::OrderStatus;
use wangban_gateways::post::TrackingEventKind;
use wangban_gateways::production::{ProductionOrder, ProductionOrderId, ProductionStatus};
use wangban_gateways::sms::{Deadline, SmsMessage, SmsTemplate};
use wangban_store::{ApplicationId, AuditActor, Job, NewJob, QueueFilter};

use crate::app::AppState;
use crate::error::ApiError;
use crate::service::{Effects, JobPayload};

/// What a job run came to.
enum Outcome {
    Done,
    /// Run again at this time (polling; not a failure).
    Later(chrono::DateTime<chrono::Utc>),
    /// Failed; retried with backoff unless `permanent`.
    Failed {
        error: String,
        permanent: bool,
    },
}

fn failed(e: impl std::fmt::Display) -> Outcome {
    Outcome::Failed {
        error: e.to_string(),
        permanent: false,
    }
}

/// Runs the job runner and the sweeper until `shutdown` turns true.
pub async fn run(state: AppState, mut shutdown: watch::Receiver<bool>) {
    let worker = format!("worker-{}-{}", std::process::id(), rand::random::<u32>());
    let poll = StdDuration::from_millis(state.settings.workers.poll_ms);
    let sweep_every = StdDuration::from_millis(state.settings.workers.sweep_seconds.max(1) * 1000)
        .min(StdDuration::from_secs(3600));
    let mut last_sweep = tokio::time::Instant::now() - sweep_every;
    loop {
        if *shutdown.borrow() {
            break;
        }
        if last_sweep.elapsed() >= sweep_every {
            if let Err(e) = sweep(&state).await {
                tracing::warn!(error = ?e.message.key, "sweep failed");
            }
            last_sweep = tokio::time::Instant::now();
        }
        let ran = match run_due_jobs(&state, &worker).await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "job runner");
                0
            }
        };
        if ran == 0 {
            tokio::select! {
                _ = tokio::time::sleep(poll) => {}
                _ = shutdown.changed() => {}
            }
        }
    }
    tracing::info!("workers stopped");
}

/// Leases and runs the jobs due now; returns how many ran.
pub async fn run_due_jobs(
    state: &AppState,
    worker: &str,
) -> Result<usize, wangban_store::StoreError> {
    let now = state.now();
    let lease = now + Duration::seconds(state.settings.workers.lease_seconds);
    let jobs = state.store.claim_jobs(worker, now, lease, 8).await?;
    let n = jobs.len();
    for job in jobs {
        let outcome = run_job(state, &job).await;
        let now = state.now();
        match outcome {
            Outcome::Done => {
                state.store.finish_job(job.id, worker, now).await?;
            }
            Outcome::Later(at) => {
                state.store.reschedule_job(job.id, worker, at, None).await?;
            }
            Outcome::Failed { error, permanent } => {
                let retry = (!permanent && job.attempts < job.max_attempts).then(|| {
                    let backoff = 2i64.saturating_pow(job.attempts.min(12)).min(3600);
                    now + Duration::seconds(backoff)
                });
                state.metrics.job_failed(&job.kind, retry.is_none());
                if retry.is_none() {
                    tracing::warn!(job = job.id.0, kind = %job.kind, %error, "job failed for good");
                }
                state
                    .store
                    .fail_job(job.id, worker, &error, retry, now)
                    .await?;
            }
        }
    }
    Ok(n)
}

async fn run_job(state: &AppState, job: &Job) -> Outcome {
    let payload: JobPayload = match serde_json::from_str(&job.payload) {
        Ok(p) => p,
        Err(e) => {
            return Outcome::Failed {
                error: format!("bad payload: {e}"),
                permanent: true,
            };
        }
    };
    match payload {
        JobPayload::Sms {
            to,
            template,
            locale,
        } => {
            send_sms(
                state,
                &to,
                template,
                locale,
                format!("wangban-job-{}", job.id.0),
            )
            .await
        }
        JobPayload::ReportLost { application } => {
            report_lost(state, ApplicationId(application)).await
        }
        JobPayload::ProductionSubmit { application } => {
            production_submit(state, ApplicationId(application)).await
        }
        JobPayload::ProductionPoll {
            application,
            order_id,
        } => production_poll(state, ApplicationId(application), &order_id).await,
        JobPayload::PostalPoll {
            application,
            tracking,
        } => postal_poll(state, ApplicationId(application), &tracking).await,
        JobPayload::RegistryIssue { application } => {
            registry_issue(state, ApplicationId(application)).await
        }
    }
}

async fn send_sms(
    state: &AppState,
    to: &str,
    template: SmsTemplate,
    locale: wangban_core::i18n::Locale,
    reference: String,
) -> Outcome {
    let Ok(to) = wangban_core::phone::MobileNumber::parse(to) else {
        return Outcome::Failed {
            error: "bad number".into(),
            permanent: true,
        };
    };
    match state
        .gateways
        .sms
        .send(SmsMessage {
            to,
            template,
            locale,
            // A job run again after its node stopped mid-send must not text the person twice.
            reference: Some(reference),
        })
        .await
    {
        Ok(_) => Outcome::Done,
        Err(e) => Outcome::Failed {
            permanent: !e.is_retryable(),
            error: e.to_string(),
        },
    }
}

async fn id_of(
    state: &AppState,
    application: ApplicationId,
) -> Result<(IdNumber, crate::service::Loaded), Outcome> {
    let loaded = state
        .load_id(application)
        .await
        .map_err(|e| failed(e.message.key))?;
    let applicant = state
        .store
        .applicant(loaded.row.applicant)
        .await
        .map_err(failed)?;
    let id = applicant
        .id_number
        .as_deref()
        .and_then(|i| IdNumber::parse(i, state.today()).ok())
        .ok_or_else(|| Outcome::Failed {
            error: "applicant has no verified ID".into(),
            permanent: true,
        })?;
    Ok((id, loaded))
}

async fn report_lost(state: &AppState, application: ApplicationId) -> Outcome {
    let (id, loaded) = match id_of(state, application).await {
        Ok(v) => v,
        Err(o) => return o,
    };
    let Ok(kind) = loaded.row.kind.parse::<DocumentKind>() else {
        return failed("bad kind");
    };
    let person = match state.gateways.registry.person(&id).await {
        Ok(Some(p)) => p,
        Ok(None) => return failed("not in registry"),
        Err(e) => return failed(e),
    };
    let Some(doc) = person.record.current_document(kind) else {
        return Outcome::Done;
    };
    if doc.status == DocumentStatus::ReportedLost {
        return Outcome::Done;
    }
    if let Err(e) = state
        .gateways
        .registry
        .report_lost(&id, kind, &doc.number, state.now())
        .await
    {
        return failed(e);
    }
    // Tell the holder, so that a report they did not make does not go unnoticed.
    let tail: String = doc
        .number
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    match state
        .sms_to_applicant(&loaded, SmsTemplate::ReportedLost { kind, tail })
        .await
    {
        Ok(job) => match state.store.enqueue(&job, state.now()).await {
            Ok(()) => Outcome::Done,
            Err(e) => failed(e),
        },
        Err(e) => failed(e.message.key),
    }
}

async fn production_submit(state: &AppState, application: ApplicationId) -> Outcome {
    let (id, loaded) = match id_of(state, application).await {
        Ok(v) => v,
        Err(o) => return o,
    };
    let Ok(kind) = loaded.row.kind.parse::<DocumentKind>() else {
        return failed("bad kind");
    };
    let applicant = match state.store.applicant(loaded.row.applicant).await {
        Ok(a) => a,
        Err(e) => return failed(e),
    };
    let form = loaded.form();
    let Ok(name) = PersonName::parse(applicant.name.as_deref().unwrap_or_default()) else {
        return Outcome::Failed {
            error: "no valid name".into(),
            permanent: true,
        };
    };
    let Ok(pinyin) = PinyinName::parse(
        form.pinyin_surname.as_deref().unwrap_or_default(),
        form.pinyin_given.as_deref().unwrap_or_default(),
    ) else {
        return Outcome::Failed {
            error: "no valid pinyin".into(),
            permanent: true,
        };
    };
    let order = ProductionOrder {
        reference: loaded.number(),
        kind,
        holder: id,
        name,
        pinyin,
    };
    match state.gateways.production.submit(order).await {
        Ok(order_id) => {
            let job = JobPayload::ProductionPoll {
                application: application.0,
                order_id: order_id.as_str().to_owned(),
            }
            .job(state.now() + Duration::seconds(2));
            match state.store.enqueue(&job, state.now()).await {
                Ok(()) => Outcome::Done,
                Err(e) => failed(e),
            }
        }
        Err(e) => failed(e),
    }
}

async fn production_poll(state: &AppState, application: ApplicationId, order_id: &str) -> Outcome {
    let order_id = ProductionOrderId::from(order_id.to_owned());
    let status = match state.gateways.production.status(&order_id).await {
        Ok(s) => s,
        Err(e) => return failed(e),
    };
    match status {
        ProductionStatus::Pending { .. } => Outcome::Later(state.now() + Duration::seconds(5)),
        ProductionStatus::Produced {
            document_number, ..
        } => {
            let document_number = document_number.to_string();
            let loaded = match state.load_id(application).await {
                Ok(l) => l,
                Err(e) => return failed(e.message.key),
            };
            if loaded.app.state() != State::InProduction {
                return Outcome::Done; // recorded already (by hand or an earlier poll)
            }
            let action = Action::new(
                state.now(),
                Actor::ProductionCentre,
                Event::Produced { document_number },
            );
            let effects = Effects {
                jobs: vec![
                    JobPayload::RegistryIssue {
                        application: application.0,
                    }
                    .job(state.now()),
                ],
                ..Default::default()
            };
            match state
                .act(&loaded, action, AuditActor::External, effects)
                .await
            {
                Ok(_) => Outcome::Done,
                Err(e) => failed(e.message.key),
            }
        }
    }
}

async fn registry_issue(state: &AppState, application: ApplicationId) -> Outcome {
    let (id, loaded) = match id_of(state, application).await {
        Ok(v) => v,
        Err(o) => return o,
    };
    let Ok(kind) = loaded.row.kind.parse::<DocumentKind>() else {
        return failed("bad kind");
    };
    let Some(number) = loaded.app.document_number().map(str::to_owned) else {
        return failed("no document number yet");
    };
    let person = match state.gateways.registry.person(&id).await {
        Ok(Some(p)) => p,
        Ok(None) => return failed("not in registry"),
        Err(e) => return failed(e),
    };
    if person.record.documents.iter().any(|d| d.number == number) {
        return Outcome::Done; // already recorded
    }
    // The old document is cancelled when the new one is issued (a lost one was reported).
    if let Some(old) = person.record.current_document(kind)
        && old.status != DocumentStatus::Cancelled
        && let Err(e) = state
            .gateways
            .registry
            .cancel_document(&id, kind, &old.number, state.now())
            .await
    {
        return failed(e);
    }
    // The dates the production centre printed, when it made the document.
    let (issued_on, expires_on) = match production_dates(state, &loaded).await {
        Some(d) => d,
        None => {
            let issued_on = state.today();
            (
                issued_on,
                wangban_core::fees::expiry_date(person.record.birth_date, issued_on),
            )
        }
    };
    let doc = HeldDocument {
        kind,
        number,
        issued_on,
        expires_on,
        status: DocumentStatus::Valid,
        visa_pages_left: (kind == DocumentKind::Passport).then_some(24),
    };
    match state.gateways.registry.record_issued(&id, doc).await {
        Ok(()) => Outcome::Done,
        Err(e) => failed(e),
    }
}

async fn postal_poll(state: &AppState, application: ApplicationId, tracking: &str) -> Outcome {
    let Ok(number) = wangban_core::postal::S10Number::parse(tracking) else {
        return Outcome::Failed {
            error: "bad tracking number".into(),
            permanent: true,
        };
    };
    let events = match state.gateways.post.track(&number).await {
        Ok(e) => e,
        Err(e) => return failed(e),
    };
    let last = events.last().map(|e| e.kind);
    let event = match last {
        Some(TrackingEventKind::Delivered) => Event::Delivered,
        Some(TrackingEventKind::DeliveryFailed) => Event::DeliveryFailed,
        _ => return Outcome::Later(state.now() + Duration::seconds(10)),
    };
    let loaded = match state.load_id(application).await {
        Ok(l) => l,
        Err(e) => return failed(e.message.key),
    };
    if loaded.app.state() != State::Dispatched {
        return Outcome::Done;
    }
    let mut effects = Effects::default();
    if matches!(event, Event::DeliveryFailed) {
        match state
            .sms_to_applicant(
                &loaded,
                SmsTemplate::DeliveryFailed {
                    application: loaded.number(),
                    tracking_number: number.clone(),
                    district: loaded.district(),
                },
            )
            .await
        {
            Ok(job) => effects.jobs.push(job),
            Err(e) => return failed(e.message.key),
        }
    }
    let action = Action::new(state.now(), Actor::PostalService, event);
    match state
        .act(&loaded, action, AuditActor::External, effects)
        .await
    {
        Ok(_) => Outcome::Done,
        Err(e) => failed(e.message.key),
    }
}

/// Deadlines, reminders and payment reconciliation.
pub async fn sweep(state: &AppState) -> Result<(), ApiError> {
    let now = state.now();
    let waiting = state
        .store
        .queue(&QueueFilter {
            states: vec![
                State::CorrectionRequested.code().into(),
                State::AwaitingPayment.code().into(),
            ],
            limit: 500,
            ..Default::default()
        })
        .await?;
    for row in waiting {
        let loaded = state.load_id(row.id).await?;
        let (clock_kind, event, deadline) = match loaded.app.state() {
            State::CorrectionRequested => (
                ClockKind::Correction,
                Event::CorrectionDeadlineMissed,
                Deadline::Correction,
            ),
            State::AwaitingPayment => (
                ClockKind::Payment,
                Event::PaymentDeadlineMissed,
                Deadline::Payment,
            ),
            _ => continue,
        };
        let clock = loaded.app.clock(clock_kind);
        if !matches!(clock.status(), ClockStatus::Running { .. }) {
            continue;
        }
        let Ok(reading) = clock.reading(clock_kind.default_budget(), now, &state.calendar) else {
            continue;
        };
        if reading.overdue {
            // A payment that arrived but whose notification did not: ask first.
            if clock_kind == ClockKind::Payment && reconcile_one(state, row.id).await? {
                continue;
            }
            let sms = state
                .sms_to_applicant(
                    &loaded,
                    SmsTemplate::Withdrawn {
                        application: loaded.number(),
                        deadline,
                    },
                )
                .await?;
            let result = state
                .act(
                    &loaded,
                    Action::new(now, Actor::System, event),
                    AuditActor::System,
                    Effects {
                        jobs: vec![sms],
                        ..Default::default()
                    },
                )
                .await;
            if let Err(e) = result {
                // Someone acted meanwhile (paid, corrected): nothing to withdraw.
                tracing::info!(
                    application = row.id.0,
                    error = e.message.key,
                    "sweep skipped"
                );
            }
        } else if reading.due_by - now
            <= Duration::hours(state.settings.workers.reminder_hours_before)
        {
            let mut job: NewJob = state
                .sms_to_applicant(
                    &loaded,
                    SmsTemplate::DeadlineReminder {
                        application: loaded.number(),
                        deadline,
                        due: reading.due,
                    },
                )
                .await?;
            job.dedupe_key = Some(format!(
                "reminder:{}:{}:{}",
                row.id.0,
                clock_kind.code(),
                reading.due
            ));
            state.store.enqueue(&job, now).await?;
        }
    }
    // Reconciliation: pending payments whose notification is late.
    let before = now - Duration::minutes(state.settings.workers.reconcile_after_minutes);
    for p in state.store.pending_payments(before).await? {
        reconcile_one(state, p.application).await?;
    }
    Ok(())
}

/// Asks the provider about the application's pending payments; records a payment it reports.
async fn reconcile_one(state: &AppState, application: ApplicationId) -> Result<bool, ApiError> {
    let mut recorded = false;
    for p in state.store.payments_of(application).await? {
        if p.status != "pending" {
            continue;
        }
        match state.gateways.payment.query(&p.provider_order_id).await {
            Ok(OrderStatus::Paid {
                amount,
                paid_at,
                transaction_id,
            }) => {
                crate::api::payments::confirm_payment(
                    state,
                    &p.merchant_order_no,
                    amount,
                    &transaction_id,
                    paid_at,
                )
                .await?;
                recorded = true;
            }
            Ok(OrderStatus::Closed) => state.store.close_payment(&p.merchant_order_no).await?,
            Ok(OrderStatus::Pending) => {}
            Err(e) => tracing::warn!(error = %e, "payment query failed"),
        }
    }
    Ok(recorded)
}

/// The issue and expiry dates the production centre reported for the application's order.
async fn production_dates(
    state: &AppState,
    loaded: &crate::service::Loaded,
) -> Option<(chrono::NaiveDate, chrono::NaiveDate)> {
    let jobs = state.store.jobs(Some("production_poll")).await.ok()?;
    for job in jobs.iter().rev() {
        if let Ok(JobPayload::ProductionPoll {
            application,
            order_id,
        }) = serde_json::from_str(&job.payload)
            && application == loaded.row.id.0
            && let Ok(ProductionStatus::Produced {
                issued_on,
                expires_on,
                ..
            }) = state
                .gateways
                .production
                .status(&ProductionOrderId::from(order_id))
                .await
        {
            return Some((issued_on, expires_on));
        }
    }
    None
}
