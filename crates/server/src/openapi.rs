//! The OpenAPI 3.1 document of `/api/v1`, generated from the handlers' annotations.

use axum::Json;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use crate::api;

struct SessionAuth;

impl Modify for SessionAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "Session token from /api/v1/auth/login or /api/v1/officer/login",
                    ))
                    .build(),
            ),
        );
    }
}

/// The name of the error body's schema in `components.schemas`.
const ERROR_SCHEMA: &str = "Error";

/// Every error answer's body (`crate::error`), and on every operation the error answers that
/// the shared machinery can give it, whatever its handler does:
///
/// - 400: a malformed query, header (`Idempotency-Key`), JSON or multipart body;
/// - 401: no session, or one of the wrong kind, expired or ended (operations with `security`);
/// - 404: a path parameter that names nothing (operations with path parameters);
/// - 408: the request took longer than `[http] request_timeout_seconds`;
/// - 413, 415, 422: a body too large, not of the declared type, or whose fields do not fit
///   (operations with a request body);
/// - 500: an internal error (a bug or a failed store; never expected).
///
/// The answers particular to a handler (403, 409, 429, 503…) are annotated on the handler;
/// every 4xx/5xx answer, however declared, gets the error body's schema here.
struct ErrorResponses;

impl ErrorResponses {
    fn error_schema() -> Schema {
        let error = ObjectBuilder::new()
            .property(
                "code",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some("stable machine-readable code, e.g. api-not-found")),
            )
            .required("code")
            .property(
                "message",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some("in the language of Accept-Language (zh-CN or en)")),
            )
            .required("message")
            .property(
                "detail",
                ObjectBuilder::new()
                    .schema_type(SchemaType::AnyValue)
                    .description(Some("machine-readable detail, when there is any")),
            );
        Schema::Object(
            ObjectBuilder::new()
                .property("error", error)
                .required("error")
                .description(Some("The body of every error answer"))
                .build(),
        )
    }

    /// The statuses the shared machinery can answer `op` with.
    fn common_statuses(op: &Operation) -> Vec<(&'static str, &'static str)> {
        let params = op.parameters.as_deref().unwrap_or_default();
        let has = |place: ParameterIn| params.iter().any(|p| p.parameter_in == place);
        let has_body = op.request_body.is_some();
        let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
        let mut out = Vec::new();
        if has_body || has(ParameterIn::Query) || has(ParameterIn::Header) {
            out.push(("400", "malformed query, header or body"));
        }
        if secured {
            out.push(("401", "no valid session of the kind this operation needs"));
        }
        if has(ParameterIn::Path) {
            out.push(("404", "nothing found under this path"));
        }
        out.push(("408", "the request took too long"));
        if has_body {
            out.push(("413", "request body too large"));
            out.push(("415", "request body not of the declared content type"));
            out.push(("422", "request body fields not valid"));
        }
        out.push(("500", "internal error"));
        out
    }
}

impl Modify for ErrorResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components
            .schemas
            .insert(ERROR_SCHEMA.to_owned(), RefOr::T(Self::error_schema()));
        let content = || {
            Content::new(Some(RefOr::<Schema>::Ref(Ref::from_schema_name(
                ERROR_SCHEMA,
            ))))
        };
        for item in openapi.paths.paths.values_mut() {
            let ops = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for op in ops.into_iter().flatten() {
                for (status, description) in Self::common_statuses(op) {
                    op.responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| {
                            RefOr::T(ResponseBuilder::new().description(description).build())
                        });
                }
                for (status, response) in op.responses.responses.iter_mut() {
                    let is_error = status.starts_with('4') || status.starts_with('5');
                    if let (true, RefOr::T(r)) = (is_error, response)
                        && r.content.is_empty()
                    {
                        r.content.insert("application/json".to_owned(), content());
                    }
                }
            }
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "wangban API",
        description = "Online renewal and replacement of exit-entry documents. Errors are \
            `{\"error\": {\"code\", \"message\", \"detail\"}}` with the message in the language \
            of `Accept-Language` (zh-CN or en).",
    ),
    paths(
        api::auth::request_code, api::auth::login, api::auth::logout, api::auth::me,
        api::identity::verify, api::eligibility::check, api::guide::guide, api::guide::halls,
        api::applications::create, api::applications::list, api::applications::get,
        api::applications::update, api::applications::submit, api::applications::correct,
        api::applications::withdraw, api::applications::timeline,
        api::uploads::upload, api::uploads::download, api::uploads::request_judgement,
        api::payments::start, api::payments::notify,
        api::officer::login, api::officer::login_totp, api::officer::queue,
        api::officer::detail, api::officer::act, api::officer::file, api::dashboard::get,
        api::audit::list,
        api::statistics::get, api::sim::sms_outbox, api::health::health, api::health::ready,
    ),
    modifiers(&SessionAuth, &ErrorResponses),
    tags(
        (name = "applicant", description = "Residents: login, identity, eligibility, applications"),
        (name = "officer", description = "The back office"),
        (name = "public", description = "The guide and the reception halls, without login"),
        (name = "callbacks", description = "Signed notifications from external systems"),
        (name = "statistics", description = "Public statistics (no personal data; small counts by district withheld)"),
        (name = "simulators", description = "The built-in simulators"),
        (name = "operations", description = "Health and readiness"),
    )
)]
pub struct ApiDoc;

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
