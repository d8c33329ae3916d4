//! Screenshots: reads QEMU's PPM screendumps and writes PNGs.

use std::fs;
use std::path::Path;

use crate::Result;

/// An RGB image, 3 bytes per pixel, rows top to bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height * 3` bytes.
    pub rgb: Vec<u8>,
}

impl Image {
    /// Reads a binary PPM (P6, maxval 255) as QEMU's `screendump` writes it.
    pub fn read_ppm(path: &Path) -> Result<Self> {
        let bytes = fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Self::parse_ppm(&bytes).map_err(|e| format!("{}: {e}", path.display()).into())
    }

    /// Parses a binary PPM.
    pub fn parse_ppm(bytes: &[u8]) -> std::result::Result<Self, String> {
        let mut pos = 0;
        let mut header = [0u32; 3];
        let magic = next_token(bytes, &mut pos).ok_or("empty file")?;
        if magic != b"P6" {
            return Err("not a binary PPM (P6)".into());
        }
        for value in header.iter_mut() {
            let token = next_token(bytes, &mut pos).ok_or("truncated header")?;
            *value = std::str::from_utf8(token)
                .ok()
                .and_then(|t| t.parse().ok())
                .ok_or("bad header number")?;
        }
        let [width, height, maxval] = header;
        if maxval != 255 {
            return Err(format!("unsupported maxval {maxval}"));
        }
        pos += 1; // the single whitespace byte after maxval
        let len = width as usize * height as usize * 3;
        let rgb = bytes
            .get(pos..pos + len)
            .ok_or("pixel data truncated")?
            .to_vec();
        Ok(Self { width, height, rgb })
    }

    /// The pixel at (x, y) as `[r, g, b]`.
    pub fn pixel(&self, x: u32, y: u32) -> Option<[u8; 3]> {
        if x >= self.width || y >= self.height {
            return None;
        }
        let i = (y as usize * self.width as usize + x as usize) * 3;
        Some([self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]])
    }

    /// How many distinct colours the image holds (a blank screen has one).
    pub fn distinct_colours(&self) -> usize {
        let mut colours: Vec<[u8; 3]> = (0..self.height)
            .flat_map(|y| (0..self.width).filter_map(move |x| self.pixel(x, y)))
            .collect();
        colours.sort_unstable();
        colours.dedup();
        colours.len()
    }

    /// Writes the image as an 8-bit RGB PNG.
    pub fn write_png(&self, path: &Path) -> Result {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        let file = fs::File::create(path)?;
        let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), self.width, self.height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&self.rgb)?;
        writer.finish()?;
        Ok(())
    }
}

/// The next whitespace-separated token, skipping `#` comments.
fn next_token<'a>(bytes: &'a [u8], pos: &mut usize) -> Option<&'a [u8]> {
    loop {
        while *pos < bytes.len() && bytes[*pos].is_ascii_whitespace() {
            *pos += 1;
        }
        if bytes.get(*pos) == Some(&b'#') {
            while *pos < bytes.len() && bytes[*pos] != b'\n' {
                *pos += 1;
            }
            continue;
        }
        break;
    }
    let start = *pos;
    while *pos < bytes.len() && !bytes[*pos].is_ascii_whitespace() {
        *pos += 1;
    }
    (*pos > start).then(|| &bytes[start..*pos])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ppm_round_trips_through_png() {
        let mut ppm = b"P6\n# comment\n2 1\n255\n".to_vec();
        ppm.extend_from_slice(&[255, 0, 0, 0, 0, 255]);
        let image = Image::parse_ppm(&ppm).unwrap();
        assert_eq!((image.width, image.height), (2, 1));
        assert_eq!(image.pixel(1, 0), Some([0, 0, 255]));
        assert_eq!(image.pixel(2, 0), None);
        assert_eq!(image.distinct_colours(), 2);

        let dir = std::env::temp_dir().join(format!("xtask-png-{}", std::process::id()));
        let path = dir.join("t.png");
        image.write_png(&path).unwrap();
        let decoder = png::Decoder::new(std::fs::File::open(&path).unwrap());
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (2, 1));
        assert_eq!(&buf[..6], &image.rgb[..]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn bad_ppm_is_an_error() {
        assert!(Image::parse_ppm(b"P3\n1 1\n255\n").is_err());
        assert!(Image::parse_ppm(b"P6\n2 2\n255\n\x00\x00").is_err());
        assert!(Image::parse_ppm(b"").is_err());
    }
}
