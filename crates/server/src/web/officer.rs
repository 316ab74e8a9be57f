//! The officers' pages: login with password and TOTP, the review queue, the application view,
//! casework, production, dispatch and pickup, and the supervisor's dashboard.

use axum::Router;

use crate::app::AppState;

/// The officers' page routes.
pub fn routes() -> Router<AppState> {
    Router::new()
}
