//! `bench=redraw`: what an app's drawing costs next to plain fills of the same
//! pixels, measured with the TSC in one boot, at each size of [`SIZES`] the display
//! can show, with the framebuffer mapped write-combining and then uncached.
//!
//! Lines (`cargo xtask bench` reads them): `@vitrine bench name=N mode=WxH cache=wc|uc
//! reps=N us=MEAN min_us=MIN fill_us=MEAN fill_min_us=MIN ratio_milli=R px=DIRTY`,
//! where N is `redraw` (a full app redraw), `cold` (the same with the glyph and label
//! caches emptied first: the first redraw at a new size), `redraw-uncached` (with
//! the glyph and label caches held: every glyph resampled from its master, as
//! without a cache arena; write-combining only), `page` (a wheel step: the demo's
//! page switch) or `hover` (the pointer entering or leaving the app's first widget);
//! each timed alternately with its plain fill (`fill_*`: the whole screen, for
//! `hover` what the hover change marks dirty), R the median ratio of the pairs × 1000.

use crate::app::{App, Event, SystemInfo};
use crate::arch::time::{rdtsc, tsc_khz};
use crate::display::{Display, Rect};
use crate::event::InputEvent;
use crate::metal::Metal;
use crate::ui::{glyph_cache, label_cache};
use embedded_graphics::pixelcolor::Rgb888;
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::Rectangle;

/// Repetitions per measurement; the mean and the fastest are reported. Many, because
/// on a loaded host most runs of a few milliseconds lose the vCPU for a while (the TSC
/// counts host time under TCG) and the fastest run is the undisturbed one.
const REPS: usize = 15;
/// The sizes measured, in this order; the boot mode is restored afterwards.
const SIZES: [(u32, u32); 3] = [(1024, 768), (1920, 1080), (3840, 2160)];

fn micros(cycles: u64) -> u64 {
    cycles * 1000 / tsc_khz().max(1)
}

struct Bench<'a, D, A> {
    new_app: fn() -> A,
    display: &'a mut D,
    info: &'a SystemInfo,
    mode: (u32, u32),
    cache: &'static str,
}

/// Cycles of one timed call of `draw`, started with an empty TLB: every page it
/// touches costs one lookup whatever ran before (QEMU grows and shrinks its TLB at
/// flushes by recent use, so without this a fill took 1.0 to 2.5 ms at 1080p from
/// one run to the next depending on how big it happened to be).
fn timed(draw: impl FnOnce()) -> u64 {
    crate::arch::paging::flush_tlb();
    let start = rdtsc();
    draw();
    rdtsc().wrapping_sub(start)
}

/// Total and fastest of a step's timed runs, in cycles.
struct Time {
    total: u64,
    fastest: u64,
}

impl Default for Time {
    fn default() -> Self {
        Self {
            total: 0,
            fastest: u64::MAX,
        }
    }
}

impl Time {
    fn add(&mut self, cycles: u64) {
        self.total += cycles;
        self.fastest = self.fastest.min(cycles);
    }
}

/// The median of `values` (sorted in place: an insertion sort, as small as the
/// fifteen values it sorts).
fn median(values: &mut [u64]) -> u64 {
    for i in 1..values.len() {
        let mut j = i;
        while j > 0 && values[j - 1] > values[j] {
            values.swap(j - 1, j);
            j -= 1;
        }
    }
    values.get(values.len() / 2).copied().unwrap_or(0)
}

impl<D: Display, A: App> Bench<'_, D, A> {
    /// Times `step` (which draws) and `reference` (a plain fill) alternately, `REPS`
    /// times each, so both see the same host load, and prints the line for `name`:
    /// both means and fastest runs, and the median of the per-pair ratios (what the
    /// bench reports: one disturbed run moves neither it nor its pair's partner).
    /// Returns the dirty rectangles of the last run. (`dyn`: one copy of the timing
    /// loop for the steps, not one each.)
    #[inline(never)]
    fn run(
        &mut self,
        name: &str,
        reference: &mut dyn FnMut(&mut D, u32),
        step: &mut dyn FnMut(&mut D, &SystemInfo, u32),
    ) -> heapless::Vec<Rect, { crate::display::canvas::DIRTY_CAPACITY }> {
        let mut dirty = heapless::Vec::new();
        let (mut step_time, mut fill_time) = (Time::default(), Time::default());
        let mut ratios = [0; REPS];
        for (rep, ratio) in (0..).zip(ratios.iter_mut()) {
            let display = &mut *self.display;
            let fill = timed(|| reference(display, rep));
            let _ = display.canvas().take_dirty();
            let drawn = timed(|| step(display, self.info, rep));
            dirty = display.canvas().take_dirty();
            fill_time.add(fill);
            step_time.add(drawn);
            *ratio = drawn * 1000 / fill.max(1);
        }
        let px: u64 = dirty.iter().map(Rect::area).sum();
        crate::status!(
            "bench name={} mode={}x{} cache={} reps={} us={} min_us={} fill_us={} fill_min_us={} ratio_milli={} px={}",
            name,
            self.mode.0,
            self.mode.1,
            self.cache,
            REPS,
            micros(step_time.total / REPS as u64),
            micros(step_time.fastest),
            micros(fill_time.total / REPS as u64),
            micros(fill_time.fastest),
            // (Its length hidden: a loop over fifteen known values is unrolled.)
            median(core::hint::black_box(&mut ratios[..])),
            px
        );
        dirty
    }

    #[inline(never)]
    fn all(&mut self) {
        let colours = [Rgb888::new(0x0F, 0x17, 0x2A), Rgb888::new(0x1E, 0x29, 0x3B)];
        let mut full_fill = |d: &mut D, rep: u32| {
            let _ = d.canvas().clear(colours[rep as usize % 2]);
        };
        let mut app = (self.new_app)();
        let resize = Event::Resize {
            width: self.mode.0,
            height: self.mode.1,
        };
        // The first redraw after a resize to a new size: nothing of its text kept
        // yet (glyphs resampled, lines rendered and kept, then copied).
        self.run("cold", &mut full_fill, &mut |d, info, _| {
            glyph_cache::empty();
            label_cache::empty();
            app.event(&resize, info);
            app.draw(d.canvas(), info);
        });
        self.run("redraw", &mut full_fill, &mut |d, info, _| {
            app.event(&resize, info);
            app.draw(d.canvas(), info);
        });
        if self.cache == "wc" {
            self.run("redraw-uncached", &mut full_fill, &mut |d, info, _| {
                app.event(&resize, info);
                let draw = || app.draw(d.canvas(), info);
                label_cache::bypassed(|| glyph_cache::bypassed(draw));
            });
        }
        self.run("page", &mut full_fill, &mut |d, info, rep| {
            let delta = if rep % 2 == 0 { -1 } else { 1 };
            app.event(&Event::Input(InputEvent::Wheel { delta }), info);
            app.draw(d.canvas(), info);
        });
        // In and out of the first widget: each move is one hover change, against a
        // fill of what the change marks dirty (found by one move in and out first).
        let mut first = None;
        app.widgets(&mut |_, rect| {
            first = first.or(Some(rect));
        });
        let Some(widget) = first else {
            return;
        };
        let inside = widget.center();
        let outside = widget.top_left - Point::new(2, 2);
        let hover: &mut dyn FnMut(&mut D, &SystemInfo, u32) = &mut |d, info, rep| {
            let at = if rep % 2 == 0 { inside } else { outside };
            let event = InputEvent::PointerMove { x: at.x, y: at.y };
            app.event(&Event::Input(event), info);
            app.draw(d.canvas(), info);
        };
        hover(self.display, self.info, 0);
        let hover_dirty = self.display.canvas().take_dirty();
        hover(self.display, self.info, 1);
        let _ = self.display.canvas().take_dirty();
        let mut fill_hover = |d: &mut D, rep: u32| {
            for r in &hover_dirty {
                let area = Rectangle::new(
                    Point::new(r.x as i32, r.y as i32),
                    Size::new(r.width, r.height),
                );
                let _ = d.canvas().fill_solid(&area, colours[rep as usize % 2]);
            }
        };
        self.run("hover", &mut fill_hover, hover);
    }
}

/// Measures every size the display can show, write-combining then uncached, and
/// leaves the boot mode, write-combining.
pub fn redraw<A: App>(platform: &mut Metal, display: &mut impl Display, new_app: fn() -> A) {
    let boot_mode = display.mode();
    crate::status!(
        "bench start mode={}x{} backend={} tsc_khz={}",
        boot_mode.width,
        boot_mode.height,
        display.backend_name(),
        tsc_khz()
    );
    for (width, height) in SIZES {
        let shown = display.set_mode(platform, width, height);
        let mode = display.mode();
        if shown.is_err() || (mode.width, mode.height) != (width, height) {
            crate::status!(
                "bench skipped mode={}x{} reason=mode-refused",
                width,
                height
            );
            continue;
        }
        let region = display.canvas().framebuffer().region();
        let (base, len) = (region.phys(), region.len() as u64);
        let info = SystemInfo {
            width,
            height,
            display_backend: display.backend_name(),
            ..SystemInfo::default()
        };
        for cache in ["wc", "uc"] {
            let mapped = match cache {
                "wc" => platform.map_write_combining(base, len),
                _ => platform.map_uncached(base, len),
            };
            if mapped {
                Bench {
                    new_app,
                    display: &mut *display,
                    info: &info,
                    mode: (width, height),
                    cache,
                }
                .all();
            }
        }
        platform.map_write_combining(base, len);
    }
    let _ = display.set_mode(platform, boot_mode.width, boot_mode.height);
    crate::status!("bench done");
}
