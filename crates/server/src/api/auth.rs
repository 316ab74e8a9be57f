//! Applicant login with a mobile number and a one-time SMS code.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Duration;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use wangban_core::phone::MobileNumber;
use wangban_store::{AuditActor, NewAudit, SessionKind, SessionStage};

use crate::api::views::mask_phone;
use crate::app::AppState;
use crate::auth::{ApplicantAuth, COOKIE};
use crate::error::{ApiError, ApiJson, Lang};
use crate::service::JobPayload;
use crate::totp::constant_time_eq;
use wangban_gateways::sms::SmsTemplate;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    /// Mainland mobile number.
    #[schema(example = "13800000001")]
    pub phone: String,
}

#[derive(Serialize, ToSchema)]
pub struct CodeSent {
    /// Always true: the answer is the same whether or not the number has an account.
    pub sent: bool,
    /// Seconds the code stays valid.
    pub expires_in: i64,
}

/// The stored form of a login code: keyed (HMAC-SM3 under the store's index key), because an
/// unkeyed hash of a six-digit code is undone by trying the million codes, and a database
/// copy would then yield live codes.
fn code_hash(state: &AppState, phone: &str, code: &str) -> Result<String, ApiError> {
    Ok(state
        .store
        .vault()?
        .blind_index("otp-code", &format!("{phone}:{code}")))
}

pub fn client_address(
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
    trusted: &[std::net::IpAddr],
) -> String {
    let Some(peer) = peer.map(|p| p.ip()) else {
        return "unknown".into();
    };
    if !trusted.contains(&peer) {
        // Not from one of our proxies: X-Forwarded-For is whatever the client wrote.
        return peer.to_string();
    }
    // From our proxy: the client is the last address that is not one of our proxies (the
    // entries before it were written by the client and prove nothing).
    let mut client = peer;
    for entry in headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
    {
        match entry.trim().parse::<std::net::IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => client = ip,
            Ok(ip) => return ip.to_string(),
            Err(_) => break,
        }
    }
    client.to_string()
}

/// Sends a one-time login code by SMS.
#[utoipa::path(post, path = "/api/v1/auth/otp", tag = "applicant",
    request_body = CodeRequest,
    responses((status = 202, body = CodeSent), (status = 422, description = "not a mainland mobile number"),
              (status = 429, description = "too many codes requested")))]
pub async fn request_code(
    State(state): State<AppState>,
    Lang(locale): Lang,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<CodeRequest>,
) -> Result<(StatusCode, Json<CodeSent>), ApiError> {
    let address = client_address(&headers, Some(peer), &state.settings.http.trusted_proxies);
    let ttl = send_login_code(&state, &body.phone, &address, locale).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(CodeSent {
            sent: true,
            expires_in: ttl,
        }),
    ))
}

/// Sends a login code to `phone` (rate-limited per number and per client address); returns
/// how many seconds it stays valid. The answer does not depend on whether the number is known.
pub async fn send_login_code(
    state: &AppState,
    phone: &str,
    address: &str,
    locale: wangban_core::i18n::Locale,
) -> Result<i64, ApiError> {
    let phone = MobileNumber::parse(phone).map_err(|e| ApiError::invalid(&e))?;
    let now = state.now();
    let hour_ago = now - Duration::hours(1);
    let settings = &state.settings.otp;
    let by_address = state
        .store
        .count_event("otp-addr", address, now, hour_ago)
        .await?;
    let by_number = state
        .store
        .count_event("otp-phone", phone.as_str(), now, hour_ago)
        .await?;
    if by_address > settings.per_address_per_hour || by_number > settings.per_number_per_hour {
        return Err(ApiError::key(
            StatusCode::TOO_MANY_REQUESTS,
            "api-otp-rate-limited",
        ));
    }
    let code = format!("{:06}", rand::random::<u32>() % 1_000_000);
    let expires_at = now + Duration::seconds(settings.ttl_seconds);
    state
        .store
        .put_otp(
            phone.as_str(),
            &code_hash(state, phone.as_str(), &code)?,
            expires_at,
            now,
        )
        .await?;
    let job = JobPayload::Sms {
        to: phone.as_str().to_owned(),
        template: SmsTemplate::LoginCode {
            code,
            valid_minutes: u32::try_from(settings.ttl_seconds / 60).unwrap_or(5),
        },
        locale,
    }
    .job(now);
    state.store.enqueue(&job, now).await?;
    Ok(settings.ttl_seconds)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub phone: String,
    /// The 6-digit code from the SMS.
    pub code: String,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>` (browsers get a cookie too).
    pub token: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// Exchanges a valid code for a session.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "applicant",
    request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, description = "wrong or expired code"),
              (status = 429, description = "too many wrong codes")))]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let address = client_address(&headers, Some(peer), &state.settings.http.trusted_proxies);
    let (token, expires_at) = verify_login_code(&state, &body.phone, &body.code, &address).await?;
    Ok(with_cookie(
        Json(LoginResponse {
            token: token.clone(),
            expires_at,
        })
        .into_response(),
        &token,
    ))
}

/// Checks a login code and opens an applicant session: the token and when it ends at the
/// latest. Wrong codes are counted per number (after the limit the code is gone) and per
/// client address `address` (after `[otp] wrong_per_address_per_hour`, every code from there is
/// refused for the hour, the right one too).
pub async fn verify_login_code(
    state: &AppState,
    phone: &str,
    code: &str,
    address: &str,
) -> Result<(String, chrono::DateTime<chrono::Utc>), ApiError> {
    let phone = MobileNumber::parse(phone).map_err(|e| ApiError::invalid(&e))?;
    let now = state.now();
    let hour_ago = now - Duration::hours(1);
    let per_address = state.settings.otp.wrong_per_address_per_hour;
    let address_locked = || ApiError::key(StatusCode::TOO_MANY_REQUESTS, "api-otp-address-locked");
    if per_address > 0
        && state
            .store
            .events_since("otp-wrong-addr", address, hour_ago)
            .await?
            >= per_address
    {
        return Err(address_locked());
    }
    // A wrong or missing code counts against the address, whichever number it was for.
    let count_wrong = || async {
        let n = state
            .store
            .count_event("otp-wrong-addr", address, now, hour_ago)
            .await?;
        Ok::<bool, ApiError>(per_address > 0 && n >= per_address)
    };
    let wrong = || ApiError::key(StatusCode::UNAUTHORIZED, "api-otp-invalid");
    let Some(otp) = state.store.otp(phone.as_str()).await? else {
        if count_wrong().await? {
            return Err(address_locked());
        }
        return Err(wrong());
    };
    if otp.attempts >= state.settings.otp.max_attempts {
        state.store.delete_otp(phone.as_str()).await?;
        return Err(ApiError::key(
            StatusCode::TOO_MANY_REQUESTS,
            "api-otp-locked",
        ));
    }
    if now >= otp.expires_at {
        state.store.delete_otp(phone.as_str()).await?;
        return Err(ApiError::key(StatusCode::UNAUTHORIZED, "api-otp-expired"));
    }
    let given = code_hash(state, phone.as_str(), code.trim())?;
    if !constant_time_eq(given.as_bytes(), otp.code_hash.as_bytes()) {
        let address_now_locked = count_wrong().await?;
        let attempts = state.store.bump_otp_attempts(phone.as_str()).await?;
        if attempts >= state.settings.otp.max_attempts {
            state.store.delete_otp(phone.as_str()).await?;
            return Err(ApiError::key(
                StatusCode::TOO_MANY_REQUESTS,
                "api-otp-locked",
            ));
        }
        if address_now_locked {
            return Err(address_locked());
        }
        return Err(wrong().with_detail(json!({
            "attempts_left": state.settings.otp.max_attempts - attempts
        })));
    }
    state.store.delete_otp(phone.as_str()).await?;
    let applicant = state.store.applicant_for_phone(phone.as_str(), now).await?;
    let (token, expires_at) = state
        .open_session(SessionKind::Applicant, applicant.0, SessionStage::Full)
        .await?;
    state
        .store
        .audit(&NewAudit {
            at: now,
            actor: AuditActor::Applicant(applicant),
            action: "applicant.login".into(),
            application: None,
            detail: json!({}),
        })
        .await?;
    Ok((token, expires_at))
}

/// Sets the session cookie (HttpOnly, SameSite=Lax; `app::router` adds Secure when the public
/// URL is HTTPS).
pub fn with_cookie(mut response: Response, token: &str) -> Response {
    if let Ok(v) =
        HeaderValue::from_str(&format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax"))
    {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

/// Ends the session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "applicant",
    responses((status = 204, description = "logged out")), security(("session" = [])))]
pub async fn logout(
    State(state): State<AppState>,
    auth: ApplicantAuth,
) -> Result<StatusCode, ApiError> {
    state.store.delete_session(&auth.token_hash).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    /// Masked: 138****0001.
    pub phone: String,
    /// Whether real-person authentication has been passed.
    pub verified: bool,
    /// Masked name, once verified.
    pub name: Option<String>,
    /// Masked ID number, once verified.
    pub id_number: Option<String>,
}

/// Who is logged in.
#[utoipa::path(get, path = "/api/v1/me", tag = "applicant",
    responses((status = 200, body = Me), (status = 401)), security(("session" = [])))]
pub async fn me(State(state): State<AppState>, auth: ApplicantAuth) -> Result<Json<Me>, ApiError> {
    let a = state.store.applicant(auth.applicant).await?;
    Ok(Json(Me {
        phone: mask_phone(&a.phone),
        verified: a.verified_at.is_some(),
        name: a.name.as_deref().map(crate::api::views::mask_name),
        id_number: a.id_number.as_deref().map(crate::api::views::mask_id),
    }))
}
