//! Compiles the built-in working-day calendar years into the crate.
//!
//! Every `calendar/*.toml` file becomes one entry of `BUILTIN_YEARS` (file name, contents) in
//! `$OUT_DIR/calendar_years.rs`, which `src/calendar.rs` includes. Adding a year is therefore a
//! data change: drop `calendar/2027.toml` next to the others and rebuild. The contents are
//! validated by the calendar's loader (and its tests), not here.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::{env, fs};

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    // A directory: cargo rescans it, so adding, removing or editing a year reruns this script.
    println!("cargo::rerun-if-changed=calendar");

    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let dir = manifest.join("calendar");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();

    let mut code = String::from(
        "/// The built-in calendar years: `(file name, TOML text)` for every `calendar/*.toml`.\n\
         pub(crate) const BUILTIN_YEARS: &[(&str, &str)] = &[\n",
    );
    for path in &files {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_else(|| panic!("calendar file name is not UTF-8: {}", path.display()));
        let full = path
            .to_str()
            .unwrap_or_else(|| panic!("calendar path is not UTF-8: {}", path.display()));
        writeln!(code, "    ({name:?}, include_str!({full:?})),").expect("writing to a String");
    }
    code.push_str("];\n");

    let out =
        PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo")).join("calendar_years.rs");
    fs::write(&out, code).unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}
