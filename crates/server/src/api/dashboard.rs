//! The supervisor's dashboard as data: the work in progress (each application with its age
//! and its running deadline), the two service targets (review in 7 working days, production in
//! 3) and each officer's throughput over a window of days. The page (`web::officer::dashboard`),
//! its CSV export and `GET /api/v1/officer/dashboard` are built from these functions, so they
//! cannot disagree.
//!
//! **Throughput** counts the steps officers took, from the application log (never a scan of
//! it: `Store::officer_throughput` reads one window through an index). The window is whole
//! civil days in Shanghai, ending today: *today*, *the last 7 days* (the default) and *the last
//! 30 days*. Seven days is the default because it always holds exactly one of each weekday,
//! so weeks compare with weeks whatever the day and however the 调休 days fall, and a day off
//! does not make an officer look idle; today is for the day's allocation, 30 days for monthly
//! reviews. Columns are the officers' steps in the state machine; a step the officer's role may
//! never take shows as not applicable rather than 0.
//!
//! No personal data here: applications by number, officers by account.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use wangban_core::document::DocumentKind;
use wangban_core::i18n::{Locale, Message};
use wangban_core::state::{Actor, EventKind, State as S, TRANSITIONS};
use wangban_store::{AuditActor, NewAudit, QueueFilter};

use crate::app::AppState;
use crate::auth::OfficerAuth;
use crate::error::{ApiError, ApiQuery, Lang};

/// Who sees the dashboard (the page, its exports, the API).
pub const DASHBOARD_ROLES: &[Actor] = &[Actor::Supervisor];

/// The states of work in progress that the dashboard counts.
pub const WORK_STATES: &[S] = &[
    S::Submitted,
    S::UnderReview,
    S::CorrectionRequested,
    S::AwaitingPayment,
    S::InProduction,
    S::Produced,
    S::Dispatched,
    S::ReadyForPickup,
];

/// At most this many applications are read (the page says so when the limit is reached).
pub const WORK_LIMIT: u32 = 5000;

/// Working days left at which a deadline counts as due soon.
pub const SOON: i64 = 2;

/// The officers' steps that throughput counts, in column order.
pub const COUNTED: [EventKind; 9] = [
    EventKind::Claim,
    EventKind::Release,
    EventKind::RequestCorrection,
    EventKind::Approve,
    EventKind::Reject,
    EventKind::Produced,
    EventKind::Dispatch,
    EventKind::SendToHall,
    EventKind::Collected,
];

/// The catalogue key of a counted step's column heading.
pub fn counted_key(e: EventKind) -> &'static str {
    match e {
        EventKind::Claim => "office-throughput-claim",
        EventKind::Release => "office-throughput-release",
        EventKind::RequestCorrection => "office-throughput-request-correction",
        EventKind::Approve => "office-throughput-approve",
        EventKind::Reject => "office-throughput-reject",
        EventKind::Produced => "office-throughput-produced",
        EventKind::Dispatch => "office-throughput-dispatch",
        EventKind::SendToHall => "office-throughput-send-to-hall",
        _ => "office-throughput-collected",
    }
}

/// A window of whole civil days (Shanghai) ending today.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    Today,
    Week,
    Month,
}

impl Window {
    pub const ALL: [Window; 3] = [Window::Today, Window::Week, Window::Month];
    pub const DEFAULT: Window = Window::Week;

    pub fn code(self) -> &'static str {
        match self {
            Window::Today => "today",
            Window::Week => "7d",
            Window::Month => "30d",
        }
    }

    pub fn parse(code: &str) -> Option<Window> {
        Window::ALL.into_iter().find(|w| w.code() == code)
    }

    /// The window asked for: the default when absent or empty, `Err` for anything else.
    pub fn from_query(code: Option<&str>) -> Result<Window, String> {
        match code.map(str::trim).filter(|c| !c.is_empty()) {
            None => Ok(Window::DEFAULT),
            Some(c) => Window::parse(c).ok_or_else(|| c.to_owned()),
        }
    }

    pub fn days(self) -> u64 {
        match self {
            Window::Today => 1,
            Window::Week => 7,
            Window::Month => 30,
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Window::Today => "office-window-today",
            Window::Week => "office-window-7d",
            Window::Month => "office-window-30d",
        }
    }

    /// The first and last civil day of the window ending on `today`.
    pub fn dates(self, today: NaiveDate) -> (NaiveDate, NaiveDate) {
        (today - Days::new(self.days() - 1), today)
    }
}

/// Whether the state machine lets `role` take `event` anywhere.
fn may(role: Actor, event: EventKind) -> bool {
    TRANSITIONS
        .iter()
        .any(|t| t.event == event && t.actors.contains(&role))
}

/// One officer's row of the throughput table.
pub struct OfficerThroughput {
    pub officer: i64,
    pub username: String,
    pub display_name: String,
    pub role: Actor,
    /// Per [`COUNTED`] step: `None` when the role may never take it (and the officer did not).
    pub counts: Vec<Option<u64>>,
    pub total: u64,
}

/// The throughput table over one window.
pub struct Throughput {
    pub window: Window,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub rows: Vec<OfficerThroughput>,
}

/// Each officer's steps over `window`: every active officer whose role takes any counted
/// step (so that an officer with nothing done shows zeros), and anyone else who took one.
/// Ordered by role (reviewers, supervisors, production, dispatch), then username.
pub async fn throughput(state: &AppState, window: Window) -> Result<Throughput, ApiError> {
    let (first_day, last_day) = window.dates(state.today());
    let from = wangban_core::time::start_of_day(first_day);
    let until = wangban_core::time::start_of_day(last_day + Days::new(1));
    let tallies = state.store.officer_throughput(from, until).await?;
    let officers = state.store.officers().await?;
    const ROLE_ORDER: [Actor; 4] = [
        Actor::Reviewer,
        Actor::Supervisor,
        Actor::ProductionOperator,
        Actor::DispatchClerk,
    ];
    let mut rows: Vec<(usize, OfficerThroughput)> = vec![];
    for o in officers {
        let Some(role) = Actor::from_code(&o.role) else {
            continue;
        };
        let mine: Vec<_> = tallies.iter().filter(|t| t.officer == o.id).collect();
        let takes_steps = COUNTED.iter().any(|e| may(role, *e));
        if mine.is_empty() && !(o.active && takes_steps) {
            continue;
        }
        let counts: Vec<Option<u64>> = COUNTED
            .iter()
            .map(|e| {
                let n: u64 = mine
                    .iter()
                    .filter(|t| t.event == e.code())
                    .map(|t| t.count)
                    .sum();
                (n > 0 || may(role, *e)).then_some(n)
            })
            .collect();
        let order = ROLE_ORDER
            .iter()
            .position(|r| *r == role)
            .unwrap_or(ROLE_ORDER.len());
        rows.push((
            order,
            OfficerThroughput {
                officer: o.id.0,
                total: counts.iter().flatten().sum(),
                counts,
                username: o.username,
                display_name: o.display_name,
                role,
            },
        ));
    }
    rows.sort_by(|a, b| (a.0, &a.1.username).cmp(&(b.0, &b.1.username)));
    Ok(Throughput {
        window,
        first_day,
        last_day,
        rows: rows.into_iter().map(|(_, r)| r).collect(),
    })
}

/// Working days an application has waited since `since` (its last step), today included.
pub fn age_days(state: &AppState, since: DateTime<Utc>) -> i64 {
    let from = wangban_core::time::civil_date(since);
    state
        .calendar
        .working_days_between(from, state.today())
        .unwrap_or_else(|_| (state.today() - from).num_days())
        .max(0)
}

/// Working days from today to the civil day of `due_at` (negative once past).
pub fn days_left(state: &AppState, due_at: DateTime<Utc>) -> i64 {
    let due = wangban_core::time::civil_date(due_at);
    state
        .calendar
        .working_days_between(state.today(), due)
        .unwrap_or_else(|_| (due - state.today()).num_days())
}

/// One application in progress, as the dashboard counts it.
pub struct WorkLine {
    pub number: String,
    pub state: S,
    pub kind: String,
    pub district: String,
    /// Working days in its state.
    pub age_days: i64,
    /// The running clock's deadline, if a clock runs.
    pub due_at: Option<DateTime<Utc>>,
    pub days_left: Option<i64>,
    pub breached: bool,
}

/// The applications in progress, earliest deadline first (those without one last).
pub async fn work(state: &AppState) -> Result<Vec<WorkLine>, ApiError> {
    let rows = state
        .store
        .queue(&QueueFilter {
            states: WORK_STATES.iter().map(|s| s.code().to_owned()).collect(),
            kind: None,
            reason: None,
            district: None,
            judgement_requested: false,
            limit: WORK_LIMIT,
        })
        .await?;
    let now = state.now();
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let st = S::from_code(&r.state)?;
            Some(WorkLine {
                age_days: age_days(state, r.updated_at),
                days_left: r.due_at.map(|d| days_left(state, d)),
                breached: r.due_at.is_some_and(|d| d <= now),
                due_at: r.due_at,
                number: r.number,
                state: st,
                kind: r.kind,
                district: r.hukou_district,
            })
        })
        .collect())
}

/// A service target: the applications it covers, how many are due soon or past it.
pub struct TargetSummary<'a> {
    pub id: &'static str,
    pub title_key: &'static str,
    pub total: usize,
    pub soon: Vec<&'a WorkLine>,
    pub breached: Vec<&'a WorkLine>,
}

/// The review target (7 working days) and the production target (3).
pub fn targets(lines: &[WorkLine]) -> Vec<TargetSummary<'_>> {
    [
        (
            "review",
            "office-dashboard-review-target",
            &[S::Submitted, S::UnderReview][..],
        ),
        (
            "production",
            "office-dashboard-production-target",
            &[S::InProduction][..],
        ),
    ]
    .into_iter()
    .map(|(id, title_key, states)| {
        let mine: Vec<&WorkLine> = lines.iter().filter(|l| states.contains(&l.state)).collect();
        TargetSummary {
            id,
            title_key,
            total: mine.len(),
            breached: mine.iter().copied().filter(|l| l.breached).collect(),
            soon: mine
                .iter()
                .copied()
                .filter(|l| l.due_at.is_some() && !l.breached)
                .filter(|l| l.days_left.is_some_and(|d| d <= SOON))
                .collect(),
        }
    })
    .collect()
}

/// Records that a supervisor took the dashboard's data away (a CSV file or the API's JSON):
/// what, in which window, how many rows. No personal data is exported, so none is recorded.
pub async fn audit_export(
    state: &AppState,
    officer: &OfficerAuth,
    format: &str,
    table: &str,
    window: Option<Window>,
    rows: usize,
) -> Result<(), ApiError> {
    state
        .store
        .audit(&NewAudit {
            at: state.now(),
            actor: AuditActor::Officer(officer.officer.id),
            action: "dashboard.export".into(),
            application: None,
            detail: json!({
                "format": format,
                "table": table,
                "window": window.map(Window::code),
                "rows": rows,
            }),
        })
        .await?;
    Ok(())
}

// ----- the JSON API ------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DashboardQuery {
    /// The throughput window: `today`, `7d` (default) or `30d` (whole days in Shanghai, ending
    /// today).
    pub window: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct WindowView {
    /// today | 7d | 30d
    pub code: String,
    pub label: String,
    /// The first and the last civil day (Shanghai) counted.
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
}

#[derive(Serialize, ToSchema)]
pub struct StepView {
    /// The step's code in the state machine (claim, approve, …).
    pub code: String,
    pub label: String,
}

#[derive(Serialize, ToSchema)]
pub struct OfficerThroughputView {
    pub officer_id: i64,
    pub username: String,
    pub display_name: String,
    /// The role's code (reviewer, supervisor, production_operator, dispatch_clerk).
    pub role: String,
    pub role_label: String,
    /// Per step code, how many; steps the role never takes are absent.
    #[schema(value_type = Object)]
    pub counts: serde_json::Map<String, serde_json::Value>,
    pub total: u64,
}

#[derive(Serialize, ToSchema)]
pub struct WorkItemView {
    pub number: String,
    pub state: String,
    pub state_label: String,
    /// The document's code (passport, hk_macao_permit, taiwan_permit).
    pub kind: String,
    /// The hukou district's code (GB/T 2260).
    pub district: String,
    pub age_working_days: i64,
    /// The running clock's deadline (a civil day in Shanghai), if a clock runs.
    pub due_date: Option<NaiveDate>,
    pub working_days_left: Option<i64>,
    pub breached: bool,
}

#[derive(Serialize, ToSchema)]
pub struct TargetView {
    /// review | production
    pub id: String,
    pub title: String,
    pub total: usize,
    pub due_soon: usize,
    pub breached: usize,
}

#[derive(Serialize, ToSchema)]
pub struct DashboardView {
    pub window: WindowView,
    pub steps: Vec<StepView>,
    pub throughput: Vec<OfficerThroughputView>,
    pub targets: Vec<TargetView>,
    /// The applications in progress, earliest deadline first.
    pub work: Vec<WorkItemView>,
    /// Whether `work` stopped at its limit (5 000).
    pub truncated: bool,
}

/// The supervisor's dashboard: officers' throughput over a window, the service targets and
/// the applications in progress (by number: no personal data). Supervisors only; every
/// read is written to the audit log as an export.
#[utoipa::path(get, path = "/api/v1/officer/dashboard", tag = "officer", params(DashboardQuery),
    responses((status = 200, body = DashboardView), (status = 400), (status = 401), (status = 403)),
    security(("session" = [])))]
pub async fn get(
    State(state): State<AppState>,
    Lang(locale): Lang,
    officer: OfficerAuth,
    ApiQuery(q): ApiQuery<DashboardQuery>,
) -> Result<Json<DashboardView>, ApiError> {
    officer.require(DASHBOARD_ROLES)?;
    let window = Window::from_query(q.window.as_deref()).map_err(|w| {
        ApiError::key(StatusCode::BAD_REQUEST, "api-bad-query").with_detail(json!({ "window": w }))
    })?;
    let view = view(&state, window, locale).await?;
    audit_export(
        &state,
        &officer,
        "json",
        "dashboard",
        Some(window),
        view.work.len() + view.throughput.len(),
    )
    .await?;
    Ok(Json(view))
}

async fn view(state: &AppState, window: Window, locale: Locale) -> Result<DashboardView, ApiError> {
    let tp = throughput(state, window).await?;
    let lines = work(state).await?;
    Ok(DashboardView {
        window: WindowView {
            code: window.code().to_owned(),
            label: Message::new(window.label_key()).render(locale),
            first_day: tp.first_day,
            last_day: tp.last_day,
        },
        steps: COUNTED
            .iter()
            .map(|e| StepView {
                code: e.code().to_owned(),
                label: Message::new(counted_key(*e)).render(locale),
            })
            .collect(),
        throughput: tp
            .rows
            .into_iter()
            .map(|r| OfficerThroughputView {
                officer_id: r.officer,
                role: r.role.code().to_owned(),
                role_label: r.role.label().render(locale),
                counts: COUNTED
                    .iter()
                    .zip(&r.counts)
                    .filter_map(|(e, n)| n.map(|n| (e.code().to_owned(), json!(n))))
                    .collect(),
                total: r.total,
                username: r.username,
                display_name: r.display_name,
            })
            .collect(),
        targets: targets(&lines)
            .into_iter()
            .map(|t| TargetView {
                id: t.id.to_owned(),
                title: Message::new(t.title_key).render(locale),
                total: t.total,
                due_soon: t.soon.len(),
                breached: t.breached.len(),
            })
            .collect(),
        truncated: lines.len() >= WORK_LIMIT as usize,
        work: lines
            .iter()
            .map(|l| WorkItemView {
                number: l.number.clone(),
                state: l.state.code().to_owned(),
                state_label: l.state.label().render(locale),
                kind: l.kind.clone(),
                district: l.district.clone(),
                age_working_days: l.age_days,
                due_date: l.due_at.map(wangban_core::time::civil_date),
                working_days_left: l.days_left,
                breached: l.breached,
            })
            .collect(),
    })
}

/// The label of a document kind's code (the code itself if unknown).
pub fn kind_label(code: &str, locale: Locale) -> String {
    code.parse::<DocumentKind>()
        .map(|k| k.label().render(locale))
        .unwrap_or_else(|_| code.to_owned())
}
