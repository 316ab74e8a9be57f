//! The mainland statutory working-day calendar: which civil dates are working days.
//!
//! A date is a working day when it is a Monday to Friday, unless the State Council's annual
//! notice (国务院办公厅关于某年部分节假日安排的通知) declares it a day off of a public holiday;
//! and a Saturday or Sunday is a working day when the notice declares it one (调休上班).
//!
//! # Data: one TOML file per year
//!
//! The years are data, written by hand from the notices, under `crates/core/calendar/`; a build
//! script compiles every `*.toml` there into the binary, so adding a year (a new notice appears
//! each November) is a data change. Outer crates may add or override years at run time with
//! [`WorkingCalendar::with_year_source`] / [`WorkingCalendar::with_year_sources`] (the binary's
//! `calendar_dir`). The format:
//!
//! ```toml
//! year = 2026
//! notice = "国务院办公厅关于2026年部分节假日安排的通知"
//!
//! [[holiday]]
//! name_zh = "春节"
//! name_en = "Spring Festival"
//! off = [2026-02-15, 2026-02-23]      # first and last day off, inclusive
//! working = [2026-02-14, 2026-02-28]  # weekend days declared working days (调休上班)
//!
//! [[holiday]]
//! name_zh = "端午节"
//! name_en = "Dragon Boat Festival"
//! off = [2024-06-10]                  # a one-day holiday may give just its day
//! ```
//!
//! Dates are TOML local dates (no quotes). `working` may be omitted. Unknown keys are errors.
//!
//! **Holidays that cross a year boundary.** A holiday is recorded once, in the file of the
//! notice that declared it. The notice for year Y declares New Year's Day of Y, whose days off
//! — and, historically, weekend days worked in exchange (2011-12-31 for New Year 2012) — may fall
//! in the last days of December of Y − 1. So the file of Y may contain dates from
//! **25 December of Y − 1** on, for a holiday whose days off end in Y; every other date must lie
//! in Y. The 2024 file records New Year 2024 as `off = [2023-12-30, 2024-01-01]`, and the 2023
//! file does not mention 2023-12-30 or 31.
//!
//! Consequently the last week of December of Y is only settled once the notice of Y + 1 is
//! loaded: a date is **covered** ([`WorkingCalendar::covers`]) when the file of its year is
//! loaded and, for 25–31 December, the file of the next year too. 2026-12-28 without a 2027 file
//! is therefore not covered, and asking about it is `NoData { year: 2027 }`.
//!
//! Validation on load, each with its own [`CalendarError`]: TOML syntax and shape, a date
//! outside the file's year (beyond the boundary rule), a "working" day that is not a Saturday
//! or Sunday, a day both off and working, two holidays claiming the same day, a range of days
//! off that is reversed or longer than [`MAX_HOLIDAY_DAYS`] (a typo guard), the same year
//! twice.
//!
//! # Years without data
//!
//! A date that is not covered is `Err(CalendarError::NoData { year })`, never a silent guess,
//! unless the calendar was configured with [`YearsWithoutData::WeekendsOnly`]: then Monday to
//! Friday are working days (plus whatever a loaded neighbouring notice says about that date),
//! and callers should flag the answer as provisional (see [`WorkingCalendar::covers`],
//! [`Day::provisional`] and the `calendar-provisional` message).
//!
//! # Counting
//!
//! [`WorkingCalendar::add_working_days`]`(a, n)` is the n-th working day strictly after `a`
//! (before it for negative n; `a` itself for 0). [`WorkingCalendar::working_days_between`]`(a, b)`
//! counts the working days met when walking from `a` (exclusive) to `b` (inclusive): those in
//! `(a, b]` when `a < b`, and minus those in `[b, a)` when `b < a`. So
//! `add_working_days(a, n) == b` implies `working_days_between(a, b) == n`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::i18n::{Locale, Localize, Message};

include!(concat!(env!("OUT_DIR"), "/calendar_years.rs"));

/// The longest run of days off one holiday may declare. The longest ever declared is 10 (Spring
/// Festival 2020, extended); anything longer in a data file is a typo.
pub const MAX_HOLIDAY_DAYS: i64 = 14;

/// The first day of December of year Y − 1 that the file of year Y may mention.
const BOUNDARY_DAY: u32 = 25;

/// What to do with a date whose year has no data. Explicit configuration; the default is an
/// error.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum YearsWithoutData {
    /// `Err(CalendarError::NoData { year })`.
    #[default]
    Error,
    /// Monday to Friday are working days; the answer is provisional.
    WeekendsOnly,
}

/// A calendar file that cannot be loaded, or a question the loaded data cannot answer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("calendar file: {detail}")]
    Syntax { detail: String },
    #[error("calendar year {year} is out of the supported range")]
    BadYear { year: i32 },
    #[error(
        "{name_en}: the days off must be given as [first, last], first not after last, at most \
         {MAX_HOLIDAY_DAYS} days"
    )]
    BadOffRange { name_zh: String, name_en: String },
    #[error(
        "{date} is outside the calendar year {year} (only New Year's Day may begin on or after \
         25 December of the year before)"
    )]
    OutOfYear { year: i32, date: NaiveDate },
    #[error("{date} is declared a working day but is not a Saturday or Sunday")]
    WorkingNotWeekend { date: NaiveDate },
    #[error("{date} is listed both as a day off and as a working day")]
    OffAndWorking { date: NaiveDate },
    #[error("{date} is claimed by two holidays")]
    Overlap { date: NaiveDate },
    #[error("the calendar year {year} is defined twice")]
    DuplicateYear { year: i32 },
    #[error(
        "no working-day calendar for {year}: the State Council's notice for {year} is not loaded"
    )]
    NoData { year: i32 },
    #[error("date out of the supported range")]
    OutOfRange,
}

impl Localize for CalendarError {
    fn message(&self) -> Message {
        match self {
            CalendarError::Syntax { detail } => {
                Message::new("calendar-syntax").with("detail", detail.as_str())
            }
            CalendarError::BadYear { year } => {
                Message::new("calendar-bad-year").with("year", *year)
            }
            CalendarError::BadOffRange { name_zh, name_en } => {
                Message::new("calendar-bad-off-range")
                    .with("holiday_zh", name_zh.as_str())
                    .with("holiday_en", name_en.as_str())
                    .with("max", MAX_HOLIDAY_DAYS)
            }
            CalendarError::OutOfYear { year, date } => Message::new("calendar-out-of-year")
                .with("year", *year)
                .with("date", *date),
            CalendarError::WorkingNotWeekend { date } => {
                Message::new("calendar-working-not-weekend").with("date", *date)
            }
            CalendarError::OffAndWorking { date } => {
                Message::new("calendar-off-and-working").with("date", *date)
            }
            CalendarError::Overlap { date } => Message::new("calendar-overlap").with("date", *date),
            CalendarError::DuplicateYear { year } => {
                Message::new("calendar-duplicate-year").with("year", *year)
            }
            CalendarError::NoData { year } => Message::new("calendar-no-data").with("year", *year),
            CalendarError::OutOfRange => Message::new("calendar-out-of-range"),
        }
    }
}

/// A public holiday as one notice declares it: its days off and the weekend days worked in
/// exchange.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Holiday {
    name_zh: String,
    name_en: String,
    first_day_off: NaiveDate,
    last_day_off: NaiveDate,
    working_days: Vec<NaiveDate>,
    notice_year: i32,
}

impl Holiday {
    pub fn name_zh(&self) -> &str {
        &self.name_zh
    }

    pub fn name_en(&self) -> &str {
        &self.name_en
    }

    pub fn name(&self, locale: Locale) -> &str {
        match locale {
            Locale::ZhCn => &self.name_zh,
            Locale::En => &self.name_en,
        }
    }

    pub fn first_day_off(&self) -> NaiveDate {
        self.first_day_off
    }

    pub fn last_day_off(&self) -> NaiveDate {
        self.last_day_off
    }

    /// Every day off, in order.
    pub fn days_off(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.first_day_off
            .iter_days()
            .take_while(|d| *d <= self.last_day_off)
    }

    /// The Saturdays and Sundays declared working days for this holiday, in order.
    pub fn working_days(&self) -> &[NaiveDate] {
        &self.working_days
    }

    /// The year of the notice that declared it (New Year's Day may begin the December before).
    pub fn notice_year(&self) -> i32 {
        self.notice_year
    }
}

/// One year's notice, parsed and validated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct YearCalendar {
    year: i32,
    notice: String,
    holidays: Vec<Holiday>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawYear {
    year: i32,
    notice: String,
    #[serde(default, rename = "holiday")]
    holidays: Vec<RawHoliday>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHoliday {
    name_zh: String,
    name_en: String,
    off: Vec<toml::value::Datetime>,
    #[serde(default)]
    working: Vec<toml::value::Datetime>,
}

fn plain_date(value: &toml::value::Datetime, what: &str) -> Result<NaiveDate, CalendarError> {
    let not_a_date = || CalendarError::Syntax {
        detail: format!("{what}: {value} is not a plain date such as 2026-02-15"),
    };
    match (value.date, value.time, value.offset) {
        (Some(d), None, None) => {
            NaiveDate::from_ymd_opt(d.year.into(), d.month.into(), d.day.into())
                .ok_or_else(not_a_date)
        }
        _ => Err(not_a_date()),
    }
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// How many Mondays to Fridays there are up to and including `date`, from a fixed origin. The
/// difference of two values counts the weekdays in a half-open range.
fn weekdays_through(date: NaiveDate) -> i64 {
    let day = i64::from(date.num_days_from_ce());
    let from_monday = i64::from(date.weekday().num_days_from_monday());
    5 * (day - from_monday).div_euclid(7) + (from_monday + 1).min(5)
}

/// Inserts one day of a holiday into a day index, refusing a day claimed twice.
fn mark(
    marks: &mut BTreeMap<NaiveDate, Mark>,
    date: NaiveDate,
    new: Mark,
) -> Result<(), CalendarError> {
    match marks.get(&date) {
        Some(old) if old.working != new.working => Err(CalendarError::OffAndWorking { date }),
        Some(_) => Err(CalendarError::Overlap { date }),
        None => {
            marks.insert(date, new);
            Ok(())
        }
    }
}

impl YearCalendar {
    /// Parses and validates one year's TOML text (the format is in the module documentation).
    pub fn parse(text: &str) -> Result<Self, CalendarError> {
        let raw: RawYear = toml::from_str(text).map_err(|e| CalendarError::Syntax {
            detail: e.to_string().trim().to_owned(),
        })?;
        let year = raw.year;
        let (Some(first_allowed), Some(last_allowed)) = (
            year.checked_sub(1)
                .and_then(|y| NaiveDate::from_ymd_opt(y, 12, BOUNDARY_DAY)),
            NaiveDate::from_ymd_opt(year, 12, 31).filter(|d| d.succ_opt().is_some()),
        ) else {
            return Err(CalendarError::BadYear { year });
        };
        let in_file = |date: NaiveDate| {
            if (first_allowed..=last_allowed).contains(&date) {
                Ok(date)
            } else {
                Err(CalendarError::OutOfYear { year, date })
            }
        };

        let mut holidays = Vec::with_capacity(raw.holidays.len());
        for h in raw.holidays {
            let bad_range = || CalendarError::BadOffRange {
                name_zh: h.name_zh.clone(),
                name_en: h.name_en.clone(),
            };
            let what = format!("{} `off`", h.name_en);
            let (first, last) = match h.off.as_slice() {
                [day] => (plain_date(day, &what)?, plain_date(day, &what)?),
                [first, last] => (plain_date(first, &what)?, plain_date(last, &what)?),
                _ => return Err(bad_range()),
            };
            if last < first || (last - first).num_days() >= MAX_HOLIDAY_DAYS {
                return Err(bad_range());
            }
            in_file(first)?;
            in_file(last)?;
            if last.year() != year {
                return Err(CalendarError::OutOfYear { year, date: last });
            }
            let what = format!("{} `working`", h.name_en);
            let mut working = Vec::with_capacity(h.working.len());
            for w in &h.working {
                let date = in_file(plain_date(w, &what)?)?;
                if !is_weekend(date) {
                    return Err(CalendarError::WorkingNotWeekend { date });
                }
                working.push(date);
            }
            working.sort();
            holidays.push(Holiday {
                name_zh: h.name_zh,
                name_en: h.name_en,
                first_day_off: first,
                last_day_off: last,
                working_days: working,
                notice_year: year,
            });
        }
        holidays.sort_by_key(|h| h.first_day_off);
        let calendar = YearCalendar {
            year,
            notice: raw.notice,
            holidays,
        };
        // Every day claimed once: off and working apart, holidays apart.
        calendar.mark_into(&mut BTreeMap::new())?;
        Ok(calendar)
    }

    pub fn year(&self) -> i32 {
        self.year
    }

    /// The title of the State Council notice the data comes from.
    pub fn notice(&self) -> &str {
        &self.notice
    }

    /// The holidays, in date order.
    pub fn holidays(&self) -> &[Holiday] {
        &self.holidays
    }

    /// Adds this year's days to a day index: all days off first, then the working days, so that
    /// a day listed as both is reported as such whatever the order of the holidays.
    fn mark_into(&self, marks: &mut BTreeMap<NaiveDate, Mark>) -> Result<(), CalendarError> {
        for (i, h) in self.holidays.iter().enumerate() {
            for date in h.days_off() {
                let m = Mark {
                    year: self.year,
                    holiday: i,
                    working: false,
                };
                mark(marks, date, m)?;
            }
        }
        for (i, h) in self.holidays.iter().enumerate() {
            for &date in &h.working_days {
                let m = Mark {
                    year: self.year,
                    holiday: i,
                    working: true,
                };
                mark(marks, date, m)?;
            }
        }
        Ok(())
    }
}

/// What the loaded notices say about one date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Mark {
    year: i32,
    holiday: usize,
    working: bool,
}

/// Why a date is, or is not, a working day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", content = "holiday", rename_all = "snake_case")]
pub enum DayReason<'a> {
    /// Monday to Friday, nothing declared.
    Weekday,
    /// Saturday or Sunday, nothing declared.
    Weekend,
    /// A day off of this holiday.
    Holiday(&'a Holiday),
    /// A Saturday or Sunday declared a working day in exchange for this holiday.
    AdjustedWorkingDay(&'a Holiday),
}

/// One date, explained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Day<'a> {
    pub date: NaiveDate,
    pub working: bool,
    #[serde(flatten)]
    pub reason: DayReason<'a>,
    /// The date is not covered by the loaded notices and the answer comes from the
    /// [`YearsWithoutData::WeekendsOnly`] fallback.
    pub provisional: bool,
}

/// Arguments that the catalogue's `calendar-date` and `calendar-weekday` messages read.
pub(crate) fn with_date(message: Message, date: NaiveDate) -> Message {
    message
        .with("date", date)
        .with("month", date.month())
        .with("day", date.day())
        .with("weekday", date.weekday().number_from_monday())
}

impl Localize for Day<'_> {
    fn message(&self) -> Message {
        let (key, holiday) = match self.reason {
            DayReason::Weekday => ("calendar-day-weekday", None),
            DayReason::Weekend => ("calendar-day-weekend", None),
            DayReason::Holiday(h) => ("calendar-day-holiday", Some(h)),
            DayReason::AdjustedWorkingDay(h) => ("calendar-day-adjusted-working", Some(h)),
        };
        let message = with_date(Message::new(key), self.date);
        match holiday {
            Some(h) => message
                .with("holiday_zh", h.name_zh.as_str())
                .with("holiday_en", h.name_en.as_str()),
            None => message,
        }
    }
}

/// The working-day calendar: the loaded years, and the policy for the years without data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkingCalendar {
    years: BTreeMap<i32, YearCalendar>,
    marks: BTreeMap<NaiveDate, Mark>,
    policy: YearsWithoutData,
}

impl Default for WorkingCalendar {
    /// The built-in years, with years without data an error.
    fn default() -> Self {
        WorkingCalendar::builtin()
    }
}

fn index(years: &BTreeMap<i32, YearCalendar>) -> Result<BTreeMap<NaiveDate, Mark>, CalendarError> {
    let mut marks = BTreeMap::new();
    for year in years.values() {
        year.mark_into(&mut marks)?;
    }
    Ok(marks)
}

fn step(date: NaiveDate, forward: bool) -> Result<NaiveDate, CalendarError> {
    if forward {
        date.succ_opt()
    } else {
        date.pred_opt()
    }
    .ok_or(CalendarError::OutOfRange)
}

impl WorkingCalendar {
    /// A calendar without any year (every date is `NoData` unless the policy says otherwise).
    pub fn empty() -> Self {
        WorkingCalendar {
            years: BTreeMap::new(),
            marks: BTreeMap::new(),
            policy: YearsWithoutData::Error,
        }
    }

    /// The years compiled into the binary (`crates/core/calendar/*.toml`), with years without
    /// data an error.
    ///
    /// # Panics
    ///
    /// If a built-in file is invalid, which the test `builtin_years_load` rules out.
    pub fn builtin() -> Self {
        static BUILTIN: OnceLock<WorkingCalendar> = OnceLock::new();
        BUILTIN
            .get_or_init(|| {
                let mut calendar = WorkingCalendar::empty();
                for (name, text) in BUILTIN_YEARS {
                    YearCalendar::parse(text)
                        .and_then(|year| calendar.add_year(year))
                        .unwrap_or_else(|e| panic!("built-in calendar {name}: {e}"));
                }
                calendar
            })
            .clone()
    }

    /// The built-in data: `(file name, TOML text)` per year.
    pub fn builtin_sources() -> &'static [(&'static str, &'static str)] {
        BUILTIN_YEARS
    }

    /// A calendar of exactly these years' texts; the same year twice is an error.
    pub fn from_sources<'a>(
        sources: impl IntoIterator<Item = &'a str>,
    ) -> Result<Self, CalendarError> {
        let mut calendar = WorkingCalendar::empty();
        for text in sources {
            calendar.add_year(YearCalendar::parse(text)?)?;
        }
        Ok(calendar)
    }

    /// Adds one year's text, replacing the year if it is already loaded (a corrected notice).
    pub fn with_year_source(mut self, text: &str) -> Result<Self, CalendarError> {
        self.replace_year(YearCalendar::parse(text)?)?;
        Ok(self)
    }

    /// Adds several years' texts (the files of a directory). They replace loaded years (the
    /// built-in ones), but the same year twice among them is an error.
    pub fn with_year_sources<'a>(
        mut self,
        sources: impl IntoIterator<Item = &'a str>,
    ) -> Result<Self, CalendarError> {
        let mut seen = std::collections::BTreeSet::new();
        for text in sources {
            let year = YearCalendar::parse(text)?;
            if !seen.insert(year.year) {
                return Err(CalendarError::DuplicateYear { year: year.year });
            }
            self.replace_year(year)?;
        }
        Ok(self)
    }

    /// Sets what to do with dates whose year has no data.
    pub fn with_policy(mut self, policy: YearsWithoutData) -> Self {
        self.policy = policy;
        self
    }

    pub fn policy(&self) -> YearsWithoutData {
        self.policy
    }

    /// Adds a year that is not loaded yet.
    pub fn add_year(&mut self, year: YearCalendar) -> Result<(), CalendarError> {
        if self.years.contains_key(&year.year) {
            return Err(CalendarError::DuplicateYear { year: year.year });
        }
        self.replace_year(year).map(|_| ())
    }

    /// Adds a year, replacing and returning the loaded one of the same year. Fails (and changes
    /// nothing) if the year's days clash with a neighbouring year's boundary days.
    pub fn replace_year(
        &mut self,
        year: YearCalendar,
    ) -> Result<Option<YearCalendar>, CalendarError> {
        let mut years = self.years.clone();
        let old = years.insert(year.year, year);
        self.marks = index(&years)?;
        self.years = years;
        Ok(old)
    }

    /// The loaded years, in order.
    pub fn years(&self) -> impl Iterator<Item = &YearCalendar> {
        self.years.values()
    }

    pub fn year(&self, year: i32) -> Option<&YearCalendar> {
        self.years.get(&year)
    }

    /// The year whose notice `date` needs but is not loaded.
    fn missing_year(&self, date: NaiveDate) -> Option<i32> {
        let year = date.year();
        if !self.years.contains_key(&year) {
            Some(year)
        } else if date.month() == 12
            && date.day() >= BOUNDARY_DAY
            && !self.years.contains_key(&(year + 1))
        {
            Some(year + 1)
        } else {
            None
        }
    }

    /// Whether the loaded notices settle `date` (its year's, and for 25–31 December the next
    /// year's too). An answer about a date not covered is an error or, with the
    /// [`YearsWithoutData::WeekendsOnly`] policy, provisional.
    pub fn covers(&self, date: NaiveDate) -> bool {
        self.missing_year(date).is_none()
    }

    /// Whether every date of `first..=last` is covered (true for an empty range).
    pub fn covers_range(&self, first: NaiveDate, last: NaiveDate) -> bool {
        self.first_missing_year(first, last).is_none()
    }

    fn first_missing_year(&self, first: NaiveDate, last: NaiveDate) -> Option<i32> {
        if last < first {
            return None;
        }
        (first.year()..=last.year()).find_map(|year| {
            if !self.years.contains_key(&year) {
                return Some(year);
            }
            let boundary = NaiveDate::from_ymd_opt(year, 12, BOUNDARY_DAY)?;
            (last >= boundary && !self.years.contains_key(&(year + 1))).then_some(year + 1)
        })
    }

    /// `Ok(provisional)`, or `NoData` when the date is not covered and the policy is an error.
    fn check(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        self.check_range(date, date)
    }

    fn check_range(&self, first: NaiveDate, last: NaiveDate) -> Result<bool, CalendarError> {
        match (self.first_missing_year(first, last), self.policy) {
            (None, _) => Ok(false),
            (Some(_), YearsWithoutData::WeekendsOnly) => Ok(true),
            (Some(year), YearsWithoutData::Error) => Err(CalendarError::NoData { year }),
        }
    }

    fn holiday_of(&self, mark: &Mark) -> &Holiday {
        &self.years[&mark.year].holidays[mark.holiday]
    }

    /// `date` explained: working or not, and why.
    pub fn day(&self, date: NaiveDate) -> Result<Day<'_>, CalendarError> {
        let provisional = self.check(date)?;
        let (working, reason) = match self.marks.get(&date) {
            Some(m) if m.working => (true, DayReason::AdjustedWorkingDay(self.holiday_of(m))),
            Some(m) => (false, DayReason::Holiday(self.holiday_of(m))),
            None if is_weekend(date) => (false, DayReason::Weekend),
            None => (true, DayReason::Weekday),
        };
        Ok(Day {
            date,
            working,
            reason,
            provisional,
        })
    }

    pub fn is_working_day(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        self.check(date)?;
        Ok(self.working_unchecked(date))
    }

    fn working_unchecked(&self, date: NaiveDate) -> bool {
        match self.marks.get(&date) {
            Some(m) => m.working,
            None => !is_weekend(date),
        }
    }

    /// The holiday `date` is a day off of, if any (for explaining "Spring Festival"). A weekend
    /// day declared a working day is not a holiday: see [`WorkingCalendar::day`].
    pub fn holiday(&self, date: NaiveDate) -> Result<Option<&Holiday>, CalendarError> {
        self.check(date)?;
        Ok(self
            .marks
            .get(&date)
            .filter(|m| !m.working)
            .map(|m| self.holiday_of(m)))
    }

    /// The number of working days in `first..=last` (0 when `last < first`).
    pub fn working_days_in(&self, first: NaiveDate, last: NaiveDate) -> Result<i64, CalendarError> {
        if last < first {
            return Ok(0);
        }
        self.check_range(first, last)?;
        let mut count =
            weekdays_through(last) - weekdays_through(first) + i64::from(!is_weekend(first));
        for (date, m) in self.marks.range(first..=last) {
            let weekday = !is_weekend(*date);
            if m.working != weekday {
                count += if m.working { 1 } else { -1 };
            }
        }
        Ok(count)
    }

    /// The working days met walking from `a` (exclusive) to `b` (inclusive), signed: the count
    /// in `(a, b]` when `a <= b`, minus the count in `[b, a)` when `b < a`.
    pub fn working_days_between(&self, a: NaiveDate, b: NaiveDate) -> Result<i64, CalendarError> {
        if a <= b {
            match a.succ_opt() {
                Some(first) => self.working_days_in(first, b),
                None => Ok(0),
            }
        } else {
            Ok(-self.working_days_in(b, step(a, false)?)?)
        }
    }

    /// The n-th working day strictly after `date` (n > 0), strictly before it (n < 0), or `date`
    /// itself (n = 0).
    pub fn add_working_days(&self, date: NaiveDate, n: i32) -> Result<NaiveDate, CalendarError> {
        let forward = n > 0;
        let mut remaining = i64::from(n).abs();
        let mut current = date;
        while remaining > 0 {
            // Any 7 consecutive days hold exactly 5 weekdays: skip a week with nothing declared.
            if remaining > 5 {
                let days = Days::new(7);
                let target = if forward {
                    current.checked_add_days(days)
                } else {
                    current.checked_sub_days(days)
                }
                .ok_or(CalendarError::OutOfRange)?;
                let (first, last) = if forward {
                    (step(current, true)?, target)
                } else {
                    (target, step(current, false)?)
                };
                // Days without data are left to the day-by-day walk, which reports them.
                if self.check_range(first, last).is_ok()
                    && self.marks.range(first..=last).next().is_none()
                {
                    current = target;
                    remaining -= 5;
                    continue;
                }
            }
            current = step(current, forward)?;
            if self.is_working_day(current)? {
                remaining -= 1;
            }
        }
        Ok(current)
    }

    /// `date` if it is a working day, otherwise the first working day after it.
    pub fn next_working_day(&self, date: NaiveDate) -> Result<NaiveDate, CalendarError> {
        let mut current = date;
        while !self.is_working_day(current)? {
            current = step(current, true)?;
        }
        Ok(current)
    }

    /// The text that flags a provisional answer about `year` (no notice loaded).
    pub fn provisional_notice(year: i32) -> Message {
        Message::new("calendar-provisional").with("year", year)
    }
}

/// The built-in years 2023–2026 only, so that tests about "2027 has no data" keep holding
/// after `calendar/2027.toml` is added.
#[cfg(test)]
pub(crate) fn test_calendar() -> WorkingCalendar {
    let sources = BUILTIN_YEARS
        .iter()
        .filter(|(name, _)| ["2023.toml", "2024.toml", "2025.toml", "2026.toml"].contains(name))
        .map(|(_, text)| *text);
    WorkingCalendar::from_sources(sources).expect("built-in years")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::has_key;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn cal() -> WorkingCalendar {
        test_calendar()
    }

    const MINIMAL: &str = r#"
        year = 2030
        notice = "test"
        [[holiday]]
        name_zh = "春节"
        name_en = "Spring Festival"
        off = [2030-02-02, 2030-02-08]
        working = [2030-01-26, 2030-02-09]
    "#;

    fn parse_err(text: &str) -> CalendarError {
        YearCalendar::parse(text).unwrap_err()
    }

    #[test]
    fn builtin_years_load() {
        let c = WorkingCalendar::builtin();
        let years: Vec<i32> = c.years().map(|y| y.year()).collect();
        assert!(
            years.len() >= 4 && years.starts_with(&[2023, 2024, 2025, 2026]),
            "{years:?}"
        );
        assert!(
            years.windows(2).all(|w| w[1] == w[0] + 1),
            "no gap: {years:?}"
        );
        assert_eq!(WorkingCalendar::builtin_sources().len(), years.len());
        for (name, text) in WorkingCalendar::builtin_sources() {
            let year = YearCalendar::parse(text).unwrap();
            assert_eq!(
                *name,
                format!("{}.toml", year.year()),
                "file name matches its year"
            );
            assert!(year.notice().contains(&year.year().to_string()));
        }
        assert_eq!(c.policy(), YearsWithoutData::Error);
        assert_eq!(WorkingCalendar::default(), c);
        assert_eq!(cal().years().count(), 4);
    }

    /// Every holiday of the built-in files against the notices, as transcribed independently.
    #[test]
    fn builtin_data_matches_the_notices() {
        #[rustfmt::skip]
        let notices: &[(i32, &str, &str, &str, &[&str])] = &[
            (2023, "New Year's Day", "2022-12-31", "2023-01-02", &[]),
            (2023, "Spring Festival", "2023-01-21", "2023-01-27", &["2023-01-28", "2023-01-29"]),
            (2023, "Qingming Festival", "2023-04-05", "2023-04-05", &[]),
            (2023, "Labour Day", "2023-04-29", "2023-05-03", &["2023-04-23", "2023-05-06"]),
            (2023, "Dragon Boat Festival", "2023-06-22", "2023-06-24", &["2023-06-25"]),
            (2023, "Mid-Autumn Festival and National Day", "2023-09-29", "2023-10-06", &["2023-10-07", "2023-10-08"]),
            (2024, "New Year's Day", "2023-12-30", "2024-01-01", &[]),
            (2024, "Spring Festival", "2024-02-10", "2024-02-17", &["2024-02-04", "2024-02-18"]),
            (2024, "Qingming Festival", "2024-04-04", "2024-04-06", &["2024-04-07"]),
            (2024, "Labour Day", "2024-05-01", "2024-05-05", &["2024-04-28", "2024-05-11"]),
            (2024, "Dragon Boat Festival", "2024-06-10", "2024-06-10", &[]),
            (2024, "Mid-Autumn Festival", "2024-09-15", "2024-09-17", &["2024-09-14"]),
            (2024, "National Day", "2024-10-01", "2024-10-07", &["2024-09-29", "2024-10-12"]),
            (2025, "New Year's Day", "2025-01-01", "2025-01-01", &[]),
            (2025, "Spring Festival", "2025-01-28", "2025-02-04", &["2025-01-26", "2025-02-08"]),
            (2025, "Qingming Festival", "2025-04-04", "2025-04-06", &[]),
            (2025, "Labour Day", "2025-05-01", "2025-05-05", &["2025-04-27"]),
            (2025, "Dragon Boat Festival", "2025-05-31", "2025-06-02", &[]),
            (2025, "National Day and Mid-Autumn Festival", "2025-10-01", "2025-10-08", &["2025-09-28", "2025-10-11"]),
            (2026, "New Year's Day", "2026-01-01", "2026-01-03", &["2026-01-04"]),
            (2026, "Spring Festival", "2026-02-15", "2026-02-23", &["2026-02-14", "2026-02-28"]),
            (2026, "Qingming Festival", "2026-04-04", "2026-04-06", &[]),
            (2026, "Labour Day", "2026-05-01", "2026-05-05", &["2026-05-09"]),
            (2026, "Dragon Boat Festival", "2026-06-19", "2026-06-21", &[]),
            (2026, "Mid-Autumn Festival", "2026-09-25", "2026-09-27", &[]),
            (2026, "National Day", "2026-10-01", "2026-10-07", &["2026-09-20", "2026-10-10"]),
        ];
        let p = |s: &str| s.parse::<NaiveDate>().unwrap();
        let c = cal();
        let loaded: Vec<(i32, &str, NaiveDate, NaiveDate, Vec<NaiveDate>)> = c
            .years()
            .flat_map(|y| y.holidays())
            .map(|h| {
                let w = h.working_days().to_vec();
                (
                    h.notice_year(),
                    h.name_en(),
                    h.first_day_off(),
                    h.last_day_off(),
                    w,
                )
            })
            .collect();
        let expected: Vec<(i32, &str, NaiveDate, NaiveDate, Vec<NaiveDate>)> = notices
            .iter()
            .map(|(y, n, f, l, w)| (*y, *n, p(f), p(l), w.iter().map(|x| p(x)).collect()))
            .collect();
        assert_eq!(loaded, expected);
    }

    #[test]
    fn spring_festival_2026_is_off_with_two_working_saturdays() {
        let c = cal();
        for day in 15..=23 {
            assert!(!c.is_working_day(d(2026, 2, day)).unwrap(), "Feb {day}");
            let h = c.holiday(d(2026, 2, day)).unwrap().unwrap();
            assert_eq!(h.name_en(), "Spring Festival");
            assert_eq!(h.name(Locale::ZhCn), "春节");
        }
        assert!(
            c.is_working_day(d(2026, 2, 14)).unwrap(),
            "Saturday 14 Feb works"
        );
        assert!(
            c.is_working_day(d(2026, 2, 28)).unwrap(),
            "Saturday 28 Feb works"
        );
        assert!(
            !c.is_working_day(d(2026, 3, 1)).unwrap(),
            "Sunday 1 Mar is off"
        );
        assert!(c.is_working_day(d(2026, 2, 13)).unwrap());
        assert!(c.is_working_day(d(2026, 2, 24)).unwrap());
        assert_eq!(c.holiday(d(2026, 2, 14)).unwrap(), None);
        let day = c.day(d(2026, 2, 14)).unwrap();
        assert!(day.working && !day.provisional);
        assert!(
            matches!(day.reason, DayReason::AdjustedWorkingDay(h) if h.name_en() == "Spring Festival")
        );
        assert_eq!(
            c.add_working_days(d(2026, 2, 13), 1).unwrap(),
            d(2026, 2, 14)
        );
        assert_eq!(
            c.add_working_days(d(2026, 2, 14), 1).unwrap(),
            d(2026, 2, 24)
        );
        assert_eq!(
            c.working_days_between(d(2026, 2, 13), d(2026, 2, 24))
                .unwrap(),
            2
        );
    }

    #[test]
    fn new_year_2024_crosses_the_year_boundary() {
        let c = cal();
        for date in [d(2023, 12, 30), d(2023, 12, 31), d(2024, 1, 1)] {
            assert!(!c.is_working_day(date).unwrap());
            let h = c.holiday(date).unwrap().unwrap();
            assert_eq!(h.name_en(), "New Year's Day");
            assert_eq!(h.notice_year(), 2024);
        }
        assert_eq!(
            c.add_working_days(d(2023, 12, 29), 1).unwrap(),
            d(2024, 1, 2)
        );
        assert_eq!(
            c.add_working_days(d(2024, 1, 2), -1).unwrap(),
            d(2023, 12, 29)
        );
        // New Year 2023 began in 2022, in a year without data: known, but not covered.
        assert_eq!(
            c.year(2023).unwrap().holidays()[0].first_day_off(),
            d(2022, 12, 31)
        );
        assert_eq!(
            c.is_working_day(d(2022, 12, 31)),
            Err(CalendarError::NoData { year: 2022 })
        );
    }

    #[test]
    fn one_working_day_after_new_years_eve_2025_is_the_working_sunday() {
        let c = cal();
        assert_eq!(d(2026, 1, 4).weekday(), Weekday::Sun);
        assert_eq!(
            c.add_working_days(d(2025, 12, 31), 1).unwrap(),
            d(2026, 1, 4)
        );
        assert_eq!(
            c.working_days_between(d(2025, 12, 31), d(2026, 1, 4))
                .unwrap(),
            1
        );
        assert_eq!(
            c.add_working_days(d(2026, 1, 4), -1).unwrap(),
            d(2025, 12, 31)
        );
    }

    #[test]
    fn years_without_data_are_an_error() {
        let c = cal();
        assert_eq!(
            c.is_working_day(d(2027, 3, 1)),
            Err(CalendarError::NoData { year: 2027 })
        );
        assert_eq!(
            c.holiday(d(2022, 6, 1)),
            Err(CalendarError::NoData { year: 2022 })
        );
        assert!(!c.covers(d(2027, 1, 1)) && c.covers(d(2026, 12, 24)));
        // The last week of 2026 waits for the 2027 notice.
        assert!(!c.covers(d(2026, 12, 25)));
        assert_eq!(
            c.is_working_day(d(2026, 12, 28)),
            Err(CalendarError::NoData { year: 2027 })
        );
        assert!(c.covers(d(2025, 12, 31)) && c.covers_range(d(2023, 1, 1), d(2026, 12, 24)));
        assert!(!c.covers_range(d(2026, 12, 1), d(2026, 12, 31)));
    }

    #[test]
    fn adding_into_a_year_without_data_is_an_error() {
        let c = cal();
        assert_eq!(
            c.add_working_days(d(2026, 12, 24), 1),
            Err(CalendarError::NoData { year: 2027 })
        );
        assert_eq!(
            c.add_working_days(d(2026, 12, 10), 30),
            Err(CalendarError::NoData { year: 2027 })
        );
        assert_eq!(
            c.add_working_days(d(2023, 1, 4), -2),
            Err(CalendarError::NoData { year: 2022 })
        );
        assert_eq!(
            c.working_days_between(d(2026, 6, 1), d(2027, 6, 1)),
            Err(CalendarError::NoData { year: 2027 })
        );
        assert_eq!(
            c.next_working_day(d(2027, 1, 1)),
            Err(CalendarError::NoData { year: 2027 })
        );
        // Days that are not examined do not need data.
        assert_eq!(
            c.add_working_days(d(2026, 12, 23), 1).unwrap(),
            d(2026, 12, 24)
        );
        assert_eq!(c.add_working_days(d(2027, 5, 5), 0).unwrap(), d(2027, 5, 5));
    }

    #[test]
    fn weekends_only_fallback_is_explicit_and_provisional() {
        let c = cal().with_policy(YearsWithoutData::WeekendsOnly);
        // Friday 2027-01-08 + 1 = Monday 2027-01-11.
        assert_eq!(
            c.add_working_days(d(2027, 1, 8), 1).unwrap(),
            d(2027, 1, 11)
        );
        assert!(
            c.is_working_day(d(2027, 2, 10)).unwrap(),
            "no 2027 Spring Festival known"
        );
        let day = c.day(d(2027, 1, 9)).unwrap();
        assert!(!day.working && day.provisional && day.reason == DayReason::Weekend);
        assert!(!c.day(d(2026, 3, 2)).unwrap().provisional);
        assert!(!c.covers(d(2027, 1, 9)));
        // Known boundary days still apply: New Year 2023 began on 2022-12-31.
        assert!(matches!(
            c.day(d(2022, 12, 31)).unwrap().reason,
            DayReason::Holiday(_)
        ));
        assert_eq!(
            c.working_days_between(d(2026, 12, 24), d(2027, 1, 8))
                .unwrap(),
            11
        );
        // Large counts are quick: whole weeks are skipped.
        let far = c.add_working_days(d(2030, 1, 1), 5 * 52 * 100).unwrap();
        assert_eq!(
            c.working_days_between(d(2030, 1, 1), far).unwrap(),
            5 * 52 * 100
        );
        // The policy deserialises from configuration.
        #[derive(Deserialize)]
        struct Settings {
            #[serde(default)]
            years_without_data: YearsWithoutData,
        }
        let s: Settings = toml::from_str("years_without_data = \"weekends_only\"").unwrap();
        assert_eq!(s.years_without_data, YearsWithoutData::WeekendsOnly);
        let s: Settings = toml::from_str("").unwrap();
        assert_eq!(s.years_without_data, YearsWithoutData::Error);
    }

    #[test]
    fn ordinary_weekends_are_off_and_weekdays_work() {
        let c = cal();
        // 2025-03-07 is a Friday, 08/09 the weekend.
        assert!(c.is_working_day(d(2025, 3, 7)).unwrap());
        assert!(!c.is_working_day(d(2025, 3, 8)).unwrap());
        assert!(!c.is_working_day(d(2025, 3, 9)).unwrap());
        assert_eq!(c.day(d(2025, 3, 9)).unwrap().reason, DayReason::Weekend);
        assert_eq!(c.day(d(2025, 3, 10)).unwrap().reason, DayReason::Weekday);
        assert_eq!(
            c.add_working_days(d(2025, 3, 7), 1).unwrap(),
            d(2025, 3, 10)
        );
        assert_eq!(c.add_working_days(d(2025, 3, 8), 0).unwrap(), d(2025, 3, 8));
        assert_eq!(c.next_working_day(d(2025, 3, 8)).unwrap(), d(2025, 3, 10));
        assert_eq!(c.next_working_day(d(2025, 3, 10)).unwrap(), d(2025, 3, 10));
        assert_eq!(
            c.working_days_between(d(2025, 3, 7), d(2025, 3, 14))
                .unwrap(),
            5
        );
        assert_eq!(c.working_days_in(d(2025, 3, 8), d(2025, 3, 9)).unwrap(), 0);
        // National Day 2025: 1–8 Oct off; Sunday 28 Sep and Saturday 11 Oct work.
        assert_eq!(c.next_working_day(d(2025, 10, 1)).unwrap(), d(2025, 10, 9));
        assert_eq!(
            c.add_working_days(d(2025, 9, 26), 1).unwrap(),
            d(2025, 9, 28)
        );
        assert_eq!(
            c.working_days_in(d(2025, 9, 27), d(2025, 10, 12)).unwrap(),
            6
        );
    }

    #[test]
    fn negative_counts_walk_backwards() {
        let c = cal();
        // Monday 2026-02-24 − 1 working day = Saturday 14 Feb (the Spring Festival lies between).
        assert_eq!(
            c.add_working_days(d(2026, 2, 24), -1).unwrap(),
            d(2026, 2, 14)
        );
        assert_eq!(
            c.add_working_days(d(2026, 2, 24), -2).unwrap(),
            d(2026, 2, 13)
        );
        assert_eq!(
            c.working_days_between(d(2026, 2, 24), d(2026, 2, 13))
                .unwrap(),
            -2
        );
        // From a Sunday, one back is the Friday.
        assert_eq!(
            c.add_working_days(d(2025, 3, 9), -1).unwrap(),
            d(2025, 3, 7)
        );
        assert_eq!(
            c.working_days_between(d(2025, 3, 9), d(2025, 3, 7))
                .unwrap(),
            -1
        );
        // Between is not antisymmetric: it counts from the exclusive end to the inclusive one.
        assert_eq!(
            c.working_days_between(d(2025, 3, 7), d(2025, 3, 9))
                .unwrap(),
            0
        );
    }

    #[test]
    fn weekday_counting_matches_brute_force() {
        let start = d(2024, 12, 20);
        for span in 0..30 {
            let end = start + Days::new(span);
            let brute = start
                .iter_days()
                .take_while(|x| *x <= end)
                .filter(|x| !is_weekend(*x));
            let count =
                weekdays_through(end) - weekdays_through(start) + i64::from(!is_weekend(start));
            assert_eq!(count, brute.count() as i64, "{start}..={end}");
        }
        let ancient = d(-500, 3, 1);
        assert_eq!(
            weekdays_through(ancient + Days::new(7)) - weekdays_through(ancient),
            5
        );
    }

    #[test]
    fn syntax_errors_are_reported() {
        assert!(matches!(parse_err("year = "), CalendarError::Syntax { .. }));
        assert!(
            matches!(parse_err("notice = \"x\""), CalendarError::Syntax { .. }),
            "no year"
        );
        let unknown = MINIMAL.replace("working =", "workng =");
        assert!(matches!(parse_err(&unknown), CalendarError::Syntax { .. }));
        let quoted = MINIMAL.replace("off = [2030-02-02,", "off = [\"2030-02-02\",");
        assert!(matches!(parse_err(&quoted), CalendarError::Syntax { .. }));
        let timed = MINIMAL.replace("2030-02-08]", "2030-02-08T10:00:00]");
        let err = parse_err(&timed);
        assert!(err.to_string().contains("not a plain date"), "{err}");
        assert!(YearCalendar::parse(MINIMAL).is_ok());
    }

    #[test]
    fn dates_outside_the_year_are_refused_except_new_year_from_25_december() {
        let july = MINIMAL.replace("2030-02-09]", "2029-07-06]");
        assert_eq!(
            parse_err(&july),
            CalendarError::OutOfYear {
                year: 2030,
                date: d(2029, 7, 6)
            }
        );
        let next = MINIMAL.replace("2030-02-08]", "2031-01-02]");
        assert!(matches!(
            parse_err(&next),
            CalendarError::BadOffRange { .. } | CalendarError::OutOfYear { .. }
        ));
        let next = MINIMAL.replace(
            "off = [2030-02-02, 2030-02-08]",
            "off = [2030-12-31, 2031-01-01]",
        );
        assert_eq!(
            parse_err(&next),
            CalendarError::OutOfYear {
                year: 2030,
                date: d(2031, 1, 1)
            }
        );
        // Entirely in the previous December: not a holiday of this notice.
        let december = MINIMAL.replace(
            "off = [2030-02-02, 2030-02-08]",
            "off = [2029-12-27, 2029-12-28]",
        );
        assert_eq!(
            parse_err(&december),
            CalendarError::OutOfYear {
                year: 2030,
                date: d(2029, 12, 28)
            }
        );
        let early = MINIMAL.replace(
            "off = [2030-02-02, 2030-02-08]",
            "off = [2029-12-24, 2030-01-01]",
        );
        assert_eq!(
            parse_err(&early),
            CalendarError::OutOfYear {
                year: 2030,
                date: d(2029, 12, 24)
            }
        );
        // New Year's Day beginning on 29 December, with a working Saturday on the 28th.
        let boundary = MINIMAL.replace(
            "off = [2030-02-02, 2030-02-08]\n        working = [2030-01-26, 2030-02-09]",
            "off = [2029-12-29, 2030-01-01]\n        working = [2029-12-23]",
        );
        assert_eq!(
            parse_err(&boundary),
            CalendarError::OutOfYear {
                year: 2030,
                date: d(2029, 12, 23)
            }
        );
        let boundary = boundary.replace("2029-12-23", "2030-01-05");
        assert!(YearCalendar::parse(&boundary).is_ok());
        assert_eq!(
            parse_err(&MINIMAL.replace("year = 2030", "year = 300000")),
            CalendarError::BadYear { year: 300000 }
        );
    }

    #[test]
    fn a_working_day_must_be_a_weekend_day() {
        // 2030-02-11 is a Monday.
        let text = MINIMAL.replace("2030-02-09]", "2030-02-11]");
        assert_eq!(
            parse_err(&text),
            CalendarError::WorkingNotWeekend {
                date: d(2030, 2, 11)
            }
        );
    }

    #[test]
    fn a_day_cannot_be_off_and_working() {
        // 2030-02-02 is a Saturday, and the first day off.
        let text = MINIMAL.replace("2030-02-09]", "2030-02-02]");
        assert_eq!(
            parse_err(&text),
            CalendarError::OffAndWorking {
                date: d(2030, 2, 2)
            }
        );
        // Also across two holidays.
        let text = format!(
            "{MINIMAL}\n[[holiday]]\nname_zh = \"x\"\nname_en = \"X\"\noff = [2030-03-01]\nworking = [2030-02-03]\n"
        );
        assert_eq!(
            parse_err(&text),
            CalendarError::OffAndWorking {
                date: d(2030, 2, 3)
            }
        );
    }

    #[test]
    fn overlapping_holidays_are_refused() {
        let text = format!(
            "{MINIMAL}\n[[holiday]]\nname_zh = \"x\"\nname_en = \"X\"\noff = [2030-02-08, 2030-02-10]\n"
        );
        assert_eq!(
            parse_err(&text),
            CalendarError::Overlap {
                date: d(2030, 2, 8)
            }
        );
        let text = format!(
            "{MINIMAL}\n[[holiday]]\nname_zh = \"x\"\nname_en = \"X\"\noff = [2030-03-01]\nworking = [2030-01-26]\n"
        );
        assert_eq!(
            parse_err(&text),
            CalendarError::Overlap {
                date: d(2030, 1, 26)
            }
        );
    }

    #[test]
    fn off_ranges_must_be_ordered_and_short() {
        for off in [
            "[2030-02-08, 2030-02-02]",
            "[]",
            "[2030-02-02, 2030-02-03, 2030-02-04]",
            "[2030-02-02, 2030-03-02]",
        ] {
            let text = MINIMAL.replace("[2030-02-02, 2030-02-08]", off);
            assert!(
                matches!(parse_err(&text), CalendarError::BadOffRange { ref name_en, .. } if name_en == "Spring Festival"),
                "{off}"
            );
        }
        let one_day = MINIMAL.replace("[2030-02-02, 2030-02-08]", "[2030-02-04]");
        let year = YearCalendar::parse(&one_day).unwrap();
        assert_eq!(
            year.holidays()[0].days_off().collect::<Vec<_>>(),
            [d(2030, 2, 4)]
        );
    }

    #[test]
    fn a_year_twice_is_refused_and_a_source_overrides_a_builtin_year() {
        assert_eq!(
            WorkingCalendar::from_sources([MINIMAL, MINIMAL]),
            Err(CalendarError::DuplicateYear { year: 2030 })
        );
        let mut c = cal();
        let y2026 = c.year(2026).unwrap().clone();
        assert_eq!(
            c.add_year(y2026),
            Err(CalendarError::DuplicateYear { year: 2026 })
        );
        assert_eq!(
            cal().with_year_sources([MINIMAL, MINIMAL]),
            Err(CalendarError::DuplicateYear { year: 2030 })
        );
        // A corrected 2026 without the Spring Festival replaces the built-in one.
        let corrected = "year = 2026\nnotice = \"corrected\"\n";
        let c2 = cal().with_year_source(corrected).unwrap();
        assert_eq!(c2.year(2026).unwrap().notice(), "corrected");
        assert!(c2.is_working_day(d(2026, 2, 16)).unwrap());
        assert!(!c.is_working_day(d(2026, 2, 16)).unwrap());
        // A new year from a file.
        let c3 = cal().with_year_sources([MINIMAL]).unwrap();
        assert!(!c3.is_working_day(d(2030, 2, 4)).unwrap());
        assert!(c3.is_working_day(d(2030, 2, 9)).unwrap());
        assert!(c3.covers(d(2030, 6, 1)) && !c3.covers(d(2029, 6, 1)));
    }

    #[test]
    fn boundary_days_may_not_clash_with_the_previous_year() {
        let y2029 = "year = 2029\nnotice = \"a\"\n[[holiday]]\nname_zh = \"x\"\nname_en = \"X\"\noff = [2029-12-29]\n";
        let y2030 = "year = 2030\nnotice = \"b\"\n[[holiday]]\nname_zh = \"元旦\"\nname_en = \"New Year's Day\"\noff = [2029-12-29, 2030-01-01]\n";
        assert_eq!(
            WorkingCalendar::from_sources([y2029, y2030]),
            Err(CalendarError::Overlap {
                date: d(2029, 12, 29)
            })
        );
        let mut c = WorkingCalendar::from_sources([y2029]).unwrap();
        let before = c.clone();
        assert!(c.replace_year(YearCalendar::parse(y2030).unwrap()).is_err());
        assert_eq!(c, before, "a failed replacement changes nothing");
    }

    #[test]
    fn errors_and_days_have_catalogue_messages() {
        let errors = [
            CalendarError::Syntax { detail: "x".into() },
            CalendarError::BadYear { year: 1 },
            CalendarError::BadOffRange {
                name_zh: "春节".into(),
                name_en: "Spring Festival".into(),
            },
            CalendarError::OutOfYear {
                year: 2030,
                date: d(2029, 7, 6),
            },
            CalendarError::WorkingNotWeekend {
                date: d(2030, 2, 11),
            },
            CalendarError::OffAndWorking {
                date: d(2030, 2, 2),
            },
            CalendarError::Overlap {
                date: d(2030, 2, 8),
            },
            CalendarError::DuplicateYear { year: 2030 },
            CalendarError::NoData { year: 2027 },
            CalendarError::OutOfRange,
        ];
        for e in &errors {
            assert!(has_key(e.code()), "{}", e.code());
            for locale in Locale::ALL {
                let text = e.localize(locale);
                assert!(!text.contains('{') && !text.is_empty(), "{text}");
            }
        }
        let no_data = CalendarError::NoData { year: 2027 }.localize(Locale::En);
        assert!(
            no_data.contains("for 2027 has not been loaded"),
            "{no_data}"
        );
        let c = cal();
        let saturday = c.day(d(2026, 2, 14)).unwrap();
        assert_eq!(
            saturday.localize(Locale::En),
            "Saturday 14 February is a working day, worked in exchange for the Spring Festival holiday."
        );
        assert_eq!(
            saturday.localize(Locale::ZhCn),
            "2月14日（星期六）为春节调休上班日。"
        );
        let eve = c.day(d(2026, 2, 16)).unwrap();
        assert_eq!(
            eve.localize(Locale::En),
            "Monday 16 February is a day off: Spring Festival."
        );
        assert_eq!(
            eve.localize(Locale::ZhCn),
            "2月16日（星期一）为春节假期，不上班。"
        );
        for date in [d(2026, 3, 1), d(2026, 3, 2)] {
            let day = c.day(date).unwrap();
            assert!(has_key(day.code()));
            assert!(!day.localize(Locale::En).contains('{'));
        }
        let notice = WorkingCalendar::provisional_notice(2027);
        assert!(has_key(notice.key) && notice.render(Locale::En).contains("2027"));
        let json = serde_json::to_value(saturday).unwrap();
        assert_eq!(json["reason"], "adjusted_working_day");
        assert_eq!(json["holiday"]["name_en"], "Spring Festival");
    }

    fn covered_date() -> impl Strategy<Value = NaiveDate> {
        let first = d(2023, 1, 1);
        let days = (d(2026, 12, 31) - first).num_days() as u64;
        (0..=days).prop_map(move |n| first + Days::new(n))
    }

    /// An error is acceptable only for a walk that leaves the loaded years.
    fn leaves_the_data(result: &Result<NaiveDate, CalendarError>) -> bool {
        matches!(result, Err(CalendarError::NoData { year: 2022 | 2027 }))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn between_inverts_add(a in covered_date(), n in -80i32..=80) {
            let c = cal();
            let result = c.add_working_days(a, n);
            match result {
                Ok(b) => {
                    prop_assert_eq!(c.working_days_between(a, b).unwrap(), i64::from(n));
                    if n != 0 {
                        prop_assert!(c.is_working_day(b).unwrap());
                    }
                }
                Err(_) => prop_assert!(leaves_the_data(&result), "{result:?}"),
            }
        }

        #[test]
        fn add_is_monotonic(a in covered_date(), gap in 0u64..40, n in -60i32..=60, m in 1i32..30) {
            let c = cal();
            // In n, strictly.
            if let (Ok(x), Ok(y)) = (c.add_working_days(a, n), c.add_working_days(a, n + m)) {
                prop_assert!(x < y, "{a} {n}: {x} !< {y}");
            }
            // In the date, weakly.
            let b = a + Days::new(gap);
            if let (Ok(x), Ok(y)) = (c.add_working_days(a, n), c.add_working_days(b, n)) {
                prop_assert!(x <= y, "{a}/{b} {n}: {x} > {y}");
            }
        }

        #[test]
        fn week_skipping_agrees_with_day_by_day_counting(a in covered_date(), n in 6i32..=60) {
            let c = cal().with_policy(YearsWithoutData::WeekendsOnly);
            let b = c.add_working_days(a, n).unwrap();
            let mut day = a;
            let mut left = n;
            while left > 0 {
                day = day.succ_opt().unwrap();
                if c.is_working_day(day).unwrap() { left -= 1; }
            }
            prop_assert_eq!(b, day);
        }
    }
}
