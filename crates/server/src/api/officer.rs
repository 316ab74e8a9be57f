//! The officers' back office: login with password and TOTP, the queue, an application's
//! detail (every look at personal data is audited), and the casework actions. Which role may
//! take which step is the state machine's table; the three administrators (三员分立) act on no
//! application.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};
use wangban_core::application_number::ApplicationNumber;
use wangban_core::clock::ClockKind;
use wangban_core::name::PersonName;
use wangban_core::phone::MobileNumber;
use wangban_core::state::{
    Action, Actor, CorrectionItem, CorrectionReason, CorrectionSubject, Event, EventKind,
    RejectionReason, State as AppStateCode, TRANSITIONS,
};
use wangban_gateways::post::{Postage, Waybill};
use wangban_gateways::sms::SmsTemplate;
use wangban_store::{AuditActor, NewAudit, QueueFilter, SessionKind, SessionStage};

use crate::api::applications::timeline_entries;
use crate::api::auth::with_cookie;
use crate::api::views::{ApplicationView, application_view, mask_id, mask_name};
use crate::app::AppState;
use crate::auth::{CASEWORK_ROLES, OfficerAuth, PendingOfficer};
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, Lang, OptionalJson};
use crate::form::Delivery;
use crate::service::{Effects, JobPayload, Loaded};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfficerLogin {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct OfficerLoginStep {
    pub token: String,
    /// `totp_required` after the password; `complete` after the code.
    pub stage: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// First factor: username and password. The same answer for an unknown user and a wrong
/// password, in the same time.
#[utoipa::path(post, path = "/api/v1/officer/login", tag = "officer", request_body = OfficerLogin,
    responses((status = 200, body = OfficerLoginStep), (status = 401)))]
pub async fn login(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<OfficerLogin>,
) -> Result<Response, ApiError> {
    let (token, expires_at) = check_password(&state, &body.username, &body.password).await?;
    Ok(Json(OfficerLoginStep {
        token,
        stage: "totp_required".into(),
        expires_at,
    })
    .into_response())
}

/// The password step shared by the API and the pages: a `totp_pending` session on success;
/// the same 401 for an unknown user and a wrong password, in the same time.
pub async fn check_password(
    state: &AppState,
    username: &str,
    password: &str,
) -> Result<(String, chrono::DateTime<chrono::Utc>), ApiError> {
    let wrong = || ApiError::key(StatusCode::UNAUTHORIZED, "api-officer-login-failed");
    // Wrong passwords are counted by the username typed, whether or not it exists, so that a
    // lock tells nothing about which usernames are real.
    let now = state.now();
    let settings = &state.settings.otp;
    let since = now - chrono::Duration::minutes(settings.totp_lock_minutes);
    let typed = username.trim().to_lowercase();
    let locked = || {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            wangban_core::i18n::Message::new("api-officer-login-locked")
                .with("minutes", settings.totp_lock_minutes.to_string()),
        )
    };
    if settings.password_max_attempts > 0
        && state
            .store
            .events_since("officer-password-wrong", &typed, since)
            .await?
            >= settings.password_max_attempts
    {
        crate::password::dummy_verify(password);
        return Err(locked());
    }
    let count_wrong = || async {
        let n = state
            .store
            .count_event("officer-password-wrong", &typed, now, since)
            .await?;
        Ok::<bool, ApiError>(
            settings.password_max_attempts > 0 && n >= settings.password_max_attempts,
        )
    };
    let officer = state.store.officer_by_username(username.trim()).await?;
    let Some(officer) = officer.filter(|o| o.active) else {
        crate::password::dummy_verify(password);
        if count_wrong().await? {
            return Err(locked());
        }
        return Err(wrong());
    };
    if !crate::password::verify(password, &officer.password_hash) {
        let now_locked = count_wrong().await?;
        state
            .store
            .audit(&NewAudit {
                at: state.now(),
                actor: AuditActor::Officer(officer.id),
                action: "officer.login_failed".into(),
                application: None,
                detail: json!({}),
            })
            .await?;
        if now_locked {
            return Err(locked());
        }
        return Err(wrong());
    }
    state
        .open_session(
            SessionKind::Officer,
            officer.id.0,
            SessionStage::TotpPending,
        )
        .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpCode {
    /// The 6-digit code from the authenticator app.
    pub code: String,
}

/// Second factor: the TOTP code (RFC 6238). A new session token replaces the pending one.
#[utoipa::path(post, path = "/api/v1/officer/login/totp", tag = "officer", request_body = TotpCode,
    responses((status = 200, body = OfficerLoginStep), (status = 401)), security(("session" = [])))]
pub async fn login_totp(
    State(state): State<AppState>,
    pending: PendingOfficer,
    ApiJson(body): ApiJson<TotpCode>,
) -> Result<Response, ApiError> {
    let (token, expires_at) = check_totp(&state, &pending, &body.code).await?;
    Ok(with_cookie(
        Json(OfficerLoginStep {
            token: token.clone(),
            stage: "complete".into(),
            expires_at,
        })
        .into_response(),
        &token,
    ))
}

/// The TOTP step shared by the API and the pages: the pending session is replaced by a new,
/// full one (a new session id), and the login is audited.
pub async fn check_totp(
    state: &AppState,
    pending: &PendingOfficer,
    code: &str,
) -> Result<(String, chrono::DateTime<chrono::Utc>), ApiError> {
    let officer = state.store.officer(pending.officer).await?;
    let now = state.now();
    let settings = &state.settings.otp;
    let since = now - chrono::Duration::minutes(settings.totp_lock_minutes);
    let subject = officer.id.0.to_string();
    // Too many wrong codes lately: the pending login ends and the right code is refused too,
    // until the lock has passed (a million codes are not to be tried 30 seconds at a time).
    let locked = || {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            wangban_core::i18n::Message::new("api-totp-locked")
                .with("minutes", settings.totp_lock_minutes.to_string()),
        )
    };
    if settings.totp_max_attempts > 0
        && state
            .store
            .events_since("totp-wrong", &subject, since)
            .await?
            >= settings.totp_max_attempts
    {
        state.store.delete_session(&pending.token_hash).await?;
        return Err(locked());
    }
    let secret = crate::totp::base32_decode(&officer.totp_secret).unwrap_or_default();
    if !crate::totp::verify(&secret, code, now.timestamp()) {
        let wrong = state
            .store
            .count_event("totp-wrong", &subject, now, since)
            .await?;
        state
            .store
            .audit(&NewAudit {
                at: now,
                actor: AuditActor::Officer(officer.id),
                action: "officer.totp_failed".into(),
                application: None,
                detail: json!({ "wrong": wrong }),
            })
            .await?;
        if settings.totp_max_attempts > 0 && wrong >= settings.totp_max_attempts {
            state.store.delete_session(&pending.token_hash).await?;
            return Err(locked());
        }
        return Err(ApiError::key(StatusCode::UNAUTHORIZED, "api-totp-invalid"));
    }
    state.store.delete_session(&pending.token_hash).await?;
    let (token, expires_at) = state
        .open_session(SessionKind::Officer, officer.id.0, SessionStage::Full)
        .await?;
    state
        .store
        .audit(&NewAudit {
            at: state.now(),
            actor: AuditActor::Officer(officer.id),
            action: "officer.login".into(),
            application: None,
            detail: json!({ "role": officer.role }),
        })
        .await?;
    Ok((token, expires_at))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct QueueQuery {
    /// A state code; default: the states the officer's role works on.
    pub state: Option<String>,
    pub kind: Option<String>,
    pub reason: Option<String>,
    /// Hukou district code, e.g. 310101.
    pub district: Option<String>,
    /// Only applications where the applicant asked an officer to judge a failed check.
    pub judgement: Option<bool>,
    /// At most this many (default 50, at most 500).
    pub limit: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct QueueItem {
    pub number: String,
    pub kind: String,
    pub reason: String,
    pub state: String,
    pub state_label: String,
    pub district: String,
    /// When the running clock runs out.
    pub due_at: Option<chrono::DateTime<chrono::Utc>>,
    pub claimed_by: Option<i64>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

fn default_states(role: Actor) -> Vec<AppStateCode> {
    match role {
        Actor::Reviewer | Actor::Supervisor => {
            vec![AppStateCode::Submitted, AppStateCode::UnderReview]
        }
        Actor::ProductionOperator => vec![AppStateCode::InProduction],
        Actor::DispatchClerk => vec![AppStateCode::Produced, AppStateCode::ReadyForPickup],
        _ => vec![],
    }
}

/// The work queue, earliest deadline first.
#[utoipa::path(get, path = "/api/v1/officer/queue", tag = "officer", params(QueueQuery),
    responses((status = 200, body = [QueueItem]), (status = 403),
              (status = 422, description = "not a known state, kind, reason or district")),
    security(("session" = [])))]
pub async fn queue(
    State(state): State<AppState>,
    Lang(locale): Lang,
    officer: OfficerAuth,
    ApiQuery(q): ApiQuery<QueueQuery>,
) -> Result<Json<Vec<QueueItem>>, ApiError> {
    let rows = queue_rows(&state, &officer, q).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| QueueItem {
                state_label: AppStateCode::from_code(&r.state)
                    .map(|s| s.label().render(locale))
                    .unwrap_or_default(),
                number: r.number,
                kind: r.kind,
                reason: r.reason,
                state: r.state,
                district: r.hukou_district,
                due_at: r.due_at,
                claimed_by: r.claimed_by.map(|o| o.0),
                updated_at: r.updated_at,
            })
            .collect(),
    ))
}

/// The rows of the work queue for `officer` (shared by the API and the pages), earliest
/// deadline first; bad filter values are a 400/422 with the field named.
pub async fn queue_rows(
    state: &AppState,
    officer: &OfficerAuth,
    q: QueueQuery,
) -> Result<Vec<wangban_store::ApplicationRow>, ApiError> {
    officer.require(CASEWORK_ROLES)?;
    let states = match &q.state {
        Some(s) => vec![AppStateCode::from_code(s).ok_or_else(|| {
            ApiError::key(StatusCode::BAD_REQUEST, "api-bad-query")
                .with_detail(json!({ "state": s }))
        })?],
        None => default_states(officer.role),
    };
    if let Some(k) = &q.kind {
        k.parse::<wangban_core::document::DocumentKind>()
            .map_err(|e| ApiError::invalid(&e))?;
    }
    if let Some(r) = &q.reason {
        r.parse::<wangban_core::document::Reason>()
            .map_err(|e| ApiError::invalid(&e))?;
    }
    state
        .store
        .queue(&QueueFilter {
            states: states.iter().map(|s| s.code().to_owned()).collect(),
            kind: q.kind,
            reason: q.reason,
            district: q.district,
            judgement_requested: q.judgement.unwrap_or(false),
            limit: q.limit.unwrap_or(50).min(500),
        })
        .await
        .map_err(ApiError::from)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DetailQuery {
    /// Show personal data unmasked (the look is audited with this flag).
    pub reveal: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct OfficerDetail {
    pub application: ApplicationView,
    pub applicant_name: String,
    pub applicant_id_number: String,
    pub applicant_phone: String,
    pub revealed: bool,
    /// What the citizen registry knows (documents, flags), as of now.
    #[schema(value_type = Object)]
    pub registry: Value,
    pub claimed_by: Option<i64>,
    pub history: Vec<crate::api::applications::TimelineEntry>,
    /// Steps this officer's role may take now.
    pub actions: Vec<String>,
}

async fn load_for_officer(state: &AppState, number: &str) -> Result<Loaded, ApiError> {
    let canonical = ApplicationNumber::parse(number)
        .map_err(|_| ApiError::not_found())?
        .to_string();
    state
        .load(&canonical)
        .await?
        .ok_or_else(ApiError::not_found)
}

/// One application with the registry's facts; personal data masked unless `reveal=true`.
/// Every look is written to the audit log.
#[utoipa::path(get, path = "/api/v1/officer/applications/{number}", tag = "officer",
    params(("number" = String, Path), DetailQuery),
    responses((status = 200, body = OfficerDetail), (status = 403), (status = 404)),
    security(("session" = [])))]
pub async fn detail(
    State(state): State<AppState>,
    Lang(locale): Lang,
    officer: OfficerAuth,
    ApiPath(number): ApiPath<String>,
    ApiQuery(q): ApiQuery<DetailQuery>,
) -> Result<Json<OfficerDetail>, ApiError> {
    Ok(Json(
        officer_detail(&state, &officer, &number, q.reveal.unwrap_or(false), locale).await?,
    ))
}

/// One application for an officer (shared by the API and the pages); personal data masked
/// unless `reveal`. Every look is written to the audit log, with the flag.
pub async fn officer_detail(
    state: &AppState,
    officer: &OfficerAuth,
    number: &str,
    reveal: bool,
    locale: wangban_core::i18n::Locale,
) -> Result<OfficerDetail, ApiError> {
    officer.require(CASEWORK_ROLES)?;
    let loaded = load_for_officer(state, number).await?;
    state
        .store
        .audit(&NewAudit {
            at: state.now(),
            actor: AuditActor::Officer(officer.officer.id),
            action: "application.view".into(),
            application: Some(loaded.row.id),
            detail: json!({ "revealed": reveal }),
        })
        .await?;
    let applicant = state.store.applicant(loaded.row.applicant).await?;
    let name = applicant.name.clone().unwrap_or_default();
    let id = applicant.id_number.clone().unwrap_or_default();
    let registry = match wangban_core::id_number::IdNumber::parse(&id, state.today()) {
        Ok(idn) => match state.gateways.registry.person(&idn).await {
            Ok(Some(p)) => json!({
                "hukou_district": p.record.hukou_district.to_string(),
                "state_functionary": p.record.state_functionary,
                "active_military": p.record.active_military,
                "fingerprints_on_file": p.record.fingerprints_on_file,
                "documents": p.record.documents.iter().map(|d| json!({
                    "kind": d.kind.code(),
                    "number": if reveal { d.number.clone() } else { mask_document(&d.number) },
                    "issued_on": d.issued_on,
                    "expires_on": d.expires_on,
                    "status": d.status,
                    "visa_pages_left": d.visa_pages_left,
                })).collect::<Vec<_>>(),
                "last_border_crossing": p.record.last_border_crossing,
            }),
            Ok(None) => Value::Null,
            Err(_) => json!({ "error": "unavailable" }),
        },
        Err(_) => Value::Null,
    };
    let view = application_view(state, &loaded, officer.role, locale).await?;
    Ok(OfficerDetail {
        actions: loaded
            .app
            .available_events(officer.role)
            .into_iter()
            .map(|e| e.code().to_owned())
            .collect(),
        application: view,
        applicant_name: if reveal {
            name.clone()
        } else {
            mask_name(&name)
        },
        applicant_id_number: if reveal { id.clone() } else { mask_id(&id) },
        applicant_phone: if reveal {
            applicant.phone.clone()
        } else {
            crate::api::views::mask_phone(&applicant.phone)
        },
        revealed: reveal,
        registry,
        claimed_by: loaded.row.claimed_by.map(|o| o.0),
        history: timeline_entries(&loaded, locale),
    })
}

fn mask_document(n: &str) -> String {
    let chars: Vec<char> = n.chars().collect();
    if chars.len() < 5 {
        return "****".into();
    }
    let head: String = chars[..2].iter().collect();
    let tail: String = chars[chars.len() - 2..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 4))
}

/// The body of a casework action (fields depend on the action).
#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct CaseworkBody {
    /// request-correction: what to correct and why.
    #[serde(default)]
    pub items: Vec<CorrectionItemBody>,
    /// request-correction / reject: a note for the applicant.
    pub note: Option<String>,
    /// reject: the reason code.
    pub reason: Option<String>,
    /// produced: the new document's number (when recorded by hand).
    pub document_number: Option<String>,
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectionItemBody {
    /// id_photo | signature | id_card_front | id_card_back | name_pinyin | address | …
    pub subject: String,
    /// photo_background | signature_spacing | image_unclear | …
    pub reason: String,
}

fn note(n: Option<String>) -> Result<Option<String>, ApiError> {
    match n {
        Some(n) if n.chars().count() > 500 || n.chars().any(|c| c.is_control() && c != '\n') => {
            Err(
                ApiError::key(StatusCode::UNPROCESSABLE_ENTITY, "api-field-invalid")
                    .with_detail(json!({ "field": "note" })),
            )
        }
        Some(n) if n.trim().is_empty() => Ok(None),
        other => Ok(other.map(|n| n.trim().to_owned())),
    }
}

/// A casework step: `claim`, `release`, `request-correction`, `approve`, `reject`,
/// `produced`, `dispatch`, `send-to-hall`, `collected`. Refused with 403 for a role that may
/// never take the step, 409 when the application is not in a state that allows it or another
/// officer got there first. With an `Idempotency-Key`, a retry of the same step gets the first
/// answer (and a retry while the first is still running a 409 saying so).
#[utoipa::path(post, path = "/api/v1/officer/applications/{number}/{action}", tag = "officer",
    params(("number" = String, Path), ("action" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "retry key: a retry gets the first answer")),
    request_body(content = Option<CaseworkBody>),
    responses((status = 200, body = ApplicationView), (status = 403), (status = 404), (status = 409),
              (status = 422), (status = 503, description = "an external system (registry, proofing, payment, image checks) did not answer")),
    security(("session" = [])))]
pub async fn act(
    State(state): State<AppState>,
    Lang(locale): Lang,
    officer: OfficerAuth,
    headers: HeaderMap,
    ApiPath((number, action)): ApiPath<(String, String)>,
    OptionalJson(body): OptionalJson<CaseworkBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let key = crate::api::idempotency_key(&headers)?;
    let body = body.unwrap_or_default();
    let request = json!({
        "number": number,
        "action": action,
        "body": serde_json::to_value(&body).unwrap_or_default(),
    });
    let scope = format!("officer-step:{}:{number}:{action}", officer.officer.id.0);
    let run = || async {
        let loaded = perform(&state, &officer, &number, &action, body, None).await?;
        let view = application_view(&state, &loaded, officer.role, locale).await?;
        let view = serde_json::to_value(view).map_err(|_| ApiError::internal())?;
        Ok((StatusCode::OK, view))
    };
    // The step committed but its answer was lost: the application as it is now.
    let (state_ref, role) = (&state, officer.role);
    let again = move |id| async move {
        let loaded = state_ref.load_id(id).await?;
        let view = application_view(state_ref, &loaded, role, locale).await?;
        let view = serde_json::to_value(view).map_err(|_| ApiError::internal())?;
        Ok((StatusCode::OK, view))
    };
    crate::idempotency::idempotent(&state, scope, key, &request, run, again).await
}

/// The casework step a path names (`/officer/applications/{number}/{action}`).
pub fn step_event(action: &str) -> Option<EventKind> {
    Some(match action {
        "claim" => EventKind::Claim,
        "release" => EventKind::Release,
        "request-correction" => EventKind::RequestCorrection,
        "approve" => EventKind::Approve,
        "reject" => EventKind::Reject,
        "produced" => EventKind::Produced,
        "dispatch" => EventKind::Dispatch,
        "send-to-hall" => EventKind::SendToHall,
        "collected" => EventKind::Collected,
        _ => return None,
    })
}

/// Whether the state machine lets `role` take `step` in some state.
pub fn may_take(role: Actor, step: EventKind) -> bool {
    TRANSITIONS
        .iter()
        .any(|t| t.event == step && t.actors.contains(&role))
}

/// A casework step (shared by the API and the pages): checks the role against the state
/// machine's table, then the step's data, then commits it with its effects. With
/// `expected_version`, a change made since the officer looked is a 409 (stale).
pub async fn perform(
    state: &AppState,
    officer: &OfficerAuth,
    number: &str,
    action: &str,
    body: CaseworkBody,
    expected_version: Option<i64>,
) -> Result<Loaded, ApiError> {
    let kind = step_event(action).ok_or_else(ApiError::not_found)?;
    // A role that may never take this step is refused before anything else is looked at, the
    // application included: its answer must not tell whether the number exists.
    if !may_take(officer.role, kind) {
        return Err(ApiError::forbidden().with_detail(json!({ "reason": "actor_not_permitted" })));
    }
    let loaded = load_for_officer(state, number).await?;
    if let Some(v) = expected_version
        && v != loaded.row.version
    {
        return Err(ApiError::key(StatusCode::CONFLICT, "api-conflict")
            .with_detail(json!({ "reason": "stale_version" })));
    }
    let me = officer.officer.id;
    let now = state.now();
    let who = AuditActor::Officer(me);
    let claimed_by_me = loaded.row.claimed_by == Some(me);
    let needs_claim = |loaded: &Loaded| -> Result<(), ApiError> {
        if loaded.app.state() == AppStateCode::UnderReview && !claimed_by_me {
            return Err(ApiError::key(StatusCode::CONFLICT, "api-claimed-by-other"));
        }
        Ok(())
    };
    let mut effects = Effects::default();
    let event = match action {
        "claim" => {
            effects.claimed_by = Some(Some(me));
            Event::Claim
        }
        "release" => {
            if officer.role == Actor::Reviewer {
                needs_claim(&loaded)?;
            }
            effects.claimed_by = Some(None);
            Event::Release
        }
        "request-correction" => {
            needs_claim(&loaded)?;
            let items = body
                .items
                .iter()
                .map(|i| {
                    Ok(CorrectionItem {
                        subject: CorrectionSubject::from_code(&i.subject).ok_or_else(|| {
                            ApiError::key(StatusCode::UNPROCESSABLE_ENTITY, "api-field-invalid")
                                .with_detail(
                                    json!({ "field": "items.subject", "value": i.subject }),
                                )
                        })?,
                        reason: CorrectionReason::from_code(&i.reason).ok_or_else(|| {
                            ApiError::key(StatusCode::UNPROCESSABLE_ENTITY, "api-field-invalid")
                                .with_detail(json!({ "field": "items.reason", "value": i.reason }))
                        })?,
                    })
                })
                .collect::<Result<Vec<_>, ApiError>>()?;
            let ev = Event::RequestCorrection {
                items,
                note: note(body.note)?,
            };
            effects.jobs.push(
                state
                    .sms_to_applicant(
                        &loaded,
                        SmsTemplate::CorrectionRequested {
                            application: loaded.number(),
                            deadline: state.deadline_date(ClockKind::Correction),
                        },
                    )
                    .await?,
            );
            ev
        }
        "approve" => {
            needs_claim(&loaded)?;
            let kind: wangban_core::document::DocumentKind =
                loaded.row.kind.parse().map_err(|_| ApiError::internal())?;
            let fee = state.settings.fees.fee(kind);
            effects.jobs.push(
                state
                    .sms_to_applicant(
                        &loaded,
                        SmsTemplate::ApprovedPleasePay {
                            application: loaded.number(),
                            amount: fee,
                            deadline: state.deadline_date(ClockKind::Payment),
                        },
                    )
                    .await?,
            );
            Event::Approve { fee_fen: fee.get() }
        }
        "reject" => {
            needs_claim(&loaded)?;
            let reason = body
                .reason
                .as_deref()
                .and_then(RejectionReason::from_code)
                .ok_or_else(|| {
                    ApiError::key(StatusCode::UNPROCESSABLE_ENTITY, "api-field-invalid")
                        .with_detail(json!({ "field": "reason" }))
                })?;
            effects.jobs.push(
                state
                    .sms_to_applicant(
                        &loaded,
                        SmsTemplate::Rejected {
                            application: loaded.number(),
                        },
                    )
                    .await?,
            );
            Event::Reject {
                reason,
                note: note(body.note)?.unwrap_or_default(),
            }
        }
        "produced" => {
            let number = body.document_number.clone().unwrap_or_default();
            let kind: wangban_core::document::DocumentKind =
                loaded.row.kind.parse().map_err(|_| ApiError::internal())?;
            state
                .number_rules
                .parse(kind, &number)
                .map_err(|e| ApiError::invalid(&e))?;
            effects.jobs.push(
                JobPayload::RegistryIssue {
                    application: loaded.row.id.0,
                }
                .job(now),
            );
            Event::Produced {
                document_number: number.trim().to_uppercase(),
            }
        }
        "dispatch" => {
            let form = loaded.form();
            let Some(Delivery::Mail { address }) = form.delivery else {
                // The state machine explains (wrong delivery method).
                return Err(loaded
                    .app
                    .apply(&Action::new(
                        now,
                        officer.role,
                        Event::Dispatch {
                            tracking_number: "-".into(),
                        },
                    ))
                    .err()
                    .map(ApiError::from)
                    .unwrap_or_else(ApiError::conflict));
            };
            // Check before calling the postal service, so a refused step books no waybill.
            loaded.app.apply(&Action::new(
                now,
                officer.role,
                Event::Dispatch {
                    tracking_number: "check".into(),
                },
            ))?;
            let recipient =
                PersonName::parse(&address.recipient).map_err(|e| ApiError::invalid(&e))?;
            let phone = MobileNumber::parse(&address.phone).map_err(|e| ApiError::invalid(&e))?;
            let tracking = state
                .gateways
                .post
                .create_waybill(Waybill {
                    recipient,
                    phone,
                    address: format!(
                        "{}{}{}{}",
                        address.province, address.city, address.district, address.street
                    ),
                    destination: loaded.district(),
                    postcode: address.postcode.clone(),
                    reference: loaded.row.number.clone(),
                    postage: Postage::RecipientPays,
                })
                .await
                .map_err(|e| {
                    tracing::warn!(error = %e, "postal service unavailable");
                    ApiError::unavailable()
                })?;
            effects.jobs.push(
                state
                    .sms_to_applicant(
                        &loaded,
                        SmsTemplate::Dispatched {
                            application: loaded.number(),
                            kind: loaded.kind(),
                            tracking_number: tracking.clone(),
                        },
                    )
                    .await?,
            );
            effects.jobs.push(
                JobPayload::PostalPoll {
                    application: loaded.row.id.0,
                    tracking: tracking.to_string(),
                }
                .job(now + chrono::Duration::seconds(5)),
            );
            Event::Dispatch {
                tracking_number: tracking.to_string(),
            }
        }
        "send-to-hall" => {
            effects.jobs.push(
                state
                    .sms_to_applicant(
                        &loaded,
                        SmsTemplate::ReadyForPickup {
                            application: loaded.number(),
                            kind: loaded.kind(),
                            district: loaded.district(),
                        },
                    )
                    .await?,
            );
            Event::SendToHall
        }
        "collected" => Event::Collected,
        _ => return Err(ApiError::not_found()),
    };
    state
        .act(&loaded, Action::new(now, officer.role, event), who, effects)
        .await?;
    load_for_officer(state, number).await
}

/// One of an application's files (original, normalised or overlay) for an officer. Every look
/// is written to the audit log.
#[utoipa::path(get, path = "/api/v1/officer/applications/{number}/files/{slot}", tag = "officer",
    params(("number" = String, Path), ("slot" = String, Path), crate::api::uploads::FileQuery),
    responses((status = 200, description = "the image (as uploaded: JPEG or PNG)",
        content(("image/jpeg"), ("image/png"))), (status = 403), (status = 404)),
    security(("session" = [])))]
pub async fn file(
    State(state): State<AppState>,
    officer: OfficerAuth,
    ApiPath((number, slot)): ApiPath<(String, String)>,
    ApiQuery(q): ApiQuery<crate::api::uploads::FileQuery>,
) -> Result<Response, ApiError> {
    officer_file(&state, &officer, &number, &slot, q.variant.as_deref()).await
}

/// One of an application's files for an officer (shared by the API and the pages); audited.
pub async fn officer_file(
    state: &AppState,
    officer: &OfficerAuth,
    number: &str,
    slot: &str,
    variant: Option<&str>,
) -> Result<Response, ApiError> {
    officer.require(CASEWORK_ROLES)?;
    let loaded = load_for_officer(state, number).await?;
    let response = crate::api::uploads::file_response(state, &loaded, slot, variant).await?;
    state
        .store
        .audit(&NewAudit {
            at: state.now(),
            actor: AuditActor::Officer(officer.officer.id),
            action: "application.view_file".into(),
            application: Some(loaded.row.id),
            detail: json!({ "slot": slot, "variant": variant.unwrap_or("original") }),
        })
        .await?;
    Ok(response)
}
