//! Checks of the photos of the front and the back of the resident ID card.
//!
//! The card is ID-1 (85.6 × 54 mm, aspect 1.585). The front of the second-generation card has
//! the holder's portrait on the right (about x 62–93 %, y 12–76 % of the card); the back has
//! the national emblem at the top left and no portrait.
//!
//! # What is measured
//!
//! The image is reduced to at most [`IdCardSettings::max_side_px`]. The card is the largest
//! 8-connected component of the pixels brighter than Otsu's threshold (the card is pale: the
//! applicant is asked to lay it on a darker surface). Its holes (portrait, text) are filled row
//! by row. Its orientation is the principal axis of the filled area (second moments) and its
//! sides are the extreme projections on that axis and the one across, so a card lying a few
//! degrees askew is measured as the rectangle it is. The card is resampled along its axes
//! (inset 3 %, long side along x) to 428 × 270 px (5 px/mm) so that every measure below has a
//! fixed scale.
//!
//! | code | measure | fails when |
//! |---|---|---|
//! | `card-found` | card area ÷ image, fill of the oriented rectangle (rounded rectangle ≈ 0.98), aspect long ÷ short side, touching the border | no card; fill < `min_fill`; aspect off 1.585 by more than `aspect_tolerance`; card cut by the image edge |
//! | `card-sharp` | variance of the 4-neighbour Laplacian of the resampled card | < `min_laplacian_var` |
//! | `card-glare` | largest 8-connected blob of clipped pixels (min(R,G,B) ≥ `glare_level`) ÷ card area | > `max_glare_share` |
//! | `card-portrait` | largest 8-connected blob of pixels that differ from the card's own colour (sum of \|ΔRGB\| > 45, clipped white excluded) inside the portrait window (right) and its mirror (left), ÷ window area | front: neither ≥ `min_portrait_blob`; back: either ≥ it |
//! | `card-rotation` | angle of the long side; side of the portrait (front) | long side more than 45° from horizontal (turned 90°); front with the portrait on the left (turned 180°) |
//!
//! # What is not measured
//!
//! The portrait measure finds "a large contiguous area unlike the card's pale background where
//! the photo belongs", not a face: a sticker there would pass. Which way up the back is cannot
//! be told (the emblem is not recognised): that is an `officer` item. Perspective is only
//! caught when it changes the box's aspect or fill. A card on a white table is not found (the
//! advice says to use a dark surface). The text is not read.
//!
//! # Evaluation
//!
//! `tests/it/signature.rs` runs the checks over `fixtures/idcard` (15 synthetic cards made by
//! `fixtures/make_signature_fixtures.py`: 6 compliant fronts and backs, two of them lying 3–4°
//! askew; glare; blurred front and back; front turned 90° and 180°; back turned 90°; a square
//! "card"; back given as front and front as back). Every check is scored on every fixture.
//! Allowed: no false rejection of a compliant card and no false acceptance (today: none).
//! Values on the fixtures: fill ≥ 0.99 and aspect 1.581–1.583 for cards, 1.07 for the square;
//! Laplacian variance ≥ 648 sharp, < 2 blurred; glare blob 0.083 with glare, 0 without;
//! portrait blob 0.615 on fronts, ≤ 0.08 on backs. The fixtures are synthetic, so each limit
//! sits far from both groups; real phone photos (noise, perspective, holograms) will need the
//! limits revisited on real samples before production.

use image::{Rgb, RgbImage};
use serde::Deserialize;
use wangban_core::i18n::Message;

use crate::report::{Check, FileKind, Measure, Report, Verdict};
use crate::signature::{label, luma_of, otsu, png, reduce};

/// Which side of the card.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Front,
    Back,
}

/// Limits of the ID-card checks. All are configuration.
#[derive(Clone, Debug, Deserialize, serde::Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct IdCardSettings {
    /// Working resolution (longer side, px). A card filling a 1200-px picture is ≥ 600 px wide,
    /// more than the 428 px the measures use.
    pub max_side_px: u32,
    /// The card must cover at least this share of the picture (else it is too small to read).
    pub min_card_share: f64,
    /// Box fill of the found component (holes filled). A rounded ID-1 rectangle fills ≈ 0.98;
    /// a card seen in strong perspective or a blob of another shape fills less.
    pub min_fill: f64,
    /// Accepted |aspect − 1.585|. 0.12 (±8 %) allows a phone held a few degrees off-axis.
    pub aspect_tolerance: f64,
    /// Variance of the Laplacian on the 428 × 270 card below this: blurred. Sharp fixtures
    /// measure ≥ 680, fixtures blurred by σ = 3.5 px measure < 3. Real card photos are noisier
    /// than the synthetic ones, hence a limit far below the sharp fixtures.
    pub min_laplacian_var: f64,
    /// A pixel is clipped (glare) when all of R, G, B are at least this.
    pub glare_level: u8,
    /// Largest clipped blob ÷ card area above this: glare. Printed card areas are never
    /// clipped in a correctly exposed photo; 0.5 % is about one character of the ID number.
    pub max_glare_share: f64,
    /// Largest non-background blob in the portrait window ÷ window area: at least this means
    /// a portrait. Fixture portraits measure ≈ 0.5, text lines ≈ 0.05.
    pub min_portrait_blob: f64,
}

impl Default for IdCardSettings {
    fn default() -> Self {
        IdCardSettings {
            max_side_px: 1200,
            min_card_share: 0.15,
            min_fill: 0.9,
            aspect_tolerance: 0.12,
            min_laplacian_var: 100.0,
            glare_level: 250,
            max_glare_share: 0.005,
            min_portrait_blob: 0.25,
        }
    }
}

const ID1_ASPECT: f64 = 85.6 / 54.0;
const NW: u32 = 428;
const NH: u32 = 270;

fn m(name: &'static str, value: f64, unit: &'static str) -> Measure {
    let value = if value.is_finite() {
        (value * 1000.0).round() / 1000.0
    } else {
        0.0
    };
    Measure { name, value, unit }
}

fn check(
    code: &'static str,
    ok: bool,
    measured: Vec<Measure>,
    threshold: String,
    key: &'static str,
) -> Check {
    Check {
        code,
        verdict: if ok { Verdict::Pass } else { Verdict::Fail },
        measured,
        threshold,
        message: Message::new(key),
    }
}

/// Runs every ID-card check on an already decoded image of one side.
pub fn check_id_card_image(img: &RgbImage, side: Side, settings: &IdCardSettings) -> Report {
    let kind = match side {
        Side::Front => FileKind::IdFront,
        Side::Back => FileKind::IdBack,
    };
    let (work, _) = reduce(img, settings.max_side_px.max(64));
    let (w, h) = work.dimensions();
    let n = w as usize * h as usize;
    let luma: Vec<u8> = work.pixels().map(luma_of).collect();
    let t = otsu(&luma);
    let mask: Vec<bool> = luma.iter().map(|&l| l > t).collect();
    let (labels, count) = label(&mask, w, h);
    let mut areas = vec![0usize; count as usize + 1];
    for &l in &labels {
        areas[l as usize] += 1;
    }
    let best = (1..=count as usize).max_by_key(|&l| areas[l]);
    // row spans of the largest bright component
    let (mut x0, mut y0, mut x1, mut y1, mut filled) = (u32::MAX, u32::MAX, 0u32, 0u32, 0usize);
    let mut spans: Vec<(u32, u32, u32)> = Vec::new();
    if let Some(lab) = best {
        for y in 0..h {
            let row = &labels[(y * w) as usize..((y + 1) * w) as usize];
            let first = row.iter().position(|&l| l as usize == lab);
            let last = row.iter().rposition(|&l| l as usize == lab);
            if let (Some(a), Some(b)) = (first, last) {
                filled += b - a + 1;
                spans.push((y, a as u32, b as u32));
                x0 = x0.min(a as u32);
                x1 = x1.max(b as u32);
                y0 = y0.min(y);
                y1 = y1.max(y);
            }
        }
    }
    let share = if n == 0 {
        0.0
    } else {
        filled as f64 / n as f64
    };
    if x0 > x1 || share < settings.min_card_share || n == 0 {
        let c = check(
            "card-found",
            false,
            vec![m("card_share", share, "ratio")],
            format!(
                "card ≥ {:.0} % of the picture",
                settings.min_card_share * 100.0
            ),
            "media-card-not-found",
        );
        return Report::new(kind, vec![c]);
    }
    let (bw, bh) = (x1 - x0 + 1, y1 - y0 + 1);
    let rect = oriented_rect(&spans);
    let fill = filled as f64 / (rect.long * rect.short);
    let aspect = rect.long / rect.short;
    let cut = x0 == 0 || y0 == 0 || x1 + 1 >= w || y1 + 1 >= h;
    let shape_ok =
        fill >= settings.min_fill && (aspect - ID1_ASPECT).abs() <= settings.aspect_tolerance;
    let found_key = if !shape_ok {
        "media-card-wrong-shape"
    } else if cut {
        "media-card-cut"
    } else {
        "media-card-found-ok"
    };
    let mut found = check(
        "card-found",
        shape_ok && !cut,
        vec![
            m("card_share", share, "ratio"),
            m("fill", fill, "ratio"),
            m("aspect", aspect, "ratio"),
            m("angle", rect.angle_deg, "°"),
        ],
        format!(
            "card ≥ {:.0} % of the picture, fill ≥ {:.2}, aspect {:.3} ± {:.2}, not cut",
            settings.min_card_share * 100.0,
            settings.min_fill,
            ID1_ASPECT,
            settings.aspect_tolerance
        ),
        found_key,
    );
    found.message = found.message.with("aspect", format!("{aspect:.2}"));
    if !shape_ok {
        return Report::new(kind, vec![found]);
    }
    let mut checks = vec![found];

    // ---- the card, landscape, at 5 px/mm
    let upright = rect.angle_deg.abs() > 45.0;
    let card = rect.sample(&work, NW, NH, 0.03);
    let cl: Vec<u8> = card.pixels().map(luma_of).collect();

    // sharpness
    let mut lap = Vec::with_capacity((NW as usize - 2) * (NH as usize - 2));
    for y in 1..NH - 1 {
        for x in 1..NW - 1 {
            let at = |x: u32, y: u32| cl[(y * NW + x) as usize] as f64;
            lap.push(at(x - 1, y) + at(x + 1, y) + at(x, y - 1) + at(x, y + 1) - 4.0 * at(x, y));
        }
    }
    let mean = lap.iter().sum::<f64>() / lap.len() as f64;
    let var = lap.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / lap.len() as f64;
    let sharp = var >= settings.min_laplacian_var;
    checks.push(check(
        "card-sharp",
        sharp,
        vec![m("laplacian_var", var, "luma²")],
        format!("variance of Laplacian ≥ {:.0}", settings.min_laplacian_var),
        if sharp {
            "media-card-sharp-ok"
        } else {
            "media-card-blurred"
        },
    ));

    // glare
    let clipped: Vec<bool> = card
        .pixels()
        .map(|p| p[0].min(p[1]).min(p[2]) >= settings.glare_level)
        .collect();
    let (gl, gn) = label(&clipped, NW, NH);
    let mut gareas = vec![0usize; gn as usize + 1];
    for &l in &gl {
        gareas[l as usize] += 1;
    }
    let glare = gareas.iter().skip(1).copied().max().unwrap_or(0) as f64 / (NW * NH) as f64;
    let glare_ok = glare <= settings.max_glare_share;
    let mut gc = check(
        "card-glare",
        glare_ok,
        vec![m("glare_blob", glare, "ratio")],
        format!(
            "largest clipped blob ≤ {:.1} % of the card",
            settings.max_glare_share * 100.0
        ),
        if glare_ok {
            "media-card-glare-ok"
        } else {
            "media-card-glare"
        },
    );
    gc.message = gc.message.with("percent", (glare * 1000.0).round() as i64);
    checks.push(gc);

    // portrait windows: right (where it belongs) and its mirror on the left (card turned 180°)
    let bg = card_colour(&card);
    let right = blob_share(&card, bg, (0.60, 0.95), (0.10, 0.80));
    let left = blob_share(&card, bg, (0.05, 0.40), (0.20, 0.90));
    let p_right = right >= settings.min_portrait_blob;
    let p_left = left >= settings.min_portrait_blob;
    let measured = vec![
        m("portrait_blob_right", right, "ratio"),
        m("portrait_blob_left", left, "ratio"),
    ];
    let thr = format!(
        "portrait blob ≥ {:.2} of the window",
        settings.min_portrait_blob
    );
    let (portrait_ok, key) = match side {
        Side::Front if p_right || p_left => (true, "media-card-portrait-ok"),
        Side::Front => (false, "media-card-portrait-missing"),
        Side::Back if p_right || p_left => (false, "media-card-back-has-portrait"),
        Side::Back => (true, "media-card-back-ok"),
    };
    checks.push(check(
        "card-portrait",
        portrait_ok,
        measured.clone(),
        thr,
        key,
    ));

    // rotation
    let mut rot_measured = vec![m("long_axis_angle", rect.angle_deg, "°")];
    rot_measured.extend(measured);
    let rotation = if upright {
        check(
            "card-rotation",
            false,
            rot_measured,
            "card landscape".into(),
            "media-card-rotation-sideways",
        )
    } else {
        match side {
            Side::Front if p_left && !p_right => check(
                "card-rotation",
                false,
                rot_measured,
                "landscape, portrait on the right".into(),
                "media-card-rotation-upside-down",
            ),
            Side::Front => check(
                "card-rotation",
                true,
                rot_measured,
                "landscape, portrait on the right".into(),
                "media-card-rotation-ok",
            ),
            Side::Back => Check {
                code: "card-rotation",
                verdict: Verdict::Officer,
                measured: rot_measured,
                threshold: "landscape; upside-down back not detected".into(),
                message: Message::new("media-card-rotation-unknown"),
            },
        }
    };
    checks.push(rotation);

    let mut report = Report::new(kind, checks);
    let mut ov = work.clone();
    let t = (w.max(h) / 300).max(1);
    let corners = rect.corners();
    for i in 0..4 {
        draw_line(
            &mut ov,
            corners[i],
            corners[(i + 1) % 4],
            Rgb([0, 200, 0]),
            t,
        );
    }
    let _ = (bw, bh);
    // the portrait window, where the front's portrait belongs
    let win = rect.window((0.60, 0.95), (0.10, 0.80), 0.03);
    for i in 0..4 {
        draw_line(&mut ov, win[i], win[(i + 1) % 4], Rgb([0, 120, 255]), t);
    }
    report.overlay = png(ov.as_raw(), w, h, image::ExtendedColorType::Rgb8);
    report
}

/// The card as an oriented rectangle: centre, long-axis direction and side lengths, from the
/// second moments of its filled area and the extreme projections of its row spans.
struct OrientedRect {
    centre: (f64, f64),
    /// Unit vector along the long side.
    e1: (f64, f64),
    /// Unit vector along the short side (e1 turned +90° in image coordinates).
    e2: (f64, f64),
    long: f64,
    short: f64,
    /// Angle of the long side from the image's x axis, in (−90°, 90°].
    angle_deg: f64,
}

fn oriented_rect(spans: &[(u32, u32, u32)]) -> OrientedRect {
    let (mut n, mut sx, mut sy) = (0.0f64, 0.0f64, 0.0f64);
    for &(y, a, b) in spans {
        let k = (b - a + 1) as f64;
        n += k;
        sx += k * (a as f64 + b as f64) / 2.0;
        sy += k * y as f64;
    }
    let n = n.max(1.0);
    let (mx, my) = (sx / n, sy / n);
    let (mut sxx, mut syy, mut sxy) = (0.0f64, 0.0f64, 0.0f64);
    for &(y, a, b) in spans {
        let dy = y as f64 - my;
        for x in a..=b {
            let dx = x as f64 - mx;
            sxx += dx * dx;
            syy += dy * dy;
            sxy += dx * dy;
        }
    }
    let theta = 0.5 * (2.0 * sxy).atan2(sxx - syy);
    let (sn, cs) = theta.sin_cos();
    let (e1, e2) = ((cs, sn), (-sn, cs));
    let (mut umin, mut umax, mut vmin, mut vmax) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(y, a, b) in spans {
        for x in [a, b] {
            let (dx, dy) = (x as f64 - mx, y as f64 - my);
            let (u, v) = (dx * e1.0 + dy * e1.1, dx * e2.0 + dy * e2.1);
            umin = umin.min(u);
            umax = umax.max(u);
            vmin = vmin.min(v);
            vmax = vmax.max(v);
        }
    }
    if spans.is_empty() {
        (umin, umax, vmin, vmax) = (0.0, 0.0, 0.0, 0.0);
    }
    let (uc, vc) = ((umin + umax) / 2.0, (vmin + vmax) / 2.0);
    OrientedRect {
        centre: (mx + uc * e1.0 + vc * e2.0, my + uc * e1.1 + vc * e2.1),
        e1,
        e2,
        long: (umax - umin + 1.0).max(1.0),
        short: (vmax - vmin + 1.0).max(1.0),
        angle_deg: theta.to_degrees(),
    }
}

impl OrientedRect {
    /// The rectangle resampled (bilinear) to `nw` × `nh`, long side along x, `inset` of each
    /// side left out.
    fn sample(&self, img: &RgbImage, nw: u32, nh: u32, inset: f64) -> RgbImage {
        let (w, h) = img.dimensions();
        RgbImage::from_fn(nw, nh, |i, j| {
            let u = self.long * ((0.5 - inset) * (2.0 * (i as f64 + 0.5) / nw as f64 - 1.0));
            let v = self.short * ((0.5 - inset) * (2.0 * (j as f64 + 0.5) / nh as f64 - 1.0));
            let x = self.centre.0 + u * self.e1.0 + v * self.e2.0;
            let y = self.centre.1 + u * self.e1.1 + v * self.e2.1;
            bilinear(img, w, h, x, y)
        })
    }

    /// Corners of a window given in fractions of the sampled card.
    fn window(&self, fx: (f64, f64), fy: (f64, f64), inset: f64) -> [(f64, f64); 4] {
        let to = |f: f64, len: f64| len * (0.5 - inset) * (2.0 * f - 1.0);
        [(fx.0, fy.0), (fx.1, fy.0), (fx.1, fy.1), (fx.0, fy.1)].map(|(a, b)| {
            let (u, v) = (to(a, self.long), to(b, self.short));
            (
                self.centre.0 + u * self.e1.0 + v * self.e2.0,
                self.centre.1 + u * self.e1.1 + v * self.e2.1,
            )
        })
    }

    fn corners(&self) -> [(f64, f64); 4] {
        let (hl, hs) = (self.long / 2.0, self.short / 2.0);
        [(-hl, -hs), (hl, -hs), (hl, hs), (-hl, hs)].map(|(u, v)| {
            (
                self.centre.0 + u * self.e1.0 + v * self.e2.0,
                self.centre.1 + u * self.e1.1 + v * self.e2.1,
            )
        })
    }
}

fn bilinear(img: &RgbImage, w: u32, h: u32, x: f64, y: f64) -> Rgb<u8> {
    if w == 0 || h == 0 {
        return Rgb([0, 0, 0]);
    }
    let x = x.clamp(0.0, (w - 1) as f64);
    let y = y.clamp(0.0, (h - 1) as f64);
    let (x0, y0) = (x.floor() as u32, y.floor() as u32);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    let (fx, fy) = (x - x0 as f64, y - y0 as f64);
    let p = |xx, yy| img.get_pixel(xx, yy).0.map(f64::from);
    let (a, b, c, d) = (p(x0, y0), p(x1, y0), p(x0, y1), p(x1, y1));
    Rgb([0, 1, 2].map(|k| {
        let top = a[k] * (1.0 - fx) + b[k] * fx;
        let bottom = c[k] * (1.0 - fx) + d[k] * fx;
        (top * (1.0 - fy) + bottom * fy).round().clamp(0.0, 255.0) as u8
    }))
}

/// A straight line `t` pixels thick (clipped).
fn draw_line(img: &mut RgbImage, a: (f64, f64), b: (f64, f64), colour: Rgb<u8>, t: u32) {
    let (w, h) = img.dimensions();
    let steps = (b.0 - a.0)
        .abs()
        .max((b.1 - a.1).abs())
        .ceil()
        .clamp(1.0, 20_000.0) as u32;
    for s in 0..=steps {
        let f = s as f64 / steps as f64;
        let (x, y) = (a.0 + (b.0 - a.0) * f, a.1 + (b.1 - a.1) * f);
        for dy in 0..t {
            for dx in 0..t {
                let (px, py) = (x.round() as i64 + dx as i64, y.round() as i64 + dy as i64);
                if px >= 0 && py >= 0 && (px as u32) < w && (py as u32) < h {
                    img.put_pixel(px as u32, py as u32, colour);
                }
            }
        }
    }
}

/// The card's own colour: per-channel medians over the card.
fn card_colour(card: &RgbImage) -> [i32; 3] {
    let mut hist = [[0u32; 256]; 3];
    for p in card.pixels() {
        for c in 0..3 {
            hist[c][p[c] as usize] += 1;
        }
    }
    hist.map(|h| crate::signature::percentile(&h, 0.5) as i32)
}

/// Largest 8-connected blob of non-background pixels in a window, ÷ window area.
fn blob_share(card: &RgbImage, bg: [i32; 3], fx: (f64, f64), fy: (f64, f64)) -> f64 {
    let (w, h) = card.dimensions();
    let (x0, x1) = ((fx.0 * w as f64) as u32, (fx.1 * w as f64) as u32);
    let (y0, y1) = ((fy.0 * h as f64) as u32, (fy.1 * h as f64) as u32);
    let (ww, wh) = (x1 - x0, y1 - y0);
    if ww == 0 || wh == 0 {
        return 0.0;
    }
    let mut mask = Vec::with_capacity((ww * wh) as usize);
    for y in y0..y1 {
        for x in x0..x1 {
            let p = card.get_pixel(x, y);
            let d: i32 = (0..3).map(|c| (p[c] as i32 - bg[c]).abs()).sum();
            // clipped white (glare, a white photo background) is not part of a portrait
            let clipped = p[0].min(p[1]).min(p[2]) >= 245;
            mask.push(d > 45 && !clipped);
        }
    }
    let (labels, n) = label(&mask, ww, wh);
    let mut areas = vec![0usize; n as usize + 1];
    for &l in &labels {
        areas[l as usize] += 1;
    }
    areas.iter().skip(1).copied().max().unwrap_or(0) as f64 / (ww * wh) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_panics_on_degenerate_images() {
        let s = IdCardSettings::default();
        for side in [Side::Front, Side::Back] {
            for (w, h, v) in [
                (1, 1, 0u8),
                (1, 1, 255),
                (0, 0, 0),
                (300, 200, 255),
                (300, 200, 0),
                (5000, 3, 200),
                (3, 5000, 9),
            ] {
                let img = RgbImage::from_pixel(w, h, Rgb([v, v, v]));
                let r = check_id_card_image(&img, side, &s);
                assert_eq!(r.overall, Verdict::Fail, "{w}×{h} of {v}");
            }
            // a white card-shaped rectangle filling the picture exactly (cut on every side)
            let img = RgbImage::from_fn(317, 200, |x, _| {
                if x < 2 {
                    Rgb([0, 0, 0])
                } else {
                    Rgb([255, 255, 255])
                }
            });
            let _ = check_id_card_image(&img, side, &s);
        }
    }
}
