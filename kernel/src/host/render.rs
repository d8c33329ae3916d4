//! Runs an app into an in-memory framebuffer on the host: renders after a script of
//! input steps, lists its widgets, times its redraws.

use super::script::{parse_script, Step};
use super::Options;
use crate::app::{App, Button, Event, InputEvent, SystemInfo};
use crate::display::memory::MemoryDisplay;
use crate::display::Display;
use embedded_graphics::pixelcolor::Rgb888;
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::Rectangle;
use std::format;
use std::string::{String, ToString};
use std::vec;
use std::vec::Vec;

/// The uptime a host render pretends (so clocks and uptimes show something).
const RENDER_UPTIME_US: u64 = 83_000_000;

/// A rendered frame: xRGB8888 pixels, row-major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostFrame {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The pixels.
    pub pixels: Vec<u32>,
}

impl HostFrame {
    /// The frame as a binary PPM (P6), as QEMU's screendump writes it.
    pub fn to_ppm(&self) -> Vec<u8> {
        let mut out = format!("P6\n{} {}\n255\n", self.width, self.height).into_bytes();
        for p in &self.pixels {
            out.extend_from_slice(&[(p >> 16) as u8, (p >> 8) as u8, *p as u8]);
        }
        out
    }
}

/// An app driven on the host: the system information it sees and where the pointer is.
struct Driven<A> {
    app: A,
    info: SystemInfo,
    pointer: (i32, i32),
}

impl<A: App> Driven<A> {
    fn new(app: A, width: u32, height: u32, options: &[(String, String)]) -> Self {
        let mut info = SystemInfo {
            width,
            height,
            display_backend: "memory",
            uptime_us: RENDER_UPTIME_US,
            ..SystemInfo::default()
        };
        info.set_integration("off");
        info.counts.frames = 1;
        info.timers.set_now(RENDER_UPTIME_US);
        for (name, value) in options {
            if let Err(error) = info.options.set_initial(name, value) {
                std::eprintln!("option app.{name}: {error:?} (ignored)");
            }
        }
        let mut driven = Self {
            app,
            info,
            pointer: (0, 0),
        };
        driven.send(Event::Resize { width, height });
        driven.send(Event::Tick {
            now_us: RENDER_UPTIME_US,
        });
        driven
    }

    fn send(&mut self, event: Event) {
        if matches!(event, Event::Input(_)) {
            self.info.counts.input += 1;
        }
        self.app.event(&event, &self.info);
    }

    fn centre(&self, widget: usize) -> Result<(i32, i32), String> {
        let mut found = None;
        self.app.widgets(&mut |id, rect| {
            if id == widget {
                found = Some(rect.center());
            }
        });
        found
            .map(|c| (c.x, c.y))
            .ok_or_else(|| format!("the app has no widget {widget}"))
    }

    fn move_to(&mut self, (x, y): (i32, i32)) {
        self.pointer = (x, y);
        self.send(Event::Input(InputEvent::PointerMove { x, y }));
    }

    fn button(&mut self, pressed: bool) {
        self.send(Event::Input(InputEvent::Button {
            button: Button::Left,
            pressed,
        }));
    }

    fn key(&mut self, key: crate::event::Key) {
        for pressed in [true, false] {
            self.send(Event::Input(InputEvent::Key { key, pressed }));
        }
    }

    fn step(&mut self, step: &Step) -> Result<(), String> {
        match step {
            Step::Move(x, y) => self.move_to((*x, *y)),
            Step::Press => self.button(true),
            Step::Release => self.button(false),
            Step::Hover(w) => self.move_to(self.centre(*w)?),
            Step::Click(w) => {
                self.move_to(self.centre(*w)?);
                self.button(true);
                self.button(false);
            }
            Step::PressOn(w) => {
                self.move_to(self.centre(*w)?);
                self.button(true);
            }
            Step::Key(key) => self.key(*key),
            Step::Text(text) => {
                for c in text.chars() {
                    self.key(crate::event::Key::Char(c));
                }
            }
            Step::Tick(us) => {
                // Time passes in one go: due timers fire (each once), then the tick.
                self.info.uptime_us += us;
                let now_us = self.info.uptime_us;
                while let Some(id) = self.info.timers.take_due(now_us) {
                    self.send(Event::Timer(id));
                    self.info.timers.set_now(now_us);
                }
                self.info.timers.set_now(now_us);
                self.info.counts.ticks += 1;
                self.send(Event::Tick { now_us });
            }
        }
        Ok(())
    }
}

/// App options given to a host run (`NAME`, `VALUE`), as `app.NAME=VALUE` would.
pub type HostOptions = [(String, String)];

/// Renders `app` at `width`×`height` with `options`, after `steps`.
pub fn render<A: App>(
    app: A,
    width: u32,
    height: u32,
    options: &HostOptions,
    steps: &[Step],
) -> Result<HostFrame, String> {
    let mut pixels = vec![0u32; width as usize * height as usize];
    {
        let mut display = MemoryDisplay::new(&mut pixels, width, height)
            .map_err(|e| format!("display: {e:?}"))?;
        let mut driven = Driven::new(app, width, height, options);
        for step in steps {
            driven.step(step)?;
        }
        driven.app.draw(display.canvas(), &driven.info);
    }
    Ok(HostFrame {
        width,
        height,
        pixels,
    })
}

/// The app's widgets at `width`×`height` after `steps`, in the order it reports them.
pub fn widgets<A: App>(
    app: A,
    width: u32,
    height: u32,
    options: &HostOptions,
    steps: &[Step],
) -> Result<Vec<(usize, Rectangle)>, String> {
    let mut driven = Driven::new(app, width, height, options);
    for step in steps {
        driven.step(step)?;
    }
    let mut list = Vec::new();
    driven.app.widgets(&mut |id, rect| list.push((id, rect)));
    Ok(list)
}

/// What a render or widget list is of: size, app options, input steps.
type RunSpec = (u32, u32, Vec<(String, String)>, Vec<Step>);

fn run_spec(options: &Options) -> Result<RunSpec, String> {
    let (width, height) = options.size()?;
    let steps = parse_script(options.get("--events").unwrap_or(""))?;
    Ok((width, height, app_options(options)?, steps))
}

/// Every `--option NAME=VALUE`.
fn app_options(options: &Options) -> Result<Vec<(String, String)>, String> {
    options
        .all("--option")
        .map(|pair| {
            pair.split_once('=')
                .map(|(n, v)| (n.trim_start_matches("app.").into(), v.into()))
                .ok_or_else(|| format!("--option wants NAME=VALUE, got `{pair}`"))
        })
        .collect()
}

/// `APP render --size WxH --out FILE.ppm [--events SCRIPT]`.
pub(super) fn render_command<A: App>(new_app: fn() -> A, args: &[String]) -> Result<(), String> {
    let options = Options::parse(args, &["--size", "--out", "--events", "--option"])?;
    let out = options.get("--out").ok_or("render needs --out FILE.ppm")?;
    let (width, height, app_options, steps) = run_spec(&options)?;
    let frame = render(new_app(), width, height, &app_options, &steps)?;
    std::fs::write(out, frame.to_ppm()).map_err(|e| format!("{out}: {e}"))?;
    std::println!("render {width}x{height} -> {out}");
    Ok(())
}

/// `APP widgets --size WxH [--events SCRIPT]`.
pub(super) fn widgets_command<A: App>(new_app: fn() -> A, args: &[String]) -> Result<(), String> {
    let options = Options::parse(args, &["--size", "--events", "--option"])?;
    let (width, height, app_options, steps) = run_spec(&options)?;
    for (id, r) in widgets(new_app(), width, height, &app_options, &steps)? {
        std::println!(
            "widget id={id} x={} y={} w={} h={}",
            r.top_left.x,
            r.top_left.y,
            r.size.width,
            r.size.height
        );
    }
    Ok(())
}

/// `APP bench --size WxH [--rounds N]`: µs per full redraw (a `Resize` and a draw)
/// and per plain fill of the same framebuffer, host CPU.
pub(super) fn bench_command<A: App>(new_app: fn() -> A, args: &[String]) -> Result<(), String> {
    let options = Options::parse(args, &["--size", "--rounds"])?;
    let (width, height) = options.size()?;
    let rounds: u32 = options
        .get("--rounds")
        .unwrap_or("20")
        .parse()
        .map_err(|_| "--rounds wants a number".to_string())?;
    let rounds = rounds.max(1);
    let mut pixels = vec![0u32; width as usize * height as usize];
    let mut display =
        MemoryDisplay::new(&mut pixels, width, height).map_err(|e| format!("{e:?}"))?;
    let mut driven = Driven::new(new_app(), width, height, &[]);
    let start = std::time::Instant::now();
    for _ in 0..rounds {
        driven.send(Event::Resize { width, height });
        driven.app.draw(display.canvas(), &driven.info);
        display.canvas().take_dirty();
    }
    let redraw = start.elapsed().as_secs_f64() * 1e6 / f64::from(rounds);
    let start = std::time::Instant::now();
    for i in 0..rounds {
        let _ = display.canvas().clear(Rgb888::new(i as u8, 0, 0));
        display.canvas().take_dirty();
    }
    let fill = start.elapsed().as_secs_f64() * 1e6 / f64::from(rounds);
    std::println!(
        "bench size={width}x{height} rounds={rounds} redraw_us={redraw:.0} fill_us={fill:.0}"
    );
    Ok(())
}
