//! Bad input gets a clear, localised 4xx in one shape, and changes nothing.

use reqwest::StatusCode;
use serde_json::json;

use crate::{JPEG, TestApp};

async fn draft(app: &TestApp) -> (String, String) {
    let token = app.citizen_login("passport-expiring").await;
    let (status, body) = app
        .post(
            Some(&token),
            "/api/v1/applications",
            json!({ "kind": "passport", "reason": "expiring_soon" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    (token, body["number"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn malformed_json_is_a_400_in_the_callers_language() {
    let app = TestApp::start().await;
    for (lang, word) in [("zh-CN", "JSON"), ("en", "not valid JSON")] {
        let resp = app
            .http
            .post(app.url("/api/v1/auth/otp"))
            .header("Content-Type", "application/json")
            .header("Accept-Language", lang)
            .body("{\"phone\": ")
            .send()
            .await
            .unwrap();
        let (status, body) = crate::read(resp).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"]["code"], "api-bad-json");
        assert!(
            body["error"]["message"].as_str().unwrap().contains(word),
            "{body}"
        );
    }
}

#[tokio::test]
async fn unknown_fields_and_wrong_content_types_are_refused() {
    let app = TestApp::start().await;
    let (status, body) = app
        .post(
            None,
            "/api/v1/auth/otp",
            json!({ "phone": "13800000001", "admin": true }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "api-bad-fields");
    let resp = app
        .http
        .post(app.url("/api/v1/auth/otp"))
        .header("Content-Type", "text/plain")
        .body("phone=13800000001")
        .send()
        .await
        .unwrap();
    let (status, body) = crate::read(resp).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    assert_eq!(body["error"]["code"], "api-expected-json");
    // A route that does not exist answers in the same shape.
    let (status, body) = app.get(None, "/api/v1/nothing-here").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "api-not-found");
}

#[tokio::test]
async fn bad_form_values_are_refused_and_nothing_changes() {
    let app = TestApp::start().await;
    let (token, number) = draft(&app).await;
    let path = format!("/api/v1/applications/{number}");
    let (_, before) = app.get(Some(&token), &path).await;
    for body in [
        json!({ "contact_phone": "12345" }),
        json!({ "pinyin_surname": "Zhāng" }),
        json!({ "delivery": { "method": "drone" } }),
        json!({ "delivery": { "method": "mail", "address": { "recipient": "" } } }),
        json!({ "state": "approved" }),
    ] {
        let (status, resp) = app.patch(&token, &path, body.clone()).await;
        assert!(
            status == StatusCode::UNPROCESSABLE_ENTITY,
            "{body} -> {status} {resp}"
        );
        assert!(resp["error"]["code"].is_string());
    }
    let (_, after) = app.get(Some(&token), &path).await;
    assert_eq!(before["form"], after["form"]);
    assert_eq!(before["updated_at"], after["updated_at"]);
}

#[tokio::test]
async fn uploads_that_are_too_large_or_not_images_store_nothing() {
    let app = TestApp::start_with(|s| s.uploads.max_bytes = 64 * 1024).await;
    let (token, number) = draft(&app).await;
    let (status, body) = app
        .upload(&token, &number, "id_photo", vec![0xFF; 200 * 1024])
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["error"]["code"], "api-too-large");
    let (status, body) = app
        .upload(&token, &number, "id_photo", b"GIF89a not a photo".to_vec())
        .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    let (status, body) = app.upload(&token, &number, "id_photo", Vec::new()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _) = app
        .upload(&token, &number, "passport_scan", JPEG.to_vec())
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, view) = app
        .get(Some(&token), &format!("/api/v1/applications/{number}"))
        .await;
    assert!(view["uploads"].as_array().unwrap().is_empty(), "{view}");
    // Submitting an incomplete application says what is missing.
    let (status, body) = app
        .post(
            Some(&token),
            &format!("/api/v1/applications/{number}/submit"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let missing = body["error"]["detail"]["missing"].as_array().unwrap();
    assert!(missing.iter().any(|m| m == "id_photo") && missing.iter().any(|m| m == "delivery"));
    assert_eq!(view["state"], "draft");
}

#[tokio::test]
async fn creating_is_idempotent_with_a_key() {
    let app = TestApp::start().await;
    let token = app.citizen_login("passport-expiring").await;
    let create = |key: &'static str| {
        app.http
            .post(app.url("/api/v1/applications"))
            .bearer_auth(&token)
            .header("Idempotency-Key", key)
            .json(&json!({ "kind": "passport", "reason": "expiring_soon" }))
            .send()
    };
    let (a, b) = tokio::join!(create("k-1"), create("k-1"));
    let (sa, va) = crate::read(a.unwrap()).await;
    let (sb, vb) = crate::read(b.unwrap()).await;
    // Whichever came first created it; the other got the same answer, or was told the first
    // is still running (409) if they overlapped.
    let mut statuses = [sa, sb];
    statuses.sort();
    assert!(
        statuses == [StatusCode::CREATED, StatusCode::CREATED]
            || statuses == [StatusCode::CREATED, StatusCode::CONFLICT],
        "{sa} {va} / {sb} {vb}"
    );
    let first = if sa == StatusCode::CREATED { &va } else { &vb };
    // A later retry with the same key gets the first answer, not a second application.
    let (status, again) = crate::read(create("k-1").await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(again["number"], first["number"]);
    let (_, list) = app.get(Some(&token), "/api/v1/applications").await;
    assert_eq!(
        list.as_array().unwrap().len(),
        1,
        "one application, not two: {list}"
    );
}
