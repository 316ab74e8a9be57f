//! Paying the fee: an order with the payment provider, its hosted page, and the provider's
//! signed notification. The notification may come twice, late, or out of order: it is checked
//! (signature, amount) and recorded once; a payment whose notification never comes is found by
//! the reconciliation worker asking the provider.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use wangban_core::money::Fen;
use wangban_core::state::{Action, Actor, Event, State as AppStateCode};
use wangban_gateways::payment::{CreateOrder, NotificationStatus};
use wangban_gateways::sms::SmsTemplate;
use wangban_store::{AuditActor, NewAudit, NewPayment, PaymentPaid};

use crate::api::applications::own;
use crate::api::idempotency_key;
use crate::app::AppState;
use crate::auth::ApplicantAuth;
use crate::error::{ApiError, ApiPath};
use crate::idempotency::idempotent;
use crate::service::{Effects, JobPayload, Loaded};

#[derive(Serialize, ToSchema)]
pub struct PaymentStarted {
    pub merchant_order_no: String,
    pub amount_fen: u64,
    /// Where the applicant pays (the provider's hosted page).
    pub pay_url: String,
}

/// Starts (or resumes) paying the fee of an approved application.
#[utoipa::path(post, path = "/api/v1/applications/{number}/payment", tag = "applicant",
    params(("number" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = PaymentStarted), (status = 409, description = "not awaiting payment"),
              (status = 503, description = "an external system (registry, proofing, payment, image checks) did not answer")),
    security(("session" = [])))]
pub async fn start(
    State(state): State<AppState>,
    auth: ApplicantAuth,
    headers: HeaderMap,
    ApiPath(number): ApiPath<String>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let key = idempotency_key(&headers)?;
    let base = state.settings.public_url();
    start_payment(&state, &auth, key, &number, format!("{base}/")).await
}

/// Starts (or resumes) paying the fee, once per idempotency key (shared by the JSON API and
/// the pages); the provider's page sends the payer back to `return_url`.
pub async fn start_payment(
    state: &AppState,
    auth: &ApplicantAuth,
    key: Option<String>,
    number: &str,
    return_url: String,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let (state, auth, number) = (state.clone(), auth.clone(), number.to_owned());
    let scope = format!("payment:{}:{number}", auth.applicant);
    let run = || async {
        let loaded = own(&state, &auth, &number).await?;
        if loaded.app.state() != AppStateCode::AwaitingPayment {
            return Err(ApiError::key(
                StatusCode::CONFLICT,
                "api-not-awaiting-payment",
            ));
        }
        let fee = loaded.app.fee_fen().ok_or_else(ApiError::internal)?;
        let payments = state.store.payments_of(loaded.row.id).await?;
        if let Some(p) = payments.iter().find(|p| p.status == "pending") {
            let body = PaymentStarted {
                merchant_order_no: p.merchant_order_no.clone(),
                amount_fen: p.amount_fen,
                pay_url: p.pay_url.clone(),
            };
            return Ok((
                StatusCode::OK,
                serde_json::to_value(body).unwrap_or_default(),
            ));
        }
        let merchant_order_no = format!(
            "{}-{}",
            loaded.row.number.replace('-', ""),
            payments.len() + 1
        );
        let base = state.settings.public_url();
        let order = state
            .gateways
            .payment
            .create_order(CreateOrder {
                merchant_order_no: merchant_order_no.clone(),
                amount: Fen::new(fee),
                description: format!("wangban {}", loaded.row.number),
                notify_url: format!("{base}/api/v1/payments/notify"),
                return_url,
            })
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "payment provider unavailable");
                ApiError::unavailable()
            })?;
        state
            .store
            .create_payment(&NewPayment {
                application: loaded.row.id,
                merchant_order_no: merchant_order_no.clone(),
                provider_order_id: order.provider_order_id.clone(),
                pay_url: order.pay_url.clone(),
                amount_fen: fee,
                created_at: state.now(),
            })
            .await?;
        let body = PaymentStarted {
            merchant_order_no,
            amount_fen: fee,
            pay_url: order.pay_url,
        };
        Ok((
            StatusCode::OK,
            serde_json::to_value(body).unwrap_or_default(),
        ))
    };
    // Starting a payment commits no action under the key, so a key is never left applied: a
    // retry after a request that was cut off takes the key over and resumes the pending payment.
    let again = |_| async {
        Err(ApiError::key(
            StatusCode::CONFLICT,
            "api-idempotency-in-progress",
        ))
    };
    let request = json!({ "number": number });
    idempotent(&state, scope, key, &request, run, again).await
}

/// Records a confirmed payment once: the amount must be the fee, and a duplicate or late
/// confirmation changes nothing. Returns whether this call recorded it.
pub async fn confirm_payment(
    state: &AppState,
    merchant_order_no: &str,
    amount: Fen,
    transaction_id: &str,
    paid_at: chrono::DateTime<chrono::Utc>,
) -> Result<bool, ApiError> {
    let Some(payment) = state
        .store
        .payment_by_merchant_no(merchant_order_no)
        .await?
    else {
        return Err(ApiError::not_found());
    };
    if payment.status == "paid" {
        return Ok(false);
    }
    if amount.get() != payment.amount_fen {
        state
            .store
            .audit(&NewAudit {
                at: state.now(),
                actor: AuditActor::External,
                action: "payment.amount_mismatch".into(),
                application: Some(payment.application),
                detail: json!({ "order": merchant_order_no, "expected": payment.amount_fen, "got": amount.get() }),
            })
            .await?;
        return Err(ApiError::key(
            StatusCode::UNPROCESSABLE_ENTITY,
            "api-payment-amount",
        ));
    }
    for _ in 0..3 {
        let loaded: Loaded = state.load_id(payment.application).await?;
        if loaded.app.payment().is_some() {
            return Ok(false);
        }
        let jobs = vec![
            state
                .sms_to_applicant(
                    &loaded,
                    SmsTemplate::PaymentReceived {
                        application: loaded.number(),
                        amount,
                    },
                )
                .await?,
            JobPayload::ProductionSubmit {
                application: loaded.row.id.0,
            }
            .job(state.now()),
        ];
        let action = Action::new(
            state.now().max(loaded.app.updated_at()),
            Actor::PaymentProvider,
            Event::PaymentConfirmed {
                amount_fen: amount.get(),
                reference: transaction_id.to_owned(),
            },
        );
        let result = state
            .act(
                &loaded,
                action,
                AuditActor::External,
                Effects {
                    jobs,
                    payment_paid: Some(PaymentPaid {
                        merchant_order_no: merchant_order_no.to_owned(),
                        transaction_id: transaction_id.to_owned(),
                        paid_at,
                    }),
                    audit_detail: json!({ "order": merchant_order_no, "transaction": transaction_id }),
                    ..Default::default()
                },
            )
            .await;
        match result {
            Ok(_) => return Ok(true),
            // Someone else (a duplicate notification) changed it first: look again.
            Err(e) if e.status == StatusCode::CONFLICT && e.message.key == "api-conflict" => {
                continue;
            }
            Err(e) => return Err(e),
        }
    }
    Err(ApiError::conflict())
}

/// The payment provider's signed notification. Answers 200 once the notification is
/// recorded or known, so that the provider stops retrying.
#[utoipa::path(post, path = "/api/v1/payments/notify", tag = "callbacks",
    request_body(content = String, description = "provider-signed JSON", content_type = "application/json"),
    responses((status = 200, description = "recorded"), (status = 401, description = "bad signature"),
              (status = 422, description = "amount does not match the fee")))]
pub async fn notify(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    let signature = headers
        .get(wangban_gateways::payment::SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok());
    let n = state
        .gateways
        .payment
        .verify_notification(signature, &body)
        .map_err(|_| ApiError::key(StatusCode::UNAUTHORIZED, "api-bad-signature"))?;
    match n.status {
        NotificationStatus::Paid => {
            let recorded = confirm_payment(
                &state,
                &n.merchant_order_no,
                n.amount,
                n.transaction_id.as_deref().unwrap_or(&n.provider_order_id),
                n.paid_at.unwrap_or_else(|| state.now()),
            )
            .await?;
            Ok(Json(json!({ "result": "success", "recorded": recorded })))
        }
        // A stale "pending" arriving after "paid", or a closed order: nothing to record.
        _ => Ok(Json(json!({ "result": "success", "recorded": false }))),
    }
}
