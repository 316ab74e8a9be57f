//! The application: its shared state, its routes, and `serve` with graceful shutdown.

use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post, put};
use tower_http::set_header::SetResponseHeaderLayer;
use wangban_core::calendar::WorkingCalendar;
use wangban_core::document::DocumentNumberRules;
use wangban_gateways::{Clock, Gateways, Simulators};
use wangban_store::Store;
use wangban_store::blobs::Blobs;

use crate::settings::Settings;
use crate::{api, sim, web};

/// What every handler and worker shares. Cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub settings: Settings,
    pub store: Store,
    /// Uploaded files, sealed (`[storage]`: a local directory or an S3 bucket).
    pub blobs: Blobs,
    pub gateways: Gateways,
    /// The simulators behind the gateways, for their own pages (`/sim/…`).
    pub sims: Simulators,
    pub clock: Arc<dyn Clock>,
    pub calendar: WorkingCalendar,
    /// The reception halls (`[halls]`), checked at start.
    pub halls: wangban_core::halls::HallDirectory,
    pub number_rules: DocumentNumberRules,
    /// Request latencies and job failures of this process (`/metrics`).
    pub metrics: crate::ops::Metrics,
    /// This node's copy of the public statistics (`[statistics] cache_seconds`).
    pub stats_cache: api::statistics::Cache,
    /// Turns for the CPU-bound upload checks (`[uploads] check_concurrency`).
    pub check_turns: tokio::sync::Semaphore,
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(inner: Inner) -> AppState {
        AppState(Arc::new(inner))
    }

    pub fn now(&self) -> wangban_core::time::Timestamp {
        self.clock.now()
    }

    pub fn today(&self) -> chrono::NaiveDate {
        wangban_core::time::civil_date(self.now())
    }
}

/// Every route of the service.
pub fn router(state: AppState) -> Router {
    let upload_limit = state.settings.uploads.max_bytes + 64 * 1024;
    let capture_limit = state.settings.uploads.max_capture_bytes + 64 * 1024;
    // Every other request body is JSON (or nothing): a small limit, so that no one makes the
    // server parse megabytes of it.
    let json_limit = state.settings.http.json_max_bytes;
    let https = state.settings.public_url().starts_with("https://");
    let api = Router::new()
        .route("/openapi.json", get(crate::openapi::document))
        .route("/auth/otp", post(api::auth::request_code))
        .route("/auth/login", post(api::auth::login))
        .route("/auth/logout", post(api::auth::logout))
        .route("/me", get(api::auth::me))
        .route(
            "/identity/verify",
            post(api::identity::verify).layer(DefaultBodyLimit::max(capture_limit)),
        )
        .route("/eligibility", get(api::eligibility::check))
        .route("/guide", get(api::guide::guide))
        .route("/halls", get(api::guide::halls))
        .route(
            "/applications",
            post(api::applications::create).get(api::applications::list),
        )
        .route(
            "/applications/{number}",
            get(api::applications::get).patch(api::applications::update),
        )
        .route(
            "/applications/{number}/files/{slot}",
            put(api::uploads::upload)
                .get(api::uploads::download)
                .layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route(
            "/applications/{number}/files/{slot}/judgement",
            post(api::uploads::request_judgement),
        )
        .route(
            "/applications/{number}/submit",
            post(api::applications::submit),
        )
        .route(
            "/applications/{number}/correction",
            post(api::applications::correct),
        )
        .route(
            "/applications/{number}/withdraw",
            post(api::applications::withdraw),
        )
        .route("/applications/{number}/payment", post(api::payments::start))
        .route(
            "/applications/{number}/timeline",
            get(api::applications::timeline),
        )
        .route("/payments/notify", post(api::payments::notify))
        .route("/officer/login", post(api::officer::login))
        .route("/officer/login/totp", post(api::officer::login_totp))
        .route("/officer/queue", get(api::officer::queue))
        .route("/officer/dashboard", get(api::dashboard::get))
        .route("/officer/applications/{number}", get(api::officer::detail))
        .route(
            "/officer/applications/{number}/{action}",
            post(api::officer::act),
        )
        .route(
            "/officer/applications/{number}/files/{slot}",
            get(api::officer::file),
        )
        .route("/audit", get(api::audit::list))
        .route("/statistics", get(api::statistics::get))
        .route("/sim/sms", get(api::sim::sms_outbox))
        .layer(DefaultBodyLimit::max(json_limit));
    Router::new()
        .nest("/api/v1", api)
        .merge(web::routes())
        .route("/health", get(api::health::health))
        .route("/ready", get(api::health::ready))
        .route("/metrics", get(crate::ops::metrics))
        .merge(sim::routes())
        .fallback(api::health::not_found)
        .layer(axum::middleware::from_fn(crate::error::localize))
        .layer(axum::middleware::map_response(
            move |r: axum::response::Response| async move {
                if https { secure_cookies(r) } else { r }
            },
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        // Pages load nothing from elsewhere and run no inline script.
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; connect-src 'self'; \
                 form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(state.settings.http.request_timeout_seconds),
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::ops::track,
        ))
        .with_state(state)
}

/// Marks every cookie the service sets `Secure` (sent back over HTTPS only). Done in one place
/// for all of them (session, officer session, CSRF, language) when the public URL is HTTPS:
/// behind a TLS-terminating proxy the service itself speaks plain HTTP, yet browsers reach it
/// over HTTPS only. Browsers are also told to use HTTPS only for a year (HSTS).
fn secure_cookies(mut r: axum::response::Response) -> axum::response::Response {
    r.headers_mut().insert(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static("max-age=31536000"),
    );
    let cookies: Vec<HeaderValue> = r
        .headers_mut()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| match v.to_str() {
            Ok(s) if !s.to_ascii_lowercase().contains("; secure") => {
                HeaderValue::from_str(&format!("{s}; Secure")).unwrap_or_else(|_| v.clone())
            }
            _ => v.clone(),
        })
        .collect();
    r.headers_mut().remove(header::SET_COOKIE);
    for v in cookies {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}
