//! The public statistics page (`/statistics`): the figures of `GET /api/v1/statistics` as
//! server-rendered SVG bar charts, each with a `<title>` and `<desc>` and the same figures in a
//! table below it (the charts are decoration for those who can see them; the tables are the
//! content). No script, no external resource.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use wangban_core::i18n::{Locale, Message};

use crate::api::statistics::{Cell, StatisticsView, cacheable, tallies, view};
use crate::app::AppState;
use crate::error::{ApiError, Lang};
use crate::web::{T, page};

/// One chart and its table.
pub struct Chart {
    pub id: String,
    pub heading: String,
    pub svg: String,
    pub rows: Vec<(String, String)>,
}

/// A figure: a label and its value, formatted.
pub struct Figure {
    pub label: String,
    pub value: String,
}

#[derive(Template)]
#[template(path = "statistics.html")]
struct StatisticsPage {
    t: T,
    path: &'static str,
    figures: Vec<Figure>,
    charts: Vec<Chart>,
    suppression: String,
}

/// Escapes text for XML (element content and attribute values).
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// A horizontal bar chart as SVG: one bar per cell, its label above it (so that no label is
/// cut, however long) and its count (or "withheld") at its end. `id` makes the title's and
/// description's ids unique on the page.
pub fn bar_chart(id: &str, title: &str, desc: &str, cells: &[Cell], withheld: &str) -> String {
    const WIDTH: u64 = 640;
    const BAR: u64 = 520;
    const ROW: u64 = 42;
    let height = 8 + ROW * cells.len().max(1) as u64;
    let max = cells
        .iter()
        .filter_map(|c| c.count)
        .max()
        .unwrap_or(0)
        .max(1);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" \
         viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" height=\"{height}\" \
         aria-labelledby=\"{id}-title {id}-desc\">\
         <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        xml(title),
        xml(desc)
    );
    for (i, c) in cells.iter().enumerate() {
        let y = 4 + ROW * i as u64;
        s.push_str(&format!(
            "<text x=\"0\" y=\"{}\" font-size=\"14\" fill=\"#1b1b1b\">{}</text>",
            y + 14,
            xml(&c.label)
        ));
        let (w, value) = match c.count {
            Some(n) => ((n * BAR).div_ceil(max), n.to_string()),
            None => (0, withheld.to_owned()),
        };
        if w > 0 {
            s.push_str(&format!(
                "<rect x=\"0\" y=\"{}\" width=\"{w}\" height=\"16\" fill=\"#1d5a9e\"/>",
                y + 20
            ));
        }
        s.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" font-size=\"14\" fill=\"#1b1b1b\">{}</text>",
            w + 6,
            y + 33,
            xml(&value)
        ));
    }
    s.push_str("</svg>");
    s
}

fn tr(key: &'static str, locale: Locale) -> String {
    Message::new(key).render(locale)
}

fn percent(share: Option<f64>, locale: Locale) -> String {
    share.map_or_else(
        || tr("stats-none-yet", locale),
        |s| format!("{:.1}%", s * 100.0),
    )
}

fn days(m: &crate::api::statistics::Median, locale: Locale) -> String {
    match m.median_working_days {
        Some(d) => Message::new("stats-working-days")
            .with("days", format!("{d}"))
            .with("count", m.count as i64)
            .render(locale),
        None => tr("stats-none-yet", locale),
    }
}

/// The page's figures and charts from the published view.
pub fn content(v: &StatisticsView, locale: Locale) -> (Vec<Figure>, Vec<Chart>) {
    let figures = vec![
        Figure {
            label: tr("stats-applied-total", locale),
            value: v.applied.total.to_string(),
        },
        Figure {
            label: tr("stats-issued-total", locale),
            value: v.issued.total.to_string(),
        },
        Figure {
            label: tr("stats-median-approval", locale),
            value: days(&v.submission_to_approval, locale),
        },
        Figure {
            label: tr("stats-median-dispatch", locale),
            value: days(&v.payment_to_dispatch, locale),
        },
        Figure {
            label: tr("stats-correction-share", locale),
            value: percent(v.corrections.share, locale),
        },
        Figure {
            label: tr("stats-deadline-share", locale),
            value: percent(v.withdrawals.share, locale),
        },
    ];
    let withheld = Message::new("stats-withheld")
        .with("min", v.min_cell as i64)
        .render(locale);
    let mut charts = Vec::new();
    let mut chart = |id: &str, heading: String, cells: &[Cell]| {
        let desc = Message::new("stats-chart-desc")
            .with("count", cells.len() as i64)
            .render(locale);
        charts.push(Chart {
            id: id.to_owned(),
            svg: bar_chart(id, &heading, &desc, cells, &withheld),
            rows: cells
                .iter()
                .map(|c| {
                    let value = c.count.map_or_else(|| withheld.clone(), |n| n.to_string());
                    (c.label.clone(), value)
                })
                .collect(),
            heading,
        });
    };
    for (m, b) in [("applied", &v.applied), ("issued", &v.issued)] {
        for (by, cells) in [
            ("kind", &b.by_kind),
            ("reason", &b.by_reason),
            ("month", &b.by_month),
            ("delivery", &b.by_delivery),
            ("district", &b.by_district),
        ] {
            let heading = Message::new("stats-chart-heading")
                .with("what", Message::new(metric_key(m)))
                .with("by", Message::new(by_key(by)))
                .render(locale);
            chart(&format!("chart-{m}-{by}"), heading, cells);
        }
    }
    chart(
        "chart-correction-reasons",
        tr("stats-correction-reasons", locale),
        &v.corrections.reasons,
    );
    chart(
        "chart-withdrawals",
        tr("stats-withdrawals", locale),
        &v.withdrawals.by_cause,
    );
    (figures, charts)
}

fn metric_key(m: &str) -> &'static str {
    match m {
        "applied" => "stats-applied",
        _ => "stats-issued",
    }
}

fn by_key(by: &str) -> &'static str {
    match by {
        "kind" => "stats-by-kind",
        "reason" => "stats-by-reason",
        "month" => "stats-by-month",
        "delivery" => "stats-by-delivery",
        _ => "stats-by-district",
    }
}

/// `GET /statistics`.
pub async fn statistics(
    State(state): State<AppState>,
    Lang(locale): Lang,
) -> Result<Response, ApiError> {
    let t = tallies(&state).await?;
    let min_cell = state.settings.statistics.min_cell;
    let v = view(&t, locale, min_cell);
    let (figures, charts) = content(&v, locale);
    let p = StatisticsPage {
        t: T(locale),
        path: "/statistics",
        figures,
        charts,
        suppression: Message::new("stats-suppression")
            .with("min", min_cell as i64)
            .render(locale),
    };
    let mut r = page(StatusCode::OK, p.render(), None);
    cacheable(&state, &mut r);
    Ok(r)
}
