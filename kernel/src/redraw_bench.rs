//! `bench=redraw`: how much a full app redraw costs next to a plain fill of the same
//! framebuffer, measured with the TSC in one boot, with the framebuffer mapped
//! write-combining and then uncached. `cargo xtask bench` reads the lines:
//! `@vitrine bench name=fill|redraw cache=wc|uc reps=N us=N min_us=N`.

use crate::app::{App, Event, SystemInfo};
use crate::arch::time::{rdtsc, tsc_khz};
use crate::display::Display;
use crate::metal::Metal;
use embedded_graphics::pixelcolor::Rgb888;
use embedded_graphics::prelude::*;

/// Repetitions per measurement; the mean and the fastest are reported.
const REPS: u32 = 5;

fn micros(cycles: u64) -> u64 {
    cycles * 1000 / tsc_khz().max(1)
}

/// Runs `work` `REPS` times; returns (mean, min) in microseconds.
fn measure(mut work: impl FnMut(u32)) -> (u64, u64) {
    let (mut total, mut min) = (0, u64::MAX);
    for rep in 0..REPS {
        let start = rdtsc();
        work(rep);
        let cycles = rdtsc().wrapping_sub(start);
        total += cycles;
        min = min.min(cycles);
    }
    (micros(total / u64::from(REPS)), micros(min))
}

fn run_pair<A: App>(display: &mut impl Display, cache: &str, new_app: fn() -> A) {
    let mode = display.mode();
    let info = SystemInfo {
        width: mode.width,
        height: mode.height,
        display_backend: display.backend_name(),
        ..SystemInfo::default()
    };
    let colours = [Rgb888::new(0x0F, 0x17, 0x2A), Rgb888::new(0x1E, 0x29, 0x3B)];
    let (mean, min) = measure(|rep| {
        let canvas = display.canvas();
        let _ = canvas.clear(colours[rep as usize % 2]);
        canvas.take_dirty();
    });
    crate::status!("bench name=fill cache={cache} reps={REPS} us={mean} min_us={min}");
    let mut app = new_app();
    let (mean, min) = measure(|_| {
        let resize = Event::Resize {
            width: mode.width,
            height: mode.height,
        };
        app.event(&resize, &info);
        let canvas = display.canvas();
        app.draw(canvas, &info);
        canvas.take_dirty();
    });
    crate::status!("bench name=redraw cache={cache} reps={REPS} us={mean} min_us={min}");
}

/// Measures fill and a redraw of a fresh app from `new_app` with the framebuffer mapped write-combining, then
/// uncached, and leaves it write-combining.
pub fn redraw<A: App>(platform: &mut Metal, display: &mut impl Display, new_app: fn() -> A) {
    let mode = display.mode();
    let region = display.canvas().framebuffer().region();
    let (base, len) = (region.phys(), region.len() as u64);
    crate::status!(
        "bench start mode={}x{} backend={} tsc_khz={}",
        mode.width,
        mode.height,
        display.backend_name(),
        tsc_khz()
    );
    run_pair(display, "wc", new_app);
    if platform.map_uncached(base, len) {
        run_pair(display, "uc", new_app);
    }
    platform.map_write_combining(base, len);
    crate::status!("bench done");
}
