//! Face detection with rustface (SeetaFace FuSt cascade), tuned for passport photos.
//!
//! The model file that the `rustface` package ships is embedded at build time (`build.rs`
//! finds it and sets `RUSTFACE_MODEL`), so the binary needs no file at run time.
//!
//! Tuning for the passport case, where the face is large: rustface 0.1.7 always starts its
//! image pyramid at full resolution with a 40-pixel window (its `min_face_size` setting is not
//! used for the pyramid), so the cost is set by the size of the image handed to it. The grey
//! image is therefore downscaled so that the smallest face we care about
//! (`face_min_frac` of the image width) is about one window wide: a 354×472 photo and a 12-MP
//! phone photo cost the same. The pyramid factor (0.8) and window step (4) trade a few per cent
//! of box precision for speed; the box is refined by nothing else.

use std::sync::OnceLock;

use image::GrayImage;
use image::imageops::FilterType;
use rustface::{ImageData, Model};

use super::PhotoSettings;

static MODEL_BYTES: &[u8] = include_bytes!(env!("RUSTFACE_MODEL"));

fn model() -> Option<Model> {
    static MODEL: OnceLock<Option<Model>> = OnceLock::new();
    MODEL
        .get_or_init(|| rustface::read_model(MODEL_BYTES).ok())
        .clone()
}

/// The detector's window, in pixels (fixed in rustface 0.1.7).
const WINDOW: f64 = 40.0;

/// A detected face box in the coordinates of the image passed to [`detect`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FaceBox {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    pub score: f64,
}

impl FaceBox {
    pub fn cx(&self) -> f64 {
        self.x + self.w / 2.0
    }
}

/// Every face in `grey`, largest first.
pub fn detect(grey: &GrayImage, settings: &PhotoSettings) -> Vec<FaceBox> {
    let (w, h) = grey.dimensions();
    if w.min(h) < 48 {
        return Vec::new();
    }
    let Some(model) = model() else {
        return Vec::new();
    };
    let frac = settings.face_min_frac.clamp(0.02, 1.0);
    let target_w = (WINDOW / frac).max(48.0);
    let scale = (target_w / f64::from(w)).min(1.0);
    let (dw, dh) = (
        ((f64::from(w) * scale).round() as u32).max(1),
        ((f64::from(h) * scale).round() as u32).max(1),
    );
    if dw.min(dh) < 48 {
        return Vec::new();
    }
    let small;
    let img = if scale < 1.0 {
        small = image::imageops::resize(grey, dw, dh, FilterType::Triangle);
        &small
    } else {
        grey
    };
    let mut detector = rustface::create_detector_with_model(model);
    detector.set_min_face_size(20);
    detector.set_score_thresh(settings.face_score.max(0.01));
    detector.set_pyramid_scale_factor(settings.face_pyramid_scale.clamp(0.1, 0.95) as f32);
    let step = settings.face_window_step.clamp(1, 16);
    detector.set_slide_window_step(step, step);
    let data = ImageData::new(img.as_raw(), img.width(), img.height());
    let mut faces: Vec<FaceBox> = detector
        .detect(&data)
        .into_iter()
        .map(|f| {
            let b = f.bbox();
            FaceBox {
                x: f64::from(b.x()) / scale,
                y: f64::from(b.y()) / scale,
                w: f64::from(b.width()) / scale,
                h: f64::from(b.height()) / scale,
                score: f.score(),
            }
        })
        .collect();
    faces.sort_by(|a, b| (b.w * b.h).total_cmp(&(a.w * a.h)));
    faces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_model_parses() {
        assert!(model().is_some());
    }

    #[test]
    fn tiny_and_blank_images_have_no_face() {
        let s = PhotoSettings::default();
        assert!(detect(&GrayImage::new(10, 10), &s).is_empty());
        assert!(detect(&GrayImage::from_pixel(300, 400, image::Luma([255])), &s).is_empty());
    }
}
