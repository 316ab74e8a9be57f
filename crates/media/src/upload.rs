//! One entry point for the service: check an uploaded file of a given kind.
//!
//! Decoding (with its limits) is shared; then the photo, signature or ID-card checks run on the
//! decoded image. A file that cannot be decoded is an error with its own explanation; anything
//! decodable gives a full report.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::decode::{self, DecodeError, Limits};
use crate::idcard::{self, IdCardSettings, Side};
use crate::photo::{self, PhotoSettings};
use crate::report::{FileKind, Report};
use crate::signature::{self, SignatureSettings};

/// Every setting of the upload checks (the `[media]` section of the configuration).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MediaSettings {
    /// Limits on every upload, checked before pixels are decoded.
    pub limits: Limits,
    pub photo: PhotoSettings,
    pub signature: SignatureSettings,
    pub id_card: IdCardSettings,
}

/// Checks `bytes` as a file of `kind`.
pub fn check_upload(
    kind: FileKind,
    bytes: &[u8],
    settings: &MediaSettings,
    today: NaiveDate,
) -> Result<Report, DecodeError> {
    let decoded = decode::decode(bytes, &settings.limits)?;
    Ok(match kind {
        FileKind::Photo => photo::check_decoded(&decoded, &settings.photo, today),
        FileKind::Signature => signature::check_signature_image(&decoded.rgb, &settings.signature),
        FileKind::IdFront => {
            idcard::check_id_card_image(&decoded.rgb, Side::Front, &settings.id_card)
        }
        FileKind::IdBack => {
            idcard::check_id_card_image(&decoded.rgb, Side::Back, &settings.id_card)
        }
    })
}

impl DecodeError {
    /// Not an image format the service takes (as opposed to a broken or oversized image).
    pub fn is_unsupported_format(&self) -> bool {
        matches!(self, DecodeError::Heic | DecodeError::Unsupported)
    }
}
