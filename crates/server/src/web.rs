//! Server-rendered pages: the layout, the stylesheet, language switching, CSRF protection, and
//! the applicant's pages (so far: the start page, phone login, the list of applications).
//!
//! Pages work without JavaScript. Every text comes from the catalogue through [`T`]; templates
//! (`crates/server/templates/`) hold markup only. Every form carries a CSRF token that must
//! match the `wangban_csrf` cookie (double submit; the cookie is `SameSite=Strict` and
//! `HttpOnly`). The language is chosen by the `wangban_lang` cookie (set by the switch link on
//! every page), else `Accept-Language`, else zh-CN.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use base64::Engine;
use serde::Deserialize;
use wangban_core::i18n::{Locale, Message};

use crate::app::AppState;
use crate::auth::ApplicantAuth;
use crate::demo::{DEMO_OFFICERS, DEMO_PASSWORD, current_code};
use crate::error::{ApiError, Lang};

pub const LANG_COOKIE: &str = "wangban_lang";
pub const CSRF_COOKIE: &str = "wangban_csrf";

/// Texts for a template, in one language.
pub struct T(pub Locale);

impl T {
    pub fn t(&self, key: &'static str) -> String {
        Message::new(key).render(self.0)
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

pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/style.css"),
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

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    t: T,
    path: &'static str,
    csrf: String,
    phone: String,
    errors: Vec<FieldError>,
}

pub async fn login_form(Lang(locale): Lang, headers: HeaderMap) -> Response {
    let (csrf, set) = csrf(&headers);
    let p = LoginPage {
        t: T(locale),
        path: "/login",
        csrf,
        phone: String::new(),
        errors: vec![],
    };
    page(StatusCode::OK, p.render(), set)
}

#[derive(Deserialize)]
pub struct PhoneForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    phone: String,
}

#[derive(Template)]
#[template(path = "login_code.html")]
struct CodePage {
    t: T,
    path: &'static str,
    csrf: String,
    phone: String,
    sent_to: String,
    errors: Vec<FieldError>,
}

fn code_page(locale: Locale, csrf: String, phone: String, errors: Vec<FieldError>) -> CodePage {
    let masked = wangban_core::phone::MobileNumber::parse(&phone)
        .map(|m| m.masked())
        .unwrap_or_default();
    CodePage {
        t: T(locale),
        path: "/login",
        csrf,
        sent_to: Message::new("page-code-sent")
            .with("phone", masked)
            .render(locale),
        phone,
        errors,
    }
}

/// Sends the code and asks for it; a bad number is explained on the same page.
pub async fn login_send(
    State(state): State<AppState>,
    Lang(locale): Lang,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<PhoneForm>,
) -> Result<Response, ApiError> {
    check_csrf(&headers, &form.csrf)?;
    let address = crate::api::auth::client_address(&headers, Some(peer));
    let (csrf, _) = csrf(&headers);
    match crate::api::auth::send_login_code(&state, &form.phone, &address, locale).await {
        Ok(_) => {
            let phone = wangban_core::phone::MobileNumber::parse(&form.phone)
                .map(|m| m.as_str().to_owned())
                .unwrap_or_default();
            Ok(page(
                StatusCode::OK,
                code_page(locale, csrf, phone, vec![]).render(),
                None,
            ))
        }
        Err(e) => {
            let p = LoginPage {
                t: T(locale),
                path: "/login",
                csrf,
                phone: form.phone,
                errors: vec![FieldError {
                    field: "phone",
                    message: e.message.render(locale),
                }],
            };
            Ok(page(e.status, p.render(), None))
        }
    }
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    code: String,
}

/// Checks the code, opens the session (a new session id at login) and goes to the
/// applications.
pub async fn login_verify(
    State(state): State<AppState>,
    Lang(locale): Lang,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Result<Response, ApiError> {
    check_csrf(&headers, &form.csrf)?;
    match crate::api::auth::verify_login_code(&state, &form.phone, &form.code).await {
        Ok((token, _)) => Ok(crate::api::auth::with_cookie(
            Redirect::to("/applications").into_response(),
            &token,
        )),
        Err(e) => {
            let (csrf, _) = csrf(&headers);
            let p = code_page(
                locale,
                csrf,
                form.phone,
                vec![FieldError {
                    field: "code",
                    message: e.message.render(locale),
                }],
            );
            Ok(page(e.status, p.render(), None))
        }
    }
}

struct AppRow {
    number: String,
    kind: String,
    state: String,
}

#[derive(Template)]
#[template(path = "applications.html")]
struct ApplicationsPage {
    t: T,
    path: &'static str,
    csrf: String,
    signed_in_as: String,
    apps: Vec<AppRow>,
}

/// The applicant's applications (the login page when not logged in).
pub async fn applications(
    State(state): State<AppState>,
    Lang(locale): Lang,
    headers: HeaderMap,
    auth: Result<ApplicantAuth, ApiError>,
) -> Result<Response, ApiError> {
    let Ok(auth) = auth else {
        return Ok(Redirect::to("/login").into_response());
    };
    let applicant = state.store.applicant(auth.applicant).await?;
    let apps = state
        .store
        .applications_of(auth.applicant)
        .await?
        .into_iter()
        .map(|a| AppRow {
            kind: a
                .kind
                .parse::<wangban_core::document::DocumentKind>()
                .map(|k| k.label().render(locale))
                .unwrap_or_default(),
            state: wangban_core::state::State::from_code(&a.state)
                .map(|s| s.label().render(locale))
                .unwrap_or_default(),
            number: a.number,
        })
        .collect();
    let (csrf, set) = csrf(&headers);
    let p = ApplicationsPage {
        t: T(locale),
        path: "/applications",
        csrf,
        signed_in_as: Message::new("page-signed-in-as")
            .with("phone", crate::api::views::mask_phone(&applicant.phone))
            .render(locale),
        apps,
    };
    Ok(page(StatusCode::OK, p.render(), set))
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// Ends the session and clears the cookie.
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    auth: Result<ApplicantAuth, ApiError>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, ApiError> {
    check_csrf(&headers, &form.csrf)?;
    if let Ok(auth) = auth {
        state.store.delete_session(&auth.token_hash).await?;
    }
    let mut r = Redirect::to("/").into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("wangban_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    Ok(r)
}

#[derive(Template)]
#[template(path = "identity.html")]
struct IdentityPage {
    t: T,
    path: &'static str,
    csrf: String,
    name: String,
    id_number: String,
    errors: Vec<FieldError>,
}

/// Real-person authentication: name, ID number and a live photo (the login page when not
/// logged in).
pub async fn identity_form(
    Lang(locale): Lang,
    headers: HeaderMap,
    auth: Result<ApplicantAuth, ApiError>,
) -> Response {
    if auth.is_err() {
        return Redirect::to("/login").into_response();
    }
    let (csrf, set) = csrf(&headers);
    let p = IdentityPage {
        t: T(locale),
        path: "/identity",
        csrf,
        name: String::new(),
        id_number: String::new(),
        errors: vec![],
    };
    page(StatusCode::OK, p.render(), set)
}

/// Checks the identity; on success goes on to the eligibility check, otherwise explains on the
/// same page (with the way forward once attempts run out).
pub async fn identity_submit(
    State(state): State<AppState>,
    Lang(locale): Lang,
    headers: HeaderMap,
    auth: Result<ApplicantAuth, ApiError>,
    mut multipart: axum::extract::Multipart,
) -> Result<Response, ApiError> {
    let Ok(auth) = auth else {
        return Ok(Redirect::to("/login").into_response());
    };
    let bad = || ApiError::key(StatusCode::BAD_REQUEST, "api-bad-multipart");
    let (mut sent_csrf, mut name, mut id_number, mut capture) = (
        String::new(),
        String::new(),
        String::new(),
        bytes::Bytes::new(),
    );
    while let Some(field) = multipart.next_field().await.map_err(|_| bad())? {
        match field.name().unwrap_or("") {
            "csrf" => sent_csrf = field.text().await.map_err(|_| bad())?,
            "name" => name = field.text().await.map_err(|_| bad())?,
            "id_number" => id_number = field.text().await.map_err(|_| bad())?,
            "capture" => {
                capture = field
                    .bytes()
                    .await
                    .map_err(|_| ApiError::key(StatusCode::PAYLOAD_TOO_LARGE, "api-too-large"))?
            }
            _ => return Err(bad()),
        }
    }
    check_csrf(&headers, &sent_csrf)?;
    match crate::api::identity::verify_identity(&state, auth.applicant, &name, &id_number, capture)
        .await
    {
        Ok(_) => Ok(Redirect::to("/eligibility").into_response()),
        Err(e) => {
            let field = match e.message.key {
                k if k.starts_with("name-") || k == "proofing-name-mismatch" => "name",
                k if k.starts_with("id-") || k == "proofing-unknown-id" => "id_number",
                _ => "capture",
            };
            let (csrf, _) = csrf(&headers);
            let p = IdentityPage {
                t: T(locale),
                path: "/identity",
                csrf,
                name,
                id_number,
                errors: vec![FieldError {
                    field,
                    message: e.message.render(locale),
                }],
            };
            Ok(page(e.status, p.render(), None))
        }
    }
}

struct Choice {
    code: &'static str,
    label: String,
    checked: bool,
}

struct RuleRow {
    verdict: String,
    explanation: String,
    way_forward: Option<String>,
}

#[derive(Template)]
#[template(path = "eligibility.html")]
struct EligibilityPage {
    t: T,
    path: &'static str,
    errors: Vec<FieldError>,
    kinds: Vec<Choice>,
    reasons: Vec<Choice>,
    checked: bool,
    eligible: bool,
    rules: Vec<RuleRow>,
}

#[derive(Deserialize)]
pub struct EligibilityQuery {
    kind: Option<String>,
    reason: Option<String>,
}

/// "May I apply online?": every rule, in plain words, with the way forward for each one that
/// fails.
pub async fn eligibility(
    State(state): State<AppState>,
    Lang(locale): Lang,
    auth: Result<ApplicantAuth, ApiError>,
    Query(q): Query<EligibilityQuery>,
) -> Result<Response, ApiError> {
    use wangban_core::document::{DocumentKind, Reason};
    use wangban_core::eligibility::Verdict;
    let Ok(auth) = auth else {
        return Ok(Redirect::to("/login").into_response());
    };
    if crate::api::eligibility::verified_id(&state, auth.applicant)
        .await
        .is_err()
    {
        return Ok(Redirect::to("/identity").into_response());
    }
    let kind = q
        .kind
        .as_deref()
        .and_then(|k| k.parse::<DocumentKind>().ok());
    let reason = q.reason.as_deref().and_then(|r| r.parse::<Reason>().ok());
    let mut p = EligibilityPage {
        t: T(locale),
        path: "/eligibility",
        errors: vec![],
        kinds: DocumentKind::ALL
            .into_iter()
            .map(|k| Choice {
                code: k.code(),
                label: k.label().render(locale),
                checked: Some(k) == kind,
            })
            .collect(),
        reasons: Reason::ALL
            .into_iter()
            .map(|r| Choice {
                code: r.code(),
                label: r.label().render(locale),
                checked: Some(r) == reason,
            })
            .collect(),
        checked: false,
        eligible: false,
        rules: vec![],
    };
    if let (Some(kind), Some(reason)) = (kind, reason) {
        let report = crate::api::eligibility::assess_applicant(
            &state,
            auth.applicant,
            wangban_core::eligibility::Request { kind, reason },
            None,
        )
        .await?;
        p.checked = true;
        p.eligible = report.eligible;
        // Failed rules first, then the ones met; rules that do not apply are left out.
        let mut outcomes: Vec<_> = report
            .outcomes
            .iter()
            .filter(|o| o.verdict != Verdict::NotApplicable)
            .collect();
        outcomes.sort_by_key(|o| o.verdict != Verdict::Fail);
        p.rules = outcomes
            .into_iter()
            .map(|o| RuleRow {
                verdict: Message::new(if o.verdict == Verdict::Fail {
                    "page-elig-fail"
                } else {
                    "page-elig-pass"
                })
                .render(locale),
                explanation: o.explanation.render(locale),
                way_forward: o.way_forward.as_ref().map(|m| m.render(locale)),
            })
            .collect();
    } else if q.kind.is_some() || q.reason.is_some() {
        p.errors.push(FieldError {
            field: "kind-passport",
            message: Message::new("page-elig-choose").render(locale),
        });
    }
    Ok(page(StatusCode::OK, p.render(), None))
}
