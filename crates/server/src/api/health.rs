//! Liveness and readiness.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::app::AppState;
use crate::error::ApiError;

/// The process is up.
#[utoipa::path(get, path = "/health", tag = "operations", responses((status = 200)))]
pub async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// The service can serve: the database answers.
#[utoipa::path(get, path = "/ready", tag = "operations", responses((status = 200), (status = 503)))]
pub async fn ready(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    state
        .store
        .ping()
        .await
        .map_err(|_| ApiError::unavailable())?;
    Ok(Json(json!({ "status": "ready" })))
}

pub async fn not_found() -> ApiError {
    ApiError::key(StatusCode::NOT_FOUND, "api-not-found")
}
