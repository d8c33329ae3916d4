//! Getting the error page onto the host's screen. On VBVA the host shows only what
//! the ring reports, on SVGA II only what UPDATE commands name; a page drawn into
//! VRAM from the fault path would stay invisible. Both are reached here without the
//! display driver's state, allocations or anything the faulting code may have held:
//!
//! - VBVA: one ready-made VBVA_ENABLE(DISABLE) for screen 0, written at the start of
//!   the guest heap and submitted with one `out` (at a fault no command of the dead
//!   driver is in flight: the host handles each before its `out` returns). With VBVA
//!   off the host takes the screen back from VRAM with a full update
//!   (`Display::i_handleVBVADisable` in DisplayImpl.cpp; spec vbva.md).
//! - SVGA II: TRACES on (one register write) before the page is drawn, so the host
//!   refreshes from the framebuffer by itself (vmsvga.md section 7).
//!
//! Backends the host scans out directly (VBE, the firmware framebuffer) need nothing.

use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use crate::drivers::vga::svga::{regs::SvgaPorts, wire::SVGA_REG_TRACES};
use crate::drivers::vga::vbva;
use crate::hal::{PhysRegion, PortIo};

/// What the fault path does so the host shows the error page.
#[derive(Debug, Clone, Copy)]
pub enum ScreenHandover {
    /// The host shows the framebuffer as it is.
    Direct,
    /// Switch VBVA off with a command written at `command_offset` of `vram`.
    VbvaOff {
        /// The whole VRAM BAR.
        vram: PhysRegion,
        /// Where the command goes (the guest heap's start).
        command_offset: u32,
    },
    /// Switch SVGA TRACES on through the registers at `io_base`.
    SvgaTraces {
        /// The SVGA I/O BAR.
        io_base: u16,
    },
}

impl ScreenHandover {
    /// The word in `@vitrine recovery … handover=…`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Direct => "direct",
            Self::VbvaOff { .. } => "vbva-off",
            Self::SvgaTraces { .. } => "svga-traces",
        }
    }

    /// Before the page is drawn (so the host tracks the writes).
    pub fn before_page(&self, io: &mut impl PortIo) {
        if let Self::SvgaTraces { io_base } = *self {
            SvgaPorts::new(io_base).write(io, SVGA_REG_TRACES, 1);
        }
    }

    /// After the page is drawn. False when the command could not be placed.
    pub fn after_page(&self, io: &mut impl PortIo) -> bool {
        match self {
            Self::VbvaOff {
                vram,
                command_offset,
            } => vbva::disable_from_fault(io, vram, *command_offset),
            _ => true,
        }
    }
}

const KIND_DIRECT: u32 = 0;
const KIND_VBVA: u32 = 1;
const KIND_SVGA: u32 = 2;

static KIND: AtomicU32 = AtomicU32::new(KIND_DIRECT);
static VRAM_PHYS: AtomicU64 = AtomicU64::new(0);
static VRAM_PTR: AtomicU64 = AtomicU64::new(0);
static VRAM_LEN: AtomicU64 = AtomicU64::new(0);
/// The command offset (VBVA) or the I/O base (SVGA).
static ARGUMENT: AtomicU32 = AtomicU32::new(0);

/// Publishes what the running display needs at a fault (the runtime calls this
/// after each frame, with the screen).
pub fn publish(handover: ScreenHandover) {
    KIND.store(KIND_DIRECT, Ordering::SeqCst);
    match handover {
        ScreenHandover::Direct => {}
        ScreenHandover::VbvaOff {
            vram,
            command_offset,
        } => {
            VRAM_PHYS.store(vram.phys(), Ordering::SeqCst);
            VRAM_PTR.store(vram.as_ptr() as u64, Ordering::SeqCst);
            VRAM_LEN.store(vram.len() as u64, Ordering::SeqCst);
            ARGUMENT.store(command_offset, Ordering::SeqCst);
            KIND.store(KIND_VBVA, Ordering::SeqCst);
        }
        ScreenHandover::SvgaTraces { io_base } => {
            ARGUMENT.store(u32::from(io_base), Ordering::SeqCst);
            KIND.store(KIND_SVGA, Ordering::SeqCst);
        }
    }
}

/// What was last published.
pub fn published() -> ScreenHandover {
    match KIND.load(Ordering::SeqCst) {
        KIND_VBVA => ScreenHandover::VbvaOff {
            // SAFETY: the values came from a live `PhysRegion` of the VRAM BAR
            // (`publish`), which stays mapped for the kernel's life.
            vram: unsafe {
                PhysRegion::new(
                    VRAM_PHYS.load(Ordering::SeqCst),
                    VRAM_PTR.load(Ordering::SeqCst) as *mut u8,
                    VRAM_LEN.load(Ordering::SeqCst) as usize,
                )
            },
            command_offset: ARGUMENT.load(Ordering::SeqCst),
        },
        KIND_SVGA => ScreenHandover::SvgaTraces {
            io_base: ARGUMENT.load(Ordering::SeqCst) as u16,
        },
        _ => ScreenHandover::Direct,
    }
}
