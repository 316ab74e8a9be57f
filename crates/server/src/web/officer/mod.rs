//! The officers' pages: login with password and TOTP, the review queue, the application view,
//! casework, production, dispatch and pickup, and the supervisor's dashboard.
//!
//! Officers' page sessions use their own cookie ([`OFFICER_COOKIE`]), so that an applicant and
//! an officer can be logged in in one browser. Every page reuses the officer API's logic
//! (`crate::api::officer`): the same password and TOTP steps, the same queue, the same audited
//! detail and file views, the same casework steps. Which forms an officer sees is the state
//! machine's table (`available_events`), never a list kept here.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use wangban_core::i18n::Locale;
use wangban_core::state::{Actor, EventKind, TRANSITIONS};

use super::{FieldError, T, check_csrf, csrf, page};
use crate::app::AppState;
use crate::auth::{OFFICER_COOKIE, OfficerAuth, PendingOfficer};
use crate::error::{ApiError, Lang};
use crate::routes::{Access, Routes};
use crate::web::CsrfOnly;

mod audit;
mod cases;
mod dashboard;
mod lists;

// The query forms, for the fuzz targets (`crates/server/fuzz`) that decode them.
pub use dashboard::DashboardForm;
pub use lists::QueueForm;

/// The officers' page routes.
pub fn routes() -> Routes {
    use crate::api::audit::AUDIT_ROLES;
    use crate::api::dashboard::DASHBOARD_ROLES;
    use crate::auth::CASEWORK_ROLES;
    use Access::*;
    Routes::new()
        .get("/officer/login", Public, login_form)
        .post("/officer/login", Public, login_submit)
        .get("/officer/totp", PendingOfficer, totp_form)
        .post("/officer/totp", PendingOfficer, totp_submit)
        .post("/officer/logout", Logout, logout)
        .get("/officer", Officer(CASEWORK_ROLES), lists::queue)
        .get(
            "/officer/production",
            Officer(CASEWORK_ROLES),
            lists::production,
        )
        .get(
            "/officer/dispatch",
            Officer(CASEWORK_ROLES),
            lists::dispatch,
        )
        .get("/officer/pickup", Officer(CASEWORK_ROLES), lists::pickup)
        .get(
            "/officer/dashboard",
            Officer(DASHBOARD_ROLES),
            dashboard::dashboard,
        )
        .get(
            "/officer/dashboard.csv",
            Officer(DASHBOARD_ROLES),
            dashboard::csv,
        )
        .get("/officer/audit", Officer(AUDIT_ROLES), audit::page)
        .get(
            "/officer/applications/{number}",
            Officer(CASEWORK_ROLES),
            cases::view,
        )
        .post(
            "/officer/applications/{number}/reveal",
            Officer(CASEWORK_ROLES),
            cases::reveal,
        )
        .post(
            "/officer/applications/{number}/act/{action}",
            OfficerStep,
            cases::act,
        )
        .get(
            "/officer/applications/{number}/files/{slot}",
            Officer(CASEWORK_ROLES),
            cases::file,
        )
}

/// Whether the state machine lets `role` take `event` anywhere.
fn may(role: Actor, event: EventKind) -> bool {
    TRANSITIONS
        .iter()
        .any(|t| t.event == event && t.actors.contains(&role))
}

pub(crate) struct NavItem {
    href: &'static str,
    id: &'static str,
    label: String,
    current: bool,
}

/// The officers' navigation bar: the pages for the officer's role, their name and role.
pub(crate) struct Nav {
    items: Vec<NavItem>,
    name: String,
    role: String,
}

fn nav(officer: &OfficerAuth, locale: Locale, current: &str) -> Nav {
    let role = officer.role;
    let t = T(locale);
    let candidates: [(&'static str, &'static str, &'static str, bool); 6] = [
        (
            "/officer",
            "nav-queue",
            "office-nav-queue",
            may(role, EventKind::Claim) || may(role, EventKind::Release),
        ),
        (
            "/officer/production",
            "nav-production",
            "office-nav-production",
            may(role, EventKind::Produced),
        ),
        (
            "/officer/dispatch",
            "nav-dispatch",
            "office-nav-dispatch",
            may(role, EventKind::Dispatch) || may(role, EventKind::SendToHall),
        ),
        (
            "/officer/pickup",
            "nav-pickup",
            "office-nav-pickup",
            may(role, EventKind::Collected),
        ),
        (
            "/officer/dashboard",
            "nav-dashboard",
            "office-nav-dashboard",
            role == Actor::Supervisor,
        ),
        (
            "/officer/audit",
            "nav-audit",
            "audit-nav",
            crate::api::audit::AUDIT_ROLES.contains(&role),
        ),
    ];
    Nav {
        items: candidates
            .into_iter()
            .filter(|c| c.3)
            .map(|(href, id, key, _)| NavItem {
                href,
                id,
                label: t.t(key),
                current: href == current,
            })
            .collect(),
        name: officer.officer.display_name.clone(),
        role: role.label().render(locale),
    }
}

#[derive(Template)]
#[template(path = "office_forbidden.html")]
struct ForbiddenPage {
    t: T,
    path: &'static str,
    csrf: String,
    nav: Nav,
    id: &'static str,
    title: String,
    body: String,
}

/// A page that only says why there is nothing to show (403 or 404), with the navigation.
fn refusal(
    officer: &OfficerAuth,
    locale: Locale,
    headers: &HeaderMap,
    path: &'static str,
    status: StatusCode,
) -> Response {
    let (csrf, set) = csrf(headers);
    let t = T(locale);
    let (id, title, body) = if status == StatusCode::NOT_FOUND {
        (
            "not-found",
            t.t("office-not-found-title"),
            t.t("office-not-found-body"),
        )
    } else {
        (
            "forbidden",
            t.t("office-forbidden-title"),
            t.t("office-forbidden-body"),
        )
    };
    let p = ForbiddenPage {
        t,
        path,
        csrf,
        nav: nav(officer, locale, ""),
        id,
        title,
        body,
    };
    page(status, p.render(), set)
}

/// The 403 page for an officer whose role may not see a page.
pub(crate) fn forbidden(
    officer: &OfficerAuth,
    locale: Locale,
    headers: &HeaderMap,
    path: &'static str,
) -> Response {
    refusal(officer, locale, headers, path, StatusCode::FORBIDDEN)
}

/// The 404 page for an application that does not exist.
pub(crate) fn not_found(officer: &OfficerAuth, locale: Locale, headers: &HeaderMap) -> Response {
    refusal(officer, locale, headers, "/officer", StatusCode::NOT_FOUND)
}

/// The logged-in officer, or the response to send instead: the login page when not logged in,
/// the 403 page when the role may not work on applications (or is not in `roles`).
fn gate(
    auth: Result<OfficerAuth, ApiError>,
    roles: &[Actor],
    locale: Locale,
    headers: &HeaderMap,
    path: &'static str,
) -> Result<OfficerAuth, Box<Response>> {
    match auth {
        Ok(o) if roles.contains(&o.role) => Ok(o),
        Ok(o) => Err(Box::new(forbidden(&o, locale, headers, path))),
        Err(e) if e.status == StatusCode::FORBIDDEN => Err(Box::new(e.into_response())),
        Err(_) => Err(Box::new(Redirect::to("/officer/login").into_response())),
    }
}

fn with_officer_cookie(mut r: Response, token: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{OFFICER_COOKIE}={token}; Path=/officer; HttpOnly; SameSite=Strict"
    )) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

#[derive(Template)]
#[template(path = "office_login.html")]
struct LoginPage {
    t: T,
    path: &'static str,
    csrf: String,
    username: String,
    errors: Vec<FieldError>,
}

pub async fn login_form(Lang(locale): Lang, headers: HeaderMap) -> Response {
    let (csrf, set) = csrf(&headers);
    let p = LoginPage {
        t: T(locale),
        path: "/officer/login",
        csrf,
        username: String::new(),
        errors: vec![],
    };
    page(StatusCode::OK, p.render(), set)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

/// The password step: on success a pending session (its own cookie) and the code page; on
/// failure the same message whether the user exists or not.
pub async fn login_submit(
    State(state): State<AppState>,
    Lang(locale): Lang,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, ApiError> {
    check_csrf(&headers, &form.csrf)?;
    match crate::api::officer::check_password(&state, &form.username, &form.password).await {
        Ok((token, _)) => Ok(with_officer_cookie(
            Redirect::to("/officer/totp").into_response(),
            &token,
        )),
        Err(e) => {
            let (csrf, _) = csrf(&headers);
            let status = if e.status.is_server_error() {
                e.status
            } else {
                StatusCode::UNAUTHORIZED
            };
            let p = LoginPage {
                t: T(locale),
                path: "/officer/login",
                csrf,
                username: form.username,
                errors: vec![FieldError {
                    field: "username",
                    message: if e.status == StatusCode::TOO_MANY_REQUESTS {
                        e.message.render(locale)
                    } else {
                        T(locale).t("office-login-failed")
                    },
                }],
            };
            Ok(page(status, p.render(), None))
        }
    }
}

#[derive(Template)]
#[template(path = "office_totp.html")]
struct TotpPage {
    t: T,
    path: &'static str,
    csrf: String,
    errors: Vec<FieldError>,
}

pub async fn totp_form(
    Lang(locale): Lang,
    headers: HeaderMap,
    pending: Result<PendingOfficer, ApiError>,
) -> Response {
    if pending.is_err() {
        return Redirect::to("/officer/login").into_response();
    }
    let (csrf, set) = csrf(&headers);
    let p = TotpPage {
        t: T(locale),
        path: "/officer/totp",
        csrf,
        errors: vec![],
    };
    page(StatusCode::OK, p.render(), set)
}

#[derive(Deserialize)]
pub struct TotpForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
}

/// The second factor: a new session id replaces the pending one, then the officer's start page.
pub async fn totp_submit(
    State(state): State<AppState>,
    Lang(locale): Lang,
    headers: HeaderMap,
    pending: Result<PendingOfficer, ApiError>,
    Form(form): Form<TotpForm>,
) -> Result<Response, ApiError> {
    check_csrf(&headers, &form.csrf)?;
    let Ok(pending) = pending else {
        return Ok(Redirect::to("/officer/login").into_response());
    };
    match crate::api::officer::check_totp(&state, &pending, form.code.trim()).await {
        Ok((token, _)) => {
            let officer = state.store.officer(pending.officer).await?;
            let start = Actor::from_code(&officer.role)
                .map(start_page)
                .unwrap_or("/officer");
            Ok(with_officer_cookie(
                Redirect::to(start).into_response(),
                &token,
            ))
        }
        Err(e) => {
            let (csrf, _) = csrf(&headers);
            let status = if e.status.is_server_error() {
                e.status
            } else {
                StatusCode::UNAUTHORIZED
            };
            let p = TotpPage {
                t: T(locale),
                path: "/officer/totp",
                csrf,
                errors: vec![FieldError {
                    field: "code",
                    // A lock says so, and for how long; a wrong code says only that.
                    message: if e.status == StatusCode::TOO_MANY_REQUESTS {
                        e.message.render(locale)
                    } else {
                        T(locale).t("office-totp-failed")
                    },
                }],
            };
            Ok(page(status, p.render(), None))
        }
    }
}

/// Where an officer starts: the first page of their role's navigation.
fn start_page(role: Actor) -> &'static str {
    if may(role, EventKind::Claim) || may(role, EventKind::Release) {
        "/officer"
    } else if may(role, EventKind::Produced) {
        "/officer/production"
    } else if may(role, EventKind::Dispatch) || may(role, EventKind::SendToHall) {
        "/officer/dispatch"
    } else if crate::api::audit::AUDIT_ROLES.contains(&role) {
        "/officer/audit"
    } else {
        "/officer"
    }
}

/// Ends the officer's page session (full or pending) and clears its cookie.
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    auth: Result<OfficerAuth, ApiError>,
    pending: Result<PendingOfficer, ApiError>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, ApiError> {
    check_csrf(&headers, &form.csrf)?;
    if let Ok(auth) = auth {
        state.store.delete_session(&auth.token_hash).await?;
    } else if let Ok(p) = pending {
        state.store.delete_session(&p.token_hash).await?;
    }
    Ok(super::signed_out(
        "/officer/login",
        "wangban_officer=; Path=/officer; HttpOnly; SameSite=Strict; Max-Age=0",
    ))
}

/// A civil date and the working days from today to it (negative once past).
fn due_text(
    state: &AppState,
    due_at: Option<chrono::DateTime<chrono::Utc>>,
    locale: Locale,
) -> (String, String, Option<i64>) {
    let Some(due_at) = due_at else {
        return (String::new(), String::new(), None);
    };
    let due = wangban_core::time::civil_date(due_at);
    let left = crate::api::dashboard::days_left(state, due_at);
    let left_text = if state.now() >= due_at {
        wangban_core::i18n::Message::new("office-days-overdue")
            .with("days", left.unsigned_abs().max(1) as i64)
            .render(locale)
    } else {
        wangban_core::i18n::Message::new("office-days-left")
            .with("days", left)
            .render(locale)
    };
    (
        wangban_core::i18n::format_date(due, locale),
        left_text,
        Some(left),
    )
}

/// Working days an application has waited in its state (since its last step).
fn age_days(state: &AppState, since: chrono::DateTime<chrono::Utc>) -> i64 {
    crate::api::dashboard::age_days(state, since)
}
