//! Upload checks for wangban: the ID photo, the handwritten signature and the two sides of the
//! resident ID card. Pure, CPU-bound functions from bytes to explained verdicts (and the
//! normalised images the production centre needs); no I/O and no async, so that they can be
//! benchmarked and fuzzed alone.
//!
//! Owned here: decoding limits, every photo / signature / ID-card check and its thresholds.
//! Not here: where files are stored (`wangban-store`) or when checks run (`wangban-server`).

pub mod report;

pub use report::{Check, FileKind, Measure, Report, Verdict};
