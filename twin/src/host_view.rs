//! The host view: what the VirtualBox window shows for each screen.
//!
//! A picture is repainted from VRAM as the host understands the current mode: the
//! whole framebuffer on a resize and on every refresh tick while the VGA dirty-page
//! path is active, and only the flushed bounding boxes while VBVA owns the screen.
//! The host pointer is composed on top when an image is taken.

use crate::memory::Backing;
use crate::pointer::PointerShape;
use crate::vbva::Rect;

/// Where a screen's pixels are and how to read them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FbGeometry {
    /// Byte offset in VRAM of pixel (0, 0).
    pub vram_offset: u64,
    /// Bytes per line.
    pub pitch: u32,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Bits per pixel.
    pub bpp: u32,
    /// Shown black (VBVA BLANK flags).
    pub blank: bool,
}

/// An RGBA image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
    /// RGBA bytes, row-major.
    pub rgba: Vec<u8>,
}

impl Image {
    /// The RGBA value at (x, y).
    pub fn pixel(&self, x: u32, y: u32) -> [u8; 4] {
        let i = (y as usize * self.width as usize + x as usize) * 4;
        self.rgba[i..i + 4].try_into().expect("4 bytes")
    }

    /// PNG encoding of the image.
    pub fn to_png(&self) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, self.width.max(1), self.height.max(1));
            enc.set_color(png::ColorType::Rgba);
            enc.set_depth(png::BitDepth::Eight);
            let mut w = enc.write_header().expect("writing to a Vec cannot fail");
            if self.width == 0 || self.height == 0 {
                w.write_image_data(&[0, 0, 0, 0xFF]).expect("1x1 image");
            } else {
                w.write_image_data(&self.rgba)
                    .expect("size matches the header");
            }
        }
        out
    }
}

/// One screen's picture in the host window.
#[derive(Debug, Clone, Default)]
pub struct ScreenPicture {
    geometry: Option<FbGeometry>,
    /// No pixels kept (`MachineConfig::host_view` off): geometry and counts only.
    without_pixels: bool,
    rgba: Vec<u8>,
    full_repaints: u32,
    partial_repaints: u32,
}

/// Decodes one pixel at `at` in VRAM for `bpp` (black when outside VRAM).
fn pixel(vram: &Backing, at: u64, bpp: u32) -> [u8; 4] {
    let mut b = [0u8; 4];
    let n = (bpp.div_ceil(8).clamp(1, 4)) as usize;
    if vram.read(at, &mut b[..n]).is_none() {
        return [0, 0, 0, 0xFF];
    }
    decode(&b[..n], bpp)
}

/// RGBA of one pixel's bytes in VRAM format.
fn decode(b: &[u8], bpp: u32) -> [u8; 4] {
    match bpp {
        32 | 24 => [b[2], b[1], b[0], 0xFF],
        16 => {
            let v = u16::from_le_bytes([b[0], b[1]]);
            let r = ((v >> 11) & 0x1F) as u8;
            let g = ((v >> 5) & 0x3F) as u8;
            let bl = (v & 0x1F) as u8;
            [r << 3 | r >> 2, g << 2 | g >> 4, bl << 3 | bl >> 2, 0xFF]
        }
        15 => {
            let v = u16::from_le_bytes([b[0], b[1]]);
            let r = ((v >> 10) & 0x1F) as u8;
            let g = ((v >> 5) & 0x1F) as u8;
            let bl = (v & 0x1F) as u8;
            [r << 3 | r >> 2, g << 3 | g >> 2, bl << 3 | bl >> 2, 0xFF]
        }
        8 => [b[0], b[0], b[0], 0xFF], // No DAC palette model: grey levels.
        _ => [0, 0, 0, 0xFF],
    }
}

impl ScreenPicture {
    /// A picture that follows the geometry but keeps no pixels (a fuzzer's twin,
    /// where repainting megabytes per input would dominate the run time).
    pub fn without_pixels() -> Self {
        Self {
            without_pixels: true,
            ..Self::default()
        }
    }

    /// The geometry the picture follows.
    pub fn geometry(&self) -> Option<FbGeometry> {
        self.geometry
    }

    /// The picture's RGBA bytes, row-major, without any pointer.
    pub fn rgba(&self) -> &[u8] {
        &self.rgba
    }

    /// Full repaints so far (resizes and VGA refreshes).
    pub fn full_repaints(&self) -> u32 {
        self.full_repaints
    }

    /// Partial (dirty-rectangle) repaints so far.
    pub fn partial_repaints(&self) -> u32 {
        self.partial_repaints
    }

    /// The frontend resizes to `geometry` and repaints everything.
    pub fn resize(&mut self, geometry: Option<FbGeometry>, vram: &Backing) {
        self.geometry = geometry;
        let (w, h) = geometry.map_or((0, 0), |g| (g.width, g.height));
        if self.without_pixels {
            self.full_repaints += 1;
            return;
        }
        self.rgba = vec![0; w as usize * h as usize * 4];
        for px in self.rgba.chunks_exact_mut(4) {
            px[3] = 0xFF;
        }
        self.repaint_all(vram);
    }

    /// Repaints the whole picture from VRAM.
    pub fn repaint_all(&mut self, vram: &Backing) {
        if let Some(g) = self.geometry {
            self.full_repaints += 1;
            self.paint(
                Rect {
                    x: 0,
                    y: 0,
                    w: g.width,
                    h: g.height,
                },
                vram,
            );
        }
    }

    /// Repaints a rectangle (clipped to the picture).
    pub fn repaint(&mut self, rect: Rect, vram: &Backing) {
        self.partial_repaints += 1;
        self.paint(rect, vram);
    }

    fn paint(&mut self, rect: Rect, vram: &Backing) {
        let Some(g) = self.geometry.filter(|_| !self.without_pixels) else {
            return;
        };
        let x0 = rect.x.clamp(0, g.width as i32) as u32;
        let y0 = rect.y.clamp(0, g.height as i32) as u32;
        let x1 = (i64::from(rect.x) + i64::from(rect.w)).clamp(0, i64::from(g.width)) as u32;
        let y1 = (i64::from(rect.y) + i64::from(rect.h)).clamp(0, i64::from(g.height)) as u32;
        if x0 >= x1 {
            return;
        }
        let bytes_pp = g.bpp.div_ceil(8).max(1) as usize;
        let span = (x1 - x0) as usize;
        let mut row = vec![0u8; span * bytes_pp + 4];
        for y in y0..y1 {
            let start =
                g.vram_offset + u64::from(y) * u64::from(g.pitch) + u64::from(x0) * bytes_pp as u64;
            let readable = !g.blank && vram.read(start, &mut row[..span * bytes_pp]).is_some();
            let line = (y as usize * g.width as usize + x0 as usize) * 4;
            let out = &mut self.rgba[line..line + span * 4];
            if readable && g.bpp == 32 {
                // The common case, without the per-pixel format dispatch (the soak and
                // the fuzzers repaint millions of frames).
                for (px, bgrx) in out.chunks_exact_mut(4).zip(row.chunks_exact(4)) {
                    // B,G,R,X -> R,G,B,0xFF on whole words, so it vectorises.
                    let v = u32::from_le_bytes([bgrx[0], bgrx[1], bgrx[2], bgrx[3]]);
                    let rgba = (v & 0xFF00) | (v >> 16 & 0xFF) | (v & 0xFF) << 16 | 0xFF00_0000;
                    px.copy_from_slice(&rgba.to_le_bytes());
                }
                continue;
            }
            for (i, px) in out.chunks_exact_mut(4).enumerate() {
                let value = if readable {
                    decode(&row[i * bytes_pp..i * bytes_pp + bytes_pp.min(4)], g.bpp)
                } else if g.blank {
                    [0, 0, 0, 0xFF]
                } else {
                    // Partly outside VRAM: fall back to per-pixel reads.
                    pixel(vram, start + (i * bytes_pp) as u64, g.bpp)
                };
                px.copy_from_slice(&value);
            }
        }
    }

    /// The picture with the pointer (if any) drawn at (`x`, `y`).
    pub fn compose(&self, pointer: Option<(&PointerShape, i32, i32)>) -> Image {
        // Without pixels there is nothing to show: an empty image.
        let shown = self.geometry.filter(|_| !self.without_pixels);
        let (w, h) = shown.map_or((0, 0), |g| (g.width, g.height));
        let mut rgba = self.rgba.clone();
        if let Some((shape, px, py)) = pointer {
            for sy in 0..shape.height {
                for sx in 0..shape.width {
                    let x = px - shape.hot_x as i32 + sx as i32;
                    let y = py - shape.hot_y as i32 + sy as i32;
                    if x < 0 || y < 0 || x >= w as i32 || y >= h as i32 {
                        continue;
                    }
                    let si = (sy * shape.width + sx) as usize;
                    let di = (y as usize * w as usize + x as usize) * 4;
                    if shape.invert[si] {
                        for c in &mut rgba[di..di + 3] {
                            *c = !*c;
                        }
                        continue;
                    }
                    let src = &shape.rgba[si * 4..si * 4 + 4];
                    let a = u32::from(src[3]);
                    for c in 0..3 {
                        let d = u32::from(rgba[di + c]);
                        rgba[di + c] = ((u32::from(src[c]) * a + d * (255 - a)) / 255) as u8;
                    }
                }
            }
        }
        Image {
            width: w,
            height: h,
            rgba,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 4×4 pixels at 32 bpp from VRAM offset 0.
    fn four_by_four() -> FbGeometry {
        FbGeometry {
            vram_offset: 0,
            pitch: 16,
            width: 4,
            height: 4,
            bpp: 32,
            blank: false,
        }
    }

    #[test]
    fn decodes_32_and_16_bpp_and_repaints_only_the_rect() {
        let vram = Backing::new(4096, 0);
        vram.write(0, &[0x11, 0x22, 0x33, 0x00]).unwrap(); // B G R X
        let mut p = ScreenPicture::default();
        let g = four_by_four();
        p.resize(Some(g), &vram);
        assert_eq!(p.compose(None).pixel(0, 0), [0x33, 0x22, 0x11, 0xFF]);
        vram.write(0, &[0xFF; 4]).unwrap();
        vram.write(20, &[0xFF; 4]).unwrap(); // pixel (1,1)
        p.repaint(
            Rect {
                x: 1,
                y: 1,
                w: 1,
                h: 1,
            },
            &vram,
        );
        let img = p.compose(None);
        assert_eq!(
            img.pixel(0, 0),
            [0x33, 0x22, 0x11, 0xFF],
            "outside the rect: stale"
        );
        assert_eq!(img.pixel(1, 1), [0xFF, 0xFF, 0xFF, 0xFF]);
        assert_eq!(pixel(&vram, 100, 16), [0, 0, 0, 0xFF]);
        vram.write(100, &0xF800u16.to_le_bytes()).unwrap();
        assert_eq!(pixel(&vram, 100, 16), [0xFF, 0, 0, 0xFF]);
    }

    #[test]
    fn a_picture_without_pixels_follows_the_geometry_only() {
        let vram = Backing::new(4096, 0);
        let mut p = ScreenPicture::without_pixels();
        let g = four_by_four();
        p.resize(Some(g), &vram);
        p.repaint(
            Rect {
                x: 0,
                y: 0,
                w: 4,
                h: 4,
            },
            &vram,
        );
        assert_eq!(p.geometry(), Some(g));
        assert!(p.rgba().is_empty());
        let shape = PointerShape {
            width: 2,
            height: 2,
            hot_x: 0,
            hot_y: 0,
            rgba: vec![0xFF; 16],
            invert: vec![false; 4],
            alpha: true,
        };
        let image = p.compose(Some((&shape, 1, 1)));
        assert_eq!((image.width, image.height), (0, 0));
    }

    #[test]
    fn png_round_trips() {
        let img = Image {
            width: 2,
            height: 1,
            rgba: vec![1, 2, 3, 255, 4, 5, 6, 255],
        };
        let bytes = img.to_png();
        let dec = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = dec.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (2, 1));
        assert_eq!(&buf[..8], &img.rgba[..]);
    }
}
