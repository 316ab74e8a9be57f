//! The applicant's pages: phone login, real-person authentication, eligibility, the list of
//! applications, and the application itself (task list, form, uploads, delivery, check your
//! answers, submit, status, correction, payment, tracking).

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use wangban_core::i18n::{Locale, Message};

use super::{CsrfOnly, FieldError, T, check_csrf, csrf, page};
use crate::app::AppState;
use crate::auth::ApplicantAuth;
use crate::error::{ApiError, Lang};
use crate::routes::{Access, Routes};

mod apply;
mod session;

// The page forms, for the fuzz targets (`crates/server/fuzz`) that decode them.
pub use apply::{CsrfForm, DeliveryForm, DetailsForm, JudgementForm, StartForm, SubmitForm};
pub use session::ExtendForm;

/// The applicant's page routes.
pub fn routes() -> Routes {
    use Access::*;
    Routes::new()
        .get("/login", Public, login_form)
        .post("/login", Public, login_send)
        .post("/login/code", Public, login_verify)
        .get("/applications", Applicant, applications)
        .get("/identity", Applicant, identity_form)
        .post("/identity", Applicant, identity_submit)
        .get("/eligibility", Applicant, eligibility)
        .post("/logout", Logout, logout)
        .merge(apply::routes())
        .merge(session::routes())
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
    let address = crate::api::auth::client_address(
        &headers,
        Some(peer),
        &state.settings.http.trusted_proxies,
    );
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
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Result<Response, ApiError> {
    check_csrf(&headers, &form.csrf)?;
    let address = crate::api::auth::client_address(
        &headers,
        Some(peer),
        &state.settings.http.trusted_proxies,
    );
    match crate::api::auth::verify_login_code(&state, &form.phone, &form.code, &address).await {
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
    canonical: String,
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
            canonical: a.number.clone(),
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
    Ok(super::signed_out(
        "/",
        "wangban_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0",
    ))
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
        Ok(_) => {
            // A new session id now that the session may do more (session fixation).
            let (token, _) = state
                .renew_session(
                    &auth.token_hash,
                    wangban_store::SessionKind::Applicant,
                    auth.applicant.0,
                )
                .await?;
            Ok(crate::api::auth::with_cookie(
                Redirect::to("/eligibility").into_response(),
                &token,
            ))
        }
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
    /// With the query, so that the language switch keeps the result.
    path: String,
    csrf: String,
    kind: String,
    reason: String,
    idempotency_key: String,
    errors: Vec<FieldError>,
    kinds: Vec<Choice>,
    reasons: Vec<Choice>,
    checked: bool,
    eligible: bool,
    rules: Vec<RuleRow>,
    /// On a no: the reception halls of the person's hukou district (the way forward).
    halls: Option<super::guide::DistrictHalls>,
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
    headers: HeaderMap,
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
    let (csrf, set) = csrf(&headers);
    let mut p = EligibilityPage {
        t: T(locale),
        path: match (kind, reason) {
            (Some(k), Some(r)) => format!("/eligibility?kind={}&reason={}", k.code(), r.code()),
            _ => "/eligibility".into(),
        },
        csrf,
        kind: kind.map(|k| k.code().to_owned()).unwrap_or_default(),
        reason: reason.map(|r| r.code().to_owned()).unwrap_or_default(),
        idempotency_key: base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            rand::random::<[u8; 18]>(),
        ),
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
        halls: None,
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
        if !report.eligible {
            p.halls = Some(super::guide::DistrictHalls::new(
                &state.halls,
                report.hukou_district,
                locale,
            ));
        }
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
    Ok(page(StatusCode::OK, p.render(), set))
}
