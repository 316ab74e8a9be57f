//! Time-based one-time passwords (RFC 6238, HMAC-SHA1, 30-second steps, 6 digits) for officers'
//! second factor. Secrets are stored base32 (RFC 4648, no padding), as authenticator apps expect.

use hmac::{Hmac, Mac};
use sha1::Sha1;

pub const STEP_SECONDS: i64 = 30;
pub const DIGITS: u32 = 6;

/// The HOTP value (RFC 4226) of `counter` with `digits` digits.
pub fn hotp(secret: &[u8], counter: u64, digits: u32) -> u32 {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(&counter.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let offset = usize::from(hash[hash.len() - 1] & 0x0f);
    let code = u32::from_be_bytes([
        hash[offset] & 0x7f,
        hash[offset + 1],
        hash[offset + 2],
        hash[offset + 3],
    ]);
    code % 10u32.pow(digits)
}

/// The TOTP code at unix time `unix_seconds`.
pub fn totp(secret: &[u8], unix_seconds: i64, digits: u32) -> u32 {
    hotp(secret, (unix_seconds.max(0) / STEP_SECONDS) as u64, digits)
}

/// Checks `code` against the current step and one step either side (clock drift), in
/// constant time per candidate.
pub fn verify(secret: &[u8], code: &str, unix_seconds: i64) -> bool {
    let code = code.trim();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let mut ok = false;
    for drift in [-1i64, 0, 1] {
        let expected = format!(
            "{:0width$}",
            totp(secret, unix_seconds + drift * STEP_SECONDS, DIGITS),
            width = DIGITS as usize
        );
        ok |= constant_time_eq(expected.as_bytes(), code.as_bytes());
    }
    ok
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for c in text.trim_end_matches('=').bytes() {
        let c = c.to_ascii_uppercase();
        if c == b' ' {
            continue;
        }
        let v = BASE32.iter().position(|&x| x == c)? as u32;
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

/// A new random 20-byte secret, base32.
pub fn new_secret() -> String {
    base32_encode(&rand::random::<[u8; 20]>())
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn rfc_6238_sha1_vectors() {
        // RFC 6238 appendix B, SHA-1 rows (8 digits).
        for (time, expected) in [
            (59, 94287082),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000, 65353130),
        ] {
            assert_eq!(totp(RFC_SECRET, time, 8), expected, "t={time}");
        }
    }

    #[test]
    fn rfc_4226_hotp_vectors() {
        let expected = [
            755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489,
        ];
        for (counter, code) in expected.iter().enumerate() {
            assert_eq!(hotp(RFC_SECRET, counter as u64, 6), *code);
        }
    }

    #[test]
    fn verify_accepts_one_step_of_drift_only() {
        let now = 1_700_000_000;
        let code = format!("{:06}", totp(RFC_SECRET, now, 6));
        assert!(verify(RFC_SECRET, &code, now));
        assert!(verify(RFC_SECRET, &code, now + 30));
        assert!(!verify(RFC_SECRET, &code, now + 90));
        assert!(!verify(RFC_SECRET, "12345", now));
        assert!(!verify(RFC_SECRET, "abcdef", now));
    }

    #[test]
    fn base32_round_trips_rfc_4648_vectors() {
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32_decode("MZXW6YTBOI======").unwrap(), b"foobar");
        let s = new_secret();
        assert_eq!(base32_decode(&s).unwrap().len(), 20);
        assert!(base32_decode("not base32!").is_none());
    }
}
