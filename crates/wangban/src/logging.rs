//! The service's log: text for a terminal or JSON (one object a line) for a collector
//! (`[log] format`), on standard error, with personal data masked as a safety net.
//!
//! No handler or worker logs an ID number, a name, a phone number or a token: they log row ids,
//! job kinds and error codes. Should one ever slip in, every line passes through [`redact`]
//! before it is written: values of fields named like personal data or secrets (`phone`,
//! `mobile`, `id_number`, `name`, `token`, `password`, `secret`, `code`, `address`) are
//! replaced, and so is anything shaped like an 18-character resident ID number or an 11-digit
//! mainland mobile number, wherever it appears (messages included).

use std::io::{self, Write};
use std::sync::LazyLock;

use regex::bytes::Regex;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use wangban_server::ops::{LogFormat, LogSettings};

static FIELD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)((?-u:\b)(?:phone|mobile|id_number|id_no|name|person_name|token|password|secret|code|address)"?\s*[:=]\s*)(\\"(?:[^"\\]|\\[^"])*\\"|"(?:[^"\\]|\\.)*"|[^\s,}"\\]+)"#,
    )
    .expect("a valid pattern")
});

static ID_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?-u:\b)[1-9][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx](?-u:\b)",
    )
    .expect("a valid pattern")
});

static MOBILE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u:\b)1[3-9][0-9]{9}(?-u:\b)").expect("a valid pattern"));

/// One log line with personal data masked.
pub fn redact(line: &[u8]) -> Vec<u8> {
    // A value keeps its kind of quoting, so a JSON line stays JSON (also when the pair sits
    // inside a JSON string, as in a logged SQL statement).
    let line = FIELD.replace_all(line, |c: &regex::bytes::Captures| {
        let value = &c[2];
        let masked: &[u8] = if value.starts_with(b"\\\"") {
            b"\\\"[redacted]\\\""
        } else if value.starts_with(b"\"") {
            b"\"[redacted]\""
        } else {
            b"[redacted]"
        };
        [&c[1], masked].concat()
    });
    let line = ID_NUMBER.replace_all(&line, &b"[id-number]"[..]);
    MOBILE.replace_all(&line, &b"[mobile]"[..]).into_owned()
}

/// Standard error, through [`redact`]. The formatter writes each event with one `write`.
#[derive(Clone, Copy)]
struct Redacting;

impl Write for Redacting {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        io::stderr().lock().write_all(&redact(buf))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        io::stderr().flush()
    }
}

impl<'a> MakeWriter<'a> for Redacting {
    type Writer = Redacting;
    fn make_writer(&'a self) -> Redacting {
        Redacting
    }
}

/// Installs the process's subscriber. `WANGBAN_LOG` overrides `[log] filter`.
pub fn init(settings: &LogSettings) {
    let filter = EnvFilter::try_from_env("WANGBAN_LOG")
        .or_else(|_| EnvFilter::try_new(&settings.filter))
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(Redacting)
        // Colour codes would split field names from their values and defeat the masking.
        .with_ansi(false);
    let _ = match settings.format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .try_init(),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> String {
        String::from_utf8(redact(s.as_bytes())).unwrap()
    }

    #[test]
    fn personal_data_is_masked_in_text_and_json_lines() {
        let text = r#"WARN sms: send failed phone=13800000001 name="陈静怡" job=12 kind=sms"#;
        let masked = r(text);
        assert!(!masked.contains("13800000001"), "{masked}");
        assert!(!masked.contains("陈静怡"), "{masked}");
        assert!(masked.contains("job=12 kind=sms"), "{masked}");

        let json = r#"{"level":"INFO","message":"verified 31010619950909057X via 13800000005","id_number":"310104199103150226","token":"abc.def","application":7}"#;
        let masked = r(json);
        for secret in [
            "31010619950909057X",
            "13800000005",
            "310104199103150226",
            "abc.def",
        ] {
            assert!(!masked.contains(secret), "{secret} in {masked}");
        }
        assert!(masked.contains(r#""application":7"#), "{masked}");
        serde_json::from_str::<serde_json::Value>(&masked).expect("still JSON");

        let sql = r#"{"db.statement":"SELECT 1 FROM otp_codes WHERE phone = $1","msg":"name=\"陈静怡\" ok"}"#;
        let masked = r(sql);
        assert!(!masked.contains("陈静怡"), "{masked}");
        serde_json::from_str::<serde_json::Value>(&masked)
            .unwrap_or_else(|e| panic!("still JSON ({e}): {masked}"));
    }

    #[test]
    fn ordinary_numbers_and_words_are_left_alone() {
        let line = r#"{"timestamp":"2026-11-25T19:33:02.123456Z","job":123456789012,"filename":"a.png","message":"job failed for good"}"#;
        assert_eq!(r(line), line);
    }
}
