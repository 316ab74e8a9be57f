use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use chrono::{TimeZone, Utc};

use super::*;
use crate::clock::ManualClock;

/// A delivery as the merchant saw it: signature header, body, arrival.
type Received = (Option<String>, Vec<u8>, Instant);

/// A merchant endpoint that records what it receives and refuses the first `fail_first`.
#[derive(Clone, Default)]
struct Receiver {
    received: Arc<Mutex<Vec<Received>>>,
    fail_first: Arc<AtomicUsize>,
}

impl Receiver {
    async fn start(fail_first: usize) -> (Receiver, String) {
        let r = Receiver::default();
        r.fail_first.store(fail_first, Ordering::SeqCst);
        let app = Router::new()
            .route("/notify", post(receive))
            .with_state(r.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/notify", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (r, url)
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Waits until `n` requests arrived (or fails after 10 s).
    async fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "only {} of {n} arrived",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

async fn receive(State(r): State<Receiver>, headers: HeaderMap, body: bytes::Bytes) -> StatusCode {
    let signature = headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    r.received
        .lock()
        .unwrap()
        .push((signature, body.to_vec(), Instant::now()));
    let refuse = r
        .fail_first
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if refuse {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    }
}

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 25, 2, 0, 0).unwrap()
}

fn fast() -> PaymentSettings {
    PaymentSettings {
        initial_backoff_ms: 10,
        max_backoff_ms: 40,
        request_timeout_ms: 2000,
        ..PaymentSettings::default()
    }
}

fn order(merchant: &str, url: &str) -> CreateOrder {
    CreateOrder {
        merchant_order_no: merchant.into(),
        amount: Fen::from_yuan(120),
        description: "普通护照 WB-0000-00000".into(),
        notify_url: url.into(),
        return_url: "/applications/1".into(),
    }
}

fn notification_of(sim: &PaymentSimulator, got: &Received) -> PaymentNotification {
    sim.verify_notification(got.0.as_deref(), &got.1)
        .expect("a genuine notification verifies")
}

#[test]
fn signatures_verify_and_every_forgery_is_refused() {
    let secret = b"shared secret";
    let body = br#"{"amount":12000}"#;
    let now = t0();
    let header = sign(secret, now, body);
    assert!(header.starts_with(&format!("t={},v1=", now.timestamp())));
    let tolerance = Duration::from_secs(300);
    let verify = |secret: &[u8], header: Option<&str>, body: &[u8], now| {
        verify_signature(secret, tolerance, now, header, body)
    };
    assert_eq!(verify(secret, Some(&header), body, now), Ok(()));
    // Within the tolerance, either way.
    assert_eq!(
        verify(
            secret,
            Some(&header),
            body,
            now + chrono::Duration::seconds(299)
        ),
        Ok(())
    );
    assert_eq!(
        verify(secret, Some(&header), br#"{"amount":1}"#, now),
        Err(SignatureError::Mismatch)
    );
    assert_eq!(
        verify(b"another secret", Some(&header), body, now),
        Err(SignatureError::Mismatch)
    );
    assert_eq!(
        verify(
            secret,
            Some(&header),
            body,
            now + chrono::Duration::seconds(301)
        ),
        Err(SignatureError::Stale { age_secs: 301 })
    );
    assert_eq!(
        verify(
            secret,
            Some(&header),
            body,
            now - chrono::Duration::seconds(600)
        ),
        Err(SignatureError::Stale { age_secs: -600 })
    );
    // A replayed signature with a fresh timestamp does not match.
    let later = now + chrono::Duration::seconds(1000);
    let replay = header.replace(&now.timestamp().to_string(), &later.timestamp().to_string());
    assert_eq!(
        verify(secret, Some(&replay), body, later),
        Err(SignatureError::Mismatch)
    );
    assert_eq!(
        verify(secret, None, body, now),
        Err(SignatureError::Missing)
    );
    for bad in ["", "t=abc,v1=00", "v1=00", "t=1", "t=1,v1=zz", "garbage"] {
        assert_eq!(
            verify(secret, Some(bad), body, now),
            Err(SignatureError::Malformed),
            "{bad}"
        );
    }
    // Several v1 values (a secret being rotated): one matching is enough.
    let tag = header.split("v1=").nth(1).unwrap();
    let rotated = format!("t={},v1={},v1={tag}", now.timestamp(), "00".repeat(32));
    assert_eq!(verify(secret, Some(&rotated), body, now), Ok(()));
}

/// Regression (found by fuzzing): the sender's timestamp is any i64, and `now - t` overflowed
/// for `t` near `i64::MIN` (a panic in debug builds, a wrapped age that could pass the window in
/// release). Extreme timestamps are stale.
#[test]
fn extreme_signature_timestamps_are_stale_not_an_overflow() {
    let secret = b"shared secret";
    let body = br#"{"amount":12000}"#;
    let now = t0();
    let tag = sign(secret, now, body);
    let tag = tag.split("v1=").nth(1).unwrap();
    for (t, age) in [
        (i64::MIN, i64::MAX),
        (i64::MIN + 1, i64::MAX),
        (i64::MAX, -(i64::MAX - now.timestamp())),
        (-1, now.timestamp() + 1),
    ] {
        let header = format!("t={t},v1={tag}");
        for tolerance in [0, 300, 10 * 365 * 86_400] {
            assert_eq!(
                verify_signature(
                    secret,
                    Duration::from_secs(tolerance),
                    now,
                    Some(&header),
                    body
                ),
                Err(SignatureError::Stale { age_secs: age }),
                "t={t} tolerance={tolerance}"
            );
        }
    }
    // The whole range tolerated: the age is checked, then the signature (made for another t).
    let header = format!("t={},v1={tag}", i64::MIN);
    assert_eq!(
        verify_signature(secret, Duration::MAX, now, Some(&header), body),
        Err(SignatureError::Mismatch)
    );
}

#[tokio::test]
async fn an_order_is_paid_and_the_signed_notification_carries_the_amount() {
    let (receiver, url) = Receiver::start(0).await;
    let clock = Arc::new(ManualClock::new(t0()));
    let sim = PaymentSimulator::new(fast(), clock.clone());
    let created = sim.create_order(order("WB1-1", &url)).await.unwrap();
    assert_eq!(
        created.pay_url,
        format!("/sim/pay/{}", created.provider_order_id)
    );
    assert_eq!(
        sim.query(&created.provider_order_id).await.unwrap(),
        OrderStatus::Pending
    );
    // Idempotent while open.
    assert_eq!(
        sim.create_order(order("WB1-1", &url)).await.unwrap(),
        created
    );
    let page = sim.order(&created.provider_order_id).unwrap();
    assert_eq!(page.amount, Fen::from_yuan(120));

    let status = sim.pay(&created.provider_order_id).unwrap();
    let OrderStatus::Paid {
        amount, paid_at, ..
    } = &status
    else {
        panic!("{status:?}")
    };
    assert_eq!((*amount, *paid_at), (Fen::from_yuan(120), t0()));
    assert_eq!(sim.query(&created.provider_order_id).await.unwrap(), status);
    // Paying again changes nothing and sends nothing more.
    assert_eq!(sim.pay(&created.provider_order_id).unwrap(), status);

    let got = receiver.wait_for(1).await;
    let n = notification_of(&sim, &got[0]);
    assert_eq!(n.status, NotificationStatus::Paid);
    assert_eq!(n.amount, Fen::from_yuan(120));
    assert_eq!(n.merchant_order_no, "WB1-1");
    assert_eq!(n.order_status(), status);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(receiver.received().len(), 1);
    assert_eq!(sim.undelivered(), 0);

    // The order is done: the same merchant number is refused.
    let err = sim.create_order(order("WB1-1", &url)).await.unwrap_err();
    assert_eq!(err.code(), "rejected:already_paid");
    // Closing a paid order tells the server it was paid.
    assert_eq!(sim.close(&created.provider_order_id).await.unwrap(), status);
}

#[tokio::test]
async fn a_wrong_amount_reaches_the_server_as_it_was_paid() {
    let (receiver, url) = Receiver::start(0).await;
    let sim = PaymentSimulator::new(fast(), Arc::new(ManualClock::new(t0())));
    let created = sim.create_order(order("WB1-2", &url)).await.unwrap();
    sim.pay_amount(&created.provider_order_id, Fen::new(1))
        .unwrap();
    let got = receiver.wait_for(1).await;
    assert_eq!(notification_of(&sim, &got[0]).amount, Fen::new(1));
    let err = sim
        .create_order(CreateOrder {
            amount: Fen::from_yuan(60),
            ..order("WB1-3", &url)
        })
        .await;
    assert!(err.is_ok());
    let err = sim
        .create_order(CreateOrder {
            amount: Fen::from_yuan(80),
            ..order("WB1-3", &url)
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), "rejected:amount_differs");
}

#[tokio::test]
async fn orders_expire_and_a_closed_order_cannot_be_paid() {
    let clock = Arc::new(ManualClock::new(t0()));
    let sim = PaymentSimulator::new(
        PaymentSettings {
            order_ttl_secs: 3600,
            ..fast()
        },
        clock.clone(),
    );
    let url = "http://127.0.0.1:9/notify";
    let first = sim.create_order(order("WB2-1", url)).await.unwrap();
    // The payer looks and leaves: the order stays open.
    let left = sim.cancel(&first.provider_order_id).unwrap();
    assert!(left.cancelled_by_payer);
    assert_eq!(left.return_url, "/applications/1");
    assert_eq!(
        sim.query(&first.provider_order_id).await.unwrap(),
        OrderStatus::Pending
    );
    clock.advance(chrono::Duration::seconds(3600));
    assert_eq!(
        sim.query(&first.provider_order_id).await.unwrap(),
        OrderStatus::Closed
    );
    let err = sim.pay(&first.provider_order_id).unwrap_err();
    assert_eq!(err.code(), "rejected:order_closed");
    // Going to pay again opens a new order under the same merchant number.
    let second = sim.create_order(order("WB2-1", url)).await.unwrap();
    assert_ne!(second.provider_order_id, first.provider_order_id);
    // The server closes it at the payment deadline.
    assert_eq!(
        sim.close(&second.provider_order_id).await.unwrap(),
        OrderStatus::Closed
    );
    assert!(sim.pay(&second.provider_order_id).is_err());
    assert!(matches!(
        sim.query("WP-none").await,
        Err(GatewayError::NotFound { .. })
    ));
    let err = sim
        .create_order(CreateOrder {
            amount: Fen::ZERO,
            ..order("WB2-2", url)
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), "rejected:amount_zero");
}

#[tokio::test]
async fn duplicates_are_delivered_when_configured() {
    let (receiver, url) = Receiver::start(0).await;
    let sim = PaymentSimulator::new(
        PaymentSettings {
            duplicate_deliveries: 2,
            ..fast()
        },
        Arc::new(ManualClock::new(t0())),
    );
    let created = sim.create_order(order("WB3-1", &url)).await.unwrap();
    sim.pay(&created.provider_order_id).unwrap();
    let got = receiver.wait_for(3).await;
    let ids: Vec<String> = got
        .iter()
        .map(|g| notification_of(&sim, g).notification_id)
        .collect();
    assert_eq!(ids.len(), 3);
    assert!(ids.iter().all(|id| id == &ids[0]), "{ids:?}");
    let duplicates = sim.deliveries().iter().filter(|d| d.duplicate).count();
    assert_eq!(duplicates, 2);
}

#[tokio::test]
async fn a_stale_pending_notification_arrives_after_the_paid_one_when_configured() {
    let (receiver, url) = Receiver::start(0).await;
    let clock = Arc::new(ManualClock::new(t0()));
    let sim = PaymentSimulator::new(
        PaymentSettings {
            out_of_order: true,
            ..fast()
        },
        clock.clone(),
    );
    let created = sim.create_order(order("WB4-1", &url)).await.unwrap();
    clock.advance(chrono::Duration::minutes(3));
    sim.pay(&created.provider_order_id).unwrap();
    let got = receiver.wait_for(2).await;
    let first = notification_of(&sim, &got[0]);
    let second = notification_of(&sim, &got[1]);
    assert_eq!(first.status, NotificationStatus::Paid);
    assert_eq!(second.status, NotificationStatus::Pending);
    assert!(second.event_at < first.event_at);
    assert_ne!(first.notification_id, second.notification_id);
}

#[tokio::test]
async fn refused_deliveries_are_retried_with_backoff_until_accepted() {
    let (receiver, url) = Receiver::start(2).await;
    let sim = PaymentSimulator::new(fast(), Arc::new(ManualClock::new(t0())));
    let created = sim.create_order(order("WB5-1", &url)).await.unwrap();
    sim.pay(&created.provider_order_id).unwrap();
    let got = receiver.wait_for(3).await;
    // 10 ms, then 20 ms between attempts.
    assert!(got[1].2 - got[0].2 >= Duration::from_millis(10));
    assert!(got[2].2 - got[1].2 >= Duration::from_millis(20));
    let outcomes: Vec<DeliveryOutcome> = sim.deliveries().into_iter().map(|d| d.outcome).collect();
    assert_eq!(
        outcomes,
        [
            DeliveryOutcome::Refused { http_status: 500 },
            DeliveryOutcome::Refused { http_status: 500 },
            DeliveryOutcome::Accepted { http_status: 200 },
        ]
    );
}

#[tokio::test]
async fn delivery_is_given_up_after_the_last_attempt_and_query_still_answers() {
    // A port nobody listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/notify", listener.local_addr().unwrap());
    drop(listener);
    let sim = PaymentSimulator::new(
        PaymentSettings {
            max_attempts: 3,
            ..fast()
        },
        Arc::new(ManualClock::new(t0())),
    );
    let created = sim.create_order(order("WB6-1", &url)).await.unwrap();
    sim.pay(&created.provider_order_id).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while sim.undelivered() > 0 {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let log = sim.deliveries();
    assert_eq!(log.len(), 4);
    assert!(matches!(log[0].outcome, DeliveryOutcome::Failed { .. }));
    assert_eq!(log[3].outcome, DeliveryOutcome::GaveUp);
    assert!(matches!(
        sim.query(&created.provider_order_id).await.unwrap(),
        OrderStatus::Paid { .. }
    ));
}

#[tokio::test]
async fn a_late_notification_comes_after_the_configured_delay() {
    let (receiver, url) = Receiver::start(0).await;
    let sim = PaymentSimulator::new(
        PaymentSettings {
            notify_delay_ms: 200,
            ..fast()
        },
        Arc::new(ManualClock::new(t0())),
    );
    let created = sim.create_order(order("WB7-1", &url)).await.unwrap();
    let paid_at = Instant::now();
    sim.pay(&created.provider_order_id).unwrap();
    let got = receiver.wait_for(1).await;
    assert!(got[0].2 - paid_at >= Duration::from_millis(200));
}

#[test]
fn orders_and_undelivered_notifications_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("payment.json");
    let clock = Arc::new(ManualClock::new(t0()));
    // The merchant's endpoint runs on its own runtime, across the provider's "restart".
    let merchant = tokio::runtime::Runtime::new().unwrap();
    let (receiver, url) = merchant.block_on(Receiver::start(usize::MAX));
    let settings = PaymentSettings {
        initial_backoff_ms: 20,
        max_backoff_ms: 20,
        max_attempts: 1000,
        ..fast()
    };

    let provider = tokio::runtime::Runtime::new().unwrap();
    let (paid, pending) = provider.block_on(async {
        let sim = PaymentSimulator::new(settings.clone(), clock.clone())
            .persisted(path.clone(), Duration::from_millis(1))
            .unwrap();
        let paid = sim.create_order(order("WB8-1", &url)).await.unwrap();
        let pending = sim.create_order(order("WB8-2", &url)).await.unwrap();
        sim.pay(&paid.provider_order_id).unwrap();
        receiver.wait_for(1).await;
        sim.flush().unwrap();
        (paid, pending)
    });
    // The provider goes down with its delivery task.
    drop(provider);
    receiver.fail_first.store(0, Ordering::SeqCst);
    let before = receiver.received().len();

    let provider = tokio::runtime::Runtime::new().unwrap();
    provider.block_on(async {
        let sim = PaymentSimulator::new(settings, clock.clone())
            .persisted(path.clone(), Duration::from_millis(1))
            .unwrap();
        assert!(matches!(
            sim.query(&paid.provider_order_id).await.unwrap(),
            OrderStatus::Paid { .. }
        ));
        assert_eq!(
            sim.query(&pending.provider_order_id).await.unwrap(),
            OrderStatus::Pending
        );
        assert_eq!(
            sim.create_order(order("WB8-2", &url)).await.unwrap(),
            pending
        );
        // Delivery resumed by itself and succeeds now.
        let got = receiver.wait_for(before + 1).await;
        let n = notification_of(&sim, got.last().unwrap());
        assert_eq!(n.provider_order_id, paid.provider_order_id);
        let deadline = Instant::now() + Duration::from_secs(10);
        while sim.undelivered() > 0 {
            assert!(Instant::now() < deadline);
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
}

#[tokio::test]
async fn a_change_just_before_shutdown_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("payment.json");
    let clock = Arc::new(ManualClock::new(t0()));
    // A long debounce: only the final write at shutdown can save the order.
    let sim = PaymentSimulator::new(fast(), clock.clone())
        .persisted(path.clone(), Duration::from_secs(60))
        .unwrap();
    let created = sim
        .create_order(order("WB9-1", "http://127.0.0.1:9/notify"))
        .await
        .unwrap();
    drop(sim);
    let sim = PaymentSimulator::new(fast(), clock)
        .persisted(path, Duration::from_secs(60))
        .unwrap();
    assert_eq!(
        sim.query(&created.provider_order_id).await.unwrap(),
        OrderStatus::Pending
    );
}
