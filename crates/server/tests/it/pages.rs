//! The server-rendered pages over plain HTTP, as a browser without JavaScript uses them:
//! security headers, CSRF, the phone login by forms, language switching.

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};

use crate::TestApp;
use crate::forms::{Browser, hidden};

#[tokio::test]
async fn pages_are_locked_down_and_load_nothing_from_elsewhere() {
    let app = TestApp::start().await;
    let mut b = Browser::new(&app);
    for path in [
        "/",
        "/login",
        "/guide",
        "/guide/who",
        "/guide/photo",
        "/guide/steps",
        "/halls",
    ] {
        let (status, headers, page) = b.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let csp = headers["content-security-policy"].to_str().unwrap();
        for rule in [
            "default-src 'none'",
            "frame-ancestors 'none'",
            "script-src 'self'",
        ] {
            assert!(csp.contains(rule), "{csp}");
        }
        assert_eq!(headers["x-frame-options"], "DENY");
        assert!(
            headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert!(
            !page.contains("<script"),
            "{path}: no scripts, inline or not, yet"
        );
        assert!(!page.contains("style=\""), "{path}: no inline styles");
    }
    let (status, headers, css) = b.get("/static/style.css").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert!(css.contains("--focus"));
}

/// Every cookie the service sets, by name, as sent.
async fn cookies_set_by(app: &TestApp) -> Vec<String> {
    let mut b = Browser::new(app);
    let (_, login_page_headers, page) = b.get("/login").await;
    let csrf = hidden(&page, "csrf");
    let (_, lang_headers, _) = b.get("/lang/en?next=/").await;
    let (_, officer_headers, _) = b
        .post(
            "/officer/login",
            &[
                ("csrf", csrf.as_str()),
                ("username", "reviewer"),
                ("password", wangban_server::demo::DEMO_PASSWORD),
            ],
        )
        .await;
    [login_page_headers, lang_headers, officer_headers]
        .iter()
        .flat_map(|h| h.get_all(SET_COOKIE).iter())
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn cookies_are_secure_when_the_service_is_reached_over_https() {
    let plain = TestApp::start().await;
    let cookies = cookies_set_by(&plain).await;
    assert!(cookies.len() >= 3, "{cookies:?}");
    assert!(cookies.iter().all(|c| !c.contains("Secure")), "{cookies:?}");
    let r = reqwest::get(plain.url("/")).await.unwrap();
    assert!(r.headers().get("strict-transport-security").is_none());

    let behind_tls = TestApp::start_with(|s| {
        s.public_url = Some("https://wangban.example.gov.cn".into());
    })
    .await;
    let cookies = cookies_set_by(&behind_tls).await;
    let r = reqwest::get(behind_tls.url("/")).await.unwrap();
    assert_eq!(r.headers()["strict-transport-security"], "max-age=31536000");
    for name in ["wangban_csrf=", "wangban_lang=", "wangban_officer="] {
        let c = cookies
            .iter()
            .find(|c| c.starts_with(name))
            .unwrap_or_else(|| panic!("{name} not set: {cookies:?}"));
        assert!(c.ends_with("; Secure"), "{c}");
        assert_eq!(c.matches("Secure").count(), 1, "{c}");
        if name != "wangban_lang=" {
            assert!(c.contains("HttpOnly"), "{c}");
        }
    }
}

#[tokio::test]
async fn phone_login_by_forms_with_csrf_and_errors_in_place() {
    let app = TestApp::start().await;
    let mut b = Browser::new(&app);
    let (_, _, page) = b.get("/login").await;
    let csrf = hidden(&page, "csrf");
    assert!(b.cookies.contains_key("wangban_csrf"));
    // Without the token (another site posting the form): refused.
    let (status, _, _) = b.post("/login", &[("phone", "13800000001")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = b
        .post("/login", &[("csrf", "forged"), ("phone", "13800000001")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A bad number: the same page, an error summary linking to the field, the input kept.
    let (status, _, page) = b
        .post("/login", &[("csrf", &csrf), ("phone", "1380000")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("error-summary") && page.contains("href=\"#phone\""),
        "{page}"
    );
    assert!(page.contains("手机号码应为11位"), "{page}");
    assert!(page.contains("value=\"1380000\""));
    // A good number: the code page; the code arrives by SMS.
    let (status, _, page) = b
        .post("/login", &[("csrf", &csrf), ("phone", "13800000001")])
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("138****0001"),
        "the number is shown masked: {page}"
    );
    let code = wait_for_login_code(&app, "13800000001").await;
    let (status, _, page) = b
        .post(
            "/login/code",
            &[
                ("csrf", &csrf),
                ("phone", "13800000001"),
                ("code", "000000"),
            ],
        )
        .await;
    if code != "000000" {
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(page.contains("href=\"#code\""), "{page}");
    }
    let (status, headers, _) = b
        .post(
            "/login/code",
            &[("csrf", &csrf), ("phone", "13800000001"), ("code", &code)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[LOCATION], "/applications");
    let session = b
        .cookies
        .get("wangban_session")
        .cloned()
        .expect("a session cookie");
    let set = headers
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );
    let (status, _, page) = b.get("/applications").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("我的申请") && page.contains("138****0001"),
        "{page}"
    );
    // Log out: the session ends, the page sends you to the login.
    let csrf = hidden(&page, "csrf");
    let (status, _, _) = b.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(!b.cookies.contains_key("wangban_session"));
    let (status, headers, _) = b.get("/applications").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[LOCATION], "/login");
    // The old session token opens nothing any more.
    b.cookies.insert("wangban_session".into(), session);
    let (status, _, _) = b.get("/applications").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_language_switch_remembers_the_choice_and_stays_on_this_site() {
    let app = TestApp::start().await;
    let mut b = Browser::new(&app);
    let (_, _, page) = b.get("/login").await;
    assert!(page.contains("lang=\"zh-CN\"") && page.contains("用手机号码登录"));
    assert!(page.contains("href=\"/lang/en?next=/login\""), "{page}");
    let (status, headers, _) = b.get("/lang/en?next=/login").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[LOCATION], "/login");
    let (_, _, page) = b.get("/login").await;
    assert!(
        page.contains("lang=\"en\"") && page.contains("Log in with your mobile number"),
        "{page}"
    );
    // API errors follow the same choice.
    let (_, _, body) = b.get("/api/v1/nothing").await;
    assert!(body.contains("Not found"), "{body}");
    for evil in [
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil",
        "/%0d%0aSet-Cookie:%20x=y",
        "/caf%C3%A9",
    ] {
        let (status, headers, _) = b.get(&format!("/lang/zh-CN?next={evil}")).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(headers[LOCATION], "/", "{evil}");
    }
    let (status, _, _) = b.get("/lang/fr").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// Logs `phone` in through the pages; returns the CSRF token.
async fn login(app: &TestApp, b: &mut Browser, phone: &str) -> String {
    let (_, _, page) = b.get("/login").await;
    let csrf = hidden(&page, "csrf");
    let (status, _, _) = b.post("/login", &[("csrf", &csrf), ("phone", phone)]).await;
    assert_eq!(status, StatusCode::OK);
    let code = wait_for_login_code(app, phone).await;
    let (status, _, _) = b
        .post(
            "/login/code",
            &[("csrf", &csrf), ("phone", phone), ("code", &code)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    csrf
}

async fn identity(
    b: &mut Browser,
    csrf: &str,
    name: &str,
    id: &str,
) -> (StatusCode, HeaderMap, String) {
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.to_owned())
        .text("name", name.to_owned())
        .text("id_number", id.to_owned())
        .part(
            "capture",
            reqwest::multipart::Part::bytes(crate::capture()).file_name("me.jpg"),
        );
    let r = b
        .http
        .post(format!("{}/identity", b.base))
        .header("cookie", b.cookie_header())
        .multipart(form)
        .send()
        .await
        .unwrap();
    let (s, h) = (r.status(), r.headers().clone());
    // Passing renews the session cookie.
    b.keep(&h);
    (s, h, r.text().await.unwrap())
}

#[tokio::test]
async fn identity_then_eligibility_by_pages() {
    let app = TestApp::start().await;
    let mut b = Browser::new(&app);
    // Not logged in: sent to the login page.
    let (status, headers, _) = b.get("/identity").await;
    assert_eq!(
        (status, &headers[LOCATION]),
        (StatusCode::SEE_OTHER, &"/login".parse().unwrap())
    );
    let c = wangban_gateways::registry::demo_citizen("several-rules").unwrap();
    let csrf = login(&app, &mut b, c.phone.as_str()).await;
    // Eligibility needs identity first.
    let (status, headers, _) = b.get("/eligibility").await;
    assert_eq!(
        (status, &headers[LOCATION]),
        (StatusCode::SEE_OTHER, &"/identity".parse().unwrap())
    );
    let (_, _, page) = b.get("/identity").await;
    assert!(page.contains("enctype=\"multipart/form-data\""));
    // A mistyped ID number is explained beside the form, the input kept.
    let (status, _, page) = identity(&mut b, &csrf, c.name.as_str(), "310101199001010010").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("href=\"#id_number\""), "{page}");
    assert!(page.contains(c.name.as_str()));
    // Without the CSRF token: refused.
    let (status, _, _) = identity(&mut b, "", c.name.as_str(), c.id_number.as_str()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, headers, _) = identity(&mut b, &csrf, c.name.as_str(), c.id_number.as_str()).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[LOCATION], "/eligibility");
    // The result: every failed rule in plain words with the way forward, failed ones first.
    let (status, _, page) = b
        .get("/eligibility?kind=passport&reason=expiring_soon")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("您暂不能网上办理"), "{page}");
    let first_met = page.find("符合 —").unwrap_or(usize::MAX);
    let last_failed = page.rfind("不符合").unwrap();
    assert!(
        last_failed < first_met || first_met == usize::MAX,
        "failed rules come first"
    );
    for code in c.expected_failure_codes() {
        // Each failed rule's way forward is the catalogue's `<code>-next` text.
        let key: &'static str = Box::leak(format!("{code}-next").into_boxed_str());
        let next = wangban_core::i18n::Message::new(key).render(wangban_core::i18n::Locale::ZhCn);
        let head: String = next.chars().take(6).collect();
        assert!(
            page.contains(&head),
            "way forward for {code} missing: {page}"
        );
    }
    // Choosing only one of the two asks for both.
    let (_, _, page) = b.get("/eligibility?kind=passport").await;
    assert!(page.contains("请选择证件种类和办理事由"), "{page}");
}

#[tokio::test]
async fn an_eligible_resident_is_told_so() {
    let app = TestApp::start().await;
    let mut b = Browser::new(&app);
    let c = wangban_gateways::registry::demo_citizen("hkmo-expiring").unwrap();
    let csrf = login(&app, &mut b, c.phone.as_str()).await;
    let (status, _, _) = identity(&mut b, &csrf, c.name.as_str(), c.id_number.as_str()).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    b.get("/lang/en?next=/").await;
    let (_, _, page) = b
        .get("/eligibility?kind=hk_macao_permit&reason=expiring_soon")
        .await;
    assert!(page.contains("You can apply online"), "{page}");
    assert!(!page.contains("Not met"), "{page}");
    assert!(page.contains("checked"), "the choices are kept");
    // The language switch comes back to the result, not to an empty form.
    let next = "/eligibility?kind=hk_macao_permit&reason=expiring_soon";
    let link = "/lang/zh-CN?next=/eligibility%3Fkind%3Dhk_macao_permit%26reason%3Dexpiring_soon";
    assert!(page.contains(&format!("href=\"{link}\"")), "{page}");
    let (status, headers, _) = b.get(link).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[LOCATION], next);
}

/// The login code the SMS simulator sent to `phone` (waits for the job runner to send it).
async fn wait_for_login_code(app: &TestApp, phone: &str) -> String {
    let number = wangban_core::phone::MobileNumber::parse(phone).unwrap();
    for _ in 0..250 {
        if let Some(code) = app.state().sims.sms.last_login_code(&number) {
            return code;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("no login code was sent to {phone}");
}
