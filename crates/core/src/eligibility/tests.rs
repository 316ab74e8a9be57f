//! One test per rule and side: a person who passes everything, then one fact changed.

use chrono::{NaiveDate, TimeZone, Utc};

use super::*;
use crate::area::AreaCode;
use crate::i18n::{Locale, Localize as _};
use crate::id_number::IdNumber;
use crate::registry::{BorderCrossing, HeldDocument};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn today() -> NaiveDate {
    d(2026, 11, 25)
}

fn passport(expires_on: NaiveDate) -> HeldDocument {
    HeldDocument {
        kind: DocumentKind::Passport,
        number: "E12345678".into(),
        issued_on: expires_on.with_year_minus(10),
        expires_on,
        status: DocumentStatus::Valid,
        visa_pages_left: Some(12),
    }
}

trait MinusYears {
    fn with_year_minus(self, years: u32) -> NaiveDate;
}
impl MinusYears for NaiveDate {
    fn with_year_minus(self, years: u32) -> NaiveDate {
        self.checked_sub_months(Months::new(12 * years)).unwrap()
    }
}

/// A Shanghai resident, 35, passport expiring in three months, back from a trip.
fn eligible_person() -> PersonRecord {
    PersonRecord {
        id_number: IdNumber::parse("31010119910101001X", today()).unwrap(),
        birth_date: d(1991, 1, 1),
        hukou_district: AreaCode::parse("310101").unwrap(),
        state_functionary: false,
        active_military: false,
        fingerprints_on_file: true,
        documents: vec![passport(d(2027, 2, 20))],
        last_border_crossing: Some(BorderCrossing {
            direction: Direction::Entry,
            at: Utc.with_ymd_and_hms(2026, 10, 7, 3, 0, 0).unwrap(),
        }),
    }
}

fn request(kind: DocumentKind, reason: Reason) -> Request {
    Request { kind, reason }
}

fn assess_with(person: &PersonRecord, req: Request, open: &[DocumentKind]) -> Report {
    assess(
        &Facts {
            person,
            request: req,
            today: today(),
            open_applications: open,
        },
        &EligibilitySettings::default(),
    )
}

fn renew_passport(person: &PersonRecord) -> Report {
    assess_with(
        person,
        request(DocumentKind::Passport, Reason::ExpiringSoon),
        &[],
    )
}

fn verdict(report: &Report, rule: Rule) -> Verdict {
    report.outcome(rule).verdict
}

fn failed_codes(report: &Report) -> Vec<&'static str> {
    report.failures().map(|o| o.code).collect()
}

#[test]
fn baseline_person_is_eligible_and_every_rule_is_explained() {
    let r = renew_passport(&eligible_person());
    assert!(r.eligible, "{:?}", failed_codes(&r));
    assert_eq!(r.outcomes.len(), Rule::ALL.len());
    for o in &r.outcomes {
        for locale in Locale::ALL {
            let text = o.explanation.render(locale);
            assert_ne!(
                text, o.explanation.key,
                "{:?} has no text in {locale}",
                o.rule
            );
            assert!(!text.contains("{$"), "{text}");
        }
        assert!(o.way_forward.is_none());
    }
}

#[test]
fn every_rule_has_title_and_texts_in_both_languages() {
    for rule in Rule::ALL {
        let (code, title, pass, fail, next) = rule.keys();
        for key in [code, title, pass, fail, next] {
            if key == code {
                continue;
            }
            assert!(crate::i18n::has_key(key), "{key} missing");
        }
    }
    for key in [
        "elig-na-no-document",
        "elig-na-reason",
        "elig-document-in-force-cancelled",
        "elig-inside-mainland-never-left",
        "elig-visa-pages-unknown",
    ] {
        assert!(crate::i18n::has_key(key), "{key} missing");
    }
}

fn assert_fails_only(report: &Report, rule: Rule) {
    assert!(!report.eligible);
    assert_eq!(failed_codes(report), vec![rule.code()]);
    let o = report.outcome(rule);
    let next = o
        .way_forward
        .as_ref()
        .expect("a failed rule says what to do");
    for locale in Locale::ALL {
        let text = next.render(locale);
        assert_ne!(text, next.key);
        assert!(!text.contains("{$"), "{text}");
    }
}

#[test]
fn pilot_city_yes_for_shanghai_hukou() {
    let r = renew_passport(&eligible_person());
    assert_eq!(verdict(&r, Rule::PilotCity), Verdict::Pass);
    assert!(
        r.outcome(Rule::PilotCity)
            .explanation
            .render(Locale::ZhCn)
            .contains("上海")
    );
}

#[test]
fn pilot_city_no_for_hukou_elsewhere_and_yes_when_configured() {
    let mut p = eligible_person();
    p.hukou_district = AreaCode::parse("440106").unwrap();
    let r = renew_passport(&p);
    assert_fails_only(&r, Rule::PilotCity);
    assert!(
        r.outcome(Rule::PilotCity)
            .explanation
            .render(Locale::En)
            .contains("Guangdong")
    );
    let mut settings = EligibilitySettings::default();
    settings.pilot_cities.push(PilotCity {
        code: "4401".into(),
        name_zh: "广州市".into(),
        name_en: "Guangzhou".into(),
    });
    let r = assess(
        &Facts {
            person: &p,
            request: request(DocumentKind::Passport, Reason::ExpiringSoon),
            today: today(),
            open_applications: &[],
        },
        &settings,
    );
    assert!(r.eligible);
}

#[test]
fn minimum_age_yes_at_sixteenth_birthday_no_the_day_before() {
    let mut p = eligible_person();
    p.birth_date = d(2010, 11, 25);
    assert_eq!(
        verdict(&renew_passport(&p), Rule::MinimumAge),
        Verdict::Pass
    );
    p.birth_date = d(2010, 11, 26);
    let r = renew_passport(&p);
    assert_fails_only(&r, Rule::MinimumAge);
    assert!(
        r.outcome(Rule::MinimumAge)
            .explanation
            .render(Locale::En)
            .contains("15")
    );
}

#[test]
fn state_functionary_yes_and_no() {
    let mut p = eligible_person();
    assert_eq!(
        verdict(&renew_passport(&p), Rule::NotStateFunctionary),
        Verdict::Pass
    );
    p.state_functionary = true;
    let r = renew_passport(&p);
    assert_fails_only(&r, Rule::NotStateFunctionary);
    let next = r
        .outcome(Rule::NotStateFunctionary)
        .way_forward
        .clone()
        .unwrap();
    assert!(
        next.render(Locale::ZhCn).contains("黄浦区"),
        "{}",
        next.render(Locale::ZhCn)
    );
}

#[test]
fn active_military_yes_and_no() {
    let mut p = eligible_person();
    assert_eq!(
        verdict(&renew_passport(&p), Rule::NotActiveMilitary),
        Verdict::Pass
    );
    p.active_military = true;
    assert_fails_only(&renew_passport(&p), Rule::NotActiveMilitary);
}

#[test]
fn issued_before_yes_and_no_for_a_first_application() {
    let mut p = eligible_person();
    assert_eq!(
        verdict(&renew_passport(&p), Rule::IssuedBefore),
        Verdict::Pass
    );
    p.documents.clear();
    let r = renew_passport(&p);
    // Only the first-time rule fails; the rules about the current document do not apply.
    assert_eq!(failed_codes(&r), vec![Rule::IssuedBefore.code()]);
    assert_eq!(verdict(&r, Rule::DocumentInForce), Verdict::NotApplicable);
    assert_eq!(verdict(&r, Rule::ExpiringSoon), Verdict::NotApplicable);
    // Holding a passport says nothing about a Taiwan permit.
    let r = assess_with(
        &eligible_person(),
        request(DocumentKind::TaiwanPermit, Reason::Damaged),
        &[],
    );
    assert_fails_only(&r, Rule::IssuedBefore);
}

#[test]
fn document_in_force_yes_on_last_day_no_after_expiry() {
    let mut p = eligible_person();
    p.documents = vec![passport(today())];
    assert_eq!(
        verdict(&renew_passport(&p), Rule::DocumentInForce),
        Verdict::Pass
    );
    p.documents = vec![passport(today().pred_opt().unwrap())];
    let r = renew_passport(&p);
    assert_fails_only(&r, Rule::DocumentInForce);
    assert!(
        r.outcome(Rule::DocumentInForce)
            .explanation
            .render(Locale::En)
            .contains("24 November 2026")
    );
}

#[test]
fn document_in_force_no_when_cancelled() {
    let mut p = eligible_person();
    p.documents[0].status = DocumentStatus::Cancelled;
    let r = assess_with(&p, request(DocumentKind::Passport, Reason::Damaged), &[]);
    assert_fails_only(&r, Rule::DocumentInForce);
    assert_eq!(
        r.outcome(Rule::DocumentInForce).explanation.key,
        "elig-document-in-force-cancelled"
    );
}

#[test]
fn current_document_is_the_most_recently_issued() {
    let mut p = eligible_person();
    let mut old = passport(d(2017, 1, 1));
    old.status = DocumentStatus::Cancelled;
    p.documents.insert(0, old);
    assert!(renew_passport(&p).eligible);
}

#[test]
fn reported_lost_cannot_be_renewed_as_expiring_but_can_be_replaced_as_lost() {
    let mut p = eligible_person();
    p.documents[0].status = DocumentStatus::ReportedLost;
    assert_fails_only(&renew_passport(&p), Rule::NotReportedLost);
    assert_fails_only(
        &assess_with(&p, request(DocumentKind::Passport, Reason::Damaged), &[]),
        Rule::NotReportedLost,
    );
    let r = assess_with(
        &p,
        request(DocumentKind::Passport, Reason::LostOrStolen),
        &[],
    );
    assert!(r.eligible, "{:?}", failed_codes(&r));
    assert_eq!(verdict(&r, Rule::NotReportedLost), Verdict::NotApplicable);
}

#[test]
fn reported_lost_rule_passes_for_a_valid_document() {
    assert_eq!(
        verdict(&renew_passport(&eligible_person()), Rule::NotReportedLost),
        Verdict::Pass
    );
}

#[test]
fn fingerprints_on_file_yes_and_no() {
    let mut p = eligible_person();
    assert_eq!(
        verdict(&renew_passport(&p), Rule::FingerprintsOnFile),
        Verdict::Pass
    );
    p.fingerprints_on_file = false;
    assert_fails_only(&renew_passport(&p), Rule::FingerprintsOnFile);
}

#[test]
fn inside_mainland_yes_after_entry_or_never_left_no_after_exit() {
    let mut p = eligible_person();
    assert_eq!(
        verdict(&renew_passport(&p), Rule::InsideMainland),
        Verdict::Pass
    );
    p.last_border_crossing = None;
    let r = renew_passport(&p);
    assert_eq!(verdict(&r, Rule::InsideMainland), Verdict::Pass);
    assert_eq!(
        r.outcome(Rule::InsideMainland).explanation.key,
        "elig-inside-mainland-never-left"
    );
    p.last_border_crossing = Some(BorderCrossing {
        direction: Direction::Exit,
        // 2026-11-20 23:30 in Shanghai is 15:30 UTC: the date shown is the Shanghai date.
        at: Utc.with_ymd_and_hms(2026, 11, 20, 15, 30, 0).unwrap(),
    });
    let r = renew_passport(&p);
    assert_fails_only(&r, Rule::InsideMainland);
    assert!(
        r.outcome(Rule::InsideMainland)
            .explanation
            .render(Locale::En)
            .contains("20 November 2026")
    );
}

#[test]
fn reason_fits_kind_visa_pages_only_for_passports() {
    let mut p = eligible_person();
    p.documents.push(HeldDocument {
        kind: DocumentKind::HkMacaoPermit,
        number: "C12345678".into(),
        issued_on: d(2020, 1, 1),
        expires_on: d(2029, 12, 31),
        status: DocumentStatus::Valid,
        visa_pages_left: None,
    });
    let r = assess_with(
        &p,
        request(DocumentKind::HkMacaoPermit, Reason::VisaPagesUsedUp),
        &[],
    );
    assert_fails_only(&r, Rule::ReasonFitsKind);
    let r = assess_with(
        &p,
        request(DocumentKind::HkMacaoPermit, Reason::Damaged),
        &[],
    );
    assert!(r.eligible);
    assert_eq!(verdict(&r, Rule::ReasonFitsKind), Verdict::Pass);
}

#[test]
fn expiring_soon_yes_under_six_months_no_with_more_left() {
    let mut p = eligible_person();
    // Expires 2027-05-25: six months from 2026-11-25 is not "less than six months".
    p.documents = vec![passport(d(2027, 5, 25))];
    let r = renew_passport(&p);
    assert_fails_only(&r, Rule::ExpiringSoon);
    let next = r.outcome(Rule::ExpiringSoon).way_forward.clone().unwrap();
    assert!(
        next.render(Locale::En).contains("26 November 2026"),
        "{}",
        next.render(Locale::En)
    );
    p.documents = vec![passport(d(2027, 5, 24))];
    assert_eq!(
        verdict(&renew_passport(&p), Rule::ExpiringSoon),
        Verdict::Pass
    );
    // Other reasons do not depend on the expiry date.
    p.documents = vec![passport(d(2030, 1, 1))];
    let r = assess_with(&p, request(DocumentKind::Passport, Reason::Damaged), &[]);
    assert!(r.eligible);
    assert_eq!(verdict(&r, Rule::ExpiringSoon), Verdict::NotApplicable);
}

#[test]
fn expiry_window_opens_on_the_exact_day_even_at_month_ends() {
    assert_eq!(expiry_window_opens(d(2027, 5, 25), 6), d(2026, 11, 26));
    // 2027-08-31 minus 6 months clamps to 2027-02-28, yet 2027-02-28 + 6 months = 2027-08-28.
    let opens = expiry_window_opens(d(2027, 8, 31), 6);
    assert!(opens.checked_add_months(Months::new(6)).unwrap() > d(2027, 8, 31));
    let before = opens.pred_opt().unwrap();
    assert!(before.checked_add_months(Months::new(6)).unwrap() <= d(2027, 8, 31));
}

#[test]
fn visa_pages_used_up_yes_with_none_left_no_with_pages_left() {
    let mut p = eligible_person();
    p.documents = vec![passport(d(2030, 1, 1))];
    p.documents[0].visa_pages_left = Some(0);
    let req = request(DocumentKind::Passport, Reason::VisaPagesUsedUp);
    let r = assess_with(&p, req, &[]);
    assert!(r.eligible, "{:?}", failed_codes(&r));
    assert_eq!(verdict(&r, Rule::VisaPagesUsedUp), Verdict::Pass);
    p.documents[0].visa_pages_left = Some(3);
    let r = assess_with(&p, req, &[]);
    assert_fails_only(&r, Rule::VisaPagesUsedUp);
    assert!(
        r.outcome(Rule::VisaPagesUsedUp)
            .explanation
            .render(Locale::En)
            .contains('3')
    );
    p.documents[0].visa_pages_left = None;
    let r = assess_with(&p, req, &[]);
    assert_eq!(
        r.outcome(Rule::VisaPagesUsedUp).explanation.key,
        "elig-visa-pages-unknown"
    );
}

#[test]
fn one_open_application_per_kind() {
    let p = eligible_person();
    let r = assess_with(
        &p,
        request(DocumentKind::Passport, Reason::ExpiringSoon),
        &[DocumentKind::HkMacaoPermit],
    );
    assert_eq!(verdict(&r, Rule::OneOpenApplication), Verdict::Pass);
    let r = assess_with(
        &p,
        request(DocumentKind::Passport, Reason::ExpiringSoon),
        &[DocumentKind::Passport],
    );
    assert_fails_only(&r, Rule::OneOpenApplication);
}

#[test]
fn every_failed_rule_is_reported_not_just_the_first() {
    let mut p = eligible_person();
    p.hukou_district = AreaCode::parse("110105").unwrap();
    p.state_functionary = true;
    p.fingerprints_on_file = false;
    p.documents = vec![passport(d(2031, 1, 1))];
    let r = assess_with(
        &p,
        request(DocumentKind::Passport, Reason::ExpiringSoon),
        &[DocumentKind::Passport],
    );
    assert_eq!(
        failed_codes(&r),
        vec![
            Rule::PilotCity.code(),
            Rule::NotStateFunctionary.code(),
            Rule::FingerprintsOnFile.code(),
            Rule::ExpiringSoon.code(),
            Rule::OneOpenApplication.code(),
        ]
    );
}

#[test]
fn report_serialises_codes_and_messages() {
    let mut p = eligible_person();
    p.active_military = true;
    let r = renew_passport(&p);
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["eligible"], false);
    let failed: Vec<_> = json["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["verdict"] == "fail")
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["code"], "elig-active-military");
    assert_eq!(failed[0]["rule"], "not_active_military");
    // The error-like codes are distinct per rule.
    let mut codes: Vec<_> = Rule::ALL.iter().map(|r| r.code()).collect();
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), Rule::ALL.len());
    let _ = crate::document::UnknownCode("x".into()).code();
}
