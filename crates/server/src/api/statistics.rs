//! Public statistics (`GET /api/v1/statistics`), read from the aggregates the store keeps up to
//! date in every action's transaction — a few small GROUP BYs over a table whose size depends on
//! months × facets, never a scan of applications — and kept for `[statistics] cache_seconds`
//! in this node's memory (each node has its own copy; the figures may lag that long).
//!
//! No personal data is published, and counts by district from 1 to `min_cell - 1` are withheld
//! (`count: null, suppressed: true`), with the next smallest when one alone would be worked out
//! from the total (`wangban_core::stats::suppressed`).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use wangban_core::area::AreaCode;
use wangban_core::document::{DocumentKind, Reason};
use wangban_core::i18n::Locale;
use wangban_core::state::{CorrectionReason, DeliveryMethod, WithdrawalCause};
use wangban_core::stats::{median, metric, suppressed};
use wangban_store::StatsTallies;

use crate::app::AppState;
use crate::error::{ApiError, Lang};

/// One bar of a chart, one row of a table.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Cell {
    /// The code (`passport`, `2026-03`, `310104`, …).
    pub key: String,
    /// The code's name in the request's language.
    pub label: String,
    /// `null` when withheld (see `suppressed`).
    pub count: Option<u64>,
    /// Withheld: a count by district below `min_cell` (or the one that would reveal it).
    pub suppressed: bool,
}

/// A count and its breakdowns by each facet.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Breakdown {
    pub total: u64,
    pub by_kind: Vec<Cell>,
    pub by_reason: Vec<Cell>,
    /// `YYYY-MM` (Asia/Shanghai), oldest first.
    pub by_month: Vec<Cell>,
    /// `mail` or `pickup`.
    pub by_delivery: Vec<Cell>,
    /// Hukou district (GB/T 2260 code), with small counts withheld.
    pub by_district: Vec<Cell>,
}

/// The median of a duration in working days of the statutory calendar.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Median {
    /// `null` when nothing was measured yet; a half when the two middle values differ.
    pub median_working_days: Option<f64>,
    /// How many durations it is the median of.
    pub count: u64,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Corrections {
    /// Applications for which at least one correction was requested.
    pub applications: u64,
    /// Their share of the applications submitted (0–1); `null` before the first.
    pub share: Option<f64>,
    /// The reasons given, most common first (each reason counted once per request).
    pub reasons: Vec<Cell>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Withdrawals {
    /// Applications withdrawn because a correction or the payment did not come within 7 days.
    pub by_deadline: u64,
    /// Their share of the applications submitted (0–1).
    pub share: Option<f64>,
    /// Every withdrawal of a submitted application, by cause (the applicant's own included).
    pub by_cause: Vec<Cell>,
}

/// The published statistics.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct StatisticsView {
    /// Counts by district from 1 to `min_cell - 1` are withheld.
    pub min_cell: u64,
    /// Applications submitted (first submission), in the month submitted.
    pub applied: Breakdown,
    /// Documents handed on: mailed, or collected at the hall when pickup was chosen.
    pub issued: Breakdown,
    pub submission_to_approval: Median,
    pub payment_to_dispatch: Median,
    pub corrections: Corrections,
    pub withdrawals: Withdrawals,
}

/// This node's copy of the figures and when it was read.
#[derive(Default)]
pub struct Cache(Mutex<Option<(Instant, Arc<StatsTallies>)>>);

/// The figures, from this node's cache when fresh enough.
pub async fn tallies(state: &AppState) -> Result<Arc<StatsTallies>, ApiError> {
    let ttl = Duration::from_secs(state.settings.statistics.cache_seconds);
    if let Some((at, t)) = state.stats_cache.0.lock().expect("not poisoned").as_ref()
        && at.elapsed() < ttl
    {
        return Ok(t.clone());
    }
    let t = Arc::new(state.store.statistics().await?);
    *state.stats_cache.0.lock().expect("not poisoned") = Some((Instant::now(), t.clone()));
    Ok(t)
}

fn share(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

fn cells(pairs: Vec<(String, String, u64)>) -> Vec<Cell> {
    pairs
        .into_iter()
        .map(|(key, label, n)| Cell {
            key,
            label,
            count: Some(n),
            suppressed: false,
        })
        .collect()
}

/// `codes` in their order, each with its count (0 when absent).
fn known(
    t: &StatsTallies,
    m: &str,
    dim: &str,
    codes: &[&str],
    label: impl Fn(&str) -> String,
) -> Vec<Cell> {
    let found = t.by(m, dim);
    cells(
        codes
            .iter()
            .map(|c| {
                let n = found.iter().find(|(v, _)| v == c).map_or(0, |(_, n)| *n);
                (c.to_string(), label(c), n)
            })
            .collect(),
    )
}

fn breakdown(t: &StatsTallies, m: &str, locale: Locale, min_cell: u64) -> Breakdown {
    let kinds: Vec<&str> = DocumentKind::ALL.iter().map(|k| k.code()).collect();
    let reasons: Vec<&str> = Reason::ALL.iter().map(|r| r.code()).collect();
    let deliveries = [DeliveryMethod::Mail.code(), DeliveryMethod::Pickup.code()];
    let months = cells(
        t.by(m, "month")
            .into_iter()
            .map(|(v, n)| (v.clone(), v, n))
            .collect(),
    );
    let mut districts = cells(
        t.by(m, "district")
            .into_iter()
            .map(|(v, n)| {
                let label = AreaCode::parse(&v).map_or_else(|_| v.clone(), |a| a.describe(locale));
                (v, label, n)
            })
            .collect(),
    );
    let counts: Vec<u64> = districts.iter().map(|c| c.count.unwrap_or(0)).collect();
    for (cell, hide) in districts.iter_mut().zip(suppressed(&counts, min_cell)) {
        if hide {
            cell.count = None;
            cell.suppressed = true;
        }
    }
    Breakdown {
        total: t.total(m),
        by_kind: known(t, m, "kind", &kinds, |c| {
            c.parse::<DocumentKind>()
                .map_or_else(|_| c.to_owned(), |k| k.label().render(locale))
        }),
        by_reason: known(t, m, "reason", &reasons, |c| {
            c.parse::<Reason>()
                .map_or_else(|_| c.to_owned(), |r| r.label().render(locale))
        }),
        by_month: months,
        by_delivery: known(t, m, "delivery", &deliveries, |c| {
            DeliveryMethod::from_code(c).map_or_else(|| c.to_owned(), |d| d.label().render(locale))
        }),
        by_district: districts,
    }
}

/// The published figures from the aggregates' sums.
pub fn view(t: &StatsTallies, locale: Locale, min_cell: u64) -> StatisticsView {
    let applied = t.total(metric::APPLIED);
    let mut reasons: Vec<(String, String, u64)> = t
        .by(metric::CORRECTION_REASON, "detail")
        .into_iter()
        .map(|(v, n)| {
            let label = CorrectionReason::from_code(&v)
                .map_or_else(|| v.clone(), |r| r.label().render(locale));
            (v, label, n)
        })
        .collect();
    reasons.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    let causes = [
        WithdrawalCause::CorrectionDeadline,
        WithdrawalCause::PaymentDeadline,
        WithdrawalCause::Applicant,
    ];
    let cause_codes: Vec<&str> = causes.iter().map(|c| c.code()).collect();
    let by_cause = known(t, metric::WITHDRAWN, "detail", &cause_codes, |c| {
        WithdrawalCause::from_code(c).map_or_else(|| c.to_owned(), |w| w.label().render(locale))
    });
    let by_deadline = by_cause[..2].iter().filter_map(|c| c.count).sum();
    let med = |m: &str| {
        let h = t.histogram(m);
        Median {
            median_working_days: median(&h),
            count: h.iter().map(|(_, n)| n).sum(),
        }
    };
    let corrected = t.total(metric::CORRECTED);
    StatisticsView {
        min_cell,
        applied: breakdown(t, metric::APPLIED, locale, min_cell),
        issued: breakdown(t, metric::ISSUED, locale, min_cell),
        submission_to_approval: med(metric::SUBMISSION_TO_APPROVAL),
        payment_to_dispatch: med(metric::PAYMENT_TO_DISPATCH),
        corrections: Corrections {
            applications: corrected,
            share: share(corrected, applied),
            reasons: cells(reasons),
        },
        withdrawals: Withdrawals {
            by_deadline,
            share: share(by_deadline, applied),
            by_cause,
        },
    }
}

/// The public statistics, with labels in the request's language.
#[utoipa::path(
    get, path = "/api/v1/statistics", tag = "statistics",
    responses((status = 200, body = StatisticsView))
)]
pub async fn get(State(state): State<AppState>, Lang(locale): Lang) -> Result<Response, ApiError> {
    let t = tallies(&state).await?;
    let v = view(&t, locale, state.settings.statistics.min_cell);
    let mut r = Json(v).into_response();
    cacheable(&state, &mut r);
    Ok(r)
}

/// Marks a statistics response public for `cache_seconds`, varying by language.
pub fn cacheable(state: &AppState, r: &mut Response) {
    let secs = state.settings.statistics.cache_seconds;
    if let Ok(v) = HeaderValue::from_str(&format!("public, max-age={secs}")) {
        r.headers_mut().insert(header::CACHE_CONTROL, v);
    }
    r.headers_mut().insert(
        header::VARY,
        HeaderValue::from_static("Accept-Language, Cookie"),
    );
}
