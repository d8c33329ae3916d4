//! Display: framebuffer, canvas with dirty rectangles, and the backends that own them.
//!
//! A backend knows its mode, hands out the canvas, and presents a frame's dirty
//! rectangles: a no-op for plain VBE and firmware framebuffers (the device scans
//! VRAM itself), VBVA records for the VirtualBox backend.

pub mod boot;
pub mod canvas;
pub mod dirty;
pub mod fill_outside;
pub mod firmware;
pub mod framebuffer;
pub mod memory;
mod pixel_runs;
pub mod pointer;
pub mod svga;
pub mod system;
pub mod vbe;
pub mod vbva;
pub mod vram;

pub use canvas::Canvas;
pub use dirty::Rect;

use crate::drivers::vga::dispi::DispiError;
use crate::drivers::vga::vbva::VbvaError;
use crate::hal::Platform;
use crate::runtime::EventQueue;
use framebuffer::FramebufferError;

/// The current display mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModeInfo {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Bytes per scanline.
    pub pitch: u32,
    /// Video memory behind the framebuffer, in KiB.
    pub vram_kib: u32,
}

/// What a display backend can fail at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisplayError {
    /// The DISPI device refused or could not be found.
    Dispi(DispiError),
    /// The framebuffer geometry does not fit its memory.
    Framebuffer(FramebufferError),
    /// The physical range could not be mapped.
    MapFailed {
        /// Physical base.
        phys: u64,
        /// Length in bytes.
        len: u64,
    },
    /// This backend has a fixed mode.
    ModeChangeUnsupported,
    /// HGSMI/VBVA failed (the VirtualBox backend).
    Vbva(VbvaError),
    /// The SVGA II device failed.
    Svga(crate::drivers::vga::svga::SvgaError),
}

impl From<VbvaError> for DisplayError {
    fn from(e: VbvaError) -> Self {
        Self::Vbva(e)
    }
}

impl From<DispiError> for DisplayError {
    fn from(e: DispiError) -> Self {
        Self::Dispi(e)
    }
}

impl From<FramebufferError> for DisplayError {
    fn from(e: FramebufferError) -> Self {
        Self::Framebuffer(e)
    }
}

/// A display backend, as the runtime drives it.
pub trait Display {
    /// `vbe`, `firmware`, `vbva`, `memory`: the word in the status line.
    fn backend_name(&self) -> &'static str;
    /// The current mode.
    fn mode(&self) -> ModeInfo;
    /// The canvas the app draws on.
    fn canvas(&mut self) -> &mut Canvas;
    /// Makes a frame visible; `dirty` lists what changed since the last present.
    fn present<H: Platform>(&mut self, hal: &mut H, dirty: &[Rect]) -> Result<(), DisplayError>;
    /// Switches to the valid mode nearest `width`×`height` and returns it. The whole
    /// canvas is dirty afterwards. Fixed-mode backends return `ModeChangeUnsupported`.
    fn set_mode<H: Platform>(
        &mut self,
        hal: &mut H,
        width: u32,
        height: u32,
    ) -> Result<ModeInfo, DisplayError>;
    /// Services the display device once per loop iteration (the VirtualBox backend
    /// processes host commands and queues mode hints here); `fired_lines` as for
    /// event sources. Plain backends have nothing to do.
    fn poll<H: Platform>(&mut self, _hal: &mut H, _fired_lines: u64, _queue: &mut EventQueue) {}

    /// What the fault path must do so the host shows a page drawn into the
    /// framebuffer (nothing: the host scans the framebuffer out).
    fn fault_handover(&self) -> crate::recovery::handover::ScreenHandover {
        crate::recovery::handover::ScreenHandover::Direct
    }
    /// Shows (`visible`) or hides the host-drawn pointer. Returns whether the host
    /// draws the pointer now; backends without a host pointer return false.
    fn show_host_pointer<H: Platform>(&mut self, _hal: &mut H, _visible: bool) -> bool {
        false
    }
    /// Whether [`Display::move_host_pointer`] places the host pointer (a hardware
    /// cursor with a guest-set position).
    fn places_host_pointer(&self) -> bool {
        false
    }
    /// Puts the host pointer's hotspot at pixel (x, y) and shows it, for hosts that
    /// do not move it with their own mouse. Backends without a host pointer ignore it.
    fn move_host_pointer<H: Platform>(&mut self, _hal: &mut H, _x: i32, _y: i32) {}
}

/// Emits `@vitrine display backend=… mode=WxH pitch=N vram_kib=N`.
pub fn report_mode(display: &impl Display) {
    let mode = display.mode();
    crate::status!(
        "display backend={} mode={}x{} pitch={} vram_kib={}",
        display.backend_name(),
        mode.width,
        mode.height,
        mode.pitch,
        mode.vram_kib
    );
}
