//! What each gateways fuzz target does with one input: the payment notification (its signature
//! header and JSON body) and the other answers that come back from outside systems (tracking
//! events, production orders and statuses, SMS texts). Shared by the cargo-fuzz targets
//! (`fuzz_targets/*.rs`) and the stable smoke fuzz test (`tests/it/fuzz.rs`), which include this
//! file with `#[path]`. Every function must return normally for every input: a panic is a
//! finding.

#![allow(dead_code)]

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use wangban_gateways::payment::{
    NotificationStatus, OrderStatus, PaymentNotification, SignatureError, sign, verify_signature,
};
use wangban_gateways::post::{Shipment, TrackingEvent, Waybill};
use wangban_gateways::production::{ProductionOrder, SimProductionOrder};
use wangban_gateways::sms::login_code_in;

const SECRET: &[u8] = b"wangban-simulated-payment-secret";

/// The server's clock when the notification arrives.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 2, 0, 0)
        .single()
        .expect("a time")
}

/// A JSON value that reads back the same after writing.
fn round_trips<T>(data: &[u8])
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    if let Ok(v) = serde_json::from_slice::<T>(data) {
        let again: T = serde_json::from_slice(&serde_json::to_vec(&v).expect("it serialises"))
            .expect("what was written reads back");
        assert_eq!(again, v);
    }
}

/// The input is `<header>\n<body>`; its first byte also picks the tolerance. Whatever the
/// header, `verify_signature` answers; it accepts only a header carrying the HMAC of this body
/// for its timestamp, within the tolerance; a genuine signature of the body verifies and stops
/// verifying when the body changes. A body that reads as a notification writes back the same.
pub fn payment_notification(data: &[u8]) {
    let tolerance = Duration::from_secs(match data.first().map(|b| b % 4) {
        Some(0) => 0,
        Some(1) => 300,
        Some(2) => 86_400,
        _ => u64::MAX,
    });
    let (header, body) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &data[..0]),
    };
    let header = String::from_utf8_lossy(header);
    let now = now();
    match verify_signature(SECRET, tolerance, now, Some(&header), body) {
        Ok(()) => {
            // Accepted: so the same header over another body is not.
            let mut other = body.to_vec();
            other.push(b' ');
            assert_eq!(
                verify_signature(SECRET, tolerance, now, Some(&header), &other),
                Err(SignatureError::Mismatch)
            );
            assert!(verify_signature(b"another", tolerance, now, Some(&header), body).is_err());
        }
        Err(SignatureError::Stale { age_secs }) => {
            assert!(age_secs.unsigned_abs() > tolerance.as_secs());
        }
        Err(_) => {}
    }
    assert_eq!(
        verify_signature(SECRET, tolerance, now, None, body),
        Err(SignatureError::Missing)
    );
    // A genuine signature, at a time the header bytes give (any time chrono can hold).
    let mut secs = [0u8; 8];
    for (s, b) in secs.iter_mut().zip(header.as_bytes()) {
        *s = *b;
    }
    let at = DateTime::from_timestamp(i64::from_le_bytes(secs) % 100_000_000_000, 0).unwrap_or(now);
    let genuine = sign(SECRET, at, body);
    assert_eq!(
        verify_signature(SECRET, Duration::MAX, at, Some(&genuine), body),
        Ok(())
    );
    let mut tampered = body.to_vec();
    match tampered.first_mut() {
        Some(b) => *b ^= 1,
        None => tampered.push(b'{'),
    }
    assert_eq!(
        verify_signature(SECRET, Duration::MAX, at, Some(&genuine), &tampered),
        Err(SignatureError::Mismatch)
    );
    // The body, as the server reads it after the signature.
    if let Ok(n) = serde_json::from_slice::<PaymentNotification>(body) {
        match n.order_status() {
            OrderStatus::Paid { amount, .. } => {
                assert_eq!(n.status, NotificationStatus::Paid);
                assert_eq!(amount, n.amount);
            }
            OrderStatus::Closed => assert_eq!(n.status, NotificationStatus::Closed),
            OrderStatus::Pending => {}
        }
    }
    round_trips::<PaymentNotification>(body);
    round_trips::<OrderStatus>(body);
}

/// The answers of the post and the production centre (JSON, as a real system would send
/// them), and SMS texts: what reads as a value writes back as the same value; a login code
/// found in a text is six digits of that text.
pub fn callbacks(data: &[u8]) {
    round_trips::<Vec<TrackingEvent>>(data);
    round_trips::<TrackingEvent>(data);
    round_trips::<Shipment>(data);
    round_trips::<Waybill>(data);
    round_trips::<ProductionOrder>(data);
    round_trips::<SimProductionOrder>(data);
    if let Ok(events) = serde_json::from_slice::<Vec<TrackingEvent>>(data) {
        for e in events {
            let _ = (e.kind.code(), e.kind.is_final(), e.location.to_string());
        }
    }
    let text = String::from_utf8_lossy(data);
    if let Some(code) = login_code_in(&text) {
        assert_eq!(code.len(), 6);
        assert!(code.bytes().all(|b| b.is_ascii_digit()));
        assert!(text.contains(&code));
    }
}
