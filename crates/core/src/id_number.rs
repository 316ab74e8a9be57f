//! The resident ID number (公民身份号码, GB 11643-1999).
//!
//! 18 characters: a six-digit address code (GB/T 2260, where the number was issued), the birth
//! date `YYYYMMDD`, a three-digit sequence (odd for men, even for women) and a check character
//! (ISO 7064 MOD 11-2 over the first 17 digits, indexing `10X98765432`).
//!
//! An [`IdNumber`] exists only when all of that holds, and when the birth date is a real date
//! that is not after the day of parsing. Parsing accepts a lowercase `x` and surrounding spaces;
//! the stored form is canonical (uppercase `X`).

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Serialize, Serializer};

use crate::area::AreaCode;
use crate::i18n::{Localize, Message};

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// Sex as encoded in the sequence digit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn message(self) -> Message {
        Message::new(match self {
            Sex::Male => "sex-male",
            Sex::Female => "sex-female",
        })
    }
}

/// A valid resident ID number.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdNumber([u8; 18]);

/// Why a text is not a valid resident ID number.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    #[error("an ID number has 18 characters, this has {found}")]
    Length { found: usize },
    #[error("character {position} must be a digit")]
    NotADigit { position: usize },
    #[error("the last character must be a digit or X")]
    BadLastCharacter,
    #[error("the address code {code} is not a known area")]
    UnknownArea { code: String },
    #[error("the birth date {text} does not exist")]
    NoSuchDate { text: String },
    #[error("the birth date {date} is in the future")]
    FutureBirthDate { date: NaiveDate },
    #[error("the check character should be {expected}, not {found}")]
    CheckCharacter { expected: char, found: char },
}

impl Localize for IdNumberError {
    fn message(&self) -> Message {
        match self {
            IdNumberError::Length { found } => Message::new("id-length").with("found", *found),
            IdNumberError::NotADigit { position } => {
                Message::new("id-not-digit").with("position", *position)
            }
            IdNumberError::BadLastCharacter => Message::new("id-last-character"),
            IdNumberError::UnknownArea { code } => {
                Message::new("id-unknown-area").with("code", code.as_str())
            }
            IdNumberError::NoSuchDate { text } => {
                Message::new("id-no-such-date").with("date", text.as_str())
            }
            IdNumberError::FutureBirthDate { date } => {
                Message::new("id-future-birth-date").with("date", *date)
            }
            IdNumberError::CheckCharacter { expected, found } => Message::new("id-check-character")
                .with("expected", *expected)
                .with("found", *found),
        }
    }
}

/// The ISO 7064 MOD 11-2 check character for the first 17 digits.
pub fn check_character(first17: &[u8; 17]) -> char {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    char::from(CHECK_CHARS[(sum % 11) as usize])
}

impl IdNumber {
    /// Parses `text`, refusing birth dates after `today`.
    pub fn parse(text: &str, today: NaiveDate) -> Result<IdNumber, IdNumberError> {
        let text = text.trim();
        let chars: Vec<char> = text.chars().collect();
        if chars.len() != 18 {
            return Err(IdNumberError::Length { found: chars.len() });
        }
        let mut bytes = [0u8; 18];
        for (i, c) in chars.iter().enumerate() {
            let c = c.to_ascii_uppercase();
            if i < 17 && !c.is_ascii_digit() {
                return Err(IdNumberError::NotADigit { position: i + 1 });
            }
            if i == 17 && !(c.is_ascii_digit() || c == 'X') {
                return Err(IdNumberError::BadLastCharacter);
            }
            bytes[i] = c as u8;
        }
        let digits = |r: std::ops::Range<usize>| -> &str {
            std::str::from_utf8(&bytes[r]).expect("ASCII digits")
        };
        let area = digits(0..6);
        AreaCode::parse(area).map_err(|_| IdNumberError::UnknownArea {
            code: area.to_owned(),
        })?;
        let birth = digits(6..14);
        let date =
            NaiveDate::parse_from_str(birth, "%Y%m%d").map_err(|_| IdNumberError::NoSuchDate {
                text: format!("{}-{}-{}", &birth[0..4], &birth[4..6], &birth[6..8]),
            })?;
        if date > today {
            return Err(IdNumberError::FutureBirthDate { date });
        }
        let first17: [u8; 17] = bytes[..17].try_into().expect("17 bytes");
        let expected = check_character(&first17);
        let found = char::from(bytes[17]);
        if expected != found {
            return Err(IdNumberError::CheckCharacter { expected, found });
        }
        Ok(IdNumber(bytes))
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("ASCII")
    }

    /// Where the number was issued (not necessarily the current hukou).
    pub fn issuing_area(&self) -> AreaCode {
        AreaCode::parse(&self.as_str()[0..6]).expect("checked at parse")
    }

    pub fn birth_date(&self) -> NaiveDate {
        NaiveDate::parse_from_str(&self.as_str()[6..14], "%Y%m%d").expect("checked at parse")
    }

    pub fn sex(&self) -> Sex {
        if (self.0[16] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// Age in whole years on `on`.
    pub fn age_on(&self, on: NaiveDate) -> u32 {
        age_on(self.birth_date(), on)
    }

    /// For screens and logs that must not show the number: `3101**********1234` style, keeping
    /// the first 4 and last 4 characters.
    pub fn masked(&self) -> String {
        let s = self.as_str();
        format!("{}{}{}", &s[..4], "*".repeat(10), &s[14..])
    }
}

/// Age in whole years on `on` of a person born on `birth` (a 29 February birthday falls on
/// 1 March in common years).
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> u32 {
    if on < birth {
        return 0;
    }
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

/// Debug never shows the whole number: personal data stays out of logs.
impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for IdNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    #[test]
    fn accepts_the_valid_numbers_from_the_facts() {
        for n in [
            "11010519491231002X",
            "440524188001010014",
            "360426199101010071",
            "120103198806018241",
            "34052419800101001X",
        ] {
            let id = IdNumber::parse(n, today()).unwrap_or_else(|e| panic!("{n}: {e}"));
            assert_eq!(id.as_str(), n);
        }
    }

    #[test]
    fn rejects_the_invalid_numbers_from_the_facts_on_the_check_character() {
        assert_eq!(
            IdNumber::parse("360426199101010072", today()),
            Err(IdNumberError::CheckCharacter {
                expected: '1',
                found: '2'
            })
        );
        assert!(matches!(
            IdNumber::parse("230307196304054513", today()),
            Err(IdNumberError::CheckCharacter { .. })
        ));
    }

    #[test]
    fn reads_birth_date_sex_and_issuing_area() {
        let id = IdNumber::parse("11010519491231002X", today()).unwrap();
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        assert_eq!(id.sex(), Sex::Female); // sequence 002
        assert_eq!(id.issuing_area().describe(Locale::En), "Beijing");
        let id = IdNumber::parse("360426199101010071", today()).unwrap();
        assert_eq!(id.sex(), Sex::Male); // sequence 007
        assert_eq!(id.age_on(today()), 35);
    }

    #[test]
    fn lowercase_x_and_spaces_are_canonicalised() {
        let id = IdNumber::parse(" 11010519491231002x ", today()).unwrap();
        assert_eq!(id.to_string(), "11010519491231002X");
    }

    #[test]
    fn says_what_is_wrong() {
        let cases = [
            ("1101051949123100", IdNumberError::Length { found: 16 }),
            ("11010519491231002XX", IdNumberError::Length { found: 19 }),
            (
                "1101051949A231002X",
                IdNumberError::NotADigit { position: 11 },
            ),
            ("11010519491231002Y", IdNumberError::BadLastCharacter),
            (
                "990105194912310025",
                IdNumberError::UnknownArea {
                    code: "990105".into(),
                },
            ),
            (
                "110105194902300021",
                IdNumberError::NoSuchDate {
                    text: "1949-02-30".into(),
                },
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(IdNumber::parse(input, today()), Err(expected), "{input}");
        }
        // Full-width digits are not digits.
        assert!(matches!(
            IdNumber::parse("１10105194912310025", today()),
            Err(IdNumberError::NotADigit { position: 1 })
        ));
    }

    #[test]
    fn birth_date_in_the_future_is_refused() {
        let mut first17: [u8; 17] = *b"31010120270101001";
        let c = check_character(&first17) as u8;
        let mut full = first17.to_vec();
        full.push(c);
        let text = String::from_utf8(full).unwrap();
        assert!(matches!(
            IdNumber::parse(&text, today()),
            Err(IdNumberError::FutureBirthDate { .. })
        ));
        // The same person is valid once born.
        first17[6..10].copy_from_slice(b"2020");
        let c = check_character(&first17) as u8;
        let mut full = first17.to_vec();
        full.push(c);
        assert!(IdNumber::parse(std::str::from_utf8(&full).unwrap(), today()).is_ok());
    }

    #[test]
    fn errors_are_explained_in_both_languages() {
        let e = IdNumber::parse("360426199101010072", today()).unwrap_err();
        assert_eq!(e.code(), "id-check-character");
        assert!(e.localize(Locale::ZhCn).contains('1'));
        assert!(e.localize(Locale::En).contains("check"));
    }

    #[test]
    fn masked_and_debug_hide_the_middle() {
        let id = IdNumber::parse("11010519491231002X", today()).unwrap();
        assert_eq!(id.masked(), "1101**********002X");
        assert!(!format!("{id:?}").contains("19491231"));
    }

    #[test]
    fn age_counts_whole_years_and_leap_days() {
        let b = NaiveDate::from_ymd_opt(2008, 2, 29).unwrap();
        assert_eq!(age_on(b, NaiveDate::from_ymd_opt(2024, 2, 28).unwrap()), 15);
        assert_eq!(age_on(b, NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()), 16);
        assert_eq!(age_on(b, NaiveDate::from_ymd_opt(2025, 2, 28).unwrap()), 16);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn any_single_digit_change_is_caught(pos in 0usize..17, delta in 1u8..10) {
            let good = *b"36042619910101007";
            let mut changed = good;
            changed[pos] = b'0' + (changed[pos] - b'0' + delta) % 10;
            let mut text = changed.to_vec();
            text.push(check_character(&good) as u8);
            let text = String::from_utf8(text).unwrap();
            prop_assert!(IdNumber::parse(&text, today()).is_err());
        }

        #[test]
        fn never_panics_on_any_text(s in "\\PC{0,24}") {
            let _ = IdNumber::parse(&s, today());
        }
    }
}
