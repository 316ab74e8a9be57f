//! The applicant's applications: draft, answers, submit, correct, withdraw, timeline.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;
use wangban_core::application_number::ApplicationNumber;
use wangban_core::i18n::{Locale, Message};
use wangban_core::state::{Action, Actor, Event, EventKind, State as AppStateCode};
use wangban_store::{AuditActor, NewApplication};

use crate::api::eligibility::{assess_applicant, parse_request, verified_id};
use crate::api::idempotency_key;
use crate::api::views::{ApplicationView, application_view, eligibility_view};
use crate::app::AppState;
use crate::auth::ApplicantAuth;
use crate::error::{ApiError, ApiJson, ApiPath, Lang};
use crate::form::{ApplicationForm, FormUpdate, SLOTS};
use crate::idempotency::idempotent;
use crate::service::{Effects, JobPayload, Loaded};

/// Loads `number` if it belongs to `auth`; anyone else's application does not exist (404).
pub async fn own(state: &AppState, auth: &ApplicantAuth, number: &str) -> Result<Loaded, ApiError> {
    let canonical = ApplicationNumber::parse(number)
        .map_err(|_| ApiError::not_found())?
        .to_string();
    match state.load(&canonical).await? {
        Some(l) if l.row.applicant == auth.applicant => Ok(l),
        _ => Err(ApiError::not_found()),
    }
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApplication {
    /// passport | hk_macao_permit | taiwan_permit
    pub kind: String,
    /// expiring_soon | damaged | lost_or_stolen | visa_pages_used_up
    pub reason: String,
}

/// Starts an application (a draft) after checking eligibility. Send an `Idempotency-Key`
/// header to make retries safe.
#[utoipa::path(post, path = "/api/v1/applications", tag = "applicant",
    request_body = CreateApplication,
    params(("Idempotency-Key" = Option<String>, Header, description = "retry key")),
    responses((status = 201, body = ApplicationView),
              (status = 422, description = "not eligible: every failed rule with the way forward"),
              (status = 503, description = "an external system (registry, proofing, payment, image checks) did not answer")),
    security(("session" = [])))]
pub async fn create(
    State(state): State<AppState>,
    Lang(locale): Lang,
    auth: ApplicantAuth,
    headers: HeaderMap,
    ApiJson(body): ApiJson<CreateApplication>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let key = idempotency_key(&headers)?;
    create_draft(&state, &auth, key, body, locale).await
}

/// Starts a draft after checking eligibility, once per idempotency key (shared by the JSON API
/// and the pages); answers with the application view (201).
pub async fn create_draft(
    state: &AppState,
    auth: &ApplicantAuth,
    key: Option<String>,
    body: CreateApplication,
    locale: Locale,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let state = state.clone();
    let auth = auth.clone();
    let request_json = serde_json::to_value(&body).unwrap_or_default();
    let scope = format!("create:{}", auth.applicant);
    let run = || async {
        let request = parse_request(&body.kind, &body.reason)?;
        let report = assess_applicant(&state, auth.applicant, request, None).await?;
        if !report.eligible {
            return Err(
                ApiError::key(StatusCode::UNPROCESSABLE_ENTITY, "api-not-eligible")
                    .with_detail(eligibility_view(&report, &state.halls, locale)),
            );
        }
        let id = verified_id(&state, auth.applicant).await?;
        let person = state
            .gateways
            .registry
            .person(&id)
            .await
            .map_err(|_| ApiError::unavailable())?
            .ok_or_else(ApiError::not_found)?;
        let form = ApplicationForm {
            pinyin_surname: Some(person.pinyin.surname.clone()),
            pinyin_given: Some(person.pinyin.given.clone()),
            locale: Some(locale),
            ..Default::default()
        };
        let now = state.now();
        // Random numbers; a collision (one in a trillion) just draws again.
        let mut attempt = 0;
        let number = loop {
            let number = ApplicationNumber::from_value(rand::random::<u64>()).to_string();
            let created = state
                .store
                .create_application_for_key(
                    &NewApplication {
                        number: number.clone(),
                        applicant: auth.applicant,
                        kind: request.kind.code().into(),
                        reason: request.reason.code().into(),
                        state: AppStateCode::Draft.code().into(),
                        form: serde_json::to_string(&form).expect("forms serialise"),
                        hukou_district: person.record.hukou_district.to_string(),
                        created_at: now,
                    },
                    crate::idempotency::current_claim().as_ref(),
                )
                .await;
            match created {
                Ok(_) => break number,
                Err(wangban_store::StoreError::Duplicate(_)) if attempt < 5 => attempt += 1,
                Err(e) => return Err(e.into()),
            }
        };
        let loaded = state.load(&number).await?.ok_or_else(ApiError::internal)?;
        let view = application_view(&state, &loaded, Actor::Applicant, locale).await?;
        Ok((
            StatusCode::CREATED,
            serde_json::to_value(view).unwrap_or_default(),
        ))
    };
    let again = |id| applicant_answer(&state, id, StatusCode::CREATED, locale);
    idempotent(&state, scope, key, &request_json, run, again).await
}

/// The answer of an applicant's keyed request whose action committed but whose first answer
/// was lost: the application as it is now.
async fn applicant_answer(
    state: &AppState,
    id: wangban_store::ApplicationId,
    status: StatusCode,
    locale: Locale,
) -> Result<(StatusCode, Value), ApiError> {
    let loaded = state.load_id(id).await?;
    let view = application_view(state, &loaded, Actor::Applicant, locale).await?;
    Ok((
        status,
        serde_json::to_value(view).map_err(|_| ApiError::internal())?,
    ))
}

/// The applicant's applications, newest first.
#[utoipa::path(get, path = "/api/v1/applications", tag = "applicant",
    responses((status = 200, body = [ApplicationView])), security(("session" = [])))]
pub async fn list(
    State(state): State<AppState>,
    Lang(locale): Lang,
    auth: ApplicantAuth,
) -> Result<Json<Vec<ApplicationView>>, ApiError> {
    let mut out = Vec::new();
    for row in state.store.applications_of(auth.applicant).await? {
        let loaded = state.load_id(row.id).await?;
        out.push(application_view(&state, &loaded, Actor::Applicant, locale).await?);
    }
    Ok(Json(out))
}

/// One application.
#[utoipa::path(get, path = "/api/v1/applications/{number}", tag = "applicant",
    params(("number" = String, Path, description = "application number")),
    responses((status = 200, body = ApplicationView), (status = 404)), security(("session" = [])))]
pub async fn get(
    State(state): State<AppState>,
    Lang(locale): Lang,
    auth: ApplicantAuth,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<ApplicationView>, ApiError> {
    let loaded = own(&state, &auth, &number).await?;
    Ok(Json(
        application_view(&state, &loaded, Actor::Applicant, locale).await?,
    ))
}

/// Changes answers on a draft, or while a correction is requested.
#[utoipa::path(patch, path = "/api/v1/applications/{number}", tag = "applicant",
    params(("number" = String, Path)), request_body = FormUpdate,
    responses((status = 200, body = ApplicationView), (status = 409, description = "not editable now"),
              (status = 422, description = "a field is not valid")),
    security(("session" = [])))]
pub async fn update(
    State(state): State<AppState>,
    Lang(locale): Lang,
    auth: ApplicantAuth,
    ApiPath(number): ApiPath<String>,
    ApiJson(update): ApiJson<FormUpdate>,
) -> Result<Json<ApplicationView>, ApiError> {
    let loaded = update_answers(&state, &auth, &number, update).await?;
    Ok(Json(
        application_view(&state, &loaded, Actor::Applicant, locale).await?,
    ))
}

/// Checks and stores a change to the answers (draft or correction only); the application as
/// it now stands.
pub async fn update_answers(
    state: &AppState,
    auth: &ApplicantAuth,
    number: &str,
    update: FormUpdate,
) -> Result<Loaded, ApiError> {
    let loaded = own(state, auth, number).await?;
    ensure_editable(&loaded)?;
    let form = loaded.form().apply(update)?;
    state
        .store
        .update_form(
            loaded.row.id,
            loaded.row.version,
            &serde_json::to_string(&form).expect("forms serialise"),
            state.now(),
        )
        .await?;
    own(state, auth, number).await
}

/// Takes an applicant's step on their application and answers with the application as it now
/// stands.
async fn applicant_step(
    state: &AppState,
    auth: &ApplicantAuth,
    loaded: &Loaded,
    event: Event,
    effects: Effects,
    locale: Locale,
) -> Result<ApplicationView, ApiError> {
    let action = Action::new(state.now(), Actor::Applicant, event);
    state
        .act(
            loaded,
            action,
            AuditActor::Applicant(auth.applicant),
            effects,
        )
        .await?;
    let loaded = own(state, auth, &loaded.row.number).await?;
    application_view(state, &loaded, Actor::Applicant, locale).await
}

pub fn ensure_editable(loaded: &Loaded) -> Result<(), ApiError> {
    match loaded.app.state() {
        AppStateCode::Draft | AppStateCode::CorrectionRequested => Ok(()),
        s => Err(ApiError::new(
            StatusCode::CONFLICT,
            Message::new("api-not-editable").with("state", s.label()),
        )),
    }
}

/// Files and answers still missing; a 422 naming them if any.
async fn ensure_complete(state: &AppState, loaded: &Loaded) -> Result<(), ApiError> {
    let uploads = state.store.uploads(loaded.row.id).await?;
    let mut missing: Vec<&str> = loaded.form().missing();
    for slot in SLOTS {
        if !uploads.iter().any(|u| u.slot == slot) {
            missing.push(slot);
        }
    }
    if !missing.is_empty() {
        return Err(
            ApiError::key(StatusCode::UNPROCESSABLE_ENTITY, "api-incomplete")
                .with_detail(json!({ "missing": missing })),
        );
    }
    let blocked: Vec<&str> = uploads
        .iter()
        .filter(|u| crate::api::uploads::UploadView::blocks(u))
        .map(|u| u.slot.as_str())
        .collect();
    if !blocked.is_empty() {
        return Err(
            ApiError::key(StatusCode::UNPROCESSABLE_ENTITY, "api-upload-checks-failed")
                .with_detail(json!({ "files": blocked })),
        );
    }
    Ok(())
}

fn delivery_of(loaded: &Loaded) -> Result<wangban_core::state::DeliveryMethod, ApiError> {
    loaded.form().delivery.map(|d| d.method()).ok_or_else(|| {
        ApiError::key(StatusCode::UNPROCESSABLE_ENTITY, "api-incomplete")
            .with_detail(json!({ "missing": ["delivery"] }))
    })
}

/// Submits a complete draft for review (eligibility is checked again: the applicant must be in
/// mainland China at the moment of submission). A lost or stolen document is reported to the
/// registry. Send an `Idempotency-Key` to make retries safe.
#[utoipa::path(post, path = "/api/v1/applications/{number}/submit", tag = "applicant",
    params(("number" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = ApplicationView), (status = 409), (status = 422),
              (status = 503, description = "an external system (registry, proofing, payment, image checks) did not answer")),
    security(("session" = [])))]
pub async fn submit(
    State(state): State<AppState>,
    Lang(locale): Lang,
    auth: ApplicantAuth,
    headers: HeaderMap,
    ApiPath(number): ApiPath<String>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let key = idempotency_key(&headers)?;
    submit_application(&state, &auth, key, &number, locale).await
}

/// Submits a complete draft, once per idempotency key (shared by the JSON API and the pages).
pub async fn submit_application(
    state: &AppState,
    auth: &ApplicantAuth,
    key: Option<String>,
    number: &str,
    locale: Locale,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let (state, auth, number) = (state.clone(), auth.clone(), number.to_owned());
    let scope = format!("submit:{}:{number}", auth.applicant);
    let run = || async {
        let loaded = own(&state, &auth, &number).await?;
        if loaded.app.state() != AppStateCode::Draft {
            // Let the state machine explain.
            loaded.app.apply(&Action::new(
                state.now(),
                Actor::Applicant,
                Event::Submit {
                    delivery: wangban_core::state::DeliveryMethod::Pickup,
                },
            ))?;
        }
        ensure_complete(&state, &loaded).await?;
        let request = parse_request(&loaded.row.kind, &loaded.row.reason)?;
        let report =
            assess_applicant(&state, auth.applicant, request, Some(&loaded.row.number)).await?;
        if !report.eligible {
            return Err(
                ApiError::key(StatusCode::UNPROCESSABLE_ENTITY, "api-not-eligible")
                    .with_detail(eligibility_view(&report, &state.halls, locale)),
            );
        }
        let now = state.now();
        let mut jobs = Vec::new();
        if request.reason == wangban_core::document::Reason::LostOrStolen {
            jobs.push(
                JobPayload::ReportLost {
                    application: loaded.row.id.0,
                }
                .job(now),
            );
        }
        let event = Event::Submit {
            delivery: delivery_of(&loaded)?,
        };
        let effects = Effects {
            jobs,
            ..Default::default()
        };
        let view = applicant_step(&state, &auth, &loaded, event, effects, locale).await?;
        Ok((
            StatusCode::OK,
            serde_json::to_value(view).unwrap_or_default(),
        ))
    };
    let request = json!({ "number": number });
    let again = |id| applicant_answer(&state, id, StatusCode::OK, locale);
    idempotent(&state, scope, key, &request, run, again).await
}

/// Sends the application back to review after the requested corrections (every file asked
/// for must have been uploaded again since the request).
#[utoipa::path(post, path = "/api/v1/applications/{number}/correction", tag = "applicant",
    params(("number" = String, Path)),
    responses((status = 200, body = ApplicationView), (status = 409), (status = 422)),
    security(("session" = [])))]
pub async fn correct(
    State(state): State<AppState>,
    Lang(locale): Lang,
    auth: ApplicantAuth,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<ApplicationView>, ApiError> {
    Ok(Json(send_correction(&state, &auth, &number, locale).await?))
}

/// Sends the corrected application back to review (shared by the JSON API and the pages).
pub async fn send_correction(
    state: &AppState,
    auth: &ApplicantAuth,
    number: &str,
    locale: Locale,
) -> Result<ApplicationView, ApiError> {
    let loaded = own(state, auth, number).await?;
    if let Some(request) = loaded.app.correction_request() {
        let uploads = state.store.uploads(loaded.row.id).await?;
        let stale: Vec<&str> = request
            .items
            .iter()
            .map(|i| i.subject.code())
            .filter(|s| SLOTS.contains(s))
            .filter(|s| {
                !uploads
                    .iter()
                    .any(|u| u.slot == *s && u.uploaded_at > request.at)
            })
            .collect();
        if !stale.is_empty() {
            return Err(
                ApiError::key(StatusCode::UNPROCESSABLE_ENTITY, "api-correction-files")
                    .with_detail(json!({ "files": stale })),
            );
        }
    }
    // A corrected file must pass its checks too (or go to an officer's judgement).
    ensure_complete(state, &loaded).await?;
    let event = Event::Correct {
        delivery: delivery_of(&loaded)?,
    };
    applicant_step(state, auth, &loaded, event, Effects::default(), locale).await
}

/// Withdraws the application (before payment).
#[utoipa::path(post, path = "/api/v1/applications/{number}/withdraw", tag = "applicant",
    params(("number" = String, Path)),
    responses((status = 200, body = ApplicationView), (status = 409)),
    security(("session" = [])))]
pub async fn withdraw(
    State(state): State<AppState>,
    Lang(locale): Lang,
    auth: ApplicantAuth,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<ApplicationView>, ApiError> {
    Ok(Json(
        withdraw_application(&state, &auth, &number, locale).await?,
    ))
}

/// Withdraws the application (shared by the JSON API and the pages).
pub async fn withdraw_application(
    state: &AppState,
    auth: &ApplicantAuth,
    number: &str,
    locale: Locale,
) -> Result<ApplicationView, ApiError> {
    let loaded = own(state, auth, number).await?;
    applicant_step(
        state,
        auth,
        &loaded,
        Event::Withdraw,
        Effects::default(),
        locale,
    )
    .await
}

#[derive(Serialize, ToSchema)]
pub struct TimelineEntry {
    pub at: chrono::DateTime<chrono::Utc>,
    pub event: String,
    pub event_label: String,
    pub actor: String,
    pub actor_label: String,
}

#[derive(Serialize, ToSchema)]
pub struct Timeline {
    pub state: String,
    pub state_label: String,
    pub entries: Vec<TimelineEntry>,
    pub clocks: Vec<crate::api::views::ClockView>,
}

pub fn timeline_entries(loaded: &Loaded, locale: Locale) -> Vec<TimelineEntry> {
    loaded
        .log
        .iter()
        .map(|a| {
            let kind: EventKind = a.event.kind();
            TimelineEntry {
                at: a.at,
                event: kind.code().into(),
                event_label: kind.label().render(locale),
                actor: a.actor.code().into(),
                actor_label: a.actor.label().render(locale),
            }
        })
        .collect()
}

/// What happened, when, and the clocks.
#[utoipa::path(get, path = "/api/v1/applications/{number}/timeline", tag = "applicant",
    params(("number" = String, Path)),
    responses((status = 200, body = Timeline), (status = 404)), security(("session" = [])))]
pub async fn timeline(
    State(state): State<AppState>,
    Lang(locale): Lang,
    auth: ApplicantAuth,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<Timeline>, ApiError> {
    let loaded = own(&state, &auth, &number).await?;
    let view = application_view(&state, &loaded, Actor::Applicant, locale).await?;
    Ok(Json(Timeline {
        state: view.state,
        state_label: view.state_label,
        entries: timeline_entries(&loaded, locale),
        clocks: view.clocks,
    }))
}
