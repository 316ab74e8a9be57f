//! Real-person authentication (实人认证): name + ID number + a live capture, checked by the
//! identity-proofing service against the national record.

use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use chrono::Duration;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use wangban_core::i18n::Message;
use wangban_core::id_number::IdNumber;
use wangban_core::name::PersonName;
use wangban_gateways::proofing::{ProofingOutcome, ProofingRequest};
use wangban_store::{AuditActor, NewAudit};

use crate::api::views::{mask_id, mask_name};
use crate::app::AppState;
use crate::auth::ApplicantAuth;
use crate::error::ApiError;

#[derive(Serialize, ToSchema)]
pub struct Verified {
    pub verified: bool,
    /// Masked.
    pub name: String,
    /// Masked.
    pub id_number: String,
    /// The new session token: passing real-person authentication raises what the session may
    /// do, so the session id changes (the token sent before no longer works; browsers get the
    /// new cookie).
    pub token: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// The multipart form of a verification request.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct VerifyForm {
    /// Name as on the resident ID card.
    name: String,
    /// Resident ID number.
    id_number: String,
    /// The live capture (JPEG or PNG).
    #[schema(value_type = String, format = Binary)]
    capture: Vec<u8>,
}

async fn read_form(
    state: &AppState,
    mut multipart: Multipart,
) -> Result<(String, String, bytes::Bytes), ApiError> {
    let (mut name, mut id, mut capture) = (None, None, None);
    let bad = || ApiError::key(StatusCode::BAD_REQUEST, "api-bad-multipart");
    while let Some(field) = multipart.next_field().await.map_err(|_| bad())? {
        match field.name().unwrap_or("") {
            "name" => name = Some(field.text().await.map_err(|_| bad())?),
            "id_number" => id = Some(field.text().await.map_err(|_| bad())?),
            "capture" => {
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|_| ApiError::key(StatusCode::PAYLOAD_TOO_LARGE, "api-too-large"))?;
                if bytes.len() > state.settings.uploads.max_capture_bytes {
                    return Err(ApiError::key(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "api-too-large",
                    ));
                }
                capture = Some(bytes);
            }
            _ => return Err(bad().with_detail(json!({ "unknown_field": field.name() }))),
        }
    }
    match (name, id, capture) {
        (Some(n), Some(i), Some(c)) => Ok((n, i, c)),
        _ => Err(ApiError::key(
            StatusCode::UNPROCESSABLE_ENTITY,
            "api-proofing-incomplete",
        )),
    }
}

/// Real-person authentication. After too many failures further attempts are locked for a
/// while, and the answer says what to do instead.
#[utoipa::path(post, path = "/api/v1/identity/verify", tag = "applicant",
    request_body(content = VerifyForm, content_type = "multipart/form-data"),
    responses((status = 200, body = Verified),
              (status = 422, description = "name, ID number or capture not accepted"),
              (status = 429, description = "too many failed attempts"),
              (status = 503, description = "an external system (registry, proofing, payment, image checks) did not answer")),
    security(("session" = [])))]
pub async fn verify(
    State(state): State<AppState>,
    auth: ApplicantAuth,
    multipart: Multipart,
) -> Result<axum::response::Response, ApiError> {
    let (name, id_number, capture) = read_form(&state, multipart).await?;
    let (name, id_number) =
        verify_identity(&state, auth.applicant, &name, &id_number, capture).await?;
    let (token, expires_at) = state
        .renew_session(
            &auth.token_hash,
            wangban_store::SessionKind::Applicant,
            auth.applicant.0,
        )
        .await?;
    Ok(crate::api::auth::with_cookie(
        axum::response::IntoResponse::into_response(Json(Verified {
            verified: true,
            name,
            id_number,
            token: token.clone(),
            expires_at,
        })),
        &token,
    ))
}

/// Checks name + ID number + live capture with the proofing service and binds the identity to
/// the applicant; returns the masked name and ID number. Counts failures and locks after the
/// limit, with the way forward in the message.
pub async fn verify_identity(
    state: &AppState,
    applicant_id: wangban_store::ApplicantId,
    name: &str,
    id_number: &str,
    capture: bytes::Bytes,
) -> Result<(String, String), ApiError> {
    let now = state.now();
    let applicant = state.store.applicant(applicant_id).await?;
    if let Some(until) = applicant.proofing_locked_until {
        if now < until {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                Message::new("api-proofing-locked")
                    .with("until", wangban_core::time::format_local(until)),
            ));
        }
        state.store.reset_proofing_failures(applicant_id).await?;
    }
    if capture.len() > state.settings.uploads.max_capture_bytes {
        return Err(ApiError::key(
            StatusCode::PAYLOAD_TOO_LARGE,
            "api-too-large",
        ));
    }
    let name = PersonName::parse(name).map_err(|e| ApiError::invalid(&e))?;
    let id = IdNumber::parse(id_number, state.today()).map_err(|e| ApiError::invalid(&e))?;
    let outcome = state
        .gateways
        .proofing
        .verify(ProofingRequest {
            name: name.clone(),
            id_number: id.clone(),
            capture,
        })
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "identity proofing unavailable");
            ApiError::unavailable()
        })?;
    let failure = match outcome {
        ProofingOutcome::Verified => None,
        ProofingOutcome::NameMismatch => Some("proofing-name-mismatch"),
        ProofingOutcome::UnknownId => Some("proofing-unknown-id"),
        ProofingOutcome::CaptureRejected { .. } => Some("proofing-capture-rejected"),
    };
    let audit = |action: &str, detail: serde_json::Value| NewAudit {
        at: now,
        actor: AuditActor::Applicant(applicant_id),
        action: action.into(),
        application: None,
        detail,
    };
    match failure {
        None => {
            state
                .store
                .set_identity(applicant_id, name.as_str(), id.as_str(), now)
                .await?;
            state
                .store
                .audit(&audit(
                    "identity.verified",
                    json!({ "id_number": id.masked() }),
                ))
                .await?;
            Ok((mask_name(name.as_str()), mask_id(id.as_str())))
        }
        Some(code) => {
            let max = state.settings.proofing.max_failures;
            let failures_before = applicant.proofing_failures;
            let lock = (failures_before + 1 >= max)
                .then(|| now + Duration::minutes(state.settings.proofing.lock_minutes));
            let failures = state
                .store
                .record_proofing_failure(applicant_id, lock)
                .await?;
            state
                .store
                .audit(&audit("identity.failed", json!({ "reason": code })))
                .await?;
            Err(ApiError::key(StatusCode::UNPROCESSABLE_ENTITY, code)
                .with_detail(json!({ "attempts_left": max.saturating_sub(failures) })))
        }
    }
}
