//! Application numbers: short, readable over the phone, and self-checking.
//!
//! Nine characters from Crockford's base 32 alphabet (`0-9A-Z` without `I L O U`): eight carry 40
//! bits of the number, the ninth is a Luhn mod 32 check character, which catches every single
//! mistyped character and every swap of two neighbours except `0Z` ↔ `Z0` (the one blind spot of
//! the Luhn family, like `09` ↔ `90` in card numbers). Shown as `WB-XXXX-XXXXX`; parsing
//! accepts lowercase, missing or extra hyphens and spaces, the `WB` prefix or not, and reads the
//! look-alikes `O` as `0` and `I`/`L` as `1`, as Crockford intended.
//!
//! The 40 bits come from the caller (a random number from the store, retried on collision):
//! the domain stays free of randomness.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::i18n::{Localize, Message};

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const BODY: usize = 8;
const PREFIX: &str = "WB";

/// A valid application number.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ApplicationNumber(u64);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ApplicationNumberError {
    #[error("an application number has 9 characters after WB, this has {found}")]
    Length { found: usize },
    #[error("{ch:?} is not used in application numbers")]
    BadCharacter { ch: char },
    #[error("this application number has a typing mistake (the check character does not match)")]
    Check,
}

impl Localize for ApplicationNumberError {
    fn message(&self) -> Message {
        match self {
            ApplicationNumberError::Length { found } => {
                Message::new("appno-length").with("found", *found)
            }
            ApplicationNumberError::BadCharacter { ch } => {
                Message::new("appno-bad-character").with("character", *ch)
            }
            ApplicationNumberError::Check => Message::new("appno-check"),
        }
    }
}

fn value_of(c: char) -> Option<u32> {
    let c = match c.to_ascii_uppercase() {
        'O' => '0',
        'I' | 'L' => '1',
        c => c,
    };
    ALPHABET
        .iter()
        .position(|&a| char::from(a) == c)
        .map(|p| p as u32)
}

/// Luhn mod N check character over the digits (base-32 values), N = 32.
fn check_value(digits: &[u32]) -> u32 {
    let n = 32;
    let mut factor = 2;
    let mut sum = 0;
    for &d in digits.iter().rev() {
        let addend = factor * d;
        factor = if factor == 2 { 1 } else { 2 };
        sum += addend / n + addend % n;
    }
    (n - sum % n) % n
}

impl ApplicationNumber {
    /// Largest value that fits in the eight body characters.
    pub const MAX: u64 = (1 << 40) - 1;

    /// The number for `value` (only its low 40 bits are used).
    pub fn from_value(value: u64) -> ApplicationNumber {
        ApplicationNumber(value & Self::MAX)
    }

    pub fn value(self) -> u64 {
        self.0
    }

    fn digits(self) -> [u32; BODY] {
        let mut out = [0u32; BODY];
        let mut v = self.0;
        for slot in out.iter_mut().rev() {
            *slot = (v % 32) as u32;
            v /= 32;
        }
        out
    }

    /// The nine characters without prefix or hyphens: `7K3M9Q2HX`.
    pub fn compact(self) -> String {
        let digits = self.digits();
        let mut s: String = digits
            .iter()
            .map(|&d| char::from(ALPHABET[d as usize]))
            .collect();
        s.push(char::from(ALPHABET[check_value(&digits) as usize]));
        s
    }

    pub fn parse(text: &str) -> Result<ApplicationNumber, ApplicationNumberError> {
        let cleaned: String = text
            .chars()
            .filter(|c| !matches!(c, '-' | ' ' | '\u{3000}'))
            .collect();
        let upper = cleaned.to_ascii_uppercase();
        // `WB` may also be the start of a body (W and B are digits here): strip it only when
        // what is left is a whole number, and count what follows it when reporting a length.
        let body = match upper.strip_prefix(PREFIX) {
            Some(rest) if upper.chars().count() != BODY + 1 => rest,
            _ => upper.as_str(),
        };
        let count = body.chars().count();
        if count != BODY + 1 {
            return Err(ApplicationNumberError::Length { found: count });
        }
        let mut values = Vec::with_capacity(BODY + 1);
        for c in body.chars() {
            values.push(value_of(c).ok_or(ApplicationNumberError::BadCharacter { ch: c })?);
        }
        let (digits, check) = values.split_at(BODY);
        if check_value(digits) != check[0] {
            return Err(ApplicationNumberError::Check);
        }
        let value = digits.iter().fold(0u64, |acc, &d| acc * 32 + u64::from(d));
        Ok(ApplicationNumber(value))
    }
}

/// `WB-7K3M-9Q2HX`
impl fmt::Display for ApplicationNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.compact();
        write!(f, "{PREFIX}-{}-{}", &c[..4], &c[4..])
    }
}

impl fmt::Debug for ApplicationNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApplicationNumber({self})")
    }
}

impl FromStr for ApplicationNumber {
    type Err = ApplicationNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ApplicationNumber::parse(s)
    }
}

impl Serialize for ApplicationNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ApplicationNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ApplicationNumber::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn displays_and_parses_back() {
        let n = ApplicationNumber::from_value(0x12_3456_789A);
        let shown = n.to_string();
        assert!(shown.starts_with("WB-") && shown.len() == 13, "{shown}");
        assert_eq!(shown.parse::<ApplicationNumber>(), Ok(n));
        assert_eq!(
            n.compact().to_lowercase().parse::<ApplicationNumber>(),
            Ok(n)
        );
        assert_eq!(
            ApplicationNumber::from_value(0).to_string(),
            "WB-0000-00000"
        );
    }

    #[test]
    fn reads_look_alikes_as_crockford_intended() {
        let n = ApplicationNumber::from_value(1);
        assert_eq!(
            n.compact(),
            "00000001"
                .chars()
                .chain(n.compact().chars().last())
                .collect::<String>()
        );
        let typed = n.compact().replace('0', "o").replacen('1', "l", 1);
        assert_eq!(typed.parse::<ApplicationNumber>(), Ok(n));
    }

    #[test]
    fn the_one_blind_spot_is_the_zero_z_swap() {
        let digits: Vec<u32> = vec![0, 31, 5, 5, 5, 5, 5, 5];
        let swapped: Vec<u32> = vec![31, 0, 5, 5, 5, 5, 5, 5];
        assert_eq!(check_value(&digits), check_value(&swapped));
    }

    #[test]
    fn says_what_is_wrong() {
        assert_eq!(
            "WB-1234".parse::<ApplicationNumber>(),
            Err(ApplicationNumberError::Length { found: 4 })
        );
        assert_eq!(
            "WB-1234-5678U".parse::<ApplicationNumber>(),
            Err(ApplicationNumberError::BadCharacter { ch: 'U' })
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn round_trips(v in 0u64..=ApplicationNumber::MAX) {
            let n = ApplicationNumber::from_value(v);
            prop_assert_eq!(n.to_string().parse::<ApplicationNumber>(), Ok(n));
        }

        #[test]
        fn every_single_substitution_is_caught(v in 0u64..=ApplicationNumber::MAX, pos in 0usize..9, delta in 1usize..32) {
            let s: Vec<u8> = ApplicationNumber::from_value(v).compact().into_bytes();
            let mut t = s.clone();
            let i = ALPHABET.iter().position(|&a| a == s[pos]).unwrap();
            t[pos] = ALPHABET[(i + delta) % 32];
            let t = String::from_utf8(t).unwrap();
            prop_assert!(t.parse::<ApplicationNumber>().is_err(), "{} accepted", t);
        }

        #[test]
        fn every_neighbour_swap_is_caught(v in 0u64..=ApplicationNumber::MAX, pos in 0usize..8) {
            let s: Vec<u8> = ApplicationNumber::from_value(v).compact().into_bytes();
            prop_assume!(s[pos] != s[pos + 1]);
            // The documented blind spot of Luhn mod N: 0 and N-1 swap unseen.
            prop_assume!(!matches!((s[pos], s[pos + 1]), (b'0', b'Z') | (b'Z', b'0')));
            let mut t = s.clone();
            t.swap(pos, pos + 1);
            let t = String::from_utf8(t).unwrap();
            prop_assert!(t.parse::<ApplicationNumber>().is_err(), "{} accepted", t);
        }

        #[test]
        fn never_panics(s in "\\PC{0,20}") {
            let _ = ApplicationNumber::parse(&s);
        }
    }
}
