//! The pointer model: merges absolute (VMMDev, vmmouse) and relative (PS/2) sources
//! into one on-screen position, button state and wheel.
//!
//! Rules (see the spec §9): while an absolute source is active its positions win and
//! PS/2 motion is ignored (VirtualBox and QEMU both send "jiggle" packets through PS/2
//! to wake the guest). VMMDev outranks vmmouse. Buttons are kept per source and
//! OR-ed, so a source reporting "no buttons" never releases a button another source
//! holds. Positions are clamped to the screen and recomputed on resize.

use crate::event::{Button, InputEvent};
use crate::input::EventSink;
use crate::logging;

bitflags::bitflags! {
    /// Mouse buttons held down. The bit layout matches the first byte of a PS/2
    /// mouse packet.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub struct Buttons: u8 {
        /// The left (primary) button.
        const LEFT = 1 << 0;
        /// The right (secondary) button.
        const RIGHT = 1 << 1;
        /// The middle button (or wheel click).
        const MIDDLE = 1 << 2;
    }
}

/// The largest raw coordinate an absolute device reports (VMMDev and vmmouse both
/// span 0..=0xFFFF across the screen).
pub const ABSOLUTE_MAX: u32 = 0xFFFF;

/// Where pointer input comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The PS/2 mouse (relative motion, buttons, wheel).
    Ps2 = 0,
    /// The VMware backdoor mouse (absolute positions, buttons, wheel).
    VmMouse = 1,
    /// VirtualBox's VMMDev (absolute positions; buttons and wheel with the
    /// full-state protocol).
    VmmDev = 2,
}

const SOURCE_COUNT: usize = 3;

/// Maps a raw absolute coordinate (0..=0xFFFF) to a pixel on an axis of `size`
/// pixels, rounding: `min(size − 1, (v × size + 0x7FFF) / 0xFFFF)`.
///
/// VirtualBox biases its mapping so that truncating and rounding guests both land
/// on the pixel under the host pointer (spec §9.3). QEMU (vmmouse) scales a pixel
/// `p` to `2 × (p × 0x7FFF / size)`, a little *below* the pixel's start, where
/// truncating would give `p − 1`; rounding lands on `p` for both hosts.
pub fn absolute_to_pixel(raw: u32, size: u32) -> i32 {
    if size == 0 {
        return 0;
    }
    let raw = raw.min(ABSOLUTE_MAX) as u64;
    let half = ABSOLUTE_MAX as u64 / 2;
    let pixel = ((raw * size as u64 + half) / ABSOLUTE_MAX as u64).min(size as u64 - 1);
    pixel as i32
}

/// The merged pointer.
#[derive(Debug)]
pub struct Pointer {
    width: u32,
    height: u32,
    x: i32,
    y: i32,
    vmmdev_absolute: bool,
    vmmouse_absolute: bool,
    /// The last raw absolute position, kept so a resize maps it exactly.
    last_raw: Option<(u32, u32)>,
    buttons_by_source: [Buttons; SOURCE_COUNT],
    buttons: Buttons,
    inside: bool,
    warned_out_of_range: bool,
}

impl Pointer {
    /// A pointer in the middle of a `width`×`height` screen, not yet shown (no
    /// position has been reported yet).
    pub fn new(width: u32, height: u32) -> Self {
        let (width, height) = (width.max(1), height.max(1));
        Self {
            width,
            height,
            x: (width / 2) as i32,
            y: (height / 2) as i32,
            vmmdev_absolute: false,
            vmmouse_absolute: false,
            last_raw: None,
            buttons_by_source: [Buttons::empty(); SOURCE_COUNT],
            buttons: Buttons::empty(),
            inside: false,
            warned_out_of_range: false,
        }
    }

    /// The current position in pixels.
    pub fn position(&self) -> (i32, i32) {
        (self.x, self.y)
    }

    /// The buttons held down, merged over all sources.
    pub fn buttons(&self) -> Buttons {
        self.buttons
    }

    /// Whether the pointer is on our screen (a position arrived since the last
    /// source change).
    pub fn is_inside(&self) -> bool {
        self.inside
    }

    /// The screen size the pointer is clamped to.
    pub fn screen_size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// Which source currently drives the position.
    pub fn position_source(&self) -> Source {
        if self.vmmdev_absolute {
            Source::VmmDev
        } else if self.vmmouse_absolute {
            Source::VmMouse
        } else {
            Source::Ps2
        }
    }

    /// Turns an absolute source on or off: VMMDev when the host starts or stops
    /// wanting absolute input (mouse integration), vmmouse when it was switched to
    /// absolute mode or failed. A change makes the pointer leave (the old position
    /// means nothing now) until the next position; buttons the source held are
    /// released.
    pub fn set_absolute(&mut self, source: Source, on: bool, sink: &mut impl EventSink) {
        let before = self.position_source();
        let flag = match source {
            Source::VmmDev => &mut self.vmmdev_absolute,
            Source::VmMouse => &mut self.vmmouse_absolute,
            Source::Ps2 => return,
        };
        if *flag == on {
            return;
        }
        *flag = on;
        if !on {
            self.set_buttons(source, Buttons::empty(), sink);
        }
        if before != self.position_source() {
            self.last_raw = None;
            if self.inside {
                self.inside = false;
                sink.push(InputEvent::PointerPresence { inside: false });
            }
        }
    }

    /// A raw absolute position (0..=0xFFFF on each axis) from `source`. Ignored
    /// unless `source` currently drives the position; out-of-range values are
    /// clamped (and logged once).
    pub fn move_absolute(
        &mut self,
        source: Source,
        raw_x: i64,
        raw_y: i64,
        sink: &mut impl EventSink,
    ) {
        if source == Source::Ps2 || self.position_source() != source {
            return;
        }
        let clamp = |v: i64| v.clamp(0, ABSOLUTE_MAX as i64) as u32;
        let (cx, cy) = (clamp(raw_x), clamp(raw_y));
        if (cx as i64, cy as i64) != (raw_x, raw_y) && !self.warned_out_of_range {
            self.warned_out_of_range = true;
            logging::warn!(
                "input: absolute position ({raw_x}, {raw_y}) from {source:?} outside 0..=0xFFFF, clamped"
            );
        }
        self.last_raw = Some((cx, cy));
        let x = absolute_to_pixel(cx, self.width);
        let y = absolute_to_pixel(cy, self.height);
        self.place(x, y, sink);
    }

    /// Relative motion in pixels (x right, y down), as PS/2 reports it. Ignored while
    /// an absolute source drives the position.
    pub fn move_relative(&mut self, dx: i32, dy: i32, sink: &mut impl EventSink) {
        if self.position_source() != Source::Ps2 || (dx == 0 && dy == 0) {
            return;
        }
        let x = self.x.saturating_add(dx);
        let y = self.y.saturating_add(dy);
        self.place(x, y, sink);
    }

    /// The buttons `source` now holds; emits a press or release for each merged
    /// button that changed.
    pub fn set_buttons(&mut self, source: Source, held: Buttons, sink: &mut impl EventSink) {
        self.buttons_by_source[source as usize] = held;
        let merged = self
            .buttons_by_source
            .iter()
            .fold(Buttons::empty(), |acc, b| acc | *b);
        let changed = merged ^ self.buttons;
        self.buttons = merged;
        for (flag, button) in [
            (Buttons::LEFT, Button::Left),
            (Buttons::RIGHT, Button::Right),
            (Buttons::MIDDLE, Button::Middle),
        ] {
            if changed.contains(flag) {
                sink.push(InputEvent::Button {
                    button,
                    pressed: merged.contains(flag),
                });
            }
        }
    }

    /// Wheel motion; positive is away from the user (scroll up).
    pub fn wheel(&mut self, delta: i32, sink: &mut impl EventSink) {
        if delta != 0 {
            sink.push(InputEvent::Wheel { delta });
        }
    }

    /// The screen is now `width`×`height`: the position is mapped to the new size
    /// (exactly, from the last raw value, for absolute sources) and reported again.
    /// A zero size is refused and logged; the old size is kept.
    pub fn resize(&mut self, width: u32, height: u32, sink: &mut impl EventSink) {
        if width == 0 || height == 0 {
            logging::warn!("input: ignored resize to {width}x{height}");
            return;
        }
        let (x, y) = match self.last_raw {
            Some((rx, ry)) => (absolute_to_pixel(rx, width), absolute_to_pixel(ry, height)),
            None => (
                (self.x as i64 * width as i64 / self.width as i64) as i32,
                (self.y as i64 * height as i64 / self.height as i64) as i32,
            ),
        };
        self.width = width;
        self.height = height;
        if self.inside {
            self.place(x, y, sink);
        } else {
            self.x = x.clamp(0, width as i32 - 1);
            self.y = y.clamp(0, height as i32 - 1);
        }
    }

    fn place(&mut self, x: i32, y: i32, sink: &mut impl EventSink) {
        let x = x.clamp(0, self.width as i32 - 1);
        let y = y.clamp(0, self.height as i32 - 1);
        let entered = !self.inside;
        if entered {
            self.inside = true;
            sink.push(InputEvent::PointerPresence { inside: true });
        }
        if entered || (x, y) != (self.x, self.y) {
            self.x = x;
            self.y = y;
            sink.push(InputEvent::PointerMove { x, y });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    /// The host's mapping of pixel `p` inside a `size`-pixel rectangle to a raw
    /// value, as the spec gives it (§9.3, V17 i_convertDisplayRes).
    fn host_raw_for_pixel(p: u32, size: u32) -> i64 {
        ((p as i64 + 1) * 65535 - 49151) / size as i64
    }

    fn moves(events: &[InputEvent]) -> Vec<(i32, i32)> {
        events
            .iter()
            .filter_map(|e| match e {
                InputEvent::PointerMove { x, y } => Some((*x, *y)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn host_pixels_map_back_to_themselves_at_common_sizes() {
        for (w, h) in [
            (800, 600),
            (1920, 1080),
            (3840, 2160),
            (640, 480),
            (1024, 768),
        ] {
            for p in 0..w {
                let raw = host_raw_for_pixel(p, w) as u32;
                assert_eq!(absolute_to_pixel(raw, w), p as i32, "x pixel {p} of {w}");
            }
            for p in 0..h {
                let raw = host_raw_for_pixel(p, h) as u32;
                assert_eq!(absolute_to_pixel(raw, h), p as i32, "y pixel {p} of {h}");
            }
        }
    }

    /// QEMU's mapping of pixel `p` to what its vmmouse reports: the UI scales to
    /// 0..=0x7FFF over `size` (ui/input.c qemu_input_scale_axis with range `size`),
    /// and vmmouse doubles it in absolute mode.
    fn qemu_raw_for_pixel(p: u32, size: u32) -> u32 {
        (p as u64 * 0x7FFF / size as u64) as u32 * 2
    }

    #[test]
    fn qemu_vmmouse_pixels_map_back_to_themselves() {
        for size in [640, 800, 600, 1024, 1080, 1920, 2160, 3840] {
            for p in 0..size {
                assert_eq!(
                    absolute_to_pixel(qemu_raw_for_pixel(p, size), size),
                    p as i32,
                    "pixel {p} of {size}"
                );
            }
        }
    }

    #[test]
    fn absolute_moves_land_on_pixels_through_the_model() {
        for (w, h, px, py) in [
            (800, 600, 400, 300),
            (1920, 1080, 1919, 0),
            (3840, 2160, 1234, 2159),
        ] {
            let mut pointer = Pointer::new(w, h);
            let mut out = Vec::new();
            pointer.set_absolute(Source::VmmDev, true, &mut out);
            pointer.move_absolute(
                Source::VmmDev,
                host_raw_for_pixel(px, w),
                host_raw_for_pixel(py, h),
                &mut out,
            );
            assert_eq!(moves(&out), [(px as i32, py as i32)]);
            assert_eq!(out[0], InputEvent::PointerPresence { inside: true });
        }
    }

    #[test]
    fn extremes_and_hostile_values_are_clamped_to_the_screen() {
        let mut pointer = Pointer::new(800, 600);
        let mut out = Vec::new();
        pointer.set_absolute(Source::VmmDev, true, &mut out);
        pointer.move_absolute(Source::VmmDev, 0xFFFF, 0xFFFF, &mut out);
        assert_eq!(pointer.position(), (799, 599));
        pointer.move_absolute(Source::VmmDev, -5, i32::MAX as i64, &mut out);
        assert_eq!(pointer.position(), (0, 599));
        pointer.move_absolute(Source::VmmDev, 0x10000, -1, &mut out);
        assert_eq!(pointer.position(), (799, 0));
    }

    #[test]
    fn relative_motion_is_clamped_and_ignored_while_absolute() {
        let mut pointer = Pointer::new(800, 600);
        let mut out = Vec::new();
        pointer.move_relative(10, -20, &mut out);
        assert_eq!(pointer.position(), (410, 280));
        pointer.move_relative(-10_000, 10_000, &mut out);
        assert_eq!(pointer.position(), (0, 599));
        pointer.set_absolute(Source::VmmDev, true, &mut out);
        out.clear();
        pointer.move_relative(1, 0, &mut out);
        assert!(
            out.is_empty(),
            "PS/2 jiggle must not move an absolute pointer"
        );
        assert_eq!(pointer.position(), (0, 599));
    }

    #[test]
    fn integration_off_switches_to_relative_and_back() {
        let mut pointer = Pointer::new(1024, 768);
        let mut out = Vec::new();
        pointer.set_absolute(Source::VmmDev, true, &mut out);
        pointer.move_absolute(Source::VmmDev, 0x8000, 0x8000, &mut out);
        assert_eq!(pointer.position(), (512, 384));
        out.clear();
        pointer.set_absolute(Source::VmmDev, false, &mut out);
        assert_eq!(out, [InputEvent::PointerPresence { inside: false }]);
        assert_eq!(pointer.position_source(), Source::Ps2);
        // A stale VMMDev position no longer moves the pointer.
        out.clear();
        pointer.move_absolute(Source::VmmDev, 0, 0, &mut out);
        assert!(out.is_empty());
        pointer.move_relative(5, 5, &mut out);
        assert_eq!(
            out,
            [
                InputEvent::PointerPresence { inside: true },
                InputEvent::PointerMove { x: 517, y: 389 }
            ]
        );
        pointer.set_absolute(Source::VmmDev, true, &mut out);
        pointer.move_absolute(Source::VmmDev, 0, 0, &mut out);
        assert_eq!(pointer.position(), (0, 0));
    }

    #[test]
    fn vmmdev_outranks_vmmouse() {
        let mut pointer = Pointer::new(800, 600);
        let mut out = Vec::new();
        pointer.set_absolute(Source::VmMouse, true, &mut out);
        pointer.move_absolute(Source::VmMouse, 0xFFFF, 0, &mut out);
        assert_eq!(pointer.position(), (799, 0));
        pointer.set_absolute(Source::VmmDev, true, &mut out);
        pointer.move_absolute(Source::VmMouse, 0, 0xFFFF, &mut out);
        assert_eq!(pointer.position(), (799, 0));
        pointer.move_absolute(Source::VmmDev, 0, 0xFFFF, &mut out);
        assert_eq!(pointer.position(), (0, 599));
    }

    #[test]
    fn resize_maps_absolute_positions_exactly_and_relative_proportionally() {
        let mut pointer = Pointer::new(800, 600);
        let mut out = Vec::new();
        pointer.set_absolute(Source::VmmDev, true, &mut out);
        pointer.move_absolute(
            Source::VmmDev,
            host_raw_for_pixel(799, 800),
            host_raw_for_pixel(300, 600),
            &mut out,
        );
        out.clear();
        // The host's raw x for the last of 800 pixels is 65473: 3836.4 of 3840, not the
        // 3839.x a pixel-based rescale would give; y 300 of 600 is 1080.9 of 2160.
        pointer.resize(3840, 2160, &mut out);
        assert_eq!(moves(&out), [(3836, 1081)]);
        pointer.resize(640, 480, &mut out);
        assert_eq!(pointer.position(), (639, 240));

        let mut relative = Pointer::new(800, 600);
        relative.move_relative(399, 299, &mut out);
        assert_eq!(relative.position(), (799, 599));
        relative.resize(400, 300, &mut out);
        assert_eq!(relative.position(), (399, 299));
        relative.resize(0, 300, &mut out);
        assert_eq!(relative.screen_size(), (400, 300));
    }

    #[test]
    fn buttons_merge_over_sources() {
        let mut pointer = Pointer::new(800, 600);
        let mut out = Vec::new();
        pointer.set_buttons(Source::VmMouse, Buttons::LEFT, &mut out);
        assert_eq!(
            out,
            [InputEvent::Button {
                button: Button::Left,
                pressed: true
            }]
        );
        out.clear();
        // A PS/2 jiggle packet with no buttons must not release the vmmouse's left.
        pointer.set_buttons(Source::Ps2, Buttons::empty(), &mut out);
        assert!(out.is_empty());
        pointer.set_buttons(Source::Ps2, Buttons::RIGHT | Buttons::MIDDLE, &mut out);
        pointer.set_buttons(Source::VmMouse, Buttons::empty(), &mut out);
        assert_eq!(
            out,
            [
                InputEvent::Button {
                    button: Button::Right,
                    pressed: true
                },
                InputEvent::Button {
                    button: Button::Middle,
                    pressed: true
                },
                InputEvent::Button {
                    button: Button::Left,
                    pressed: false
                },
            ]
        );
    }

    #[test]
    fn disabling_a_source_releases_its_buttons() {
        let mut pointer = Pointer::new(800, 600);
        let mut out = Vec::new();
        pointer.set_absolute(Source::VmMouse, true, &mut out);
        pointer.set_buttons(Source::VmMouse, Buttons::LEFT, &mut out);
        out.clear();
        pointer.set_absolute(Source::VmMouse, false, &mut out);
        assert!(out.contains(&InputEvent::Button {
            button: Button::Left,
            pressed: false
        }));
        assert_eq!(pointer.buttons(), Buttons::empty());
    }
}
