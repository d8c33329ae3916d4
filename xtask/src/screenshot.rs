//! Screenshots of a booted Vitrine (QMP `screendump`, PPM): conversion to PNG and a
//! check that the kiosk UI is on screen where `vitrine_app::layout` puts it.
//!
//! `cargo xtask check-screenshot FILE.ppm [--png OUT.png] [--size WxH]`.

use crate::preview::{write_png, Frame};
use embedded_graphics::pixelcolor::{Rgb888, RgbColor};
use std::path::PathBuf;
use vitrine_app::theme;

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

fn rgb(c: Rgb888) -> u32 {
    (u32::from(c.r()) << 16) | (u32::from(c.g()) << 8) | u32::from(c.b())
}

/// Checks that `frame` shows the kiosk: header and background colours, the product
/// name drawn in the title, and the button cards where the layout for this size
/// puts them. Returns a one-line summary, or what is missing.
pub fn check_kiosk(frame: &Frame) -> Result<String, String> {
    let (w, h) = (frame.width, frame.height);
    if w < 320 || h < 240 || frame.pixels.len() != w as usize * h as usize {
        return Err(format!("implausible screenshot {w}x{h}"));
    }
    let at = |x: i32, y: i32| frame.pixels[(y as u32 * w + x as u32) as usize];
    let l = vitrine_app::layout(w, h);
    let mut problems = Vec::new();
    if at(w as i32 / 2, 1) != rgb(theme::HEADER) {
        problems.push(format!(
            "no header at ({}, 1): {:06x}",
            w / 2,
            at(w as i32 / 2, 1)
        ));
    }
    if at(1, h as i32 - 2) != rgb(theme::BACKGROUND) {
        problems.push(format!(
            "no background at (1, {}): {:06x}",
            h - 2,
            at(1, h as i32 - 2)
        ));
    }
    let t = l.title;
    let title_text = (t.top_left.y..t.top_left.y + t.size.height as i32)
        .flat_map(|y| (t.top_left.x..t.top_left.x + t.size.width as i32).map(move |x| (x, y)))
        .filter(|&(x, y)| at(x, y) == rgb(theme::TEXT))
        .count();
    if title_text < 100 {
        problems.push(format!("title has only {title_text} text pixels"));
    }
    // A card shows card, hover or accent colours (pressed/on), never the background.
    let mut cards = 0;
    for b in &l.buttons {
        let probe = at(b.center().x, b.top_left.y + l.unit as i32 / 2 + 1);
        if probe != rgb(theme::BACKGROUND) && probe != rgb(theme::HEADER) {
            cards += 1;
        }
    }
    if cards < l.buttons.len() {
        problems.push(format!("only {cards} of {} buttons drawn", l.buttons.len()));
    }
    if problems.is_empty() {
        Ok(format!(
            "kiosk ok {w}x{h}: header, title ({title_text} px of text), {cards} buttons"
        ))
    } else {
        Err(problems.join("; "))
    }
}

/// The `check-screenshot` subcommand.
pub fn run(args: &[String]) -> Result<(), String> {
    let mut input = None;
    let mut png_out = None;
    let mut expect = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--png" => png_out = Some(PathBuf::from(it.next().ok_or("--png needs a file")?)),
            "--size" => {
                let v = it.next().ok_or("--size needs WxH")?;
                let (a, b) = v
                    .split_once('x')
                    .ok_or(format!("--size wants WxH, got {v}"))?;
                expect = Some((
                    a.parse::<u32>().map_err(|_| format!("bad width {a}"))?,
                    b.parse::<u32>().map_err(|_| format!("bad height {b}"))?,
                ));
            }
            other if input.is_none() => input = Some(PathBuf::from(other)),
            other => return Err(format!("unexpected argument {other}")),
        }
    }
    let input =
        input.ok_or("usage: cargo xtask check-screenshot FILE.ppm [--png OUT.png] [--size WxH]")?;
    let bytes = std::fs::read(&input).map_err(|e| format!("{}: {e}", input.display()))?;
    let frame = read_ppm(&bytes)?;
    if let Some(out) = &png_out {
        write_png(&frame, out)?;
    }
    if let Some((ew, eh)) = expect {
        if (frame.width, frame.height) != (ew, eh) {
            return Err(format!(
                "screenshot is {}x{}, expected {ew}x{eh}",
                frame.width, frame.height
            ));
        }
    }
    println!("{}", check_kiosk(&frame)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preview::{render, PreviewOptions};

    fn to_ppm(frame: &Frame) -> Vec<u8> {
        let mut out =
            format!("P6\n# from a test\n{} {}\n255\n", frame.width, frame.height).into_bytes();
        for p in &frame.pixels {
            out.extend_from_slice(&[(p >> 16) as u8, (p >> 8) as u8, *p as u8]);
        }
        out
    }

    fn preview(w: u32, h: u32) -> Frame {
        render(&PreviewOptions::parse(&["--size".into(), format!("{w}x{h}")]).unwrap()).unwrap()
    }

    #[test]
    fn a_rendered_kiosk_passes_through_ppm() {
        for (w, h) in [(800, 600), (1920, 1080)] {
            let frame = read_ppm(&to_ppm(&preview(w, h))).unwrap();
            assert_eq!((frame.width, frame.height), (w, h));
            check_kiosk(&frame).unwrap();
        }
    }

    #[test]
    fn a_blank_or_wrong_screen_fails() {
        let blank = Frame {
            width: 800,
            height: 600,
            pixels: vec![0; 800 * 600],
        };
        assert!(check_kiosk(&blank).is_err());
        // The UI for another size does not match this size's layout.
        let mut other = preview(1024, 768);
        other.pixels.truncate(800 * 600);
        other.width = 800;
        other.height = 600;
        assert!(check_kiosk(&other).is_err());
    }

    #[test]
    fn bad_ppm_is_an_error() {
        assert!(read_ppm(b"P3\n1 1\n255\n0 0 0").is_err());
        assert!(read_ppm(b"P6\n10 10\n255\n\x00\x00").is_err());
        assert!(read_ppm(b"P6\n").is_err());
        assert!(read_ppm(b"").is_err());
    }
}
