//! Converts `assets/logo.png` (drawn by `assets/make-logo.py`, ours) to raw RGBA at
//! build time: `$OUT_DIR/logo.rgba`, 8 bits per channel, straight alpha.

use std::path::Path;

fn main() {
    let source = Path::new("assets").join("logo.png");
    println!("cargo:rerun-if-changed={}", source.display());
    let file = std::fs::File::open(&source).expect("assets/logo.png is part of the crate");
    let mut reader = png::Decoder::new(file)
        .read_info()
        .expect("logo.png is a PNG");
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).expect("logo.png decodes");
    assert_eq!(
        (info.color_type, info.bit_depth),
        (png::ColorType::Rgba, png::BitDepth::Eight),
        "logo.png must be 8-bit RGBA"
    );
    pixels.truncate(info.buffer_size());
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("logo.rgba");
    std::fs::write(out, &pixels).expect("OUT_DIR is writable");
    println!("cargo:rustc-env=LOGO_WIDTH={}", info.width);
    println!("cargo:rustc-env=LOGO_HEIGHT={}", info.height);
}
