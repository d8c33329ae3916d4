//! Screenshots of a booted Vitrine (QMP `screendump`, PPM): conversion to PNG and a
//! check that the app is on screen as its host render at the same size shows it.
//!
//! `cargo xtask check-screenshot [-p APP] FILE.ppm [--png OUT.png] [--size WxH]`.

use crate::cli::AppPackage;
use crate::preview::{write_png, Frame};
use embedded_graphics::prelude::{Point, Size};
use embedded_graphics::primitives::Rectangle;
use std::path::PathBuf;

/// Decodes a binary PPM (P6, maxval 255), as QEMU's `screendump` writes it.
pub fn read_ppm(bytes: &[u8]) -> Result<Frame, String> {
    // Header: magic, width, height, maxval, separated by whitespace (and comments).
    let mut fields = Vec::new();
    let mut pos = 0;
    while fields.len() < 4 {
        while pos < bytes.len() && bytes[pos].is_ascii_whitespace() {
            pos += 1;
        }
        if pos < bytes.len() && bytes[pos] == b'#' {
            while pos < bytes.len() && bytes[pos] != b'\n' {
                pos += 1;
            }
            continue;
        }
        let start = pos;
        while pos < bytes.len() && !bytes[pos].is_ascii_whitespace() {
            pos += 1;
        }
        if start == pos {
            return Err("truncated PPM header".into());
        }
        fields.push(
            std::str::from_utf8(&bytes[start..pos])
                .map_err(|_| "bad PPM header")?
                .to_string(),
        );
    }
    pos += 1; // the single whitespace byte after maxval
    if fields[0] != "P6" {
        return Err(format!("not a binary PPM (magic {})", fields[0]));
    }
    let number = |s: &str| s.parse::<u32>().map_err(|_| format!("bad PPM number {s}"));
    let (width, height, maxval) = (
        number(&fields[1])?,
        number(&fields[2])?,
        number(&fields[3])?,
    );
    if maxval != 255 {
        return Err(format!("PPM maxval {maxval} (want 255)"));
    }
    let n = width as usize * height as usize;
    let data = bytes
        .get(pos..pos + n * 3)
        .ok_or("PPM pixel data truncated")?;
    Frame::from_rgb(width, height, data).ok_or_else(|| "PPM size overflow".into())
}

/// The most common colour of `frame` inside `rect` (clipped to the frame).
pub fn dominant(frame: &Frame, rect: &Rectangle) -> Option<u32> {
    let mut counts = std::collections::HashMap::new();
    for (x, y) in pixels_of(frame, rect) {
        *counts
            .entry(frame.pixels[(y * frame.width + x) as usize])
            .or_insert(0u64) += 1;
    }
    counts.into_iter().max_by_key(|&(_, n)| n).map(|(c, _)| c)
}

/// The coordinates of `rect` that lie inside `frame`.
pub fn pixels_of(frame: &Frame, rect: &Rectangle) -> impl Iterator<Item = (u32, u32)> {
    let (x0, y0) = (rect.top_left.x.max(0) as u32, rect.top_left.y.max(0) as u32);
    let x1 = (rect.top_left.x.max(0) as u32 + rect.size.width).min(frame.width);
    let y1 = (rect.top_left.y.max(0) as u32 + rect.size.height).min(frame.height);
    (y0..y1).flat_map(move |y| (x0.min(x1)..x1).map(move |x| (x, y)))
}

/// The share of `rect`'s pixels that are the same in `a` and `b` (same-size frames).
pub fn same_share(a: &Frame, b: &Frame, rect: &Rectangle) -> f64 {
    let (mut same, mut total) = (0u64, 0u64);
    for (x, y) in pixels_of(a, rect) {
        let i = (y * a.width + x) as usize;
        total += 1;
        same += u64::from(b.pixels.get(i) == Some(&a.pixels[i]));
    }
    if total == 0 {
        0.0
    } else {
        same as f64 / total as f64
    }
}

/// Share of all pixels that must match the host render (clocks, uptimes and the
/// pointer differ on a live screen).
const MIN_SAME: f64 = 0.9;
/// Share of the reference's content pixels (not its most common colour) that must
/// match: a blank screen or another size's layout fails here.
const MIN_SAME_CONTENT: f64 = 0.7;

/// Checks that `frame` shows the app as `reference` (the app rendered on the host
/// at the same size) does. Returns a one-line summary, or what is wrong.
pub fn check_app(frame: &Frame, reference: &Frame) -> Result<String, String> {
    let (w, h) = (frame.width, frame.height);
    if (w, h) != (reference.width, reference.height) || frame.pixels.len() != reference.pixels.len()
    {
        return Err(format!(
            "screenshot {w}x{h} but reference {}x{}",
            reference.width, reference.height
        ));
    }
    let whole = Rectangle::new(Point::zero(), Size::new(w, h));
    let background = dominant(reference, &whole).ok_or("empty reference")?;
    let (mut content, mut content_same, mut same) = (0u64, 0u64, 0u64);
    for (a, b) in frame.pixels.iter().zip(&reference.pixels) {
        same += u64::from(a == b);
        if *b != background {
            content += 1;
            content_same += u64::from(a == b);
        }
    }
    let total = frame.pixels.len() as f64;
    let same = same as f64 / total;
    let content_share = content_same as f64 / content.max(1) as f64;
    if content == 0 {
        return Err("the host render is a single colour: nothing to compare".into());
    }
    if same < MIN_SAME || content_share < MIN_SAME_CONTENT {
        return Err(format!(
            "screen differs from the host render: {:.1}% of pixels equal (want {:.0}%), \
             {:.1}% of its {content} content pixels (want {:.0}%)",
            same * 100.0,
            MIN_SAME * 100.0,
            content_share * 100.0,
            MIN_SAME_CONTENT * 100.0
        ));
    }
    Ok(format!(
        "app ok {w}x{h}: {:.1}% of pixels as rendered on the host, {:.1}% of {content} content pixels",
        same * 100.0,
        content_share * 100.0
    ))
}

/// `cargo xtask check-screenshot` options.
#[derive(Debug, clap::Args)]
pub struct CheckScreenshotArgs {
    /// The app the screendump should show
    #[command(flatten)]
    pub app: AppPackage,
    /// The QEMU screendump (binary PPM)
    pub file: PathBuf,
    /// Also write it as a PNG here
    #[arg(long, value_name = "OUT.png")]
    pub png: Option<PathBuf>,
    /// Fail unless the screendump has this size
    #[arg(long, value_name = "WxH", value_parser = crate::cli::parse_size)]
    pub size: Option<(u32, u32)>,
}

/// The `check-screenshot` subcommand.
pub fn run(args: &CheckScreenshotArgs) -> crate::Result {
    let bytes = std::fs::read(&args.file).map_err(|e| format!("{}: {e}", args.file.display()))?;
    let frame = read_ppm(&bytes)?;
    if let Some(out) = &args.png {
        write_png(&frame, out)?;
    }
    if let Some((ew, eh)) = args.size {
        if (frame.width, frame.height) != (ew, eh) {
            return Err(format!(
                "screenshot is {}x{}, expected {ew}x{eh}",
                frame.width, frame.height
            )
            .into());
        }
    }
    let binary = crate::app_host::binary(&args.app.package)?;
    let reference = crate::app_host::render(&binary, frame.width, frame.height, "")?;
    println!("{}", check_app(&frame, &reference)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to_ppm(frame: &Frame) -> Vec<u8> {
        let mut out =
            format!("P6\n# from a test\n{} {}\n255\n", frame.width, frame.height).into_bytes();
        for p in &frame.pixels {
            out.extend_from_slice(&[(p >> 16) as u8, (p >> 8) as u8, *p as u8]);
        }
        out
    }

    fn demo(w: u32, h: u32) -> Frame {
        let binary = crate::app_host::binary(crate::cli::DEFAULT_APP).unwrap();
        crate::app_host::render(&binary, w, h, "").unwrap()
    }

    #[test]
    fn a_rendered_app_passes_through_ppm() {
        for (w, h) in [(800, 600), (1920, 1080)] {
            let reference = demo(w, h);
            let frame = read_ppm(&to_ppm(&reference)).unwrap();
            assert_eq!((frame.width, frame.height), (w, h));
            check_app(&frame, &reference).unwrap();
        }
    }

    #[test]
    fn a_blank_or_wrong_screen_fails() {
        let reference = demo(800, 600);
        let whole = Rectangle::new(Point::zero(), Size::new(800, 600));
        let background = dominant(&reference, &whole).unwrap();
        let blank = Frame {
            width: 800,
            height: 600,
            pixels: vec![background; 800 * 600],
        };
        assert!(check_app(&blank, &reference).is_err());
        // The UI for another size does not match this size's render.
        let other = demo(1024, 768);
        let cropped = Frame {
            width: 800,
            height: 600,
            pixels: (0..600)
                .flat_map(|y| other.pixels[y * 1024..y * 1024 + 800].to_vec())
                .collect(),
        };
        assert!(check_app(&cropped, &reference).is_err());
    }

    #[test]
    fn bad_ppm_is_an_error() {
        assert!(read_ppm(b"P3\n1 1\n255\n0 0 0").is_err());
        assert!(read_ppm(b"P6\n10 10\n255\n\x00\x00").is_err());
        assert!(read_ppm(b"P6\n").is_err());
        assert!(read_ppm(b"").is_err());
    }
}
