//! Time as wangban uses it: instants are UTC; people see them, and deadlines fall on civil dates,
//! in Asia/Shanghai.
//!
//! China has kept UTC+8 without daylight saving since 1991, so the zone is a fixed offset here
//! (no time-zone database needed, and no I/O). Every date a rule talks about — a birth date, the
//! day a deadline falls on, a working day — is a civil date ([`NaiveDate`]) in that zone.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};

/// An instant, stored in UTC.
pub type Timestamp = DateTime<Utc>;

/// Asia/Shanghai (UTC+8, no daylight saving since 1991).
pub fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// The civil date in Shanghai at `at`.
pub fn civil_date(at: Timestamp) -> NaiveDate {
    at.with_timezone(&shanghai()).date_naive()
}

/// The instant at which `date` begins in Shanghai (00:00 local).
pub fn start_of_day(date: NaiveDate) -> Timestamp {
    shanghai()
        .from_local_datetime(&date.and_time(NaiveTime::MIN))
        .single()
        .expect("a fixed offset has no gaps")
        .with_timezone(&Utc)
}

/// The instant at which `date` ends in Shanghai (00:00 local of the next day): a deadline
/// "by `date`" is met by anything strictly before it.
pub fn end_of_day(date: NaiveDate) -> Timestamp {
    start_of_day(date.succ_opt().unwrap_or(NaiveDate::MAX))
}

/// `at` as Shanghai local time, `YYYY-MM-DD HH:MM`.
pub fn format_local(at: Timestamp) -> String {
    at.with_timezone(&shanghai())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_date_is_shanghai_date() {
        // 2026-02-14 17:30 UTC is 2026-02-15 01:30 in Shanghai.
        let at = Utc.with_ymd_and_hms(2026, 2, 14, 17, 30, 0).unwrap();
        assert_eq!(
            civil_date(at),
            NaiveDate::from_ymd_opt(2026, 2, 15).unwrap()
        );
        let at = Utc.with_ymd_and_hms(2026, 2, 14, 15, 59, 59).unwrap();
        assert_eq!(
            civil_date(at),
            NaiveDate::from_ymd_opt(2026, 2, 14).unwrap()
        );
    }

    #[test]
    fn day_bounds_are_local_midnights() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        assert_eq!(
            start_of_day(d),
            Utc.with_ymd_and_hms(2026, 2, 28, 16, 0, 0).unwrap()
        );
        assert_eq!(
            end_of_day(d),
            Utc.with_ymd_and_hms(2026, 3, 1, 16, 0, 0).unwrap()
        );
        assert_eq!(format_local(end_of_day(d)), "2026-03-02 00:00");
    }
}
