//! The demo start page: what this instance is, the demo citizens to log in as and what each
//! demonstrates, the demo officers, and where to look next.

use axum::extract::State;
use axum::response::Html;
use wangban_core::i18n::Locale;

use crate::app::AppState;
use crate::demo::{DEMO_OFFICERS, DEMO_PASSWORD, current_code};
use crate::error::Lang;
use crate::html::{escape, page, t};

pub async fn start(State(state): State<AppState>, Lang(locale): Lang) -> Html<String> {
    let mut body = format!(
        "<h1>{}</h1><p>{}</p><ul><li><a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a> — {}</li>\
         <li><a href=\"/sim/sms\">/sim/sms</a> — {}</li></ul>",
        t("page-start-title", locale),
        t("page-start-intro", locale),
        t("page-start-openapi", locale),
        t("page-start-sms", locale),
    );
    if state.settings.demo {
        body.push_str(&format!(
            "<h2>{}</h2><p>{}</p><table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            t("page-start-citizens", locale),
            t("page-start-citizens-intro", locale),
            t("page-col-phone", locale),
            t("page-col-name", locale),
            t("page-col-id-number", locale),
            t("page-col-request", locale),
            t("page-col-demonstrates", locale),
        ));
        for c in state.sims.registry.demo_citizens() {
            body.push_str(&format!(
                "<tr><td><code>{}</code></td><td>{}</td><td><code>{}</code></td><td>{} / {}</td><td>{}</td></tr>",
                escape(c.phone.as_str()),
                escape(c.name.as_str()),
                escape(c.id_number.as_str()),
                escape(&c.request.kind.label().render(locale)),
                escape(&c.request.reason.label().render(locale)),
                escape(match locale {
                    Locale::ZhCn => &c.demonstrates_zh,
                    Locale::En => &c.demonstrates_en,
                }),
            ));
        }
        body.push_str("</tbody></table>");
        body.push_str(&format!(
            "<h2>{}</h2><p>{} <code>{}</code></p><table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            t("page-start-officers", locale),
            t("page-start-officers-intro", locale),
            escape(DEMO_PASSWORD),
            t("page-col-username", locale),
            t("page-col-role", locale),
            t("page-col-totp-secret", locale),
            t("page-col-totp-now", locale),
        ));
        let now = state.now();
        for (username, _, role, secret) in DEMO_OFFICERS {
            body.push_str(&format!(
                "<tr><td><code>{}</code></td><td>{}</td><td><code>{}</code></td><td><code>{}</code></td></tr>",
                escape(username),
                escape(&role.label().render(locale)),
                escape(secret),
                current_code(secret, now),
            ));
        }
        body.push_str("</tbody></table>");
    }
    Html(page(&t("page-start-title", locale), &body, locale))
}
