//! The officers' pages over plain HTTP: login with TOTP, queue, application view, casework,
//! production, dispatch, pickup, dashboard.

use chrono::Duration;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION};
use serde_json::json;
use wangban_gateways::clock::Clock;
use wangban_gateways::registry::demo_citizen;

use crate::forms::{Browser, hidden};
use crate::{TestApp, mail, pickup};

impl Browser {
    /// Posts a form found in `page` (its csrf, idem and version), plus `extra` fields.
    async fn act(
        &mut self,
        page: &str,
        number: &str,
        action: &str,
        extra: &[(&str, &str)],
    ) -> (StatusCode, HeaderMap, String) {
        let form_id = format!("id=\"{action}-form\"");
        let at = page
            .find(&form_id)
            .unwrap_or_else(|| panic!("no {action} form in {page}"));
        let form = &page[at..];
        let csrf = hidden(form, "csrf");
        let idem = hidden(form, "idem");
        let version = hidden(form, "version");
        let mut fields = vec![
            ("csrf", csrf.as_str()),
            ("idem", idem.as_str()),
            ("version", version.as_str()),
        ];
        fields.extend_from_slice(extra);
        self.post(
            &format!("/officer/applications/{number}/act/{action}"),
            &fields,
        )
        .await
    }
}

fn code_for(app: &TestApp, username: &str) -> String {
    let secret = wangban_server::demo::DEMO_OFFICERS
        .iter()
        .find(|o| o.0 == username)
        .unwrap()
        .3;
    wangban_server::demo::current_code(secret, app.clock.now())
}

/// Logs a demo officer in by the forms, in `b`.
async fn login(app: &TestApp, b: &mut Browser, username: &str) {
    let (_, _, page) = b.get("/officer/login").await;
    let csrf = hidden(&page, "csrf");
    let (status, headers, _) = b
        .post(
            "/officer/login",
            &[
                ("csrf", &csrf),
                ("username", username),
                ("password", wangban_server::demo::DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[LOCATION], "/officer/totp");
    let code = code_for(app, username);
    let (status, _, page) = b
        .post("/officer/totp", &[("csrf", &csrf), ("code", &code)])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
}

async fn officer(app: &TestApp, username: &str) -> Browser {
    let mut b = Browser::new(app);
    login(app, &mut b, username).await;
    b
}

fn error_summary(page: &str) -> &str {
    let at = page.find("error-summary").expect("an error summary");
    &page[at..at + page[at..].find("</div>").unwrap()]
}

#[tokio::test]
async fn login_by_forms_with_totp_and_one_error_for_any_wrong_answer() {
    let app = TestApp::start().await;
    let mut b = Browser::new(&app);
    // Not logged in: the queue sends to the login page.
    let (status, headers, _) = b.get("/officer").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[LOCATION], "/officer/login");
    let (_, _, page) = b.get("/officer/login").await;
    assert!(page.contains("id=\"officer-login-form\""), "{page}");
    let csrf = hidden(&page, "csrf");
    // Without the CSRF token: refused.
    let (status, _, _) = b
        .post(
            "/officer/login",
            &[("username", "reviewer"), ("password", "x")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // An unknown user and a wrong password: the same message, in place, the username kept.
    let (status, _, unknown) = b
        .post(
            "/officer/login",
            &[("csrf", &csrf), ("username", "nobody"), ("password", "x")],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, wrong) = b
        .post(
            "/officer/login",
            &[("csrf", &csrf), ("username", "reviewer"), ("password", "x")],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_summary(&unknown), error_summary(&wrong));
    assert!(error_summary(&wrong).contains("href=\"#username\""));
    assert!(wrong.contains("value=\"reviewer\""));
    assert!(!b.cookies.contains_key("wangban_officer"));
    // The password step: a pending session in its own cookie, then the code page.
    let (status, headers, _) = b
        .post(
            "/officer/login",
            &[
                ("csrf", &csrf),
                ("username", "reviewer"),
                ("password", wangban_server::demo::DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[LOCATION], "/officer/totp");
    let pending = b.cookies["wangban_officer"].clone();
    // Pending is not logged in.
    let (status, _, _) = b.get("/officer").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, page) = b.get("/officer/totp").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("id=\"code\""));
    // A wrong code: the same kind of in-place error.
    let good = code_for(&app, "reviewer");
    let bad = format!("{:06}", (good.parse::<u32>().unwrap() + 1) % 1_000_000);
    let (status, _, page) = b
        .post("/officer/totp", &[("csrf", &csrf), ("code", &bad)])
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(error_summary(&page).contains("href=\"#code\""), "{page}");
    let (status, headers, _) = b
        .post("/officer/totp", &[("csrf", &csrf), ("code", &good)])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[LOCATION], "/officer");
    assert_ne!(b.cookies["wangban_officer"], pending, "a new session id");
    // An applicant logged in in the same browser: both sessions live side by side.
    let citizen = app.citizen_login("passport-expiring").await;
    b.cookies.insert("wangban_session".into(), citizen);
    let (status, _, page) = b.get("/officer").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("id=\"nav-queue\"") && page.contains("审核员 李明"),
        "{page}"
    );
    assert!(!page.contains("id=\"nav-dashboard\""));
    let (status, _, _) = b.get("/applications").await;
    assert_eq!(status, StatusCode::OK);
    // Logout ends the officer's session only.
    let (status, headers, _) = b.post("/officer/logout", &[("csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[LOCATION], "/officer/login");
    let (status, _, _) = b.get("/officer").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, _) = b.get("/applications").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn the_queue_filters_and_sorts() {
    let app = TestApp::start().await;
    let (_, a) = app.submitted("passport-expiring", mail()).await;
    app.clock.advance(Duration::days(1));
    let (_, b_num) = app.submitted("hkmo-damaged", pickup()).await;
    app.clock.advance(Duration::days(1));
    let (_, c) = app.submitted("taiwan-damaged", pickup()).await;
    app.clock.advance(Duration::days(1));
    let mut b = officer(&app, "reviewer").await;
    // Claiming the first makes it the one that waited least in its state.
    let (_, _, page) = b.get(&format!("/officer/applications/{a}")).await;
    let (status, _, _) = b.act(&page, &a, "claim", &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let pos = |page: &str, n: &str| page.find(&format!("id=\"row-{n}\"")).unwrap();
    let (status, _, page) = b.get("/officer").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("id=\"filters\"") && page.contains("<label for=\"kind\">"));
    assert!(pos(&page, &a) < pos(&page, &b_num) && pos(&page, &b_num) < pos(&page, &c));
    let (_, _, page) = b.get("/officer?sort=age").await;
    assert!(
        pos(&page, &b_num) < pos(&page, &c) && pos(&page, &c) < pos(&page, &a),
        "{page}"
    );
    let (_, _, page) = b.get("/officer?kind=hk_macao_permit").await;
    assert!(page.contains(&format!("row-{b_num}")));
    assert!(!page.contains(&format!("row-{a}")) && !page.contains(&format!("row-{c}")));
    let (_, _, page) = b.get("/officer?district=310112").await;
    assert!(page.contains(&format!("row-{c}")) && !page.contains(&format!("row-{a}")));
    let (_, _, page) = b.get("/officer?state=under_review").await;
    assert!(page.contains(&format!("row-{a}")) && !page.contains(&format!("row-{c}")));
    let (_, _, page) = b.get("/officer?reason=expiring_soon").await;
    assert!(page.contains(&format!("row-{a}")) && !page.contains(&format!("row-{b_num}")));
    // Nobody asked for an officer's judgement.
    let (_, _, page) = b.get("/officer?judgement=1").await;
    assert!(page.contains("id=\"queue-empty\""), "{page}");
    // A forged filter value: explained, not a crash.
    let (status, _, page) = b.get("/officer?kind=spaceship").await;
    assert!(status.is_client_error());
    assert!(page.contains("error-summary"));
}

#[tokio::test]
async fn the_application_view_masks_then_reveals_with_an_audit_row() {
    let app = TestApp::start().await;
    let c = demo_citizen("passport-expiring").unwrap();
    let (_, number) = app.submitted("passport-expiring", mail()).await;
    let mut b = officer(&app, "reviewer").await;
    let (status, _, page) = b.get(&format!("/officer/applications/{number}")).await;
    assert_eq!(status, StatusCode::OK);
    let id = c.id_number.as_str();
    assert!(!page.contains(id), "the ID number is masked");
    assert!(page.contains(&format!("{}**********{}", &id[..4], &id[14..])));
    for slot in ["id_photo", "signature", "id_card_front", "id_card_back"] {
        assert!(page.contains(&format!("id=\"img-{slot}\"")), "{slot}");
        assert!(page.contains(&format!("id=\"checks-{slot}\"")), "{slot}");
    }
    assert!(page.contains("id=\"history\"") && page.contains("id=\"registry"));
    let views = app.audit_rows(&number, "application.view").await;
    assert_eq!(views.len(), 1);
    // An application that does not exist: a page that says so.
    let (status, _, missing) = b.get("/officer/applications/WB-0000-00000").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(missing.contains("id=\"not-found\""), "{missing}");
    // An application that does not exist: a page that says so.
    let (status, _, missing) = b.get("/officer/applications/WB-0000-00000").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(missing.contains("id=\"not-found\""), "{missing}");
    // The files through the page route: the audited officer file view.
    let (status, headers, _) = b
        .get(&format!("/officer/applications/{number}/files/id_photo"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("image/")
    );
    assert_eq!(
        app.audit_rows(&number, "application.view_file").await.len(),
        1
    );
    // Reveal needs the CSRF token.
    let (status, _, _) = b
        .post(&format!("/officer/applications/{number}/reveal"), &[])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let csrf = hidden(&page, "csrf");
    let (status, _, page) = b
        .post(
            &format!("/officer/applications/{number}/reveal"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(id) && page.contains("id=\"revealed\""));
    let views = app.audit_rows(&number, "application.view").await;
    assert_eq!(views.len(), 2);
    assert!(
        views.iter().any(|v| v.detail.contains("\"revealed\":true")),
        "{views:?}"
    );
}

#[tokio::test]
async fn request_correction_per_item_reaches_the_applicant_and_refuses_forgery_and_stale_forms() {
    let app = TestApp::start().await;
    let (token, number) = app.submitted("passport-expiring", mail()).await;
    let mut b = officer(&app, "reviewer").await;
    let path = format!("/officer/applications/{number}");
    let (_, _, page) = b.get(&path).await;
    assert!(page.contains("id=\"claim-form\"") && !page.contains("id=\"approve-form\""));
    // A forged form (no CSRF token) changes nothing.
    let (status, _, _) = b
        .post(&format!("{path}/act/claim"), &[("idem", "x1")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(app.state_of(&token, &number).await, "submitted");
    let stale = page.clone();
    let (status, headers, _) = b.act(&page, &number, "claim", &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[LOCATION], format!("{path}?done=claim").as_str());
    // Sent again (same idempotency key): runs once, same answer.
    let (status, _, _) = b.act(&stale, &number, "claim", &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, page) = b.get(&format!("{path}?done=claim")).await;
    assert!(page.contains("id=\"banner\""));
    assert!(
        page.contains("id=\"request-correction-form\"") && page.contains("id=\"item-id_photo\"")
    );
    // A form from before the claim (another key, old version): a clear conflict.
    let mut stale_form = stale.replace(&hidden(&stale, "idem"), "another-key");
    stale_form = stale_form.replace("id=\"claim-form\"", "id=\"release-form\"");
    let (status, _, conflict) = b.act(&stale_form, &number, "release", &[]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{conflict}");
    assert!(error_summary(&conflict).contains("href=\"#submit-release\""));
    assert_eq!(app.state_of(&token, &number).await, "under_review");
    // No item chosen: explained in place.
    let (status, _, refused) = b
        .act(&page, &number, "request-correction", &[("note", "x")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_summary(&refused).contains("href=\"#items\""));
    assert!(refused.contains(">x</textarea>"), "the note is kept");
    let (status, _, _) = b
        .act(
            &page,
            &number,
            "request-correction",
            &[
                ("item-id_photo", "photo_background"),
                ("item-address", "data_incorrect"),
                ("item-signature", ""),
                ("note", "请换白色背景的照片"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, view) = app
        .get(Some(&token), &format!("/api/v1/applications/{number}"))
        .await;
    assert_eq!(view["state"], "correction_requested");
    let items = view["correction"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{view}");
    assert!(
        items
            .iter()
            .any(|i| i["subject"] == "id_photo" && i["reason"] == "photo_background")
    );
    assert!(
        items
            .iter()
            .any(|i| i["subject"] == "address" && i["reason"] == "data_incorrect")
    );
    assert_eq!(view["correction"]["note"], "请换白色背景的照片");
}

/// Pays through the simulator's hosted page.
async fn pay(app: &TestApp, token: &str, number: &str) {
    let (status, body) = app
        .post(
            Some(token),
            &format!("/api/v1/applications/{number}/payment"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let pay_url = body["pay_url"].as_str().unwrap().to_owned();
    let paid = app.http.post(&pay_url).send().await.unwrap();
    assert!(paid.status().is_success() || paid.status().is_redirection());
    app.eventually("payment recorded", || async {
        app.state_of(token, number).await == "in_production"
    })
    .await;
}

#[tokio::test]
async fn approve_produce_and_dispatch_by_mail_with_a_waybill() {
    let app = TestApp::start().await;
    let (token, number) = app.submitted("passport-expiring", mail()).await;
    let mut reviewer = officer(&app, "reviewer").await;
    let path = format!("/officer/applications/{number}");
    let (_, _, page) = reviewer.get(&path).await;
    reviewer.act(&page, &number, "claim", &[]).await;
    let (_, _, page) = reviewer.get(&path).await;
    let (status, headers, _) = reviewer.act(&page, &number, "approve", &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[LOCATION], format!("{path}?done=approve").as_str());
    assert_eq!(app.state_of(&token, &number).await, "awaiting_payment");
    pay(&app, &token, &number).await;
    // A reviewer sees no production form, on the list or on the application.
    let (_, _, page) = reviewer.get("/officer/production").await;
    assert!(page.contains(&number) && !page.contains(&format!("id=\"produced-{number}\"")));
    let (_, _, page) = reviewer.get(&path).await;
    assert!(!page.contains("id=\"produced-form\""));
    let mut production = officer(&app, "production").await;
    let (_, _, page) = production.get("/officer/production").await;
    assert!(page.contains("id=\"nav-production\"") && !page.contains("id=\"nav-queue\""));
    let at = page
        .find(&format!("id=\"produced-{number}\""))
        .expect("form");
    let form = &page[at..];
    // A number that is not a passport number: explained on the list, nothing recorded.
    let (status, _, refused) = production
        .post(
            &format!("{path}/act/produced"),
            &[
                ("csrf", &hidden(form, "csrf")),
                ("idem", &hidden(form, "idem")),
                ("version", &hidden(form, "version")),
                ("back", "production"),
                ("document_number", "XYZ"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(error_summary(&refused).contains("href=\"#work-production\""));
    assert_eq!(app.state_of(&token, &number).await, "in_production");
    let (status, headers, _) = production
        .post(
            &format!("{path}/act/produced"),
            &[
                ("csrf", &hidden(form, "csrf")),
                ("idem", &hidden(form, "idem")),
                ("version", &hidden(form, "version")),
                ("back", "production"),
                ("document_number", "E12345678"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        headers[LOCATION],
        format!("/officer/production?done=produced&number={number}").as_str()
    );
    assert_eq!(app.state_of(&token, &number).await, "produced");
    let mut clerk = officer(&app, "dispatch").await;
    let (_, _, page) = clerk.get("/officer/dispatch").await;
    let at = page
        .find(&format!("id=\"dispatch-{number}\""))
        .expect("form");
    assert!(!page.contains(&format!("id=\"send-to-hall-{number}\"")));
    let form = &page[at..];
    let (status, headers, _) = clerk
        .post(
            &format!("{path}/act/dispatch"),
            &[
                ("csrf", &hidden(form, "csrf")),
                ("idem", &hidden(form, "idem")),
                ("version", &hidden(form, "version")),
                ("back", "dispatch"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, page) = clerk.get(headers[LOCATION].to_str().unwrap()).await;
    let (_, view) = app
        .get(Some(&token), &format!("/api/v1/applications/{number}"))
        .await;
    let waybill = view["tracking_number"].as_str().unwrap();
    assert!(wangban_core::postal::S10Number::parse(waybill).is_ok());
    let at = page.find("id=\"banner\"").expect("banner");
    assert!(page[at..].contains(waybill), "{page}");
    let (_, _, page) = clerk.get(&path).await;
    assert!(page.contains("id=\"tracking-number\"") && page.contains(waybill));
}

#[tokio::test]
async fn pickup_at_the_hall_after_checking_the_id() {
    let app = TestApp::start().await;
    let (token, number) = app.submitted("hkmo-damaged", pickup()).await;
    let reviewer = app.officer_login("reviewer").await;
    app.officer_act(&reviewer, &number, "claim", json!({}))
        .await;
    let (status, _) = app
        .officer_act(&reviewer, &number, "approve", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    pay(&app, &token, &number).await;
    let production = app.officer_login("production").await;
    let (status, body) = app
        .officer_act(
            &production,
            &number,
            "produced",
            json!({ "document_number": "C12345678" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut clerk = officer(&app, "dispatch").await;
    let (_, _, page) = clerk.get("/officer/dispatch").await;
    assert!(!page.contains(&format!("id=\"dispatch-{number}\"")));
    let at = page
        .find(&format!("id=\"send-to-hall-{number}\""))
        .expect("form");
    let form = &page[at..];
    let (status, _, _) = clerk
        .post(
            &format!("/officer/applications/{number}/act/send-to-hall"),
            &[
                ("csrf", &hidden(form, "csrf")),
                ("idem", &hidden(form, "idem")),
                ("version", &hidden(form, "version")),
                ("back", "dispatch"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(app.state_of(&token, &number).await, "ready_for_pickup");
    let (_, _, page) = clerk.get("/officer/pickup").await;
    let at = page
        .find(&format!("id=\"collected-{number}\""))
        .expect("form");
    let form = page[at..].to_owned();
    let fields = |checked: bool| {
        let mut f = vec![
            ("csrf".to_owned(), hidden(&form, "csrf")),
            ("idem".to_owned(), hidden(&form, "idem")),
            ("version".to_owned(), hidden(&form, "version")),
            ("back".to_owned(), "pickup".to_owned()),
        ];
        if checked {
            f.push(("id_checked".to_owned(), "1".to_owned()));
        }
        f
    };
    let unchecked = fields(false);
    let unchecked: Vec<(&str, &str)> = unchecked
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let (status, _, page) = clerk
        .post(
            &format!("/officer/applications/{number}/act/collected"),
            &unchecked,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        error_summary(&page).contains("href=\"#work-pickup\"")
            && page.contains("id=\"work-pickup\"")
    );
    assert_eq!(app.state_of(&token, &number).await, "ready_for_pickup");
    let checked = fields(true);
    let checked: Vec<(&str, &str)> = checked
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let (status, headers, _) = clerk
        .post(
            &format!("/officer/applications/{number}/act/collected"),
            &checked,
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        headers[LOCATION],
        format!("/officer/pickup?done=collected&number={number}").as_str()
    );
    assert_eq!(app.state_of(&token, &number).await, "collected");
}

#[tokio::test]
async fn the_dashboard_is_for_supervisors_and_shows_breached_deadlines() {
    let app = TestApp::start().await;
    let (_, number) = app.submitted("passport-expiring", mail()).await;
    // Three calendar weeks later the 7-working-day review target is long past.
    app.clock.advance(Duration::days(21));
    let mut reviewer = officer(&app, "reviewer").await;
    let (status, _, page) = reviewer.get("/officer/dashboard").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("id=\"forbidden\""));
    let mut supervisor = officer(&app, "supervisor").await;
    let (status, _, page) = supervisor.get("/officer/dashboard").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("id=\"nav-dashboard\""));
    assert!(page.contains("id=\"review-target-breached\">1<"), "{page}");
    assert!(page.contains("id=\"production-target-total\">0<"));
    assert!(page.contains("id=\"ages\"") && page.contains("<svg"));
    let at = page.find("id=\"review-target-due\"").unwrap();
    assert!(page[at..].contains(&number));
}

#[tokio::test]
async fn officer_pages_render_in_both_languages() {
    let app = TestApp::start().await;
    let (_, number) = app.submitted("passport-expiring", mail()).await;
    let mut b = officer(&app, "supervisor").await;
    for (tag, queue, dashboard) in [
        ("zh-CN", "审核队列", "科长监控面板"),
        ("en", "Review queue", "Supervisor's dashboard"),
    ] {
        b.cookies.insert("wangban_lang".into(), tag.into());
        let (_, _, login) = b.get("/officer/login").await;
        assert!(login.contains(&format!("lang=\"{tag}\"")), "{login}");
        let (status, _, queue_page) = b.get("/officer").await;
        assert_eq!(status, StatusCode::OK);
        assert!(queue_page.contains(queue), "{tag}");
        let (_, _, dash) = b.get("/officer/dashboard").await;
        assert!(dash.contains(&dashboard.replace('\'', "&#39;")) || dash.contains(dashboard));
        let (status, _, case) = b.get(&format!("/officer/applications/{number}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(case.contains("id=\"application-number\""));
        for page in [&login, &queue_page, &dash, &case] {
            assert!(!page.contains("style=\"") && !page.contains("<script"));
        }
    }
}

#[tokio::test]
async fn auditors_read_the_audit_log_by_api_and_page_and_no_one_else_does() {
    let app = TestApp::start().await;
    let (_, number) = app.submitted("passport-expiring", mail()).await;
    let reviewer = app.officer_login("reviewer").await;
    let (status, _) = app
        .get(
            Some(&reviewer),
            &format!("/api/v1/officer/applications/{number}"),
        )
        .await;
    assert_eq!(status, StatusCode::OK); // a look at personal data: audited

    // JSON: reviewers are refused, auditors read records with their hashes.
    let (status, body) = app.get(Some(&reviewer), "/api/v1/audit").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let auditor = app.officer_login("auditor").await;
    let (status, body) = app.get(Some(&auditor), "/api/v1/audit").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["chain"]["intact"], true);
    let records = body["records"].as_array().unwrap();
    assert!(records.len() >= 3, "{body}");
    let checked = body["chain"]["checked"].as_u64().unwrap();
    assert_eq!(records[0]["id"].as_u64(), Some(checked), "newest first");
    assert_eq!(records[0]["hash"], body["chain"]["last_hash"]);
    assert_eq!(records[1]["hash"], records[0]["prev_hash"]);
    // Filters: one application; one officer; pages follow `next_before`.
    let (_, mine) = app
        .get(
            Some(&auditor),
            &format!("/api/v1/audit?application={number}"),
        )
        .await;
    let mine = mine["records"].as_array().unwrap().clone();
    assert!(!mine.is_empty());
    assert!(mine.iter().all(|r| r["application"] == number.as_str()));
    assert!(
        mine.iter().any(|r| r["actor_kind"] == "officer"),
        "{mine:?}"
    );
    let (_, by_reviewer) = app
        .get(Some(&auditor), "/api/v1/audit?officer=reviewer")
        .await;
    let by_reviewer = by_reviewer["records"].as_array().unwrap().clone();
    assert!(!by_reviewer.is_empty());
    assert!(by_reviewer.iter().all(|r| r["actor_kind"] == "officer"));
    let (_, first) = app.get(Some(&auditor), "/api/v1/audit?limit=2").await;
    let before = first["next_before"].as_i64().expect("a next page");
    let (_, second) = app
        .get(
            Some(&auditor),
            &format!("/api/v1/audit?limit=2&before={before}"),
        )
        .await;
    assert_eq!(second["records"][0]["id"].as_i64(), Some(before - 1));
    let (status, _) = app.get(Some(&auditor), "/api/v1/audit?limit=0").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, doc) = app.get(None, "/api/v1/openapi.json").await;
    assert!(doc["paths"]["/api/v1/audit"]["get"].is_object());

    // Pages: the reviewer gets the 403 page and no link; the auditor the table and banner.
    let mut b = officer(&app, "reviewer").await;
    let (status, _, page) = b.get("/officer/audit").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("id=\"forbidden\"") && !page.contains("id=\"nav-audit\""));
    let mut b = officer(&app, "auditor").await;
    let (status, _, page) = b.get(&format!("/officer/audit?application={number}")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("id=\"nav-audit\"") && page.contains("aria-current=\"page\""));
    assert!(page.contains("data-intact=\"true\""), "{page}");
    assert!(page.contains("<th scope=\"col\">") && page.contains(&number));
    let (_, _, page) = b.get("/officer/audit?officer=nobody").await;
    assert!(page.contains("id=\"audit-empty\"") && page.contains("error-summary"));
}

/// The cells of the table row with id `row_id` (its `<th>` and `<td>`s), tags stripped.
fn row_cells(page: &str, row_id: &str) -> Vec<String> {
    let at = page
        .find(&format!("id=\"{row_id}\""))
        .unwrap_or_else(|| panic!("no row {row_id} in {page}"));
    let row = &page[at..at + page[at..].find("</tr>").unwrap()];
    let mut cells = vec![];
    let mut rest = row;
    while let Some(open) = rest.find(['<']) {
        let tag_end = open + rest[open..].find('>').unwrap();
        let tag = &rest[open + 1..tag_end];
        rest = &rest[tag_end + 1..];
        if tag.starts_with("td") || tag.starts_with("th") {
            let close = rest.find("</t").unwrap();
            let mut text = String::new();
            let mut inside = false;
            for c in rest[..close].chars() {
                match c {
                    '<' => inside = true,
                    '>' => inside = false,
                    c if !inside => text.push(c),
                    _ => {}
                }
            }
            cells.push(text.trim().to_owned());
            rest = &rest[close..];
        }
    }
    cells
}

/// Parses CSV as RFC 4180 writes it (written here apart from the server's writer, so that a
/// bug in one is not repeated in the other): records end with CRLF, quoted fields may hold
/// commas, quotes (doubled) and line breaks.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = vec![];
    let mut record = vec![];
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {
                assert_eq!(chars.next(), Some('\n'), "a bare CR ends no record");
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, '\n') => panic!("a record must end with CRLF: {text:?}"),
            (false, c) => field.push(c),
        }
    }
    assert!(
        field.is_empty() && record.is_empty(),
        "the last record lacks its CRLF"
    );
    records
}

fn catalogue(keys: &[&'static str], locale: wangban_core::i18n::Locale) -> Vec<String> {
    keys.iter()
        .map(|k| wangban_core::i18n::Message::new(k).render(locale))
        .collect()
}

#[tokio::test]
async fn the_dashboard_counts_each_officers_steps_in_the_chosen_window() {
    let app = TestApp::start().await;
    let (_, a) = app.submitted("passport-expiring", mail()).await;
    let (_, b) = app.submitted("passport-damaged", mail()).await;
    let (_, c) = app.submitted("hkmo-expiring", pickup()).await;
    let reviewer = app.officer_login("reviewer").await;
    let reviewer2 = app.officer_login("reviewer2").await;
    let correction = json!({ "items": [{ "subject": "id_photo", "reason": "photo_background" }] });
    // reviewer claims A and approves it, claims B and asks for a correction; reviewer2 claims
    // C and asks for a correction.
    for (token, number, step, body) in [
        (&reviewer, &a, "claim", json!({})),
        (&reviewer, &a, "approve", json!({})),
        (&reviewer, &b, "claim", json!({})),
        (&reviewer, &b, "request-correction", correction.clone()),
        (&reviewer2, &c, "claim", json!({})),
        (&reviewer2, &c, "request-correction", correction),
    ] {
        let (status, body) = app.officer_act(token, number, step, body).await;
        assert_eq!(status, StatusCode::OK, "{step} {number}: {body}");
    }
    let mut supervisor = officer(&app, "supervisor").await;
    supervisor
        .cookies
        .insert("wangban_lang".into(), "en".into());
    let (status, _, page) = supervisor.get("/officer/dashboard").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("id=\"throughput-heading\""), "{page}");
    // Columns: officer, role, claimed, released, corrections requested, approved, rejected,
    // produced, mailed, sent to the hall, handed over, total.
    let na = "n/a";
    let cells = row_cells(&page, "throughput-reviewer");
    assert_eq!(
        cells[1..],
        ["Reviewer", "2", "0", "1", "1", "0", na, na, na, na, "4"],
        "{cells:?}"
    );
    let cells = row_cells(&page, "throughput-reviewer2");
    assert_eq!(
        cells[1..],
        ["Reviewer", "1", "0", "1", "0", "0", na, na, na, na, "2"],
        "{cells:?}"
    );
    // The supervisor may only release; production and dispatch took no step yet.
    let cells = row_cells(&page, "throughput-supervisor");
    assert_eq!(
        cells[2..],
        [na, "0", na, na, na, na, na, na, na, "0"],
        "{cells:?}"
    );
    let cells = row_cells(&page, "throughput-production");
    assert_eq!(
        cells[2..],
        [na, na, na, na, na, "0", na, na, na, "0"],
        "{cells:?}"
    );
    assert!(
        !page.contains("id=\"throughput-auditor\""),
        "administrators take no steps"
    );
    // The API says the same.
    let token = app.officer_login("supervisor").await;
    let (status, api) = app.get(Some(&token), "/api/v1/officer/dashboard").await;
    assert_eq!(status, StatusCode::OK, "{api}");
    assert_eq!(api["window"]["code"], "7d");
    assert_eq!(api["window"]["first_day"], "2026-02-25");
    assert_eq!(api["window"]["last_day"], "2026-03-03");
    let row = |api: &serde_json::Value, user: &str| {
        api["throughput"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["username"] == user)
            .cloned()
            .unwrap()
    };
    assert_eq!(
        row(&api, "reviewer")["counts"],
        json!({ "claim": 2, "release": 0, "request_correction": 1, "approve": 1, "reject": 0 })
    );
    assert_eq!(row(&api, "reviewer2")["total"], 2);
    let work = api["work"].as_array().unwrap();
    assert_eq!(work.len(), 3, "{work:?}");
    assert!(work.iter().all(|w| w.get("applicant_name").is_none()));
    // Eight days later the last 7 days hold none of it; the last 30 days all of it.
    app.clock.advance(Duration::days(8));
    let (_, _, page) = supervisor.get("/officer/dashboard").await;
    assert_eq!(row_cells(&page, "throughput-reviewer").last().unwrap(), "0");
    let (_, _, page) = supervisor.get("/officer/dashboard?window=30d").await;
    assert_eq!(row_cells(&page, "throughput-reviewer").last().unwrap(), "4");
    assert!(page.contains("<option value=\"30d\" selected>"), "{page}");
    // The throughput download takes the window shown.
    assert!(
        page.contains("window=30d\" id=\"export-throughput\""),
        "{page}"
    );
    let (_, _, page) = supervisor.get("/officer/dashboard?window=today").await;
    assert_eq!(row_cells(&page, "throughput-reviewer").last().unwrap(), "0");
    // A window that is not one of the three: the page with the error in place, not a 500.
    let (status, _, page) = supervisor.get("/officer/dashboard?window=1y").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error_summary(&page).contains("href=\"#window\""), "{page}");
    assert!(page.contains("id=\"window\""));
    let (status, body) = app
        .get(Some(&token), "/api/v1/officer/dashboard?window=1y")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "api-bad-query");
    // Reviewers are refused the API as they are the page.
    let (status, _) = app.get(Some(&reviewer), "/api/v1/officer/dashboard").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_dashboard_exports_csv_for_supervisors_only_and_audits_each_download() {
    use wangban_core::i18n::Locale;
    let app = TestApp::start().await;
    let (_, number) = app.submitted("passport-expiring", mail()).await;
    // An officer account whose name a spreadsheet would take for a formula, with a comma and
    // quotes: it must come back as the same text.
    app.state()
        .store
        .create_officer(
            &wangban_store::NewOfficer {
                username: "=wang,\"li\"".into(),
                display_name: "王丽".into(),
                password_hash: "x".into(),
                totp_secret: "x".into(),
                role: "reviewer".into(),
            },
            app.clock.now(),
        )
        .await
        .unwrap();
    // Three calendar weeks later the review deadline is past.
    app.clock.advance(Duration::days(21));
    // Not logged in: to the login page; a reviewer: the same refusal as the page's.
    let mut anonymous = Browser::new(&app);
    let (status, headers, _) = anonymous.get("/officer/dashboard.csv").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[LOCATION], "/officer/login");
    let mut reviewer = officer(&app, "reviewer").await;
    let (status, headers, page) = reviewer.get("/officer/dashboard.csv").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(page.contains("id=\"forbidden\""));
    let mut supervisor = officer(&app, "supervisor").await;
    let (_, _, dash) = supervisor.get("/officer/dashboard").await;
    assert!(
        dash.contains("href=\"/officer/dashboard.csv?table=queue\""),
        "{dash}"
    );
    let queue_head = [
        "office-col-number",
        "office-col-state",
        "office-col-kind",
        "office-col-district",
        "office-csv-age",
        "office-csv-due-date",
        "office-csv-days-left",
        "office-csv-breached",
    ];
    for (tag, locale) in [("zh-CN", Locale::ZhCn), ("en", Locale::En)] {
        supervisor.cookies.insert("wangban_lang".into(), tag.into());
        let (status, headers, body) = supervisor.get("/officer/dashboard.csv?table=queue").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
        assert_eq!(
            headers["content-disposition"],
            "attachment; filename=\"wangban-queue-2026-03-24.csv\""
        );
        let text = body.strip_prefix('\u{feff}').expect("a UTF-8 BOM first");
        let records = parse_csv(text);
        assert_eq!(records[0], catalogue(&queue_head, locale), "{tag}");
        assert_eq!(records.len(), 2, "{records:?}");
        let r = &records[1];
        assert_eq!(r[0], number);
        assert_eq!(r[1], catalogue(&["app-state-submitted"], locale)[0]);
        assert_eq!(r[3], "310104");
        assert!(r[4].parse::<i64>().unwrap() >= 14, "{r:?}");
        assert!(r[5].starts_with("2026-03-"), "{r:?}");
        assert!(r[6].parse::<i64>().unwrap() < 0, "{r:?}");
        assert_eq!(r[7], catalogue(&["office-csv-yes"], locale)[0]);
        // No personal data: the demo citizen's name, ID number and phone are nowhere.
        for secret in ["陈静怡", "310104199103150226", "13800000001"] {
            assert!(!body.contains(secret), "{secret} in {body}");
        }
    }
    // The throughput table: the odd account name comes back whole; no display names.
    let (status, headers, body) = supervisor
        .get("/officer/dashboard.csv?table=throughput&window=30d")
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"wangban-throughput-30d-2026-03-24.csv\""
    );
    let records = parse_csv(body.strip_prefix('\u{feff}').unwrap());
    assert_eq!(
        records[0][..4],
        catalogue(
            &[
                "office-csv-first-day",
                "office-csv-last-day",
                "office-csv-account",
                "office-csv-role",
            ],
            Locale::En
        )
    );
    assert_eq!(records[0].len(), 4 + 9 + 1);
    assert!(records.iter().all(|r| r.len() == records[0].len()));
    let odd = records
        .iter()
        .find(|r| r[2].contains("wang"))
        .expect("the account with a comma");
    assert_eq!(
        odd[2], "'=wang,\"li\"",
        "quoted, quotes doubled, formula neutralised"
    );
    assert_eq!(
        (odd[0].as_str(), odd[1].as_str()),
        ("2026-02-23", "2026-03-24")
    );
    assert!(
        !body.contains("王丽") && !body.contains("李明"),
        "no display names"
    );
    // Each download is in the audit log, as the supervisor's, with what was taken.
    let supervisor_id = app
        .state()
        .store
        .officer_by_username("supervisor")
        .await
        .unwrap()
        .unwrap()
        .id;
    let exports: Vec<serde_json::Value> = app
        .state()
        .store
        .audit_log(None)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.action == "dashboard.export")
        .inspect(|r| assert_eq!(r.actor_id, Some(supervisor_id.0)))
        .map(|r| serde_json::from_str(&r.detail).unwrap())
        .collect();
    assert_eq!(exports.len(), 3, "{exports:?}");
    assert_eq!(
        exports[2],
        json!({ "format": "csv", "table": "throughput", "window": "30d", "rows": records.len() - 1 })
    );
    assert_eq!(exports[0]["table"], "queue");
    assert_eq!(exports[0]["rows"], 1);
    // A table or window that does not exist: the dashboard with the error, no file, no audit.
    let (status, headers, page) = supervisor.get("/officer/dashboard.csv?table=people").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(error_summary(&page).contains("href=\"#exports\""), "{page}");
    let (status, _, page) = supervisor
        .get("/officer/dashboard.csv?table=throughput&window=week")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error_summary(&page).contains("href=\"#window\""), "{page}");
    let after = app.state().store.audit_log(None).await.unwrap();
    assert_eq!(
        after
            .iter()
            .filter(|r| r.action == "dashboard.export")
            .count(),
        3
    );
}
