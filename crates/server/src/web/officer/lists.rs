//! The officers' lists: the review queue (filters, sort), production, dispatch and pickup.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use wangban_core::document::{DocumentKind, Reason};
use wangban_core::i18n::{Locale, Message};
use wangban_core::state::{EventKind, State as S};
use wangban_store::QueueFilter;

use super::{Nav, age_days, due_text, gate, nav};
use crate::api::officer::{QueueQuery, queue_rows};
use crate::app::AppState;
use crate::auth::{CASEWORK_ROLES, OfficerAuth};
use crate::error::{ApiError, Lang};
use crate::web::{FieldError, T, csrf, page};

pub(crate) struct Opt {
    pub(crate) value: String,
    pub(crate) label: String,
    pub(crate) selected: bool,
}

fn opts<I: IntoIterator<Item = (String, String)>>(items: I, current: &Option<String>) -> Vec<Opt> {
    items
        .into_iter()
        .map(|(value, label)| Opt {
            selected: current.as_deref() == Some(value.as_str()),
            value,
            label,
        })
        .collect()
}

fn kind_label(code: &str, locale: Locale) -> String {
    code.parse::<DocumentKind>()
        .map(|k| k.label().render(locale))
        .unwrap_or_else(|_| code.to_owned())
}

fn reason_label(code: &str, locale: Locale) -> String {
    code.parse::<Reason>()
        .map(|k| k.label().render(locale))
        .unwrap_or_else(|_| code.to_owned())
}

fn state_label(code: &str, locale: Locale) -> String {
    S::from_code(code)
        .map(|s| s.label().render(locale))
        .unwrap_or_else(|| code.to_owned())
}

/// The states an officer may filter the queue by.
const QUEUE_STATES: &[S] = &[
    S::Submitted,
    S::UnderReview,
    S::CorrectionRequested,
    S::AwaitingPayment,
    S::InProduction,
    S::Produced,
    S::Dispatched,
    S::ReadyForPickup,
];

#[derive(Deserialize, Default)]
pub struct QueueForm {
    kind: Option<String>,
    reason: Option<String>,
    state: Option<String>,
    district: Option<String>,
    judgement: Option<String>,
    sort: Option<String>,
}

fn some(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

pub(crate) struct QueueRow {
    number: String,
    kind: String,
    reason: String,
    state: String,
    district: String,
    due: String,
    left: String,
    overdue: bool,
    age: String,
    claimed: bool,
}

#[derive(Template)]
#[template(path = "office_queue.html")]
struct QueuePage {
    t: T,
    /// With the filters, so that the language switch keeps them.
    path: String,
    csrf: String,
    nav: Nav,
    errors: Vec<FieldError>,
    kinds: Vec<Opt>,
    reasons: Vec<Opt>,
    states: Vec<Opt>,
    districts: Vec<Opt>,
    sorts: Vec<Opt>,
    judgement: bool,
    rows: Vec<QueueRow>,
    count: String,
}

/// The review queue: filters in a GET form, sorted by deadline (default) or by age.
pub async fn queue(
    State(state): State<AppState>,
    Lang(locale): Lang,
    headers: HeaderMap,
    auth: Result<OfficerAuth, ApiError>,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
    q: Result<Query<QueueForm>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let officer = match gate(auth, CASEWORK_ROLES, locale, &headers, "/officer") {
        Ok(o) => o,
        Err(r) => return Ok(*r),
    };
    let f = q.map(|q| q.0).unwrap_or_default();
    let (kind, reason, st, district) = (
        some(f.kind),
        some(f.reason),
        some(f.state),
        some(f.district),
    );
    let judgement = f.judgement.is_some_and(|j| !j.is_empty());
    let sort = some(f.sort).filter(|s| s == "age");
    let mut errors = vec![];
    let mut status = StatusCode::OK;
    let rows = match queue_rows(
        &state,
        &officer,
        QueueQuery {
            state: st.clone(),
            kind: kind.clone(),
            reason: reason.clone(),
            district: district.clone(),
            judgement: Some(judgement),
            limit: Some(200),
        },
    )
    .await
    {
        Ok(rows) => rows,
        Err(e) => {
            status = e.status;
            errors.push(FieldError {
                field: "filters",
                message: T(locale).t("office-queue-bad-filter"),
            });
            vec![]
        }
    };
    let mut rows = rows;
    if sort.is_some() {
        // Oldest first: the longest wait in the current state.
        rows.sort_by_key(|r| (r.updated_at, r.id.0));
    }
    // The districts that have work, for the district filter.
    let mut all_districts: Vec<String> = state
        .store
        .queue(&QueueFilter {
            states: QUEUE_STATES.iter().map(|s| s.code().to_owned()).collect(),
            kind: None,
            reason: None,
            district: None,
            judgement_requested: false,
            limit: 1000,
        })
        .await?
        .into_iter()
        .map(|r| r.hukou_district)
        .collect();
    all_districts.sort();
    all_districts.dedup();
    let t = T(locale);
    let me = officer.officer.id;
    let shown: Vec<QueueRow> = rows
        .iter()
        .map(|r| {
            let (due, left, days) = due_text(&state, r.due_at, locale);
            QueueRow {
                number: r.number.clone(),
                kind: kind_label(&r.kind, locale),
                reason: reason_label(&r.reason, locale),
                state: state_label(&r.state, locale),
                district: r.hukou_district.clone(),
                due,
                left,
                overdue: r.due_at.is_some_and(|d| d <= state.now()) || days.is_some_and(|d| d < 0),
                age: Message::new("office-age-days")
                    .with("days", age_days(&state, r.updated_at))
                    .render(locale),
                claimed: r.claimed_by == Some(me),
            }
        })
        .collect();
    let (csrf, set) = csrf(&headers);
    let p = QueuePage {
        count: Message::new("office-queue-count")
            .with("count", shown.len())
            .render(locale),
        kinds: opts(
            DocumentKind::ALL
                .iter()
                .map(|k| (k.code().to_owned(), k.label().render(locale))),
            &kind,
        ),
        reasons: opts(
            Reason::ALL
                .iter()
                .map(|k| (k.code().to_owned(), k.label().render(locale))),
            &reason,
        ),
        states: opts(
            QUEUE_STATES
                .iter()
                .map(|s| (s.code().to_owned(), s.label().render(locale))),
            &st,
        ),
        districts: opts(all_districts.into_iter().map(|d| (d.clone(), d)), &district),
        sorts: opts(
            [
                ("deadline".to_owned(), t.t("office-sort-deadline")),
                ("age".to_owned(), t.t("office-sort-age")),
            ],
            &Some(sort.clone().unwrap_or_else(|| "deadline".into())),
        ),
        judgement,
        rows: shown,
        t,
        path: match raw.filter(|q| !q.is_empty()) {
            Some(q) => format!("/officer?{q}"),
            None => "/officer".into(),
        },
        csrf,
        nav: nav(&officer, locale, "/officer"),
        errors,
    };
    Ok(page(status, p.render(), set))
}

pub(crate) struct WorkRow {
    number: String,
    kind: String,
    district: String,
    delivery: String,
    due: String,
    left: String,
    name: String,
    id_number: String,
    tracking: String,
    can_produce: bool,
    can_dispatch: bool,
    can_send_to_hall: bool,
    can_collect: bool,
    version: i64,
    idem: String,
}

/// Which of the three work lists.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Work {
    Production,
    Dispatch,
    Pickup,
}

impl Work {
    pub(crate) fn from_back(back: &str) -> Option<Work> {
        match back {
            "production" => Some(Work::Production),
            "dispatch" => Some(Work::Dispatch),
            "pickup" => Some(Work::Pickup),
            _ => None,
        }
    }
    /// The id of the list's table (where its errors point).
    pub(crate) fn table_id(self) -> &'static str {
        match self {
            Work::Production => "work-production",
            Work::Dispatch => "work-dispatch",
            Work::Pickup => "work-pickup",
        }
    }
    fn path(self) -> &'static str {
        match self {
            Work::Production => "/officer/production",
            Work::Dispatch => "/officer/dispatch",
            Work::Pickup => "/officer/pickup",
        }
    }
    fn state(self) -> S {
        match self {
            Work::Production => S::InProduction,
            Work::Dispatch => S::Produced,
            Work::Pickup => S::ReadyForPickup,
        }
    }
}

#[derive(Template)]
#[template(path = "office_work.html")]
struct WorkPage {
    t: T,
    path: &'static str,
    csrf: String,
    nav: Nav,
    errors: Vec<FieldError>,
    banner: Option<String>,
    which: &'static str,
    title: String,
    intro: String,
    rows: Vec<WorkRow>,
}

#[derive(Deserialize, Default)]
pub struct Done {
    pub done: Option<String>,
    pub number: Option<String>,
}

pub async fn production(
    State(state): State<AppState>,
    Lang(locale): Lang,
    headers: HeaderMap,
    auth: Result<OfficerAuth, ApiError>,
    q: Result<Query<Done>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    work(state, locale, headers, auth, q, Work::Production).await
}

pub async fn dispatch(
    State(state): State<AppState>,
    Lang(locale): Lang,
    headers: HeaderMap,
    auth: Result<OfficerAuth, ApiError>,
    q: Result<Query<Done>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    work(state, locale, headers, auth, q, Work::Dispatch).await
}

pub async fn pickup(
    State(state): State<AppState>,
    Lang(locale): Lang,
    headers: HeaderMap,
    auth: Result<OfficerAuth, ApiError>,
    q: Result<Query<Done>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    work(state, locale, headers, auth, q, Work::Pickup).await
}

async fn work(
    state: AppState,
    locale: Locale,
    headers: HeaderMap,
    auth: Result<OfficerAuth, ApiError>,
    q: Result<Query<Done>, axum::extract::rejection::QueryRejection>,
    which: Work,
) -> Result<Response, ApiError> {
    let officer = match gate(auth, CASEWORK_ROLES, locale, &headers, which.path()) {
        Ok(o) => o,
        Err(r) => return Ok(*r),
    };
    let q = q.map(|q| q.0).unwrap_or_default();
    let banner = super::cases::banner(&state, locale, q.done.as_deref(), q.number.as_deref()).await;
    render_work(
        &state,
        &officer,
        locale,
        &headers,
        which,
        banner,
        vec![],
        StatusCode::OK,
    )
    .await
}

/// A work list (production, dispatch or pickup), with a banner or errors.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn render_work(
    state: &AppState,
    officer: &OfficerAuth,
    locale: Locale,
    headers: &HeaderMap,
    which: Work,
    banner: Option<String>,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let rows = queue_rows(
        state,
        officer,
        QueueQuery {
            state: Some(which.state().code().to_owned()),
            kind: None,
            reason: None,
            district: None,
            judgement: None,
            limit: Some(200),
        },
    )
    .await?;
    let mut shown = vec![];
    for r in rows {
        let Some(loaded) = state.load(&r.number).await? else {
            continue;
        };
        let events = loaded.app.available_events(officer.role);
        let applicant = state.store.applicant(loaded.row.applicant).await?;
        let (due, left, _) = due_text(state, r.due_at, locale);
        shown.push(WorkRow {
            number: r.number.clone(),
            kind: kind_label(&r.kind, locale),
            district: r.hukou_district.clone(),
            delivery: loaded
                .app
                .delivery()
                .map(|d| d.label().render(locale))
                .unwrap_or_default(),
            due,
            left,
            name: crate::api::views::mask_name(applicant.name.as_deref().unwrap_or_default()),
            id_number: crate::api::views::mask_id(
                applicant.id_number.as_deref().unwrap_or_default(),
            ),
            tracking: loaded.app.tracking_number().unwrap_or_default().to_owned(),
            can_produce: events.contains(&EventKind::Produced),
            can_dispatch: events.contains(&EventKind::Dispatch),
            can_send_to_hall: events.contains(&EventKind::SendToHall),
            can_collect: events.contains(&EventKind::Collected),
            version: loaded.row.version,
            idem: super::cases::idem_key(),
        });
    }
    let t = T(locale);
    let (title, intro, name) = match which {
        Work::Production => (
            t.t("office-production-title"),
            t.t("office-production-intro"),
            "production",
        ),
        Work::Dispatch => (
            t.t("office-dispatch-title"),
            t.t("office-dispatch-intro"),
            "dispatch",
        ),
        Work::Pickup => (
            t.t("office-pickup-title"),
            t.t("office-pickup-intro"),
            "pickup",
        ),
    };
    let (csrf, set) = csrf(headers);
    let p = WorkPage {
        t,
        path: which.path(),
        csrf,
        nav: nav(officer, locale, which.path()),
        errors,
        banner,
        which: name,
        title,
        intro,
        rows: shown,
    };
    Ok(page(status, p.render(), set))
}
