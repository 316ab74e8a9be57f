//! UPU S10 postal item identifiers (the EMS tracking numbers on wangban's waybills).
//!
//! Two letters (service indicator), an eight-digit serial, a check digit, and an ISO 3166
//! two-letter country code: `EA123456785CN`. Check digit: weights 8 6 4 2 3 5 9 7 over the
//! serial, C = 11 − (sum mod 11), with 10 → 0 and 11 → 5.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::i18n::{Localize, Message};

const WEIGHTS: [u32; 8] = [8, 6, 4, 2, 3, 5, 9, 7];

#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct S10Number(String);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum S10Error {
    #[error("a postal item number has 13 characters, this has {found}")]
    Length { found: usize },
    #[error("the first two characters must be letters")]
    ServiceIndicator,
    #[error("characters 3 to 11 must be digits")]
    Digits,
    #[error("the last two characters must be a country code")]
    Country,
    #[error("the check digit should be {expected}, not {found}")]
    CheckDigit { expected: u32, found: u32 },
}

impl Localize for S10Error {
    fn message(&self) -> Message {
        match self {
            S10Error::Length { found } => Message::new("s10-length").with("found", *found),
            S10Error::ServiceIndicator => Message::new("s10-service-indicator"),
            S10Error::Digits => Message::new("s10-digits"),
            S10Error::Country => Message::new("s10-country"),
            S10Error::CheckDigit { expected, found } => Message::new("s10-check-digit")
                .with("expected", *expected)
                .with("found", *found),
        }
    }
}

/// The check digit for an eight-digit serial.
pub fn check_digit(serial: u32) -> u32 {
    let digits = format!("{serial:08}");
    let sum: u32 = digits
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    match 11 - sum % 11 {
        10 => 0,
        11 => 5,
        c => c,
    }
}

impl S10Number {
    pub fn parse(text: &str) -> Result<S10Number, S10Error> {
        let t: String = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        let count = t.chars().count();
        if count != 13 || !t.is_ascii() {
            return Err(S10Error::Length { found: count });
        }
        let b = t.as_bytes();
        if !b[..2].iter().all(u8::is_ascii_uppercase) {
            return Err(S10Error::ServiceIndicator);
        }
        if !b[2..11].iter().all(u8::is_ascii_digit) {
            return Err(S10Error::Digits);
        }
        if !b[11..].iter().all(u8::is_ascii_uppercase) {
            return Err(S10Error::Country);
        }
        let serial: u32 = t[2..10].parse().map_err(|_| S10Error::Digits)?;
        let found = u32::from(b[10] - b'0');
        let expected = check_digit(serial);
        if expected != found {
            return Err(S10Error::CheckDigit { expected, found });
        }
        Ok(S10Number(t))
    }

    /// Builds the identifier for a serial (the postal simulator issues them).
    pub fn build(service: &str, serial: u32, country: &str) -> Result<S10Number, S10Error> {
        if serial > 99_999_999 {
            return Err(S10Error::Digits);
        }
        S10Number::parse(&format!(
            "{service}{serial:08}{}{country}",
            check_digit(serial)
        ))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn service_indicator(&self) -> &str {
        &self.0[..2]
    }

    pub fn serial(&self) -> u32 {
        self.0[2..10].parse().expect("checked at parse")
    }

    pub fn country(&self) -> &str {
        &self.0[11..]
    }
}

impl fmt::Display for S10Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for S10Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "S10Number({})", self.0)
    }
}

impl Serialize for S10Number {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_examples_from_the_facts() {
        for n in ["AA473124829GB", "RM123456785GB", "rm 123456785 gb"] {
            assert!(S10Number::parse(n).is_ok(), "{n}");
        }
        let n = S10Number::parse("AA473124829GB").unwrap();
        assert_eq!(
            (n.service_indicator(), n.serial(), n.country()),
            ("AA", 47312482, "GB")
        );
    }

    #[test]
    fn invalid_check_digit_from_the_facts() {
        assert_eq!(
            S10Number::parse("AA473124828GB"),
            Err(S10Error::CheckDigit {
                expected: 9,
                found: 8
            })
        );
    }

    #[test]
    fn check_digit_special_cases() {
        // sum mod 11 == 1 gives 10 -> 0; sum mod 11 == 0 gives 11 -> 5.
        assert_eq!(check_digit(0), 5);
        let ten = (0..100_000).find(|&s| {
            let sum: u32 = format!("{s:08}")
                .bytes()
                .zip(WEIGHTS)
                .map(|(b, w)| u32::from(b - b'0') * w)
                .sum();
            sum % 11 == 1
        });
        assert_eq!(check_digit(ten.unwrap()), 0);
        assert_eq!(
            S10Number::build("EA", 12345678, "CN").unwrap().to_string(),
            "EA123456785CN"
        );
    }

    #[test]
    fn says_what_is_wrong() {
        assert_eq!(
            S10Number::parse("AA47312482GB"),
            Err(S10Error::Length { found: 12 })
        );
        assert_eq!(
            S10Number::parse("1A473124829GB"),
            Err(S10Error::ServiceIndicator)
        );
        assert_eq!(S10Number::parse("AA47312482XGB"), Err(S10Error::Digits));
        assert_eq!(S10Number::parse("AA4731248291B"), Err(S10Error::Country));
        assert!(S10Number::parse("AA473124829ＧB").is_err());
    }
}
