//! The guide generated from the rules and the configuration, and the reception-hall directory:
//! the pages and the JSON, a changed setting showing in the guide, a bad directory stopping the
//! start, and the hall of the hukou district named on an eligibility "no" and on the pickup
//! choice.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::json;
use wangban_gateways::clock::ManualClock;
use wangban_gateways::registry::demo_citizen;

use crate::forms::Browser;
use crate::{TestApp, pickup, test_settings, test_start};

const GUIDE_PAGES: [&str; 7] = [
    "who",
    "documents",
    "reasons",
    "photo",
    "signature",
    "steps",
    "deadlines",
];

/// A page as text in `lang` (no login), status checked.
async fn page(app: &TestApp, path: &str, lang: &str) -> String {
    let r = reqwest::Client::new()
        .get(app.url(path))
        .header("cookie", format!("wangban_lang={lang}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.text().await.unwrap()
}

/// The text of an HTML page without its tags (so that ids and classes do not count).
fn text_of(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// A catalogue key shown instead of its text means a key missing from the catalogue.
fn assert_no_raw_keys(path: &str, html: &str) {
    let text = text_of(html);
    for prefix in ["guide-", "halls-", "elig-", "page-", "apply-"] {
        assert!(
            !text.contains(prefix),
            "{path} shows a catalogue key ({prefix}…): {text}"
        );
    }
}

#[tokio::test]
async fn the_guide_pages_are_reachable_accessible_and_in_both_languages() {
    let app = TestApp::start().await;
    for lang in ["zh-CN", "en"] {
        let start = page(&app, "/", lang).await;
        assert!(start.contains("href=\"/guide\""), "start links the guide");
        assert!(start.contains("href=\"/halls\""), "start links the halls");
        let index = page(&app, "/guide", lang).await;
        assert_no_raw_keys("/guide", &index);
        assert!(index.contains(&format!("<html lang=\"{lang}\">")));
        for slug in GUIDE_PAGES {
            let path = format!("/guide/{slug}");
            assert!(index.contains(&format!("href=\"{path}\"")), "{path}");
            let html = page(&app, &path, lang).await;
            assert_no_raw_keys(&path, &html);
            assert_eq!(html.matches("<h1>").count(), 1, "{path}: one h1");
            assert!(html.contains("<main id=\"main\">"), "{path}");
            assert!(html.contains("<h2 id="), "{path}: sections have headings");
            assert!(html.contains("<li>"), "{path}: points");
        }
    }
    let r = reqwest::get(app.url("/guide/nothing")).await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // The defaults, as the service description gives them.
    let who = page(&app, "/guide/who", "en").await;
    assert!(who.contains("You are 16 or over"), "{who}");
    assert!(who.contains("Shanghai"), "{who}");
    let docs = page(&app, "/guide/documents", "en").await;
    assert!(docs.contains("fee ¥120.00"), "{docs}");
    assert!(docs.contains("fee ¥60.00"), "{docs}");
    let deadlines = page(&app, "/guide/deadlines", "en").await;
    assert!(
        deadlines.contains("within 3 working days of payment"),
        "{deadlines}"
    );
    assert!(
        deadlines.contains("To pay after approval: 7 days"),
        "{deadlines}"
    );
    assert!(deadlines.contains("24 hours before"), "{deadlines}");
    let photo = page(&app, "/guide/photo", "en").await;
    assert!(photo.contains("At least 354 × 472 pixels"), "{photo}");
    assert!(photo.contains("within the last 6 months"), "{photo}");
    let signature = page(&app, "/guide/signature", "zh-CN").await;
    assert!(signature.contains("白纸黑字"), "{signature}");
}

#[tokio::test]
async fn the_guide_follows_the_configuration_the_engine_enforces() {
    let app = TestApp::start_with(|s| {
        s.eligibility.min_age = 17;
        s.eligibility.expiring_within_months = 9;
        s.fees.passport = wangban_core::money::Fen::from_yuan(150);
        s.workers.reminder_hours_before = 12;
        s.media.photo.min_width = 400;
        s.media.photo.min_height = 533;
        s.media.photo.max_age_months = 3;
        s.media.signature.max_skew_deg = 7.5;
    })
    .await;
    let who = page(&app, "/guide/who", "en").await;
    assert!(who.contains("You are 17 or over"), "{who}");
    assert!(!who.contains("16 or over"), "{who}");
    assert!(who.contains("residents under 17"), "{who}");
    let who_zh = page(&app, "/guide/who", "zh-CN").await;
    assert!(who_zh.contains("年满17周岁"), "{who_zh}");
    let reasons = page(&app, "/guide/reasons", "en").await;
    assert!(reasons.contains("less than 9 months"), "{reasons}");
    assert!(!reasons.contains("6 months"), "{reasons}");
    let docs = page(&app, "/guide/documents", "en").await;
    assert!(docs.contains("fee ¥150.00"), "{docs}");
    assert!(!docs.contains("¥120.00"), "{docs}");
    let deadlines = page(&app, "/guide/deadlines", "en").await;
    assert!(deadlines.contains("12 hours before"), "{deadlines}");
    let photo = page(&app, "/guide/photo", "en").await;
    assert!(photo.contains("At least 400 × 533 pixels"), "{photo}");
    assert!(photo.contains("within the last 3 months"), "{photo}");
    let signature = page(&app, "/guide/signature", "en").await;
    assert!(signature.contains("no more than 7.5°"), "{signature}");

    // The JSON form says the same.
    let (status, guide) = app.get(None, "/api/v1/guide").await;
    assert_eq!(status, StatusCode::OK, "{guide}");
    assert_eq!(guide["facts"]["min_age"], 17);
    assert_eq!(guide["facts"]["expiring_within_months"], 9);
    let passport = guide["facts"]["fees_fen"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "passport")
        .unwrap();
    assert_eq!(passport["fee_fen"], 15000);
    let production = guide["facts"]["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["clock"] == "production")
        .unwrap();
    assert_eq!(
        production,
        &json!({"clock": "production", "days": 3, "unit": "working_days"})
    );
    let slugs: Vec<&str> = guide["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, GUIDE_PAGES);
    assert!(guide.to_string().contains("年满17周岁"), "zh-CN by default");

    // And the engine enforces the same figure: the under-age resident is told 17.
    let token = app.citizen_login("under-16").await;
    let (status, v) = app
        .get(
            Some(&token),
            "/api/v1/eligibility?kind=passport&reason=expiring_soon",
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let age = v["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "elig-minimum-age")
        .unwrap();
    assert_eq!(age["verdict"], "fail");
    assert!(
        age["explanation"].as_str().unwrap().contains("年满17周岁"),
        "{age}"
    );

    let (status, openapi) = app.get(None, "/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    for path in ["/api/v1/guide", "/api/v1/halls"] {
        assert!(
            openapi["paths"][path]["get"].is_object(),
            "{path} documented"
        );
    }
}

#[tokio::test]
async fn the_hall_directory_lists_every_district_with_hours_services_and_map_links() {
    let app = TestApp::start().await;
    let html = page(&app, "/halls", "en").await;
    assert_no_raw_keys("/halls", &html);
    assert!(
        html.contains("id=\"halls-sample\""),
        "sample data is said to be so"
    );
    for district in wangban_core::area::current_shanghai_districts() {
        assert!(
            html.contains(&format!("id=\"district-{district}\"")),
            "{district}"
        );
    }
    assert!(html.contains("Huangpu District Exit-Entry Reception Hall"));
    assert!(html.contains("Mon–Fri 09:00–17:00; Sat 09:00–12:00"));
    assert!(html.contains("href=\"geo:31.23170,121.48460\""));
    assert!(html.contains("href=\"tel:12367\""));
    assert!(html.contains("first applications"));
    assert!(html.contains("<th scope=\"col\">Opening hours</th>"));
    let zh = page(&app, "/halls", "zh-CN").await;
    assert_no_raw_keys("/halls", &zh);
    assert!(zh.contains("黄浦区出入境接待大厅"));
    assert!(zh.contains("周一至周五 09:00–17:00；周六 09:00–12:00"));

    let (status, all) = app.get(None, "/api/v1/halls").await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!(all["sample"], true);
    assert_eq!(all["halls"].as_array().unwrap().len(), 17);
    let (status, pudong) = app.get(None, "/api/v1/halls?district=310115").await;
    assert_eq!(status, StatusCode::OK);
    let pudong = pudong["halls"].as_array().unwrap();
    assert_eq!(pudong.len(), 2);
    assert_eq!(pudong[0]["id"], "sh-pudong");
    assert_eq!(pudong[0]["pickup"], true);
    assert_eq!(pudong[1]["pickup"], false);
    assert_eq!(
        pudong[0]["hours"][0],
        json!({"from": "mon", "to": "fri", "open": "09:00", "close": "17:00"})
    );
    let (status, body) = app.get(None, "/api/v1/halls?district=31011").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "api-bad-district");
}

/// Starts a server with `[halls] file` holding `text`; the start's error, if any.
async fn start_with_halls(text: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("halls.toml");
    std::fs::write(&file, text).unwrap();
    let mut settings = test_settings(&dir.path().join("data"), "http://127.0.0.1:1");
    settings.halls.file = Some(file);
    let clock = Arc::new(ManualClock::new(test_start()));
    wangban_server::build_state(settings, clock)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[tokio::test]
async fn a_bad_hall_directory_stops_the_start_with_a_clear_error() {
    let sample = wangban_core::halls::SAMPLE;
    let cases = [
        (
            sample.replacen("district = \"310101\"", "district = \"310199\"", 1),
            "hall sh-huangpu: unknown district \"310199\"",
        ),
        (
            sample.replacen("lat = 31.2317", "lat = 131.2317", 1),
            "hall sh-huangpu: coordinates lat = 131.2317",
        ),
        (
            sample.replacen("\"sat 09:00-12:00\"", "\"sat 9-12\"", 1),
            "hall sh-huangpu: opening hours \"sat 9-12\"",
        ),
        (
            sample.replacen("district = \"310151\"", "district = \"310101\"", 1),
            "no reception hall for district 310151 (Chongming District, Shanghai)",
        ),
    ];
    for (text, expected) in cases {
        let e = start_with_halls(&text).await.unwrap_err();
        assert!(e.contains(expected), "{e}");
        assert!(e.contains("halls.toml"), "names the file: {e}");
    }
    let e = start_with_halls("[[hall]]\nid = ").await.unwrap_err();
    assert!(e.contains("does not parse"), "{e}");
    // A valid directory of one's own replaces the sample.
    start_with_halls(&sample.replace("sample = true", "sample = false"))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_hall_directory_from_a_file_replaces_the_sample() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("published.toml");
    let text = wangban_core::halls::SAMPLE
        .replace("sample = true", "sample = false")
        .replace("100 Shili Middle Road", "1 Published Road");
    std::fs::write(&file, text).unwrap();
    let app = TestApp::start_with(move |s| s.halls.file = Some(file)).await;
    let html = page(&app, "/halls", "en").await;
    assert!(html.contains("1 Published Road"), "{html}");
    assert!(!html.contains("id=\"halls-sample\""));
}

/// A browser whose session is the API token's, in `lang`.
fn browser(app: &TestApp, token: &str, lang: &str) -> Browser {
    let mut b = Browser::new(app);
    b.cookies.insert("wangban_session".into(), token.to_owned());
    b.cookies.insert("wangban_lang".into(), lang.to_owned());
    b
}

#[tokio::test]
async fn an_eligibility_no_names_the_halls_of_the_hukou_district() {
    let app = TestApp::start().await;
    // Under 16, hukou in Xuhui (310104).
    let c = demo_citizen("under-16").unwrap();
    let token = app.citizen_login("under-16").await;
    let query = format!(
        "kind={}&reason={}",
        c.request.kind.code(),
        c.request.reason.code()
    );
    let mut b = browser(&app, &token, "en");
    let (status, _, html) = b.get(&format!("/eligibility?{query}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_no_raw_keys("/eligibility", &html);
    assert!(html.contains("id=\"district-halls\""), "{html}");
    assert!(
        html.contains("Reception halls for your hukou district (Xuhui District, Shanghai)"),
        "{html}"
    );
    assert!(html.contains("id=\"hall-sh-xuhui\""), "{html}");
    assert!(html.contains("200 Shili Road, Xuhui District"), "{html}");
    assert!(html.contains("Mon–Fri 09:00–17:00"), "{html}");
    assert!(
        !html.contains("hall-sh-huangpu"),
        "only the district's halls"
    );
    assert!(html.contains("href=\"/guide\""), "links the guide");
    let (status, v) = app
        .get(Some(&token), &format!("/api/v1/eligibility?{query}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["eligible"], false);
    let ids: Vec<&str> = v["halls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["sh-xuhui"]);

    // Hukou in Hangzhou: no hall of ours; the page says where to ask instead.
    let c = demo_citizen("outside-pilot-city").unwrap();
    let token = app.citizen_login("outside-pilot-city").await;
    let mut b = browser(&app, &token, "en");
    let (_, _, html) = b
        .get(&format!(
            "/eligibility?kind={}&reason={}",
            c.request.kind.code(),
            c.request.reason.code()
        ))
        .await;
    assert!(
        html.contains("We have no reception hall listed for your hukou area"),
        "{html}"
    );
    assert!(!html.contains("id=\"hall-"), "{html}");

    // A yes names no hall.
    let c = demo_citizen("passport-expiring").unwrap();
    let token = app.citizen_login("passport-expiring").await;
    let mut b = browser(&app, &token, "en");
    let (_, _, html) = b
        .get(&format!(
            "/eligibility?kind={}&reason={}",
            c.request.kind.code(),
            c.request.reason.code()
        ))
        .await;
    assert!(html.contains("id=\"start-form\""));
    assert!(!html.contains("id=\"district-halls\""));
}

/// A draft for a demo citizen (by the API); the session token and the number.
async fn draft(app: &TestApp, key: &str) -> (String, String) {
    let c = demo_citizen(key).unwrap();
    let token = app.citizen_login(key).await;
    let (status, v) = app
        .post(
            Some(&token),
            "/api/v1/applications",
            json!({ "kind": c.request.kind.code(), "reason": c.request.reason.code() }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    (token, v["number"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn the_pickup_choice_names_the_hall_of_the_hukou_district() {
    let app = TestApp::start().await;
    // Hukou in Pudong (310115), which has two halls: the one that hands out documents.
    let (token, number) = draft(&app, "passport-lost").await;
    let mut b = browser(&app, &token, "en");
    let (status, _, html) = b.get(&format!("/applications/{number}/delivery")).await;
    assert_eq!(status, StatusCode::OK);
    assert_no_raw_keys("delivery", &html);
    assert!(
        html.contains(
            "Pudong New Area Exit-Entry Reception Hall, 1100 Shili Road, Pudong New Area, \
             Shanghai (sample address) (open Mon–Fri 09:00–17:00; Sat 09:00–12:00)"
        ),
        "{html}"
    );
    assert!(
        !html.contains("Nanhui"),
        "not the hall that hands nothing out"
    );
    let (status, v) = app
        .patch(
            &token,
            &format!("/api/v1/applications/{number}"),
            json!({ "delivery": pickup() }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (_, _, check) = b.get(&format!("/applications/{number}/check")).await;
    assert!(
        check.contains("Collect at Pudong New Area Exit-Entry Reception Hall"),
        "{check}"
    );

    // Hukou in Xuhui, in Chinese.
    let (token, number) = draft(&app, "passport-expiring").await;
    let mut b = browser(&app, &token, "zh-CN");
    let (_, _, html) = b.get(&format!("/applications/{number}/delivery")).await;
    assert!(
        html.contains("徐汇区出入境接待大厅，上海市徐汇区示例路200号"),
        "{html}"
    );
}

#[tokio::test]
async fn the_status_page_names_the_pickup_hall_when_the_document_is_ready() {
    let app = TestApp::start().await;
    let (token, number) = app.submitted("passport-expiring", pickup()).await;
    let reviewer = app.officer_login("reviewer").await;
    crate::journeys::approve(&app, &reviewer, &number).await;
    crate::journeys::pay(&app, &token, &number).await;
    app.eventually("payment recorded", || async {
        app.state_of(&token, &number).await == "in_production"
    })
    .await;
    app.advance_until(
        "document produced",
        chrono::Duration::seconds(20),
        || async { app.state_of(&token, &number).await == "produced" },
    )
    .await;
    let clerk = app.officer_login("dispatch").await;
    let (status, body) = app
        .officer_act(&clerk, &number, "send-to-hall", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut b = browser(&app, &token, "en");
    let (_, _, html) = b.get(&format!("/applications/{number}")).await;
    assert!(
        html.contains("Xuhui District Exit-Entry Reception Hall, 200 Shili Road"),
        "{html}"
    );
}
