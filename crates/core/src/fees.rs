//! Fees (工本费) per document kind, and the validity of a newly issued document.
//!
//! Defaults from FACTS.md: passport ¥120 (发改价格〔2019〕914号), Hong Kong/Macao permit ¥60 (same
//! notice), Taiwan permit ¥60 (发改价格规〔2019〕1931号); the same for renewal and replacement.
//! Postage is paid by the recipient on delivery (到付) and is never part of the fee.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::document::DocumentKind;
use crate::id_number::age_on;
use crate::money::Fen;

/// The configured fee for each kind, in fen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FeeSchedule {
    pub passport: Fen,
    pub hk_macao_permit: Fen,
    pub taiwan_permit: Fen,
}

impl Default for FeeSchedule {
    fn default() -> Self {
        FeeSchedule {
            passport: Fen::from_yuan(120),
            hk_macao_permit: Fen::from_yuan(60),
            taiwan_permit: Fen::from_yuan(60),
        }
    }
}

impl FeeSchedule {
    pub fn fee(&self, kind: DocumentKind) -> Fen {
        match kind {
            DocumentKind::Passport => self.passport,
            DocumentKind::HkMacaoPermit => self.hk_macao_permit,
            DocumentKind::TaiwanPermit => self.taiwan_permit,
        }
    }
}

/// Age at issue from which documents are valid for 10 years (5 years below it).
pub const ADULT_AGE: u32 = 16;

/// Years of validity of a document issued to someone born on `birth` on `issued`.
pub fn validity_years(birth: NaiveDate, issued: NaiveDate) -> u32 {
    if age_on(birth, issued) >= ADULT_AGE {
        10
    } else {
        5
    }
}

/// The last day of validity: the day before the anniversary of issue (a passport issued on
/// 2026-03-10 to an adult is valid to 2036-03-09).
pub fn expiry_date(birth: NaiveDate, issued: NaiveDate) -> NaiveDate {
    let years = validity_years(birth, issued);
    // The day before issue, moved on by whole years (so 29 February gives 28 February).
    issued
        .pred_opt()
        .and_then(|d| d.checked_add_months(Months::new(12 * years)))
        .unwrap_or(NaiveDate::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn default_fees_are_the_published_ones() {
        let f = FeeSchedule::default();
        assert_eq!(f.fee(DocumentKind::Passport), Fen::new(12000));
        assert_eq!(f.fee(DocumentKind::HkMacaoPermit), Fen::new(6000));
        assert_eq!(f.fee(DocumentKind::TaiwanPermit), Fen::new(6000));
    }

    #[test]
    fn fees_come_from_configuration() {
        let f: FeeSchedule = toml::from_str("passport = 15000").unwrap();
        assert_eq!(f.fee(DocumentKind::Passport), Fen::new(15000));
        assert_eq!(f.fee(DocumentKind::TaiwanPermit), Fen::new(6000));
        assert!(toml::from_str::<FeeSchedule>("visa = 1").is_err());
    }

    #[test]
    fn validity_is_ten_years_from_sixteen_five_below() {
        let birth = d(2010, 6, 1);
        assert_eq!(validity_years(birth, d(2026, 5, 31)), 5);
        assert_eq!(validity_years(birth, d(2026, 6, 1)), 10);
        assert_eq!(expiry_date(birth, d(2026, 3, 10)), d(2031, 3, 9));
        assert_eq!(expiry_date(d(1990, 1, 1), d(2026, 3, 10)), d(2036, 3, 9));
        assert_eq!(expiry_date(d(1990, 1, 1), d(2024, 2, 29)), d(2034, 2, 28));
        assert_eq!(expiry_date(d(1990, 1, 1), d(2024, 3, 1)), d(2034, 2, 28));
    }
}
