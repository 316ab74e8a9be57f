//! Upload checks for wangban: the ID photo, the handwritten signature and the two sides of the
//! resident ID card. Pure, CPU-bound functions from bytes to explained verdicts (and the
//! normalised images the production centre needs); no I/O and no async, so that they can be
//! benchmarked and fuzzed alone.
//!
//! Owned here: decoding limits, every photo / signature / ID-card check and its thresholds.
//! Not here: where files are stored (`wangban-store`) or when checks run (`wangban-server`).

pub mod decode;
pub mod idcard;
pub mod overlay;
pub mod photo;
pub mod report;
pub mod signature;
pub mod upload;

pub use decode::{DecodeError, Decoded, Limits, decode};
pub use photo::{PhotoSettings, check_photo};
pub use report::{Check, FileKind, Measure, Report, Verdict};
pub use upload::{MediaSettings, check_upload};
