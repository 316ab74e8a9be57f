//! Person names: the Chinese name as on the resident ID card, and its pinyin spelling as printed
//! in the document.
//!
//! A Chinese name is 2 to 30 Han characters; names of ethnic minorities may join their parts
//! with a middle dot (`·`; the look-alikes `•`, `・` and `．` are normalised to it). Nothing else
//! is allowed: no Latin letters, digits, spaces, control or invisible characters, or
//! right-to-left marks — the cheap way to make mixed-script and spoofing tricks impossible.
//!
//! The pinyin spelling is a surname and a given name of uppercase Latin letters (`ü` is written
//! `YU`/`V` in passports: we accept `V` and `U`), each 1 to 40 letters, spaces allowed inside
//! the given name.

use std::fmt;

use serde::Serialize;

use crate::i18n::{Localize, Message};

const MIDDLE_DOT: char = '·';
const MAX_HAN: usize = 30;
const MAX_PINYIN: usize = 40;

/// A Chinese name that passed [`PersonName::parse`].
#[derive(Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct PersonName(String);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("the name is empty")]
    Empty,
    #[error("a name has at least 2 characters")]
    TooShort,
    #[error("a name has at most {max} characters")]
    TooLong { max: usize },
    #[error("{ch:?} cannot appear in a name")]
    BadCharacter { ch: String },
    #[error("the middle dot must stand between two parts of the name")]
    MisplacedDot,
    #[error("the pinyin has only the letters A to Z")]
    PinyinLetters,
    #[error("the pinyin surname and given name are both needed")]
    PinyinMissingPart,
}

impl Localize for NameError {
    fn message(&self) -> Message {
        match self {
            NameError::Empty => Message::new("name-empty"),
            NameError::TooShort => Message::new("name-too-short"),
            NameError::TooLong { max } => Message::new("name-too-long").with("max", *max),
            NameError::BadCharacter { ch } => {
                Message::new("name-bad-character").with("character", ch.as_str())
            }
            NameError::MisplacedDot => Message::new("name-misplaced-dot"),
            NameError::PinyinLetters => Message::new("name-pinyin-letters"),
            NameError::PinyinMissingPart => Message::new("name-pinyin-missing-part"),
        }
    }
}

/// CJK unified ideographs (the basic block and extensions A to H) and compatibility ideographs.
pub fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x4E00..=0x9FFF
        | 0x3400..=0x4DBF
        | 0x20000..=0x2A6DF
        | 0x2A700..=0x2EE5F
        | 0x30000..=0x323AF
        | 0xF900..=0xFAFF
        | 0x2F800..=0x2FA1F)
}

/// How a character is shown in an error: visibly, even when it is invisible.
fn show(c: char) -> String {
    if c.is_control()
        || c.is_whitespace()
        || matches!(c as u32, 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0xFEFF)
    {
        format!("U+{:04X}", c as u32)
    } else {
        c.to_string()
    }
}

impl PersonName {
    pub fn parse(text: &str) -> Result<PersonName, NameError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(NameError::Empty);
        }
        let mut name = String::with_capacity(text.len());
        for c in text.chars() {
            let c = match c {
                '•' | '・' | '．' | '\u{2027}' => MIDDLE_DOT,
                c => c,
            };
            if c != MIDDLE_DOT && !is_han(c) {
                return Err(NameError::BadCharacter { ch: show(c) });
            }
            name.push(c);
        }
        if name.starts_with(MIDDLE_DOT) || name.ends_with(MIDDLE_DOT) || name.contains("··") {
            return Err(NameError::MisplacedDot);
        }
        let han = name.chars().filter(|c| *c != MIDDLE_DOT).count();
        if han < 2 {
            return Err(NameError::TooShort);
        }
        if han > MAX_HAN {
            return Err(NameError::TooLong { max: MAX_HAN });
        }
        Ok(PersonName(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `张*` / `买买提·**`: the first character, the rest hidden.
    pub fn masked(&self) -> String {
        let mut chars = self.0.chars();
        let first = chars.next().unwrap_or_default();
        let rest: String = chars
            .map(|c| if c == MIDDLE_DOT { c } else { '*' })
            .collect();
        format!("{first}{rest}")
    }
}

impl fmt::Debug for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PersonName({})", self.masked())
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The pinyin spelling as printed in a passport: `ZHANG, SAN`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct PinyinName {
    pub surname: String,
    pub given: String,
}

fn pinyin_part(text: &str, allow_spaces: bool) -> Result<String, NameError> {
    let upper: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_uppercase();
    if upper.is_empty() {
        return Err(NameError::PinyinMissingPart);
    }
    if !upper
        .chars()
        .all(|c| c.is_ascii_uppercase() || (allow_spaces && c == ' '))
    {
        return Err(NameError::PinyinLetters);
    }
    if upper.len() > MAX_PINYIN {
        return Err(NameError::TooLong { max: MAX_PINYIN });
    }
    Ok(upper)
}

impl PinyinName {
    pub fn parse(surname: &str, given: &str) -> Result<PinyinName, NameError> {
        Ok(PinyinName {
            surname: pinyin_part(surname, false)?,
            given: pinyin_part(given, true)?,
        })
    }
}

impl fmt::Display for PinyinName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, {}", self.surname, self.given)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_han_names_and_minority_names_with_a_dot() {
        assert_eq!(PersonName::parse(" 张三 ").unwrap().as_str(), "张三");
        assert_eq!(PersonName::parse("欧阳娜娜").unwrap().masked(), "欧***");
        assert_eq!(
            PersonName::parse("买买提•艾力").unwrap().as_str(),
            "买买提·艾力"
        );
        assert_eq!(
            PersonName::parse("买买提·艾力").unwrap().masked(),
            "买**·**"
        );
        // A rare character outside the basic block (extension B).
        assert!(PersonName::parse("王\u{20BB7}").is_ok());
    }

    #[test]
    fn refuses_mixed_scripts_controls_and_bidi_tricks() {
        assert_eq!(
            PersonName::parse("张San"),
            Err(NameError::BadCharacter { ch: "S".into() })
        );
        assert_eq!(
            PersonName::parse("张 三"),
            Err(NameError::BadCharacter {
                ch: "U+0020".into()
            })
        );
        assert_eq!(
            PersonName::parse("张\u{202E}三"),
            Err(NameError::BadCharacter {
                ch: "U+202E".into()
            })
        );
        assert_eq!(
            PersonName::parse("张\u{200B}三"),
            Err(NameError::BadCharacter {
                ch: "U+200B".into()
            })
        );
        // Cyrillic and Hangul look-alikes.
        assert!(PersonName::parse("张а").is_err());
        assert!(PersonName::parse("김철수").is_err());
    }

    #[test]
    fn length_and_dot_rules() {
        assert_eq!(PersonName::parse(""), Err(NameError::Empty));
        assert_eq!(PersonName::parse("张"), Err(NameError::TooShort));
        assert_eq!(PersonName::parse("·张三"), Err(NameError::MisplacedDot));
        assert_eq!(PersonName::parse("张··三"), Err(NameError::MisplacedDot));
        assert_eq!(
            PersonName::parse(&"张".repeat(31)),
            Err(NameError::TooLong { max: 30 })
        );
    }

    #[test]
    fn pinyin_is_uppercased_and_checked() {
        let p = PinyinName::parse("zhang", " san  feng ").unwrap();
        assert_eq!(p.to_string(), "ZHANG, SAN FENG");
        assert_eq!(PinyinName::parse("LYU", "XIAOMING").unwrap().surname, "LYU");
        assert_eq!(
            PinyinName::parse("Zhāng", "San"),
            Err(NameError::PinyinLetters)
        );
        assert_eq!(
            PinyinName::parse("OU YANG", "NA"),
            Err(NameError::PinyinLetters)
        );
        assert_eq!(
            PinyinName::parse("", "SAN"),
            Err(NameError::PinyinMissingPart)
        );
    }
}
