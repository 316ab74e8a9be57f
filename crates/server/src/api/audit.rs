//! The audit log for auditors (`GET /api/v1/audit`): newest first, paginated, filtered by
//! application number or officer, each record with its hash, and whether the whole SM3 chain
//! verifies (see `wangban_store::audit_chain`). Only the `auditor` role may read it.

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use wangban_core::i18n::{Locale, Message};
use wangban_core::state::Actor;
use wangban_store::{AuditFilter, AuditRow, ChainReport};

use crate::app::AppState;
use crate::auth::OfficerAuth;
use crate::error::{ApiError, ApiQuery, Lang};

/// The roles that read the audit log.
pub const AUDIT_ROLES: &[Actor] = &[Actor::Auditor];

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only records about this application (its number).
    pub application: Option<String>,
    /// Only records of this officer (their username).
    pub officer: Option<String>,
    /// Only records with a smaller id: the `next_before` of the previous page.
    pub before: Option<i64>,
    /// At most this many (default 50, at most 200).
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditRecord {
    pub id: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    /// applicant | officer | system | external
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub action: String,
    /// The application's number, if the record is about one.
    pub application: Option<String>,
    /// The recorded detail (JSON; personal data masked as it was written).
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    /// The previous record's SM3 hash (64 hex digits).
    pub prev_hash: Option<String>,
    /// This record's SM3 hash.
    pub hash: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChainStatus {
    pub intact: bool,
    /// Records checked and sound (before the break, if any).
    pub checked: u64,
    /// The hash of the last sound record.
    pub last_hash: String,
    /// The first broken record's id, if any.
    pub broken_id: Option<i64>,
    /// What is wrong with it: hash-mismatch, prev-hash-mismatch, missing-hash, gap,
    /// truncated, head-mismatch, beyond-head.
    pub problem: Option<String>,
    /// The same, in the request's language.
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub chain: ChainStatus,
    pub records: Vec<AuditRecord>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    pub next_before: Option<i64>,
}

pub(crate) fn chain_status(report: &ChainReport, locale: Locale) -> ChainStatus {
    let message = match report.broken {
        None => Message::new("audit-page-intact")
            .with("checked", i64::try_from(report.checked).unwrap_or(i64::MAX)),
        Some(b) => Message::new("audit-page-broken")
            .with("id", b.id)
            .with("problem", Message::new(b.problem.message_key())),
    };
    ChainStatus {
        intact: report.intact(),
        checked: report.checked,
        last_hash: report.last_hash.clone(),
        broken_id: report.broken.map(|b| b.id),
        problem: report.broken.map(|b| b.problem.code().to_owned()),
        message: message.render(locale),
    }
}

/// What the API and the page show (shared, so that they cannot differ).
pub(crate) struct Listing {
    pub report: ChainReport,
    pub records: Vec<AuditRecord>,
    pub next_before: Option<i64>,
}

/// The records an auditor asked for and the chain's state. An unknown application number or
/// officer matches nothing (an empty page), so that the filter reveals nothing beyond that.
pub(crate) async fn listing(state: &AppState, q: &AuditQuery) -> Result<Listing, ApiError> {
    let limit = q.limit.unwrap_or(50);
    if limit == 0 || limit > 200 {
        return Err(ApiError::key(StatusCode::BAD_REQUEST, "api-bad-query"));
    }
    let report = state.store.verify_audit_chain().await?;
    let some = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let application = match some(&q.application) {
        None => None,
        Some(n) => match state.store.application_by_number(&n).await? {
            Some(a) => Some(a.id),
            None => {
                return Ok(Listing {
                    report,
                    records: vec![],
                    next_before: None,
                });
            }
        },
    };
    let officer = match some(&q.officer) {
        None => None,
        Some(u) => match state.store.officer_by_username(&u).await? {
            Some(o) => Some(o.id),
            None => {
                return Ok(Listing {
                    report,
                    records: vec![],
                    next_before: None,
                });
            }
        },
    };
    let rows = state
        .store
        .audit_page(&AuditFilter {
            before: q.before,
            application,
            officer,
            limit: limit + 1,
        })
        .await?;
    let more = rows.len() > limit as usize;
    let mut numbers = HashMap::new();
    let mut records = Vec::new();
    for r in rows.into_iter().take(limit as usize) {
        records.push(record(state, r, &mut numbers).await?);
    }
    let next_before = if more {
        records.last().map(|r| r.id)
    } else {
        None
    };
    Ok(Listing {
        report,
        records,
        next_before,
    })
}

async fn record(
    state: &AppState,
    r: AuditRow,
    numbers: &mut HashMap<i64, String>,
) -> Result<AuditRecord, ApiError> {
    let application = match r.application {
        None => None,
        Some(id) => match numbers.get(&id.0) {
            Some(n) => Some(n.clone()),
            None => {
                let n = state.store.application(id).await?.number;
                numbers.insert(id.0, n.clone());
                Some(n)
            }
        },
    };
    Ok(AuditRecord {
        id: r.id,
        at: r.at,
        actor_kind: r.actor_kind,
        actor_id: r.actor_id,
        action: r.action,
        application,
        detail: serde_json::from_str(&r.detail).unwrap_or(serde_json::Value::String(r.detail)),
        prev_hash: r.prev_hash,
        hash: r.hash,
    })
}

/// The audit log, newest first, with whether its SM3 hash chain verifies. Auditors only.
#[utoipa::path(get, path = "/api/v1/audit", tag = "officer", params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 400), (status = 401), (status = 403)),
    security(("session" = [])))]
pub async fn list(
    State(state): State<AppState>,
    Lang(locale): Lang,
    officer: OfficerAuth,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    officer.require(AUDIT_ROLES)?;
    let l = listing(&state, &q).await?;
    Ok(Json(AuditPage {
        chain: chain_status(&l.report, locale),
        records: l.records,
        next_before: l.next_before,
    }))
}
