//! The session-timeout warning: `session.js` (a separate file: the CSP allows no inline script)
//! warns a few minutes before the idle timeout and offers "Stay logged in", which posts to
//! `/session/extend`. Without JavaScript the pages show the idle timeout in a short note.

use axum::Form;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;

use super::super::check_csrf;
use crate::app::AppState;
use crate::auth::ApplicantAuth;
use crate::error::ApiError;
use crate::routes::{Access, Routes};

pub fn routes() -> Routes {
    Routes::new()
        .get("/static/session.js", Access::Public, script)
        .post("/session/extend", Access::Applicant, extend)
}

async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../../static/session.js"),
    )
        .into_response()
}

#[derive(Deserialize)]
pub struct ExtendForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
}

/// Extends the idle timeout (any authenticated request does; this one exists for the button)
/// and answers with the new expiry as JSON, or, for a plain form post, goes back to the page.
async fn extend(
    State(state): State<AppState>,
    headers: HeaderMap,
    auth: Result<ApplicantAuth, ApiError>,
    Form(f): Form<ExtendForm>,
) -> Result<Response, ApiError> {
    check_csrf(&headers, &f.csrf)?;
    let auth = auth?;
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    let expires_at = auth
        .idle_expires_at
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    if wants_json {
        let remaining_seconds = (auth.idle_expires_at - state.now()).num_seconds().max(0);
        return Ok(Json(json!({
            "expires_at": expires_at,
            "remaining_seconds": remaining_seconds,
        }))
        .into_response());
    }
    let local = f.next.starts_with('/')
        && !f.next.starts_with("//")
        && f.next
            .bytes()
            .all(|b| (0x21..0x7f).contains(&b) && b != b'\\');
    Ok(Redirect::to(if local { &f.next } else { "/applications" }).into_response())
}
