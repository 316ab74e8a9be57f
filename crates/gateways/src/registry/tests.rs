use std::collections::{BTreeSet, HashSet};

use chrono::{NaiveDate, TimeZone, Utc};
use wangban_core::document::Reason;
use wangban_core::eligibility::{EligibilitySettings, Facts, Rule, assess};

use super::demo::{demo_citizen, demo_citizen_by_phone, demo_citizens};
use super::synthetic::synthetic_people;
use super::*;
use crate::clock::ManualClock;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn failing(person: &RegistryPerson, request: Request, today: NaiveDate) -> BTreeSet<&'static str> {
    let report = assess(
        &Facts {
            person: &person.record,
            request,
            today,
            open_applications: &[],
        },
        &EligibilitySettings::default(),
    );
    report.failures().map(|o| o.code).collect()
}

use wangban_core::eligibility::Request;

#[test]
fn every_demo_citizen_gets_the_outcome_it_demonstrates_on_any_day() {
    // Today, and days up to the horizon of the under-16 citizen (she turns 16 on 2032-05-20).
    for today in [
        SystemClock.today(),
        d(2026, 11, 25),
        d(2029, 2, 28),
        d(2032, 5, 19),
    ] {
        for c in demo_citizens() {
            let person = c.person(today);
            let expected: BTreeSet<_> = c.expected_failure_codes().into_iter().collect();
            assert_eq!(
                failing(&person, c.request, today),
                expected,
                "{} on {today}",
                c.key
            );
        }
    }
}

#[test]
fn demo_citizens_cover_every_kind_and_reason_and_every_way_of_being_turned_away() {
    let citizens = demo_citizens();
    for kind in DocumentKind::ALL {
        for reason in Reason::ALL.into_iter().filter(|r| r.applies_to(kind)) {
            assert!(
                citizens.iter().any(|c| c.eligible()
                    && !c.face_mismatch
                    && c.request.kind == kind
                    && c.request.reason == reason),
                "no eligible demo citizen for {kind} × {reason}"
            );
        }
    }
    // Exactly one failing rule, so that the citizen shows that rule alone.
    for rule in [
        Rule::PilotCity,
        Rule::MinimumAge,
        Rule::NotStateFunctionary,
        Rule::NotActiveMilitary,
        Rule::IssuedBefore,
        Rule::DocumentInForce,
        Rule::NotReportedLost,
        Rule::FingerprintsOnFile,
        Rule::InsideMainland,
        Rule::ExpiringSoon,
        Rule::VisaPagesUsedUp,
    ] {
        assert!(
            citizens.iter().any(|c| c.expected_failures == [rule]),
            "no demo citizen fails {} alone",
            rule.code()
        );
    }
    assert!(citizens.iter().any(|c| c.expected_failures.len() >= 3));
    assert!(citizens.iter().any(|c| c.face_mismatch));
}

#[test]
fn demo_citizens_are_distinct_valid_and_eligible_ones_live_in_shanghai() {
    let today = SystemClock.today();
    let mut keys = HashSet::new();
    let mut phones = HashSet::new();
    let mut ids = HashSet::new();
    let mut numbers = HashSet::new();
    for c in demo_citizens() {
        assert!(keys.insert(c.key.clone()), "{}", c.key);
        assert!(phones.insert(c.phone.clone()), "{}", c.key);
        assert!(ids.insert(c.id_number.clone()), "{}", c.key);
        // Valid today, not only against the far future.
        assert!(IdNumber::parse(c.id_number.as_str(), today).is_ok());
        if c.eligible() {
            assert_eq!(c.hukou_district.city_code(), 3101, "{}", c.key);
        }
        for doc in c.person(today).record.documents {
            assert!(numbers.insert(doc.number.clone()), "{}", doc.number);
            assert!(doc.issued_on < doc.expires_on);
        }
        assert!(!c.demonstrates_zh.is_empty() && !c.demonstrates_en.is_empty());
        assert_eq!(
            demo_citizen(&c.key).map(|x| &x.id_number),
            Some(&c.id_number)
        );
        assert_eq!(
            demo_citizen_by_phone(&c.phone).map(|x| x.key.as_str()),
            Some(c.key.as_str())
        );
    }
    // The ID number of one demo citizen was issued in a district that no longer exists.
    let moved = demo_citizen("passport-damaged").unwrap();
    assert_ne!(
        moved.id_number.issuing_area(),
        moved.hukou_district,
        "issued in Luwan, hukou in Huangpu"
    );
}

#[test]
fn demo_documents_have_their_normal_validity() {
    let today = d(2026, 11, 25);
    let child = demo_citizen("under-16").unwrap().person(today);
    let passport = &child.record.documents[0];
    // Issued to a child: 5 years.
    assert_eq!(
        wangban_core::fees::expiry_date(child.record.birth_date, passport.issued_on),
        passport.expires_on
    );
    assert_eq!(passport.expires_on, d(2027, 2, 13));
    let adult = demo_citizen("passport-expiring").unwrap().person(today);
    let p = adult
        .record
        .current_document(DocumentKind::Passport)
        .unwrap();
    assert_eq!(
        wangban_core::fees::expiry_date(adult.record.birth_date, p.issued_on),
        p.expires_on
    );
}

#[test]
fn the_readmes_list_every_demo_citizen() {
    // This crate's README and the project's README both carry the table.
    for readme in [
        include_str!("../../README.md"),
        include_str!("../../../../README.md"),
    ] {
        readme_lists_every_demo_citizen(readme);
    }
}

fn readme_lists_every_demo_citizen(readme: &str) {
    for c in demo_citizens() {
        let row = readme
            .lines()
            .find(|l| l.contains(&format!("`{}`", c.key)))
            .unwrap_or_else(|| panic!("README has no row for {}", c.key));
        let mut cells = vec![c.phone.as_str(), c.id_number.as_str(), c.name.as_str()];
        cells.extend(c.expected_failure_codes());
        if c.eligible() {
            cells.push("eligible");
        }
        for cell in cells {
            assert!(row.contains(cell), "README row of {} lacks {cell}", c.key);
        }
    }
}

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 25, 2, 0, 0).unwrap(),
    ))
}

fn id(key: &str) -> IdNumber {
    demo_citizen(key).unwrap().id_number.clone()
}

#[tokio::test]
async fn reporting_lost_cancelling_and_issuing_change_the_record_idempotently() {
    let clock = clock();
    let reg = RegistrySimulator::with_demo_citizens(clock.clone());
    let at = clock.now();
    let lost = id("passport-lost");
    reg.report_lost(&lost, DocumentKind::Passport, "e5509 1823", at)
        .await
        .unwrap();
    // Repeating it (after a timeout, say) is fine.
    reg.report_lost(&lost, DocumentKind::Passport, "E55091823", at)
        .await
        .unwrap();
    let person = reg.person(&lost).await.unwrap().unwrap();
    assert_eq!(
        person.record.documents[0].status,
        DocumentStatus::ReportedLost
    );
    // The engine now refuses renewing it as expiring.
    assert!(
        failing(
            &person,
            Request {
                kind: DocumentKind::Passport,
                reason: Reason::ExpiringSoon
            },
            clock.today()
        )
        .contains("elig-reported-lost")
    );

    let renew = id("passport-expiring");
    let new_passport = HeldDocument {
        kind: DocumentKind::Passport,
        number: "EJ0000001".into(),
        issued_on: clock.today(),
        expires_on: d(2036, 11, 24),
        status: DocumentStatus::Valid,
        visa_pages_left: Some(32),
    };
    reg.record_issued(&renew, new_passport.clone())
        .await
        .unwrap();
    reg.record_issued(&renew, new_passport.clone())
        .await
        .unwrap();
    reg.cancel_document(&renew, DocumentKind::Passport, "E60231457", at)
        .await
        .unwrap();
    reg.cancel_document(&renew, DocumentKind::Passport, "E60231457", at)
        .await
        .unwrap();
    let person = reg.get(&renew).unwrap();
    assert_eq!(person.record.documents.len(), 3);
    assert_eq!(
        person.record.current_document(DocumentKind::Passport),
        Some(&new_passport)
    );
    assert_eq!(person.record.documents[0].status, DocumentStatus::Cancelled);
    assert_eq!(
        reg.changes().iter().map(|c| c.change).collect::<Vec<_>>(),
        [
            ChangeKind::ReportedLost,
            ChangeKind::Issued,
            ChangeKind::Cancelled
        ]
    );

    // What contradicts the record is rejected, and says why.
    let err = reg
        .report_lost(&renew, DocumentKind::Passport, "E60231457", at)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "rejected:document_cancelled");
    let err = reg
        .cancel_document(&renew, DocumentKind::TaiwanPermit, "E60231457", at)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "rejected:document_unknown");
    let err = reg
        .record_issued(
            &renew,
            HeldDocument {
                kind: DocumentKind::TaiwanPermit,
                ..new_passport
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "rejected:number_in_use");
    let stranger = IdNumber::parse("11010519491231002X", clock.today()).unwrap();
    assert_eq!(reg.person(&stranger).await.unwrap(), None);
    assert!(matches!(
        reg.report_lost(&stranger, DocumentKind::Passport, "E1", at)
            .await,
        Err(GatewayError::NotFound { .. })
    ));

    // A demo can be replayed.
    reg.reset_demo_citizens();
    assert_eq!(reg.get(&renew).unwrap().record.documents.len(), 2);
    assert_eq!(
        reg.get(&lost).unwrap().record.documents[0].status,
        DocumentStatus::Valid
    );
}

#[tokio::test]
async fn changes_survive_a_restart_and_the_rest_is_regenerated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("registry.json");
    let clock = clock();
    let settings = RegistrySettings {
        synthetic_population: 50,
        ..RegistrySettings::default()
    };
    let lost = id("hkmo-lost");
    {
        let reg = RegistrySimulator::new(&settings, clock.clone())
            .persisted(path.clone(), Duration::from_millis(1))
            .unwrap();
        assert_eq!(reg.len(), demo_citizens().len() + 50);
        reg.report_lost(&lost, DocumentKind::HkMacaoPermit, "C83019476", clock.now())
            .await
            .unwrap();
        reg.flush().unwrap();
    }
    // The file holds the changed person only.
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(lost.as_str()));
    assert!(!text.contains(id("taiwan-lost").as_str()));

    let reg = RegistrySimulator::new(&settings, clock.clone())
        .persisted(path.clone(), Duration::from_millis(1))
        .unwrap();
    assert_eq!(reg.len(), demo_citizens().len() + 50);
    let person = reg.get(&lost).unwrap();
    assert_eq!(person.name.as_str(), "黄志强");
    assert_eq!(
        person.record.documents[0].status,
        DocumentStatus::ReportedLost
    );
    assert_eq!(reg.changes().len(), 1);
    assert_eq!(reg.changes()[0].id_number, lost);
}

#[tokio::test]
async fn injected_failures_are_retryable() {
    let settings = RegistrySettings {
        failure_rate: 1.0,
        ..RegistrySettings::default()
    };
    let reg = RegistrySimulator::new(&settings, clock());
    let err = reg.person(&id("passport-expiring")).await.unwrap_err();
    assert!(err.is_retryable());
    assert_eq!(err.system(), System::Registry);
}

#[test]
fn synthetic_people_are_valid_distinct_plausible_and_reproducible() {
    let today = d(2026, 11, 25);
    let people: Vec<_> = synthetic_people(10_000, 7, today).collect();
    assert_eq!(people.len(), 10_000);
    let ids: HashSet<_> = people
        .iter()
        .map(|p| p.person.id_number().clone())
        .collect();
    assert_eq!(ids.len(), 10_000, "ID numbers are distinct");
    let phones: HashSet<_> = people.iter().map(|p| p.phone.clone()).collect();
    assert_eq!(phones.len(), 10_000, "mobile numbers are distinct");
    let mut numbers = HashSet::new();
    for p in &people {
        let r = &p.person.record;
        // Valid as of today, and the record agrees with the number.
        let again = IdNumber::parse(r.id_number.as_str(), today).unwrap();
        assert_eq!(again.birth_date(), r.birth_date);
        for doc in &r.documents {
            assert!(numbers.insert(doc.number.clone()));
            assert!(doc.issued_on >= r.birth_date && doc.issued_on < doc.expires_on);
        }
    }
    let share = |f: &dyn Fn(&RegistryPerson) -> bool| {
        people.iter().filter(|p| f(&p.person)).count() as f64 / people.len() as f64
    };
    let shanghai = share(&|p| p.record.hukou_district.city_code() == 3101);
    assert!((0.94..0.98).contains(&shanghai), "{shanghai}");
    let adults = share(&|p| p.record.id_number.age_on(today) >= 16);
    assert!((0.90..0.96).contains(&adults), "{adults}");
    let passports = share(&|p| p.record.current_document(DocumentKind::Passport).is_some());
    assert!((0.60..0.70).contains(&passports), "{passports}");
    // Some of every eligibility outcome occur, so a load test meets them all.
    let mut outcomes = BTreeSet::new();
    for p in people.iter().take(2000) {
        outcomes.extend(failing(
            &p.person,
            Request {
                kind: DocumentKind::Passport,
                reason: Reason::ExpiringSoon,
            },
            today,
        ));
    }
    for code in [
        "elig-pilot-city",
        "elig-minimum-age",
        "elig-issued-before",
        "elig-document-in-force",
        "elig-fingerprints",
        "elig-inside-mainland",
        "elig-expiring-soon",
    ] {
        assert!(outcomes.contains(code), "{code} never occurs");
    }

    let again: Vec<_> = synthetic_people(100, 7, today).collect();
    assert_eq!(again[..].len(), 100);
    for (a, b) in again.iter().zip(&people) {
        assert_eq!(a.person, b.person);
        assert_eq!(a.phone, b.phone);
    }
    let other: Vec<_> = synthetic_people(100, 8, today).collect();
    assert_ne!(other[0].person, people[0].person);

    let reg = RegistrySimulator::synthetic(1000, 7, today);
    assert_eq!(reg.len(), 1000);
    assert_eq!(
        reg.get(people[5].person.id_number()),
        Some(people[5].person.clone())
    );
}

/// `cargo test -p wangban-gateways --release -- --ignored a_million` measures the generator.
#[test]
#[ignore = "a measurement, not a check: run in release"]
fn a_million_synthetic_people() {
    let started = std::time::Instant::now();
    let reg = RegistrySimulator::synthetic(1_000_000, 1, d(2026, 11, 25));
    assert_eq!(reg.len(), 1_000_000);
    println!("1 000 000 people in {:?}", started.elapsed());
}
