//! Who may do what: eligibility verdicts for every demo citizen, applicants kept apart,
//! officers kept to their roles; the start page and the API document.

use reqwest::StatusCode;
use serde_json::json;
use wangban_gateways::registry::demo_citizens;

use crate::{TestApp, pickup};

#[tokio::test]
async fn every_ineligible_demo_citizen_hears_every_failed_rule() {
    let app = TestApp::start().await;
    let mut checked = 0;
    for c in demo_citizens().iter().filter(|c| !c.eligible()) {
        let token = app.otp_login(c.phone.as_str()).await;
        let (status, body) = app.verify_identity(&token, c).await;
        assert_eq!(status, StatusCode::OK, "{}: {body}", c.key);
        let token = body["token"].as_str().unwrap().to_owned();
        for lang in ["zh-CN", "en"] {
            let resp = app
                .http
                .get(app.url(&format!(
                    "/api/v1/eligibility?kind={}&reason={}",
                    c.request.kind.code(),
                    c.request.reason.code()
                )))
                .bearer_auth(&token)
                .header("Accept-Language", lang)
                .send()
                .await
                .unwrap();
            let (status, report) = crate::read(resp).await;
            assert_eq!(status, StatusCode::OK, "{report}");
            assert_eq!(report["eligible"], false, "{}", c.key);
            let failed: Vec<&str> = report["rules"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["verdict"] == "fail")
                .map(|r| {
                    assert!(!r["explanation"].as_str().unwrap().is_empty());
                    assert!(!r["way_forward"].as_str().unwrap().is_empty(), "{r}");
                    r["code"].as_str().unwrap()
                })
                .collect();
            assert_eq!(failed, c.expected_failure_codes(), "{}", c.key);
        }
        // Creating the application is refused with the same report.
        let (status, body) = app
            .post(
                Some(&token),
                "/api/v1/applications",
                json!({ "kind": c.request.kind.code(), "reason": c.request.reason.code() }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["code"], "api-not-eligible");
        checked += 1;
    }
    assert!(checked >= 12, "only {checked} ineligible citizens");
}

#[tokio::test]
async fn identity_proofing_fails_realistically_then_locks() {
    let app = TestApp::start().await;
    let c = wangban_gateways::registry::demo_citizen("passport-damaged").unwrap();
    let token = app.otp_login(c.phone.as_str()).await;
    // A name that does not match the ID number.
    let mut wrong = c.clone();
    wrong.name = wangban_core::name::PersonName::parse("张冒名").unwrap();
    let (status, body) = app.verify_identity(&token, &wrong).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "proofing-name-mismatch");
    assert_eq!(body["error"]["detail"]["attempts_left"], 2);
    let (status, _) = app.verify_identity(&token, &wrong).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = app.verify_identity(&token, &wrong).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Locked now, even with the right name; the answer says what to do.
    let (status, body) = app.verify_identity(&token, c).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("12367"));
    // Without identity, no eligibility.
    let (status, body) = app
        .get(
            Some(&token),
            "/api/v1/eligibility?kind=passport&reason=damaged",
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
}

#[tokio::test]
async fn another_applicants_application_does_not_exist() {
    let app = TestApp::start().await;
    let (_, number) = app.submitted("passport-expiring", pickup()).await;
    let other = app.citizen_login("hkmo-expiring").await;
    for path in [
        format!("/api/v1/applications/{number}"),
        format!("/api/v1/applications/{number}/timeline"),
        format!("/api/v1/applications/{number}/files/id_photo"),
    ] {
        let (status, body) = app.get(Some(&other), &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
    }
    let (status, _) = app
        .post(
            Some(&other),
            &format!("/api/v1/applications/{number}/withdraw"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The same answer as for a number that does not exist at all.
    let (status, body) = app
        .get(Some(&other), "/api/v1/applications/WB-0000-00000")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    // And nobody without a session gets anything.
    let (status, _) = app
        .get(None, &format!("/api/v1/applications/{number}"))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn officers_are_kept_to_their_roles() {
    let app = TestApp::start().await;
    let (_, number) = app.submitted("passport-visa-pages", pickup()).await;
    // Roles that may not claim (review is the reviewer's).
    for user in ["production", "dispatch", "supervisor"] {
        let token = app.officer_login(user).await;
        let (status, body) = app.officer_act(&token, &number, "claim", json!({})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{user}: {body}");
    }
    // The three administrators (三员分立) act on no application and see no queue.
    for user in ["sysadmin", "secadmin", "auditor"] {
        let token = app.officer_login(user).await;
        let (status, _) = app.officer_act(&token, &number, "claim", json!({})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{user}");
        let (status, _) = app.get(Some(&token), "/api/v1/officer/queue").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{user}");
        let (status, _) = app
            .get(
                Some(&token),
                &format!("/api/v1/officer/applications/{number}"),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{user}");
    }
    let reviewer = app.officer_login("reviewer").await;
    let (status, _) = app
        .officer_act(&reviewer, &number, "claim", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    // A dispatch clerk cannot approve, a reviewer cannot dispatch.
    let clerk = app.officer_login("dispatch").await;
    let (status, _) = app.officer_act(&clerk, &number, "approve", json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .officer_act(&reviewer, &number, "collected", json!({}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Another reviewer cannot decide an application claimed by someone else.
    let other = app.officer_login("reviewer2").await;
    let (status, body) = app.officer_act(&other, &number, "approve", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "api-claimed-by-other");
    // Applicants' tokens are not officers' tokens.
    let citizen = app.citizen_login("hkmo-damaged").await;
    let (status, _) = app.get(Some(&citizen), "/api/v1/officer/queue").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn officer_looks_are_audited_and_masked_unless_revealed() {
    let app = TestApp::start().await;
    let c = wangban_gateways::registry::demo_citizen("passport-expiring").unwrap();
    let (_, number) = app.submitted("passport-expiring", pickup()).await;
    let reviewer = app.officer_login("reviewer").await;
    let (status, masked) = app
        .get(
            Some(&reviewer),
            &format!("/api/v1/officer/applications/{number}"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{masked}");
    assert!(!masked.to_string().contains(c.id_number.as_str()));
    assert!(!masked.to_string().contains(c.phone.as_str()));
    let (_, revealed) = app
        .get(
            Some(&reviewer),
            &format!("/api/v1/officer/applications/{number}?reveal=true"),
        )
        .await;
    assert_eq!(revealed["applicant_id_number"], c.id_number.as_str());
    let views = app.audit_rows(&number, "application.view").await;
    assert_eq!(views.len(), 2);
    assert!(views[1].detail.contains("\"revealed\":true"));
}

#[tokio::test]
async fn otp_login_limits_attempts_and_does_not_reveal_accounts() {
    let app = TestApp::start().await;
    // Unknown and known numbers get the same answer.
    let (s1, b1) = app
        .post(None, "/api/v1/auth/otp", json!({ "phone": "13912345678" }))
        .await;
    let (s2, b2) = app
        .post(None, "/api/v1/auth/otp", json!({ "phone": "13800000001" }))
        .await;
    assert_eq!((s1, &b1), (s2, &b2));
    for _ in 0..4 {
        let (status, _) = app
            .post(
                None,
                "/api/v1/auth/login",
                json!({ "phone": "13800000001", "code": "000000" }),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, body) = app
        .post(
            None,
            "/api/v1/auth/login",
            json!({ "phone": "13800000001", "code": "000000" }),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    // Requests per number are limited too.
    let mut last = StatusCode::OK;
    for _ in 0..6 {
        last = app
            .post(None, "/api/v1/auth/otp", json!({ "phone": "13800000002" }))
            .await
            .0;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn the_start_page_lists_the_demo_citizens_and_officers() {
    let app = TestApp::start().await;
    let page = app
        .http
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for c in demo_citizens() {
        assert!(page.contains(c.phone.as_str()), "{} missing", c.key);
    }
    assert!(page.contains("reviewer") && page.contains("auditor"));
    let en = app
        .http
        .get(app.url("/"))
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(en.contains("Demo citizens"));
}

#[tokio::test]
async fn the_openapi_document_is_valid_openapi_3_1_and_covers_the_api() {
    let app = TestApp::start().await;
    let text = app
        .http
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let spec = oas3::from_json(&text).expect("a valid OpenAPI 3.1 document");
    assert!(spec.openapi.starts_with("3.1"), "{}", spec.openapi);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    for path in [
        "/api/v1/auth/otp",
        "/api/v1/identity/verify",
        "/api/v1/eligibility",
        "/api/v1/applications",
        "/api/v1/applications/{number}/files/{slot}",
        "/api/v1/applications/{number}/submit",
        "/api/v1/applications/{number}/correction",
        "/api/v1/applications/{number}/payment",
        "/api/v1/applications/{number}/timeline",
        "/api/v1/payments/notify",
        "/api/v1/officer/queue",
        "/api/v1/officer/dashboard",
        "/api/v1/officer/applications/{number}/{action}",
        "/health",
        "/ready",
    ] {
        assert!(v["paths"].get(path).is_some(), "{path} missing");
    }
}

#[tokio::test]
async fn sessions_end_after_the_idle_timeout() {
    let app = TestApp::start_with(|s| {
        s.sessions.applicant_idle_minutes = 30;
        s.sessions.applicant_absolute_hours = 12;
    })
    .await;
    let token = app.otp_login("13800000001").await;
    app.clock.advance(chrono::Duration::minutes(20));
    assert_eq!(app.get(Some(&token), "/api/v1/me").await.0, StatusCode::OK);
    // Activity moved the idle deadline on: 20 more minutes are fine.
    app.clock.advance(chrono::Duration::minutes(20));
    assert_eq!(app.get(Some(&token), "/api/v1/me").await.0, StatusCode::OK);
    app.clock.advance(chrono::Duration::minutes(31));
    let (status, body) = app.get(Some(&token), "/api/v1/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "api-session-expired");
}

#[tokio::test]
async fn officers_need_both_factors() {
    let app = TestApp::start().await;
    let (status, body) = app
        .post(
            None,
            "/api/v1/officer/login",
            json!({ "username": "reviewer", "password": "wrong" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "api-officer-login-failed");
    let (status, unknown) = app
        .post(
            None,
            "/api/v1/officer/login",
            json!({ "username": "nobody", "password": "wrong" }),
        )
        .await;
    assert_eq!(
        (status, &unknown["error"]["code"]),
        (StatusCode::UNAUTHORIZED, &body["error"]["code"])
    );
    let (_, pending) = app
        .post(
            None,
            "/api/v1/officer/login",
            json!({ "username": "reviewer", "password": wangban_server::demo::DEMO_PASSWORD }),
        )
        .await;
    let pending = pending["token"].as_str().unwrap().to_owned();
    // The password alone opens nothing.
    assert_eq!(
        app.get(Some(&pending), "/api/v1/officer/queue").await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, body) = app
        .post(
            Some(&pending),
            "/api/v1/officer/login/totp",
            json!({ "code": "000000" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"]["code"], "api-totp-invalid");
    let token = app.officer_login("reviewer").await;
    assert_eq!(
        app.get(Some(&token), "/api/v1/officer/queue").await.0,
        StatusCode::OK
    );
}
