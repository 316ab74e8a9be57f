//! The public statistics over HTTP: real applications through the API (a correction left
//! unanswered, a fee left unpaid, one just submitted), the figures the API publishes, the page's
//! SVG charts parsed as XML, and its tables compared with the API.

use chrono::Duration;
use quick_xml::Reader;
use quick_xml::events::Event;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::journeys::approve;
use crate::{TestApp, mail, pickup};

/// Every `<svg>…</svg>` of a page.
fn svgs(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<svg") {
        let end = rest[start..].find("</svg>").expect("a closed svg") + start + "</svg>".len();
        out.push(&rest[start..end]);
        rest = &rest[end..];
    }
    out
}

/// Parses `svg` as XML (failing on anything malformed) and gives its title and description.
fn parse_svg(svg: &str) -> (String, String) {
    let mut reader = Reader::from_str(svg);
    reader.config_mut().check_end_names = true;
    let mut depth = 0;
    let mut current = String::new();
    let (mut title, mut desc) = (String::new(), String::new());
    loop {
        match reader.read_event().unwrap_or_else(|e| panic!("{e}: {svg}")) {
            Event::Start(e) => {
                if depth == 0 {
                    assert_eq!(e.name().as_ref(), b"svg");
                }
                depth += 1;
                current = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
            }
            Event::End(_) => {
                depth -= 1;
                current.clear();
            }
            Event::Text(t) => {
                let text = t.decode().unwrap().into_owned();
                let text = quick_xml::escape::unescape(&text).unwrap().into_owned();
                match current.as_str() {
                    "title" => title.push_str(&text),
                    "desc" => desc.push_str(&text),
                    _ => {}
                }
            }
            Event::GeneralRef(r) => {
                let name = String::from_utf8(r.to_vec()).unwrap();
                let ch = quick_xml::escape::unescape(&format!("&{name};"))
                    .unwrap()
                    .into_owned();
                match current.as_str() {
                    "title" => title.push_str(&ch),
                    "desc" => desc.push_str(&ch),
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(depth, 0, "unbalanced: {svg}");
    (title, desc)
}

fn unescape_html(s: &str) -> String {
    s.replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The (label, value) rows of the table with id `id`.
fn table_rows(html: &str, id: &str) -> Vec<(String, String)> {
    let start = html
        .find(&format!("<table id=\"{id}\""))
        .unwrap_or_else(|| panic!("no table {id}"));
    let end = html[start..].find("</table>").unwrap() + start;
    let body = &html[start..end];
    let mut rows = Vec::new();
    for part in body.split("<tr><th scope=\"row\">").skip(1) {
        let (label, rest) = part.split_once("</th><td>").unwrap();
        let (value, _) = rest.split_once("</td>").unwrap();
        rows.push((unescape_html(label), unescape_html(value)));
    }
    rows
}

/// A cell as the page's table shows it.
fn shown(cell: &Value, min_cell: u64) -> (String, String) {
    let value = match cell["count"].as_u64() {
        Some(n) => n.to_string(),
        None => format!("fewer than {min_cell}"),
    };
    (cell["label"].as_str().unwrap().to_owned(), value)
}

#[tokio::test]
async fn statistics_count_real_applications_and_the_page_matches_the_api() {
    let app = TestApp::start_with(|s| {
        s.statistics.cache_seconds = 0;
        s.statistics.min_cell = 2;
    })
    .await;
    let reviewer = app.officer_login("reviewer").await;
    // A: a correction is requested and never answered.
    let (_, a) = app.submitted("passport-expiring", mail()).await;
    app.officer_act(&reviewer, &a, "claim", json!({})).await;
    let (status, body) = app
        .officer_act(
            &reviewer,
            &a,
            "request-correction",
            json!({ "items": [
                { "subject": "id_photo", "reason": "photo_background" },
                { "subject": "signature", "reason": "signature_spacing" }
            ] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // B: approved the next working day, never paid.
    app.clock.advance(Duration::days(1));
    let (_, b) = app.submitted("hkmo-damaged", pickup()).await;
    app.clock.advance(Duration::days(1));
    approve(&app, &reviewer, &b).await;
    // Nine days on, the sweeper withdraws both.
    app.clock.advance(Duration::days(9));
    wangban_server::workers::sweep(app.state()).await.unwrap();
    // C: submitted, in the queue; D: a draft (not counted).
    let (_, _c) = app.submitted("passport-damaged", pickup()).await;

    let resp = app
        .http
        .get(app.url("/api/v1/statistics"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["applied"]["total"], 3, "{v}");
    assert_eq!(v["issued"]["total"], 0);
    let kinds: Vec<(String, u64)> = v["applied"]["by_kind"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["key"].as_str().unwrap().into(),
                c["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("passport".into(), 2),
            ("hk_macao_permit".into(), 1),
            ("taiwan_permit".into(), 0)
        ]
    );
    let delivery: Vec<u64> = v["applied"]["by_delivery"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_u64().unwrap())
        .collect();
    assert_eq!(delivery, [1, 2]);
    assert_eq!(v["corrections"]["applications"], 1);
    assert!((v["corrections"]["share"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-9);
    let reasons: Vec<&str> = v["corrections"]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["photo_background", "signature_spacing"]);
    assert_eq!(v["withdrawals"]["by_deadline"], 2);
    assert!((v["withdrawals"]["share"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-9);
    let causes: Vec<(&str, u64)> = v["withdrawals"]["by_cause"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["key"].as_str().unwrap(), c["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        causes,
        [
            ("correction_deadline", 1),
            ("payment_deadline", 1),
            ("applicant", 0)
        ]
    );
    // B: submitted Wednesday 4 March, approved Thursday 5 March: one working day.
    assert_eq!(v["submission_to_approval"]["median_working_days"], 1.0);
    assert_eq!(v["submission_to_approval"]["count"], 1);
    assert!(v["payment_to_dispatch"]["median_working_days"].is_null());
    // Districts with a count of 1 (below min_cell 2) are withheld, never shown; three
    // applications in at most three districts leave at least one such.
    assert!(
        v["applied"]["by_district"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["suppressed"] == true)
    );
    for cell in v["applied"]["by_district"].as_array().unwrap() {
        if cell["suppressed"] == true {
            assert!(cell["count"].is_null(), "{cell}");
        } else {
            assert!(cell["count"].as_u64().unwrap() >= 2, "{cell}");
        }
    }
    // The same figures from a direct count of the rows.
    let rows = app
        .state()
        .store
        .queue(&wangban_store::QueueFilter {
            states: [
                "submitted",
                "withdrawn",
                "awaiting_payment",
                "correction_requested",
            ]
            .map(String::from)
            .to_vec(),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows.iter().filter(|r| r.state == "withdrawn").count(), 2);

    // The page, in English: figures, well-formed charts with titles, tables as in the API.
    let page = app
        .http
        .get(app.url("/statistics"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.headers()["cache-control"]
            .to_str()
            .unwrap()
            .starts_with("public")
    );
    let html = page.text().await.unwrap();
    assert!(html.contains("33.3%"), "correction share shown");
    assert!(html.contains("66.7%"), "deadline share shown");
    assert!(
        html.contains("<dd>1 (of one application)</dd>"),
        "median shown"
    );
    let charts = svgs(&html);
    assert_eq!(charts.len(), 12);
    for svg in &charts {
        let (title, desc) = parse_svg(svg);
        assert!(!title.is_empty() && !desc.is_empty(), "{svg}");
        assert!(svg.contains("role=\"img\""));
    }
    let (title, _) = parse_svg(charts[0]);
    assert_eq!(title, "Applications submitted by document");
    for (m, by) in [
        ("applied", "kind"),
        ("applied", "district"),
        ("issued", "month"),
    ] {
        let expect: Vec<(String, String)> = v[m][format!("by_{by}")]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| shown(c, 2))
            .collect();
        assert_eq!(table_rows(&html, &format!("chart-{m}-{by}-table")), expect);
    }
    let expect: Vec<(String, String)> = v["corrections"]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| shown(c, 2))
        .collect();
    assert_eq!(table_rows(&html, "chart-correction-reasons-table"), expect);

    // In Chinese, and linked from the start page; described in the OpenAPI document.
    let zh = app
        .http
        .get(app.url("/statistics"))
        .header("accept-language", "zh-CN")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(zh.contains("统计数据"));
    for svg in svgs(&zh) {
        parse_svg(svg);
    }
    let start = app.http.get(app.url("/")).send().await.unwrap();
    assert!(start.text().await.unwrap().contains("href=\"/statistics\""));
    let (_, doc) = app.get(None, "/api/v1/openapi.json").await;
    assert!(doc["paths"]["/api/v1/statistics"]["get"].is_object());
}

#[tokio::test]
async fn the_rebuilt_aggregates_equal_the_incremental_ones() {
    let app = TestApp::start().await;
    let reviewer = app.officer_login("reviewer").await;
    let (_, a) = app.submitted("taiwan-expiring", mail()).await;
    approve(&app, &reviewer, &a).await;
    app.submitted("hkmo-expiring", pickup()).await;
    let before = app.state().store.statistics().await.unwrap();
    assert_eq!(before.total("applied"), 2);
    app.state()
        .store
        .rebuild_stats(&app.state().calendar)
        .await
        .unwrap();
    assert_eq!(app.state().store.statistics().await.unwrap(), before);
}
