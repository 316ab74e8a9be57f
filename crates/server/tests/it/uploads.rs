//! The automatic checks on the upload path: verdicts in the answer, submission held back by a
//! failed check until the file is replaced or an officer is asked to judge it.

use reqwest::StatusCode;
use serde_json::json;

use crate::{GREY_BACKGROUND_PHOTO, TestApp, good_file, pickup};

async fn draft(app: &TestApp, key: &str, kind: &str, reason: &str) -> (String, String) {
    let token = app.citizen_login(key).await;
    let (status, draft) = app
        .post(
            Some(&token),
            "/api/v1/applications",
            json!({ "kind": kind, "reason": reason }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    (token, draft["number"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn a_failed_check_blocks_submission_until_an_officer_is_asked() {
    let app = TestApp::start().await;
    let (token, number) = draft(&app, "passport-damaged", "passport", "damaged").await;
    app.patch(
        &token,
        &format!("/api/v1/applications/{number}"),
        json!({ "delivery": pickup() }),
    )
    .await;
    for slot in ["signature", "id_card_front", "id_card_back"] {
        let (status, body) = app.upload(&token, &number, slot, good_file(slot)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    // A grey background: stored, told why in the caller's language, and blocking.
    let resp = app
        .http
        .put(app.url(&format!("/api/v1/applications/{number}/files/id_photo")))
        .bearer_auth(&token)
        .header("Accept-Language", "en")
        .multipart(reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(GREY_BACKGROUND_PHOTO.to_vec()).file_name("p.jpg"),
        ))
        .send()
        .await
        .unwrap();
    let (status, body) = crate::read(resp).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["overall"], "fail", "{body}");
    let background = body["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "photo-background")
        .expect("a background check")
        .clone();
    assert_eq!(background["verdict"], "fail");
    assert!(
        background["message"].as_str().unwrap().is_ascii(),
        "English: {background}"
    );
    let (status, body) = app
        .post(
            Some(&token),
            &format!("/api/v1/applications/{number}/submit"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "api-upload-checks-failed");
    assert_eq!(body["error"]["detail"]["files"][0], "id_photo");
    // Asking for an officer's judgement on a passing file is refused; on the failed one it is
    // recorded, and submission goes through.
    let (status, _) = app
        .post(
            Some(&token),
            &format!("/api/v1/applications/{number}/files/signature/judgement"),
            json!({ "explanation": "x" }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, body) = app
        .post(
            Some(&token),
            &format!("/api/v1/applications/{number}/files/id_photo/judgement"),
            json!({ "explanation": "照相馆的背景是白色的，照片偏灰是扫描造成的" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["judgement_requested"].is_string());
    let (status, body) = app
        .post(
            Some(&token),
            &format!("/api/v1/applications/{number}/submit"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The officer finds it among the requests for judgement, with the request first, and can
    // look at the overlay (the look is audited).
    let reviewer = app.officer_login("reviewer").await;
    let (_, queue) = app
        .get(Some(&reviewer), "/api/v1/officer/queue?judgement=true")
        .await;
    assert_eq!(queue.as_array().unwrap().len(), 1, "{queue}");
    let (_, detail) = app
        .get(
            Some(&reviewer),
            &format!("/api/v1/officer/applications/{number}"),
        )
        .await;
    assert_eq!(
        detail["application"]["uploads"][0]["slot"], "id_photo",
        "{detail}"
    );
    let resp = app
        .http
        .get(app.url(&format!(
            "/api/v1/officer/applications/{number}/files/id_photo?variant=overlay"
        )))
        .bearer_auth(&reviewer)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "image/png");
    let looks = app.audit_rows(&number, "application.view_file").await.len();
    assert_eq!(looks, 1);
}

#[tokio::test]
async fn a_photo_that_passes_comes_back_normalised() {
    let app = TestApp::start().await;
    let (token, number) = draft(&app, "passport-expiring", "passport", "expiring_soon").await;
    let (status, body) = app
        .upload(&token, &number, "id_photo", good_file("id_photo"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_ne!(body["overall"], "fail", "{body}");
    assert_eq!(body["normalised"], true);
    let resp = app
        .http
        .get(app.url(&format!(
            "/api/v1/applications/{number}/files/id_photo?variant=normalised"
        )))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let bytes = resp.bytes().await.unwrap();
    assert!(bytes.starts_with(&[0xFF, 0xD8, 0xFF]), "a JPEG");
}

#[tokio::test]
async fn a_broken_image_is_refused_and_nothing_is_stored() {
    let app = TestApp::start().await;
    let (token, number) = draft(&app, "passport-expiring", "passport", "expiring_soon").await;
    // A real JPEG cut short, and a PNG signature with nothing behind it.
    let truncated = good_file("id_photo")[..2000].to_vec();
    let (status, body) = app.upload(&token, &number, "id_photo", truncated).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"]["code"]
            .as_str()
            .unwrap()
            .starts_with("media-decode-"),
        "{body}"
    );
    let (status, body) = app
        .upload(&token, &number, "signature", b"\x89PNG\r\n\x1a\n".to_vec())
        .await;
    assert!(status.is_client_error(), "{status} {body}");
    let (_, view) = app
        .get(Some(&token), &format!("/api/v1/applications/{number}"))
        .await;
    assert!(view["uploads"].as_array().unwrap().is_empty(), "{view}");
}
