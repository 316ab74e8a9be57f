//! The demo citizens: one per document kind × reason that can be applied for online, one per
//! reason to be turned away, and one whose face never matches (see `demo/citizens.toml`, which
//! is compiled in).
//!
//! Names, ID numbers and mobile numbers are fixed; document dates and border crossings are
//! relative to the day the registry starts, so the demo never goes stale. Each citizen states
//! the request it demonstrates and the rules that must fail ([`DemoCitizen::expected_failures`]);
//! a test runs the eligibility engine over all of them.

use std::sync::OnceLock;

use chrono::{Days, Months, NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};
use wangban_core::area::AreaCode;
use wangban_core::document::DocumentKind;
use wangban_core::eligibility::{Request, Rule};
use wangban_core::i18n::Locale;
use wangban_core::id_number::{IdNumber, age_on};
use wangban_core::name::{PersonName, PinyinName};
use wangban_core::phone::MobileNumber;
use wangban_core::registry::{
    BorderCrossing, Direction, DocumentStatus, HeldDocument, PersonRecord,
};
use wangban_core::time::{Timestamp, start_of_day};

use super::RegistryPerson;

/// The file, as compiled in.
pub const CITIZENS_TOML: &str = include_str!("../../demo/citizens.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    citizen: Vec<CitizenSpec>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CitizenSpec {
    key: String,
    name: String,
    pinyin: [String; 2],
    phone: String,
    id_number: String,
    hukou: String,
    request: Request,
    expect_fail: Vec<String>,
    #[serde(default)]
    state_functionary: bool,
    #[serde(default)]
    active_military: bool,
    #[serde(default = "yes")]
    fingerprints: bool,
    #[serde(default)]
    face_mismatch: bool,
    demonstrates_zh: String,
    demonstrates_en: String,
    #[serde(default)]
    last_crossing: Option<CrossingSpec>,
    #[serde(default)]
    documents: Vec<DocumentSpec>,
}

fn yes() -> bool {
    true
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CrossingSpec {
    direction: Direction,
    days_ago: u64,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DocumentSpec {
    kind: DocumentKind,
    number: String,
    /// Negative for a document that has expired.
    expires_in_days: i64,
    #[serde(default)]
    issued_days_ago: Option<u64>,
    #[serde(default = "valid")]
    status: DocumentStatus,
    #[serde(default)]
    visa_pages_left: Option<u8>,
}

fn valid() -> DocumentStatus {
    DocumentStatus::Valid
}

/// A demo citizen: who they are, how to log in as them, and what they demonstrate.
#[derive(Clone, Debug, Serialize)]
pub struct DemoCitizen {
    /// A stable key, e.g. `passport-expiring`.
    pub key: String,
    pub name: PersonName,
    pub pinyin: PinyinName,
    /// The mobile number to log in with.
    pub phone: MobileNumber,
    pub id_number: IdNumber,
    pub hukou_district: AreaCode,
    /// The request the citizen demonstrates.
    pub request: Request,
    /// The rules that fail for that request (empty: eligible).
    pub expected_failures: Vec<Rule>,
    /// The live capture never matches the ID photo on record.
    pub face_mismatch: bool,
    pub demonstrates_zh: String,
    pub demonstrates_en: String,
    #[serde(skip)]
    spec: CitizenSpec,
}

impl DemoCitizen {
    /// Whether the demonstrated request is eligible.
    pub fn eligible(&self) -> bool {
        self.expected_failures.is_empty()
    }

    /// `陈**`, for pages that do not need the whole name.
    pub fn masked_name(&self) -> String {
        self.name.masked()
    }

    /// What the citizen demonstrates, in `locale`.
    pub fn demonstrates(&self, locale: Locale) -> &str {
        match locale {
            Locale::ZhCn => &self.demonstrates_zh,
            Locale::En => &self.demonstrates_en,
        }
    }

    /// The codes of the rules expected to fail (`elig-pilot-city`, …).
    pub fn expected_failure_codes(&self) -> Vec<&'static str> {
        self.expected_failures.iter().map(|r| r.code()).collect()
    }

    /// The registry record of this citizen as of `today`.
    pub fn person(&self, today: NaiveDate) -> RegistryPerson {
        let s = &self.spec;
        let birth = self.id_number.birth_date();
        let documents = s
            .documents
            .iter()
            .map(|d| {
                let expires_on = shift(today, d.expires_in_days);
                let issued_on = match d.issued_days_ago {
                    Some(days) => today - Days::new(days),
                    None => usual_issue_date(birth, expires_on),
                };
                HeldDocument {
                    kind: d.kind,
                    number: d.number.clone(),
                    issued_on,
                    expires_on,
                    status: d.status,
                    visa_pages_left: d.visa_pages_left,
                }
            })
            .collect();
        let last_border_crossing = s.last_crossing.as_ref().map(|c| BorderCrossing {
            direction: c.direction,
            at: at_ten(today - Days::new(c.days_ago)),
        });
        RegistryPerson {
            record: PersonRecord {
                id_number: self.id_number.clone(),
                birth_date: birth,
                hukou_district: self.hukou_district,
                state_functionary: s.state_functionary,
                active_military: s.active_military,
                fingerprints_on_file: s.fingerprints,
                documents,
                last_border_crossing,
            },
            name: self.name.clone(),
            pinyin: self.pinyin.clone(),
        }
    }
}

fn shift(date: NaiveDate, days: i64) -> NaiveDate {
    if days >= 0 {
        date + Days::new(days.unsigned_abs())
    } else {
        date - Days::new(days.unsigned_abs())
    }
}

/// 10:00 in Shanghai on `date`.
fn at_ten(date: NaiveDate) -> Timestamp {
    start_of_day(date) + (NaiveTime::from_hms_opt(10, 0, 0).expect("valid") - NaiveTime::MIN)
}

/// The issue date that gives a document expiring on `expires_on` its normal validity: 10 years,
/// or 5 for someone under 16 on that day.
pub(crate) fn usual_issue_date(birth: NaiveDate, expires_on: NaiveDate) -> NaiveDate {
    let day_after = expires_on.succ_opt().unwrap_or(expires_on);
    let ten = day_after - Months::new(120);
    if age_on(birth, ten) >= wangban_core::fees::ADULT_AGE {
        ten
    } else {
        day_after - Months::new(60)
    }
}

fn parse(spec: CitizenSpec) -> DemoCitizen {
    let what = |field: &str| format!("demo citizen {}: bad {field}", spec.key);
    let rule = |code: &String| {
        Rule::ALL
            .into_iter()
            .find(|r| r.code() == code)
            .unwrap_or_else(|| panic!("{}: {code}", what("rule code")))
    };
    DemoCitizen {
        key: spec.key.clone(),
        name: PersonName::parse(&spec.name).unwrap_or_else(|e| panic!("{}: {e}", what("name"))),
        pinyin: PinyinName::parse(&spec.pinyin[0], &spec.pinyin[1])
            .unwrap_or_else(|e| panic!("{}: {e}", what("pinyin"))),
        phone: MobileNumber::parse(&spec.phone)
            .unwrap_or_else(|e| panic!("{}: {e}", what("phone"))),
        id_number: IdNumber::parse(&spec.id_number, NaiveDate::MAX)
            .unwrap_or_else(|e| panic!("{}: {e}", what("id_number"))),
        hukou_district: AreaCode::parse(&spec.hukou)
            .unwrap_or_else(|e| panic!("{}: {e}", what("hukou"))),
        request: spec.request,
        expected_failures: spec.expect_fail.iter().map(rule).collect(),
        face_mismatch: spec.face_mismatch,
        demonstrates_zh: spec.demonstrates_zh.clone(),
        demonstrates_en: spec.demonstrates_en.clone(),
        spec,
    }
}

/// Every demo citizen, in the file's order.
pub fn demo_citizens() -> &'static [DemoCitizen] {
    static CITIZENS: OnceLock<Vec<DemoCitizen>> = OnceLock::new();
    CITIZENS.get_or_init(|| {
        let file: File = toml::from_str(CITIZENS_TOML)
            .unwrap_or_else(|e| panic!("demo/citizens.toml does not parse: {e}"));
        file.citizen.into_iter().map(parse).collect()
    })
}

/// The demo citizen with this key.
pub fn demo_citizen(key: &str) -> Option<&'static DemoCitizen> {
    demo_citizens().iter().find(|c| c.key == key)
}

/// The demo citizen who logs in with this mobile number.
pub fn demo_citizen_by_phone(phone: &MobileNumber) -> Option<&'static DemoCitizen> {
    demo_citizens().iter().find(|c| &c.phone == phone)
}
