//! Canvas fast paths against a pixel-by-pixel reference, and dirty-rect coverage.

use super::*;
use crate::display::framebuffer::PixelFormat;
use crate::hal::PhysRegion;

/// The reference: only `draw_iter`, so embedded-graphics' default `fill_*`/`clear`
/// go pixel by pixel through it.
struct Reference {
    width: u32,
    height: u32,
    pixels: Vec<Rgb888>,
}

impl OriginDimensions for Reference {
    fn size(&self) -> Size {
        Size::new(self.width, self.height)
    }
}

impl DrawTarget for Reference {
    type Color = Rgb888;
    type Error = Infallible;
    fn draw_iter<I: IntoIterator<Item = Pixel<Rgb888>>>(
        &mut self,
        pixels: I,
    ) -> Result<(), Infallible> {
        for Pixel(p, c) in pixels {
            if p.x >= 0 && p.y >= 0 && (p.x as u32) < self.width && (p.y as u32) < self.height {
                self.pixels[(p.y as u32 * self.width + p.x as u32) as usize] = c;
            }
        }
        Ok(())
    }
}

fn next(state: &mut u64) -> u64 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    state.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

fn color(seed: &mut u64) -> Rgb888 {
    let v = next(seed);
    Rgb888::new(v as u8, (v >> 8) as u8, (v >> 16) as u8)
}

/// A rectangle that may stick out of any edge of a `w`×`h` screen.
fn random_rect(seed: &mut u64, w: u32, h: u32) -> Rectangle {
    let x = (next(seed) % u64::from(w + 40)) as i32 - 20;
    let y = (next(seed) % u64::from(h + 40)) as i32 - 20;
    let rw = (next(seed) % u64::from(w / 2 + 20)) as u32;
    let rh = (next(seed) % u64::from(h / 2 + 20)) as u32;
    Rectangle::new(Point::new(x, y), Size::new(rw, rh))
}

/// A framebuffer over `buf` with some padding at the end of each row.
fn framebuffer(buf: &mut [u8], w: u32, h: u32, pitch: u32, format: PixelFormat) -> Framebuffer {
    // SAFETY: `buf` outlives every use of the framebuffer within the test.
    let region = unsafe { PhysRegion::new(0x1000, buf.as_mut_ptr(), buf.len()) };
    Framebuffer::new(region, w, h, pitch, format).unwrap()
}

fn run_against_reference(format: PixelFormat, seed: u64) {
    let (w, h) = (61u32, 37u32);
    let bpp = u32::from(format.bytes_per_pixel);
    let pitch = w * bpp + 12;
    let mut buf = vec![0u8; (pitch * h) as usize];
    let mut canvas = Canvas::new(framebuffer(&mut buf, w, h, pitch, format));
    let mut reference = Reference {
        width: w,
        height: h,
        pixels: vec![Rgb888::BLACK; (w * h) as usize],
    };
    let mut seed = seed;
    for step in 0..400 {
        let mut before: Vec<Rgb888> = Vec::new();
        for y in 0..h {
            for x in 0..w {
                before.push(canvas.framebuffer().color(x, y));
            }
        }
        let area = random_rect(&mut seed, w, h);
        match next(&mut seed) % 5 {
            0 => {
                let c = color(&mut seed);
                canvas.fill_solid(&area, c).unwrap();
                reference.fill_solid(&area, c).unwrap();
            }
            1 | 2 => {
                // Sometimes the iterator is shorter than the area (legal).
                let n = area.size.width as usize * area.size.height as usize;
                let len = if next(&mut seed).is_multiple_of(4) {
                    n / 2
                } else {
                    n
                };
                let mut s = next(&mut seed);
                let colors: Vec<Rgb888> = (0..len).map(|_| color(&mut s)).collect();
                canvas
                    .fill_contiguous(&area, colors.iter().copied())
                    .unwrap();
                reference
                    .fill_contiguous(&area, colors.iter().copied())
                    .unwrap();
            }
            3 => {
                let mut s = next(&mut seed);
                let pixels: Vec<Pixel<Rgb888>> = (0..20)
                    .map(|_| {
                        let p = Point::new(
                            (next(&mut s) % u64::from(w + 10)) as i32 - 5,
                            (next(&mut s) % u64::from(h + 10)) as i32 - 5,
                        );
                        Pixel(p, color(&mut s))
                    })
                    .collect();
                canvas.draw_iter(pixels.iter().copied()).unwrap();
                reference.draw_iter(pixels.iter().copied()).unwrap();
            }
            _ => {
                if next(&mut seed).is_multiple_of(8) {
                    let c = color(&mut seed);
                    canvas.clear(c).unwrap();
                    reference.clear(c).unwrap();
                }
            }
        }
        let dirty = canvas.take_dirty();
        for y in 0..h {
            for x in 0..w {
                let got = canvas.framebuffer().color(x, y);
                let want = reference.pixels[(y * w + x) as usize];
                assert_eq!(
                    got, want,
                    "step {step}: pixel ({x},{y}) after drawing {area:?}"
                );
                if got != before[(y * w + x) as usize] {
                    assert!(
                        dirty.iter().any(|r| r.contains_point(x, y)),
                        "step {step}: changed pixel ({x},{y}) not in dirty {dirty:?}"
                    );
                }
            }
        }
        // Row padding is never written.
        for y in 0..h {
            let row_end = (y * pitch + w * bpp) as usize;
            assert!(buf_padding_is_zero(&canvas, row_end, pitch - w * bpp));
        }
    }
}

fn buf_padding_is_zero(canvas: &Canvas, offset: usize, len: u32) -> bool {
    let region = canvas.framebuffer().region();
    (0..len as usize).all(|i| region.read_u8(offset + i) == 0)
}

#[test]
fn fast_paths_match_reference_xrgb8888() {
    run_against_reference(PixelFormat::XRGB8888, 1);
    run_against_reference(PixelFormat::XRGB8888, 0xDEAD_BEEF);
}

#[test]
fn fast_paths_match_reference_bgr_and_24_bpp() {
    let bgrx = PixelFormat {
        bytes_per_pixel: 4,
        red_shift: 0,
        green_shift: 8,
        blue_shift: 16,
    };
    run_against_reference(bgrx, 7);
    let rgb24 = PixelFormat {
        bytes_per_pixel: 3,
        red_shift: 16,
        green_shift: 8,
        blue_shift: 0,
    };
    run_against_reference(rgb24, 99);
}

#[test]
fn clipping_at_every_edge_draws_only_the_visible_part() {
    let (w, h) = (20u32, 10u32);
    let mut buf = vec![0u8; (w * h * 4) as usize];
    let mut canvas = Canvas::new(framebuffer(&mut buf, w, h, w * 4, PixelFormat::XRGB8888));
    let red = Rgb888::RED;
    for area in [
        Rectangle::new(Point::new(-5, 2), Size::new(8, 3)), // left
        Rectangle::new(Point::new(17, 2), Size::new(8, 3)), // right
        Rectangle::new(Point::new(5, -4), Size::new(3, 6)), // top
        Rectangle::new(Point::new(5, 8), Size::new(3, 6)),  // bottom
        Rectangle::new(Point::new(-9, -9), Size::new(50, 50)), // all four
    ] {
        canvas.clear(Rgb888::BLACK).unwrap();
        canvas.take_dirty();
        canvas.fill_solid(&area, red).unwrap();
        let visible = area.intersection(&canvas.bounding_box());
        for y in 0..h as i32 {
            for x in 0..w as i32 {
                let inside = visible.contains(Point::new(x, y));
                assert_eq!(
                    canvas.framebuffer().color(x as u32, y as u32) == red,
                    inside
                );
            }
        }
        let dirty = canvas.take_dirty();
        assert_eq!(dirty.len(), 1);
        assert_eq!(
            dirty[0].area(),
            u64::from(visible.size.width * visible.size.height)
        );
    }
    // Entirely off screen: nothing drawn, nothing dirty.
    canvas
        .fill_solid(&Rectangle::new(Point::new(30, 30), Size::new(5, 5)), red)
        .unwrap();
    assert!(canvas.take_dirty().is_empty());
}

#[test]
fn copy_row_from_matches_write_row_and_respects_bounds() {
    for format in [
        PixelFormat::XRGB8888,
        PixelFormat {
            bytes_per_pixel: 3,
            red_shift: 16,
            green_shift: 8,
            blue_shift: 0,
        },
    ] {
        let (w, h) = (16u32, 4u32);
        let pitch = w * u32::from(format.bytes_per_pixel) + 4;
        let mut a = vec![0u8; (pitch * h) as usize];
        let mut b = vec![0u8; (pitch * h) as usize];
        let mut fa = framebuffer(&mut a, w, h, pitch, format);
        let mut fb = framebuffer(&mut b, w, h, pitch, format);
        let row: Vec<u32> = (0..10)
            .map(|i| 0x0010_2030 * (i + 1))
            .map(|v| v & 0x00FF_FFFF)
            .collect();
        fa.copy_row_from(3, 2, &row);
        fb.write_row(3, 2, 10, row.iter().copied());
        fa.copy_row_from(10, 1, &row); // would run past the right edge: ignored
        fa.copy_row_from(0, 4, &row[..1]); // below the last row: ignored
        for y in 0..h {
            for x in 0..w {
                assert_eq!(fa.pixel(x, y), fb.pixel(x, y), "({x},{y})");
            }
        }
        assert_eq!(fa.pixel(3, 2), row[0]);
    }
}

/// A band paints its solid pieces and blocks exactly, and is ignored whole when a
/// block holds fewer than its rows × width pixels or a piece runs off the screen.
#[test]
fn fill_band_paints_whole_bands_and_refuses_short_blocks() {
    use crate::display::framebuffer::{BandPiece, BandPixels};
    let (w, h) = (40u32, 6u32);
    let pitch = w * 4;
    let mut memory = vec![0u8; (pitch * h) as usize];
    let mut fb = framebuffer(&mut memory, w, h, pitch, PixelFormat::XRGB8888);
    let block: Vec<u32> = (1..=3 * 4).collect();
    fn band(block: &[u32], x: u32) -> [BandPiece<'_>; 2] {
        [
            BandPiece {
                x: 0,
                width: 5,
                pixels: BandPixels::Solid(7),
            },
            BandPiece {
                x,
                width: 3,
                pixels: BandPixels::Block(block),
            },
        ]
    }
    fb.fill_band(1, 4, &band(&block[..11], 5)); // a pixel short: ignored
    fb.fill_band(1, 4, &band(&block, 38)); // runs past the right edge: ignored
    assert!((0..h).all(|y| (0..w).all(|x| fb.pixel(x, y) == 0)));
    fb.fill_band(1, 4, &band(&block, 5));
    for y in 0..h {
        for x in 0..w {
            let want = match (y, x) {
                (1..=4, 0..=4) => 7,
                (1..=4, 5..=7) => block[((y - 1) * 3 + x - 5) as usize],
                _ => 0,
            };
            assert_eq!(fb.pixel(x, y), want, "({x},{y})");
        }
    }
}

/// A band of pieces of every width class `paint_band` stores differently (one, two
/// and three pixels, short runs, steps of 32 with and without a tail of 8, 16 or 24,
/// blocks under and over 16 pixels wide) paints each exactly, at both alignments.
#[test]
fn fill_band_paints_pieces_of_every_width_exactly() {
    use crate::display::framebuffer::{BandPiece, BandPixels};
    let widths: [(u32, bool); 16] = [
        (82, false),
        (57, false),
        (1, false),
        (2, false),
        (3, true),
        (3, false),
        (5, false),
        (9, true),
        (17, false),
        (17, true),
        (33, false),
        (40, true),
        (48, false),
        (66, true),
        (70, false),
        (2, false),
    ];
    let rows = 5u32;
    let blocks: Vec<Vec<u32>> = widths
        .iter()
        .enumerate()
        .map(|(i, &(n, _))| (0..n * rows).map(|p| 1000 * (i as u32 + 1) + p).collect())
        .collect();
    for offset in 0..2u32 {
        let w = offset + widths.iter().map(|&(n, _)| n).sum::<u32>() + 3;
        let h = rows + 2;
        let mut memory = vec![0u8; (w * 4 * h) as usize];
        let mut fb = framebuffer(&mut memory, w, h, w * 4, PixelFormat::XRGB8888);
        let mut pieces = Vec::new();
        let mut x = offset;
        for (i, &(n, block)) in widths.iter().enumerate() {
            let pixels = if block {
                BandPixels::Block(&blocks[i])
            } else {
                BandPixels::Solid(i as u32 + 1)
            };
            pieces.push(BandPiece {
                x,
                width: n,
                pixels,
            });
            x += n;
        }
        fb.fill_band(1, rows, &pieces);
        for y in 0..h {
            let mut x = offset;
            let mut want_row = vec![0u32; w as usize];
            if (1..=rows).contains(&y) {
                for (i, &(n, block)) in widths.iter().enumerate() {
                    for k in 0..n {
                        want_row[(x + k) as usize] = if block {
                            blocks[i][((y - 1) * n + k) as usize]
                        } else {
                            i as u32 + 1
                        };
                    }
                    x += n;
                }
            }
            let got: Vec<u32> = (0..w).map(|x| fb.pixel(x, y)).collect();
            assert_eq!(got, want_row, "row {y}, offset {offset}");
        }
    }
}
