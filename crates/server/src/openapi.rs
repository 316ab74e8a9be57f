//! The OpenAPI 3.1 document of `/api/v1`, generated from the handlers' annotations.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
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
    modifiers(&SessionAuth),
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
