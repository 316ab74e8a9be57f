//! The application: its shared state, its routes, and `serve` with graceful shutdown.

use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;
use wangban_core::calendar::WorkingCalendar;
use wangban_core::document::DocumentNumberRules;
use wangban_gateways::{Clock, Gateways, Simulators};
use wangban_store::Store;
use wangban_store::blobs::Blobs;

use crate::api::audit::AUDIT_ROLES;
use crate::api::dashboard::DASHBOARD_ROLES;
use crate::auth::CASEWORK_ROLES;
use crate::routes::{Access, Routes};
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

/// The largest request bodies, in bytes: JSON everywhere in the API, an uploaded file, a live
/// capture for real-person authentication.
#[derive(Clone, Copy, Debug, Default)]
pub struct BodyLimits {
    pub json: usize,
    pub upload: usize,
    pub capture: usize,
}

/// Every route of the service with who may use it (`crate::routes`: the one place routes are
/// added; the authorisation matrix in `tests/it/authz.rs` checks each declaration). JSON sent
/// to the API may be as large as `limits.json`, an upload or a capture as their own limits;
/// pages keep axum's default.
pub fn routes(limits: BodyLimits) -> Routes {
    use Access::*;
    let api = Routes::new()
        .get("/openapi.json", Public, crate::openapi::document)
        .post("/auth/otp", Public, api::auth::request_code)
        .post("/auth/login", Public, api::auth::login)
        .post("/auth/logout", Applicant, api::auth::logout)
        .get("/me", Applicant, api::auth::me)
        .post_limited(
            "/identity/verify",
            Applicant,
            api::identity::verify,
            limits.capture,
        )
        .get("/eligibility", Applicant, api::eligibility::check)
        .get("/guide", Public, api::guide::guide)
        .get("/halls", Public, api::guide::halls)
        .post("/applications", Applicant, api::applications::create)
        .get("/applications", Applicant, api::applications::list)
        .get("/applications/{number}", Owner, api::applications::get)
        .patch("/applications/{number}", Owner, api::applications::update)
        .put_limited(
            "/applications/{number}/files/{slot}",
            Owner,
            api::uploads::upload,
            limits.upload,
        )
        .get(
            "/applications/{number}/files/{slot}",
            Owner,
            api::uploads::download,
        )
        .post(
            "/applications/{number}/files/{slot}/judgement",
            Owner,
            api::uploads::request_judgement,
        )
        .post(
            "/applications/{number}/submit",
            Owner,
            api::applications::submit,
        )
        .post(
            "/applications/{number}/correction",
            Owner,
            api::applications::correct,
        )
        .post(
            "/applications/{number}/withdraw",
            Owner,
            api::applications::withdraw,
        )
        .post(
            "/applications/{number}/payment",
            Owner,
            api::payments::start,
        )
        .get(
            "/applications/{number}/timeline",
            Owner,
            api::applications::timeline,
        )
        .post("/payments/notify", Signed, api::payments::notify)
        .post("/officer/login", Public, api::officer::login)
        .post(
            "/officer/login/totp",
            PendingOfficer,
            api::officer::login_totp,
        )
        .get(
            "/officer/queue",
            Officer(CASEWORK_ROLES),
            api::officer::queue,
        )
        .get(
            "/officer/dashboard",
            Officer(DASHBOARD_ROLES),
            api::dashboard::get,
        )
        .get(
            "/officer/applications/{number}",
            Officer(CASEWORK_ROLES),
            api::officer::detail,
        )
        .post(
            "/officer/applications/{number}/{action}",
            OfficerStep,
            api::officer::act,
        )
        .get(
            "/officer/applications/{number}/files/{slot}",
            Officer(CASEWORK_ROLES),
            api::officer::file,
        )
        .get("/audit", Officer(AUDIT_ROLES), api::audit::list)
        .get("/statistics", Public, api::statistics::get)
        .get("/sim/sms", Sim, api::sim::sms_outbox)
        .map_router(|r| r.layer(DefaultBodyLimit::max(limits.json)));
    Routes::new()
        .nest("/api/v1", api)
        .merge(web::routes())
        .get("/health", Public, api::health::health)
        .get("/ready", Public, api::health::ready)
        .get("/metrics", Operator, crate::ops::metrics)
        .merge(sim::routes())
}

/// Every route of the service, with the layers every response passes through.
pub fn router(state: AppState) -> Router {
    let upload_limit = state.settings.uploads.max_bytes + 64 * 1024;
    let capture_limit = state.settings.uploads.max_capture_bytes + 64 * 1024;
    // Every other request body is JSON (or nothing): a small limit, so that no one makes the
    // server parse megabytes of it.
    let json_limit = state.settings.http.json_max_bytes;
    let https = state.settings.public_url().starts_with("https://");
    let (routes, _) = routes(BodyLimits {
        json: json_limit,
        upload: upload_limit,
        capture: capture_limit,
    })
    .into_parts();
    routes
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
