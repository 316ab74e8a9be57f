//! Reading back the core's validated types from simulator snapshots.
//!
//! The core's personal-data types serialise but do not deserialise (they are only ever made by
//! parsing what a person typed). Snapshots were written from valid values, so they are parsed
//! again on the way in; a value that no longer parses is an error, not a silent loss.

use chrono::NaiveDate;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use wangban_core::id_number::IdNumber;
use wangban_core::name::{PersonName, PinyinName};
use wangban_core::phone::MobileNumber;
use wangban_core::postal::S10Number;

pub(crate) fn id_number<'de, D: Deserializer<'de>>(d: D) -> Result<IdNumber, D::Error> {
    let text = String::deserialize(d)?;
    // The birth date was checked against the day it was first parsed.
    IdNumber::parse(&text, NaiveDate::MAX).map_err(D::Error::custom)
}

pub(crate) fn mobile<'de, D: Deserializer<'de>>(d: D) -> Result<MobileNumber, D::Error> {
    MobileNumber::parse(&String::deserialize(d)?).map_err(D::Error::custom)
}

pub(crate) fn person_name<'de, D: Deserializer<'de>>(d: D) -> Result<PersonName, D::Error> {
    PersonName::parse(&String::deserialize(d)?).map_err(D::Error::custom)
}

pub(crate) fn pinyin<'de, D: Deserializer<'de>>(d: D) -> Result<PinyinName, D::Error> {
    #[derive(Deserialize)]
    struct Parts {
        surname: String,
        given: String,
    }
    let p = Parts::deserialize(d)?;
    PinyinName::parse(&p.surname, &p.given).map_err(D::Error::custom)
}

pub(crate) fn s10<'de, D: Deserializer<'de>>(d: D) -> Result<S10Number, D::Error> {
    S10Number::parse(&String::deserialize(d)?).map_err(D::Error::custom)
}
