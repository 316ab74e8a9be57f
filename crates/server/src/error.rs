//! The one mapping from everything that can go wrong to an HTTP answer.
//!
//! Every error leaves the service as the same JSON shape:
//! `{"error": {"code": "<stable code>", "message": "<in the caller's language>", "detail": …}}`.
//! Handlers return [`ApiError`] (built from domain, store and gateway errors here and nowhere
//! else); the [`localize`] middleware renders its message in the language the request asked for
//! (`Accept-Language`, zh-CN by default) and also turns the framework's own plain-text refusals
//! (413, 415, 404 of unknown routes…) into the same shape.

use axum::body::Body;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use wangban_core::i18n::{Locale, Localize, Message};
use wangban_core::state::TransitionError;
use wangban_store::StoreError;

/// An error answer: a status, a catalogue message, and optional machine-readable detail.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: Message,
    pub detail: Option<Value>,
}

/// Carried on error responses so that [`localize`] can render the message late.
#[derive(Clone, Debug)]
struct ErrorPayload {
    message: Message,
    detail: Option<Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: Message) -> ApiError {
        ApiError {
            status,
            message,
            detail: None,
        }
    }

    pub fn key(status: StatusCode, key: &'static str) -> ApiError {
        ApiError::new(status, Message::new(key))
    }

    pub fn with_detail(mut self, detail: impl Serialize) -> ApiError {
        self.detail = serde_json::to_value(detail).ok();
        self
    }

    /// 400 with the domain's own explanation of bad input.
    pub fn invalid(e: &dyn Localize) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.message())
    }

    pub fn not_found() -> ApiError {
        ApiError::key(StatusCode::NOT_FOUND, "api-not-found")
    }

    pub fn forbidden() -> ApiError {
        ApiError::key(StatusCode::FORBIDDEN, "api-forbidden")
    }

    pub fn unauthorized() -> ApiError {
        ApiError::key(StatusCode::UNAUTHORIZED, "api-unauthorized")
    }

    pub fn conflict() -> ApiError {
        ApiError::key(StatusCode::CONFLICT, "api-conflict")
    }

    pub fn internal() -> ApiError {
        ApiError::key(StatusCode::INTERNAL_SERVER_ERROR, "api-internal")
    }

    pub fn unavailable() -> ApiError {
        ApiError::key(StatusCode::SERVICE_UNAVAILABLE, "api-unavailable")
    }
}

fn body(message: &Message, detail: &Option<Value>, locale: Locale) -> Value {
    let mut error = json!({
        "code": message.key,
        "message": message.render(locale),
    });
    if let Some(d) = detail {
        error["detail"] = d.clone();
    }
    json!({ "error": error })
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let payload = ErrorPayload {
            message: self.message.clone(),
            detail: self.detail.clone(),
        };
        let mut response = (
            self.status,
            axum::Json(body(&self.message, &self.detail, Locale::default())),
        )
            .into_response();
        response.extensions_mut().insert(payload);
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::Conflict => ApiError::conflict(),
            StoreError::NotFound => ApiError::not_found(),
            StoreError::Duplicate(_) => ApiError::conflict(),
            other => {
                tracing::error!(error = %other, "store error");
                ApiError::internal()
            }
        }
    }
}

impl From<TransitionError> for ApiError {
    fn from(e: TransitionError) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, e.message()).with_detail(json!({ "reason": e.code() }))
    }
}

impl From<wangban_store::blobs::BlobError> for ApiError {
    fn from(e: wangban_store::blobs::BlobError) -> ApiError {
        tracing::error!(error = %e, "blob storage error");
        ApiError::internal()
    }
}

/// The language the request asked for.
#[derive(Clone, Copy, Debug)]
pub struct Lang(pub Locale);

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Lang(request_locale(parts)))
    }
}

pub fn request_locale(parts: &Parts) -> Locale {
    if let Some(l) = parts.extensions.get::<Locale>() {
        return *l;
    }
    if let Some(l) = crate::web::cookie_locale(&parts.headers) {
        return l;
    }
    parts
        .headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Locale::negotiate)
        .unwrap_or_default()
}

/// Renders error messages in the request's language, and gives the framework's own refusals
/// the common shape.
pub async fn localize(request: Request, next: Next) -> Response {
    let (mut parts, body_in) = request.into_parts();
    let locale = request_locale(&parts);
    parts.extensions.insert(locale);
    let response = next.run(Request::from_parts(parts, body_in)).await;
    let status = response.status();
    if let Some(payload) = response.extensions().get::<ErrorPayload>().cloned() {
        let (mut parts, _) = response.into_parts();
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(
            parts,
            Body::from(body(&payload.message, &payload.detail, locale).to_string()),
        );
    }
    if (status.is_client_error() || status.is_server_error()) && !is_json(&response) {
        let key = match status {
            StatusCode::NOT_FOUND => "api-not-found",
            StatusCode::METHOD_NOT_ALLOWED => "api-method-not-allowed",
            StatusCode::PAYLOAD_TOO_LARGE => "api-too-large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "api-unsupported-media-type",
            StatusCode::REQUEST_TIMEOUT => "api-timeout",
            s if s.is_server_error() => "api-internal",
            _ => "api-bad-request",
        };
        let (mut parts, _) = response.into_parts();
        parts.headers.remove(header::CONTENT_LENGTH);
        parts.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        return Response::from_parts(
            parts,
            Body::from(body(&Message::new(key), &None, locale).to_string()),
        );
    }
    response
}

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with("text/html"))
}

/// `Json<T>` whose refusals (bad JSON, wrong content type, unknown fields) are [`ApiError`]s.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(r: JsonRejection) -> ApiError {
    let detail = r.body_text();
    match r {
        JsonRejection::MissingJsonContentType(_) => {
            ApiError::key(StatusCode::UNSUPPORTED_MEDIA_TYPE, "api-expected-json")
        }
        JsonRejection::JsonSyntaxError(_) => {
            ApiError::key(StatusCode::BAD_REQUEST, "api-bad-json").with_detail(detail)
        }
        JsonRejection::JsonDataError(_) => {
            ApiError::key(StatusCode::UNPROCESSABLE_ENTITY, "api-bad-fields").with_detail(detail)
        }
        JsonRejection::BytesRejection(_) => {
            ApiError::key(StatusCode::PAYLOAD_TOO_LARGE, "api-too-large")
        }
        _ => ApiError::key(StatusCode::BAD_REQUEST, "api-bad-request").with_detail(detail),
    }
}

/// `Path<T>` with [`ApiError`] refusals.
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|r: PathRejection| {
                ApiError::key(StatusCode::NOT_FOUND, "api-not-found").with_detail(r.body_text())
            })
    }
}

/// `Query<T>` with [`ApiError`] refusals.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|r: QueryRejection| {
                ApiError::key(StatusCode::BAD_REQUEST, "api-bad-query").with_detail(r.body_text())
            })
    }
}

/// An optional JSON body: no body (or an empty one) is `None`; a body must be valid JSON of
/// `T`, refused like [`ApiJson`] otherwise.
pub struct OptionalJson<T>(pub Option<T>);

impl<S, T> FromRequest<S> for OptionalJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let has_json_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| ApiError::key(StatusCode::PAYLOAD_TOO_LARGE, "api-too-large"))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(None));
        }
        if !has_json_type {
            return Err(ApiError::key(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "api-expected-json",
            ));
        }
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        match serde_path_to_error::deserialize::<_, T>(&mut de) {
            Ok(v) => Ok(OptionalJson(Some(v))),
            Err(e) => {
                let detail = e.to_string();
                if e.inner().is_syntax() || e.inner().is_eof() {
                    Err(ApiError::key(StatusCode::BAD_REQUEST, "api-bad-json").with_detail(detail))
                } else {
                    Err(
                        ApiError::key(StatusCode::UNPROCESSABLE_ENTITY, "api-bad-fields")
                            .with_detail(detail),
                    )
                }
            }
        }
    }
}
