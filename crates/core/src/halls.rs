//! The directory of exit-entry reception halls: where residents who cannot use the online
//! service go (first applications, expired documents, those who must apply at a counter), and
//! where a document made for pickup is collected.
//!
//! The directory is data, loaded like the working-day calendar: a compiled-in sample for the
//! pilot city (`crates/core/halls/shanghai-sample.toml`, marked `sample = true`: made-up
//! addresses to be replaced by the published list) that a file given in the configuration
//! replaces. [`HallDirectory::parse`] checks everything at start and says what is wrong and
//! where: an unknown district, coordinates off the map, opening hours that do not parse or
//! close before they open, a pilot district without a hall.
//!
//! Coordinates are WGS-84 (what GPS and `geo:` URIs use), not the GCJ-02 of Chinese map apps.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{NaiveTime, Weekday};
use serde::{Deserialize, Serialize};

use crate::area::{AreaCode, current_shanghai_districts};
use crate::document::DocumentKind;
use crate::i18n::{Locale, Message};

/// The compiled-in sample directory of Shanghai's halls.
pub const SAMPLE: &str = include_str!("../halls/shanghai-sample.toml");

/// The four-digit prefecture code of the city whose districts wangban knows (Shanghai).
const KNOWN_CITY: u32 = 3101;

/// Opening hours on a run of weekdays, e.g. Monday to Friday 09:00–17:00.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Opening {
    pub from: Weekday,
    pub to: Weekday,
    pub open: NaiveTime,
    pub close: NaiveTime,
}

impl Opening {
    /// Parses `mon-fri 09:00-17:00` or `sat 09:00-12:00`.
    pub fn parse(s: &str) -> Option<Opening> {
        let (days, times) = s.trim().split_once(' ')?;
        let (from, to) = match days.split_once('-') {
            Some((a, b)) => (day(a)?, day(b)?),
            None => (day(days)?, day(days)?),
        };
        let (open, close) = times.trim().split_once('-')?;
        let time = |t: &str| {
            let t = t.trim();
            (t.len() == 5)
                .then(|| NaiveTime::parse_from_str(t, "%H:%M").ok())
                .flatten()
        };
        let (open, close) = (time(open)?, time(close)?);
        (from.num_days_from_monday() <= to.num_days_from_monday() && open < close).then_some(
            Opening {
                from,
                to,
                open,
                close,
            },
        )
    }

    /// "周一至周五 09:00–17:00" / "Mon–Fri 09:00–17:00".
    pub fn describe(&self, locale: Locale) -> String {
        let times = format!(
            "{}–{}",
            self.open.format("%H:%M"),
            self.close.format("%H:%M")
        );
        let msg = if self.from == self.to {
            Message::new("halls-hours-day").with("day", day_label(self.from))
        } else {
            Message::new("halls-hours-days")
                .with("from", day_label(self.from))
                .with("to", day_label(self.to))
        };
        msg.with("times", times).render(locale)
    }
}

fn day(s: &str) -> Option<Weekday> {
    Some(match s.trim() {
        "mon" => Weekday::Mon,
        "tue" => Weekday::Tue,
        "wed" => Weekday::Wed,
        "thu" => Weekday::Thu,
        "fri" => Weekday::Fri,
        "sat" => Weekday::Sat,
        "sun" => Weekday::Sun,
        _ => return None,
    })
}

fn day_label(d: Weekday) -> Message {
    Message::new(match d {
        Weekday::Mon => "halls-day-mon",
        Weekday::Tue => "halls-day-tue",
        Weekday::Wed => "halls-day-wed",
        Weekday::Thu => "halls-day-thu",
        Weekday::Fri => "halls-day-fri",
        Weekday::Sat => "halls-day-sat",
        Weekday::Sun => "halls-day-sun",
    })
}

/// A point on the map, WGS-84 decimal degrees.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Coordinates {
    pub lat: f64,
    pub lon: f64,
}

impl Coordinates {
    /// Within mainland China's bounding box (latitude 18–54° N, longitude 73–135° E): a swapped
    /// pair or a sign error lands outside it.
    pub fn new(lat: f64, lon: f64) -> Option<Coordinates> {
        ((18.0..=54.0).contains(&lat) && (73.0..=135.0).contains(&lon))
            .then_some(Coordinates { lat, lon })
    }

    /// An RFC 5870 `geo:` URI (WGS-84 is its default reference system).
    pub fn geo_uri(&self) -> String {
        format!("geo:{:.5},{:.5}", self.lat, self.lon)
    }
}

/// What a hall does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Services {
    pub documents: Vec<DocumentKind>,
    pub first_time: bool,
    pub pickup: bool,
}

/// One reception hall, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct Hall {
    pub id: String,
    pub district: AreaCode,
    pub name_zh: String,
    pub name_en: String,
    pub address_zh: String,
    pub address_en: String,
    pub phone: String,
    pub hours: Vec<Opening>,
    pub services: Services,
    pub location: Coordinates,
}

impl Hall {
    pub fn name(&self, locale: Locale) -> &str {
        match locale {
            Locale::ZhCn => &self.name_zh,
            Locale::En => &self.name_en,
        }
    }

    pub fn address(&self, locale: Locale) -> &str {
        match locale {
            Locale::ZhCn => &self.address_zh,
            Locale::En => &self.address_en,
        }
    }

    /// The opening hours in one line ("周一至周五 09:00–17:00；周六 09:00–12:00").
    pub fn hours_text(&self, locale: Locale) -> String {
        let sep = match locale {
            Locale::ZhCn => "；",
            Locale::En => "; ",
        };
        self.hours
            .iter()
            .map(|o| o.describe(locale))
            .collect::<Vec<_>>()
            .join(sep)
    }

    /// What the hall does, in words ("护照、往来港澳通行证…；首次申请；领取证件").
    pub fn services_text(&self, locale: Locale) -> String {
        let sep = match locale {
            Locale::ZhCn => "、",
            Locale::En => ", ",
        };
        let mut parts = vec![
            self.services
                .documents
                .iter()
                .map(|k| k.label().render(locale))
                .collect::<Vec<_>>()
                .join(sep),
        ];
        if self.services.first_time {
            parts.push(Message::new("halls-service-first-time").render(locale));
        }
        if self.services.pickup {
            parts.push(Message::new("halls-service-pickup").render(locale));
        }
        parts.join(match locale {
            Locale::ZhCn => "；",
            Locale::En => "; ",
        })
    }
}

/// The halls, in the order of the configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct HallDirectory {
    /// Whether this is sample data (the pages say so).
    pub sample: bool,
    pub halls: Vec<Hall>,
}

/// What is wrong with a hall directory. `hall` is the `id` (or, without one, the position).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum HallsError {
    #[error("hall directory does not parse: {0}")]
    Syntax(String),
    #[error(
        "hall {hall}: unknown district {district:?} (a six-digit GB/T 2260 code of a current district; for Shanghai one of 310101…310151)"
    )]
    UnknownDistrict { hall: String, district: String },
    #[error(
        "hall {hall}: coordinates lat = {lat}, lon = {lon} are not in mainland China (WGS-84 decimal degrees, latitude 18–54, longitude 73–135; swapped?)"
    )]
    BadCoordinates { hall: String, lat: f64, lon: f64 },
    #[error(
        "hall {hall}: opening hours {hours:?} do not read as \"mon-fri 09:00-17:00\" (days mon…sun, first day not after the last, opening before closing)"
    )]
    BadHours { hall: String, hours: String },
    #[error("hall {hall}: no opening hours")]
    NoHours { hall: String },
    #[error(
        "hall {hall}: unknown document {document:?} (passport, hk_macao_permit, taiwan_permit)"
    )]
    UnknownDocument { hall: String, document: String },
    #[error("hall {hall}: {field} is empty")]
    Empty { hall: String, field: &'static str },
    #[error("hall id {0:?} is used twice")]
    DuplicateId(String),
    #[error("hall id {0:?}: use letters, digits and '-' only")]
    BadId(String),
    #[error(
        "no reception hall for district {district} ({name}): every current district of a pilot city needs one"
    )]
    MissingDistrict { district: String, name: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDirectory {
    #[serde(default)]
    sample: bool,
    #[serde(default)]
    hall: Vec<RawHall>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHall {
    #[serde(default)]
    id: String,
    district: String,
    name_zh: String,
    name_en: String,
    address_zh: String,
    address_en: String,
    phone: String,
    hours: Vec<String>,
    documents: Vec<String>,
    first_time: bool,
    pickup: bool,
    lat: f64,
    lon: f64,
}

impl HallDirectory {
    /// The compiled-in sample directory.
    pub fn sample() -> HallDirectory {
        HallDirectory::parse(SAMPLE, &["3101"]).expect("the compiled-in sample directory is valid")
    }

    /// Parses and checks a directory. `pilot_cities` are four-digit prefecture codes: every
    /// current district wangban knows in those cities must have a hall.
    pub fn parse(text: &str, pilot_cities: &[&str]) -> Result<HallDirectory, HallsError> {
        let raw: RawDirectory =
            toml::from_str(text).map_err(|e| HallsError::Syntax(e.to_string()))?;
        let mut ids = BTreeSet::new();
        let mut halls = Vec::with_capacity(raw.hall.len());
        for (i, h) in raw.hall.into_iter().enumerate() {
            halls.push(check_hall(i, h, &mut ids)?);
        }
        if pilot_cities.contains(&"3101") {
            for district in current_shanghai_districts() {
                if !halls.iter().any(|h| h.district == district) {
                    return Err(HallsError::MissingDistrict {
                        district: district.to_string(),
                        name: district.describe(Locale::En),
                    });
                }
            }
        }
        Ok(HallDirectory {
            sample: raw.sample,
            halls,
        })
    }

    /// The halls of a district, in the order of the configuration.
    pub fn in_district(&self, district: AreaCode) -> impl Iterator<Item = &Hall> {
        self.halls.iter().filter(move |h| h.district == district)
    }

    /// Where a document made for pickup by a resident of `district` is collected: the
    /// district's first hall that hands out documents.
    pub fn pickup_hall(&self, district: AreaCode) -> Option<&Hall> {
        self.in_district(district).find(|h| h.services.pickup)
    }

    /// The districts that have halls, in code order.
    pub fn districts(&self) -> Vec<AreaCode> {
        let set: BTreeSet<AreaCode> = self.halls.iter().map(|h| h.district).collect();
        set.into_iter().collect()
    }
}

fn check_hall(i: usize, h: RawHall, ids: &mut BTreeSet<String>) -> Result<Hall, HallsError> {
    let hall = if h.id.is_empty() {
        format!("#{}", i + 1)
    } else {
        h.id.clone()
    };
    if h.id.is_empty() {
        return Err(HallsError::Empty { hall, field: "id" });
    }
    if !h.id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(HallsError::BadId(h.id));
    }
    if !ids.insert(h.id.clone()) {
        return Err(HallsError::DuplicateId(h.id));
    }
    for (field, value) in [
        ("name_zh", &h.name_zh),
        ("name_en", &h.name_en),
        ("address_zh", &h.address_zh),
        ("address_en", &h.address_en),
        ("phone", &h.phone),
    ] {
        if value.trim().is_empty() {
            return Err(HallsError::Empty { hall, field });
        }
    }
    let unknown = || HallsError::UnknownDistrict {
        hall: hall.clone(),
        district: h.district.clone(),
    };
    let district = AreaCode::parse(&h.district).map_err(|_| unknown())?;
    // Districts are at least county level (not a province or a prefecture code), and in the
    // city wangban knows the districts of, a current one.
    if district.value() % 100 == 0
        || (district.city_code() == KNOWN_CITY && district.is_current() != Some(true))
    {
        return Err(unknown());
    }
    let location = Coordinates::new(h.lat, h.lon).ok_or(HallsError::BadCoordinates {
        hall: hall.clone(),
        lat: h.lat,
        lon: h.lon,
    })?;
    if h.hours.is_empty() {
        return Err(HallsError::NoHours { hall });
    }
    let hours = h
        .hours
        .iter()
        .map(|s| {
            Opening::parse(s).ok_or_else(|| HallsError::BadHours {
                hall: hall.clone(),
                hours: s.clone(),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let documents = h
        .documents
        .iter()
        .map(|d| {
            d.parse::<DocumentKind>()
                .map_err(|_| HallsError::UnknownDocument {
                    hall: hall.clone(),
                    document: d.clone(),
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Hall {
        id: h.id,
        district,
        name_zh: h.name_zh,
        name_en: h.name_en,
        address_zh: h.address_zh,
        address_en: h.address_en,
        phone: h.phone,
        hours,
        services: Services {
            documents,
            first_time: h.first_time,
            pickup: h.pickup,
        },
        location,
    })
}

impl fmt::Display for Coordinates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.5}, {:.5}", self.lat, self.lon)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_parses_and_every_shanghai_district_has_a_hall_that_hands_out_documents() {
        let dir = HallDirectory::sample();
        assert!(dir.sample);
        assert!(dir.halls.len() >= 16);
        for district in current_shanghai_districts() {
            let hall = dir
                .pickup_hall(district)
                .unwrap_or_else(|| panic!("no pickup hall in {district}"));
            assert_eq!(hall.district, district);
            assert!(!hall.hours.is_empty());
            assert!(hall.address_zh.contains("示例"), "marked as a sample");
        }
        assert_eq!(dir.districts().len(), 16);
        // Pudong has two halls; only the first hands out documents.
        let pudong = AreaCode::parse("310115").unwrap();
        assert_eq!(dir.in_district(pudong).count(), 2);
        assert_eq!(dir.pickup_hall(pudong).unwrap().id, "sh-pudong");
    }

    #[test]
    fn hours_read_and_render_in_both_languages() {
        let o = Opening::parse("mon-fri 09:00-17:00").unwrap();
        assert_eq!(o.from, Weekday::Mon);
        assert_eq!(o.to, Weekday::Fri);
        assert_eq!(o.describe(Locale::En), "Mon–Fri 09:00–17:00");
        assert_eq!(o.describe(Locale::ZhCn), "周一至周五 09:00–17:00");
        let sat = Opening::parse("sat 09:00-12:00").unwrap();
        assert_eq!(sat.describe(Locale::En), "Sat 09:00–12:00");
        for bad in [
            "mon-fri 17:00-09:00",
            "fri-mon 09:00-17:00",
            "mon-fri 9:00-17:00",
            "mon-fri 09:00-25:00",
            "monday 09:00-17:00",
            "mon-fri",
            "",
        ] {
            assert!(Opening::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn coordinates_are_checked_and_give_a_geo_uri() {
        let c = Coordinates::new(31.2317, 121.4846).unwrap();
        assert_eq!(c.geo_uri(), "geo:31.23170,121.48460");
        assert!(Coordinates::new(121.4846, 31.2317).is_none(), "swapped");
        assert!(Coordinates::new(-31.2, 121.4).is_none());
        assert!(Coordinates::new(f64::NAN, 121.4).is_none());
    }

    /// The sample with one line of the first hall changed.
    fn with(from: &str, to: &str) -> Result<HallDirectory, HallsError> {
        assert!(SAMPLE.contains(from), "{from}");
        HallDirectory::parse(&SAMPLE.replacen(from, to, 1), &["3101"])
    }

    #[test]
    fn bad_directories_are_refused_with_a_clear_error() {
        let e = with("district = \"310101\"", "district = \"310103\"").unwrap_err();
        assert!(matches!(e, HallsError::UnknownDistrict { .. }), "{e}");
        assert!(e.to_string().contains("sh-huangpu"), "{e}");
        assert!(e.to_string().contains("310103"), "{e}");
        let e = with("district = \"310101\"", "district = \"3101\"").unwrap_err();
        assert!(matches!(e, HallsError::UnknownDistrict { .. }), "{e}");
        let e = with("lat = 31.2317", "lat = 121.4846").unwrap_err();
        assert!(matches!(e, HallsError::BadCoordinates { .. }), "{e}");
        assert!(e.to_string().contains("sh-huangpu"), "{e}");
        let e = with("\"sat 09:00-12:00\"", "\"sat 12:00-09:00\"").unwrap_err();
        assert!(
            matches!(&e, HallsError::BadHours { hours, .. } if hours == "sat 12:00-09:00"),
            "{e}"
        );
        let e = with("\"taiwan_permit\"", "\"visa\"").unwrap_err();
        assert!(matches!(e, HallsError::UnknownDocument { .. }), "{e}");
        let e = with("id = \"sh-xuhui\"", "id = \"sh-huangpu\"").unwrap_err();
        assert_eq!(e, HallsError::DuplicateId("sh-huangpu".into()));
        let e = with("phone = \"12367\"", "phone = \" \"").unwrap_err();
        assert!(matches!(e, HallsError::Empty { field: "phone", .. }), "{e}");
        let e = with("lon = 121.4846", "lon = 121.4846\nfloor = 2").unwrap_err();
        assert!(matches!(e, HallsError::Syntax(_)), "{e}");
        // Huangpu moved to Xuhui: Huangpu is left without a hall.
        let e = with("district = \"310101\"", "district = \"310104\"").unwrap_err();
        assert!(
            matches!(&e, HallsError::MissingDistrict { district, .. } if district == "310101"),
            "{e}"
        );
        assert!(e.to_string().contains("Huangpu"), "{e}");
        // Outside the pilot cities nothing is required.
        assert!(
            HallDirectory::parse("", &["3301"])
                .unwrap()
                .halls
                .is_empty()
        );
        assert!(HallDirectory::parse("", &["3101"]).is_err());
    }

    #[test]
    fn hall_texts_follow_the_language() {
        let dir = HallDirectory::sample();
        let h = &dir.halls[0];
        assert_eq!(h.name(Locale::ZhCn), "黄浦区出入境接待大厅");
        assert!(h.hours_text(Locale::En).contains("Sat 09:00–12:00"));
        let s = h.services_text(Locale::En);
        assert!(s.contains("first"), "{s}");
    }
}
