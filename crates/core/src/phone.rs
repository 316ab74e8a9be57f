//! Mainland China mobile numbers (11 digits, `1[3-9]xxxxxxxxx`).
//!
//! Parsing accepts what people type — spaces, hyphens, a `+86` / `0086` / `86` prefix — and keeps
//! the 11 digits. Debug output is masked so that numbers stay out of logs.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::i18n::{Localize, Message};

#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MobileNumber(String);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MobileNumberError {
    #[error("a mobile number has 11 digits, this has {found}")]
    Length { found: usize },
    #[error("a mobile number has only digits")]
    NotDigits,
    #[error("a mainland mobile number starts with 13 to 19")]
    Prefix,
}

impl Localize for MobileNumberError {
    fn message(&self) -> Message {
        match self {
            MobileNumberError::Length { found } => {
                Message::new("phone-length").with("found", *found)
            }
            MobileNumberError::NotDigits => Message::new("phone-not-digits"),
            MobileNumberError::Prefix => Message::new("phone-prefix"),
        }
    }
}

impl MobileNumber {
    pub fn parse(text: &str) -> Result<MobileNumber, MobileNumberError> {
        let compact: String = text
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
            .collect();
        let rest = compact
            .strip_prefix("+86")
            .or_else(|| compact.strip_prefix("0086"))
            .or_else(|| {
                compact
                    .strip_prefix("86")
                    .filter(|r| r.chars().count() == 11)
            })
            .unwrap_or(&compact);
        if !rest.chars().all(|c| c.is_ascii_digit()) {
            return Err(MobileNumberError::NotDigits);
        }
        if rest.len() != 11 {
            return Err(MobileNumberError::Length { found: rest.len() });
        }
        let b = rest.as_bytes();
        if b[0] != b'1' || !(b'3'..=b'9').contains(&b[1]) {
            return Err(MobileNumberError::Prefix);
        }
        Ok(MobileNumber(rest.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****5678`, as shown on screens that do not need the whole number.
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}

impl fmt::Debug for MobileNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MobileNumber({})", self.masked())
    }
}

impl fmt::Display for MobileNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for MobileNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_common_spellings() {
        for t in [
            "13812345678",
            "+86 138 1234 5678",
            "0086-138-1234-5678",
            "8613812345678",
        ] {
            assert_eq!(
                MobileNumber::parse(t).unwrap().as_str(),
                "13812345678",
                "{t}"
            );
        }
        assert_eq!(
            MobileNumber::parse("19912345678").unwrap().masked(),
            "199****5678"
        );
    }

    #[test]
    fn says_what_is_wrong() {
        assert_eq!(
            MobileNumber::parse("1381234567"),
            Err(MobileNumberError::Length { found: 10 })
        );
        assert_eq!(
            MobileNumber::parse("12812345678"),
            Err(MobileNumberError::Prefix)
        );
        assert_eq!(
            MobileNumber::parse("23812345678"),
            Err(MobileNumberError::Prefix)
        );
        assert_eq!(
            MobileNumber::parse("1381234567a"),
            Err(MobileNumberError::NotDigits)
        );
        assert_eq!(
            MobileNumber::parse("１３８１２３４５６７８"),
            Err(MobileNumberError::NotDigits)
        );
        assert_eq!(
            MobileNumber::parse(""),
            Err(MobileNumberError::Length { found: 0 })
        );
    }

    #[test]
    fn debug_is_masked() {
        let m = MobileNumber::parse("13812345678").unwrap();
        assert!(!format!("{m:?}").contains("1234"));
    }
}
