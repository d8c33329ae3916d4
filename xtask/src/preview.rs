//! `cargo xtask preview [-p APP] --size WxH [--out FILE.png] [--hover N] [--press N]
//! [--clicks N] [--events SCRIPT] [--bench N] [--live [--live-for S]]`: renders an app on the host, through
//! its own host binary (`vitrine::main!` off bare metal: the same canvas and app
//! code as on metal, drawing into memory), and writes it as a PNG.

use std::path::{Path, PathBuf};

use crate::cli::{parse_size, AppPackage};
use crate::Result;

/// `cargo xtask preview` options.
#[derive(Debug, Clone, clap::Args)]
pub struct PreviewArgs {
    #[command(flatten)]
    pub app: AppPackage,
    /// Screen size
    #[arg(long, value_name = "WxH", value_parser = parse_size, default_value = "1024x768")]
    pub size: (u32, u32),
    /// Output PNG (default target/preview-WxH.png)
    #[arg(long, value_name = "FILE.png")]
    pub out: Option<PathBuf>,
    /// Widget (1-based) to hover, to show the hover state
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub hover: Option<u32>,
    /// Widget (1-based) to hold the button down on, to show the pressed state
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub press: Option<u32>,
    /// Clicks on widget 1 before the frame
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub clicks: u32,
    /// More input first: `;`-separated steps (`click 5; key a; text hi; move X Y`)
    #[arg(long, value_name = "SCRIPT", default_value = "")]
    pub events: String,
    /// Also time this many full redraws against plain fills
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub bench: u32,
    /// Run the app in a resizable desktop window (mouse, keyboard, resize) instead
    #[arg(long)]
    pub live: bool,
    /// With --live: close the window after this many seconds
    #[arg(long, value_name = "SECONDS", requires = "live")]
    pub live_for: Option<u64>,
}

impl PreviewArgs {
    /// The input script the options stand for: clicks, `--events`, press, hover.
    pub fn script(&self) -> String {
        let mut steps: Vec<String> = (0..self.clicks).map(|_| "click 0".into()).collect();
        steps.push(self.events.clone());
        if let Some(n) = self.press {
            steps.push(format!("press-on {}", n - 1));
        }
        if let Some(n) = self.hover {
            steps.push(format!("hover {}", n - 1));
        }
        steps.retain(|s| !s.trim().is_empty());
        steps.join("; ")
    }
}

/// A rendered frame: xRGB8888 pixels, row-major.
pub struct Frame {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The pixels.
    pub pixels: Vec<u32>,
}

impl Frame {
    /// A frame from packed RGB bytes (`width * height * 3`, e.g. a QMP screendump
    /// already decoded by the test harness), or `None` if the length is wrong.
    pub fn from_rgb(width: u32, height: u32, rgb: &[u8]) -> Option<Self> {
        (rgb.len() == width as usize * height as usize * 3).then(|| Frame {
            width,
            height,
            pixels: rgb
                .chunks_exact(3)
                .map(|p| (u32::from(p[0]) << 16) | (u32::from(p[1]) << 8) | u32::from(p[2]))
                .collect(),
        })
    }
}

/// Writes a frame as an RGB PNG.
pub fn write_png(frame: &Frame, path: &Path) -> std::result::Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let file = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), frame.width, frame.height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    let rgb: Vec<u8> = frame
        .pixels
        .iter()
        .flat_map(|p| [(p >> 16) as u8, (p >> 8) as u8, *p as u8])
        .collect();
    writer.write_image_data(&rgb).map_err(|e| e.to_string())
}

/// The `preview` subcommand.
pub fn run(args: &PreviewArgs) -> Result {
    let (width, height) = args.size;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("target/preview-{width}x{height}.png")));
    let binary = crate::app_host::binary(&args.app.package)?;
    if args.live {
        return crate::live::run(&binary, width, height, args.live_for);
    }
    let frame = crate::app_host::render(&binary, width, height, &args.script())?;
    write_png(&frame, &out)?;
    println!(
        "preview {} {width}x{height} -> {}",
        args.app.package,
        out.display()
    );
    if args.bench > 0 {
        let (redraw, fill) = crate::app_host::bench(&binary, width, height, args.bench)?;
        println!(
            "bench {width}x{height} host: full redraw {redraw:.0} us, plain fill {fill:.0} us, ratio {:.1}",
            redraw / fill
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn parse(words: &[&str]) -> std::result::Result<PreviewArgs, clap::Error> {
        #[derive(Parser)]
        struct Wrapper {
            #[command(flatten)]
            preview: PreviewArgs,
        }
        let mut all = vec!["preview"];
        all.extend(words);
        Wrapper::try_parse_from(all).map(|w| w.preview)
    }

    #[test]
    fn options_become_a_script_and_bad_ones_fail() {
        let o = parse(&[
            "--size", "800x600", "--out", "a.png", "--clicks", "2", "--hover", "3",
        ])
        .unwrap();
        assert_eq!(
            (o.size, o.out.clone()),
            ((800, 600), Some(PathBuf::from("a.png")))
        );
        assert_eq!(o.script(), "click 0; click 0; hover 2");
        let o = parse(&["--events", "key a", "--press", "1"]).unwrap();
        assert_eq!(o.script(), "key a; press-on 0");
        assert_eq!(parse(&[]).unwrap().app.package, crate::cli::DEFAULT_APP);
        assert!(parse(&["--size", "800"]).is_err());
        assert!(parse(&["--size", "0x600"]).is_err());
        assert!(parse(&["--hover", "0"]).is_err());
        assert!(parse(&["--bogus"]).is_err());
    }

    #[test]
    fn the_demo_renders_through_its_host_binary_and_writes_a_png() {
        let binary = crate::app_host::binary(crate::cli::DEFAULT_APP).unwrap();
        let frame = crate::app_host::render(&binary, 800, 600, "").unwrap();
        assert_eq!(frame.pixels.len(), 800 * 600);
        // Not a blank screen: many colours (text is anti-aliased or at least coloured).
        let mut colours: Vec<u32> = frame.pixels.clone();
        colours.sort_unstable();
        colours.dedup();
        assert!(colours.len() > 8, "only {} colours", colours.len());
        // Hovering widget 1 changes pixels inside widget 1 only.
        let widgets = crate::app_host::widgets(&binary, 800, 600, "").unwrap();
        assert!(widgets.len() >= 2, "{widgets:?}");
        let hovered = crate::app_host::render(&binary, 800, 600, "hover 1").unwrap();
        let changed: Vec<usize> = (0..frame.pixels.len())
            .filter(|&i| frame.pixels[i] != hovered.pixels[i])
            .collect();
        assert!(!changed.is_empty(), "hover changed nothing");
        // ... inside widget 1 and in no other widget (a status panel may count it).
        let inside = |w: &embedded_graphics::primitives::Rectangle, i: usize| {
            let (x, y) = ((i % 800) as i32, (i / 800) as i32);
            x >= w.top_left.x
                && y >= w.top_left.y
                && x < w.top_left.x + w.size.width as i32
                && y < w.top_left.y + w.size.height as i32
        };
        for (id, w) in widgets.iter().enumerate() {
            let n = changed.iter().filter(|&&i| inside(w, i)).count();
            assert_eq!(
                n > 0,
                id == 1,
                "widget {id}: {n} pixels changed by hovering 1"
            );
        }
        let dir = std::env::temp_dir().join(format!("vitrine-preview-{}", std::process::id()));
        let path = dir.join("p.png");
        write_png(&frame, &path).unwrap();
        let decoder = png::Decoder::new(std::fs::File::open(&path).unwrap());
        let reader = decoder.read_info().unwrap();
        assert_eq!((reader.info().width, reader.info().height), (800, 600));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
