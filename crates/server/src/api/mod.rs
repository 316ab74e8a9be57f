//! The JSON API under `/api/v1`, one module per resource.

pub mod applications;
pub mod audit;
pub mod auth;
pub mod dashboard;
pub mod eligibility;
pub mod guide;
pub mod health;
pub mod identity;
pub mod officer;
pub mod payments;
pub mod sim;
pub mod statistics;
pub mod uploads;
pub mod views;

use axum::http::HeaderMap;

/// The `Idempotency-Key` header, if sent (1–100 visible ASCII characters).
pub fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, crate::error::ApiError> {
    match headers.get("idempotency-key") {
        None => Ok(None),
        Some(v) => {
            let s = v.to_str().unwrap_or("");
            if s.is_empty() || s.len() > 100 || !s.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(crate::error::ApiError::key(
                    axum::http::StatusCode::BAD_REQUEST,
                    "api-bad-idempotency-key",
                ));
            }
            Ok(Some(s.to_owned()))
        }
    }
}
