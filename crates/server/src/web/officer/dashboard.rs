//! The supervisor's dashboard page (`/officer/dashboard`) and its CSV export
//! (`/officer/dashboard.csv?table=queue|throughput&window=…`), both from `api::dashboard`.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use wangban_core::i18n::{Locale, Message, format_date};

use super::lists::Opt;
use super::{Nav, gate, nav};
use crate::api::dashboard::{
    self as data, COUNTED, DASHBOARD_ROLES, WORK_STATES, Window, counted_key, kind_label,
};
use crate::app::AppState;
use crate::auth::OfficerAuth;
use crate::csv::{Cell, Csv};
use crate::error::{ApiError, Lang};
use crate::web::{FieldError, T, csrf, page};

const PATH: &str = "/officer/dashboard";

pub(crate) struct AgeRow {
    state: String,
    buckets: Vec<usize>,
    total: usize,
}

pub(crate) struct DueRow {
    number: String,
    state: String,
    due: String,
    left: String,
    breached: bool,
}

pub(crate) struct Target {
    id: String,
    title: String,
    total: usize,
    soon: usize,
    breached: usize,
    rows: Vec<DueRow>,
}

pub(crate) struct Bar {
    label: String,
    count: usize,
    y: usize,
    width: usize,
    text_x: usize,
}

/// A count, or "not applicable" for a step the officer's role never takes.
pub(crate) struct Count {
    na: bool,
    n: u64,
}

pub(crate) struct OfficerRow {
    name: String,
    username: String,
    role: String,
    counts: Vec<Count>,
    total: u64,
}

#[derive(Template)]
#[template(path = "office_dashboard.html")]
struct DashboardPage {
    t: T,
    path: String,
    csrf: String,
    nav: Nav,
    errors: Vec<FieldError>,
    buckets: Vec<String>,
    ages: Vec<AgeRow>,
    targets: Vec<Target>,
    bars: Vec<Bar>,
    chart_height: usize,
    truncated: bool,
    windows: Vec<Opt>,
    window_days: String,
    steps: Vec<String>,
    officers: Vec<OfficerRow>,
    queue_csv: String,
    throughput_csv: String,
}

/// Age buckets in working days: 0–1, 2–3, 4–7, 8 or more.
const BUCKETS: [(i64, i64); 4] = [(0, 1), (2, 3), (4, 7), (8, i64::MAX)];

#[derive(Deserialize, Default)]
pub struct DashboardForm {
    window: Option<String>,
    table: Option<String>,
}

type Q = Result<Query<DashboardForm>, axum::extract::rejection::QueryRejection>;

/// The supervisor's dashboard: queue ages per state, deadlines due soon and breached, officers'
/// throughput over a window, and the links to the CSV files.
pub async fn dashboard(
    State(state): State<AppState>,
    Lang(locale): Lang,
    headers: HeaderMap,
    auth: Result<OfficerAuth, ApiError>,
    q: Q,
) -> Result<Response, ApiError> {
    let officer = match gate(auth, DASHBOARD_ROLES, locale, &headers, PATH) {
        Ok(o) => o,
        Err(r) => return Ok(*r),
    };
    let f = q.map(|q| q.0).unwrap_or_default();
    match Window::from_query(f.window.as_deref()) {
        Ok(w) => render(&state, &officer, locale, &headers, w, vec![]).await,
        Err(_) => bad_window(&state, &officer, locale, &headers).await,
    }
}

/// The dashboard with the default window and an error pointing at the window's field (400).
async fn bad_window(
    state: &AppState,
    officer: &OfficerAuth,
    locale: Locale,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let errors = vec![FieldError {
        field: "window",
        message: T(locale).t("office-dashboard-bad-window"),
    }];
    render(state, officer, locale, headers, Window::DEFAULT, errors).await
}

async fn render(
    state: &AppState,
    officer: &OfficerAuth,
    locale: Locale,
    headers: &HeaderMap,
    window: Window,
    errors: Vec<FieldError>,
) -> Result<Response, ApiError> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let lines = data::work(state).await?;
    let tp = data::throughput(state, window).await?;
    let t = T(locale);
    let ages: Vec<AgeRow> = WORK_STATES
        .iter()
        .map(|s| {
            let mut buckets = vec![0; BUCKETS.len()];
            let mut total = 0;
            for l in lines.iter().filter(|l| l.state == *s) {
                if let Some(i) = BUCKETS
                    .iter()
                    .position(|(lo, hi)| l.age_days >= *lo && l.age_days <= *hi)
                {
                    buckets[i] += 1;
                }
                total += 1;
            }
            AgeRow {
                state: s.label().render(locale),
                buckets,
                total,
            }
        })
        .collect();
    let due_row = |l: &data::WorkLine| {
        let (due, left) = due_text(l, locale);
        DueRow {
            number: l.number.clone(),
            state: l.state.label().render(locale),
            due,
            left,
            breached: l.breached,
        }
    };
    let targets: Vec<Target> = data::targets(&lines)
        .into_iter()
        .map(|g| {
            // Past the deadline first, then due soon; each earliest deadline first.
            let rows = g
                .breached
                .iter()
                .chain(&g.soon)
                .map(|l| due_row(l))
                .collect();
            Target {
                id: format!("{}-target", g.id),
                title: t.t(g.title_key),
                total: g.total,
                soon: g.soon.len(),
                breached: g.breached.len(),
                rows,
            }
        })
        .collect();
    let max = ages.iter().map(|a| a.total).max().unwrap_or(0).max(1);
    let bars: Vec<Bar> = ages
        .iter()
        .enumerate()
        .map(|(i, a)| Bar {
            label: a.state.clone(),
            count: a.total,
            y: i * 28 + 4,
            width: a.total * 300 / max,
            text_x: a.total * 300 / max + 190,
        })
        .collect();
    let officers = tp
        .rows
        .iter()
        .map(|r| OfficerRow {
            name: r.display_name.clone(),
            username: r.username.clone(),
            role: r.role.label().render(locale),
            counts: r
                .counts
                .iter()
                .map(|c| Count {
                    na: c.is_none(),
                    n: c.unwrap_or(0),
                })
                .collect(),
            total: r.total,
        })
        .collect();
    let window_days = if tp.first_day == tp.last_day {
        Message::new("office-window-day").with("day", format_date(tp.last_day, locale))
    } else {
        Message::new("office-window-days")
            .with("first", format_date(tp.first_day, locale))
            .with("last", format_date(tp.last_day, locale))
    }
    .render(locale);
    let (csrf, set) = csrf(headers);
    let p = DashboardPage {
        buckets: vec![
            t.t("office-bucket-0-1"),
            t.t("office-bucket-2-3"),
            t.t("office-bucket-4-7"),
            t.t("office-bucket-8"),
        ],
        chart_height: bars.len() * 28 + 8,
        truncated: lines.len() >= data::WORK_LIMIT as usize,
        windows: Window::ALL
            .iter()
            .map(|w| Opt {
                value: w.code().to_owned(),
                label: t.t(w.label_key()),
                selected: *w == window,
            })
            .collect(),
        window_days,
        steps: COUNTED.iter().map(|e| t.t(counted_key(*e))).collect(),
        officers,
        queue_csv: format!("{PATH}.csv?table=queue"),
        throughput_csv: format!("{PATH}.csv?table=throughput&window={}", window.code()),
        path: if window == Window::DEFAULT {
            PATH.to_owned()
        } else {
            format!("{PATH}?window={}", window.code())
        },
        t,
        csrf,
        nav: nav(officer, locale, PATH),
        errors,
        ages,
        targets,
        bars,
    };
    Ok(page(status, p.render(), set))
}

/// The deadline as a date and the working days left (or past) as words.
fn due_text(l: &data::WorkLine, locale: Locale) -> (String, String) {
    let (Some(due_at), Some(days)) = (l.due_at, l.days_left) else {
        return (String::new(), String::new());
    };
    let left = if l.breached {
        Message::new("office-days-overdue").with("days", days.unsigned_abs().max(1) as i64)
    } else {
        Message::new("office-days-left").with("days", days)
    };
    (
        format_date(wangban_core::time::civil_date(due_at), locale),
        left.render(locale),
    )
}

/// Which table a CSV file holds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Table {
    Queue,
    Throughput,
}

/// `/officer/dashboard.csv`: the applications in progress (`table=queue`, the default) or the
/// officers' throughput over a window (`table=throughput&window=…`), for a spreadsheet.
/// Supervisors only, like the page; every download is audited. A bad `table` or `window` gets
/// the dashboard page with the error (400), never a file.
pub async fn csv(
    State(state): State<AppState>,
    Lang(locale): Lang,
    headers: HeaderMap,
    auth: Result<OfficerAuth, ApiError>,
    q: Q,
) -> Result<Response, ApiError> {
    let officer = match gate(auth, DASHBOARD_ROLES, locale, &headers, PATH) {
        Ok(o) => o,
        Err(r) => return Ok(*r),
    };
    let f = q.map(|q| q.0).unwrap_or_default();
    let table = match f.table.as_deref().map(str::trim) {
        None | Some("") | Some("queue") => Table::Queue,
        Some("throughput") => Table::Throughput,
        Some(_) => {
            let errors = vec![FieldError {
                field: "exports",
                message: T(locale).t("office-dashboard-bad-table"),
            }];
            return render(&state, &officer, locale, &headers, Window::DEFAULT, errors).await;
        }
    };
    let Ok(window) = Window::from_query(f.window.as_deref()) else {
        return bad_window(&state, &officer, locale, &headers).await;
    };
    let t = T(locale);
    let today = state.today();
    let mut file = Csv::new();
    let (name, window_code) = match table {
        Table::Queue => {
            file.record(
                [
                    "office-col-number",
                    "office-col-state",
                    "office-col-kind",
                    "office-col-district",
                    "office-csv-age",
                    "office-csv-due-date",
                    "office-csv-days-left",
                    "office-csv-breached",
                ]
                .map(|k| t.t(k)),
            );
            for l in data::work(&state).await? {
                file.record([
                    Cell::from(l.number.as_str()),
                    l.state.label().render(locale).into(),
                    kind_label(&l.kind, locale).into(),
                    l.district.as_str().into(),
                    l.age_days.into(),
                    l.due_at
                        .map(|d| wangban_core::time::civil_date(d).to_string())
                        .into(),
                    l.days_left.into(),
                    t.t(if l.breached {
                        "office-csv-yes"
                    } else {
                        "office-csv-no"
                    })
                    .into(),
                ]);
            }
            (format!("wangban-queue-{today}.csv"), None)
        }
        Table::Throughput => {
            let tp = data::throughput(&state, window).await?;
            let mut head: Vec<String> = [
                "office-csv-first-day",
                "office-csv-last-day",
                "office-csv-account",
                "office-csv-role",
            ]
            .map(|k| t.t(k))
            .into();
            head.extend(COUNTED.iter().map(|e| t.t(counted_key(*e))));
            head.push(t.t("office-col-total"));
            file.record(head);
            for r in &tp.rows {
                let mut cells: Vec<Cell> = vec![
                    tp.first_day.to_string().into(),
                    tp.last_day.to_string().into(),
                    r.username.as_str().into(),
                    r.role.label().render(locale).into(),
                ];
                cells.extend(r.counts.iter().map(|c| Cell::from(*c)));
                cells.push(r.total.into());
                file.record(cells);
            }
            (
                format!("wangban-throughput-{}-{today}.csv", window.code()),
                Some(window),
            )
        }
    };
    let table_code = match table {
        Table::Queue => "queue",
        Table::Throughput => "throughput",
    };
    data::audit_export(
        &state,
        &officer,
        "csv",
        table_code,
        window_code,
        file.records().saturating_sub(1),
    )
    .await?;
    Ok(file.into_response(&name))
}
