//! VMware SVGA II (VirtualBox VMSVGA and VBoxSVGA, QEMU `-vga vmware`, VMware): the
//! register file, the command FIFO, mode setting, UPDATE rectangles and the hardware
//! cursor, as `shared/spec/vmsvga.md` section 13 describes a minimal 2D guest.
//!
//! Everything a host can get wrong is bounded: the BUSY poll after SYNC gives up after
//! [`BUSY_TIMEOUT_US`] (or [`BUSY_POLL_LIMIT`] reads on a clock that does not move),
//! a full ring is reported, not waited on forever, and a mode the host does not take
//! is put back.

pub mod cursor;
pub mod fifo;
pub mod regs;
pub mod wire;

use self::cursor::{CursorError, CursorImage};
use self::fifo::{Fifo, FifoError};
use self::regs::SvgaPorts;
use self::wire::*;
use super::dispi::ModeLimits;
use super::{PciBar, VgaPciInfo, VIRTUALBOX_VGA_ID};
use crate::hal::{Clock, PhysMem, PhysRegion, PortIo};
use crate::logging;
use zerocopy::IntoBytes;

/// PCI vendor id of VMware.
pub const VMWARE_VENDOR_ID: u16 = 0x15AD;
/// The VMware SVGA II PCI id (VMSVGA, QEMU `-vga vmware`, VMware).
pub const VMWARE_SVGA2_ID: (u16, u16) = (VMWARE_VENDOR_ID, PCI_DEVICE_ID_VMWARE_SVGA2);
/// Longest wait for the host to drain the FIFO after SYNC.
pub const BUSY_TIMEOUT_US: u64 = 250_000;
/// Most BUSY reads per wait (a clock that does not move must not hang us).
pub const BUSY_POLL_LIMIT: u32 = 20_000;
/// Bits per pixel Vitrine draws in.
const BPP: u32 = 32;

/// Where the device's three resources are, by PCI personality.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SvgaLayout {
    /// 15AD:0405 (VMSVGA, QEMU, VMware): BAR0 I/O, BAR1 VRAM, BAR2 FIFO.
    Vmware,
    /// 80EE:BEEF with subsystem 15AD:0405 (VBoxSVGA): BAR0 VRAM, BAR1 I/O, BAR2 FIFO.
    VirtualBox,
}

impl SvgaLayout {
    /// The layout of an SVGA II function, `None` for any other device (VBoxVGA has
    /// VirtualBox's ids but no SVGA subsystem).
    pub fn of(pci: &VgaPciInfo) -> Option<Self> {
        match ((pci.vendor, pci.device), pci.subsystem) {
            (VMWARE_SVGA2_ID, _) => Some(Self::Vmware),
            (VIRTUALBOX_VGA_ID, VMWARE_SVGA2_ID) => Some(Self::VirtualBox),
            _ => None,
        }
    }

    /// Short name for status lines: the controller as VirtualBox's GUI calls it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Vmware => "vmsvga",
            Self::VirtualBox => "vboxsvga",
        }
    }
}

/// The device's BARs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SvgaResources {
    /// Which personality.
    pub layout: SvgaLayout,
    /// I/O BAR base.
    pub io_base: u16,
    /// VRAM BAR (base, size).
    pub vram: (u64, u64),
    /// FIFO BAR (base, size).
    pub fifo: (u64, u64),
}

impl SvgaResources {
    /// Reads the BARs of an SVGA II function.
    pub fn locate(pci: &VgaPciInfo) -> Result<Self, SvgaError> {
        let layout = SvgaLayout::of(pci).ok_or(SvgaError::NotSvga {
            vendor: pci.vendor,
            device: pci.device,
        })?;
        let (io, vram) = match layout {
            SvgaLayout::Vmware => (0, 1),
            SvgaLayout::VirtualBox => (1, 0),
        };
        let io_base = match pci.bars[io] {
            PciBar::Io { port, size } if port != 0 && size >= 16 => port,
            _ => return Err(SvgaError::MissingBar { index: io as u8 }),
        };
        let memory = |index: usize| match pci.bars[index] {
            PciBar::Memory { base, size, .. } if base != 0 && size != 0 => Ok((base, size)),
            _ => Err(SvgaError::MissingBar { index: index as u8 }),
        };
        Ok(Self {
            layout,
            io_base,
            vram: memory(vram)?,
            fifo: memory(2)?,
        })
    }
}

/// What can go wrong with the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SvgaError {
    /// Not an SVGA II function.
    NotSvga {
        /// PCI vendor.
        vendor: u16,
        /// PCI device.
        device: u16,
    },
    /// A BAR the layout needs is missing or unassigned.
    MissingBar {
        /// BAR number.
        index: u8,
    },
    /// The id register did not take `SVGA_ID_2`.
    IdRejected {
        /// What it read back.
        id: u32,
    },
    /// The capabilities lack something needed (an UPDATE-capable 2D device has
    /// at least RECT_COPY; an all-ones word is a dead device).
    Capabilities {
        /// The capability word.
        caps: u32,
    },
    /// VRAM or FIFO could not be mapped.
    MapFailed {
        /// Physical base.
        phys: u64,
        /// Bytes.
        len: u64,
    },
    /// The FIFO could not be set up or took no command.
    Fifo(FifoError),
    /// The host did not take the mode (register read back differently, or the
    /// framebuffer it describes does not fit the VRAM).
    ModeRejected {
        /// Width asked for.
        width: u32,
        /// Height asked for.
        height: u32,
        /// Width, height and bpp read back.
        read_back: (u32, u32, u32),
    },
    /// BUSY stayed set after SYNC for longer than [`BUSY_TIMEOUT_US`].
    SyncTimeout,
    /// The host cleared BUSY without consuming the FIFO: its checks rejected our
    /// MIN/MAX (hosts report nothing else), so no UPDATE would ever show.
    FifoIgnored {
        /// The host's STOP.
        stop: u32,
        /// Our NEXT_CMD.
        next: u32,
    },
    /// Commands are still queued (the host's worker is stuck or slow): mode
    /// registers written now would be applied before them, putting the old mode's
    /// UPDATEs on the new screen. Try again once the host drained the FIFO.
    FifoNotDrained {
        /// The host's STOP.
        stop: u32,
        /// Our NEXT_CMD.
        next: u32,
    },
    /// The device draws no cursor (no CURSOR capability) or refused the image.
    Cursor(CursorError),
}

impl From<FifoError> for SvgaError {
    fn from(e: FifoError) -> Self {
        Self::Fifo(e)
    }
}

/// A mode the device took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SvgaMode {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Bytes per scanline.
    pub pitch: u32,
    /// Offset of pixel (0, 0) in VRAM.
    pub fb_offset: u32,
}

/// Which cursor command the device takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CursorKind {
    /// DEFINE_ALPHA_CURSOR (VirtualBox).
    Alpha,
    /// DEFINE_CURSOR with a 1-bpp mask and a 32-bpp image (both hosts).
    Masked,
}

/// A probed SVGA II device with its FIFO configured (not yet in SVGA mode).
#[derive(Debug)]
pub struct Svga {
    ports: SvgaPorts,
    layout: SvgaLayout,
    caps: Caps,
    fifo: Fifo,
    vram: PhysRegion,
    max_width: u32,
    max_height: u32,
    mode: Option<SvgaMode>,
    /// The host let a BUSY wait time out: later waits read BUSY once instead of
    /// stalling every frame, until it clears again.
    host_stuck: bool,
}

impl Svga {
    /// Negotiates `SVGA_ID_2` (VirtualBox reads 0 until it is written), reads the
    /// capabilities and sizes, maps VRAM and the FIFO and configures the FIFO
    /// (`CONFIG_DONE`). The display stays as it is until [`Svga::set_mode`].
    pub fn probe<H: PortIo + PhysMem>(hal: &mut H, pci: &VgaPciInfo) -> Result<Self, SvgaError> {
        let res = SvgaResources::locate(pci)?;
        let ports = SvgaPorts::new(res.io_base);
        ports.write(hal, SVGA_REG_ID, SVGA_ID_2);
        let id = ports.read(hal, SVGA_REG_ID);
        if id != SVGA_ID_2 {
            return Err(SvgaError::IdRejected { id });
        }
        let raw_caps = ports.read(hal, SVGA_REG_CAPABILITIES);
        if raw_caps == u32::MAX {
            return Err(SvgaError::Capabilities { caps: raw_caps });
        }
        let caps = Caps::from_bits_truncate(raw_caps);
        // The device's own figures, believed only within its BARs.
        let vram_len = u64::from(ports.read(hal, SVGA_REG_VRAM_SIZE)).min(res.vram.1);
        let fifo_len = u64::from(ports.read(hal, SVGA_REG_MEM_SIZE))
            .min(res.fifo.1)
            .min(u64::from(fifo::QEMU_FIFO_LIMIT));
        let fb_start = u64::from(ports.read(hal, SVGA_REG_FB_START));
        if fb_start != res.vram.0 {
            logging::warn!(
                "svga: FB_START {fb_start:#x} is not the VRAM BAR {:#x}; using the BAR",
                res.vram.0
            );
        }
        let map = |hal: &mut H, (phys, len): (u64, u64)| {
            let failed = SvgaError::MapFailed { phys, len };
            let len = usize::try_from(len).map_err(|_| failed)?;
            if len == 0 {
                return Err(failed);
            }
            hal.map(phys, len).ok_or(failed)
        };
        let vram = map(hal, (res.vram.0, vram_len))?;
        let fifo_region = map(hal, (res.fifo.0, fifo_len))?;
        let fifo = Fifo::configure(
            fifo_region,
            fifo_len as u32,
            caps.contains(Caps::EXTENDED_FIFO),
        )?;
        ports.write(hal, SVGA_REG_CONFIG_DONE, 1);
        let max_width = ports.read(hal, SVGA_REG_MAX_WIDTH);
        let max_height = ports.read(hal, SVGA_REG_MAX_HEIGHT);
        Ok(Self {
            ports,
            layout: res.layout,
            caps,
            fifo,
            vram,
            max_width,
            max_height,
            mode: None,
            host_stuck: false,
        })
    }

    /// The personality.
    pub fn layout(&self) -> SvgaLayout {
        self.layout
    }

    /// The I/O BAR of the register file.
    pub fn io_base(&self) -> u16 {
        self.ports.base()
    }

    /// The capability word.
    pub fn caps(&self) -> Caps {
        self.caps
    }

    /// The FIFO (for tests and status).
    pub fn fifo(&self) -> &Fifo {
        &self.fifo
    }

    /// All of VRAM.
    pub fn vram(&self) -> PhysRegion {
        self.vram
    }

    /// The current mode, once set.
    pub fn mode(&self) -> Option<SvgaMode> {
        self.mode
    }

    /// Whether a BUSY wait timed out and the host has not caught up since.
    pub fn host_stuck(&self) -> bool {
        self.host_stuck
    }

    /// The modes the device takes: its MAX_WIDTH/MAX_HEIGHT and the VRAM.
    pub fn limits(&self) -> ModeLimits {
        ModeLimits {
            max_width: self.max_width,
            max_height: self.max_height,
            vram_bytes: self.vram.len() as u64,
            width_multiple_of_8: false,
        }
    }

    /// Sets `width`×`height` at 32 bpp (already validated against [`Svga::limits`]),
    /// enables SVGA mode on the first call, and kicks the host so it applies the mode
    /// now (VirtualBox applies it on a worker that may sleep for seconds otherwise).
    /// A mode the host does not take is put back to the previous one.
    pub fn set_mode<H: PortIo + Clock>(
        &mut self,
        hal: &mut H,
        width: u32,
        height: u32,
    ) -> Result<SvgaMode, SvgaError> {
        let p = self.ports;
        // The worker applies a mode change before the commands queued so far, so
        // UPDATEs of the old mode must be drained first or they would land on the new
        // (maybe smaller) screen: a host that does not drain them gets no mode.
        if !self.drain(hal) {
            return Err(SvgaError::FifoNotDrained {
                stop: self.fifo.register(SVGA_FIFO_STOP),
                next: self.fifo.register(SVGA_FIFO_NEXT_CMD),
            });
        }
        p.write(hal, SVGA_REG_WIDTH, width);
        p.write(hal, SVGA_REG_HEIGHT, height);
        p.write(hal, SVGA_REG_BITS_PER_PIXEL, BPP);
        // VirtualBox reads WIDTH/HEIGHT back as the host window's size until SVGA is
        // on, so enable before reading back (the host zeroes the first 512 KiB).
        if self.mode.is_none() {
            p.write(hal, SVGA_REG_ENABLE, 1);
        }
        let read_back = (
            p.read(hal, SVGA_REG_WIDTH),
            p.read(hal, SVGA_REG_HEIGHT),
            p.read(hal, SVGA_REG_BITS_PER_PIXEL),
        );
        if read_back != (width, height, BPP) {
            self.restore(hal);
            return Err(SvgaError::ModeRejected {
                width,
                height,
                read_back,
            });
        }
        let pitch = p.read(hal, SVGA_REG_BYTES_PER_LINE);
        let fb_offset = p.read(hal, SVGA_REG_FB_OFFSET);
        let end = u64::from(fb_offset) + u64::from(pitch) * u64::from(height);
        if pitch < width * 4 || end > self.vram.len() as u64 {
            logging::warn!(
                "svga: host describes {width}x{height} with pitch {pitch} at {fb_offset:#x}, \
                 beyond {} bytes of VRAM",
                self.vram.len()
            );
            self.restore(hal);
            return Err(SvgaError::ModeRejected {
                width,
                height,
                read_back: (pitch, fb_offset, BPP),
            });
        }
        self.sync(hal);
        if !self.wait_idle(hal) {
            // The mode registers are set and the host will apply them when its worker
            // runs; nothing is half-set on our side, but say so.
            logging::warn!("svga: host did not confirm the mode change in time");
        }
        let mode = SvgaMode {
            width,
            height,
            pitch,
            fb_offset,
        };
        self.mode = Some(mode);
        Ok(mode)
    }

    /// Puts the previous mode's registers back after a refused mode (or disables SVGA
    /// again if there was none).
    fn restore(&mut self, hal: &mut (impl PortIo + Clock)) {
        match self.mode {
            Some(mode) => {
                self.ports.write(hal, SVGA_REG_WIDTH, mode.width);
                self.ports.write(hal, SVGA_REG_HEIGHT, mode.height);
                self.ports.write(hal, SVGA_REG_BITS_PER_PIXEL, BPP);
                self.sync(hal);
            }
            None => self.ports.write(hal, SVGA_REG_ENABLE, 0),
        }
    }

    /// Queues an UPDATE of one rectangle of screen 0.
    pub fn queue_update(
        &mut self,
        x: u32,
        y: u32,
        width: u32,
        height: u32,
    ) -> Result<(), FifoError> {
        let cmd = FifoCmdUpdate {
            x,
            y,
            width,
            height,
        };
        self.fifo.push(SVGA_CMD_UPDATE, cmd.as_bytes())
    }

    /// Asks the host to process the FIFO (and apply pending mode registers).
    pub fn sync(&mut self, io: &mut impl PortIo) {
        self.ports.write(io, SVGA_REG_SYNC, 1);
    }

    /// Whether the host consumed every command queued so far, after a SYNC and a
    /// bounded wait when some were left.
    pub fn drain<H: PortIo + Clock>(&mut self, hal: &mut H) -> bool {
        if self.fifo.is_empty() {
            return true;
        }
        self.sync(hal);
        self.wait_idle(hal);
        self.fifo.is_empty()
    }

    /// Polls BUSY until the host drained the FIFO: true when it did. Bounded by
    /// [`BUSY_TIMEOUT_US`] and [`BUSY_POLL_LIMIT`]; once a wait timed out, later
    /// waits look once only until the host catches up.
    pub fn wait_idle<H: PortIo + Clock>(&mut self, hal: &mut H) -> bool {
        let limit = if self.host_stuck { 1 } else { BUSY_POLL_LIMIT };
        let deadline = hal.now_us().saturating_add(BUSY_TIMEOUT_US);
        for _ in 0..limit {
            if self.ports.read(hal, SVGA_REG_BUSY) == 0 {
                if self.host_stuck {
                    logging::info!("svga: host is processing the FIFO again");
                    self.host_stuck = false;
                }
                return true;
            }
            if hal.now_us() > deadline {
                break;
            }
        }
        if !self.host_stuck {
            crate::status!("display svga_busy_timeout limit_us={}", BUSY_TIMEOUT_US);
            self.host_stuck = true;
        }
        false
    }

    /// Sends an UPDATE of the whole current mode and checks that the host consumes
    /// it: a host whose FIFO checks reject MIN/MAX clears BUSY but leaves STOP where
    /// it was. A host that is merely slow (BUSY still set at the bounded wait's end)
    /// is not judged. Call after [`Svga::set_mode`].
    pub fn confirm_fifo<H: PortIo + Clock>(&mut self, hal: &mut H) -> Result<(), SvgaError> {
        let Some(mode) = self.mode else {
            return Ok(());
        };
        self.make_room(hal, 20);
        self.queue_update(0, 0, mode.width, mode.height)?;
        self.sync(hal);
        if !self.wait_idle(hal) || self.fifo.is_empty() {
            return Ok(());
        }
        Err(SvgaError::FifoIgnored {
            stop: self.fifo.register(SVGA_FIFO_STOP),
            next: self.fifo.register(SVGA_FIFO_NEXT_CMD),
        })
    }

    /// Waits (bounded) until the ring has `bytes` free: SYNC, then BUSY polls.
    pub fn make_room<H: PortIo + Clock>(&mut self, hal: &mut H, bytes: u32) -> bool {
        if self.fifo.free_bytes().is_ok_and(|free| free >= bytes) {
            return true;
        }
        self.sync(hal);
        self.wait_idle(hal);
        self.fifo.free_bytes().is_ok_and(|free| free >= bytes)
    }

    /// Which cursor command this device takes, if any.
    pub fn cursor_kind(&self) -> Option<CursorKind> {
        if self.caps.contains(Caps::ALPHA_CURSOR) {
            Some(CursorKind::Alpha)
        } else if self.caps.contains(Caps::CURSOR) {
            Some(CursorKind::Masked)
        } else {
            None
        }
    }

    /// Defines the hardware cursor (alpha where the caps say so, else the 1/32-bpp
    /// masked cursor) and waits (bounded) until the host took it.
    pub fn define_cursor<H: PortIo + Clock>(
        &mut self,
        hal: &mut H,
        image: &CursorImage<'_>,
    ) -> Result<CursorKind, SvgaError> {
        let kind = self.cursor_kind().ok_or(SvgaError::Capabilities {
            caps: self.caps.bits(),
        })?;
        let needed = image.width * image.height * 8 + 64;
        self.make_room(hal, needed);
        match kind {
            CursorKind::Alpha => cursor::define_alpha(&mut self.fifo, image),
            CursorKind::Masked => cursor::define_masked(&mut self.fifo, image),
        }
        .map_err(SvgaError::Cursor)?;
        self.sync(hal);
        self.wait_idle(hal);
        Ok(kind)
    }

    /// Shows or hides the hardware cursor (CURSOR_ON; both hosts take it with
    /// CURSOR_BYPASS_2). Returns false when the device has no such register.
    pub fn show_cursor(&mut self, io: &mut impl PortIo, visible: bool) -> bool {
        if !self.caps.contains(Caps::CURSOR_BYPASS_2) {
            return false;
        }
        let on = if visible {
            SVGA_CURSOR_ON_SHOW
        } else {
            SVGA_CURSOR_ON_HIDE
        };
        self.ports.write(io, SVGA_REG_CURSOR_ON, on);
        true
    }

    /// Moves the hardware cursor to (x, y) (hotspot position) and shows it.
    pub fn move_cursor(&mut self, io: &mut impl PortIo, x: u32, y: u32) {
        if self.caps.contains(Caps::CURSOR_BYPASS_2) {
            self.ports.write(io, SVGA_REG_DEAD, 0);
            self.ports.write(io, SVGA_REG_CURSOR_X, x);
            self.ports.write(io, SVGA_REG_CURSOR_Y, y);
            self.ports
                .write(io, SVGA_REG_CURSOR_ON, SVGA_CURSOR_ON_SHOW);
        }
    }

    /// Leaves SVGA mode (the host shows VGA/VBE again; VirtualBox restores the first
    /// 512 KiB of VRAM it saved on enable).
    pub fn disable(&mut self, io: &mut impl PortIo) {
        if self.caps.contains(Caps::CURSOR_BYPASS_2) {
            self.ports
                .write(io, SVGA_REG_CURSOR_ON, SVGA_CURSOR_ON_HIDE);
        }
        self.ports.write(io, SVGA_REG_ENABLE, 0);
        self.mode = None;
    }
}
