//! Requests a client may retry, sent twice at once and once more after: the step happens once,
//! and a retry gets the first answer (or, while the first is still running, a 409 that says
//! so). Submission, payment start, an officer's decision, an upload; payment notifications
//! have their own test in `journeys` (duplicated and out of order, one payment).

use reqwest::StatusCode;
use serde_json::{Value, json};

use sha2::{Digest, Sha256};
use wangban_core::i18n::Locale;
use wangban_server::api::applications::submit_application;
use wangban_server::auth::ApplicantAuth;
use wangban_server::idempotency::within;
use wangban_store::{KeyClaim, Reservation};

use crate::{TestApp, mail, read};

/// POST `path` with `key`, as `token`.
async fn post_keyed(
    app: &TestApp,
    token: &str,
    path: &str,
    key: &str,
    body: Value,
) -> (StatusCode, Value) {
    read(
        app.http
            .post(app.url(path))
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// Sends the same keyed request twice at once, then once more: every answer is the first
/// answer, except that one of the two at once may be told the first is still running.
async fn twice_at_once_then_again(
    app: &TestApp,
    token: &str,
    path: &str,
    key: &str,
    body: Value,
) -> Value {
    let (a, b) = tokio::join!(
        post_keyed(app, token, path, key, body.clone()),
        post_keyed(app, token, path, key, body.clone())
    );
    let oks: Vec<&Value> = [&a, &b]
        .into_iter()
        .filter(|(s, _)| *s == StatusCode::OK)
        .map(|(_, v)| v)
        .collect();
    assert!(!oks.is_empty(), "{a:?} {b:?}");
    for (status, v) in [&a, &b] {
        if *status != StatusCode::OK {
            assert_eq!(*status, StatusCode::CONFLICT, "{v}");
            assert_eq!(v["error"]["code"], "api-idempotency-in-progress", "{v}");
        }
    }
    if oks.len() == 2 {
        assert_eq!(oks[0], oks[1]);
    }
    let (status, again) = post_keyed(app, token, path, key, body).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(&again, oks[0]);
    again
}

/// How many times `event` is in the application's history.
async fn times(app: &TestApp, token: &str, number: &str, event: &str) -> usize {
    let (_, timeline) = app
        .get(
            Some(token),
            &format!("/api/v1/applications/{number}/timeline"),
        )
        .await;
    timeline["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == event)
        .count()
}

/// A complete draft of `token`'s resident (delivery by post, the four files uploaded twice at
/// once each: one file per slot).
async fn complete_draft(app: &TestApp, token: &str, number: &str) {
    let (status, _) = app
        .patch(
            token,
            &format!("/api/v1/applications/{number}"),
            json!({ "delivery": mail() }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    for slot in ["id_photo", "signature", "id_card_front", "id_card_back"] {
        // An upload is a PUT of the slot: twice at once leaves one file, the last one.
        let (a, b) = tokio::join!(
            app.upload(token, number, slot, crate::good_file(slot)),
            app.upload(token, number, slot, crate::good_file(slot))
        );
        assert_eq!((a.0, b.0), (StatusCode::OK, StatusCode::OK), "{a:?} {b:?}");
    }
    let (_, view) = app
        .get(Some(token), &format!("/api/v1/applications/{number}"))
        .await;
    let uploads = view["uploads"].as_array().expect("uploads in the view");
    let mut slots: Vec<&str> = uploads
        .iter()
        .map(|u| u["slot"].as_str().unwrap())
        .collect();
    slots.sort();
    assert_eq!(
        slots,
        ["id_card_back", "id_card_front", "id_photo", "signature"],
        "{view}"
    );
}

#[tokio::test]
async fn submission_decisions_and_payment_happen_once_however_often_they_are_sent() {
    let app = TestApp::start().await;
    let token = app.citizen_login("passport-expiring").await;
    let (status, draft) = app
        .post(
            Some(&token),
            "/api/v1/applications",
            json!({ "kind": "passport", "reason": "expiring_soon" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    let number = draft["number"].as_str().unwrap().to_owned();
    complete_draft(&app, &token, &number).await;

    let submit = format!("/api/v1/applications/{number}/submit");
    let v = twice_at_once_then_again(&app, &token, &submit, "submit-1", json!({})).await;
    assert_eq!(v["state"], "submitted");
    assert_eq!(times(&app, &token, &number, "submit").await, 1);

    let reviewer = app.officer_login("reviewer").await;
    for (action, event, state) in [
        ("claim", "claim", "under_review"),
        ("approve", "approve", "awaiting_payment"),
    ] {
        let path = format!("/api/v1/officer/applications/{number}/{action}");
        let v = twice_at_once_then_again(&app, &reviewer, &path, &format!("{action}-1"), json!({}))
            .await;
        assert_eq!(v["state"], state, "{v}");
        assert_eq!(times(&app, &token, &number, event).await, 1, "{action}");
    }
    // The same key with another request is refused, not replayed.
    let (status, v) = post_keyed(
        &app,
        &reviewer,
        &format!("/api/v1/officer/applications/{number}/approve"),
        "approve-1",
        json!({ "note": "different" }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["code"], "api-idempotency-mismatch");

    let pay = format!("/api/v1/applications/{number}/payment");
    let v = twice_at_once_then_again(&app, &token, &pay, "pay-1", json!({})).await;
    let pay_url = v["pay_url"].as_str().unwrap().to_owned();
    // A new key while the order is pending resumes the same order.
    let (status, other) = post_keyed(&app, &token, &pay, "pay-2", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{other}");
    assert_eq!(other["pay_url"], pay_url.as_str());
    let payments = app
        .state()
        .store
        .payments_of(
            app.state()
                .store
                .application_by_number(&number)
                .await
                .unwrap()
                .unwrap()
                .id,
        )
        .await
        .unwrap();
    assert_eq!(payments.len(), 1);
}

/// The hash the server keeps of a keyed request's body.
fn request_hash(request: &Value) -> String {
    hex::encode(Sha256::digest(request.to_string().as_bytes()))
}

/// Reserves `(scope, key)` as a request would that then dies: its token is `dead`.
async fn reserve_as_dead(app: &TestApp, scope: &str, key: &str, request: &Value) -> KeyClaim {
    let now = app.state().now();
    match app
        .state()
        .store
        .reserve_key(scope, key, &request_hash(request), "dead", now, now)
        .await
        .unwrap()
    {
        Reservation::Reserved(claim) => claim,
        other => panic!("not reserved: {other:?}"),
    }
}

/// A server that dies leaves its keyed requests behind: one cut off before its action committed
/// (the key stays reserved), one after (the action is in, the answer is lost). Retries with the
/// same key recover both: the first runs again once the reservation is older than twice the
/// request timeout, the second is answered from the application without running the action
/// again. (That the request which lost its reservation cannot commit any more is the store's
/// test `idempotency_keys_recover_from_a_crash`.)
#[tokio::test]
async fn a_key_left_behind_by_a_dead_request_is_recovered_by_a_retry() {
    let app = TestApp::start().await;
    let token = app.citizen_login("passport-expiring").await;
    let phone = crate::demo_citizen("passport-expiring")
        .unwrap()
        .phone
        .as_str();
    // The resident's account (logging in made it; this finds it).
    let applicant = app
        .state()
        .store
        .applicant_for_phone(phone, app.state().now())
        .await
        .unwrap();
    let create = json!({ "kind": "passport", "reason": "expiring_soon" });
    let scope = format!("create:{applicant}");
    let create_again = || {
        post_keyed(
            &app,
            &token,
            "/api/v1/applications",
            "create-1",
            create.clone(),
        )
    };

    // Cut off before committing: a retry at once is told the first request still runs …
    reserve_as_dead(&app, &scope, "create-1", &create).await;
    let (status, v) = create_again().await;
    assert_eq!(status, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["error"]["code"], "api-idempotency-in-progress");
    // … and once the reservation is older than twice the request timeout, takes it over.
    app.clock.advance(chrono::Duration::seconds(61));
    let (status, draft) = create_again().await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    let (status, again) = create_again().await;
    assert_eq!((status, &again), (StatusCode::CREATED, &draft));
    let (_, mine) = app.get(Some(&token), "/api/v1/applications").await;
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");

    // Died after committing: the submission is in, its answer was never stored.
    let number = draft["number"].as_str().unwrap().to_owned();
    complete_draft(&app, &token, &number).await;
    let auth = ApplicantAuth {
        applicant,
        token_hash: String::new(),
        idle_expires_at: app.state().now(),
    };
    let submit = json!({ "number": number });
    let scope = format!("submit:{applicant}:{number}");
    let dead = reserve_as_dead(&app, &scope, "submit-1", &submit).await;
    within(
        dead,
        submit_application(app.state(), &auth, None, &number, Locale::En),
    )
    .await
    .map(|_| ())
    .unwrap();
    let path = format!("/api/v1/applications/{number}/submit");
    let (status, first) = post_keyed(&app, &token, &path, "submit-1", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["state"], "submitted");
    assert_eq!(times(&app, &token, &number, "submit").await, 1);
    let (status, again) = post_keyed(&app, &token, &path, "submit-1", json!({})).await;
    assert_eq!((status, &again), (StatusCode::OK, &first));
}
