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
//!     b.click("task-photo").await;                 // <a id="task-photo">
//!     b.assert_heading_t("page-upload-photo-title").await;
//!     b.check_page("upload-photo").await;          // axe + screenshots at 360 and 1280 px
//!     b.upload("file", crate::GOOD_PHOTO).await;   // <input type="file" id="file">
//!     b.click("upload-submit").await;              // waits for the next page
//!     b.assert_text("check-result", &b.t("upload-pass")).await;
//! }
//! // An officer works in a browser of their own:
//! let o = h.browser("officer").await;
//! o.goto("/officer/login").await;
//! o.fill("username", "reviewer").await;
//! o.fill("password", wangban_server::demo::DEMO_PASSWORD).await;
//! o.click("officer-login").await;
//! o.fill("code", &totp_code(&app, "reviewer")).await;
//! ```

mod harness;
mod webdriver;

use harness::{Browser, Harness, sms_code};
use wangban_core::i18n::Locale;
use wangban_gateways::registry::demo_citizen;

use crate::TestApp;

/// The applicant's journey so far, in `locale`: start page (language switch) → phone login →
/// code → real-person authentication → eligibility → "you can apply".
async fn applicant_journey(locale: Locale) {
    let app = TestApp::start().await;
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
    login(&app, &b, citizen.phone.as_str()).await;
    authenticate(&b, citizen).await;
    eligible(&b, "passport", "expiring_soon").await;
    b.quit().await;
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

/// The eligibility check for a document and a reason, which this applicant passes.
async fn eligible(b: &Browser, kind: &str, reason: &str) {
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
}

#[tokio::test]
async fn browser_applicant_journey_in_chinese() {
    applicant_journey(Locale::ZhCn).await;
}

#[tokio::test]
async fn browser_applicant_journey_in_english() {
    applicant_journey(Locale::En).await;
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
