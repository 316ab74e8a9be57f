//! Whole journeys over HTTP: login to delivery or collection, corrections, deadlines,
//! payments that misbehave, officers racing.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};
use wangban_gateways::clock::Clock;
use wangban_gateways::registry::demo_citizen;

use crate::{TestApp, mail, pickup};

/// Pays through the simulator's hosted page, as a person would (following the pay URL).
pub(crate) async fn pay(app: &TestApp, token: &str, number: &str) {
    let (status, body) = app
        .post(
            Some(token),
            &format!("/api/v1/applications/{number}/payment"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let pay_url = body["pay_url"].as_str().unwrap().to_owned();
    let page = app.http.get(&pay_url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let paid = app.http.post(&pay_url).send().await.unwrap();
    assert!(
        paid.status().is_success() || paid.status().is_redirection(),
        "{}",
        paid.status()
    );
}

pub(crate) async fn approve(app: &TestApp, reviewer: &str, number: &str) {
    let (status, body) = app.officer_act(reviewer, number, "claim", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app
        .officer_act(reviewer, number, "approve", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["state"], "awaiting_payment");
}

/// From submission to the end, by mail or at the hall.
async fn journey(key: &str, delivery: Value) {
    let app = TestApp::start().await;
    let c = demo_citizen(key).unwrap();
    let (token, number) = app.submitted(key, delivery.clone()).await;
    let old = app
        .state()
        .gateways
        .registry
        .person(&c.id_number)
        .await
        .unwrap()
        .unwrap()
        .record
        .current_document(c.request.kind)
        .unwrap()
        .number
        .clone();
    if c.request.reason == wangban_core::document::Reason::LostOrStolen {
        // A lost or stolen document is reported to the registry at submission.
        app.eventually("the old document reported lost", || async {
            let p = app
                .state()
                .gateways
                .registry
                .person(&c.id_number)
                .await
                .unwrap()
                .unwrap();
            p.record.documents.iter().any(|d| {
                d.number == old && d.status == wangban_core::registry::DocumentStatus::ReportedLost
            })
        })
        .await;
    }
    let reviewer = app.officer_login("reviewer").await;
    approve(&app, &reviewer, &number).await;
    app.eventually("the approval SMS", || async {
        app.last_sms(c.phone.as_str())
            .await
            .is_some_and(|t| t.contains("¥"))
    })
    .await;
    pay(&app, &token, &number).await;
    app.eventually("payment recorded", || async {
        app.state_of(&token, &number).await == "in_production"
    })
    .await;
    // The production centre takes its configured time: move the clock on until it is done.
    app.advance_until("document produced", Duration::seconds(20), || async {
        app.state_of(&token, &number).await == "produced"
    })
    .await;
    let (_, view) = app
        .get(Some(&token), &format!("/api/v1/applications/{number}"))
        .await;
    let document_number = view["document_number"].as_str().unwrap().to_owned();
    assert!(!document_number.is_empty());
    let clerk = app.officer_login("dispatch").await;
    if delivery["method"] == "mail" {
        let (status, body) = app
            .officer_act(&clerk, &number, "dispatch", json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let tracking = body["tracking_number"].as_str().unwrap().to_owned();
        assert!(
            wangban_core::postal::S10Number::parse(&tracking).is_ok(),
            "{tracking}"
        );
        // The post takes its legs; move the clock on until the item is delivered (or returned).
        app.advance_until(
            "delivered or returned to the hall",
            Duration::minutes(2),
            || async {
                let s = app.state_of(&token, &number).await;
                s == "delivered" || s == "ready_for_pickup"
            },
        )
        .await;
        if app.state_of(&token, &number).await == "ready_for_pickup" {
            let (status, _) = app
                .officer_act(&clerk, &number, "collected", json!({}))
                .await;
            assert_eq!(status, StatusCode::OK);
        }
    } else {
        let (status, body) = app
            .officer_act(&clerk, &number, "send-to-hall", json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, body) = app
            .officer_act(&clerk, &number, "collected", json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["state"], "collected");
    }
    // The registry now knows the new document (and the old one is cancelled).
    app.eventually("registry updated", || async {
        let p = app
            .state()
            .gateways
            .registry
            .person(&c.id_number)
            .await
            .unwrap()
            .unwrap();
        p.record
            .documents
            .iter()
            .any(|d| d.number == document_number)
    })
    .await;
    let (_, timeline) = app
        .get(
            Some(&token),
            &format!("/api/v1/applications/{number}/timeline"),
        )
        .await;
    assert!(
        timeline["entries"].as_array().unwrap().len() >= 6,
        "{timeline}"
    );
}

#[tokio::test]
async fn passport_by_mail() {
    journey("passport-expiring", mail()).await;
}

#[tokio::test]
async fn passport_at_the_hall() {
    journey("passport-damaged", pickup()).await;
}

#[tokio::test]
async fn hk_macao_permit_by_mail() {
    journey("hkmo-expiring", mail()).await;
}

#[tokio::test]
async fn hk_macao_permit_at_the_hall() {
    journey("hkmo-damaged", pickup()).await;
}

#[tokio::test]
async fn taiwan_permit_by_mail() {
    journey("taiwan-expiring", mail()).await;
}

#[tokio::test]
async fn taiwan_permit_at_the_hall() {
    journey("taiwan-lost", pickup()).await;
}

#[tokio::test]
async fn a_correction_round_pauses_review_and_resumes() {
    let app = TestApp::start().await;
    let (token, number) = app.submitted("passport-expiring", pickup()).await;
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
    assert_eq!(body["state"], "correction_requested");
    let (_, view) = app
        .get(Some(&token), &format!("/api/v1/applications/{number}"))
        .await;
    assert_eq!(view["correction"]["items"][0]["subject"], "id_photo");
    assert!(
        view["clocks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["clock"] == "correction")
    );
    // Answering without a new photo is refused and says which file.
    let (status, body) = app
        .post(
            Some(&token),
            &format!("/api/v1/applications/{number}/correction"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["detail"]["files"][0], "id_photo");
    app.clock.advance(Duration::hours(3));
    let (status, _) = app
        .upload(
            &token,
            &number,
            "id_photo",
            crate::OTHER_GOOD_PHOTO.to_vec(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = app
        .post(
            Some(&token),
            &format!("/api/v1/applications/{number}/correction"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["state"], "submitted");
    let review = body["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["clock"] == "review")
        .unwrap()
        .clone();
    assert_eq!(review["reading"]["status"], "running", "{review}");
    approve(&app, &reviewer, &number).await;
}

#[tokio::test]
async fn no_correction_within_7_days_withdraws_the_application() {
    let app = TestApp::start().await;
    let c = demo_citizen("passport-damaged").unwrap();
    let (token, number) = app.submitted("passport-damaged", pickup()).await;
    let reviewer = app.officer_login("reviewer").await;
    app.officer_act(&reviewer, &number, "claim", json!({}))
        .await;
    app.officer_act(
        &reviewer,
        &number,
        "request-correction",
        json!({ "items": [{ "subject": "signature", "reason": "signature_spacing" }] }),
    )
    .await;
    // On the last day (requested Tuesday 3 March, due by the end of Tuesday 10 March in
    // Shanghai): a reminder, not a withdrawal.
    app.clock.advance(Duration::days(7) + Duration::hours(2));
    wangban_server::workers::sweep(app.state()).await.unwrap();
    assert_eq!(app.state_of(&token, &number).await, "correction_requested");
    app.eventually("one reminder", || async {
        let (_, v) = app
            .get(None, &format!("/api/v1/sim/sms?phone={}", c.phone.as_str()))
            .await;
        v.as_array()
            .unwrap()
            .iter()
            .any(|m| m["template"] == "deadline_reminder")
    })
    .await;
    // Sweeping again sends no second reminder for the same deadline.
    wangban_server::workers::sweep(app.state()).await.unwrap();
    let reminders = app
        .state()
        .store
        .jobs(Some("sms"))
        .await
        .unwrap()
        .into_iter()
        .filter(|j| j.payload.contains("deadline_reminder"))
        .count();
    assert_eq!(reminders, 1);
    // The eighth day: withdrawn by the system, and told so.
    app.clock.advance(Duration::days(2));
    wangban_server::workers::sweep(app.state()).await.unwrap();
    assert_eq!(app.state_of(&token, &number).await, "withdrawn");
    let (_, timeline) = app
        .get(
            Some(&token),
            &format!("/api/v1/applications/{number}/timeline"),
        )
        .await;
    let last = timeline["entries"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["event"], "correction_deadline_missed");
    assert_eq!(last["actor"], "system");
    // Sweeping again changes nothing.
    wangban_server::workers::sweep(app.state()).await.unwrap();
    let (_, again) = app
        .get(
            Some(&token),
            &format!("/api/v1/applications/{number}/timeline"),
        )
        .await;
    assert_eq!(
        again["entries"].as_array().unwrap().len(),
        timeline["entries"].as_array().unwrap().len()
    );
    app.eventually("the withdrawal SMS", || async {
        let (_, v) = app
            .get(None, &format!("/api/v1/sim/sms?phone={}", c.phone.as_str()))
            .await;
        v.as_array()
            .unwrap()
            .iter()
            .any(|m| m["template"] == "withdrawn")
    })
    .await;
}

#[tokio::test]
async fn no_payment_within_7_days_withdraws_the_application() {
    let app = TestApp::start().await;
    let (token, number) = app.submitted("hkmo-damaged", pickup()).await;
    let reviewer = app.officer_login("reviewer").await;
    approve(&app, &reviewer, &number).await;
    app.clock.advance(Duration::days(8));
    wangban_server::workers::sweep(app.state()).await.unwrap();
    assert_eq!(app.state_of(&token, &number).await, "withdrawn");
    let (status, body) = app
        .post(
            Some(&token),
            &format!("/api/v1/applications/{number}/payment"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
}

#[tokio::test]
async fn duplicate_and_out_of_order_notifications_record_one_payment() {
    let app = TestApp::start_with(|s| {
        s.simulators.payment.duplicate_deliveries = 2;
        s.simulators.payment.out_of_order = true;
    })
    .await;
    let (token, number) = app.submitted("passport-lost", pickup()).await;
    let reviewer = app.officer_login("reviewer").await;
    approve(&app, &reviewer, &number).await;
    pay(&app, &token, &number).await;
    app.eventually("payment recorded", || async {
        app.state_of(&token, &number).await == "in_production"
    })
    .await;
    // Let every duplicate and the stale notification arrive.
    app.eventually("the duplicates delivered", || async {
        app.state().sims.payment.deliveries().len() >= 3
    })
    .await;
    let (_, view) = app
        .get(Some(&token), &format!("/api/v1/applications/{number}"))
        .await;
    let paid: Vec<_> = view["payments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["status"] == "paid")
        .collect();
    assert_eq!(paid.len(), 1, "{view}");
    let (_, timeline) = app
        .get(
            Some(&token),
            &format!("/api/v1/applications/{number}/timeline"),
        )
        .await;
    let confirmations = timeline["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "payment_confirmed")
        .count();
    assert_eq!(confirmations, 1, "{timeline}");
}

#[tokio::test]
async fn a_forged_notification_is_refused() {
    let app = TestApp::start().await;
    let resp = app
        .http
        .post(app.url("/api/v1/payments/notify"))
        .header("Wangban-Signature", "t=1,v1=00")
        .body(r#"{"merchant_order_no":"x"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn two_officers_claiming_at_once_one_wins() {
    let app = TestApp::start().await;
    let (_, number) = app.submitted("taiwan-damaged", pickup()).await;
    let a = app.officer_login("reviewer").await;
    let b = app.officer_login("reviewer2").await;
    let (ra, rb) = tokio::join!(
        app.officer_act(&a, &number, "claim", json!({})),
        app.officer_act(&b, &number, "claim", json!({}))
    );
    let mut statuses = [ra.0, rb.0];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::CONFLICT],
        "{ra:?} {rb:?}"
    );
}

#[tokio::test]
async fn two_approvals_at_once_one_wins() {
    let app = TestApp::start().await;
    let (token, number) = app.submitted("taiwan-expiring", pickup()).await;
    let reviewer = app.officer_login("reviewer").await;
    // The same reviewer on two devices.
    let other_device = app.officer_login("reviewer").await;
    let (status, _) = app
        .officer_act(&reviewer, &number, "claim", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (ra, rb) = tokio::join!(
        app.officer_act(&reviewer, &number, "approve", json!({})),
        app.officer_act(&other_device, &number, "approve", json!({}))
    );
    let mut statuses = [ra.0, rb.0];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::CONFLICT],
        "{ra:?} {rb:?}"
    );
    let (_, timeline) = app
        .get(
            Some(&token),
            &format!("/api/v1/applications/{number}/timeline"),
        )
        .await;
    let approvals = timeline["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "approve")
        .count();
    assert_eq!(approvals, 1);
    let _ = app.clock.now();
}
