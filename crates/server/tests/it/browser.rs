//! Browser tests: headless Chromium over WebDriver walks the journeys, runs axe-core on every
//! page and writes screenshots at 360 and 1280 px to `target/screenshots/<label>/`.
//!
//! The harness ([`harness`]) skips these tests with a loud message when Chromium, chromedriver
//! or axe-core (`npm ci`) are missing, and fails them when `CI=true`. Each test starts its own
//! server (`TestApp`) and its own chromedriver; each [`Browser`] is its own Chromium (the
//! applicant's, an officer's), quit at the end or, when a test fails, when dropped.
//!
//! A step is a function of a few calls, appended to the journey. Names are element ids (a bare
//! word) or CSS selectors; texts come from the catalogue in the browser's language (`b.t(key)`):
//!
//! ```ignore
//! async fn upload_photo(b: &Browser) {
//!     b.click("task-id_photo").await;               // <a id="task-id_photo">
//!     b.check_page("upload-id_photo").await;        // axe + screenshots at 360 and 1280 px
//!     b.upload("file", &crate::good_file("id_photo")).await; // <input type="file" id="file">
//!     b.click("upload").await;                      // a submit button: waits for the next page
//!     b.assert_text("upload-status", &b.t("apply-tag-passed")).await;
//! }
//! // An officer works in a browser of their own (see `officer_login`):
//! let mut o = h.browser("officer").await;
//! officer_login(&app, &mut o, locale, "reviewer").await; // password, then the TOTP code
//! o.select("item-id_photo", "photo_background").await;   // a <select> by its option's value
//! ```

mod harness;
mod webdriver;

use harness::{Browser, Harness, sms_code, totp_code};
use wangban_core::i18n::{Locale, Message};
use wangban_gateways::registry::demo_citizen;

use crate::TestApp;

/// The four files of an application, in the task list's order.
const SLOTS: [&str; 4] = ["id_photo", "signature", "id_card_front", "id_card_back"];

/// Minutes of inactivity after which the journey's applicant is logged out (the note says so).
const IDLE_MINUTES: i64 = 30;

/// The whole journey in `locale`, in two browsers: the applicant applies (start page → login →
/// identity → eligibility → task list → details → the four uploads → delivery → check your
/// answers → submit → status); a reviewer asks for a new photo; the applicant fixes it; the
/// reviewer approves; the applicant pays on the payment provider's page; production marks the
/// document produced; dispatch mails it (English) or sends it to the hall (Chinese); the
/// applicant sees the tracking number or where to collect it (and collects it). The
/// supervisor's dashboard counts the application while it waits for review.
async fn journey(locale: Locale) {
    let app = TestApp::start_with(|s| s.sessions.applicant_idle_minutes = IDLE_MINUTES).await;
    let Some(h) = Harness::start(&app, locale.tag()).await else {
        return;
    };
    let citizen = demo_citizen("passport-expiring").unwrap();
    let mut b = h.browser("applicant").await;

    // The start page, in Chinese by default; the switch at the top changes the language and
    // stays on the page, both ways.
    b.goto("/").await;
    b.assert_heading_t("page-start-title").await;
    assert_eq!(b.page_lang().await, "zh-CN");
    b.switch_language().await;
    b.assert_heading("wangban · exit-entry documents online")
        .await;
    if locale == Locale::ZhCn {
        b.switch_language().await;
        b.assert_heading("网办 · 出入境证件全程网办").await;
    }
    b.check_page("start").await;
    // The guide and the hall directory, linked from the start page.
    b.click("start-guide").await;
    assert_eq!(b.path().await, "/guide");
    b.check_page("guide").await;
    for slug in ["who", "photo", "steps"] {
        b.goto(&format!("/guide/{slug}")).await;
        b.check_page(&format!("guide-{slug}")).await;
    }
    b.goto("/halls").await;
    b.check_page("halls").await;
    b.goto("/").await;
    login(&app, &b, citizen.phone.as_str()).await;
    authenticate(&b, citizen).await;
    eligible(&mut b, "passport", "expiring_soon").await;

    let number = start_application(&b).await;
    details(&b, &citizen.pinyin.surname, &citizen.pinyin.given).await;
    for slot in SLOTS {
        upload(&b, &number, slot, &crate::good_file(slot)).await;
    }
    let by_mail = locale == Locale::En;
    delivery(&b, by_mail).await;
    check_and_submit(&b, &number, by_mail).await;
    status(&b, &number, "app-state-submitted").await;
    session_note(&b).await;
    b.check_page("status-submitted").await;

    // The supervisor, in a browser of their own, sees it waiting for review.
    let mut s = h.browser("supervisor").await;
    officer_login(&app, &mut s, locale, "supervisor").await;
    dashboard(&s).await;
    s.quit().await;

    // The auditor starts at the audit log: the chain is intact and the submission is in it.
    let mut a = h.browser("auditor").await;
    officer_login(&app, &mut a, locale, "auditor").await;
    audit_log(&a, &number).await;
    a.quit().await;

    // A reviewer finds the application in the queue, looks at it and asks for a new photo.
    let mut o = h.browser("officer").await;
    officer_login(&app, &mut o, locale, "reviewer").await;
    queue(&mut o, &number).await;
    let note = match locale {
        Locale::ZhCn => "请在白色背景前重新拍照。",
        Locale::En => "Please take the photo again in front of a white wall.",
    };
    review_and_ask_for_correction(&o, &number, citizen.name.as_str(), note).await;

    // The applicant comes back a few minutes later (the server's clock stands still otherwise,
    // and a file counts as replaced when uploaded after the request), sees exactly what to fix,
    // uploads the photo again and sends the correction.
    app.clock.advance(chrono::Duration::minutes(5));
    correct(&b, &number, note).await;

    // The reviewer claims it again and approves it.
    o.goto(&format!("/officer/applications/{number}")).await;
    o.click("submit-claim").await;
    o.assert_text("banner", &done(&o, "office-done-claim", &number))
        .await;
    o.click("submit-approve").await;
    o.assert_text("banner", &done(&o, "office-done-approve", &number))
        .await;
    o.assert_text("status", &o.t("app-state-awaiting-payment"))
        .await;
    o.check_page("case-approved").await;

    // The applicant pays on the payment provider's page.
    pay(&b, &number).await;

    // Production, then dispatch.
    officer_logout(&o).await;
    officer_login(&app, &mut o, locale, "production").await;
    produce(&o, &number).await;
    officer_logout(&o).await;
    officer_login(&app, &mut o, locale, "dispatch").await;
    dispatch(&o, &number, by_mail).await;

    // The applicant sees where the document is.
    b.goto(&format!("/applications/{number}")).await;
    if by_mail {
        status(&b, &number, "app-state-dispatched").await;
        let waybill = o.text("tracking-number").await;
        assert!(!waybill.trim().is_empty());
        b.assert_text("tracking-number", waybill.trim()).await;
    } else {
        status(&b, &number, "app-state-ready-for-pickup").await;
        assert!(!b.text("pickup-hall").await.trim().is_empty());
    }
    b.check_page("status-sent").await;
    if !by_mail {
        // The applicant comes to the hall; the clerk checks the ID card and hands it over.
        o.click("nav-pickup").await;
        assert!(o.exists(&format!("row-{number}")).await);
        o.check_page("pickup").await;
        o.choose(&format!("id_checked-{number}")).await;
        o.click(&format!("submit-collected-{number}")).await;
        o.assert_no_errors().await;
        o.assert_text("banner", &done(&o, "office-done-collected", &number))
            .await;
        o.check_page("pickup-done").await;
        b.goto(&format!("/applications/{number}")).await;
        status(&b, &number, "app-state-collected").await;
        b.check_page("status-collected").await;
    }

    statistics(&b).await;
    session_warning(&b, &number).await;
    o.quit().await;
    b.quit().await;
}

/// The public statistics, from the start page: the issued document is counted, every chart
/// has its table.
async fn statistics(b: &Browser) {
    b.goto("/").await;
    b.click("statistics-link").await;
    b.assert_heading_t("stats-title").await;
    assert!(b.exists("figures").await);
    assert!(b.exists("chart-issued-kind-table").await);
    b.check_page("statistics").await;
}

/// Shortly before an idle session ends, a dialog offers to stay logged in; that extends the
/// session without leaving the page. (The wait for it is cut short.)
async fn session_warning(b: &Browser, number: &str) {
    b.hurry_first_long_timer().await;
    b.goto(&format!("/applications/{number}")).await;
    b.wait_for(
        "the session warning is open",
        "return document.getElementById('session-warning').open === true",
    )
    .await;
    b.assert_text("session-warning-title", &b.t("apply-session-warning-title"))
        .await;
    assert_eq!(b.focused_id().await, "stay-logged-in");
    b.check_page("session-warning").await;
    // The script posts the form itself and stays on the page.
    b.script("document.getElementById('stay-logged-in').click()")
        .await;
    b.wait_for(
        "told the session was extended",
        "return document.getElementById('session-warning').open === false \
           && document.getElementById('session-live').textContent.length > 0",
    )
    .await;
    // Said to screen readers (the live region is visually hidden).
    assert_eq!(
        b.text("session-live").await.trim(),
        b.t("apply-session-extended")
    );
    assert_eq!(b.path().await, format!("/applications/{number}"));
}

/// The supervisor's dashboard: queue ages and, per deadline, the one application waiting;
/// officers' throughput and the CSV downloads.
async fn dashboard(o: &Browser) {
    o.click("nav-dashboard").await;
    o.assert_heading_t("office-dashboard-title").await;
    let submitted = o.t("app-state-submitted");
    let row = o
        .texts("#ages tbody tr")
        .await
        .into_iter()
        .find(|r| r.starts_with(&submitted))
        .unwrap_or_default();
    // Waiting for 0–1 working days, 1 in all.
    assert!(row.contains('1'), "{row:?}");
    o.assert_text(
        "review-target-heading",
        &o.t("office-dashboard-review-target"),
    )
    .await;
    assert_eq!(o.text("review-target-total").await.trim(), "1");
    assert_eq!(o.text("review-target-breached").await.trim(), "0");
    // Officers' throughput, with its window and the two CSV downloads.
    o.assert_text("throughput-heading", &o.t("office-throughput-title"))
        .await;
    assert!(o.exists("#throughput").await && o.exists("#window").await);
    assert!(o.exists("#export-queue").await && o.exists("#export-throughput").await);
    o.check_page("dashboard").await;
}

/// The auditors' page: the chain's banner, then the records of one application.
async fn audit_log(o: &Browser, number: &str) {
    assert_eq!(o.path().await, "/officer/audit");
    o.assert_heading_t("audit-page-title").await;
    assert_eq!(
        o.script("return document.getElementById('chain-status').dataset.intact")
            .await,
        serde_json::Value::String("true".into())
    );
    o.fill("application", number).await;
    o.click("submit-filters").await;
    o.assert_no_errors().await;
    let rows = o.texts("#audit tbody tr").await;
    assert!(
        !rows.is_empty() && rows.iter().all(|r| r.contains(number)),
        "{rows:?}"
    );
    o.check_page("audit").await;
}

/// An officer's banner after an action on `number`.
fn done(b: &Browser, key: &'static str, number: &str) -> String {
    Message::new(key)
        .with("number", number.to_owned())
        .render(b.locale)
}

/// "Start your application" on the eligibility result: the task list of a new draft.
async fn start_application(b: &Browser) -> String {
    b.click("start-application").await;
    b.assert_no_errors().await;
    b.assert_heading_t("apply-tasks-title").await;
    let number = b.text("application-number").await.trim().to_owned();
    assert!(!number.is_empty());
    assert_eq!(b.path().await, format!("/applications/{number}"));
    // The name in pinyin comes from the registry; the files and the delivery are still to do.
    for task in [
        "id_photo",
        "signature",
        "id_card_front",
        "id_card_back",
        "delivery",
    ] {
        b.assert_text(&format!("status-{task}"), &b.t("apply-tag-not-started"))
            .await;
    }
    b.check_page("tasks").await;
    number
}

/// The name in pinyin and a contact number.
async fn details(b: &Browser, surname: &str, given: &str) {
    b.click("task-details").await;
    b.assert_heading_t("apply-details-title").await;
    b.check_page("details").await;
    // A name in characters is refused with an error at the top; what was typed is kept.
    b.fill("pinyin_surname", "陈").await;
    b.fill("pinyin_given", given).await;
    b.fill("contact_phone", "13800000001").await;
    b.click("save-details").await;
    assert!(b.exists(".error-summary").await);
    assert_eq!(b.value("pinyin_given").await, given);
    b.check_page("details-error").await;
    b.fill("pinyin_surname", surname).await;
    b.click("save-details").await;
    b.assert_no_errors().await;
    b.assert_heading_t("apply-tasks-title").await;
    b.assert_text("status-details", &b.t("apply-tag-completed"))
        .await;
}

/// One file from the task list: the checks pass, the overlay shows what was measured.
async fn upload(b: &Browser, number: &str, slot: &str, bytes: &[u8]) {
    b.click(&format!("task-{slot}")).await;
    assert_eq!(
        b.path().await,
        format!("/applications/{number}/files/{slot}")
    );
    b.assert_text("upload-status", &b.t("apply-tag-not-started"))
        .await;
    b.check_page(&format!("upload-{slot}")).await;
    b.upload("file", bytes).await;
    b.click("upload").await;
    b.assert_no_errors().await;
    b.assert_text("upload-status", &b.t("apply-tag-passed"))
        .await;
    let verdicts = b.texts("#checks li .tag").await;
    assert!(!verdicts.is_empty());
    assert!(
        !verdicts.contains(&b.t("apply-verdict-fail")),
        "{slot}: {verdicts:?}"
    );
    assert!(
        verdicts.contains(&b.t("apply-verdict-pass")),
        "{verdicts:?}"
    );
    assert!(!b.exists("retake-guidance").await);
    if slot == "id_photo" || slot == "signature" {
        image_loaded(b, "overlay-image").await;
    }
    b.check_page(&format!("upload-{slot}-checked")).await;
    b.click("back-to-tasks").await;
    b.assert_text(&format!("status-{slot}"), &b.t("apply-tag-passed"))
        .await;
}

/// The image is there and was loaded (it has a size).
async fn image_loaded(b: &Browser, id: &str) {
    let sel = format!("#{id}");
    b.el(&sel).await;
    let width = b
        .script(&format!(
            "const i = document.querySelector('{sel}'); \
             return i.complete ? i.naturalWidth : -1;"
        ))
        .await;
    assert!(
        width.as_i64().unwrap_or(0) > 0,
        "{id} did not load: {width}"
    );
}

/// Pickup at the hall, or by mail to an address.
async fn delivery(b: &Browser, by_mail: bool) {
    b.click("task-delivery").await;
    b.assert_heading_t("apply-delivery-title").await;
    b.check_page("delivery").await;
    if by_mail {
        b.choose("method-mail").await;
        b.fill("recipient", "陈静怡").await;
        b.fill("address_phone", "13800000001").await;
        b.fill("province", "上海市").await;
        b.fill("city", "上海市").await;
        b.fill("district", "徐汇区").await;
        b.fill("street", "漕溪北路88号").await;
        b.fill("postcode", "200030").await;
    } else {
        b.choose("method-pickup").await;
    }
    b.click("save-delivery").await;
    b.assert_no_errors().await;
    b.assert_heading_t("apply-tasks-title").await;
    b.assert_text("status-delivery", &b.t("apply-tag-completed"))
        .await;
    b.check_page("tasks-done").await;
}

/// Check your answers, submit, the confirmation with the number, then the status page.
async fn check_and_submit(b: &Browser, number: &str, by_mail: bool) {
    b.click("task-check").await;
    b.assert_heading_t("apply-check-title").await;
    b.assert_text("answer-pinyin", "CHEN").await;
    b.assert_text("answer-contact_phone", "0001").await;
    if by_mail {
        b.assert_text("answer-delivery", "漕溪北路88号").await;
    } else {
        // At the hall of the district of the applicant's household registration.
        let hall = b.text("answer-delivery").await;
        assert!(hall.contains("徐汇区") || hall.contains("Xuhui"), "{hall}");
    }
    for slot in SLOTS {
        assert!(b.exists(&format!("change-{slot}")).await, "{slot}");
    }
    b.check_page("check-answers").await;
    b.click("submit-application").await;
    b.assert_no_errors().await;
    b.assert_heading_t("apply-confirmation-title").await;
    assert_eq!(b.text("application-number").await.trim(), number);
    b.check_page("confirmation").await;
    b.click("view-status").await;
}

/// The status page of `number` says it is in state `key`.
async fn status(b: &Browser, number: &str, key: &'static str) {
    b.assert_heading_t("apply-status-title").await;
    assert_eq!(b.text("application-number").await.trim(), number);
    b.assert_text("status", &b.t(key)).await;
    assert!(!b.texts("#timeline tbody tr").await.is_empty());
}

/// The note on every page of the application says when an idle session ends.
async fn session_note(b: &Browser) {
    let note = Message::new("apply-session-note")
        .with("minutes", IDLE_MINUTES)
        .render(b.locale);
    b.assert_text("session-note", &note).await;
    // The warning waits, hidden, until shortly before then.
    assert!(b.exists("session-warning").await);
    assert_eq!(
        b.script("return document.getElementById('session-warning').open")
            .await,
        serde_json::Value::Bool(false)
    );
}

/// Password, then the code from the authenticator app: the officer's start page.
async fn officer_login(app: &TestApp, o: &mut Browser, locale: Locale, username: &str) {
    o.goto("/officer/login").await;
    o.use_language(locale).await;
    o.assert_heading_t("office-login-title").await;
    o.check_page(&format!("officer-login-{username}")).await;
    o.fill("username", username).await;
    o.fill("password", wangban_server::demo::DEMO_PASSWORD)
        .await;
    o.click("submit-login").await;
    o.assert_no_errors().await;
    o.assert_heading_t("office-totp-title").await;
    o.check_page(&format!("officer-totp-{username}")).await;
    o.fill("code", &totp_code(app, username)).await;
    o.click("submit-totp").await;
    o.assert_no_errors().await;
    assert!(o.path().await.starts_with("/officer"));
}

async fn officer_logout(o: &Browser) {
    o.click("submit-logout").await;
    o.assert_heading_t("office-login-title").await;
}

/// The queue shows the application, also when filtered to passports.
async fn queue(o: &mut Browser, number: &str) {
    o.assert_heading_t("office-queue-title").await;
    assert!(o.exists(&format!("row-{number}")).await);
    o.check_page("queue").await;
    o.select("kind", "passport").await;
    o.select("sort", "deadline").await;
    o.click("submit-filters").await;
    o.assert_heading_t("office-queue-title").await;
    assert!(o.path().await.contains("kind=passport"));
    assert!(o.exists(&format!("row-{number}")).await);
    o.check_page("queue-filtered").await;
    // The language switch keeps the filters.
    let locale = o.locale;
    o.switch_language().await;
    assert_eq!(o.value("kind").await, "passport");
    o.use_language(locale).await;
    assert!(o.exists(&format!("row-{number}")).await);
    o.click(&format!("#row-{number} a")).await;
}

/// The application view: images, checks, registry facts, history; reveal, claim, ask for a
/// new photo with a reason and a note.
async fn review_and_ask_for_correction(o: &Browser, number: &str, name: &str, note: &str) {
    assert_eq!(o.text("application-number").await.trim(), number);
    o.assert_text("status", &o.t("app-state-submitted")).await;
    for slot in SLOTS {
        image_loaded(o, &format!("img-{slot}")).await;
        assert!(
            !o.texts(&format!("#checks-{slot} tbody tr"))
                .await
                .is_empty()
        );
    }
    image_loaded(o, "overlay-id_photo").await;
    assert!(o.exists("registry").await);
    assert!(!o.texts("#history tbody tr").await.is_empty());
    // Personal data is masked until revealed.
    assert!(!o.text("applicant-name").await.contains(name));
    o.check_page("case").await;
    o.click("submit-reveal").await;
    assert!(o.exists("revealed").await);
    o.assert_text("applicant-name", name).await;
    o.click("submit-claim").await;
    o.assert_text("banner", &done(o, "office-done-claim", number))
        .await;
    o.check_page("case-claimed").await;
    o.select("item-id_photo", "photo_background").await;
    o.fill("note", note).await;
    o.click("submit-request-correction").await;
    o.assert_no_errors().await;
    o.assert_text("banner", &done(o, "office-done-request-correction", number))
        .await;
    o.assert_text("status", &o.t("app-state-correction-requested"))
        .await;
    o.assert_text(
        "correction-items",
        &o.t("app-correction-reason-photo-background"),
    )
    .await;
    o.check_page("case-correction-requested").await;
}

/// The applicant's correction: exactly the photo, with the reviewer's note; a new photo; sent.
async fn correct(b: &Browser, number: &str, note: &str) {
    b.goto(&format!("/applications/{number}")).await;
    status(b, number, "app-state-correction-requested").await;
    b.assert_text("correction-note", note).await;
    let fixes = b.texts("#correction li").await;
    assert_eq!(fixes.len(), 1, "{fixes:?}");
    assert!(
        fixes[0].contains(&b.t("app-correction-subject-id-photo"))
            && fixes[0].contains(&b.t("app-correction-reason-photo-background")),
        "{fixes:?}"
    );
    b.check_page("status-correction").await;
    b.click("fix-id_photo").await;
    assert_eq!(
        b.path().await,
        format!("/applications/{number}/files/id_photo")
    );
    b.upload("file", &crate::good_file("id_photo")).await;
    b.click("upload").await;
    b.assert_no_errors().await;
    b.assert_text("upload-status", &b.t("apply-tag-passed"))
        .await;
    image_loaded(b, "overlay-image").await;
    b.check_page("correction-upload").await;
    b.goto(&format!("/applications/{number}")).await;
    b.click("send-correction").await;
    b.assert_no_errors().await;
    status(b, number, "app-state-submitted").await;
    assert!(!b.exists("correction").await);
}

/// The fee and the date to pay by, the payment provider's page, paid: in production.
async fn pay(b: &Browser, number: &str) {
    b.goto(&format!("/applications/{number}")).await;
    status(b, number, "app-state-awaiting-payment").await;
    assert!(!b.text("fee").await.trim().is_empty());
    assert!(!b.text("pay-by").await.trim().is_empty());
    b.check_page("status-pay").await;
    b.click("start-payment").await;
    assert!(
        b.path().await.starts_with("/sim/pay/"),
        "{}",
        b.path().await
    );
    b.assert_heading_t("page-sim-pay-title").await;
    b.check_page("sim-pay").await;
    b.click("form[action^=\"/sim/pay/\"]:not([action$=\"/cancel\"]) button")
        .await;
    assert_eq!(b.path().await, format!("/applications/{number}"));
    b.reload_until("status", &b.t("app-state-in-production"))
        .await;
    assert!(b.exists("payment-paid").await);
    assert!(!b.exists("start-payment").await);
    b.check_page("status-paid").await;
}

/// The production operator marks the document produced, from the production list.
async fn produce(o: &Browser, number: &str) {
    o.click("nav-production").await;
    o.assert_heading_t("office-production-title").await;
    assert!(o.exists(&format!("row-{number}")).await);
    o.check_page("production").await;
    o.fill(&format!("document_number-{number}"), "E12345678")
        .await;
    o.click(&format!("submit-produced-{number}")).await;
    o.assert_no_errors().await;
    o.assert_text("banner", &done(o, "office-done-produced", number))
        .await;
    o.check_page("production-done").await;
}

/// The dispatch clerk mails the document (the waybill is shown) or sends it to the hall.
async fn dispatch(o: &Browser, number: &str, by_mail: bool) {
    o.click("nav-dispatch").await;
    o.assert_heading_t("office-dispatch-title").await;
    assert!(o.exists(&format!("row-{number}")).await);
    o.check_page("dispatch").await;
    if by_mail {
        o.click(&format!("submit-dispatch-{number}")).await;
    } else {
        o.click(&format!("submit-send-to-hall-{number}")).await;
    }
    o.assert_no_errors().await;
    o.check_page("dispatch-done").await;
    o.goto(&format!("/officer/applications/{number}")).await;
    o.assert_text("document-number", "E12345678").await;
    if by_mail {
        o.assert_text("status", &o.t("app-state-dispatched")).await;
        assert!(!o.text("tracking-number").await.trim().is_empty());
    } else {
        o.assert_text("status", &o.t("app-state-ready-for-pickup"))
            .await;
    }
}

/// Phone login from the start page: number, the code from the SMS simulator, the
/// applications page.
async fn login(app: &TestApp, b: &Browser, phone: &str) {
    b.click("main a.button[href=\"/login\"]").await;
    b.assert_heading_t("page-login-title").await;
    b.check_page("login").await;
    b.fill("phone", phone).await;
    b.submit("/login").await;
    b.assert_heading_t("page-code-title").await;
    // The number is shown masked: the last four digits only.
    b.assert_text("main p.lead", &phone[phone.len() - 4..])
        .await;
    assert!(!b.text("main p.lead").await.contains(phone));
    b.check_page("code").await;
    let code = sms_code(app, phone, None).await;
    b.fill("code", &code).await;
    b.submit("/login/code").await;
    b.assert_no_errors().await;
    assert_eq!(b.path().await, "/applications");
    b.assert_heading_t("page-apps-title").await;
    b.check_page("applications").await;
}

/// Real-person authentication with the citizen's name, ID number and a live capture.
async fn authenticate(b: &Browser, c: &wangban_gateways::registry::DemoCitizen) {
    b.goto("/identity").await;
    b.assert_heading_t("page-identity-title").await;
    b.check_page("identity").await;
    b.fill("name", c.name.as_str()).await;
    b.fill("id_number", c.id_number.as_str()).await;
    b.upload("capture", &crate::capture()).await;
    b.submit("/identity").await;
    b.assert_no_errors().await;
    assert_eq!(b.path().await, "/eligibility");
}

/// The eligibility check for a document and a reason, which this applicant passes; switching
/// the language keeps the result.
async fn eligible(b: &mut Browser, kind: &str, reason: &str) {
    b.assert_heading_t("page-elig-title").await;
    b.check_page("eligibility").await;
    b.choose(&format!("kind-{kind}")).await;
    b.choose(&format!("reason-{reason}")).await;
    b.click("form[action=\"/eligibility\"] button[type=submit]")
        .await;
    assert_eq!(
        b.path().await,
        format!("/eligibility?kind={kind}&reason={reason}")
    );
    b.reload_until("main .panel h2", &b.t("page-elig-yes"))
        .await;
    let expected = match b.locale {
        Locale::ZhCn => "您可以网上办理",
        Locale::En => "You can apply online",
    };
    b.assert_text("main .panel h2", expected).await;
    // Every condition listed is met.
    let rules = b.texts("main ul li strong").await;
    assert!(!rules.is_empty());
    assert!(
        rules.iter().all(|r| *r == b.t("page-elig-pass")),
        "{rules:?}"
    );
    b.check_page("eligibility-result").await;
    let locale = b.locale;
    b.switch_language().await;
    b.assert_text("main .panel h2", &b.t("page-elig-yes")).await;
    b.use_language(locale).await;
    b.assert_text("main .panel h2", &b.t("page-elig-yes")).await;
}

#[tokio::test]
async fn browser_journey_in_chinese() {
    journey(Locale::ZhCn).await;
}

#[tokio::test]
async fn browser_journey_in_english() {
    journey(Locale::En).await;
}

/// A bad number on the login page: the error summary at the top links to the field, and
/// following the link puts the focus in it; the page stays accessible.
#[tokio::test]
async fn browser_login_error_summary_focuses_the_field() {
    let app = TestApp::start().await;
    let Some(h) = Harness::start(&app, "errors").await else {
        return;
    };
    for locale in [Locale::ZhCn, Locale::En] {
        let mut b = h.browser("applicant").await;
        b.goto("/login").await;
        b.use_language(locale).await;
        assert!(!b.exists(".error-summary").await);
        b.fill("phone", "1380000").await;
        b.submit("/login").await;
        b.assert_heading_t("page-login-title").await;
        assert_eq!(b.text(".error-summary h2").await, b.t("page-error-summary"));
        // The input is kept.
        assert_eq!(b.value("phone").await, "1380000");
        b.check_page(&format!("login-error-{}", locale.tag())).await;
        assert_ne!(b.focused_id().await, "phone");
        b.click(".error-summary a[href=\"#phone\"]").await;
        assert_eq!(b.focused_id().await, "phone");
        b.quit().await;
    }
}

/// An eligibility "no" (a resident under 16, hukou in Xuhui): the page lists the hall of the
/// hukou district with its address and hours, links all halls and the guide, and stays
/// accessible in both languages.
#[tokio::test]
async fn browser_an_eligibility_no_names_the_hukou_districts_hall() {
    let app = TestApp::start().await;
    let Some(h) = Harness::start(&app, "eligibility-no").await else {
        return;
    };
    let citizen = demo_citizen("under-16").unwrap();
    let mut b = h.browser("applicant").await;
    b.goto("/").await;
    login(&app, &b, citizen.phone.as_str()).await;
    authenticate(&b, citizen).await;
    for locale in [Locale::ZhCn, Locale::En] {
        b.goto("/eligibility?kind=passport&reason=expiring_soon")
            .await;
        b.use_language(locale).await;
        b.assert_text("main .panel h2", &b.t("page-elig-no")).await;
        assert!(b.exists("hall-sh-xuhui").await);
        assert!(!b.exists("hall-sh-huangpu").await);
        let hall = b.text("hall-sh-xuhui").await;
        let name = match locale {
            Locale::ZhCn => "徐汇区出入境接待大厅",
            Locale::En => "Xuhui District Exit-Entry Reception Hall",
        };
        assert!(hall.contains(name), "{hall}");
        assert!(b.exists("main a[href=\"/halls\"]").await);
        assert!(b.exists("guide-link").await);
        b.check_page(&format!("eligibility-no-{}", locale.tag()))
            .await;
    }
    b.quit().await;
}

/// The harness itself: axe-core does find a serious violation (an image without a text
/// alternative, a field without a label) when a page has one.
#[tokio::test]
async fn browser_axe_reports_serious_violations() {
    let app = TestApp::start().await;
    let Some(h) = Harness::start(&app, "harness").await else {
        return;
    };
    let b = h.browser("applicant").await;
    b.goto("/login").await;
    assert_eq!(b.axe_violations().await, Vec::<String>::new());
    b.script(
        "const i = document.createElement('input'); i.id = 'unlabelled'; \
         document.querySelector('main').appendChild(i);",
    )
    .await;
    let found = b.axe_violations().await;
    assert!(
        found
            .iter()
            .any(|v| v.contains("label (critical)") && v.contains("#unlabelled")),
        "{found:?}"
    );
    b.quit().await;
}
