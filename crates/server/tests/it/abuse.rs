//! Abuse over HTTP: guessing codes, telling accounts apart, fixing sessions, forged forms,
//! upload floods, slow clients, oversized and deeply nested JSON, and text that would read
//! differently on an officer's screen.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wangban_gateways::clock::Clock;
use wangban_gateways::registry::demo_citizen;

use crate::forms::Browser;
use crate::{JPEG, TestApp, mail, read, six_digits};

/// A POST with a JSON body, in `lang`, from client address `from` (as a proxy would say).
async fn post_as(
    app: &TestApp,
    path: &str,
    body: Value,
    lang: &str,
    from: &str,
) -> (StatusCode, Value) {
    read(
        app.http
            .post(app.url(path))
            .header("accept-language", lang)
            .header("x-forwarded-for", from)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// Asks for a login code for `phone` (from `from`) and reads it from the SMS simulator.
async fn code_for(app: &TestApp, phone: &str, from: &str) -> String {
    let before = app.last_sms(phone).await;
    let (status, body) = post_as(
        app,
        "/api/v1/auth/otp",
        json!({ "phone": phone }),
        "en",
        from,
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let mut text = None;
    for _ in 0..500 {
        let last = app.last_sms(phone).await;
        if last.is_some() && last != before {
            text = last;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    six_digits(&text.expect("a login code")).expect("six digits")
}

/// A six-digit code that is not `right`.
fn other_than(right: &str) -> String {
    let n: u32 = right.parse().unwrap();
    format!("{:06}", (n + 500_000) % 1_000_000)
}

fn code_of(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or_default()
}

fn message_of(body: &Value) -> &str {
    body["error"]["message"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn wrong_login_codes_lock_the_number_and_then_the_right_code_fails_too() {
    let app = TestApp::start().await;
    let max = app.state().settings.otp.max_attempts;
    let phone = "13900000077";
    let code = code_for(&app, phone, "192.0.2.1").await;
    let wrong = other_than(&code);
    for i in 1..max {
        let (status, body) = post_as(
            &app,
            "/api/v1/auth/login",
            json!({ "phone": phone, "code": wrong }),
            "en",
            "192.0.2.1",
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(body["error"]["detail"]["attempts_left"], max - i, "{body}");
    }
    // The last allowed wrong code locks, with a clear message in the caller's language.
    let (status, body) = post_as(
        &app,
        "/api/v1/auth/login",
        json!({ "phone": phone, "code": wrong }),
        "zh-CN",
        "192.0.2.1",
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(code_of(&body), "api-otp-locked");
    assert!(message_of(&body).contains("验证码输错次数过多"), "{body}");
    // The right code no longer opens anything.
    let (status, body) = post_as(
        &app,
        "/api/v1/auth/login",
        json!({ "phone": phone, "code": code }),
        "en",
        "192.0.2.1",
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert!(body.get("token").is_none());
}

#[tokio::test]
async fn wrong_login_codes_from_one_address_lock_that_address_across_numbers() {
    let app = TestApp::start_with(|s| s.otp.wrong_per_address_per_hour = 3).await;
    let guesser = "203.0.113.7";
    // One wrong code each for three numbers: no number reaches its own limit...
    for (i, phone) in ["13900000101", "13900000102", "13900000103"]
        .iter()
        .enumerate()
    {
        let code = code_for(&app, phone, guesser).await;
        let (status, body) = post_as(
            &app,
            "/api/v1/auth/login",
            json!({ "phone": phone, "code": other_than(&code) }),
            "en",
            guesser,
        )
        .await;
        if i < 2 {
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        } else {
            // ...but the address does.
            assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
            assert_eq!(code_of(&body), "api-otp-address-locked");
            assert!(message_of(&body).contains("connection"), "{body}");
        }
    }
    // From that address even the right code for a fresh number is refused, in Chinese too...
    let phone = "13900000104";
    let code = code_for(&app, phone, guesser).await;
    let (status, body) = post_as(
        &app,
        "/api/v1/auth/login",
        json!({ "phone": phone, "code": code }),
        "zh-CN",
        guesser,
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(message_of(&body).contains("输错验证码次数过多"), "{body}");
    // ...a guess at a number without a code counts too...
    let (status, _) = post_as(
        &app,
        "/api/v1/auth/login",
        json!({ "phone": "13900000105", "code": "123456" }),
        "en",
        guesser,
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // ...while the same code from another address works.
    let (status, body) = post_as(
        &app,
        "/api/v1/auth/login",
        json!({ "phone": phone, "code": code }),
        "en",
        "198.51.100.1",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // An hour later the address may try again.
    app.clock.advance(chrono::Duration::minutes(61));
    let code = code_for(&app, "13900000106", guesser).await;
    let (status, body) = post_as(
        &app,
        "/api/v1/auth/login",
        json!({ "phone": "13900000106", "code": code }),
        "en",
        guesser,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn officer_password(app: &TestApp, username: &str, password: &str) -> (StatusCode, Value) {
    app.post(
        None,
        "/api/v1/officer/login",
        json!({ "username": username, "password": password }),
    )
    .await
}

fn reviewer_code(app: &TestApp) -> String {
    let secret = wangban_server::demo::DEMO_OFFICERS
        .iter()
        .find(|o| o.0 == "reviewer")
        .unwrap()
        .3;
    wangban_server::demo::current_code(secret, app.clock.now())
}

/// A code that is wrong for the reviewer now (none of the three accepted time steps).
fn reviewer_wrong_code(app: &TestApp) -> String {
    let secret = wangban_server::demo::DEMO_OFFICERS
        .iter()
        .find(|o| o.0 == "reviewer")
        .unwrap()
        .3;
    let now = app.clock.now();
    let near: Vec<String> = [-30, 0, 30]
        .iter()
        .map(|s| wangban_server::demo::current_code(secret, now + chrono::Duration::seconds(*s)))
        .collect();
    (0..)
        .map(|n| format!("{:06}", 111_111 * (n % 9 + 1)))
        .find(|c| !near.contains(c))
        .unwrap()
}

#[tokio::test]
async fn wrong_authenticator_codes_lock_the_officers_second_step() {
    let app = TestApp::start().await;
    let max = app.state().settings.otp.totp_max_attempts;
    let (status, body) =
        officer_password(&app, "reviewer", wangban_server::demo::DEMO_PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let pending = body["token"].as_str().unwrap().to_owned();
    let wrong = reviewer_wrong_code(&app);
    for _ in 1..max {
        let (status, body) = app
            .post(
                Some(&pending),
                "/api/v1/officer/login/totp",
                json!({ "code": wrong }),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(code_of(&body), "api-totp-invalid");
    }
    let (status, body) = read(
        app.http
            .post(app.url("/api/v1/officer/login/totp"))
            .bearer_auth(&pending)
            .header("accept-language", "en")
            .json(&json!({ "code": wrong }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(code_of(&body), "api-totp-locked");
    assert!(
        message_of(&body).contains("locked for 15 minutes"),
        "{body}"
    );
    // The pending login is over: the right code with it opens nothing.
    let (status, _) = app
        .post(
            Some(&pending),
            "/api/v1/officer/login/totp",
            json!({ "code": reviewer_code(&app) }),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // A new password step does not lift the lock, even with the right code (said in Chinese).
    let (_, body) = officer_password(&app, "reviewer", wangban_server::demo::DEMO_PASSWORD).await;
    let pending = body["token"].as_str().unwrap().to_owned();
    let (status, body) = read(
        app.http
            .post(app.url("/api/v1/officer/login/totp"))
            .bearer_auth(&pending)
            .header("accept-language", "zh-CN")
            .json(&json!({ "code": reviewer_code(&app) }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(message_of(&body).contains("登录已锁定15分钟"), "{body}");
    // After the lock, the officer gets in.
    app.clock.advance(chrono::Duration::minutes(16));
    app.officer_login("reviewer").await;
    // Every wrong code is in the audit log.
    let failed = app
        .state()
        .store
        .audit_log(None)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.action == "officer.totp_failed")
        .count();
    assert_eq!(failed, max as usize);
}

#[tokio::test]
async fn known_and_unknown_numbers_and_usernames_get_the_same_answers() {
    let app = TestApp::start().await;
    let known = demo_citizen("passport-expiring")
        .unwrap()
        .phone
        .as_str()
        .to_owned();
    // Make the known number an account for sure.
    app.otp_login(&known).await;
    let unknown = "13912345678";
    let mut answers = Vec::new();
    for phone in [known.as_str(), unknown] {
        let (status, body) = app
            .post(None, "/api/v1/auth/otp", json!({ "phone": phone }))
            .await;
        answers.push((status, body));
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0].0, StatusCode::ACCEPTED);
    // A wrong code: the same answer whether or not the number has an account.
    let mut answers = Vec::new();
    for phone in [known.as_str(), unknown] {
        // Any code but the newest is wrong; which one arrived last does not matter.
        let mut code = None;
        for _ in 0..500 {
            code = app.last_sms(phone).await.and_then(|t| six_digits(&t));
            if code.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let code = code.unwrap();
        answers.push(
            app.post(
                None,
                "/api/v1/auth/login",
                json!({ "phone": phone, "code": other_than(&code) }),
            )
            .await,
        );
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0].0, StatusCode::UNAUTHORIZED);
    // Officers: an unknown username and a wrong password are told the same.
    let unknown_user = officer_password(&app, "nobody-here", "whatever-123").await;
    let wrong_password = officer_password(&app, "reviewer", "whatever-123").await;
    assert_eq!(unknown_user, wrong_password);
    assert_eq!(unknown_user.0, StatusCode::UNAUTHORIZED);
}

/// The value of cookie `name` that a response set.
fn set_cookie(h: &reqwest::header::HeaderMap, name: &str) -> Option<String> {
    h.get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next()?.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

#[tokio::test]
async fn session_ids_change_at_login_and_when_privilege_rises() {
    let app = TestApp::start().await;
    let c = demo_citizen("passport-expiring").unwrap();
    // API: the token after real-person authentication is a new one; the old one is dead.
    let before = app.otp_login(c.phone.as_str()).await;
    let (status, body) = app.verify_identity(&before, c).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let after = body["token"].as_str().unwrap().to_owned();
    assert_ne!(before, after);
    let (status, _) = app.get(Some(&before), "/api/v1/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, me) = app.get(Some(&after), "/api/v1/me").await;
    assert_eq!((status, &me["verified"]), (StatusCode::OK, &json!(true)));

    // Pages: a session cookie planted before login (here a real session of the attacker's)
    // is replaced at login, and again at real-person authentication.
    let planted = app.otp_login("13900000555").await;
    let earlier = app.last_sms(c.phone.as_str()).await;
    let mut b = Browser::new(&app);
    b.cookies.insert("wangban_session".into(), planted.clone());
    let (_, _, page) = b.get("/login").await;
    let csrf = crate::forms::hidden(&page, "csrf");
    let (status, _, _) = b
        .post("/login", &[("csrf", &csrf), ("phone", c.phone.as_str())])
        .await;
    assert_eq!(status, StatusCode::OK);
    let code = {
        let mut code = None;
        for _ in 0..500 {
            let last = app.last_sms(c.phone.as_str()).await;
            code = last
                .as_ref()
                .filter(|_| last != earlier)
                .and_then(|t| six_digits(t));
            if code.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        code.unwrap()
    };
    let (status, h, _) = b
        .post(
            "/login/code",
            &[
                ("csrf", &csrf),
                ("phone", c.phone.as_str()),
                ("code", &code),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let logged_in = set_cookie(&h, "wangban_session").expect("a session cookie at login");
    assert_ne!(logged_in, planted);
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
    let verified = set_cookie(r.headers(), "wangban_session").expect("a new session cookie");
    assert_ne!(verified, logged_in);
    let (status, _) = app.get(Some(&logged_in), "/api/v1/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app.get(Some(&verified), "/api/v1/me").await;
    assert_eq!(status, StatusCode::OK);

    // Officers: the password step's token is not the full session's, and dies with the TOTP.
    let (_, body) = officer_password(&app, "reviewer", wangban_server::demo::DEMO_PASSWORD).await;
    let pending = body["token"].as_str().unwrap().to_owned();
    let (status, body) = app
        .post(
            Some(&pending),
            "/api/v1/officer/login/totp",
            json!({ "code": reviewer_code(&app) }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let full = body["token"].as_str().unwrap().to_owned();
    assert_ne!(full, pending);
    for token in [&pending] {
        let (status, _) = app.get(Some(token), "/api/v1/officer/queue").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = app
            .post(
                Some(token),
                "/api/v1/officer/login/totp",
                json!({ "code": reviewer_code(&app) }),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, _) = app.get(Some(&full), "/api/v1/officer/queue").await;
    assert_eq!(status, StatusCode::OK);
}

/// Every POST route of the server-rendered pages, read from the router's source
/// (`crates/server/src/web/**`): a new form is in this list without anyone adding it.
fn page_post_routes() -> Vec<String> {
    // Every POST of the declared route table outside the JSON API and the simulators: the
    // pages' forms (a new form is in the table, or the authorisation matrix fails).
    let mut out: Vec<String> = wangban_server::routes::table()
        .into_iter()
        .filter(|d| d.method == "POST")
        .filter(|d| !d.path.starts_with("/api/") && !d.path.starts_with("/sim/"))
        .map(|d| d.path)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// What a forged form could have changed.
async fn snapshot(app: &TestApp, applicant: &str, officer: &str, number: &str) -> Value {
    let store = &app.state().store;
    let id = store
        .application_by_number(number)
        .await
        .unwrap()
        .unwrap()
        .id;
    let uploads: Vec<String> = store
        .uploads(id)
        .await
        .unwrap()
        .into_iter()
        .map(|u| format!("{}:{}", u.slot, u.sha256))
        .collect();
    let (me, _) = app.get(Some(applicant), "/api/v1/me").await;
    let (queue, _) = app.get(Some(officer), "/api/v1/officer/queue").await;
    let (_, sms) = app.get(None, "/api/v1/sim/sms").await;
    json!({
        "state": app.state_of(applicant, number).await,
        "audit": store.audit_log(None).await.unwrap().len(),
        "uploads": uploads,
        "sms": sms.as_array().map(Vec::len),
        "applicant_session": me.as_u16(),
        "officer_session": queue.as_u16(),
    })
}

#[tokio::test]
async fn every_page_form_refuses_a_missing_or_wrong_csrf_token_and_changes_nothing() {
    let app = TestApp::start().await;
    let (applicant, number) = app.submitted("passport-expiring", mail()).await;
    let officer = app.officer_login("reviewer").await;
    let routes = page_post_routes();
    // The list comes from the route table: it has the forms we know of.
    for known in [
        "/login",
        "/logout",
        "/identity",
        "/officer/login",
        "/officer/totp",
    ] {
        assert!(
            routes.iter().any(|r| r == known),
            "{known} not in {routes:?}"
        );
    }
    assert!(routes.len() >= 15, "{routes:?}");
    let good_csrf = "A".repeat(43);
    let before = snapshot(&app, &applicant, &officer, &number).await;
    for route in &routes {
        let path = route
            .replace("{number}", &number)
            .replace("{slot}", "id_photo")
            .replace("{action}", "claim");
        let mut refused_for_csrf = false;
        for sent in [None, Some("B".repeat(43)), Some(String::new())] {
            let cookies = format!(
                "wangban_session={applicant}; wangban_officer={officer}; wangban_csrf={good_csrf}"
            );
            let mut form: Vec<(&str, String)> = vec![
                ("phone", "13800000001".into()),
                ("code", "123456".into()),
                ("username", "reviewer".into()),
                ("password", wangban_server::demo::DEMO_PASSWORD.into()),
                ("reason", "other".into()),
            ];
            if let Some(s) = &sent {
                form.push(("csrf", s.clone()));
            }
            // As a form...
            let r = app
                .http
                .post(app.url(&path))
                .header("cookie", &cookies)
                .form(&form)
                .send()
                .await
                .unwrap();
            let status = r.status();
            let text = r.text().await.unwrap();
            assert!(
                status.is_client_error(),
                "{route} with csrf {sent:?}: {status} {text}"
            );
            refused_for_csrf |= status == StatusCode::FORBIDDEN
                && (text.contains("page-csrf") || text.contains("页面已过期"));
            // ...and as the multipart forms of the pages (an upload, real-person authentication).
            for file_field in ["file", "capture"] {
                let mut multipart = reqwest::multipart::Form::new();
                if let Some(s) = &sent {
                    multipart = multipart.text("csrf", s.clone());
                }
                if file_field == "capture" {
                    multipart = multipart
                        .text("name", "张三")
                        .text("id_number", "110101199003070018");
                }
                let multipart = multipart.part(
                    file_field,
                    reqwest::multipart::Part::bytes(JPEG.to_vec()).file_name("a.jpg"),
                );
                let r = app
                    .http
                    .post(app.url(&path))
                    .header("cookie", &cookies)
                    .multipart(multipart)
                    .send()
                    .await
                    .unwrap();
                let status = r.status();
                let text = r.text().await.unwrap();
                assert!(
                    status.is_client_error(),
                    "{route} (multipart) with csrf {sent:?}: {status} {text}"
                );
                refused_for_csrf |= status == StatusCode::FORBIDDEN
                    && (text.contains("page-csrf") || text.contains("页面已过期"));
            }
        }
        assert!(
            refused_for_csrf,
            "{route}: never refused for its CSRF token"
        );
    }
    let after = snapshot(&app, &applicant, &officer, &number).await;
    assert_eq!(before, after);
}

#[tokio::test]
async fn upload_quotas_refuse_floods_with_429_and_store_nothing() {
    let app = TestApp::start_with(|s| {
        s.uploads.per_application_per_hour = 3;
        s.uploads.bytes_per_applicant_per_day = 0;
    })
    .await;
    let c = demo_citizen("passport-expiring").unwrap();
    let token = app.citizen_login("passport-expiring").await;
    let (status, created) = app
        .post(
            Some(&token),
            "/api/v1/applications",
            json!({ "kind": c.request.kind.code(), "reason": c.request.reason.code() }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let number = created["number"].as_str().unwrap().to_owned();
    for _ in 0..3 {
        let (status, body) = app
            .upload(&token, &number, "id_photo", crate::good_file("id_photo"))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let store = &app.state().store;
    let id = store
        .application_by_number(&number)
        .await
        .unwrap()
        .unwrap()
        .id;
    let stored = store.uploads(id).await.unwrap().len();
    // The fourth within the hour: refused, in the caller's language, and not kept.
    for (lang, words) in [("en", "Too many uploads"), ("zh-CN", "上传次数过多")] {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(crate::good_file("signature")).file_name("s.png"),
        );
        let (status, body) = read(
            app.http
                .put(app.url(&format!("/api/v1/applications/{number}/files/signature")))
                .header("accept-language", lang)
                .bearer_auth(&token)
                .multipart(form)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
        assert_eq!(code_of(&body), "api-upload-quota-application");
        assert!(message_of(&body).contains(words), "{body}");
    }
    assert_eq!(store.uploads(id).await.unwrap().len(), stored);
    // An hour later, uploads are taken again.
    app.clock.advance(chrono::Duration::minutes(61));
    let (status, body) = app
        .upload(&token, &number, "signature", crate::good_file("signature"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn the_daily_byte_quota_of_an_applicant_refuses_with_429_and_stores_nothing() {
    // Two megabytes a day: each small file counts as one started megabyte.
    let app = TestApp::start_with(|s| {
        s.uploads.per_application_per_hour = 0;
        s.uploads.bytes_per_applicant_per_day = 2 * 1024 * 1024;
    })
    .await;
    let c = demo_citizen("passport-expiring").unwrap();
    let token = app.citizen_login("passport-expiring").await;
    let (_, created) = app
        .post(
            Some(&token),
            "/api/v1/applications",
            json!({ "kind": c.request.kind.code(), "reason": c.request.reason.code() }),
        )
        .await;
    let number = created["number"].as_str().unwrap().to_owned();
    for slot in ["id_card_front", "id_card_back"] {
        let (status, body) = app
            .upload(&token, &number, slot, crate::good_file(slot))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, body) = app
        .upload(&token, &number, "id_photo", crate::good_file("id_photo"))
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(code_of(&body), "api-upload-quota-bytes");
    assert!(
        message_of(&body).contains("上传的文件总量已达上限"),
        "{body}"
    );
    let store = &app.state().store;
    let id = store
        .application_by_number(&number)
        .await
        .unwrap()
        .unwrap()
        .id;
    assert!(
        store
            .uploads(id)
            .await
            .unwrap()
            .iter()
            .all(|u| u.slot != "id_photo")
    );
    app.clock.advance(chrono::Duration::hours(25));
    let (status, body) = app
        .upload(&token, &number, "id_photo", crate::good_file("id_photo"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// Writes `bytes` one at a time, `gap` apart, until the server closes; returns what the
/// server answered, or None when it did not close within `within`.
async fn trickle(app: &TestApp, head: &[u8], bytes: Vec<u8>, within: Duration) -> Option<String> {
    let addr = app.base.trim_start_matches("http://").to_owned();
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut r, mut w) = stream.into_split();
    w.write_all(head).await.unwrap();
    let writer = tokio::spawn(async move {
        for b in bytes {
            if w.write_all(&[b]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    let mut got = Vec::new();
    let closed = tokio::time::timeout(within, r.read_to_end(&mut got)).await;
    writer.abort();
    closed
        .ok()
        .map(|_| String::from_utf8_lossy(&got).into_owned())
}

#[tokio::test]
async fn slow_headers_and_slow_bodies_are_cut_off() {
    let app = TestApp::start_with(|s| {
        s.http.header_read_timeout_seconds = 1;
        s.http.request_timeout_seconds = 2;
    })
    .await;
    // Headers a byte every 200 ms, never finished (a minute's worth): closed after about 1 s.
    let header = b"X-Slow: "
        .iter()
        .chain([b'a'; 300].iter())
        .copied()
        .collect();
    let answer = trickle(
        &app,
        b"GET /health HTTP/1.1\r\nHost: x\r\n",
        header,
        Duration::from_secs(1 + 10),
    )
    .await;
    assert!(answer.is_some(), "the server kept a slow header open");
    // A body a byte every 200 ms: 408 after about 2 s, and the connection closed.
    let head = b"POST /api/v1/auth/otp HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
                 Content-Length: 300\r\n\r\n";
    let answer = trickle(&app, head, vec![b' '; 300], Duration::from_secs(2 + 10))
        .await
        .expect("the server kept a slow body open");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    // The server still serves others.
    let (status, _) = app.get(None, "/health").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn very_large_and_deeply_nested_json_get_clear_refusals() {
    let app = TestApp::start().await;
    // Beyond the JSON body limit (far below the upload limit): 413 with a localised message.
    let limit = app.state().settings.http.json_max_bytes;
    assert!(limit < app.state().settings.uploads.max_bytes);
    let big = format!("{{\"phone\": \"{}\"}}", "1".repeat(limit + 1));
    for (lang, words) in [("en", "Too large"), ("zh-CN", "过大")] {
        let (status, body) = read(
            app.http
                .post(app.url("/api/v1/auth/otp"))
                .header("content-type", "application/json")
                .header("accept-language", lang)
                .body(big.clone())
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
        assert_eq!(code_of(&body), "api-too-large");
        assert!(message_of(&body).contains(words) && !message_of(&body).is_empty());
    }
    // 100,000 '[': a clear 400/422, not a crash.
    let token = app.otp_login("13900000321").await;
    for (path, body) in [
        ("/api/v1/auth/otp", "[".repeat(100_000)),
        (
            "/api/v1/auth/otp",
            format!("{{\"phone\": {}", "[".repeat(100_000)),
        ),
        (
            "/api/v1/auth/login",
            format!(
                "{{\"phone\": \"13900000321\", \"code\": {}{}}}",
                "[".repeat(50_000),
                "]".repeat(50_000)
            ),
        ),
    ] {
        let (status, answer) = read(
            app.http
                .post(app.url(path))
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert!(
            status == StatusCode::BAD_REQUEST || status == StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {status} {answer}"
        );
        assert!(!code_of(&answer).is_empty(), "{answer}");
        assert!(!message_of(&answer).is_empty(), "{answer}");
    }
    let (status, _) = app.get(None, "/health").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn unicode_tricks_in_names_numbers_and_addresses_are_refused_or_normalised() {
    let app = TestApp::start().await;
    let c = demo_citizen("passport-expiring").unwrap();
    let token = app.otp_login("13900000999").await;
    // Names: mixed scripts, controls, bidi marks, zero-width joiners, combining marks.
    let name = c.name.as_str();
    let first: String = name.chars().take(1).collect();
    let rest: String = name.chars().skip(1).collect();
    for bad in [
        format!("{first}San"),
        format!("{first}\u{0007}{rest}"),
        format!("{first}\u{202E}{rest}"),
        format!("{first}\u{200F}{rest}"),
        format!("{first}\u{200D}{rest}"),
        format!("{first}\u{0301}{rest}"),
        format!("{first}\u{0410}{rest}"), // Cyrillic А
    ] {
        let form = reqwest::multipart::Form::new()
            .text("name", bad.clone())
            .text("id_number", c.id_number.as_str().to_owned())
            .part(
                "capture",
                reqwest::multipart::Part::bytes(crate::capture()).file_name("live.jpg"),
            );
        let (status, body) = read(
            app.http
                .post(app.url("/api/v1/identity/verify"))
                .bearer_auth(&token)
                .header("accept-language", "en")
                .multipart(form)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}: {body}");
        assert!(code_of(&body).starts_with("name-"), "{bad:?}: {body}");
    }
    // Full-width digits in an ID number and a phone number: refused, clearly.
    let full_width: String = c
        .id_number
        .as_str()
        .chars()
        .map(|d| char::from_u32(d as u32 + 0xFEE0).unwrap())
        .collect();
    let form = reqwest::multipart::Form::new()
        .text("name", name.to_owned())
        .text("id_number", full_width)
        .part(
            "capture",
            reqwest::multipart::Part::bytes(crate::capture()).file_name("live.jpg"),
        );
    let (status, body) = read(
        app.http
            .post(app.url("/api/v1/identity/verify"))
            .bearer_auth(&token)
            .multipart(form)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(code_of(&body).starts_with("id-"), "{body}");
    let (status, body) = app
        .post(
            None,
            "/api/v1/auth/otp",
            json!({ "phone": "１３８００００００１" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(code_of(&body), "phone-not-digits");

    // Addresses: invisible and direction-changing characters refused, nothing kept.
    let token = app.citizen_login("passport-expiring").await;
    let (_, created) = app
        .post(
            Some(&token),
            "/api/v1/applications",
            json!({ "kind": c.request.kind.code(), "reason": c.request.reason.code() }),
        )
        .await;
    let number = created["number"].as_str().unwrap().to_owned();
    for (field, bad) in [
        ("recipient", "陈静怡\u{202E}"),
        ("street", "漕溪北路\u{202E}号88"),
        ("street", "漕溪北路\u{200B}88号"),
        ("street", "漕溪北路88号\u{0301}"),
        ("street", "漕溪北路\u{2066}88号\u{2069}"),
        ("district", "徐汇区\u{FEFF}"),
        ("city", "上海市\u{E0041}"),
    ] {
        let mut delivery = mail();
        delivery["address"][field] = json!(bad);
        let (status, body) = app
            .patch(
                &token,
                &format!("/api/v1/applications/{number}"),
                json!({ "delivery": delivery }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}: {body}");
        assert_eq!(code_of(&body), "api-text-invisible", "{bad:?}: {body}");
        assert_eq!(body["error"]["detail"]["field"], format!("address.{field}"));
    }
    let (_, draft) = app
        .get(Some(&token), &format!("/api/v1/applications/{number}"))
        .await;
    assert!(draft["delivery"].is_null(), "{draft}");
    // Full-width letters and digits are folded to plain ones; mixed scripts in an address are
    // fine ("A座").
    let mut delivery = mail();
    delivery["address"]["street"] = json!("漕溪北路８８号Ａ座");
    let (_, number) = app
        .submitted_with("passport-damaged", json!({ "delivery": delivery }))
        .await;
    let officer = app.officer_login("reviewer").await;
    let (status, detail) = app
        .get(
            Some(&officer),
            &format!("/api/v1/officer/applications/{number}"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    let text = detail.to_string();
    assert!(text.contains("漕溪北路88号A座"), "{text}");
}

#[tokio::test]
async fn a_client_cannot_dodge_the_address_lock_with_x_forwarded_for() {
    // Behind our proxy (loopback, trusted by default): entries the client wrote before the
    // proxy's own are not believed.
    let app = TestApp::start_with(|s| s.otp.wrong_per_address_per_hour = 2).await;
    let mut last = StatusCode::OK;
    for i in 0..2 {
        let (status, _) = post_as(
            &app,
            "/api/v1/auth/login",
            json!({ "phone": "13900000201", "code": "123456" }),
            "en",
            &format!("198.51.100.{i}, 203.0.113.7"),
        )
        .await;
        last = status;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    // Straight from a client that is not a trusted proxy: the header is ignored altogether.
    let app = TestApp::start_with(|s| {
        s.otp.wrong_per_address_per_hour = 2;
        s.http.trusted_proxies = vec![];
    })
    .await;
    let mut answers = Vec::new();
    for i in 0..2 {
        let (status, body) = post_as(
            &app,
            "/api/v1/auth/login",
            json!({ "phone": "13900000202", "code": "123456" }),
            "en",
            &format!("198.51.100.{i}"),
        )
        .await;
        answers.push((status, code_of(&body).to_owned()));
    }
    assert_eq!(answers[0].0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        answers[1],
        (
            StatusCode::TOO_MANY_REQUESTS,
            "api-otp-address-locked".to_owned()
        )
    );
}

#[tokio::test]
async fn wrong_officer_passwords_lock_the_username_whether_or_not_it_exists() {
    let app = TestApp::start_with(|s| s.otp.password_max_attempts = 3).await;
    let mut real = Vec::new();
    let mut made_up = Vec::new();
    for _ in 0..4 {
        real.push(officer_password(&app, "reviewer", "not-the-password").await);
        made_up.push(officer_password(&app, "no-such-officer", "not-the-password").await);
    }
    // The same answers for a real and a made-up username, all the way to the lock.
    assert_eq!(real, made_up);
    let statuses: Vec<StatusCode> = real.iter().map(|(s, _)| *s).collect();
    assert_eq!(
        statuses,
        [
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED,
            StatusCode::TOO_MANY_REQUESTS,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
    assert_eq!(code_of(&real[2].1), "api-officer-login-locked");
    assert!(
        message_of(&real[2].1).contains("锁定15分钟"),
        "{}",
        real[2].1
    );
    // Locked: the right password is refused too; after the lock it works.
    let (status, _) = officer_password(&app, "reviewer", wangban_server::demo::DEMO_PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    app.clock.advance(chrono::Duration::minutes(16));
    app.officer_login("reviewer").await;
}
