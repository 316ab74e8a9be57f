//! The eligibility engine: may this person renew or replace this document online, today?
//!
//! Every rule of the service is a [`Rule`] with a stable code, a title for the guide, and a
//! check that returns an explained [`Outcome`]: pass, fail (with the way forward: which hall,
//! what to do), or not applicable (a rule about the current document when there is none, a
//! reason-specific rule for another reason). The engine runs *every* rule, so that a person
//! learns everything that stands in the way at once, not one obstacle per visit.
//!
//! The rules (BRIEF.md, "Who may use it", and the reasons):
//! - hukou in a pilot city; aged 16 or over; not a registered state functionary; not active
//!   military;
//! - has been issued this kind of document before; the current one is still in force (not
//!   expired, not cancelled); fingerprints on file; inside mainland China now;
//! - reason-specific: the reason fits the kind (visa pages: passports only); "expiring" needs
//!   less than 6 months of validity left; "visa pages used up" needs the pages used up; a
//!   document already reported lost can only be replaced as lost, not renewed;
//! - one open application per kind of document at a time.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::area::AreaCode;
use crate::document::{DocumentKind, Reason};
use crate::i18n::{Locale, Message};
use crate::id_number::age_on;
use crate::registry::{Direction, DocumentStatus, PersonRecord};
use crate::time::civil_date;

/// A city where the online service is open, by its four-digit GB/T 2260 prefecture code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PilotCity {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

impl PilotCity {
    pub fn name(&self, locale: Locale) -> &str {
        match locale {
            Locale::ZhCn => &self.name_zh,
            Locale::En => &self.name_en,
        }
    }
}

/// The configurable part of the rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EligibilitySettings {
    /// Cities where the service is open (the pilot grew from 20 to 50 cities: configuration).
    pub pilot_cities: Vec<PilotCity>,
    /// Minimum age for the online service.
    pub min_age: u32,
    /// "Expiring" means less than this many months of validity left.
    pub expiring_within_months: u32,
    /// "Visa pages used up" means at most this many blank visa pages left.
    pub visa_pages_threshold: u8,
}

impl Default for EligibilitySettings {
    fn default() -> Self {
        EligibilitySettings {
            pilot_cities: vec![PilotCity {
                code: "3101".into(),
                name_zh: "上海市".into(),
                name_en: "Shanghai".into(),
            }],
            min_age: 16,
            expiring_within_months: 6,
            visa_pages_threshold: 0,
        }
    }
}

/// A rule of the service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    PilotCity,
    MinimumAge,
    NotStateFunctionary,
    NotActiveMilitary,
    IssuedBefore,
    DocumentInForce,
    NotReportedLost,
    FingerprintsOnFile,
    InsideMainland,
    ReasonFitsKind,
    ExpiringSoon,
    VisaPagesUsedUp,
    OneOpenApplication,
}

impl Rule {
    pub const ALL: [Rule; 13] = [
        Rule::PilotCity,
        Rule::MinimumAge,
        Rule::NotStateFunctionary,
        Rule::NotActiveMilitary,
        Rule::IssuedBefore,
        Rule::DocumentInForce,
        Rule::NotReportedLost,
        Rule::FingerprintsOnFile,
        Rule::InsideMainland,
        Rule::ReasonFitsKind,
        Rule::ExpiringSoon,
        Rule::VisaPagesUsedUp,
        Rule::OneOpenApplication,
    ];

    /// The stable code, also the prefix of the rule's catalogue keys.
    pub fn code(self) -> &'static str {
        self.keys().0
    }

    /// (code, title, pass, fail, way forward) catalogue keys.
    fn keys(
        self,
    ) -> (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    ) {
        macro_rules! keys {
            ($name:literal) => {
                (
                    concat!("elig-", $name),
                    concat!("elig-", $name, "-title"),
                    concat!("elig-", $name, "-pass"),
                    concat!("elig-", $name, "-fail"),
                    concat!("elig-", $name, "-next"),
                )
            };
        }
        match self {
            Rule::PilotCity => keys!("pilot-city"),
            Rule::MinimumAge => keys!("minimum-age"),
            Rule::NotStateFunctionary => keys!("state-functionary"),
            Rule::NotActiveMilitary => keys!("active-military"),
            Rule::IssuedBefore => keys!("issued-before"),
            Rule::DocumentInForce => keys!("document-in-force"),
            Rule::NotReportedLost => keys!("reported-lost"),
            Rule::FingerprintsOnFile => keys!("fingerprints"),
            Rule::InsideMainland => keys!("inside-mainland"),
            Rule::ReasonFitsKind => keys!("reason-fits-kind"),
            Rule::ExpiringSoon => keys!("expiring-soon"),
            Rule::VisaPagesUsedUp => keys!("visa-pages"),
            Rule::OneOpenApplication => keys!("open-application"),
        }
    }

    /// The rule as the guide states it ("You are 16 or over"), with the configured values the
    /// engine enforces (minimum age, the "expiring" window, the visa-page threshold).
    pub fn title(self, settings: &EligibilitySettings) -> Message {
        Message::new(self.keys().1)
            .with("min", settings.min_age)
            .with("months", settings.expiring_within_months)
            .with("pages", u32::from(settings.visa_pages_threshold))
    }
}

/// A rule's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Fail,
    NotApplicable,
}

/// One rule's verdict, explained.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub rule: Rule,
    pub code: &'static str,
    pub verdict: Verdict,
    pub explanation: Message,
    /// What to do instead, for a failed rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub way_forward: Option<Message>,
}

/// What was asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    pub kind: DocumentKind,
    pub reason: Reason,
}

/// The engine's answer: every rule's outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    pub request: Request,
    pub checked_on: NaiveDate,
    pub eligible: bool,
    pub outcomes: Vec<Outcome>,
    /// The person's hukou district: where the way forward leads (the reception halls there).
    pub hukou_district: AreaCode,
}

impl Report {
    pub fn failures(&self) -> impl Iterator<Item = &Outcome> {
        self.outcomes.iter().filter(|o| o.verdict == Verdict::Fail)
    }

    pub fn outcome(&self, rule: Rule) -> &Outcome {
        self.outcomes
            .iter()
            .find(|o| o.rule == rule)
            .expect("every rule has an outcome")
    }
}

/// Everything the engine looks at.
pub struct Facts<'a> {
    pub person: &'a PersonRecord,
    pub request: Request,
    pub today: NaiveDate,
    /// Kinds of document for which the person already has an application in progress.
    pub open_applications: &'a [DocumentKind],
}

struct Check {
    verdict: Verdict,
    args: Vec<(&'static str, crate::i18n::Arg)>,
    /// A different explanation key than the rule's pass / fail one.
    explanation: Option<&'static str>,
}

impl Check {
    fn pass() -> Check {
        Check {
            verdict: Verdict::Pass,
            args: Vec::new(),
            explanation: None,
        }
    }
    fn fail() -> Check {
        Check {
            verdict: Verdict::Fail,
            args: Vec::new(),
            explanation: None,
        }
    }
    fn when(ok: bool) -> Check {
        if ok { Check::pass() } else { Check::fail() }
    }
    fn not_applicable(why: &'static str) -> Check {
        Check {
            verdict: Verdict::NotApplicable,
            args: Vec::new(),
            explanation: Some(why),
        }
    }
    fn with(mut self, name: &'static str, value: impl Into<crate::i18n::Arg>) -> Check {
        self.args.push((name, value.into()));
        self
    }
    fn explained_by(mut self, key: &'static str) -> Check {
        self.explanation = Some(key);
        self
    }
}

/// The first day on which a document expiring on `expires_on` has less than `months` of
/// validity left, i.e. the smallest `d` with `d + months > expires_on`.
pub fn expiry_window_opens(expires_on: NaiveDate, months: u32) -> NaiveDate {
    let months = Months::new(months);
    let mut d = expires_on
        .checked_sub_months(months)
        .unwrap_or(NaiveDate::MIN);
    // Month arithmetic clamps at month ends; step to the exact first day.
    while d
        .checked_add_months(months)
        .is_some_and(|later| later > expires_on)
    {
        match d.pred_opt() {
            Some(p) => d = p,
            None => return d,
        }
    }
    while d
        .checked_add_months(months)
        .is_some_and(|later| later <= expires_on)
    {
        match d.succ_opt() {
            Some(n) => d = n,
            None => return d,
        }
    }
    d
}

fn evaluate(rule: Rule, f: &Facts<'_>, settings: &EligibilitySettings) -> Check {
    let person = f.person;
    let Request { kind, reason } = f.request;
    let current = person.current_document(kind);
    let district = person.hukou_district;
    match rule {
        Rule::PilotCity => {
            let city = format!("{:04}", district.city_code());
            match settings.pilot_cities.iter().find(|c| c.code == city) {
                Some(c) => Check::pass()
                    .with("city_zh", c.name_zh.as_str())
                    .with("city_en", c.name_en.as_str()),
                None => Check::fail().with("area", district),
            }
        }
        Rule::MinimumAge => {
            let age = age_on(person.birth_date, f.today);
            Check::when(age >= settings.min_age)
                .with("age", age)
                .with("min", settings.min_age)
                .with("district", district)
        }
        Rule::NotStateFunctionary => {
            Check::when(!person.state_functionary).with("district", district)
        }
        Rule::NotActiveMilitary => Check::when(!person.active_military).with("district", district),
        Rule::IssuedBefore => Check::when(current.is_some())
            .with("kind", kind.label())
            .with("district", district),
        Rule::DocumentInForce => match current {
            None => Check::not_applicable("elig-na-no-document"),
            Some(doc) if doc.status == DocumentStatus::Cancelled => Check::fail()
                .explained_by("elig-document-in-force-cancelled")
                .with("kind", kind.label())
                .with("district", district),
            Some(doc) => Check::when(doc.expires_on >= f.today)
                .with("kind", kind.label())
                .with("expires", doc.expires_on)
                .with("district", district),
        },
        Rule::NotReportedLost => match current {
            None => Check::not_applicable("elig-na-no-document"),
            Some(_) if reason == Reason::LostOrStolen => Check::not_applicable("elig-na-reason"),
            Some(doc) => {
                Check::when(doc.status != DocumentStatus::ReportedLost).with("kind", kind.label())
            }
        },
        Rule::FingerprintsOnFile => {
            Check::when(person.fingerprints_on_file).with("district", district)
        }
        Rule::InsideMainland => match person.last_border_crossing {
            None => Check::pass().explained_by("elig-inside-mainland-never-left"),
            Some(c) => Check::when(c.direction == Direction::Entry).with("date", civil_date(c.at)),
        },
        Rule::ReasonFitsKind => Check::when(reason.applies_to(kind))
            .with("kind", kind.label())
            .with("reason", reason.label()),
        Rule::ExpiringSoon => {
            if reason != Reason::ExpiringSoon {
                return Check::not_applicable("elig-na-reason");
            }
            let Some(doc) = current else {
                return Check::not_applicable("elig-na-no-document");
            };
            let opens = expiry_window_opens(doc.expires_on, settings.expiring_within_months);
            Check::when(f.today >= opens)
                .with("kind", kind.label())
                .with("expires", doc.expires_on)
                .with("opens", opens)
                .with("months", settings.expiring_within_months)
        }
        Rule::VisaPagesUsedUp => {
            if reason != Reason::VisaPagesUsedUp || kind != DocumentKind::Passport {
                return Check::not_applicable("elig-na-reason");
            }
            let Some(doc) = current else {
                return Check::not_applicable("elig-na-no-document");
            };
            let pages = doc.visa_pages_left.unwrap_or(u8::MAX);
            let check = Check::when(pages <= settings.visa_pages_threshold);
            match doc.visa_pages_left {
                Some(p) => check.with("pages", u32::from(p)),
                None => check
                    .explained_by("elig-visa-pages-unknown")
                    .with("pages", -1),
            }
        }
        Rule::OneOpenApplication => {
            Check::when(!f.open_applications.contains(&kind)).with("kind", kind.label())
        }
    }
}

/// Runs every rule for `facts` and explains each verdict.
pub fn assess(facts: &Facts<'_>, settings: &EligibilitySettings) -> Report {
    let outcomes: Vec<Outcome> = Rule::ALL
        .into_iter()
        .map(|rule| {
            let check = evaluate(rule, facts, settings);
            let (code, _, pass, fail, next) = rule.keys();
            let key = check.explanation.unwrap_or(match check.verdict {
                Verdict::Fail => fail,
                _ => pass,
            });
            let mut explanation = Message::new(key);
            explanation.args = check.args.clone();
            let way_forward = (check.verdict == Verdict::Fail).then(|| {
                let mut m = Message::new(next);
                m.args = check.args;
                m
            });
            Outcome {
                rule,
                code,
                verdict: check.verdict,
                explanation,
                way_forward,
            }
        })
        .collect();
    Report {
        request: facts.request,
        checked_on: facts.today,
        eligible: outcomes.iter().all(|o| o.verdict != Verdict::Fail),
        outcomes,
        hukou_district: facts.person.hukou_district,
    }
}

#[cfg(test)]
mod tests;
