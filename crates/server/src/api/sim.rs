//! The simulators' outboxes through the API (the SMS simulator's messages).

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use wangban_core::phone::MobileNumber;

use crate::app::AppState;
use crate::error::{ApiError, ApiQuery};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OutboxQuery {
    /// Only messages to this number.
    pub phone: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SimSms {
    pub to: String,
    pub template: String,
    pub text: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// Messages the SMS simulator has "sent" (only while the simulators are on).
#[utoipa::path(get, path = "/api/v1/sim/sms", tag = "simulators", params(OutboxQuery),
    responses((status = 200, body = [SimSms]),
              (status = 422, description = "not a mainland mobile number")))]
pub async fn sms_outbox(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<OutboxQuery>,
) -> Result<Json<Vec<SimSms>>, ApiError> {
    let phone = match q.phone {
        Some(p) => Some(MobileNumber::parse(&p).map_err(|e| ApiError::invalid(&e))?),
        None => None,
    };
    let messages = match &phone {
        Some(p) => state.sims.sms.outbox_for(p),
        None => state.sims.sms.outbox(),
    };
    Ok(Json(
        messages
            .into_iter()
            .map(|m| SimSms {
                to: m.to.to_string(),
                template: m.template.code().to_owned(),
                text: m.text,
                at: m.at,
            })
            .collect(),
    ))
}
