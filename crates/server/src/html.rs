//! A minimal HTML page frame for the few pages this crate serves before the real pages arrive
//! (the demo start page and the simulators' pages). Text comes from the catalogue; values are
//! escaped.

use wangban_core::i18n::{Locale, Message};

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub fn t(key: &'static str, locale: Locale) -> String {
    escape(&Message::new(key).render(locale))
}

pub fn page(title: &str, body: &str, locale: Locale) -> String {
    format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>\
         body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111;line-height:1.5}}\
         table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #ccc;padding:.4rem;text-align:left;vertical-align:top}}\
         code{{background:#f3f3f3;padding:0 .2rem}}button{{font-size:1rem;padding:.5rem 1rem}}\
         </style></head><body>{body}</body></html>",
        lang = locale.tag(),
        title = escape(title),
    )
}
