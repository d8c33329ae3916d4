//! `include_image!("path/to/file.png")`: decodes a PNG at compile time (any colour
//! type and bit depth the `png` crate reads) and expands to a `vitrine::ui::Image`
//! of premultiplied RGBA bytes, so the app carries no decoder and no heap.
//! The path is relative to the invoking crate's `Cargo.toml`.

use proc_macro::{Literal, TokenStream, TokenTree};
use std::path::PathBuf;

/// Premultiplied RGBA of a PNG, and its size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Converted {
    width: u32,
    height: u32,
    rgba: Vec<u8>,
}

/// Decodes `bytes` as a PNG into premultiplied 8-bit RGBA.
pub(crate) fn convert(bytes: &[u8]) -> Result<Converted, String> {
    let mut decoder = png::Decoder::new(bytes);
    // Palette, grey and 16-bit images all come out as 8-bit RGB(A) or grey(A).
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(|e| e.to_string())?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).map_err(|e| e.to_string())?;
    let pixels = &buf[..info.buffer_size()];
    let to_rgba = |p: &[u8]| -> [u8; 4] {
        match info.color_type {
            png::ColorType::Rgba => [p[0], p[1], p[2], p[3]],
            png::ColorType::Rgb => [p[0], p[1], p[2], 255],
            png::ColorType::GrayscaleAlpha => [p[0], p[0], p[0], p[1]],
            _ => [p[0], p[0], p[0], 255],
        }
    };
    let channels = info.color_type.samples();
    let premultiply = |c: u8, a: u8| ((u32::from(c) * u32::from(a) + 127) / 255) as u8;
    let rgba = pixels
        .chunks_exact(channels)
        .flat_map(|p| {
            let [r, g, b, a] = to_rgba(p);
            [premultiply(r, a), premultiply(g, a), premultiply(b, a), a]
        })
        .collect();
    Ok(Converted {
        width: info.width,
        height: info.height,
        rgba,
    })
}

fn error(message: &str) -> TokenStream {
    format!("compile_error!({message:?})").parse().unwrap()
}

/// Embeds a PNG as a `vitrine::ui::Image` (premultiplied RGBA, converted now).
#[proc_macro]
pub fn include_image(input: TokenStream) -> TokenStream {
    let tokens: Vec<TokenTree> = input.into_iter().collect();
    let [TokenTree::Literal(literal)] = tokens.as_slice() else {
        return error("include_image! wants one string literal: the PNG's path");
    };
    let text = literal.to_string();
    let Some(relative) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) else {
        return error("include_image! wants a plain string literal");
    };
    let root = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let path = PathBuf::from(root).join(relative);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) => return error(&format!("include_image!: {}: {e}", path.display())),
    };
    let image = match convert(&bytes) {
        Ok(image) => image,
        Err(e) => return error(&format!("include_image!: {}: {e}", path.display())),
    };
    let path_literal = Literal::string(&path.to_string_lossy());
    let data = Literal::byte_string(&image.rgba);
    // include_bytes! makes cargo rebuild when the PNG changes.
    format!(
        "{{ const _: &[u8] = include_bytes!({path_literal}); \
         ::vitrine::ui::Image::new({}, {}, {data}) }}",
        image.width, image.height
    )
    .parse()
    .unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(width: u32, height: u32, color: png::ColorType, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(color);
        encoder.set_depth(png::BitDepth::Eight);
        encoder
            .write_header()
            .unwrap()
            .write_image_data(data)
            .unwrap();
        out
    }

    #[test]
    fn rgba_is_premultiplied() {
        let png = encode(
            2,
            1,
            png::ColorType::Rgba,
            &[255, 128, 0, 128, 10, 20, 30, 255],
        );
        let image = convert(&png).unwrap();
        assert_eq!((image.width, image.height), (2, 1));
        assert_eq!(image.rgba, [128, 64, 0, 128, 10, 20, 30, 255]);
    }

    #[test]
    fn rgb_and_grey_become_opaque_rgba() {
        let rgb = convert(&encode(1, 1, png::ColorType::Rgb, &[1, 2, 3])).unwrap();
        assert_eq!(rgb.rgba, [1, 2, 3, 255]);
        let grey = convert(&encode(1, 1, png::ColorType::GrayscaleAlpha, &[200, 0])).unwrap();
        assert_eq!(grey.rgba, [0, 0, 0, 0]);
    }

    #[test]
    fn not_a_png_is_an_error() {
        assert!(convert(b"GIF89a").is_err());
    }
}
