//! May I apply? Every rule's verdict, explained, for a kind of document and a reason.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;
use wangban_core::document::{DocumentKind, Reason};
use wangban_core::eligibility::{Facts, Report, Request, assess};
use wangban_core::id_number::IdNumber;
use wangban_store::ApplicantId;

use crate::api::views::{EligibilityView, eligibility_view};
use crate::app::AppState;
use crate::auth::ApplicantAuth;
use crate::error::{ApiError, ApiQuery, Lang};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EligibilityQuery {
    /// passport | hk_macao_permit | taiwan_permit
    pub kind: String,
    /// expiring_soon | damaged | lost_or_stolen | visa_pages_used_up
    pub reason: String,
}

pub fn parse_request(kind: &str, reason: &str) -> Result<Request, ApiError> {
    let kind: DocumentKind = kind.parse().map_err(|e| ApiError::invalid(&e))?;
    let reason: Reason = reason.parse().map_err(|e| ApiError::invalid(&e))?;
    Ok(Request { kind, reason })
}

/// The verified identity of an applicant, or 403 asking for real-person authentication.
pub async fn verified_id(state: &AppState, applicant: ApplicantId) -> Result<IdNumber, ApiError> {
    let a = state.store.applicant(applicant).await?;
    a.id_number
        .as_deref()
        .and_then(|id| IdNumber::parse(id, state.today()).ok())
        .ok_or_else(|| ApiError::key(StatusCode::FORBIDDEN, "api-identity-required"))
}

/// Runs the engine for `applicant`; `except` is an application not to count as open (the one
/// being submitted).
pub async fn assess_applicant(
    state: &AppState,
    applicant: ApplicantId,
    request: Request,
    except: Option<&str>,
) -> Result<Report, ApiError> {
    let id = verified_id(state, applicant).await?;
    let person = state
        .gateways
        .registry
        .person(&id)
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "citizen registry unavailable");
            ApiError::unavailable()
        })?
        .ok_or_else(|| ApiError::key(StatusCode::UNPROCESSABLE_ENTITY, "api-not-in-registry"))?;
    let open: Vec<DocumentKind> = state
        .store
        .applications_of(applicant)
        .await?
        .into_iter()
        .filter(|a| Some(a.number.as_str()) != except)
        .filter(|a| {
            wangban_core::state::State::from_code(&a.state).is_some_and(|s| !s.is_terminal())
        })
        .filter_map(|a| a.kind.parse().ok())
        .collect();
    Ok(assess(
        &Facts {
            person: &person.record,
            request,
            today: state.today(),
            open_applications: &open,
        },
        &state.settings.eligibility,
    ))
}

/// Checks every rule for the logged-in, verified applicant.
#[utoipa::path(get, path = "/api/v1/eligibility", tag = "applicant", params(EligibilityQuery),
    responses((status = 200, body = EligibilityView),
              (status = 403, description = "real-person authentication needed first"),
              (status = 422, description = "not a known document kind or reason"),
              (status = 503, description = "a national registry did not answer")),
    security(("session" = [])))]
pub async fn check(
    State(state): State<AppState>,
    Lang(locale): Lang,
    auth: ApplicantAuth,
    ApiQuery(q): ApiQuery<EligibilityQuery>,
) -> Result<Json<EligibilityView>, ApiError> {
    let request = parse_request(&q.kind, &q.reason)?;
    let report = assess_applicant(&state, auth.applicant, request, None).await?;
    Ok(Json(eligibility_view(&report, &state.halls, locale)))
}
