//! Server-rendered pages: the layout, the stylesheet, language switching, CSRF protection and
//! the start page here; the applicant's pages in [`applicant`], the officers' in [`officer`].
//!
//! Pages work without JavaScript. Every text comes from the catalogue through [`T`]; templates
//! (`crates/server/templates/`) hold markup only. Every form carries a CSRF token that must
//! match the `wangban_csrf` cookie (double submit; the cookie is `SameSite=Strict` and
//! `HttpOnly`). The language is chosen by the `wangban_lang` cookie (set by the switch link on
//! every page), else `Accept-Language`, else zh-CN.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use base64::Engine;
use serde::Deserialize;
use wangban_core::i18n::{Locale, Message};

use crate::app::AppState;
use crate::demo::{DEMO_OFFICERS, DEMO_PASSWORD, current_code};
use crate::error::{ApiError, Lang};
use crate::routes::{Access, Routes};

pub mod applicant;
pub mod guide;
pub mod officer;
pub mod statistics;

pub const LANG_COOKIE: &str = "wangban_lang";
pub const CSRF_COOKIE: &str = "wangban_csrf";

/// Texts for a template, in one language.
pub struct T(pub Locale);

impl T {
    pub fn t(&self, key: &'static str) -> String {
        Message::new(key).render(self.0)
    }
    /// A text with one argument (`{ $name }` in the catalogue).
    pub fn t_with(&self, key: &'static str, name: &'static str, value: &str) -> String {
        Message::new(key).with(name, value).render(self.0)
    }
    pub fn tag(&self) -> &'static str {
        self.0.tag()
    }
    pub fn other_tag(&self) -> &'static str {
        match self.0 {
            Locale::ZhCn => Locale::En.tag(),
            Locale::En => Locale::ZhCn.tag(),
        }
    }
}

/// One error in a form's error summary, linked to its field.
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// The language a `wangban_lang` cookie asks for, if any.
pub fn cookie_locale(headers: &HeaderMap) -> Option<Locale> {
    cookie(headers, LANG_COOKIE).and_then(|v| v.parse().ok())
}

/// The request's CSRF token, and a `Set-Cookie` value when a new one had to be made.
fn csrf(headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    if let Some(t) = cookie(headers, CSRF_COOKIE).filter(|t| t.len() == 43) {
        return (t, None);
    }
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let set = HeaderValue::from_str(&format!(
        "{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict"
    ))
    .ok();
    (token, set)
}

/// Refuses a form whose token does not match the cookie (403).
fn check_csrf(headers: &HeaderMap, sent: &str) -> Result<(), ApiError> {
    match cookie(headers, CSRF_COOKIE) {
        Some(expected)
            if !sent.is_empty()
                && crate::totp::constant_time_eq(expected.as_bytes(), sent.as_bytes()) =>
        {
            Ok(())
        }
        _ => Err(ApiError::key(StatusCode::FORBIDDEN, "page-csrf")),
    }
}

fn page(
    status: StatusCode,
    html: Result<String, askama::Error>,
    set: Option<HeaderValue>,
) -> Response {
    match html {
        Ok(body) => {
            let mut r = (status, Html(body)).into_response();
            if let Some(v) = set {
                r.headers_mut().append(header::SET_COOKIE, v);
            }
            r
        }
        Err(e) => {
            tracing::error!(error = %e, "template");
            ApiError::internal().into_response()
        }
    }
}

/// A form that carries only its CSRF token.
#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// After a logout: to `to`, with the session cookie cleared (`clear` is its expired form).
fn signed_out(to: &str, clear: &'static str) -> Response {
    let mut r = Redirect::to(to).into_response();
    r.headers_mut()
        .append(header::SET_COOKIE, HeaderValue::from_static(clear));
    r
}

pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/style.css"),
    )
        .into_response()
}

#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
}

/// Switches the language and goes back to the page (a local path only).
pub async fn switch_language(
    crate::error::ApiPath(tag): crate::error::ApiPath<String>,
    Query(q): Query<Next>,
) -> Result<Response, ApiError> {
    let locale: Locale = tag.parse().map_err(|_| ApiError::not_found())?;
    let next = q
        .next
        // A local path of visible ASCII only: no other site, no header injection.
        .filter(|n| {
            n.starts_with('/')
                && !n.starts_with("//")
                && n.bytes().all(|b| (0x21..0x7f).contains(&b) && b != b'\\')
        })
        .unwrap_or_else(|| "/".into());
    let mut r = Redirect::to(&next).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000",
        locale.tag()
    )) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(r)
}

struct CitizenRow {
    phone: String,
    name: String,
    id_number: String,
    request: String,
    demonstrates: String,
}

struct OfficerRow {
    username: &'static str,
    role: String,
    secret: &'static str,
    code: String,
}

#[derive(Template)]
#[template(path = "start.html")]
struct StartPage {
    t: T,
    path: &'static str,
    demo: bool,
    citizens: Vec<CitizenRow>,
    officers: Vec<OfficerRow>,
    password: &'static str,
}

/// The start page: what the service is, where to begin, and (on a demo) who to log in as.
pub async fn start(State(state): State<AppState>, Lang(locale): Lang) -> Response {
    let now = state.now();
    let citizens = state
        .sims
        .registry
        .demo_citizens()
        .iter()
        .map(|c| CitizenRow {
            phone: c.phone.as_str().to_owned(),
            name: c.name.as_str().to_owned(),
            id_number: c.id_number.as_str().to_owned(),
            request: format!(
                "{} / {}",
                c.request.kind.label().render(locale),
                c.request.reason.label().render(locale)
            ),
            demonstrates: c.demonstrates(locale).to_owned(),
        })
        .collect();
    let officers = DEMO_OFFICERS
        .iter()
        .map(|(username, _, role, secret)| OfficerRow {
            username,
            role: role.label().render(locale),
            secret,
            code: current_code(secret, now),
        })
        .collect();
    let p = StartPage {
        t: T(locale),
        path: "/",
        demo: state.settings.demo,
        citizens,
        officers,
        password: DEMO_PASSWORD,
    };
    page(StatusCode::OK, p.render(), None)
}

/// Every page route: the shared ones here, then each audience's own.
pub fn routes() -> Routes {
    Routes::new()
        .get("/", Access::Public, start)
        .get("/static/style.css", Access::Public, stylesheet)
        .get("/lang/{tag}", Access::Public, switch_language)
        .merge(guide::routes())
        .get("/statistics", Access::Public, statistics::statistics)
        .merge(applicant::routes())
        .merge(officer::routes())
}
