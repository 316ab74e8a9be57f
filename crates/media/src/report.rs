//! The shape of every check's answer, shared by the photo, signature and ID-card checks.
//!
//! A check says pass, advisory (the applicant may submit, the officer sees the flag), fail (the
//! file must be replaced before submission, unless the applicant asks for an officer's
//! judgement), or officer (this property is not judged by software: an officer looks). It
//! carries what was measured, the threshold it was held against, and a catalogue message
//! explaining the verdict and how to fix it — never a bare number.

use serde::Serialize;
use wangban_core::i18n::{Locale, Message};

/// A check's verdict, from best to worst for `overall`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    /// Not checked by software: an officer judges it (head covering, jewellery, …).
    Officer,
    Advisory,
    Fail,
}

/// One measured value.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Measure {
    pub name: &'static str,
    pub value: f64,
    /// Unit or scale (`px`, `ratio`, `%`, `luma`, …).
    pub unit: &'static str,
}

/// One check's answer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Check {
    /// Stable code, e.g. `photo-background`.
    pub code: &'static str,
    pub verdict: Verdict,
    pub measured: Vec<Measure>,
    /// The rule held against, in words a developer reads (`"≥ 354×472 px"`); people read
    /// `message`.
    pub threshold: String,
    /// Why, and how to fix it, in the catalogue.
    pub message: Message,
}

impl Check {
    pub fn render(&self, locale: Locale) -> String {
        self.message.render(locale)
    }
}

/// What kind of file was checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    Photo,
    Signature,
    IdFront,
    IdBack,
}

/// The answer for one file: every check, the overall verdict (the worst one), and the
/// normalised image where the checks produce one (the 354×472 photo, the cleaned signature).
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub kind: FileKind,
    pub overall: Verdict,
    pub checks: Vec<Check>,
    /// The normalised image, when one could be made: the 354×472 photo as JPEG, the cleaned
    /// black-on-white signature as PNG (read the bytes' signature for the type).
    #[serde(skip)]
    pub normalised: Option<Vec<u8>>,
    /// The visual feedback (PNG bytes): boxes, guide lines, sampled regions.
    #[serde(skip)]
    pub overlay: Option<Vec<u8>>,
}

impl Report {
    pub fn new(kind: FileKind, checks: Vec<Check>) -> Report {
        let overall = checks
            .iter()
            .map(|c| c.verdict)
            .filter(|v| *v != Verdict::Officer)
            .max()
            .unwrap_or(Verdict::Pass);
        Report {
            kind,
            overall,
            checks,
            normalised: None,
            overlay: None,
        }
    }

    /// Whether submission must wait for a better file.
    pub fn blocks_submission(&self) -> bool {
        self.overall == Verdict::Fail
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(verdict: Verdict) -> Check {
        Check {
            code: "x",
            verdict,
            measured: vec![],
            threshold: String::new(),
            message: Message::new("x"),
        }
    }

    #[test]
    fn overall_is_the_worst_software_verdict() {
        let r = Report::new(
            FileKind::Photo,
            vec![check(Verdict::Pass), check(Verdict::Officer)],
        );
        assert_eq!(r.overall, Verdict::Pass);
        let r = Report::new(
            FileKind::Photo,
            vec![check(Verdict::Advisory), check(Verdict::Pass)],
        );
        assert_eq!(r.overall, Verdict::Advisory);
        assert!(!r.blocks_submission());
        let r = Report::new(
            FileKind::Photo,
            vec![check(Verdict::Fail), check(Verdict::Advisory)],
        );
        assert!(r.blocks_submission());
    }
}
