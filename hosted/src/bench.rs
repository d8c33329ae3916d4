//! What `cargo xtask bench` measures against the twin, where every framebuffer byte
//! and every presented rectangle can be counted: framebuffer bytes written per
//! pointer move (host-drawn pointer) and per hover change, dirty pixels presented per
//! hover change, and redraws per applied resize hint.

use crate::sim::{Sim, SimError, SimOptions};
use vitrine::display::Display;

/// Pointer moves over empty background measured.
const MOVES: u32 = 20;
/// Hover changes measured (entering and leaving a button, alternately).
const HOVERS: u32 = 10;
/// Resize hints applied, one at a time.
const HINTS: [(u32, u32); 3] = [(1280, 800), (800, 600), (1920, 1080)];

/// The twin's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct TwinFigures {
    /// Framebuffer bytes written per pointer move with the host-drawn pointer.
    pub bytes_per_pointer_move: f64,
    /// Framebuffer bytes written per hover change.
    pub bytes_per_hover: f64,
    /// Bytes of the hovered widget (its area × 4).
    pub widget_bytes: u64,
    /// Dirty pixels presented (VBVA records the host received) per hover change.
    pub presented_px_per_hover: f64,
    /// Pixels of the hovered widget.
    pub widget_px: u64,
    /// Full-screen presents per applied resize hint.
    pub redraws_per_hint: f64,
}

fn written(sim: &mut Sim) -> u64 {
    sim.runtime
        .display_mut()
        .canvas()
        .framebuffer()
        .bytes_written()
}

fn presented_px(sim: &Sim) -> u64 {
    sim.platform
        .machine
        .dirty_updates()
        .iter()
        .flat_map(|u| &u.rects)
        .map(|r| u64::from(r.w) * u64::from(r.h))
        .sum()
}

/// Boots the kiosk against the twin (VirtualBox integration on, host pointer) and
/// counts.
pub fn measure() -> Result<TwinFigures, SimError> {
    // No app ticks: the clock's redraws would be counted with the pointer's.
    let mut sim = Sim::boot(SimOptions {
        app_ticks: false,
        ..SimOptions::default()
    })?;
    let (width, height) = {
        let mode = sim.runtime.display().mode();
        (mode.width, mode.height)
    };
    let layout = vitrine_app::layout(width, height);
    let button = layout.buttons[0];
    // The gap left of the first button: background, no widget.
    let gap = (button.top_left.x / 2, button.center().y);
    sim.platform.machine.mouse_move(gap.0, gap.1);
    sim.settle()?;

    let before = written(&mut sim);
    for i in 0..MOVES {
        sim.platform
            .machine
            .mouse_move(gap.0, gap.1 + (i as i32 % 5) - 2);
        sim.settle()?;
    }
    let bytes_per_pointer_move = (written(&mut sim) - before) as f64 / f64::from(MOVES);

    let centre = button.center();
    sim.platform.machine.clear_dirty_updates();
    let before = written(&mut sim);
    for i in 0..HOVERS {
        let (x, y) = if i % 2 == 0 {
            (centre.x, centre.y)
        } else {
            gap
        };
        sim.platform.machine.mouse_move(x, y);
        sim.settle()?;
    }
    let bytes_per_hover = (written(&mut sim) - before) as f64 / f64::from(HOVERS);
    let presented_px_per_hover = presented_px(&sim) as f64 / f64::from(HOVERS);
    let widget_px = u64::from(button.size.width) * u64::from(button.size.height);

    let mut full_presents = 0u32;
    for (w, h) in HINTS {
        sim.platform.machine.clear_dirty_updates();
        if !sim.platform.machine.resize(0, w, h) {
            return Err(SimError::Command {
                line: 0,
                message: format!("the twin refused the hint {w}x{h}"),
            });
        }
        sim.settle()?;
        full_presents += sim
            .platform
            .machine
            .dirty_updates()
            .iter()
            .filter(|u| u.bounding_box.w >= w && u.bounding_box.h >= h)
            .count() as u32;
    }
    Ok(TwinFigures {
        bytes_per_pointer_move,
        bytes_per_hover,
        widget_bytes: widget_px * 4,
        presented_px_per_hover,
        widget_px,
        redraws_per_hint: f64::from(full_presents) / HINTS.len() as f64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The counters move: a hover writes pixels and presents them, a hint presents
    /// the whole screen (the bench's own targets are shown by `cargo xtask bench`).
    #[test]
    fn the_twin_counts_hover_writes_and_full_presents() {
        let figures = measure().expect("the kiosk runs against the twin");
        assert!(figures.bytes_per_hover > 0.0, "{figures:?}");
        assert!(figures.presented_px_per_hover > 0.0, "{figures:?}");
        assert!(figures.redraws_per_hint >= 1.0, "{figures:?}");
    }
}
