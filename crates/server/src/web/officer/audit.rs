//! The auditors' page `/officer/audit`: the audit log newest first, filtered by application
//! number or officer, with a banner saying whether the SM3 hash chain is intact. It shows what
//! `GET /api/v1/audit` returns (the same `api::audit::listing`).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::FixedOffset;

use super::{Nav, gate, nav};
use crate::api::audit::{AUDIT_ROLES, AuditQuery, listing};
use crate::app::AppState;
use crate::auth::OfficerAuth;
use crate::error::{ApiError, Lang};
use crate::web::{FieldError, T, csrf, page as render_page};

pub(crate) struct Row {
    id: i64,
    at: String,
    actor: String,
    action: String,
    application: String,
    detail: String,
    hash: String,
    hash_short: String,
    broken: bool,
}

#[derive(Template)]
#[template(path = "office_audit.html")]
struct AuditPage {
    t: T,
    path: String,
    csrf: String,
    nav: Nav,
    errors: Vec<FieldError>,
    intact: bool,
    banner: String,
    application: String,
    officer: String,
    rows: Vec<Row>,
    older: Option<String>,
}

/// The audit log page (auditors only; others get the 403 page).
pub async fn page(
    State(state): State<AppState>,
    Lang(locale): Lang,
    headers: HeaderMap,
    auth: Result<OfficerAuth, ApiError>,
    q: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let officer = match gate(auth, AUDIT_ROLES, locale, &headers, "/officer/audit") {
        Ok(o) => o,
        Err(r) => return Ok(*r),
    };
    let mut q = q.map(|q| q.0).unwrap_or_default();
    q.limit = Some(50);
    let l = listing(&state, &q).await?;
    let status = crate::api::audit::chain_status(&l.report, locale);
    let shanghai = FixedOffset::east_opt(8 * 3600).expect("UTC+8");
    let broken_id = status.broken_id;
    let rows = l
        .records
        .into_iter()
        .map(|r| Row {
            id: r.id,
            at: r
                .at
                .with_timezone(&shanghai)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string(),
            actor: match r.actor_id {
                Some(id) => format!("{} {id}", r.actor_kind),
                None => r.actor_kind,
            },
            action: r.action,
            application: r.application.unwrap_or_default(),
            detail: r.detail.to_string(),
            hash_short: r
                .hash
                .as_deref()
                .map(|h| format!("{}…", &h[..h.len().min(16)]))
                .unwrap_or_default(),
            hash: r.hash.unwrap_or_default(),
            broken: Some(r.id) == broken_id,
        })
        .collect();
    let keep = |v: &Option<String>| v.clone().unwrap_or_default().trim().to_owned();
    let (application, officer_name) = (keep(&q.application), keep(&q.officer));
    let mut errors = vec![];
    if !officer_name.is_empty()
        && state
            .store
            .officer_by_username(&officer_name)
            .await?
            .is_none()
    {
        errors.push(FieldError {
            field: "officer",
            message: T(locale).t("audit-filter-unknown-officer"),
        });
    }
    let query = |before: Option<i64>| {
        let mut parts = vec![];
        if !application.is_empty() {
            parts.push(format!("application={}", urlencode(&application)));
        }
        if !officer_name.is_empty() {
            parts.push(format!("officer={}", urlencode(&officer_name)));
        }
        if let Some(b) = before {
            parts.push(format!("before={b}"));
        }
        if parts.is_empty() {
            "/officer/audit".to_owned()
        } else {
            format!("/officer/audit?{}", parts.join("&"))
        }
    };
    let (csrf, set) = csrf(&headers);
    let p = AuditPage {
        t: T(locale),
        path: query(q.before),
        csrf,
        nav: nav(&officer, locale, "/officer/audit"),
        errors,
        intact: status.intact,
        banner: status.message,
        older: l.next_before.map(|b| query(Some(b))),
        application,
        officer: officer_name,
        rows,
    };
    Ok(render_page(StatusCode::OK, p.render(), set))
}

/// Percent-encodes a query value (application numbers and usernames are plain, but a typed
/// filter may be anything).
fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
