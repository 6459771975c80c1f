//! MNIST for the examples and tests: IDX files (gzip) from `../shared/data/mnist`, and
//! deskewing (image moments and a shear), written here.
//!
//! The data directory is `$GLN_DATA_DIR/mnist` if `GLN_DATA_DIR` is set, else
//! `../shared/data/mnist` beside the repository.

#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};

/// Side of an MNIST image.
pub const SIDE: usize = 28;
/// Pixels per image.
pub const PIXELS: usize = SIDE * SIDE;

/// A set of images (pixels in `[0, 1]`, row-major) and their labels.
pub struct Set {
    pub images: Vec<[f32; PIXELS]>,
    pub labels: Vec<u8>,
}

/// The folder holding the shared data sets.
pub fn data_dir() -> PathBuf {
    match std::env::var_os("GLN_DATA_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join("shared")
            .join("data"),
    }
}

/// The MNIST folder, or `None` (with the reason) when its files are absent.
pub fn mnist_dir() -> Result<PathBuf, String> {
    let dir = data_dir().join("mnist");
    let probe = dir.join("train-images-idx3-ubyte.gz");
    if probe.is_file() {
        Ok(dir)
    } else {
        Err(format!(
            "MNIST not found at {} (set GLN_DATA_DIR)",
            probe.display()
        ))
    }
}

fn read_gz(path: &Path) -> Result<Vec<u8>, String> {
    let f = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(f)
        .read_to_end(&mut out)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(out)
}

fn be_u32(b: &[u8], at: usize) -> Result<usize, String> {
    let w = b.get(at..at + 4).ok_or("truncated IDX header")?;
    Ok(u32::from_be_bytes([w[0], w[1], w[2], w[3]]) as usize)
}

/// Loads `{prefix}-images-idx3-ubyte.gz` and `{prefix}-labels-idx1-ubyte.gz` (`train`/`t10k`).
pub fn load(dir: &Path, prefix: &str) -> Result<Set, String> {
    let img = read_gz(&dir.join(format!("{prefix}-images-idx3-ubyte.gz")))?;
    let lab = read_gz(&dir.join(format!("{prefix}-labels-idx1-ubyte.gz")))?;
    if be_u32(&img, 0)? != 0x803 || be_u32(&lab, 0)? != 0x801 {
        return Err(format!("{prefix}: bad IDX magic"));
    }
    let n = be_u32(&img, 4)?;
    if be_u32(&img, 8)? != SIDE || be_u32(&img, 12)? != SIDE || be_u32(&lab, 4)? != n {
        return Err(format!("{prefix}: unexpected IDX shape"));
    }
    let pixels = img.get(16..16 + n * PIXELS).ok_or("truncated images")?;
    let labels = lab.get(8..8 + n).ok_or("truncated labels")?.to_vec();
    let images = pixels
        .chunks_exact(PIXELS)
        .map(|c| core::array::from_fn(|i| c[i] as f32 / 255.0))
        .collect();
    Ok(Set { images, labels })
}

/// Deskews an image: shifts its centre of mass to the centre of the frame and removes the
/// shear that its second moments show, so a slanted digit stands upright.
///
/// With centre of mass `(r0, c0)`, variance `var_r` of the row coordinate and covariance
/// `cov_rc`, the slant is `a = cov_rc / var_r` (columns per row). Output pixel `(r, c)` is
/// read, by bilinear interpolation (zero outside the frame), from input position
/// `(r − m + r0, c − m + c0 + a (r − m))`, `m` being the centre of the frame.
pub fn deskew(img: &[f32; PIXELS]) -> [f32; PIXELS] {
    let (mut total, mut sr, mut sc) = (0.0f64, 0.0f64, 0.0f64);
    for r in 0..SIDE {
        for c in 0..SIDE {
            let v = img[r * SIDE + c] as f64;
            total += v;
            sr += r as f64 * v;
            sc += c as f64 * v;
        }
    }
    if total <= 0.0 {
        return *img;
    }
    let (r0, c0) = (sr / total, sc / total);
    let (mut var_r, mut cov) = (0.0f64, 0.0f64);
    for r in 0..SIDE {
        for c in 0..SIDE {
            let v = img[r * SIDE + c] as f64;
            var_r += (r as f64 - r0) * (r as f64 - r0) * v;
            cov += (r as f64 - r0) * (c as f64 - c0) * v;
        }
    }
    let a = if var_r > 0.0 { cov / var_r } else { 0.0 };
    let m = (SIDE as f64 - 1.0) / 2.0;
    let at = |r: i64, c: i64| -> f64 {
        if (0..SIDE as i64).contains(&r) && (0..SIDE as i64).contains(&c) {
            img[r as usize * SIDE + c as usize] as f64
        } else {
            0.0
        }
    };
    let mut out = [0.0f32; PIXELS];
    for r in 0..SIDE {
        for c in 0..SIDE {
            let (rf, cf) = (r as f64, c as f64);
            let ri = rf - m + r0;
            let ci = cf - m + c0 + a * (rf - m);
            let (r_lo, c_lo) = (ri.floor(), ci.floor());
            let (fr, fc) = (ri - r_lo, ci - c_lo);
            let (r_lo, c_lo) = (r_lo as i64, c_lo as i64);
            let v = at(r_lo, c_lo) * (1.0 - fr) * (1.0 - fc)
                + at(r_lo, c_lo + 1) * (1.0 - fr) * fc
                + at(r_lo + 1, c_lo) * fr * (1.0 - fc)
                + at(r_lo + 1, c_lo + 1) * fr * fc;
            out[r * SIDE + c] = v.clamp(0.0, 1.0) as f32;
        }
    }
    out
}

/// Deskews every image of a set, on all cores.
pub fn deskew_all(set: &mut Set) {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = set.images.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        for part in set.images.chunks_mut(chunk) {
            s.spawn(move || part.iter_mut().for_each(|img| *img = deskew(img)));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moments(img: &[f32; PIXELS]) -> (f64, f64, f64) {
        let (mut t, mut sr, mut sc) = (0.0, 0.0, 0.0);
        for r in 0..SIDE {
            for c in 0..SIDE {
                let v = img[r * SIDE + c] as f64;
                t += v;
                sr += r as f64 * v;
                sc += c as f64 * v;
            }
        }
        let (r0, c0) = (sr / t, sc / t);
        let (mut vr, mut cv) = (0.0, 0.0);
        for r in 0..SIDE {
            for c in 0..SIDE {
                let v = img[r * SIDE + c] as f64;
                vr += (r as f64 - r0).powi(2) * v;
                cv += (r as f64 - r0) * (c as f64 - c0) * v;
            }
        }
        (c0, r0, cv / vr)
    }

    #[test]
    fn a_slanted_bar_stands_up_and_is_centred() {
        let mut img = [0.0f32; PIXELS];
        for r in 4..24 {
            let c = 6 + (r - 4) / 2; // slant of 0.5 columns per row, off-centre
            img[r * SIDE + c] = 1.0;
            img[r * SIDE + c + 1] = 1.0;
        }
        let (_, _, slant) = moments(&img);
        assert!(slant > 0.4);
        let out = deskew(&img);
        let (c0, r0, slant) = moments(&out);
        assert!(slant.abs() < 0.05, "slant {slant}");
        assert!(
            (c0 - 13.5).abs() < 0.3 && (r0 - 13.5).abs() < 0.3,
            "{c0} {r0}"
        );
    }

    #[test]
    fn a_blank_image_is_unchanged() {
        let img = [0.0f32; PIXELS];
        assert_eq!(deskew(&img), img);
    }
}
