//! Smoke fuzz on stable Rust, in every `cargo test`: seeded pseudo-random mutations of the fuzz
//! targets' seed inputs (`fuzz/seeds/`) through the same checks as the cargo-fuzz targets
//! (`fuzz/checks.rs`): the request bodies through the handlers' extractors and the answer
//! checks, and the configuration loader. No input may panic, and the invariants hold.

#[path = "../../fuzz/checks.rs"]
mod checks;
#[path = "../../../core/fuzz/smoke.rs"]
mod smoke;

/// Snippets that matter to these parsers: JSON and urlencoded punctuation, percent escapes
/// (valid and not), TOML punctuation, extreme numbers, Han, full-width and invisible text.
const SNIPPETS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    "\"",
    "null",
    "true",
    "-1",
    "1e999",
    "18446744073709551616",
    "&",
    "=",
    "%",
    "%E5%BC%A0",
    "%FF",
    "%2",
    "+",
    "%00",
    "\\u0000",
    "\\ud800",
    "张",
    "８",
    "\u{3000}",
    "\u{202E}",
    "\u{0301}",
    "\u{FEFF}",
    " ",
    "\n",
    "\t",
    "[fees]",
    "[[x]]",
    "WANGBAN_",
    "__",
    "WANGBAN_FEES__PASSPORT=",
    "WANGBAN_LISTEN=",
    "nan",
    "inf",
    "'''",
    "\"method\":\"mail\"",
    "method=mail&",
    "method=pickup&",
    "\"delivery\":",
];

#[test]
fn smoke_fuzz_form_bodies() {
    smoke::smoke("form_bodies", &[], 1500, SNIPPETS, checks::form_bodies);
}

#[test]
fn smoke_fuzz_config() {
    smoke::smoke(
        "config",
        &["../../deploy/wangban.toml"],
        250,
        SNIPPETS,
        checks::config,
    );
}
