//! The guide, generated from what the service enforces: the eligibility rules and their
//! settings (`[eligibility]`), the fees (`[fees]`), the validity of a new document
//! (`core::fees`), the deadline clocks' budgets (`ClockKind::default_budget`, as the sweeper
//! reads them), the reminder lead time (`[workers]`) and the upload checks' thresholds
//! (`[media]`, `[uploads]`). Change one of those and the guide changes with it: nothing here
//! restates a figure.
//!
//! The guide is a list of pages of [`Message`]s, rendered by the pages (`web::guide`) and the
//! JSON API (`api::guide`) alike.

use wangban_core::clock::{Budget, ClockKind};
use wangban_core::document::{DocumentKind, Reason};
use wangban_core::eligibility::Rule;
use wangban_core::fees::ADULT_AGE;
use wangban_core::i18n::{Locale, Message};

use crate::settings::Settings;

/// One page of the guide.
pub struct GuidePage {
    /// The last part of its address, `/guide/<slug>`.
    pub slug: &'static str,
    pub title: Message,
    /// One line for the contents.
    pub summary: Message,
    pub intro: Message,
    pub sections: Vec<Section>,
}

/// A heading and its points (an ordered list for steps).
pub struct Section {
    pub id: &'static str,
    pub heading: Message,
    pub items: Vec<Message>,
    pub ordered: bool,
}

fn section(id: &'static str, heading: &'static str, items: Vec<Message>) -> Section {
    Section {
        id,
        heading: Message::new(heading),
        items,
        ordered: false,
    }
}

fn text(s: impl Into<String>) -> Message {
    Message::new("guide-item").with("text", s.into())
}

/// A money amount as the pages write it (¥120.00).
pub fn money(fen: u64) -> Message {
    Message::new("apply-amount").with("yuan", format!("{}.{:02}", fen / 100, fen % 100))
}

/// Megabytes, rounded down to one decimal when not whole.
fn megabytes(bytes: usize) -> String {
    let tenths = bytes * 10 / (1024 * 1024);
    if tenths.is_multiple_of(10) {
        (tenths / 10).to_string()
    } else {
        format!("{}.{}", tenths / 10, tenths % 10)
    }
}

fn percent(share: f64) -> i64 {
    (share * 100.0).round() as i64
}

/// The days of a clock's budget (its unit is in the wording of each deadline).
fn days(kind: ClockKind) -> u32 {
    match kind.default_budget() {
        Budget::WorkingDays(n) | Budget::CalendarDays(n) => n,
    }
}

/// The largest file an upload may be: the server's limit or the checks', whichever is smaller.
fn upload_limit(settings: &Settings) -> usize {
    settings
        .uploads
        .max_bytes
        .min(settings.media.limits.max_bytes)
}

/// Every page of the guide, in order.
pub fn pages(settings: &Settings, locale: Locale) -> Vec<GuidePage> {
    let elig = &settings.eligibility;
    let sep = match locale {
        Locale::ZhCn => "、",
        Locale::En => ", ",
    };
    let who = GuidePage {
        slug: "who",
        title: Message::new("guide-who-title"),
        summary: Message::new("guide-who-summary"),
        intro: Message::new("guide-who-intro"),
        sections: vec![
            section(
                "conditions",
                "guide-who-conditions",
                Rule::ALL.iter().map(|r| r.title(elig)).collect(),
            ),
            section(
                "cities",
                "guide-who-cities",
                elig.pilot_cities
                    .iter()
                    .map(|c| text(c.name(locale)))
                    .collect(),
            ),
            section(
                "cannot",
                "guide-who-cannot",
                vec![Message::new("guide-who-cannot-text").with("min", elig.min_age)],
            ),
        ],
    };
    let documents = GuidePage {
        slug: "documents",
        title: Message::new("guide-documents-title"),
        summary: Message::new("guide-documents-summary"),
        intro: Message::new("guide-documents-intro"),
        sections: vec![
            section(
                "fees",
                "guide-documents-fees",
                DocumentKind::ALL
                    .iter()
                    .map(|k| {
                        Message::new("guide-document-item")
                            .with("kind", k.label())
                            .with("fee", money(settings.fees.fee(*k).get()))
                    })
                    .collect(),
            ),
            section(
                "validity",
                "guide-documents-validity",
                vec![
                    Message::new("guide-validity-item")
                        .with("adult", 10)
                        .with("child", 5)
                        .with("age", ADULT_AGE),
                    Message::new("guide-documents-postage"),
                ],
            ),
        ],
    };
    let reasons = GuidePage {
        slug: "reasons",
        title: Message::new("guide-reasons-title"),
        summary: Message::new("guide-reasons-summary"),
        intro: Message::new("guide-reasons-intro"),
        sections: vec![section(
            "reasons",
            "guide-reasons-list",
            Reason::ALL
                .iter()
                .map(|r| {
                    let detail = match r {
                        Reason::ExpiringSoon => Message::new("guide-reason-expiring-soon")
                            .with("months", elig.expiring_within_months),
                        Reason::Damaged => Message::new("guide-reason-damaged"),
                        Reason::LostOrStolen => Message::new("guide-reason-lost-or-stolen"),
                        Reason::VisaPagesUsedUp => Message::new("guide-reason-visa-pages-used-up")
                            .with("pages", u32::from(elig.visa_pages_threshold)),
                    };
                    let kinds = DocumentKind::ALL
                        .iter()
                        .filter(|k| r.applies_to(**k))
                        .map(|k| k.label().render(locale))
                        .collect::<Vec<_>>()
                        .join(sep);
                    // Not `Reason::label`: the expiring reason's label states the default
                    // window; the guide states the configured one.
                    let name = Message::new(match r {
                        Reason::ExpiringSoon => "guide-reason-name-expiring-soon",
                        Reason::Damaged => "guide-reason-name-damaged",
                        Reason::LostOrStolen => "guide-reason-name-lost-or-stolen",
                        Reason::VisaPagesUsedUp => "guide-reason-name-visa-pages-used-up",
                    });
                    Message::new("guide-reason-item")
                        .with("reason", name)
                        .with("detail", detail)
                        .with("kinds", kinds)
                })
                .collect(),
        )],
    };
    let p = &settings.media.photo;
    let mb = megabytes(upload_limit(settings));
    let photo = GuidePage {
        slug: "photo",
        title: Message::new("guide-photo-title"),
        summary: Message::new("guide-photo-summary"),
        intro: Message::new("guide-photo-intro"),
        sections: vec![section(
            "photo-rules",
            "guide-photo-rules",
            vec![
                Message::new("guide-photo-colour"),
                Message::new("guide-photo-recent").with("months", p.max_age_months),
                Message::new("guide-photo-size")
                    .with("width", p.min_width)
                    .with("height", p.min_height)
                    .with("out_width", p.out_width)
                    .with("out_height", p.out_height),
                Message::new("guide-photo-file").with("mb", mb.clone()),
                Message::new("guide-photo-head")
                    .with("min", percent(p.head_share_min))
                    .with("max", percent(p.head_share_max)),
                Message::new("guide-photo-clothes"),
                Message::new("guide-photo-cover"),
                Message::new("guide-photo-jewellery"),
                Message::new("guide-photo-retouch"),
            ],
        )],
    };
    let s = &settings.media.signature;
    let signature = GuidePage {
        slug: "signature",
        title: Message::new("guide-signature-title"),
        summary: Message::new("guide-signature-summary"),
        intro: Message::new("guide-signature-intro"),
        sections: vec![section(
            "signature-rules",
            "guide-signature-rules",
            vec![
                Message::new("guide-signature-ink"),
                Message::new("guide-signature-horizontal")
                    .with("degrees", format!("{}", s.max_skew_deg)),
                Message::new("guide-signature-even").with("ratio", format!("{}", s.max_size_ratio)),
                Message::new("guide-signature-gap").with("percent", percent(s.max_gap_ratio)),
                Message::new("guide-signature-file").with("mb", mb),
            ],
        )],
    };
    let steps = GuidePage {
        slug: "steps",
        title: Message::new("guide-steps-title"),
        summary: Message::new("guide-steps-summary"),
        intro: Message::new("guide-steps-intro"),
        sections: vec![Section {
            ordered: true,
            ..section(
                "steps",
                "guide-steps-list",
                vec![
                    Message::new("guide-step-login"),
                    Message::new("guide-step-identity"),
                    Message::new("guide-step-check"),
                    Message::new("guide-step-details"),
                    Message::new("guide-step-review")
                        .with("days", days(ClockKind::Review))
                        .with("correction", days(ClockKind::Correction)),
                    Message::new("guide-step-pay").with("days", days(ClockKind::Payment)),
                    Message::new("guide-step-produce").with("days", days(ClockKind::Production)),
                ],
            )
        }],
    };
    let deadlines = GuidePage {
        slug: "deadlines",
        title: Message::new("guide-deadlines-title"),
        summary: Message::new("guide-deadlines-summary"),
        intro: Message::new("guide-deadlines-intro"),
        sections: vec![section(
            "deadlines",
            "guide-deadlines-list",
            vec![
                Message::new("guide-deadline-correction").with("days", days(ClockKind::Correction)),
                Message::new("guide-deadline-payment").with("days", days(ClockKind::Payment)),
                Message::new("guide-deadline-review").with("days", days(ClockKind::Review)),
                Message::new("guide-deadline-production").with("days", days(ClockKind::Production)),
                Message::new("guide-deadline-reminder")
                    .with("hours", settings.workers.reminder_hours_before),
            ],
        )],
    };
    vec![who, documents, reasons, photo, signature, steps, deadlines]
}
