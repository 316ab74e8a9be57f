//! One application's journey through every port, on the simulators, across a restart of the
//! service: what the server will do, step by step, with the answers checked at each step.

mod fuzz;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use bytes::Bytes;
use chrono::{NaiveDate, TimeZone, Utc};
use wangban_core::application_number::ApplicationNumber;
use wangban_core::document::{DocumentKind, Reason};
use wangban_core::eligibility::{EligibilitySettings, Facts, Request, assess};
use wangban_core::fees::FeeSchedule;
use wangban_core::i18n::Locale;
use wangban_core::registry::{DocumentStatus, HeldDocument};
use wangban_gateways::payment::{
    CreateOrder, NotificationStatus, OrderStatus, PaymentNotification, SIGNATURE_HEADER,
};
use wangban_gateways::post::{Postage, TrackingEventKind, Waybill};
use wangban_gateways::production::{ProductionOrder, ProductionStatus};
use wangban_gateways::proofing::{ProofingOutcome, ProofingRequest};
use wangban_gateways::registry::demo::demo_citizen;
use wangban_gateways::sms::{SmsMessage, SmsTemplate};
use wangban_gateways::{
    Clock, Gateways, ManualClock, PaymentSettings, SimulatorSettings, Simulators,
};

/// The server's notification endpoint: verifies through the port, records what it accepted.
#[derive(Clone)]
struct Endpoint {
    gateways: Gateways,
    accepted: Arc<Mutex<Vec<PaymentNotification>>>,
}

async fn notify(State(e): State<Endpoint>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let signature = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok());
    match e.gateways.payment.verify_notification(signature, &body) {
        Ok(n) => {
            e.accepted.lock().unwrap().push(n);
            StatusCode::NO_CONTENT
        }
        Err(_) => StatusCode::UNAUTHORIZED,
    }
}

fn settings() -> SimulatorSettings {
    SimulatorSettings {
        snapshot_debounce_ms: 1,
        payment: PaymentSettings {
            initial_backoff_ms: 10,
            ..PaymentSettings::default()
        },
        ..SimulatorSettings::default()
    }
}

fn today(clock: &ManualClock) -> NaiveDate {
    clock.today()
}

#[tokio::test]
async fn an_application_through_every_port_and_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("sim");
    // 10:00 in Shanghai.
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 25, 2, 0, 0).unwrap(),
    ));
    let sims = Simulators::start(&settings(), clock.clone(), Some(state.clone())).unwrap();
    let gw = sims.gateways();
    let citizen = demo_citizen("passport-lost").unwrap();

    // Log in: the code goes out by SMS and is readable in the outbox.
    gw.sms
        .send(SmsMessage {
            reference: None,
            to: citizen.phone.clone(),
            template: SmsTemplate::LoginCode {
                code: "604211".into(),
                valid_minutes: 5,
            },
            locale: Locale::ZhCn,
        })
        .await
        .unwrap();
    assert_eq!(
        sims.sms.last_login_code(&citizen.phone).as_deref(),
        Some("604211")
    );

    // Real-person authentication.
    let mut capture = vec![0xFF, 0xD8, 0xFF, 0xE0];
    capture.resize(8 * 1024, 0x42);
    let outcome = gw
        .proofing
        .verify(ProofingRequest {
            name: citizen.name.clone(),
            id_number: citizen.id_number.clone(),
            capture: Bytes::from(capture),
        })
        .await
        .unwrap();
    assert_eq!(outcome, ProofingOutcome::Verified);

    // Eligibility from the registry's record.
    let person = gw
        .registry
        .person(&citizen.id_number)
        .await
        .unwrap()
        .unwrap();
    let request = Request {
        kind: DocumentKind::Passport,
        reason: Reason::LostOrStolen,
    };
    assert_eq!(request, citizen.request);
    let report = assess(
        &Facts {
            person: &person.record,
            request,
            today: today(&clock),
            open_applications: &[],
        },
        &EligibilitySettings::default(),
    );
    assert!(report.eligible);

    // Submission reports the lost passport.
    let old = person
        .record
        .current_document(DocumentKind::Passport)
        .unwrap()
        .clone();
    gw.registry
        .report_lost(&citizen.id_number, old.kind, &old.number, clock.now())
        .await
        .unwrap();

    // Approval, then payment through the hosted page and the signed notification.
    let endpoint = Endpoint {
        gateways: gw.clone(),
        accepted: Arc::default(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let notify_url = format!("http://{}/notify", listener.local_addr().unwrap());
    let app = Router::new()
        .route("/notify", post(notify))
        .with_state(endpoint.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let fee = FeeSchedule::default().fee(DocumentKind::Passport);
    let application = ApplicationNumber::from_value(0x00_ABCD_1234);
    let order = gw
        .payment
        .create_order(CreateOrder {
            merchant_order_no: application.compact(),
            amount: fee,
            description: "普通护照".into(),
            notify_url,
            return_url: "/applications".into(),
        })
        .await
        .unwrap();
    assert!(order.pay_url.ends_with(&order.provider_order_id));
    sims.payment.pay(&order.provider_order_id).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let notification = loop {
        if let Some(n) = endpoint.accepted.lock().unwrap().first().cloned() {
            break n;
        }
        assert!(Instant::now() < deadline, "no notification");
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    assert_eq!(notification.status, NotificationStatus::Paid);
    assert_eq!(notification.amount, fee);
    assert_eq!(notification.merchant_order_no, application.compact());

    // Production, then the new passport in the registry.
    let production = gw
        .production
        .submit(ProductionOrder {
            reference: application,
            kind: DocumentKind::Passport,
            holder: citizen.id_number.clone(),
            name: citizen.name.clone(),
            pinyin: citizen.pinyin.clone(),
        })
        .await
        .unwrap();
    assert!(matches!(
        gw.production.status(&production).await.unwrap(),
        ProductionStatus::Pending { .. }
    ));
    clock.advance(chrono::Duration::seconds(60));
    let ProductionStatus::Produced {
        document_number,
        issued_on,
        expires_on,
        ..
    } = gw.production.status(&production).await.unwrap()
    else {
        panic!("not produced after the production time")
    };
    gw.registry
        .record_issued(
            &citizen.id_number,
            HeldDocument {
                kind: DocumentKind::Passport,
                number: document_number.as_str().into(),
                issued_on,
                expires_on,
                status: DocumentStatus::Valid,
                visa_pages_left: Some(32),
            },
        )
        .await
        .unwrap();

    // Mailed, postage paid on delivery, and delivered as time passes.
    let tracking = gw
        .post
        .create_waybill(Waybill {
            recipient: citizen.name.clone(),
            phone: citizen.phone.clone(),
            address: "上海市浦东新区世纪大道100号".into(),
            destination: citizen.hukou_district,
            postcode: None,
            reference: application.to_string(),
            postage: Postage::RecipientPays,
        })
        .await
        .unwrap();
    gw.sms
        .send(SmsMessage {
            reference: None,
            to: citizen.phone.clone(),
            template: SmsTemplate::Dispatched {
                application,
                kind: DocumentKind::Passport,
                tracking_number: tracking.clone(),
            },
            locale: Locale::En,
        })
        .await
        .unwrap();
    clock.advance(chrono::Duration::minutes(30));
    let events = gw.post.track(&tracking).await.unwrap();
    assert_eq!(events.last().unwrap().kind, TrackingEventKind::Delivered);
    sims.flush().unwrap();
    drop((gw, sims, endpoint));

    // The service restarts; the external systems remember.
    let sims = Simulators::start(&settings(), clock.clone(), Some(state.clone())).unwrap();
    let gw = sims.gateways();
    let person = gw
        .registry
        .person(&citizen.id_number)
        .await
        .unwrap()
        .unwrap();
    let statuses: Vec<(String, DocumentStatus)> = person
        .record
        .documents
        .iter()
        .map(|d| (d.number.clone(), d.status))
        .collect();
    assert_eq!(
        statuses,
        [
            (old.number.clone(), DocumentStatus::ReportedLost),
            (document_number.as_str().to_owned(), DocumentStatus::Valid),
        ]
    );
    assert!(matches!(
        gw.payment.query(&order.provider_order_id).await.unwrap(),
        OrderStatus::Paid { amount, .. } if amount == fee
    ));
    assert!(matches!(
        gw.production.status(&production).await.unwrap(),
        ProductionStatus::Produced { .. }
    ));
    assert_eq!(gw.post.track(&tracking).await.unwrap().len(), 5);
    let outbox = sims.sms.outbox_for(&citizen.phone);
    assert_eq!(outbox.len(), 2);
    assert!(outbox[1].text.contains(tracking.as_str()));
    // The new passport is not due for renewal: the engine says so.
    let report = assess(
        &Facts {
            person: &person.record,
            request: Request {
                kind: DocumentKind::Passport,
                reason: Reason::ExpiringSoon,
            },
            today: today(&clock),
            open_applications: &[],
        },
        &EligibilitySettings::default(),
    );
    assert!(report.failures().any(|o| o.code == "elig-expiring-soon"));
}

#[tokio::test]
async fn without_a_state_folder_nothing_is_written_and_everything_works() {
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::starting_now());
    let sims = Simulators::start(&SimulatorSettings::default(), clock, None).unwrap();
    assert_eq!(sims.registry.len(), wangban_gateways::demo_citizens().len());
    sims.flush().unwrap();
}

#[test]
fn a_damaged_snapshot_stops_the_start_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("post.json"), "{").unwrap();
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::starting_now());
    let err = Simulators::start(
        &SimulatorSettings::default(),
        clock,
        Some(dir.path().to_owned()),
    )
    .err()
    .expect("refused");
    assert!(err.to_string().contains("post.json"), "{err}");
}
