//! Smoke fuzz on stable Rust, in every `cargo test`: seeded pseudo-random mutations of the fuzz
//! targets' seed inputs (`fuzz/seeds/`) through the same checks as the cargo-fuzz targets
//! (`fuzz/checks.rs`): no input may panic, and the invariants hold (only a genuine signature
//! verifies; what reads as a value writes back the same).

#[path = "../../fuzz/checks.rs"]
mod checks;
#[path = "../../../core/fuzz/smoke.rs"]
mod smoke;

/// Snippets that matter to these parsers: signature header parts, extreme timestamps, JSON
/// punctuation and values, Han text.
const SNIPPETS: &[&str] = &[
    "t=",
    "v1=",
    ",",
    "=",
    "-9223372036854775808",
    "9223372036854775807",
    "-1",
    "0",
    "00",
    "zz",
    "\n",
    "\"",
    "{",
    "}",
    "[",
    "]",
    ":",
    "null",
    "true",
    "1e999",
    "-0",
    "18446744073709551616",
    "\"paid\"",
    "\"closed\"",
    "\"pending\"",
    "\"2026-02-30T00:00:00Z\"",
    "\"+262143-12-31T23:59:59Z\"",
    "\"23:59:60\"",
    "\\u0000",
    "\\ud800",
    "张",
    "\u{202E}",
    " ",
    "\n",
];

#[test]
fn smoke_fuzz_payment_notification() {
    smoke::smoke(
        "payment_notification",
        &[],
        3000,
        SNIPPETS,
        checks::payment_notification,
    );
}

#[test]
fn smoke_fuzz_callbacks() {
    smoke::smoke("callbacks", &[], 3000, SNIPPETS, checks::callbacks);
}

/// The genuine seeds verify, so the accepting path is exercised, not skipped.
#[test]
fn the_signed_seeds_verify() {
    let verified = smoke::seeds("payment_notification", &[])
        .iter()
        .filter(|s| {
            let i = s.iter().position(|&b| b == b'\n').unwrap_or(s.len());
            wangban_gateways::payment::verify_signature(
                b"wangban-simulated-payment-secret",
                std::time::Duration::from_secs(300),
                checks::now(),
                std::str::from_utf8(&s[..i]).ok(),
                s.get(i + 1..).unwrap_or_default(),
            )
            .is_ok()
        })
        .count();
    assert_eq!(verified, 2);
}
