//! What each core fuzz target does with one input: the parsers of outside text, and the
//! invariants of what they accept. Shared by the cargo-fuzz targets (`fuzz_targets/*.rs`) and
//! the stable smoke fuzz test that every `cargo test` runs (`tests/it/fuzz.rs`), which include
//! this file with `#[path]`. Every function must return normally for every input: a panic is a
//! finding.

#![allow(dead_code)]

use chrono::{Datelike, Duration, NaiveDate};
use wangban_core::application_number::ApplicationNumber;
use wangban_core::area::AreaCode;
use wangban_core::calendar::{WorkingCalendar, YearCalendar};
use wangban_core::document::{DocumentKind, DocumentNumberRules};
use wangban_core::halls::{HallDirectory, Opening};
use wangban_core::i18n::{Locale, Localize, has_key};
use wangban_core::id_number::{IdNumber, check_character};
use wangban_core::money::Fen;
use wangban_core::name::{PersonName, PinyinName, is_han};
use wangban_core::phone::MobileNumber;
use wangban_core::postal::{S10Number, check_digit};
use wangban_core::text::{fold_full_width, is_invisible_or_combining};

/// The day the ID number target parses on (birth dates after it are refused).
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).expect("a date")
}

/// An error explains itself in both languages, through a key the catalogue has.
fn explains(e: &impl Localize) {
    let m = e.message();
    assert!(has_key(m.key), "no catalogue text for {}", m.key);
    for l in [Locale::ZhCn, Locale::En] {
        assert!(!m.render(l).is_empty());
    }
}

/// Outside text as the server gets it: the bytes as UTF-8, invalid sequences replaced.
fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// `IdNumber::parse` on a fixed day. Accepted: the canonical form (18 ASCII characters, upper
/// `X`) parses back to the same number, so does its lowercase form, the birth date is not after
/// the day, the check character is right, and neither Debug nor the masked form shows it.
pub fn id_number(data: &[u8]) {
    let today = today();
    let t = text(data);
    match IdNumber::parse(&t, today) {
        Ok(id) => {
            let s = id.to_string();
            assert_eq!(s.len(), 18, "{s}");
            assert!(s[..17].bytes().all(|b| b.is_ascii_digit()), "{s}");
            assert_eq!(IdNumber::parse(&s, today).as_ref(), Ok(&id));
            assert_eq!(
                IdNumber::parse(&format!(" {} ", s.to_ascii_lowercase()), today).as_ref(),
                Ok(&id)
            );
            let first17: [u8; 17] = s.as_bytes()[..17].try_into().expect("17 bytes");
            assert_eq!(check_character(&first17), char::from(s.as_bytes()[17]));
            assert!(id.birth_date() <= today);
            assert_eq!(id.birth_date().format("%Y%m%d").to_string(), s[6..14]);
            assert!(id.age_on(today) <= 10_000);
            assert_eq!(id.issuing_area().to_string(), s[..6]);
            let _ = id.sex().message().render(Locale::En);
            let masked = id.masked();
            assert_eq!(masked.len(), 18);
            assert_eq!(&masked[4..14], "**********");
            assert!(!format!("{id:?}").contains(&s));
        }
        Err(e) => explains(&e),
    }
    // The check character of any 17 digits (the first 17 bytes folded to digits).
    if data.len() >= 17 {
        let mut first17 = [0u8; 17];
        for (d, b) in first17.iter_mut().zip(data) {
            *d = b'0' + b % 10;
        }
        let c = check_character(&first17);
        assert!(c.is_ascii_digit() || c == 'X');
    }
}

/// `PersonName::parse` and `PinyinName::parse` (surname and given name split at the first
/// newline or comma). Accepted names parse back to themselves and keep only Han characters and
/// single middle dots; pinyin keeps only A to Z (and single spaces in the given name).
pub fn names(data: &[u8]) {
    let t = text(data);
    match PersonName::parse(&t) {
        Ok(name) => {
            let s = name.as_str();
            assert_eq!(PersonName::parse(s).as_ref(), Ok(&name));
            assert!(s.chars().all(|c| c == '·' || is_han(c)), "{s:?}");
            assert!(!s.starts_with('·') && !s.ends_with('·') && !s.contains("··"));
            let han = s.chars().filter(|c| *c != '·').count();
            assert!((2..=30).contains(&han), "{han}");
            assert_eq!(name.masked().chars().count(), s.chars().count());
            assert!(!format!("{name:?}").contains(s));
        }
        Err(e) => explains(&e),
    }
    let (surname, given) = t
        .split_once(['\n', ','])
        .unwrap_or((t.as_ref(), t.as_ref()));
    match PinyinName::parse(surname, given) {
        Ok(p) => {
            assert_eq!(PinyinName::parse(&p.surname, &p.given).as_ref(), Ok(&p));
            assert!(p.surname.bytes().all(|b| b.is_ascii_uppercase()));
            assert!(!p.surname.is_empty() && p.surname.len() <= 40);
            assert!(p.given.bytes().all(|b| b.is_ascii_uppercase() || b == b' '));
            assert!(!p.given.is_empty() && p.given.len() <= 40);
            assert!(!p.given.starts_with(' ') && !p.given.ends_with(' '));
            assert!(!p.given.contains("  "));
            assert_eq!(p.to_string(), format!("{}, {}", p.surname, p.given));
        }
        Err(e) => explains(&e),
    }
}

/// What people type for delivery and contact: the EMS tracking number (S10), the mobile
/// number, area codes, the application number, amounts of money, and the free-text folding and
/// invisible-character test the address fields go through. Each accepted value's canonical
/// form parses back to the same value.
pub fn addresses(data: &[u8]) {
    let t = text(data);
    s10(&t, data);
    match MobileNumber::parse(&t) {
        Ok(m) => {
            let s = m.as_str();
            assert!(
                s.len() == 11 && s.bytes().all(|b| b.is_ascii_digit()),
                "{s}"
            );
            assert!(s.starts_with('1') && (b'3'..=b'9').contains(&s.as_bytes()[1]));
            assert_eq!(MobileNumber::parse(s).as_ref(), Ok(&m));
            assert_eq!(MobileNumber::parse(&format!("+86 {s}")).as_ref(), Ok(&m));
            assert_eq!(m.masked().len(), 11);
            assert!(!format!("{m:?}").contains(s));
        }
        Err(e) => explains(&e),
    }
    if let Ok(a) = AreaCode::parse(&t) {
        assert_eq!(AreaCode::parse(&a.to_string()), Ok(a));
        for l in [Locale::ZhCn, Locale::En] {
            assert!(!a.describe(l).is_empty());
            let _ = (a.province_name(l), a.district_name(l), a.is_current());
        }
    }
    match ApplicationNumber::parse(&t) {
        Ok(n) => {
            assert!(n.value() <= ApplicationNumber::MAX);
            assert_eq!(ApplicationNumber::parse(&n.to_string()), Ok(n));
            assert_eq!(ApplicationNumber::parse(&n.compact()), Ok(n));
            assert_eq!(ApplicationNumber::from_value(n.value()), n);
        }
        Err(e) => explains(&e),
    }
    // Every value has a number that reads back.
    let mut v = [0u8; 8];
    for (d, b) in v.iter_mut().zip(data) {
        *d = *b;
    }
    let n = ApplicationNumber::from_value(u64::from_le_bytes(v));
    assert_eq!(ApplicationNumber::parse(&n.to_string()), Ok(n));
    assert_eq!(
        ApplicationNumber::parse(&n.to_string().to_lowercase()),
        Ok(n)
    );
    match t.parse::<Fen>() {
        Ok(f) => {
            assert_eq!(f.to_string().parse::<Fen>(), Ok(f));
            assert!(f.get() < 1_000_000_000_000 * 100);
        }
        Err(e) => explains(&e),
    }
    let folded = fold_full_width(&t);
    assert_eq!(folded.chars().count(), t.chars().count());
    assert!(
        !folded
            .chars()
            .any(|c| matches!(c as u32, 0xFF01..=0xFF5E | 0x3000))
    );
    assert_eq!(fold_full_width(&folded), folded);
    for c in t.chars() {
        if c.is_control() {
            assert!(is_invisible_or_combining(c));
        }
    }
    // Document numbers as the production centre and officers send them.
    static RULES: std::sync::OnceLock<DocumentNumberRules> = std::sync::OnceLock::new();
    let rules = RULES.get_or_init(DocumentNumberRules::default);
    for kind in [
        DocumentKind::Passport,
        DocumentKind::HkMacaoPermit,
        DocumentKind::TaiwanPermit,
    ] {
        match rules.parse(kind, &t) {
            Ok(n) => {
                assert_eq!(n.kind(), kind);
                assert!(!n.as_str().chars().any(char::is_whitespace));
                assert_eq!(rules.parse(kind, n.as_str()).as_ref(), Ok(&n));
            }
            Err(e) => explains(&e),
        }
    }
}

fn s10(t: &str, data: &[u8]) {
    match S10Number::parse(t) {
        Ok(n) => {
            let s = n.as_str();
            assert_eq!(s.len(), 13, "{s}");
            assert_eq!(S10Number::parse(s).as_ref(), Ok(&n));
            assert_eq!(S10Number::parse(&s.to_ascii_lowercase()).as_ref(), Ok(&n));
            assert_eq!(u32::from(s.as_bytes()[10] - b'0'), check_digit(n.serial()));
            assert_eq!(
                S10Number::build(n.service_indicator(), n.serial(), n.country()).as_ref(),
                Ok(&n)
            );
        }
        Err(e) => explains(&e),
    }
    // Building from parts: the service and country from the text, the serial from the bytes.
    let mut v = [0u8; 4];
    for (d, b) in v.iter_mut().zip(data) {
        *d = *b;
    }
    let serial = u32::from_le_bytes(v);
    let mut parts = t.splitn(2, '|');
    let (service, country) = (parts.next().unwrap_or(""), parts.next().unwrap_or("CN"));
    match S10Number::build(service, serial, country) {
        Ok(n) => {
            assert_eq!(n.serial(), serial);
            assert_eq!(S10Number::parse(n.as_str()).as_ref(), Ok(&n));
        }
        Err(e) => explains(&e),
    }
    let d = check_digit(serial % 100_000_000);
    assert!(d <= 9);
}

/// The data files an operator gives: a calendar year (TOML), the reception-hall directory
/// (TOML), and opening hours. What loads answers questions about its dates and halls.
pub fn data_files(data: &[u8]) {
    let t = text(data);
    match YearCalendar::parse(&t) {
        Ok(year) => {
            let y = year.year();
            for h in year.holidays() {
                assert!(h.first_day_off() <= h.last_day_off());
                for l in [Locale::ZhCn, Locale::En] {
                    let _ = h.name(l);
                }
            }
            let first = NaiveDate::from_ymd_opt(y, 1, 1).expect("a checked year");
            match WorkingCalendar::empty().with_year_source(&t) {
                Ok(cal) => {
                    for i in 0..366 {
                        let d = first + Duration::days(i);
                        if d.year() != y {
                            break;
                        }
                        let _ = cal.is_working_day(d);
                        let _ = cal.day(d).map(|day| day.message().render(Locale::En));
                    }
                    let last = NaiveDate::from_ymd_opt(y, 12, 31).expect("a checked year");
                    if let Ok(n) = cal.working_days_in(first, last) {
                        assert!((0..=366).contains(&n), "{n}");
                    }
                    for n in [-400, -20, -1, 0, 1, 20, 400, i32::MAX, i32::MIN] {
                        if let Ok(d) = cal.add_working_days(first, n) {
                            assert!(cal.covers(d) || n == 0);
                        }
                    }
                }
                Err(e) => explains(&e),
            }
        }
        Err(e) => explains(&e),
    }
    for cities in [&["3101"][..], &[][..]] {
        if let Ok(dir) = HallDirectory::parse(&t, cities) {
            for district in dir.districts() {
                assert!(dir.in_district(district).next().is_some());
                let _ = dir.pickup_hall(district);
            }
            for h in &dir.halls {
                assert!(!h.hours.is_empty());
                for l in [Locale::ZhCn, Locale::En] {
                    let _ = (h.name(l), h.address(l), h.hours_text(l), h.services_text(l));
                }
                let _ = h.location.geo_uri();
            }
        }
    }
    for line in t.lines() {
        if let Some(o) = Opening::parse(line) {
            assert!(o.open < o.close);
            assert!(o.from.num_days_from_monday() <= o.to.num_days_from_monday());
            for l in [Locale::ZhCn, Locale::En] {
                assert!(!o.describe(l).is_empty());
            }
        }
    }
}
