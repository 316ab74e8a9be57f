//! The four files of an application: ID photo, signature, ID card front and back.
//!
//! Uploads are hostile until proven otherwise: the slot must exist, the application must be
//! editable, the part must be a JPEG or PNG by its bytes (not just its declared type), within
//! the size limit, and decodable within the pixel limits. Then the automatic checks run
//! (`crate::checks`): the answer carries every check's verdict with its explanation and fix,
//! and the file is stored with that verdict, the normalised image and the overlay. Nothing is
//! recorded for a refused file. A file that fails a check blocks submission until it is
//! replaced or the applicant asks an officer to judge it.

use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use wangban_core::i18n::Locale;
use wangban_store::{AuditActor, NewAudit, UploadRow};

use crate::api::applications::{ensure_editable, own};
use crate::app::AppState;
use crate::auth::ApplicantAuth;
use crate::checks::{CheckShown, StoredReport, shown};
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, Lang};
use crate::form::SLOTS;
use crate::service::Loaded;

/// The file part of an upload.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The image (JPEG or PNG).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// A stored file and its checks' verdict, in the caller's language.
#[derive(Serialize, ToSchema)]
pub struct UploadView {
    pub slot: String,
    pub content_type: String,
    pub size: u64,
    pub sha256: String,
    pub uploaded_at: chrono::DateTime<chrono::Utc>,
    /// The worst verdict: pass | officer | advisory | fail (fail blocks submission unless an
    /// officer's judgement was asked for).
    pub overall: String,
    pub checks: Vec<CheckShown>,
    /// Whether a normalised image (`?variant=normalised`) and an overlay
    /// (`?variant=overlay`) exist.
    pub normalised: bool,
    pub overlay: bool,
    /// The applicant's explanation, when an officer's judgement was asked for.
    pub judgement_requested: Option<String>,
}

impl UploadView {
    pub fn from_row(row: &UploadRow, locale: Locale) -> UploadView {
        let report = StoredReport::parse(&row.report);
        UploadView {
            slot: row.slot.clone(),
            content_type: row.content_type.clone(),
            size: row.size,
            sha256: row.sha256.clone(),
            uploaded_at: row.uploaded_at,
            overall: row.overall.clone(),
            checks: shown(&report, locale),
            normalised: row.normalised_key.is_some(),
            overlay: row.overlay_key.is_some(),
            judgement_requested: row.judgement_requested.clone(),
        }
    }

    /// Whether this file keeps the application from being submitted.
    pub fn blocks(row: &UploadRow) -> bool {
        row.overall == "fail" && row.judgement_requested.is_none()
    }
}

/// The image type by its first bytes.
pub fn sniff_image(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else {
        None
    }
}

/// Uploads (or replaces) one file and checks it.
#[utoipa::path(put, path = "/api/v1/applications/{number}/files/{slot}", tag = "applicant",
    params(("number" = String, Path), ("slot" = String, Path, description = "id_photo | signature | id_card_front | id_card_back")),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 200, body = UploadView, description = "stored, with every check's verdict"),
              (status = 404), (status = 409),
              (status = 413, description = "file too large"),
              (status = 415, description = "not a JPEG or PNG"),
              (status = 422, description = "not a decodable image within the limits"),
              (status = 503, description = "an external system (registry, proofing, payment, image checks) did not answer")),
    security(("session" = [])))]
pub async fn upload(
    State(state): State<AppState>,
    Lang(locale): Lang,
    auth: ApplicantAuth,
    ApiPath((number, slot)): ApiPath<(String, String)>,
    mut multipart: Multipart,
) -> Result<Json<UploadView>, ApiError> {
    let loaded = own(&state, &auth, &number).await?;
    if !SLOTS.contains(&slot.as_str()) {
        return Err(ApiError::not_found());
    }
    ensure_editable(&loaded)?;
    let bad = || ApiError::key(StatusCode::BAD_REQUEST, "api-bad-multipart");
    let mut file = None;
    while let Some(field) = multipart.next_field().await.map_err(|_| bad())? {
        if field.name() != Some("file") || file.is_some() {
            return Err(bad().with_detail(json!({ "expected": "one part named file" })));
        }
        let bytes = field
            .bytes()
            .await
            .map_err(|_| ApiError::key(StatusCode::PAYLOAD_TOO_LARGE, "api-too-large"))?;
        file = Some(bytes);
    }
    let bytes = file.ok_or_else(|| bad().with_detail(json!({ "expected": "file" })))?;
    Ok(Json(
        store_upload(&state, &auth, &number, &slot, bytes, locale).await?,
    ))
}

/// The quotas against upload floods (`[uploads] per_application_per_hour`,
/// `bytes_per_applicant_per_day`): every upload that reaches the checks counts, whatever their
/// verdict; over a quota the answer is 429 and nothing is stored. Bytes are counted in started
/// megabytes.
async fn check_quotas(
    state: &AppState,
    auth: &ApplicantAuth,
    application: i64,
    size: usize,
) -> Result<(), ApiError> {
    const MB: u64 = 1024 * 1024;
    let settings = &state.settings.uploads;
    let now = state.now();
    if settings.per_application_per_hour > 0 {
        let n = state
            .store
            .count_event(
                "upload-app",
                &application.to_string(),
                now,
                now - chrono::Duration::hours(1),
            )
            .await?;
        if n > settings.per_application_per_hour {
            return Err(ApiError::key(
                StatusCode::TOO_MANY_REQUESTS,
                "api-upload-quota-application",
            ));
        }
    }
    if settings.bytes_per_applicant_per_day > 0 {
        let subject = auth.applicant.0.to_string();
        let day_ago = now - chrono::Duration::days(1);
        let limit = settings.bytes_per_applicant_per_day.div_ceil(MB);
        let this = (size as u64).div_ceil(MB).max(1);
        let before = u64::from(
            state
                .store
                .events_since("upload-mb", &subject, day_ago)
                .await?,
        );
        if before + this > limit {
            return Err(ApiError::key(
                StatusCode::TOO_MANY_REQUESTS,
                "api-upload-quota-bytes",
            ));
        }
        state
            .store
            .count_events(
                "upload-mb",
                &subject,
                u32::try_from(this).unwrap_or(u32::MAX),
                now,
                day_ago,
            )
            .await?;
    }
    Ok(())
}

/// Checks and stores (or replaces) one file of an application (shared by the JSON API and
/// the pages): refused without a trace when it is empty, too large, not a JPEG or PNG by its
/// bytes, or not decodable; otherwise stored with every check's verdict.
pub async fn store_upload(
    state: &AppState,
    auth: &ApplicantAuth,
    number: &str,
    slot: &str,
    bytes: bytes::Bytes,
    locale: Locale,
) -> Result<UploadView, ApiError> {
    let loaded = own(state, auth, number).await?;
    let kind = crate::checks::slot_kind(slot).ok_or_else(ApiError::not_found)?;
    ensure_editable(&loaded)?;
    let slot = slot.to_owned();
    if bytes.is_empty() {
        return Err(ApiError::key(
            StatusCode::UNPROCESSABLE_ENTITY,
            "api-empty-file",
        ));
    }
    if bytes.len() > state.settings.uploads.max_bytes {
        return Err(ApiError::key(
            StatusCode::PAYLOAD_TOO_LARGE,
            "api-too-large",
        ));
    }
    check_quotas(state, auth, loaded.row.id.0, bytes.len()).await?;
    let content_type = sniff_image(&bytes)
        .ok_or_else(|| ApiError::key(StatusCode::UNSUPPORTED_MEDIA_TYPE, "api-not-an-image"))?;
    let report = crate::checks::run(state, kind, bytes.clone()).await?;
    let key = state.blobs.put(&bytes).await?;
    let normalised_key = match &report.normalised {
        Some(b) => Some(state.blobs.put(b).await?),
        None => None,
    };
    let overlay_key = match &report.overlay {
        Some(b) => Some(state.blobs.put(b).await?),
        None => None,
    };
    let stored = StoredReport::from_report(&report);
    let now = state.now();
    let row = UploadRow {
        application: loaded.row.id,
        slot: slot.clone(),
        blob_key: key.clone(),
        content_type: content_type.into(),
        size: bytes.len() as u64,
        sha256: hex::encode(Sha256::digest(&bytes)),
        uploaded_at: now,
        overall: stored.overall.clone(),
        report: serde_json::to_string(&stored).unwrap_or_default(),
        normalised_key,
        overlay_key,
        judgement_requested: None,
        judgement_requested_at: None,
    };
    state.store.put_upload(&row).await?;
    state
        .store
        .audit(&NewAudit {
            at: now,
            actor: AuditActor::Applicant(auth.applicant),
            action: "application.upload".into(),
            application: Some(loaded.row.id),
            detail: json!({ "slot": slot, "size": row.size, "sha256": row.sha256, "overall": row.overall }),
        })
        .await?;
    Ok(UploadView::from_row(&row, locale))
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JudgementRequest {
    /// Why the file is right although a check failed (1–500 characters), for the officer.
    pub explanation: String,
}

/// Asks an officer to judge a file that failed an automatic check, instead of replacing it.
/// The application can then be submitted; the officer sees the request first.
#[utoipa::path(post, path = "/api/v1/applications/{number}/files/{slot}/judgement", tag = "applicant",
    params(("number" = String, Path), ("slot" = String, Path)), request_body = JudgementRequest,
    responses((status = 200, body = UploadView), (status = 404),
              (status = 409, description = "the file passed its checks"),
              (status = 422, description = "explanation missing or too long")),
    security(("session" = [])))]
pub async fn request_judgement(
    State(state): State<AppState>,
    Lang(locale): Lang,
    auth: ApplicantAuth,
    ApiPath((number, slot)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<JudgementRequest>,
) -> Result<Json<UploadView>, ApiError> {
    Ok(Json(
        ask_judgement(&state, &auth, &number, &slot, &body.explanation, locale).await?,
    ))
}

/// Records the applicant's request for an officer's judgement on a failed file, with their
/// explanation (shared by the JSON API and the pages).
pub async fn ask_judgement(
    state: &AppState,
    auth: &ApplicantAuth,
    number: &str,
    slot: &str,
    explanation: &str,
    locale: Locale,
) -> Result<UploadView, ApiError> {
    let loaded = own(state, auth, number).await?;
    ensure_editable(&loaded)?;
    let explanation = explanation.trim();
    if explanation.is_empty()
        || explanation.chars().count() > 500
        || explanation.chars().any(|c| c.is_control() && c != '\n')
    {
        return Err(
            ApiError::key(StatusCode::UNPROCESSABLE_ENTITY, "api-field-invalid")
                .with_detail(json!({ "field": "explanation" })),
        );
    }
    let upload = find_upload(state, &loaded, slot).await?;
    if upload.overall != "fail" {
        return Err(ApiError::key(
            StatusCode::CONFLICT,
            "api-judgement-not-needed",
        ));
    }
    let now = state.now();
    state
        .store
        .request_judgement(loaded.row.id, slot, explanation, now)
        .await?;
    state
        .store
        .audit(&NewAudit {
            at: now,
            actor: AuditActor::Applicant(auth.applicant),
            action: "application.judgement_requested".into(),
            application: Some(loaded.row.id),
            detail: json!({ "slot": slot }),
        })
        .await?;
    let upload = find_upload(state, &loaded, slot).await?;
    Ok(UploadView::from_row(&upload, locale))
}

async fn find_upload(state: &AppState, loaded: &Loaded, slot: &str) -> Result<UploadRow, ApiError> {
    state
        .store
        .uploads(loaded.row.id)
        .await?
        .into_iter()
        .find(|u| u.slot == slot)
        .ok_or_else(ApiError::not_found)
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FileQuery {
    /// `original` (default), `normalised` (the checked, cropped image) or `overlay` (the
    /// visual feedback).
    pub variant: Option<String>,
}

/// Downloads one of the applicant's own files (or its normalised image or overlay).
#[utoipa::path(get, path = "/api/v1/applications/{number}/files/{slot}", tag = "applicant",
    params(("number" = String, Path), ("slot" = String, Path), FileQuery),
    responses((status = 200, description = "the image (as uploaded: JPEG or PNG)",
        content(("image/jpeg"), ("image/png"))), (status = 404)),
    security(("session" = [])))]
pub async fn download(
    State(state): State<AppState>,
    auth: ApplicantAuth,
    ApiPath((number, slot)): ApiPath<(String, String)>,
    ApiQuery(q): ApiQuery<FileQuery>,
) -> Result<Response, ApiError> {
    let loaded = own(&state, &auth, &number).await?;
    file_response(&state, &loaded, &slot, q.variant.as_deref()).await
}

/// The bytes of one variant of a stored file.
pub async fn file_response(
    state: &AppState,
    loaded: &Loaded,
    slot: &str,
    variant: Option<&str>,
) -> Result<Response, ApiError> {
    let upload = find_upload(state, loaded, slot).await?;
    let key = match variant.unwrap_or("original") {
        "original" => Some(upload.blob_key.clone()),
        "normalised" => upload.normalised_key.clone(),
        "overlay" => upload.overlay_key.clone(),
        _ => None,
    }
    .ok_or_else(ApiError::not_found)?;
    let bytes = state.blobs.get(&key).await?;
    let content_type = sniff_image(&bytes).unwrap_or("application/octet-stream");
    Ok(([(header::CONTENT_TYPE, content_type)], bytes).into_response())
}
