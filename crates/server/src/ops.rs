//! Operations: the `[log]` and `[metrics]` settings, and `/metrics` in the Prometheus text
//! format.
//!
//! Metrics never carry personal data or application numbers: a request is labelled by its
//! method, its route *template* (axum's `MatchedPath`, e.g. `/api/v1/applications/{number}`,
//! never the path itself) and its status class (`2xx`…`5xx`). Job queue depths, deadline
//! breaches and open sessions are counted in the database at scrape time, so every node of a
//! cluster reports the same values for them; request latencies and job failures are this
//! process's own.
//!
//! Access (`[metrics]`): from the loopback interface when `allow_loopback` (the default), and
//! from anywhere with `Authorization: Bearer <token>` when `token` is set. Anyone else gets the
//! ordinary 404, as if there were no such page. Behind a reverse proxy on the same machine every
//! request comes from loopback: do not forward `/metrics`, or set `allow_loopback = false` and
//! use the token.

use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use serde::{Deserialize, Serialize};
use wangban_core::state::State as AppStateCode;

use crate::app::AppState;
use crate::error::ApiError;

/// How the binary writes its log.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// `text` (for a terminal) or `json` (one object a line, for a log collector).
    pub format: LogFormat,
    /// Which events to write (tracing's `EnvFilter` syntax); `WANGBAN_LOG` overrides it.
    pub filter: String,
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings {
            format: LogFormat::Text,
            filter: "info,sqlx=warn".into(),
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// Who may read `/metrics`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsSettings {
    /// Serve `/metrics` at all.
    pub enabled: bool,
    /// Requests from 127.0.0.1 / ::1 may read it without a token.
    pub allow_loopback: bool,
    /// A bearer token that lets a scraper read it from anywhere (unset: no token accepted).
    pub token: Option<String>,
}

impl Default for MetricsSettings {
    fn default() -> Self {
        MetricsSettings {
            enabled: true,
            allow_loopback: true,
            token: None,
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    kind: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FailureLabels {
    kind: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DeadlineLabels {
    clock: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SessionLabels {
    kind: String,
}

fn latency_histogram() -> Histogram {
    // 5 ms … ~20 s.
    Histogram::new(exponential_buckets(0.005, 2.0, 13))
}

/// The process's metrics. Cheap to share (inside `AppState`).
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Histogram, fn() -> Histogram>,
    job_failures: Family<FailureLabels, Counter>,
    jobs: Family<JobLabels, Gauge>,
    overdue: Family<DeadlineLabels, Gauge>,
    sessions: Family<SessionLabels, Gauge>,
    /// One scrape at a time refreshes the database gauges.
    scrape: Mutex<()>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("wangban");
        let requests = Family::<RequestLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by method, route template and status class",
            requests.clone(),
        );
        let job_failures = Family::<FailureLabels, Counter>::default();
        registry.register(
            "job_failures",
            "Failed job runs by kind; outcome retried (will run again) or terminal (gave up)",
            job_failures.clone(),
        );
        let jobs = Family::<JobLabels, Gauge>::default();
        registry.register(
            "jobs",
            "Background jobs by kind and status (pending is the queue depth)",
            jobs.clone(),
        );
        let overdue = Family::<DeadlineLabels, Gauge>::default();
        registry.register(
            "deadline_breaches",
            "Applications whose running clock (review, correction, payment, production) is past its deadline",
            overdue.clone(),
        );
        let sessions = Family::<SessionLabels, Gauge>::default();
        registry.register(
            "open_sessions",
            "Sessions not yet expired, by kind (applicant, officer)",
            sessions.clone(),
        );
        Metrics {
            registry,
            requests,
            job_failures,
            jobs,
            overdue,
            sessions,
            scrape: Mutex::new(()),
        }
    }

    /// Counts a failed job run: `terminal` when it will not be retried.
    pub fn job_failed(&self, kind: &str, terminal: bool) {
        self.job_failures
            .get_or_create(&FailureLabels {
                kind: kind.to_owned(),
                outcome: if terminal { "terminal" } else { "retried" }.into(),
            })
            .inc();
    }

    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels {
                method: method.to_owned(),
                route: route.to_owned(),
                status: format!("{}xx", status / 100),
            })
            .observe(seconds);
    }

    /// The text exposition, after refreshing the gauges from `counts`.
    fn render(&self, counts: &wangban_store::ops::OpsCounts) -> String {
        let _one = self.scrape.lock().unwrap_or_else(|e| e.into_inner());
        self.jobs.clear();
        for (kind, status, n) in &counts.jobs {
            self.jobs
                .get_or_create(&JobLabels {
                    kind: kind.clone(),
                    status: status.clone(),
                })
                .set(*n);
        }
        self.overdue.clear();
        for clock in ["review", "correction", "payment", "production"] {
            self.overdue
                .get_or_create(&DeadlineLabels {
                    clock: clock.into(),
                })
                .set(0);
        }
        for (state, n) in &counts.overdue {
            if let Some(clock) = clock_of(state) {
                self.overdue
                    .get_or_create(&DeadlineLabels {
                        clock: clock.into(),
                    })
                    .inc_by(*n);
            }
        }
        self.sessions.clear();
        for kind in ["applicant", "officer"] {
            self.sessions
                .get_or_create(&SessionLabels { kind: kind.into() })
                .set(0);
        }
        for (kind, n) in &counts.sessions {
            self.sessions
                .get_or_create(&SessionLabels { kind: kind.clone() })
                .set(*n);
        }
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .expect("writing to a String cannot fail");
        out
    }
}

/// The clock that runs in an application state (what `due_at` is the deadline of).
fn clock_of(state: &str) -> Option<&'static str> {
    [
        (AppStateCode::Submitted, "review"),
        (AppStateCode::UnderReview, "review"),
        (AppStateCode::CorrectionRequested, "correction"),
        (AppStateCode::AwaitingPayment, "payment"),
        (AppStateCode::InProduction, "production"),
    ]
    .into_iter()
    .find(|(s, _)| s.code() == state)
    .map(|(_, c)| c)
}

/// Middleware: times every request and records it under its route template.
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let response = next.run(request).await;
    state.metrics.observe(
        &method,
        &route,
        response.status().as_u16(),
        start.elapsed().as_secs_f64(),
    );
    response
}

/// `GET /metrics`: the Prometheus text format, to the allowed (see the module docs).
pub async fn metrics(
    State(state): State<AppState>,
    request: Request,
) -> Result<Response, ApiError> {
    let s = &state.settings.metrics;
    let from_loopback = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .is_some_and(|ConnectInfo(addr)| addr.ip().is_loopback());
    let with_token = s.token.as_deref().is_some_and(|want| {
        request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|got| constant_time_eq(got.as_bytes(), want.as_bytes()))
    });
    if !s.enabled || !((s.allow_loopback && from_loopback) || with_token) {
        return Err(ApiError::not_found());
    }
    let counts = state.store.ops_counts(state.now()).await?;
    let body = state.metrics.render(&counts);
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    )
        .into_response())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_hold_route_templates_and_status_classes() {
        let m = Metrics::new();
        m.observe("GET", "/api/v1/applications/{number}", 404, 0.01);
        m.job_failed("sms", false);
        m.job_failed("sms", true);
        let text = m.render(&wangban_store::ops::OpsCounts {
            jobs: vec![("sms".into(), "pending".into(), 3)],
            overdue: vec![("awaiting_payment".into(), 2), ("draft".into(), 9)],
            sessions: vec![("officer".into(), 1)],
        });
        assert!(text.contains(
            r#"wangban_http_request_duration_seconds_count{method="GET",route="/api/v1/applications/{number}",status="4xx"} 1"#
        ), "{text}");
        assert!(
            text.contains(r#"wangban_jobs{kind="sms",status="pending"} 3"#),
            "{text}"
        );
        assert!(
            text.contains(r#"wangban_job_failures_total{kind="sms",outcome="terminal"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"wangban_deadline_breaches{clock="payment"} 2"#),
            "{text}"
        );
        assert!(
            text.contains(r#"wangban_deadline_breaches{clock="review"} 0"#),
            "{text}"
        );
        assert!(
            text.contains(r#"wangban_open_sessions{kind="applicant"} 0"#),
            "{text}"
        );
    }
}
