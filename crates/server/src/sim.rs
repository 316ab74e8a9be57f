//! The simulators' own pages: the SMS outbox (`/sim/sms`) and the payment provider's hosted
//! payment page (`/sim/pay/{order}`), as the real systems would show them.

use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::app::AppState;
use crate::error::{ApiError, ApiPath, Lang};
use crate::html::{escape, page, t};
use crate::routes::{Access, Routes};

pub fn routes() -> Routes {
    Routes::new()
        .get("/sim/sms", Access::Sim, sms_page)
        .get("/sim/pay/{order}", Access::Sim, pay_page)
        .post("/sim/pay/{order}", Access::Sim, pay)
        .post("/sim/pay/{order}/cancel", Access::Sim, cancel)
}

async fn sms_page(State(state): State<AppState>, Lang(locale): Lang) -> Html<String> {
    let mut rows = String::new();
    for m in state.sims.sms.outbox().into_iter().rev() {
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
            escape(&wangban_core::time::format_local(m.at)),
            escape(m.to.as_str()),
            escape(m.template.code()),
            escape(&m.text),
        ));
    }
    let body = format!(
        "<h1>{}</h1><p>{}</p><table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{rows}</tbody></table>",
        t("page-sim-sms-title", locale),
        t("page-sim-sms-intro", locale),
        t("page-col-time", locale),
        t("page-col-to", locale),
        t("page-col-template", locale),
        t("page-col-text", locale),
    );
    Html(page(&t("page-sim-sms-title", locale), &body, locale))
}

async fn pay_page(
    State(state): State<AppState>,
    Lang(locale): Lang,
    ApiPath(order): ApiPath<String>,
) -> Result<Html<String>, ApiError> {
    let o = state
        .sims
        .payment
        .order(&order)
        .ok_or_else(ApiError::not_found)?;
    let body = format!(
        "<h1>{}</h1><p>{}</p><table><tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr>\
         <tr><th>{}</th><td>{}</td></tr></table>\
         <form method=\"post\" action=\"/sim/pay/{id}\"><p><button type=\"submit\">{}</button></p></form>\
         <form method=\"post\" action=\"/sim/pay/{id}/cancel\"><p><button type=\"submit\">{}</button></p></form>",
        t("page-sim-pay-title", locale),
        t("page-sim-pay-intro", locale),
        t("page-col-order", locale),
        escape(&o.merchant_order_no),
        t("page-col-amount", locale),
        escape(&o.amount.to_string()),
        t("page-col-status", locale),
        t(
            match o.status {
                wangban_gateways::payment::OrderStatus::Pending => "page-sim-order-pending",
                wangban_gateways::payment::OrderStatus::Paid { .. } => "page-sim-order-paid",
                wangban_gateways::payment::OrderStatus::Closed => "page-sim-order-closed",
            },
            locale
        ),
        t("page-sim-pay-button", locale),
        t("page-sim-cancel-button", locale),
        id = escape(&order),
    );
    Ok(Html(page(&t("page-sim-pay-title", locale), &body, locale)))
}

async fn pay(state: State<AppState>, order: ApiPath<String>) -> Result<Response, ApiError> {
    settle(state, order, |sim, id| sim.pay(id).is_ok())
}

async fn cancel(state: State<AppState>, order: ApiPath<String>) -> Result<Response, ApiError> {
    settle(state, order, |sim, id| sim.cancel(id).is_ok())
}

/// Pays or cancels an order on the simulated checkout page, then returns to the service.
fn settle(
    State(state): State<AppState>,
    ApiPath(order): ApiPath<String>,
    op: impl FnOnce(&wangban_gateways::PaymentSimulator, &str) -> bool,
) -> Result<Response, ApiError> {
    let o = state
        .sims
        .payment
        .order(&order)
        .ok_or_else(ApiError::not_found)?;
    if !op(&state.sims.payment, &order) {
        return Err(ApiError::conflict());
    }
    Ok(Redirect::to(&o.return_url).into_response())
}
