//! A minimal HTML page frame for the simulators' own pages (SMS outbox, payment checkout), which
//! stand in for other organisations' sites and so do not share the service's layout. Text comes from
//! the catalogue; values are escaped; styling from the one stylesheet (no inline style: CSP).

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
    // The one stylesheet: an inline <style> would be refused by the Content-Security-Policy.
    format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><link rel=\"stylesheet\" href=\"/static/style.css\"></head>\
         <body><main id=\"main\">{body}</main></body></html>",
        lang = locale.tag(),
        title = escape(title),
    )
}
