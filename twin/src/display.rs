//! The host's display side: which mode each screen shows (DISPI or VBVA), refresh
//! ticks, the host view pictures, and video mode hints from the host (§8.10, §10.1).

use crate::host_view::{FbGeometry, Image};
use crate::machine::Machine;
use crate::memory::RegionKind;
use crate::vbva::ModeHint;
use crate::vmmdev::DisplayDef;
use crate::wire::*;

/// A video mode hint from the host (GUI window resize or `setvideomodehint`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResizeHint {
    /// Screen index.
    pub screen: u32,
    /// Width (0 = keep current).
    pub width: u32,
    /// Height (0 = keep current).
    pub height: u32,
    /// Bits per pixel (0 = current, as the GUI sends).
    pub bpp: u32,
    /// Origin in the virtual desktop, if given.
    pub origin: Option<(i32, i32)>,
    /// Monitor enabled.
    pub enabled: bool,
}

impl ResizeHint {
    /// What the GUI sends on a window resize: bpp 0, no origin, enabled.
    pub fn window(screen: u32, width: u32, height: u32) -> Self {
        Self {
            screen,
            width,
            height,
            bpp: 0,
            origin: None,
            enabled: true,
        }
    }
}

/// Where the host takes a screen's mode from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModeSource {
    /// VBE DISPI registers (screen 0 only).
    Dispi,
    /// SVGA II registers, applied by the FIFO worker (screen 0 only).
    Svga,
    /// VBVA_INFO_SCREEN.
    Vbva,
}

/// The mode the host displays for a screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DisplayMode {
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
    /// Bits per pixel.
    pub bpp: u32,
    /// Pitch.
    pub pitch: u32,
    /// VRAM offset of the first pixel.
    pub vram_offset: u64,
    /// Origin in the virtual desktop.
    pub origin: (i32, i32),
    /// Register set that defined it.
    pub source: ModeSource,
}

impl Machine {
    /// Screen 0 as the DISPI registers describe it (SVGA's "host display mode").
    pub(crate) fn screen_geometry_dispi(&self) -> Option<FbGeometry> {
        let m = self.dispi.mode();
        m.enabled.then_some(FbGeometry {
            vram_offset: m.start_offset,
            pitch: m.pitch,
            width: m.width,
            height: m.height,
            bpp: m.bpp,
            blank: false,
        })
    }

    /// Screen 0 while SVGA mode is on: the mode the FIFO worker applied last.
    fn svga_geometry(&self) -> Option<Option<FbGeometry>> {
        let svga = self.svga.as_ref().filter(|s| s.enabled())?;
        Some(svga.screen().map(|s| FbGeometry {
            vram_offset: u64::from(s.vram_offset),
            pitch: s.pitch,
            width: s.width,
            height: s.height,
            bpp: s.bpp,
            blank: false,
        }))
    }

    pub(crate) fn screen_geometry(&self, screen: u32) -> Option<FbGeometry> {
        if screen == 0 {
            if let Some(geometry) = self.svga_geometry() {
                return geometry;
            }
        }
        if screen == 0 && self.screen0_source == ModeSource::Dispi {
            return self.screen_geometry_dispi();
        }
        let s = self.vbva.screen(screen)?;
        if s.flags & SCREEN_F_DISABLED != 0 {
            return None;
        }
        let view = self.vbva.view(s.view)?;
        Some(FbGeometry {
            vram_offset: u64::from(view.offset) + u64::from(s.start_offset),
            pitch: s.line_size,
            width: s.width,
            height: s.height,
            bpp: u32::from(s.bpp),
            blank: s.flags & (SCREEN_F_BLANK | SCREEN_F_BLANK2) != 0 || s.bpp == 0,
        })
    }

    pub(crate) fn update_geometries(&mut self) {
        for screen in 0..self.pictures.len() {
            let g = self.screen_geometry(screen as u32);
            if self.pictures[screen].geometry() != g {
                let vram = &self.mem.region(RegionKind::Vram).backing;
                self.pictures[screen].resize(g, vram);
            }
        }
    }

    /// Repaints what SVGA UPDATE-type commands named since the last call.
    pub(crate) fn apply_svga_updates(&mut self) {
        let Some(svga) = self.svga.as_mut() else {
            return;
        };
        let updates = std::mem::take(&mut svga.new_updates);
        let vram = &self.mem.region(RegionKind::Vram).backing;
        for u in updates {
            self.pictures[0].repaint(
                crate::vbva::Rect {
                    x: u.x as i32,
                    y: u.y as i32,
                    w: u.width,
                    h: u.height,
                },
                vram,
            );
        }
    }

    pub(crate) fn apply_vbva_updates(&mut self) {
        let vram = &self.mem.region(RegionKind::Vram).backing;
        for u in self.vbva.take_new_updates() {
            if let Some(p) = self.pictures.get_mut(u.screen as usize) {
                p.repaint(u.bounding_box, vram);
            }
        }
    }

    /// One display refresh tick: flush VBVA rings (unless paused), follow mode
    /// changes, and repaint screen 0 from VRAM unless VBVA owns it.
    pub fn refresh_display(&mut self) {
        if !self.vbva.paused() {
            let vram = &self.mem.region(RegionKind::Vram).backing;
            self.vbva.flush(vram, &mut self.errors);
        }
        self.apply_vbva_updates();
        self.update_geometries();
        if self.vbva.scanline_flags() & 1 != 0 {
            let vram = &self.mem.region(RegionKind::Vram).backing;
            self.hgsmi.raise_irq(vram, HOSTFLAGS_VSYNC);
        }
        self.with_svga(|svga, ctx| svga.refresh(ctx));
        self.apply_svga_updates();
        // While SVGA is on, only UPDATE-type commands reach the window unless TRACES
        // is set (vmsvga.md section 7).
        let svga_owns_screen0 = self
            .svga
            .as_ref()
            .is_some_and(|s| s.enabled() && !s.traces());
        let vbva_owns_screen0 = self.vbva.ring_enabled(0) && !self.vbva.paused();
        if !vbva_owns_screen0 && !svga_owns_screen0 {
            let vram = &self.mem.region(RegionKind::Vram).backing;
            self.pictures[0].repaint_all(vram);
        }
        self.last_refresh_us = self.now_us;
    }

    /// The picture the VirtualBox window shows for `screen` after a refresh, with
    /// the host-drawn pointer on top (when integration is on and the guest sent a
    /// visible shape).
    pub fn host_view(&mut self, screen: u32) -> Image {
        self.refresh_display();
        let Some(picture) = self.pictures.get(screen as usize) else {
            return Image {
                width: 0,
                height: 0,
                rgba: Vec::new(),
            };
        };
        let origin = self.current_mode(screen).map_or((0, 0), |m| m.origin);
        let pointer = match (
            &self.pointer.shape,
            self.pointer.visible && self.mouse.integration,
        ) {
            (Some(shape), true) => Some((shape, self.mouse.x - origin.0, self.mouse.y - origin.1)),
            _ => None,
        };
        picture.compose(pointer)
    }

    /// The picture the host shows for `screen` after a refresh, without the
    /// host-drawn pointer: what the guest's framebuffer holds once it flushed.
    /// (width, height, RGBA rows), borrowed: the soak compares millions of frames.
    pub fn host_picture(&mut self, screen: u32) -> Option<(u32, u32, &[u8])> {
        self.refresh_display();
        let picture = self.pictures.get(screen as usize)?;
        let (width, height) = picture.geometry().map_or((0, 0), |g| (g.width, g.height));
        Some((width, height, picture.rgba()))
    }

    /// [`Machine::host_view`] as PNG bytes.
    pub fn host_view_png(&mut self, screen: u32) -> Vec<u8> {
        self.host_view(screen).to_png()
    }

    /// Writes [`Machine::host_view_png`] to a file.
    pub fn save_host_view(&mut self, screen: u32, path: &std::path::Path) -> std::io::Result<()> {
        std::fs::write(path, self.host_view_png(screen))
    }

    /// Full / partial repaint counts of a screen's picture.
    pub fn repaint_counts(&self, screen: u32) -> (u32, u32) {
        self.pictures
            .get(screen as usize)
            .map_or((0, 0), |p| (p.full_repaints(), p.partial_repaints()))
    }

    /// A video mode hint from the host as `VBoxManage controlvm setvideomodehint`
    /// sends it (§10.1): stored in the VGA (HOTPLUG IRQ when the VBVA caps ask for it)
    /// and forwarded to VMMDev. Returns false when Main refuses it (screen beyond the
    /// monitor count).
    pub fn resize_hint(&mut self, hint: ResizeHint) -> bool {
        // Main refuses displays beyond the monitor count (E_INVALIDARG).
        if hint.screen >= self.config.monitor_count {
            return false;
        }
        let current = self.current_mode(hint.screen);
        let or_current = |v: u32, f: fn(&DisplayMode) -> u32| {
            if v == 0 {
                current.as_ref().map_or(0, f)
            } else {
                v
            }
        };
        let width = or_current(hint.width, |m| m.width);
        let height = or_current(hint.height, |m| m.height);
        // Without a current graphics mode the twin assumes 32 bpp (spec: Main uses
        // the framebuffer's current depth, not analysed for text mode).
        let bpp = match or_current(hint.bpp, |m| m.bpp) {
            0 => 32,
            bpp => bpp,
        };
        let caps = self.vbva.caps();
        let notify_vga = caps & VBVACAPS_VIDEO_MODE_HINTS != 0;
        if notify_vga && caps & VBVACAPS_IRQ == 0 {
            self.acpi_monitor_hotplugs += 1;
        }
        let vram = &self.mem.region(RegionKind::Vram).backing;
        self.vbva.set_mode_hint(
            hint.screen,
            ModeHint {
                cx: width,
                cy: height,
                bpp,
                dx: hint.origin.map_or(0xFFFF_FFFF, |o| o.0 as u32),
                dy: hint.origin.map_or(0xFFFF_FFFF, |o| o.1 as u32),
                enabled: hint.enabled,
            },
            notify_vga,
            &mut self.hgsmi,
            vram,
        );
        let mut flags = DISPLAY_CX | DISPLAY_CY | DISPLAY_BPP;
        if !hint.enabled {
            flags |= DISPLAY_DISABLED;
        }
        if hint.origin.is_some() {
            flags |= DISPLAY_ORIGIN;
        }
        if hint.screen == 0 {
            flags |= DISPLAY_PRIMARY;
        }
        let (x, y) = hint.origin.unwrap_or((0, 0));
        let def = DisplayDef {
            flags,
            id: hint.screen,
            x,
            y,
            cx: width,
            cy: height,
            bpp,
        };
        self.vmmdev
            .request_display_change(&[def], false, true, &self.mem);
        self.last_gui_hint[hint.screen as usize] = Some((width, height));
        true
    }

    /// A hint with the GUI's values (bpp 0, no origin, enabled), sent unconditionally
    /// like `setvideomodehint`. Returns false when Main refuses it.
    pub fn resize(&mut self, screen: u32, width: u32, height: u32) -> bool {
        self.resize_hint(ResizeHint::window(screen, width, height))
    }

    /// The user resizes the VirtualBox window with auto-resize on (§10.1, §10.4): the
    /// GUI sends a hint only while the guest's Graphics facility is Active, and not
    /// when it equals the current size or its last hint. Returns whether it sent one.
    pub fn gui_resize(&mut self, screen: u32, width: u32, height: u32) -> bool {
        if !self.graphics_facility_active() {
            return false;
        }
        let current = self.current_mode(screen).map(|m| (m.width, m.height));
        let last = self.last_gui_hint.get(screen as usize).copied().flatten();
        if current == Some((width, height)) || last == Some((width, height)) {
            return false;
        }
        self.resize(screen, width, height)
    }
}
