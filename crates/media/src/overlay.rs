//! Drawing helpers for the visual feedback images: rectangles, lines, translucent filled
//! boxes on an [`RgbImage`], and PNG encoding. Everything clips to the image, so callers can
//! pass boxes that stick out of it.

use image::{Rgb, RgbImage};

/// An axis-aligned box in pixels (may extend past the image; drawing clips).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rect {
    pub x: i64,
    pub y: i64,
    pub w: i64,
    pub h: i64,
}

impl Rect {
    pub fn new(x: i64, y: i64, w: i64, h: i64) -> Rect {
        Rect { x, y, w, h }
    }

    /// The part of the box inside a `width`×`height` image, as (x0, y0, x1, y1) with exclusive
    /// ends, or `None` when nothing is left.
    pub fn clip(&self, width: u32, height: u32) -> Option<(u32, u32, u32, u32)> {
        let x0 = self.x.max(0);
        let y0 = self.y.max(0);
        let x1 = (self.x + self.w).min(i64::from(width));
        let y1 = (self.y + self.h).min(i64::from(height));
        if x0 >= x1 || y0 >= y1 {
            return None;
        }
        Some((x0 as u32, y0 as u32, x1 as u32, y1 as u32))
    }

    /// Scales every coordinate by `f` (to draw boxes measured on a smaller working image).
    pub fn scaled(&self, f: f64) -> Rect {
        let s = |v: i64| (v as f64 * f).round() as i64;
        Rect::new(s(self.x), s(self.y), s(self.w), s(self.h))
    }
}

/// Some colours that stay visible on photos.
pub mod colours {
    use image::Rgb;
    pub const GREEN: Rgb<u8> = Rgb([0, 200, 70]);
    pub const RED: Rgb<u8> = Rgb([230, 30, 30]);
    pub const BLUE: Rgb<u8> = Rgb([30, 110, 255]);
    pub const YELLOW: Rgb<u8> = Rgb([255, 200, 0]);
    pub const MAGENTA: Rgb<u8> = Rgb([220, 0, 220]);
}

/// Fills `r` with `colour` at opacity `alpha` (0 = invisible, 1 = opaque).
pub fn fill_rect(img: &mut RgbImage, r: Rect, colour: Rgb<u8>, alpha: f32) {
    let Some((x0, y0, x1, y1)) = r.clip(img.width(), img.height()) else {
        return;
    };
    let a = alpha.clamp(0.0, 1.0);
    for y in y0..y1 {
        for x in x0..x1 {
            let p = img.get_pixel_mut(x, y);
            for c in 0..3 {
                p.0[c] = (f32::from(p.0[c]) * (1.0 - a) + f32::from(colour.0[c]) * a).round() as u8;
            }
        }
    }
}

/// The outline of `r`, `thickness` pixels wide, drawn inside the box.
pub fn draw_rect(img: &mut RgbImage, r: Rect, colour: Rgb<u8>, thickness: u32) {
    let t = i64::from(thickness.max(1)).min(r.w.max(1)).min(r.h.max(1));
    fill_rect(img, Rect::new(r.x, r.y, r.w, t), colour, 1.0);
    fill_rect(img, Rect::new(r.x, r.y + r.h - t, r.w, t), colour, 1.0);
    fill_rect(img, Rect::new(r.x, r.y, t, r.h), colour, 1.0);
    fill_rect(img, Rect::new(r.x + r.w - t, r.y, t, r.h), colour, 1.0);
}

/// A horizontal line at `y` from `x0` to `x1` (exclusive), centred on `y`.
pub fn hline(img: &mut RgbImage, y: i64, x0: i64, x1: i64, colour: Rgb<u8>, thickness: u32) {
    let t = i64::from(thickness.max(1));
    fill_rect(img, Rect::new(x0, y - t / 2, x1 - x0, t), colour, 1.0);
}

/// A vertical line at `x` from `y0` to `y1` (exclusive), centred on `x`.
pub fn vline(img: &mut RgbImage, x: i64, y0: i64, y1: i64, colour: Rgb<u8>, thickness: u32) {
    let t = i64::from(thickness.max(1));
    fill_rect(img, Rect::new(x - t / 2, y0, t, y1 - y0), colour, 1.0);
}

/// A straight line of any slope between two points (Bresenham, square pen).
pub fn line(img: &mut RgbImage, from: (i64, i64), to: (i64, i64), colour: Rgb<u8>, thickness: u32) {
    let t = i64::from(thickness.max(1));
    let (mut x, mut y) = from;
    let dx = (to.0 - x).abs();
    let dy = -(to.1 - y).abs();
    let sx = if x < to.0 { 1 } else { -1 };
    let sy = if y < to.1 { 1 } else { -1 };
    let mut err = dx + dy;
    // Bounded by the longer side, so a huge line cannot loop for long outside the image.
    for _ in 0..=(dx.max(-dy) + 1) {
        fill_rect(img, Rect::new(x - t / 2, y - t / 2, t, t), colour, 1.0);
        if x == to.0 && y == to.1 {
            break;
        }
        let e2 = 2 * err;
        if e2 >= dy {
            err += dy;
            x += sx;
        }
        if e2 <= dx {
            err += dx;
            y += sy;
        }
    }
}

/// Encodes as PNG. Encoding an in-memory RGB buffer cannot fail except on allocation, in which
/// case the result is empty.
pub fn encode_png(img: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    let encoder = image::codecs::png::PngEncoder::new_with_quality(
        &mut out,
        image::codecs::png::CompressionType::Fast,
        image::codecs::png::FilterType::Sub,
    );
    use image::ImageEncoder;
    if encoder
        .write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::Rgb8,
        )
        .is_err()
    {
        return Vec::new();
    }
    out
}

/// Encodes as baseline JPEG at `quality` (1–100).
pub fn encode_jpeg(img: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    let encoder =
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality.clamp(1, 100));
    use image::ImageEncoder;
    if encoder
        .write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::Rgb8,
        )
        .is_err()
    {
        return Vec::new();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drawing_clips_and_blends() {
        let mut img = RgbImage::from_pixel(10, 10, Rgb([0, 0, 0]));
        draw_rect(&mut img, Rect::new(-5, -5, 100, 100), colours::RED, 2);
        fill_rect(&mut img, Rect::new(4, 4, 2, 2), Rgb([200, 200, 200]), 0.5);
        line(&mut img, (-50, -50), (50, 50), colours::GREEN, 1);
        hline(&mut img, 8, 0, 10, colours::BLUE, 1);
        vline(&mut img, 8, 0, 10, colours::BLUE, 1);
        assert_eq!(img.get_pixel(3, 3).0, colours::GREEN.0, "the diagonal");
        assert_eq!(img.get_pixel(0, 8).0, colours::BLUE.0);
        assert_eq!(
            img.get_pixel(0, 0).0,
            colours::GREEN.0,
            "the outline lies outside"
        );
        assert_eq!(img.get_pixel(5, 4).0, [100, 100, 100]);
        assert_eq!(img.get_pixel(3, 2).0, [0, 0, 0]);
        let png = encode_png(&img);
        let back = image::load_from_memory(&png).unwrap().into_rgb8();
        assert_eq!(back, img);
        assert!(!encode_jpeg(&img, 90).is_empty());
        assert!(Rect::new(20, 20, 5, 5).clip(10, 10).is_none());
    }
}
