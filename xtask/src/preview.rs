//! `cargo xtask preview --size WxH [--out FILE.png] [--hover N] [--press N] [--clicks N]`:
//! renders the kiosk on the host, through the same canvas and runtime as on metal,
//! into an in-memory framebuffer, and writes it as a PNG.

use std::path::{Path, PathBuf};
use vitrine::app::{App, Button, Event, InputEvent, SystemInfo};
use vitrine::display::memory::MemoryDisplay;
use vitrine::display::Display;
use vitrine_app::Kiosk;

/// What to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewOptions {
    /// Screen width.
    pub width: u32,
    /// Screen height.
    pub height: u32,
    /// Output file.
    pub out: PathBuf,
    /// Button (1-based) to hover, to show the hover state.
    pub hover: Option<usize>,
    /// Button (1-based) to hold down, to show the pressed state.
    pub press: Option<usize>,
    /// Clicks on button 1 before the frame, to show counters.
    pub clicks: u32,
    /// Show the second page.
    pub second_page: bool,
    /// Also time this many full redraws against plain fills of the same framebuffer.
    pub bench: u32,
}

impl PreviewOptions {
    /// Parses `--size WxH --out FILE --hover N --press N --clicks N`.
    pub fn parse(args: &[String]) -> Result<Self, String> {
        let mut opts = PreviewOptions {
            width: 1024,
            height: 768,
            out: PathBuf::new(),
            hover: None,
            press: None,
            clicks: 0,
            bench: 0,
            second_page: false,
        };
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let mut value = || it.next().cloned().ok_or(format!("{arg} needs a value"));
            match arg.as_str() {
                "--size" => {
                    let v = value()?;
                    let (w, h) = v
                        .split_once('x')
                        .ok_or(format!("--size wants WxH, got {v}"))?;
                    opts.width = w.parse().map_err(|_| format!("bad width {w}"))?;
                    opts.height = h.parse().map_err(|_| format!("bad height {h}"))?;
                }
                "--out" => opts.out = PathBuf::from(value()?),
                "--hover" => opts.hover = Some(parse_button(&value()?)?),
                "--press" => opts.press = Some(parse_button(&value()?)?),
                "--clicks" => {
                    opts.clicks = value()?.parse().map_err(|e| format!("--clicks: {e}"))?
                }
                "--page2" => opts.second_page = true,
                "--bench" => opts.bench = value()?.parse().map_err(|e| format!("--bench: {e}"))?,
                other => return Err(format!("unknown option {other}")),
            }
        }
        if !(1..=16384).contains(&opts.width) || !(1..=16384).contains(&opts.height) {
            return Err(format!("size {}x{} out of range", opts.width, opts.height));
        }
        if opts.out.as_os_str().is_empty() {
            opts.out = PathBuf::from(format!("target/preview-{}x{}.png", opts.width, opts.height));
        }
        Ok(opts)
    }
}

fn parse_button(v: &str) -> Result<usize, String> {
    match v.parse::<usize>() {
        Ok(n @ 1..=6) => Ok(n - 1),
        _ => Err(format!("button number 1..6 expected, got {v}")),
    }
}

/// An rendered frame: xRGB8888 pixels, row-major.
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

/// Renders the kiosk at the requested size and state.
pub fn render(opts: &PreviewOptions) -> Result<Frame, String> {
    let mut pixels = vec![0u32; opts.width as usize * opts.height as usize];
    let (width, height) = {
        let mut display = MemoryDisplay::new(&mut pixels, opts.width, opts.height)
            .map_err(|e| format!("display: {e:?}"))?;
        let mode = display.mode();
        let mut info = SystemInfo {
            width: mode.width,
            height: mode.height,
            display_backend: "memory",
            uptime_us: 83_000_000,
            ..SystemInfo::default()
        };
        info.set_integration("off");
        info.counts.input = u64::from(opts.clicks) * 3;
        info.counts.frames = 1;
        let mut kiosk = Kiosk::new();
        let send = |kiosk: &mut Kiosk, e: Event| kiosk.event(&e, &info);
        send(
            &mut kiosk,
            Event::Resize {
                width: mode.width,
                height: mode.height,
            },
        );
        send(
            &mut kiosk,
            Event::Tick {
                now_us: info.uptime_us,
            },
        );
        let centre = |k: &Kiosk, i: usize| k.layout().buttons[i].center();
        // Moves onto button `i` and clicks it (press and release).
        let click = |kiosk: &mut Kiosk, i: usize| {
            let c = centre(kiosk, i);
            send(
                kiosk,
                Event::Input(InputEvent::PointerMove { x: c.x, y: c.y }),
            );
            for pressed in [true, false] {
                send(
                    kiosk,
                    Event::Input(InputEvent::Button {
                        button: Button::Left,
                        pressed,
                    }),
                );
            }
        };
        for _ in 0..opts.clicks {
            click(&mut kiosk, 0);
        }
        if opts.second_page {
            click(&mut kiosk, 5);
            // Switch on the first two rooms.
            for i in 0..2 {
                click(&mut kiosk, i);
            }
        }
        if let Some(i) = opts.press {
            let c = centre(&kiosk, i);
            send(
                &mut kiosk,
                Event::Input(InputEvent::PointerMove { x: c.x, y: c.y }),
            );
            send(
                &mut kiosk,
                Event::Input(InputEvent::Button {
                    button: Button::Left,
                    pressed: true,
                }),
            );
        }
        if let Some(i) = opts.hover {
            let c = centre(&kiosk, i);
            send(
                &mut kiosk,
                Event::Input(InputEvent::PointerMove { x: c.x, y: c.y }),
            );
        }
        kiosk.draw(display.canvas(), &info);
        (mode.width, mode.height)
    };
    pixels.truncate(width as usize * height as usize);
    Ok(Frame {
        width,
        height,
        pixels,
    })
}

/// Writes a frame as an RGB PNG.
pub fn write_png(frame: &Frame, path: &Path) -> Result<(), String> {
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

/// Times `rounds` full kiosk redraws and `rounds` plain clears of the same
/// in-memory framebuffer (host CPU; the QEMU figure comes from the boot's frame line).
/// Returns (redraw µs, fill µs) per frame.
pub fn bench(width: u32, height: u32, rounds: u32) -> Result<(f64, f64), String> {
    use embedded_graphics::pixelcolor::Rgb888;
    use embedded_graphics::prelude::*;
    let mut pixels = vec![0u32; width as usize * height as usize];
    let mut display =
        MemoryDisplay::new(&mut pixels, width, height).map_err(|e| format!("{e:?}"))?;
    let mut info = SystemInfo {
        width,
        height,
        display_backend: "memory",
        ..SystemInfo::default()
    };
    info.set_integration("off");
    let mut kiosk = Kiosk::new();
    let rounds = rounds.max(1);
    let start = std::time::Instant::now();
    for _ in 0..rounds {
        kiosk.event(&Event::Resize { width, height }, &info);
        kiosk.draw(display.canvas(), &info);
        display.canvas().take_dirty();
    }
    let redraw = start.elapsed().as_secs_f64() * 1e6 / f64::from(rounds);
    let start = std::time::Instant::now();
    for i in 0..rounds {
        let _ = display.canvas().clear(Rgb888::new(i as u8, 0, 0));
        display.canvas().take_dirty();
    }
    let fill = start.elapsed().as_secs_f64() * 1e6 / f64::from(rounds);
    Ok((redraw, fill))
}

/// The `preview` subcommand.
pub fn run(args: &[String]) -> Result<(), String> {
    let opts = PreviewOptions::parse(args)?;
    let frame = render(&opts)?;
    write_png(&frame, &opts.out)?;
    println!(
        "preview {}x{} -> {}",
        frame.width,
        frame.height,
        opts.out.display()
    );
    if opts.bench > 0 {
        let (redraw, fill) = bench(opts.width, opts.height, opts.bench)?;
        println!(
            "bench {}x{} host: full redraw {redraw:.0} us, plain fill {fill:.0} us, ratio {:.1}",
            opts.width,
            opts.height,
            redraw / fill
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(w: u32, h: u32) -> PreviewOptions {
        PreviewOptions::parse(&["--size".into(), format!("{w}x{h}")]).unwrap()
    }

    #[test]
    fn parses_options_and_rejects_bad_ones() {
        let o = PreviewOptions::parse(&[
            "--size".into(),
            "800x600".into(),
            "--out".into(),
            "a.png".into(),
        ])
        .unwrap();
        assert_eq!(
            (o.width, o.height, o.out),
            (800, 600, PathBuf::from("a.png"))
        );
        assert!(PreviewOptions::parse(&["--size".into(), "800".into()]).is_err());
        assert!(PreviewOptions::parse(&["--size".into(), "0x600".into()]).is_err());
        assert!(PreviewOptions::parse(&["--hover".into(), "9".into()]).is_err());
        assert!(PreviewOptions::parse(&["--bogus".into()]).is_err());
    }

    #[test]
    fn renders_the_ui_not_a_blank_screen_and_writes_a_png() {
        let frame = render(&opts(800, 600)).unwrap();
        assert_eq!(frame.pixels.len(), 800 * 600);
        let at = |x: i32, y: i32| frame.pixels[(y as u32 * frame.width + x as u32) as usize];
        let rgb = |c: embedded_graphics::pixelcolor::Rgb888| {
            use embedded_graphics::pixelcolor::RgbColor;
            (u32::from(c.r()) << 16) | (u32::from(c.g()) << 8) | u32::from(c.b())
        };
        let layout = vitrine_app::layout(800, 600);
        assert_eq!(
            at(400, 2),
            rgb(vitrine_app::theme::HEADER),
            "header where the layout says"
        );
        assert_eq!(at(1, 599), rgb(vitrine_app::theme::BACKGROUND));
        let b = layout.buttons[4];
        assert_eq!(
            at(b.center().x, b.top_left.y + 6),
            rgb(vitrine_app::theme::CARD),
            "button card"
        );
        // The product name is drawn: text-coloured pixels inside the title.
        let t = layout.title;
        let text_pixels = (t.top_left.y..t.top_left.y + t.size.height as i32)
            .flat_map(|y| (t.top_left.x..t.top_left.x + t.size.width as i32).map(move |x| (x, y)))
            .filter(|&(x, y)| at(x, y) == rgb(vitrine_app::theme::TEXT))
            .count();
        assert!(text_pixels > 200, "title has {text_pixels} text pixels");
        let dir = std::env::temp_dir().join(format!("vitrine-preview-{}", std::process::id()));
        let path = dir.join("p.png");
        write_png(&frame, &path).unwrap();
        let decoder = png::Decoder::new(std::fs::File::open(&path).unwrap());
        let reader = decoder.read_info().unwrap();
        assert_eq!((reader.info().width, reader.info().height), (800, 600));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
