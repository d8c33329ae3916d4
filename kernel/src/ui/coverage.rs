//! How the master glyphs are stored in `COVERAGE`, and the decoder. The build script
//! shares this file with its encoder (`kernel/build/coverage_encode.rs`), so what it
//! writes is checked against this decoder glyph by glyph when it is made.
//!
//! Glyph bitmaps are mostly runs of empty (0) and full (15) pixels, a stem repeats
//! the row above it, and an accented letter is its base letter plus the accent. So
//! each glyph is a stream of 4-bit codes (low nibble of a byte first) over its
//! pixels, row after row, that says only how they differ from what the bitmap holds
//! before: zeros, or the pixels of a base glyph decoded into the same box first.
//! - [`KEEP`] n: n pixels stay as they are;
//! - [`FULL`] n: n pixels of 15;
//! - [`ABOVE`] n: n pixels copy the pixel one row up (0 in the first row);
//! - [`ESCAPE`] v: one pixel of value v (the next code);
//! - any other code c: one pixel of `LITERALS[c - FIRST_LITERAL]`.
//!
//! A run length n follows its code as n - 1 in 3-bit groups, low group first, one a
//! code, with bit 3 set while more follow. A run may go on into the next row. A glyph
//! decodes in one pass over a plain bitmap (no per-row state): the resampler reads
//! it at random.

/// Pixels that stay as they are.
pub(crate) const KEEP: u8 = 0;
/// Pixels of full coverage.
pub(crate) const FULL: u8 = 1;
/// Pixels that repeat the one above.
pub(crate) const ABOVE: u8 = 2;
/// One pixel whose value is the next code.
pub(crate) const ESCAPE: u8 = 3;
/// The first code that is one pixel of a value in [`LITERALS`].
pub(crate) const FIRST_LITERAL: u8 = 4;
/// The values codes `FIRST_LITERAL..=15` stand for: the edge values but 7 and 9, the
/// rarest ones in DejaVu Sans at the master size (those, and 0 over a base glyph's
/// ink, are escaped; 15 is a `FULL` run).
pub(crate) const LITERALS: [u8; 12] = [1, 2, 3, 4, 5, 6, 8, 10, 11, 12, 13, 14];

/// The 4-bit codes of a stream, low nibble of each byte first.
struct Codes<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Iterator for Codes<'_> {
    type Item = u8;

    fn next(&mut self) -> Option<u8> {
        let byte = *self.bytes.get(self.at / 2)?;
        // Low nibble first.
        let code = (byte >> ((self.at & 1) * 4)) & 0xF;
        self.at += 1;
        Some(code)
    }
}

/// A run length (the codes after a run code); `None` at the end of the stream or for
/// a length no glyph has.
fn run_length(codes: &mut Codes) -> Option<usize> {
    let mut n = 0usize;
    for shift in (0..24).step_by(3) {
        let code = codes.next()?;
        n |= usize::from(code & 7) << shift;
        if code & 8 == 0 {
            return Some(n + 1);
        }
    }
    None
}

/// Decodes the pixels `stream` codes into `out`, a glyph box `width` pixels a row,
/// over what `out` holds. Never panics: a stream cut short leaves the rest of the box
/// as it is, and codes past the last pixel are ignored.
pub(crate) fn decode(stream: &[u8], width: usize, out: &mut [u8]) {
    let mut codes = Codes {
        bytes: stream,
        at: 0,
    };
    let mut at = 0;
    while at < out.len() {
        let Some(code) = codes.next() else { return };
        let value = match code {
            KEEP | FULL | ABOVE => {
                let Some(n) = run_length(&mut codes) else {
                    return;
                };
                let end = at.saturating_add(n).min(out.len());
                match code {
                    KEEP => {}
                    FULL => out[at..end].fill(15),
                    _ => copy_above(out, width, at, end),
                }
                at = end;
                continue;
            }
            ESCAPE => match codes.next() {
                Some(v) => v,
                None => return,
            },
            _ => LITERALS[usize::from(code - FIRST_LITERAL)],
        };
        out[at] = value;
        at += 1;
    }
}

/// Pixels `at..end` of `out` (`width` a row) repeat the pixel one row up, in order (a
/// run longer than a row repeats pixels it wrote itself); 0 in the first row.
fn copy_above(out: &mut [u8], width: usize, mut at: usize, end: usize) {
    let width = width.max(1);
    while at < end && at < width {
        out[at] = 0;
        at += 1;
    }
    while at < end {
        let n = (end - at).min(width);
        out.copy_within(at - width..at - width + n, at);
        at += n;
    }
}

#[cfg(test)]
mod tests {
    use super::decode;
    use crate::ui::coverage_encode::encode;
    use crate::ui::font::{Font, Weight, COVERAGE, NO_BASE};
    use crate::ui::glyph::Master;
    use std::vec::Vec;

    /// A small deterministic pseudo-random sequence (xorshift).
    struct Noise(u32);

    impl Noise {
        fn next(&mut self) -> u32 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 17;
            self.0 ^= self.0 << 5;
            self.0
        }
    }

    /// The box decoded from `stream` over `before` (`width` pixels a row).
    fn decoded(stream: &[u8], before: &[u8], width: usize) -> Vec<u8> {
        let mut out = before.to_vec();
        decode(stream, width, &mut out);
        out
    }

    #[test]
    fn every_glyph_of_both_faces_codes_back_to_the_stream_it_was_stored_as() {
        let mut full = 0;
        for weight in [Weight::Regular, Weight::Bold] {
            let font = Font::new(weight, 40);
            let face = font.face();
            for (k, g) in face.glyphs.iter().enumerate() {
                let (w, h) = (usize::from(g.width), usize::from(g.height));
                let master = Master::decode(face, g);
                let pixels: Vec<u8> = (0..h * w)
                    .map(|p| master.coverage((p % w) as i64, (p / w) as i64))
                    .collect();
                assert!(pixels.iter().all(|&v| v <= 15));
                full += pixels.iter().filter(|&&v| v == 15).count();
                // What the decoder starts from: zeros, or the base glyph in the box.
                let mut before = std::vec![0u8; w * h];
                if g.base != NO_BASE {
                    let b = &face.glyphs[usize::from(g.base)];
                    let base = Master::decode(face, b);
                    let dx = i64::from(b.left) - i64::from(g.left);
                    let dy = i64::from(g.top) - i64::from(b.top);
                    for (p, slot) in before.iter_mut().enumerate() {
                        let (i, j) = ((p % w) as i64, (p / w) as i64);
                        *slot = base.coverage(i - dx, j - dy);
                    }
                }
                let stream = encode(&pixels, &before, w);
                let stored = &COVERAGE[g.offset as usize..][..stream.len()];
                assert_eq!(stream, stored, "{weight:?} glyph {k}");
                assert_eq!(decoded(&stream, &before, w), pixels, "{weight:?} glyph {k}");
            }
        }
        assert!(full > 10_000, "the glyphs have ink: {full} full pixels");
    }

    #[test]
    fn any_bitmap_codes_and_decodes_back_over_any_start() {
        let mut noise = Noise(0x1234_5678);
        for (width, height) in [(1, 1), (7, 3), (40, 41), (3, 700), (900, 2)] {
            for pattern in 0..4 {
                let mut value = |p: usize| -> u8 {
                    match pattern {
                        // Every value, one by one.
                        0 => (noise.next() % 16) as u8,
                        // Long runs of empty and full (lengths of several groups).
                        1 => [0, 15][(p / 301) % 2],
                        // Stripes that repeat the row above.
                        2 => ((p % width) % 16) as u8,
                        // Runs of odd lengths of every value.
                        _ => ((p / 9) % 16) as u8,
                    }
                };
                let pixels: Vec<u8> = (0..width * height).map(&mut value).collect();
                let before: Vec<u8> = (0..width * height)
                    .map(|p| {
                        if p % 5 < 2 {
                            pixels[p]
                        } else {
                            (noise.next() % 16) as u8
                        }
                    })
                    .collect();
                let stream = encode(&pixels, &before, width);
                let back = decoded(&stream, &before, width);
                assert!(back == pixels, "{width}x{height} pattern {pattern}");
            }
        }
    }

    #[test]
    fn cut_short_or_garbage_streams_decode_without_panicking() {
        let font = Font::new(Weight::Bold, 40);
        let g = font.glyph('Å').unwrap();
        let (w, h) = (usize::from(g.width), usize::from(g.height));
        let whole = &COVERAGE[g.offset as usize..];
        let zeros = std::vec![0u8; w * h];
        let stream = encode(&decoded(whole, &zeros, w), &zeros, w);
        for cut in 0..stream.len() {
            decoded(&stream[..cut], &zeros, w);
        }
        let mut noise = Noise(0x9E37_79B9);
        for len in [1, 2, 5, 40, 400, 4000] {
            let garbage: Vec<u8> = (0..len).map(|_| noise.next() as u8).collect();
            decoded(&garbage, &zeros, w);
            // Runs far longer than the box, and lengths that never end.
            decoded(&std::vec![0xF1; len], &zeros, w);
            let endless: Vec<u8> = [0x80].into_iter().chain([0x88].repeat(len)).collect();
            decoded(&endless, &zeros, w);
            // A width that does not match the box (0: every pixel is the first row).
            for width in [0, 1, w * h + 5] {
                decoded(&garbage, &zeros, width);
            }
        }
    }
}
