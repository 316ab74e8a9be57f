//! What the citizen registry knows of a person: the input of the eligibility engine.
//!
//! These are facts reported by an external system (the registry port in `wangban-gateways`), so
//! they are plain data: document numbers are kept as the registry spells them.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::area::AreaCode;
use crate::document::DocumentKind;
use crate::id_number::IdNumber;
use crate::time::Timestamp;

/// The status of a document as the registry records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentStatus {
    Valid,
    /// Reported lost or stolen (挂失): no longer usable for travel.
    ReportedLost,
    /// Cancelled (注销), e.g. replaced by a newer document.
    Cancelled,
}

/// One exit-entry document issued to the person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldDocument {
    pub kind: DocumentKind,
    pub number: String,
    pub issued_on: NaiveDate,
    pub expires_on: NaiveDate,
    pub status: DocumentStatus,
    /// Blank visa pages left (passports only).
    #[serde(default)]
    pub visa_pages_left: Option<u8>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Entry,
    Exit,
}

/// The person's last passage through a border control point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BorderCrossing {
    pub direction: Direction,
    pub at: Timestamp,
}

/// The registry's record of one person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PersonRecord {
    pub id_number: IdNumber,
    pub birth_date: NaiveDate,
    /// The current hukou (household registration) district.
    pub hukou_district: AreaCode,
    /// Registered with exit-entry control as a state functionary (国家工作人员).
    pub state_functionary: bool,
    pub active_military: bool,
    /// Fingerprints were taken at an earlier application.
    pub fingerprints_on_file: bool,
    pub documents: Vec<HeldDocument>,
    pub last_border_crossing: Option<BorderCrossing>,
}

impl PersonRecord {
    /// The current document of a kind: the most recently issued one.
    pub fn current_document(&self, kind: DocumentKind) -> Option<&HeldDocument> {
        self.documents
            .iter()
            .filter(|d| d.kind == kind)
            .max_by_key(|d| d.issued_on)
    }
}
