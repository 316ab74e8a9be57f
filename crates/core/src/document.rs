//! Exit-entry documents: the three kinds the service renews or replaces, the four reasons, and
//! document numbers per kind.
//!
//! Document number formats (FACTS.md): a passport is `E` + 8 digits, later `E` + a letter (not I
//! or O) + 7 digits; a Hong Kong/Macao permit the same with `C`. The Taiwan permit's format is
//! unconfirmed, so every kind's pattern is configuration ([`DocumentNumberRules`]) with these as
//! defaults.

use std::fmt;
use std::str::FromStr;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::i18n::{Localize, Message};

/// The documents the service issues.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// 普通护照
    Passport,
    /// 往来港澳通行证
    HkMacaoPermit,
    /// 往来台湾通行证
    TaiwanPermit,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 3] = [
        DocumentKind::Passport,
        DocumentKind::HkMacaoPermit,
        DocumentKind::TaiwanPermit,
    ];

    /// Stable code used in the API, configuration and storage.
    pub fn code(self) -> &'static str {
        match self {
            DocumentKind::Passport => "passport",
            DocumentKind::HkMacaoPermit => "hk_macao_permit",
            DocumentKind::TaiwanPermit => "taiwan_permit",
        }
    }

    pub fn label(self) -> Message {
        Message::new(match self {
            DocumentKind::Passport => "kind-passport",
            DocumentKind::HkMacaoPermit => "kind-hk-macao-permit",
            DocumentKind::TaiwanPermit => "kind-taiwan-permit",
        })
    }
}

/// Why the resident applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Less than 6 months of validity left (有效期不足6个月).
    ExpiringSoon,
    /// Damaged (损毁).
    Damaged,
    /// Lost or stolen (遗失或被盗).
    LostOrStolen,
    /// Visa pages used up — passports only (签证页用完).
    VisaPagesUsedUp,
}

impl Reason {
    pub const ALL: [Reason; 4] = [
        Reason::ExpiringSoon,
        Reason::Damaged,
        Reason::LostOrStolen,
        Reason::VisaPagesUsedUp,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Reason::ExpiringSoon => "expiring_soon",
            Reason::Damaged => "damaged",
            Reason::LostOrStolen => "lost_or_stolen",
            Reason::VisaPagesUsedUp => "visa_pages_used_up",
        }
    }

    pub fn label(self) -> Message {
        Message::new(match self {
            Reason::ExpiringSoon => "reason-expiring-soon",
            Reason::Damaged => "reason-damaged",
            Reason::LostOrStolen => "reason-lost-or-stolen",
            Reason::VisaPagesUsedUp => "reason-visa-pages-used-up",
        })
    }

    /// Whether this reason applies to that kind of document (visa pages: passports only).
    pub fn applies_to(self, kind: DocumentKind) -> bool {
        self != Reason::VisaPagesUsedUp || kind == DocumentKind::Passport
    }

    /// A replacement (the old document is lost or damaged) rather than a renewal.
    pub fn is_replacement(self) -> bool {
        matches!(self, Reason::Damaged | Reason::LostOrStolen)
    }
}

/// An unknown code for a kind or reason.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown code {0:?}")]
pub struct UnknownCode(pub String);

impl Localize for UnknownCode {
    fn message(&self) -> Message {
        Message::new("code-unknown").with("code", self.0.as_str())
    }
}

impl FromStr for DocumentKind {
    type Err = UnknownCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DocumentKind::ALL
            .into_iter()
            .find(|k| k.code() == s)
            .ok_or_else(|| UnknownCode(s.to_owned()))
    }
}

impl FromStr for Reason {
    type Err = UnknownCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Reason::ALL
            .into_iter()
            .find(|r| r.code() == s)
            .ok_or_else(|| UnknownCode(s.to_owned()))
    }
}

impl fmt::Display for DocumentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A document number valid for its kind under the configured rules.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct DocumentNumber {
    kind: DocumentKind,
    value: String,
}

impl DocumentNumber {
    pub fn kind(&self) -> DocumentKind {
        self.kind
    }
    pub fn as_str(&self) -> &str {
        &self.value
    }
}

impl fmt::Display for DocumentNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DocumentNumberError {
    #[error("the document number is empty")]
    Empty,
    #[error("{number:?} is not a {kind} number")]
    Format { kind: DocumentKind, number: String },
}

impl Localize for DocumentNumberError {
    fn message(&self) -> Message {
        match self {
            DocumentNumberError::Empty => Message::new("docnum-empty"),
            DocumentNumberError::Format { kind, number } => {
                let example = match kind {
                    DocumentKind::Passport => "E12345678 / EA1234567",
                    DocumentKind::HkMacaoPermit => "C12345678 / CA1234567",
                    DocumentKind::TaiwanPermit => "T12345678",
                };
                Message::new("docnum-format")
                    .with("number", number.as_str())
                    .with("kind", kind.code())
                    .with("example", example)
            }
        }
    }
}

/// The configured number patterns (regular expressions matched against the whole, uppercased
/// number). Defaults follow FACTS.md; the Taiwan permit default is deliberately permissive
/// (a letter or two and digits, 9 characters) because its format is unconfirmed.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct DocumentNumberPatterns {
    pub passport: String,
    pub hk_macao_permit: String,
    pub taiwan_permit: String,
}

impl Default for DocumentNumberPatterns {
    fn default() -> Self {
        DocumentNumberPatterns {
            passport: "E[0-9]{8}|E[A-HJ-NP-Z][0-9]{7}".into(),
            hk_macao_permit: "C[0-9]{8}|C[A-HJ-NP-Z][0-9]{7}".into(),
            taiwan_permit: "[A-Z][0-9]{8}|[A-Z]{2}[0-9]{7}".into(),
        }
    }
}

/// A configured pattern that is not a valid regular expression.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("document number pattern for {kind} is not a valid regular expression: {detail}")]
pub struct BadPattern {
    pub kind: DocumentKind,
    pub detail: String,
}

/// Compiled document number rules.
#[derive(Clone, Debug)]
pub struct DocumentNumberRules {
    patterns: [Regex; 3],
}

impl DocumentNumberRules {
    pub fn new(p: &DocumentNumberPatterns) -> Result<Self, BadPattern> {
        let compile = |kind: DocumentKind, src: &str| {
            Regex::new(&format!("^(?:{src})$")).map_err(|e| BadPattern {
                kind,
                detail: e.to_string(),
            })
        };
        Ok(DocumentNumberRules {
            patterns: [
                compile(DocumentKind::Passport, &p.passport)?,
                compile(DocumentKind::HkMacaoPermit, &p.hk_macao_permit)?,
                compile(DocumentKind::TaiwanPermit, &p.taiwan_permit)?,
            ],
        })
    }

    pub fn parse(
        &self,
        kind: DocumentKind,
        text: &str,
    ) -> Result<DocumentNumber, DocumentNumberError> {
        let value: String = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        if value.is_empty() {
            return Err(DocumentNumberError::Empty);
        }
        let idx = match kind {
            DocumentKind::Passport => 0,
            DocumentKind::HkMacaoPermit => 1,
            DocumentKind::TaiwanPermit => 2,
        };
        if self.patterns[idx].is_match(&value) {
            Ok(DocumentNumber { kind, value })
        } else {
            Err(DocumentNumberError::Format {
                kind,
                number: value,
            })
        }
    }
}

impl Default for DocumentNumberRules {
    fn default() -> Self {
        DocumentNumberRules::new(&DocumentNumberPatterns::default())
            .expect("default patterns compile")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passport_numbers_old_and_new_series() {
        let r = DocumentNumberRules::default();
        assert!(r.parse(DocumentKind::Passport, "E12345678").is_ok());
        assert!(r.parse(DocumentKind::Passport, "ea1234567").is_ok());
        assert_eq!(
            r.parse(DocumentKind::Passport, " E A1234567 ")
                .unwrap()
                .as_str(),
            "EA1234567"
        );
        for bad in [
            "E1234567",
            "EI1234567",
            "EO1234567",
            "G12345678",
            "C12345678",
            "E123456789",
        ] {
            assert!(
                matches!(
                    r.parse(DocumentKind::Passport, bad),
                    Err(DocumentNumberError::Format { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn hk_macao_permit_numbers() {
        let r = DocumentNumberRules::default();
        assert!(r.parse(DocumentKind::HkMacaoPermit, "C12345678").is_ok());
        assert!(r.parse(DocumentKind::HkMacaoPermit, "CB1234567").is_ok());
        assert!(r.parse(DocumentKind::HkMacaoPermit, "E12345678").is_err());
        assert_eq!(
            r.parse(DocumentKind::HkMacaoPermit, "  "),
            Err(DocumentNumberError::Empty)
        );
    }

    #[test]
    fn taiwan_pattern_is_configuration() {
        let r = DocumentNumberRules::default();
        assert!(r.parse(DocumentKind::TaiwanPermit, "T12345678").is_ok());
        let strict = DocumentNumberRules::new(&DocumentNumberPatterns {
            taiwan_permit: "L[0-9]{8}".into(),
            ..Default::default()
        })
        .unwrap();
        assert!(
            strict
                .parse(DocumentKind::TaiwanPermit, "T12345678")
                .is_err()
        );
        assert!(
            strict
                .parse(DocumentKind::TaiwanPermit, "L12345678")
                .is_ok()
        );
        // The pattern is anchored even if the configuration forgets to.
        assert!(
            strict
                .parse(DocumentKind::TaiwanPermit, "XL12345678")
                .is_err()
        );
        assert!(
            DocumentNumberRules::new(&DocumentNumberPatterns {
                passport: "E[".into(),
                ..Default::default()
            })
            .is_err()
        );
    }

    #[test]
    fn visa_pages_reason_is_for_passports_only() {
        assert!(Reason::VisaPagesUsedUp.applies_to(DocumentKind::Passport));
        assert!(!Reason::VisaPagesUsedUp.applies_to(DocumentKind::HkMacaoPermit));
        assert!(!Reason::VisaPagesUsedUp.applies_to(DocumentKind::TaiwanPermit));
        for k in DocumentKind::ALL {
            assert!(Reason::Damaged.applies_to(k));
        }
    }

    #[test]
    fn codes_round_trip() {
        for k in DocumentKind::ALL {
            assert_eq!(k.code().parse::<DocumentKind>(), Ok(k));
        }
        for r in Reason::ALL {
            assert_eq!(r.code().parse::<Reason>(), Ok(r));
        }
        assert!("visa".parse::<Reason>().is_err());
    }
}
