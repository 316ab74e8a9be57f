//! The applicant's application pages over plain HTTP: task list, form, uploads, delivery, check
//! your answers, submit, status, correction, payment, tracking.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::json;
use wangban_gateways::registry::demo_citizen;

use crate::forms::{Browser, hidden, location};
use crate::{GREY_BACKGROUND_PHOTO, OTHER_GOOD_PHOTO, TestApp, good_file, pickup};

const SLOTS: [&str; 4] = ["id_photo", "signature", "id_card_front", "id_card_back"];

impl Browser {
    /// Opens a session from an API token (the cookie carries the same token) and gets the
    /// CSRF token of a page.
    async fn adopt(&mut self, token: &str) -> String {
        self.cookies
            .insert("wangban_session".into(), token.to_owned());
        let (_, _, page) = self.get("/applications").await;
        hidden(&page, "csrf")
    }
}

/// A login code sent to `phone` other than `previous`.
async fn wait_for_login_code(app: &TestApp, phone: &str, previous: Option<String>) -> String {
    let number = wangban_core::phone::MobileNumber::parse(phone).unwrap();
    for _ in 0..250 {
        if let Some(code) = app.state().sims.sms.last_login_code(&number)
            && Some(&code) != previous.as_ref()
        {
            return code;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("no login code was sent to {phone}");
}

/// Logs in by the pages (phone and code); returns the CSRF token.
async fn login(app: &TestApp, b: &mut Browser, phone: &str) -> String {
    let (_, _, page) = b.get("/login").await;
    let csrf = hidden(&page, "csrf");
    let number = wangban_core::phone::MobileNumber::parse(phone).unwrap();
    let previous = app.state().sims.sms.last_login_code(&number);
    let (status, _, _) = b.post("/login", &[("csrf", &csrf), ("phone", phone)]).await;
    assert_eq!(status, StatusCode::OK);
    let code = wait_for_login_code(app, phone, previous).await;
    let (status, _, _) = b
        .post(
            "/login/code",
            &[("csrf", &csrf), ("phone", phone), ("code", &code)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    csrf
}

/// Logs a demo citizen in by the pages, passes identity and starts an application from the
/// eligibility result; returns the CSRF token and the application number.
async fn start_by_pages(app: &TestApp, b: &mut Browser, key: &str) -> (String, String) {
    let c = demo_citizen(key).unwrap();
    let csrf = login(app, b, c.phone.as_str()).await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .text("name", c.name.as_str().to_owned())
        .text("id_number", c.id_number.as_str().to_owned())
        .part(
            "capture",
            reqwest::multipart::Part::bytes(crate::capture()).file_name("me.jpg"),
        );
    let r = b
        .http
        .post(b.url("/identity"))
        .header("cookie", b.cookie_header())
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // Passing renews the session cookie.
    b.keep(r.headers());
    let (_, _, page) = b
        .get(&format!(
            "/eligibility?kind={}&reason={}",
            c.request.kind.code(),
            c.request.reason.code()
        ))
        .await;
    assert!(page.contains("id=\"start-form\""), "{page}");
    let key = hidden(&page, "idempotency_key");
    let form = [
        ("csrf", csrf.as_str()),
        ("kind", c.request.kind.code()),
        ("reason", c.request.reason.code()),
        ("idempotency_key", key.as_str()),
    ];
    let (status, headers, _) = b.post("/applications/new", &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let to = location(&headers);
    // The same form sent twice (a double click) makes one application.
    let (_, again, _) = b.post("/applications/new", &form).await;
    assert_eq!(location(&again), to);
    let number = to.trim_start_matches("/applications/").to_owned();
    (csrf, number)
}

async fn upload_all(b: &mut Browser, csrf: &str, number: &str) {
    for slot in SLOTS {
        let (status, headers, page) = b
            .upload(
                &format!("/applications/{number}/files/{slot}"),
                csrf,
                good_file(slot),
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{slot}: {page}");
        assert!(location(&headers).contains(&format!("/files/{slot}")));
    }
}

/// Fills everything and submits through the pages; returns the confirmation page.
async fn complete_and_submit(b: &mut Browser, csrf: &str, number: &str) -> String {
    upload_all(b, csrf, number).await;
    let (status, _, _) = b
        .post(
            &format!("/applications/{number}/delivery"),
            &[("csrf", csrf), ("method", "pickup")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, page) = b.get(&format!("/applications/{number}/check")).await;
    let key = hidden(&page, "idempotency_key");
    let (status, headers, page) = b
        .post(
            &format!("/applications/{number}/submit"),
            &[("csrf", csrf), ("idempotency_key", &key)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert_eq!(
        location(&headers),
        format!("/applications/{number}/confirmation")
    );
    let (status, _, page) = b.get(&location(&headers)).await;
    assert_eq!(status, StatusCode::OK);
    page
}

#[tokio::test]
async fn the_whole_journey_by_forms_from_login_to_submission() {
    let app = TestApp::start().await;
    let mut b = Browser::new(&app);
    let (csrf, number) = start_by_pages(&app, &mut b, "passport-expiring").await;
    // The task list: four files not started, the details prefilled from the registry.
    let (status, _, page) = b.get(&format!("/applications/{number}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("id=\"task-list\""), "{page}");
    for slot in SLOTS {
        assert!(
            page.contains(&format!("id=\"status-{slot}\">未开始")),
            "{slot}: {page}"
        );
    }
    assert!(page.contains("id=\"status-details\">已完成"), "{page}");
    assert!(page.contains("id=\"status-check\">暂不能开始"), "{page}");
    assert!(page.contains("src=\"/static/session.js\""));
    assert!(page.contains("data-expires=\"") && page.contains("data-remaining-seconds=\""));
    // The applications page links to it.
    let (_, _, list) = b.get("/applications").await;
    assert!(list.contains(&format!("href=\"/applications/{number}\"")));
    // Details.
    let (status, headers, _) = b
        .post(
            &format!("/applications/{number}/details"),
            &[
                ("csrf", &csrf),
                ("pinyin_surname", "chen"),
                ("pinyin_given", "jingyi"),
                ("contact_phone", "13800000009"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), format!("/applications/{number}"));
    // One upload page: the checks, the images through the page route.
    upload_all(&mut b, &csrf, &number).await;
    let (_, _, page) = b
        .get(&format!("/applications/{number}/files/id_photo"))
        .await;
    assert!(page.contains("id=\"check-results\""), "{page}");
    assert!(page.contains("id=\"upload-status\">检测通过"), "{page}");
    assert!(page.contains("id=\"normalised-image\""), "{page}");
    let img = b
        .http
        .get(b.url(&format!(
            "/applications/{number}/files/id_photo/image?variant=normalised"
        )))
        .header("cookie", b.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(img.status(), StatusCode::OK);
    assert!(
        img.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("image/")
    );
    // Delivery by post.
    let (status, _, _) = b
        .post(
            &format!("/applications/{number}/delivery"),
            &[
                ("csrf", &csrf),
                ("method", "mail"),
                ("recipient", "陈静怡"),
                ("address_phone", "13800000001"),
                ("province", "上海市"),
                ("city", "上海市"),
                ("district", "徐汇区"),
                ("street", "漕溪北路88号"),
                ("postcode", "200030"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // Check your answers: every answer with a Change link.
    let (_, _, page) = b.get(&format!("/applications/{number}/check")).await;
    assert!(page.contains("CHEN JINGYI"), "{page}");
    assert!(page.contains("漕溪北路88号"), "{page}");
    for id in ["pinyin", "delivery", "id_photo", "contact_phone"] {
        assert!(page.contains(&format!("id=\"change-{id}\"")), "{id}");
    }
    let key = hidden(&page, "idempotency_key");
    let form = [("csrf", csrf.as_str()), ("idempotency_key", key.as_str())];
    let (status, headers, _) = b
        .post(&format!("/applications/{number}/submit"), &form)
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // A retry of the same form gets the same answer.
    let (status, again, _) = b
        .post(&format!("/applications/{number}/submit"), &form)
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&again), location(&headers));
    let (_, _, page) = b.get(&location(&headers)).await;
    assert!(
        page.contains(&format!("id=\"application-number\">{number}<")),
        "{page}"
    );
    // The same address is now the status page.
    let (_, _, page) = b.get(&format!("/applications/{number}")).await;
    assert!(page.contains("id=\"status\">待审核"), "{page}");
    assert!(page.contains("id=\"timeline\""), "{page}");
    assert!(page.contains("id=\"clocks\""), "{page}");
    // After submission the form pages send you to the status page.
    let (status, headers, _) = b.get(&format!("/applications/{number}/details")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), format!("/applications/{number}"));
}

#[tokio::test]
async fn a_failed_upload_shows_why_and_blocks_submission_until_an_officer_is_asked() {
    let app = TestApp::start().await;
    let mut b = Browser::new(&app);
    let (csrf, number) = start_by_pages(&app, &mut b, "passport-damaged").await;
    upload_all(&mut b, &csrf, &number).await;
    b.post(
        &format!("/applications/{number}/delivery"),
        &[("csrf", &csrf), ("method", "pickup")],
    )
    .await;
    let path = format!("/applications/{number}/files/id_photo");
    let (status, _, _) = b.upload(&path, &csrf, GREY_BACKGROUND_PHOTO.to_vec()).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, page) = b.get(&path).await;
    assert!(page.contains("id=\"upload-status\">需要重新拍摄"), "{page}");
    assert!(page.contains("id=\"retake-guidance\""), "{page}");
    assert!(page.contains("id=\"overlay-image\""), "{page}");
    // Failed checks come first.
    let first_fail = page.find("tag-verdict-fail").expect("a failed check");
    if let Some(first_pass) = page.find("tag-verdict-pass") {
        assert!(first_fail < first_pass, "failed checks first");
    }
    let (_, _, tasks) = b.get(&format!("/applications/{number}")).await;
    assert!(
        tasks.contains("id=\"status-id_photo\">需要重新拍摄"),
        "{tasks}"
    );
    // Submitting is refused, the file named and linked.
    let (_, _, check) = b.get(&format!("/applications/{number}/check")).await;
    let key = hidden(&check, "idempotency_key");
    let (status, _, page) = b
        .post(
            &format!("/applications/{number}/submit"),
            &[("csrf", &csrf), ("idempotency_key", &key)],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("href=\"#row-id_photo\""), "{page}");
    // An empty explanation is refused in place.
    let judge = format!("{path}/judgement");
    let (status, _, page) = b
        .post(&judge, &[("csrf", &csrf), ("explanation", "  ")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("href=\"#explanation\""), "{page}");
    let (status, _, _) = b
        .post(
            &judge,
            &[("csrf", &csrf), ("explanation", "背景是白墙，灯光偏暗")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, page) = b.get(&path).await;
    assert!(page.contains("id=\"judgement-requested\""), "{page}");
    assert!(page.contains("背景是白墙"), "{page}");
    let (_, _, tasks) = b.get(&format!("/applications/{number}")).await;
    assert!(
        tasks.contains("id=\"status-id_photo\">等待民警判断"),
        "{tasks}"
    );
    let (_, _, check) = b.get(&format!("/applications/{number}/check")).await;
    let key = hidden(&check, "idempotency_key");
    let (status, _, page) = b
        .post(
            &format!("/applications/{number}/submit"),
            &[("csrf", &csrf), ("idempotency_key", &key)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    // A file that is not an image: explained on the page, nothing stored.
    let (mut b2, number2) = (Browser::new(&app), number.clone());
    let _ = number2;
    let (csrf2, n2) = start_by_pages(&app, &mut b2, "hkmo-expiring").await;
    let (status, _, page) = b2
        .upload(
            &format!("/applications/{n2}/files/signature"),
            &csrf2,
            b"<html>not a picture</html>".to_vec(),
        )
        .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{page}");
    assert!(page.contains("href=\"#file\""), "{page}");
    let (_, _, tasks) = b2.get(&format!("/applications/{n2}")).await;
    assert!(tasks.contains("id=\"status-signature\">未开始"), "{tasks}");
}

#[tokio::test]
async fn form_errors_are_shown_in_place_with_the_input_kept() {
    let app = TestApp::start().await;
    let mut b = Browser::new(&app);
    let (csrf, number) = start_by_pages(&app, &mut b, "passport-expiring").await;
    let (status, _, page) = b
        .post(
            &format!("/applications/{number}/details"),
            &[
                ("csrf", &csrf),
                ("pinyin_surname", "陈"),
                ("pinyin_given", "jingyi"),
                ("contact_phone", "12345"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("error-summary"), "{page}");
    assert!(page.contains("href=\"#pinyin_surname\""), "{page}");
    assert!(page.contains("href=\"#contact_phone\""), "{page}");
    assert!(page.contains("value=\"陈\"") && page.contains("value=\"12345\""));
    // Nothing was saved.
    let (_, _, page) = b.get(&format!("/applications/{number}/details")).await;
    assert!(!page.contains("value=\"12345\""), "{page}");
    // Delivery: no choice, then an address without a street.
    let path = format!("/applications/{number}/delivery");
    let (status, _, page) = b.post(&path, &[("csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("href=\"#method-mail\""), "{page}");
    let (status, _, page) = b
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("method", "mail"),
                ("recipient", "陈静怡"),
                ("address_phone", "13800000001"),
                ("province", "上海市"),
                ("city", "上海市"),
                ("district", "徐汇区"),
                ("street", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("href=\"#street\""), "{page}");
    assert!(page.contains("value=\"陈静怡\""), "{page}");
    assert!(page.contains("value=\"mail\" checked"), "{page}");
    // English.
    b.get("/lang/en?next=/").await;
    let (_, _, page) = b
        .post(
            &format!("/applications/{number}/details"),
            &[
                ("csrf", &csrf),
                ("pinyin_surname", ""),
                ("pinyin_given", ""),
            ],
        )
        .await;
    assert!(
        page.contains("Enter your surname in pinyin") && page.contains("lang=\"en\""),
        "{page}"
    );
}

#[tokio::test]
async fn leaving_and_coming_back_loses_nothing() {
    let app = TestApp::start().await;
    let mut b = Browser::new(&app);
    let c = demo_citizen("passport-expiring").unwrap();
    let (csrf, number) = start_by_pages(&app, &mut b, "passport-expiring").await;
    b.post(
        &format!("/applications/{number}/details"),
        &[
            ("csrf", &csrf),
            ("pinyin_surname", "chen"),
            ("pinyin_given", "jing yi"),
            ("contact_phone", "13800000009"),
        ],
    )
    .await;
    b.upload(
        &format!("/applications/{number}/files/id_photo"),
        &csrf,
        good_file("id_photo"),
    )
    .await;
    let (status, _, _) = b.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, headers, _) = b.get(&format!("/applications/{number}")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), "/login");
    login(&app, &mut b, c.phone.as_str()).await;
    let (_, _, page) = b.get(&format!("/applications/{number}")).await;
    assert!(page.contains("id=\"status-id_photo\">检测通过"), "{page}");
    assert!(page.contains("id=\"status-signature\">未开始"), "{page}");
    let (_, _, page) = b.get(&format!("/applications/{number}/details")).await;
    assert!(
        page.contains("value=\"JING YI\"") && page.contains("value=\"13800000009\""),
        "{page}"
    );
    let (_, _, page) = b
        .get(&format!("/applications/{number}/files/id_photo"))
        .await;
    assert!(page.contains("id=\"check-results\""), "{page}");
}

async fn approve(app: &TestApp, number: &str) -> String {
    let reviewer = app.officer_login("reviewer").await;
    let (status, body) = app.officer_act(&reviewer, number, "claim", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app
        .officer_act(&reviewer, number, "approve", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    reviewer
}

#[tokio::test]
async fn after_approval_the_status_page_asks_for_payment_and_shows_it_paid() {
    let app = TestApp::start().await;
    let mut b = Browser::new(&app);
    let (csrf, number) = start_by_pages(&app, &mut b, "passport-expiring").await;
    complete_and_submit(&mut b, &csrf, &number).await;
    approve(&app, &number).await;
    let (_, _, page) = b.get(&format!("/applications/{number}")).await;
    assert!(page.contains("id=\"status\">待缴费"), "{page}");
    assert!(page.contains("id=\"pay-by\">请于"), "{page}");
    assert!(page.contains("id=\"fee\">"), "{page}");
    assert!(page.contains("元</strong>"), "{page}");
    let key = hidden(&page, "idempotency_key");
    let (status, headers, _) = b
        .post(
            &format!("/applications/{number}/payment"),
            &[("csrf", &csrf), ("idempotency_key", &key)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let pay_url = location(&headers);
    assert!(pay_url.contains("/sim/pay/"), "{pay_url}");
    let (status, _, _) = b.get(&pay_url).await;
    assert_eq!(status, StatusCode::OK);
    let (status, headers, _) = b.post(&pay_url, &[]).await;
    assert!(status.is_redirection(), "{status}");
    let back = location(&headers);
    assert!(back.ends_with(&format!("/applications/{number}")), "{back}");
    let mut page = String::new();
    for _ in 0..250 {
        page = b.get(&back).await.2;
        if page.contains("id=\"payment-paid\"") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(page.contains("id=\"payment-paid\""), "{page}");
    assert!(!page.contains("id=\"start-payment\""), "{page}");
    // In English the amount is written the English way.
    b.get("/lang/en?next=/").await;
    let (_, _, page) = b.get(&back).await;
    assert!(page.contains("Paid: ¥"), "{page}");
    // Made, then sent to the hall: the page says where to collect it.
    produce(&app, &number).await;
    let clerk = app.officer_login("dispatch").await;
    let (status, body) = app
        .officer_act(&clerk, &number, "send-to-hall", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, _, page) = b.get(&back).await;
    assert!(page.contains("id=\"pickup-hall\""), "{page}");
    assert!(page.contains("Your document is ready to collect"), "{page}");
}

/// Waits until the production centre has made the document (moving the clock on).
async fn produce(app: &TestApp, number: &str) {
    let store = &app.state().store;
    app.advance_until("document produced", Duration::seconds(20), || async {
        store
            .application_by_number(number)
            .await
            .unwrap()
            .is_some_and(|a| a.state == "produced")
    })
    .await;
}

#[tokio::test]
async fn a_dispatched_document_shows_its_tracking_number() {
    let app = TestApp::start().await;
    let (token, number) = app.submitted("passport-damaged", crate::mail()).await;
    approve(&app, &number).await;
    let mut b = Browser::new(&app);
    let csrf = b.adopt(&token).await;
    let (_, _, page) = b.get(&format!("/applications/{number}")).await;
    let key = hidden(&page, "idempotency_key");
    let (_, headers, _) = b
        .post(
            &format!("/applications/{number}/payment"),
            &[("csrf", &csrf), ("idempotency_key", &key)],
        )
        .await;
    let pay_url = location(&headers);
    b.post(&pay_url, &[]).await;
    let store = &app.state().store;
    app.eventually("paid", || async {
        store
            .application_by_number(&number)
            .await
            .unwrap()
            .is_some_and(|a| a.state == "in_production")
    })
    .await;
    produce(&app, &number).await;
    let clerk = app.officer_login("dispatch").await;
    let (status, body) = app
        .officer_act(&clerk, &number, "dispatch", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let tracking = body["tracking_number"].as_str().unwrap().to_owned();
    let (_, _, page) = b.get(&format!("/applications/{number}")).await;
    assert!(
        page.contains(&format!("id=\"tracking-number\">{tracking}<")),
        "{page}"
    );
    assert!(page.contains("id=\"status\">"), "{page}");
}

#[tokio::test]
async fn a_correction_is_listed_fixed_and_sent_by_pages() {
    let app = TestApp::start().await;
    let (token, number) = app.submitted("passport-expiring", pickup()).await;
    let mut b = Browser::new(&app);
    let csrf = b.adopt(&token).await;
    let reviewer = app.officer_login("reviewer").await;
    app.officer_act(&reviewer, &number, "claim", json!({}))
        .await;
    let (status, body) = app
        .officer_act(
            &reviewer,
            &number,
            "request-correction",
            json!({ "items": [{ "subject": "id_photo", "reason": "photo_background" }], "note": "请在白色背景前重新拍摄" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, _, page) = b.get(&format!("/applications/{number}")).await;
    assert!(page.contains("id=\"correction\""), "{page}");
    assert!(page.contains("请在白色背景前重新拍摄"), "{page}");
    assert!(
        page.contains(&format!(
            "href=\"/applications/{number}/files/id_photo\" id=\"fix-id_photo\""
        )),
        "{page}"
    );
    // Sending without a new photo: refused, the file linked.
    let (status, _, page) = b
        .post(
            &format!("/applications/{number}/correction"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("href=\"#fix-id_photo\""), "{page}");
    let (_, _, page) = b
        .get(&format!("/applications/{number}/files/id_photo"))
        .await;
    assert!(page.contains("id=\"upload-status\">需要重新拍摄"), "{page}");
    app.clock.advance(Duration::hours(3));
    let (status, _, _) = b
        .upload(
            &format!("/applications/{number}/files/id_photo"),
            &csrf,
            OTHER_GOOD_PHOTO.to_vec(),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, _) = b
        .post(
            &format!("/applications/{number}/correction"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, page) = b.get(&format!("/applications/{number}")).await;
    assert!(page.contains("id=\"status\">待审核"), "{page}");
    assert!(!page.contains("id=\"correction\""), "{page}");
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused_and_others_applications_do_not_exist() {
    let app = TestApp::start().await;
    let mut b = Browser::new(&app);
    let (csrf, number) = start_by_pages(&app, &mut b, "passport-expiring").await;
    let (status, _, _) = b
        .post(
            "/applications/new",
            &[("kind", "passport"), ("reason", "expiring_soon")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = b
        .post(
            &format!("/applications/{number}/details"),
            &[
                ("csrf", "forged"),
                ("pinyin_surname", "X"),
                ("pinyin_given", "Y"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = b
        .upload(
            &format!("/applications/{number}/files/id_photo"),
            "",
            good_file("id_photo"),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = b.post(&format!("/applications/{number}/submit"), &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = b.post("/session/extend", &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Nothing changed.
    let (_, _, page) = b.get(&format!("/applications/{number}")).await;
    assert!(page.contains("id=\"status-id_photo\">未开始"), "{page}");
    // Another applicant: every page of this application is "not found".
    let mut other = Browser::new(&app);
    let token = app.citizen_login("hkmo-expiring").await;
    let other_csrf = other.adopt(&token).await;
    for path in [
        format!("/applications/{number}"),
        format!("/applications/{number}/details"),
        format!("/applications/{number}/files/id_photo"),
        format!("/applications/{number}/check"),
    ] {
        let (status, _, _) = other.get(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _, _) = other
        .post(
            &format!("/applications/{number}/withdraw"),
            &[("csrf", &other_csrf)],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The owner may withdraw the draft; the page then says so and offers nothing more.
    let (_, _, page) = b.get(&format!("/applications/{number}")).await;
    assert!(page.contains("id=\"withdraw-form\""), "{page}");
    let (status, _, _) = b
        .post(
            &format!("/applications/{number}/withdraw"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, page) = b.get(&format!("/applications/{number}")).await;
    assert!(page.contains("id=\"status-words\">此申请已撤回"), "{page}");
    assert!(!page.contains("id=\"withdraw-form\""), "{page}");
}

#[tokio::test]
async fn both_languages_render_and_the_session_can_be_extended() {
    let app = TestApp::start().await;
    let mut b = Browser::new(&app);
    let (csrf, number) = start_by_pages(&app, &mut b, "passport-expiring").await;
    let (_, _, zh) = b.get(&format!("/applications/{number}")).await;
    assert!(zh.contains("您的申请") && zh.contains("lang=\"zh-CN\""));
    b.get("/lang/en?next=/").await;
    for path in [
        format!("/applications/{number}"),
        format!("/applications/{number}/details"),
        format!("/applications/{number}/delivery"),
        format!("/applications/{number}/files/signature"),
        format!("/applications/{number}/check"),
    ] {
        let (status, _, page) = b.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(page.contains("lang=\"en\""), "{path}");
        assert!(!page.contains("apply-"), "{path}: a missing text: {page}");
        assert!(!page.contains("style=\""), "{path}: no inline style");
        assert!(page.contains("id=\"session-note\""), "{path}");
    }
    let (_, _, page) = b.get(&format!("/applications/{number}")).await;
    assert!(page.contains("Your application") && page.contains("Not started"));
    // The script and the extension.
    let (status, headers, js) = b.get("/static/session.js").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    assert!(js.contains("session-warning"));
    let r = b
        .http
        .post(b.url("/session/extend"))
        .header("cookie", b.cookie_header())
        .header("accept", "application/json")
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body: serde_json::Value = r.json().await.unwrap();
    let expires: chrono::DateTime<chrono::Utc> =
        body["expires_at"].as_str().unwrap().parse().unwrap();
    assert!(expires > wangban_gateways::clock::Clock::now(app.clock.as_ref()));
    assert!(body["remaining_seconds"].as_i64().unwrap() > 0, "{body}");
    // Without JavaScript the form goes back to the page.
    let (status, headers, _) = b
        .post(
            "/session/extend",
            &[("csrf", &csrf), ("next", "/applications")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), "/applications");
}

#[tokio::test]
async fn a_file_over_the_size_limit_is_explained_on_the_page() {
    let app = TestApp::start_with(|s| s.uploads.max_bytes = 50_000).await;
    let mut b = Browser::new(&app);
    let (csrf, number) = start_by_pages(&app, &mut b, "passport-expiring").await;
    let path = format!("/applications/{number}/files/id_photo");
    // Just over the limit (checked by the service), and far over it (cut off while reading).
    for size in [60_000, 400_000] {
        let mut big = crate::JPEG.to_vec();
        big.resize(size, 0);
        let (status, _, page) = b.upload(&path, &csrf, big).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{size}: {page}");
        assert!(page.contains("href=\"#file\""), "{size}: {page}");
    }
    let (_, _, page) = b.get(&format!("/applications/{number}")).await;
    assert!(page.contains("id=\"status-id_photo\">未开始"), "{page}");
}
