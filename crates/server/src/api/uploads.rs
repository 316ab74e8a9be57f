//! The four files of an application: ID photo, signature, ID card front and back.
//!
//! Uploads are hostile until proven otherwise: the slot must exist, the application must be
//! editable, the part must be a JPEG or PNG by its bytes (not just its declared type) and within
//! the size limit. The bytes are stored content-addressed; nothing is recorded for a refused
//! file. (The image checks of the photo itself come with the media crate.)

use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use wangban_store::{AuditActor, NewAudit, UploadRow};

use crate::api::applications::{ensure_editable, own};
use crate::api::views::UploadView;
use crate::app::AppState;
use crate::auth::ApplicantAuth;
use crate::error::{ApiError, ApiPath};
use crate::form::SLOTS;

/// The file part of an upload.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The image (JPEG or PNG).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
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

/// Uploads (or replaces) one file.
#[utoipa::path(put, path = "/api/v1/applications/{number}/files/{slot}", tag = "applicant",
    params(("number" = String, Path), ("slot" = String, Path, description = "id_photo | signature | id_card_front | id_card_back")),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 200, body = UploadView), (status = 404), (status = 409),
              (status = 413, description = "file too large"),
              (status = 415, description = "not a JPEG or PNG")),
    security(("session" = [])))]
pub async fn upload(
    State(state): State<AppState>,
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
    let content_type = sniff_image(&bytes)
        .ok_or_else(|| ApiError::key(StatusCode::UNSUPPORTED_MEDIA_TYPE, "api-not-an-image"))?;
    let key = state.blobs.put(&bytes).await?;
    let now = state.now();
    let row = UploadRow {
        application: loaded.row.id,
        slot: slot.clone(),
        blob_key: key.clone(),
        content_type: content_type.into(),
        size: bytes.len() as u64,
        sha256: key,
        uploaded_at: now,
    };
    state.store.put_upload(&row).await?;
    state
        .store
        .audit(&NewAudit {
            at: now,
            actor: AuditActor::Applicant(auth.applicant),
            action: "application.upload".into(),
            application: Some(loaded.row.id),
            detail: json!({ "slot": slot, "size": row.size, "sha256": row.sha256 }),
        })
        .await?;
    Ok(Json(UploadView {
        slot,
        content_type: row.content_type,
        size: row.size,
        sha256: row.sha256,
        uploaded_at: now,
    }))
}

/// Downloads one of the applicant's own files.
#[utoipa::path(get, path = "/api/v1/applications/{number}/files/{slot}", tag = "applicant",
    params(("number" = String, Path), ("slot" = String, Path)),
    responses((status = 200, description = "the image", content_type = "image/jpeg"), (status = 404)),
    security(("session" = [])))]
pub async fn download(
    State(state): State<AppState>,
    auth: ApplicantAuth,
    ApiPath((number, slot)): ApiPath<(String, String)>,
) -> Result<Response, ApiError> {
    let loaded = own(&state, &auth, &number).await?;
    let upload = state
        .store
        .uploads(loaded.row.id)
        .await?
        .into_iter()
        .find(|u| u.slot == slot)
        .ok_or_else(ApiError::not_found)?;
    let bytes = state.blobs.get(&upload.blob_key).await?;
    Ok(([(header::CONTENT_TYPE, upload.content_type)], bytes).into_response())
}
