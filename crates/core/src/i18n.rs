//! The one message catalogue: every text that wangban shows to a person, in zh-CN and en.
//!
//! Messages are [Fluent](https://projectfluent.org) resources under `crates/core/locales/`, one
//! file per area, compiled into the binary. Code never holds user-facing text: it builds a
//! [`Message`] (a stable key plus named arguments) and renders it for a [`Locale`] at the edge.
//! The key doubles as the stable machine-readable code of an error or a verdict.
//!
//! A test checks that both languages define exactly the same keys and that every resource
//! parses, so a message cannot exist in one language only.

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use serde::{Deserialize, Serialize};
use unic_langid::LanguageIdentifier;

/// A language wangban speaks. zh-CN is the default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Locale {
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::ZhCn, Locale::En];

    /// The BCP 47 tag.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::ZhCn => "zh-CN",
            Locale::En => "en",
        }
    }

    /// Picks the best supported locale from an HTTP `Accept-Language` value (or a `LANG`
    /// environment value such as `en_GB.UTF-8`). Unknown or empty input gives the default.
    pub fn negotiate(header: &str) -> Locale {
        let mut best: Option<(f32, Locale)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            let locale = if tag.starts_with("zh") {
                Some(Locale::ZhCn)
            } else if tag.starts_with("en") {
                Some(Locale::En)
            } else {
                None
            };
            if let Some(locale) = locale
                && q > 0.0
                && best.is_none_or(|(bq, _)| q > bq)
            {
                best = Some((q, locale));
            }
        }
        best.map(|(_, l)| l).unwrap_or_default()
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

impl FromStr for Locale {
    type Err = UnknownLocale;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "zh-cn" | "zh" | "zh-hans" | "zh-hans-cn" => Ok(Locale::ZhCn),
            "en" | "en-gb" | "en-us" => Ok(Locale::En),
            _ => Err(UnknownLocale(s.to_owned())),
        }
    }
}

/// A language tag wangban does not speak.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown language {0:?}: use zh-CN or en")]
pub struct UnknownLocale(pub String);

/// A value interpolated into a message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Arg {
    Text(String),
    Number(i64),
    /// A civil date, written the way each language writes dates (2026年3月1日, 1 March 2026).
    Date(chrono::NaiveDate),
    /// A place, named in each language.
    Area(crate::area::AreaCode),
    /// Another catalogue message (a document kind's name, say), rendered in the same language.
    Nested(Box<Message>),
}

impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(v.to_owned())
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(v)
    }
}
impl From<char> for Arg {
    fn from(v: char) -> Self {
        Arg::Text(v.to_string())
    }
}
impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Number(v)
    }
}
impl From<u32> for Arg {
    fn from(v: u32) -> Self {
        Arg::Number(i64::from(v))
    }
}
impl From<i32> for Arg {
    fn from(v: i32) -> Self {
        Arg::Number(i64::from(v))
    }
}
impl From<usize> for Arg {
    fn from(v: usize) -> Self {
        Arg::Number(i64::try_from(v).unwrap_or(i64::MAX))
    }
}
impl From<chrono::NaiveDate> for Arg {
    fn from(v: chrono::NaiveDate) -> Self {
        Arg::Date(v)
    }
}
impl From<crate::area::AreaCode> for Arg {
    fn from(v: crate::area::AreaCode) -> Self {
        Arg::Area(v)
    }
}
impl From<Message> for Arg {
    fn from(v: Message) -> Self {
        Arg::Nested(Box::new(v))
    }
}

/// A date as each language writes it.
pub fn format_date(date: chrono::NaiveDate, locale: Locale) -> String {
    use chrono::Datelike;
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    match locale {
        Locale::ZhCn => format!("{}年{}月{}日", date.year(), date.month(), date.day()),
        Locale::En => format!(
            "{} {} {}",
            date.day(),
            MONTHS[date.month0() as usize],
            date.year()
        ),
    }
}

/// A text for a person, not yet in a language: a catalogue key and its arguments.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Message {
    pub key: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<(&'static str, Arg)>,
}

impl Message {
    pub fn new(key: &'static str) -> Self {
        Message {
            key,
            args: Vec::new(),
        }
    }

    /// Adds a named argument (referenced as `{ $name }` in the catalogue).
    pub fn with(mut self, name: &'static str, value: impl Into<Arg>) -> Self {
        self.args.push((name, value.into()));
        self
    }

    /// The text in `locale`. A key missing from the catalogue (which the catalogue tests rule
    /// out) renders as the key itself rather than failing.
    pub fn render(&self, locale: Locale) -> String {
        catalogue().render(locale, self)
    }
}

/// Something that can explain itself to a person: errors and verdicts implement it.
pub trait Localize {
    fn message(&self) -> Message;

    /// The stable machine-readable code (the catalogue key).
    fn code(&self) -> &'static str {
        self.message().key
    }

    fn localize(&self, locale: Locale) -> String {
        self.message().render(locale)
    }
}

/// Every catalogue file, per area. Adding an area means adding its two files here.
type Resource = (&'static str, &'static str, &'static str);
const RESOURCES: &[Resource] = &[
    (
        "audit",
        include_str!("../locales/zh-CN/audit.ftl"),
        include_str!("../locales/en/audit.ftl"),
    ),
    (
        "common",
        include_str!("../locales/zh-CN/common.ftl"),
        include_str!("../locales/en/common.ftl"),
    ),
    (
        "identity",
        include_str!("../locales/zh-CN/identity.ftl"),
        include_str!("../locales/en/identity.ftl"),
    ),
    (
        "document",
        include_str!("../locales/zh-CN/document.ftl"),
        include_str!("../locales/en/document.ftl"),
    ),
    (
        "calendar",
        include_str!("../locales/zh-CN/calendar.ftl"),
        include_str!("../locales/en/calendar.ftl"),
    ),
    (
        "eligibility",
        include_str!("../locales/zh-CN/eligibility.ftl"),
        include_str!("../locales/en/eligibility.ftl"),
    ),
    (
        "application",
        include_str!("../locales/zh-CN/application.ftl"),
        include_str!("../locales/en/application.ftl"),
    ),
    (
        "api",
        include_str!("../locales/zh-CN/api.ftl"),
        include_str!("../locales/en/api.ftl"),
    ),
    (
        "sms",
        include_str!("../locales/zh-CN/sms.ftl"),
        include_str!("../locales/en/sms.ftl"),
    ),
    (
        "media",
        include_str!("../locales/zh-CN/media.ftl"),
        include_str!("../locales/en/media.ftl"),
    ),
    (
        "signature",
        include_str!("../locales/zh-CN/signature.ftl"),
        include_str!("../locales/en/signature.ftl"),
    ),
    (
        "apply",
        include_str!("../locales/zh-CN/apply.ftl"),
        include_str!("../locales/en/apply.ftl"),
    ),
    (
        "office",
        include_str!("../locales/zh-CN/office.ftl"),
        include_str!("../locales/en/office.ftl"),
    ),
    (
        "cli",
        include_str!("../locales/zh-CN/cli.ftl"),
        include_str!("../locales/en/cli.ftl"),
    ),
    (
        "ops",
        include_str!("../locales/zh-CN/ops.ftl"),
        include_str!("../locales/en/ops.ftl"),
    ),
    (
        "keys",
        include_str!("../locales/zh-CN/keys.ftl"),
        include_str!("../locales/en/keys.ftl"),
    ),
    (
        "halls",
        include_str!("../locales/zh-CN/halls.ftl"),
        include_str!("../locales/en/halls.ftl"),
    ),
    (
        "guide",
        include_str!("../locales/zh-CN/guide.ftl"),
        include_str!("../locales/en/guide.ftl"),
    ),
    (
        "stats",
        include_str!("../locales/zh-CN/stats.ftl"),
        include_str!("../locales/en/stats.ftl"),
    ),
    (
        "loadtest",
        include_str!("../locales/zh-CN/loadtest.ftl"),
        include_str!("../locales/en/loadtest.ftl"),
    ),
];

struct Catalogue {
    zh: FluentBundle<FluentResource>,
    en: FluentBundle<FluentResource>,
}

fn build_bundle(tag: &str, pick: fn(&Resource) -> &'static str) -> FluentBundle<FluentResource> {
    let lang: LanguageIdentifier = tag.parse().expect("static language tag");
    let mut bundle = FluentBundle::new_concurrent(vec![lang]);
    // No Unicode isolation marks: our texts go into HTML, SMS and terminals, not bidi UIs.
    bundle.set_use_isolating(false);
    for entry in RESOURCES {
        let source = pick(entry);
        // A resource with syntax errors still yields the entries that parsed; the catalogue
        // tests fail on any error, so this only matters for a broken build that skipped them.
        let resource = FluentResource::try_new(source.to_owned()).unwrap_or_else(|(r, _)| r);
        let _ = bundle.add_resource(resource);
    }
    bundle
}

fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| Catalogue {
        zh: build_bundle("zh-CN", |e| e.1),
        en: build_bundle("en", |e| e.2),
    })
}

impl Catalogue {
    fn render(&self, locale: Locale, msg: &Message) -> String {
        let bundle = match locale {
            Locale::ZhCn => &self.zh,
            Locale::En => &self.en,
        };
        let Some(pattern) = bundle.get_message(msg.key).and_then(|m| m.value()) else {
            return msg.key.to_owned();
        };
        let mut args = FluentArgs::new();
        for (name, value) in &msg.args {
            match value {
                Arg::Text(s) => args.set(*name, FluentValue::from(s.as_str())),
                Arg::Number(n) => args.set(*name, FluentValue::from(*n)),
                Arg::Date(d) => args.set(*name, FluentValue::from(format_date(*d, locale))),
                Arg::Area(a) => args.set(*name, FluentValue::from(a.describe(locale))),
                Arg::Nested(m) => args.set(*name, FluentValue::from(self.render(locale, m))),
            }
        }
        let mut errors = Vec::new();
        bundle
            .format_pattern(pattern, Some(&args), &mut errors)
            .into_owned()
    }
}

/// Whether the catalogue has `key` in every language (used by tests of other modules).
pub fn has_key(key: &str) -> bool {
    let c = catalogue();
    c.zh.has_message(key) && c.en.has_message(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(source: &str) -> BTreeSet<String> {
        let resource = FluentResource::try_new(source.to_owned())
            .unwrap_or_else(|(_, errors)| panic!("catalogue does not parse: {errors:?}"));
        resource
            .entries()
            .filter_map(|e| match e {
                fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn both_languages_define_the_same_keys_in_every_area() {
        for (area, zh, en) in RESOURCES {
            let (zh, en) = (keys(zh), keys(en));
            let only_zh: Vec<_> = zh.difference(&en).collect();
            let only_en: Vec<_> = en.difference(&zh).collect();
            assert!(
                only_zh.is_empty() && only_en.is_empty(),
                "{area}: only in zh-CN {only_zh:?}, only in en {only_en:?}"
            );
            assert!(!zh.is_empty(), "{area} is empty");
        }
    }

    #[test]
    fn no_key_is_defined_in_two_areas() {
        let mut seen = BTreeSet::new();
        for (area, zh, _) in RESOURCES {
            for key in keys(zh) {
                assert!(seen.insert(key.clone()), "{key} defined again in {area}");
            }
        }
    }

    #[test]
    fn renders_arguments_without_isolation_marks() {
        let text = Message::new("common-hotline").render(Locale::En);
        assert!(text.contains("12367"), "{text}");
        let text = Message::new("id-length")
            .with("found", 17)
            .render(Locale::ZhCn);
        assert!(text.contains("17"), "{text}");
        assert!(!text.contains('\u{2068}'));
    }

    #[test]
    fn dates_and_nested_messages_follow_the_language() {
        let d = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        assert_eq!(format_date(d, Locale::ZhCn), "2026年3月1日");
        assert_eq!(format_date(d, Locale::En), "1 March 2026");
        let m = Message::new("id-future-birth-date").with("date", d);
        assert!(
            m.render(Locale::En).contains("1 March 2026"),
            "{}",
            m.render(Locale::En)
        );
        assert!(m.render(Locale::ZhCn).contains("2026年3月1日"));
    }

    #[test]
    fn unknown_key_renders_as_itself() {
        assert_eq!(
            Message::new("no-such-key").render(Locale::En),
            "no-such-key"
        );
        assert!(!has_key("no-such-key"));
    }

    #[test]
    fn negotiates_accept_language() {
        assert_eq!(Locale::negotiate("en-GB,en;q=0.9"), Locale::En);
        assert_eq!(Locale::negotiate("zh-CN,zh;q=0.9,en;q=0.8"), Locale::ZhCn);
        assert_eq!(Locale::negotiate("fr-FR, en;q=0.5"), Locale::En);
        assert_eq!(Locale::negotiate("de"), Locale::ZhCn);
        assert_eq!(Locale::negotiate(""), Locale::ZhCn);
        assert_eq!(Locale::negotiate("zh;q=0.1, en;q=0.9"), Locale::En);
        assert_eq!("en_GB".parse::<Locale>(), Ok(Locale::En));
        assert!("xx".parse::<Locale>().is_err());
    }
}
