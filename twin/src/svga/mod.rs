//! The SVGA II device of VirtualBox 7.0.14 (VMSVGA and VBoxSVGA personalities), with
//! a QEMU `-vga vmware` mode, written from `shared/spec/vmsvga.md`: the register file
//! (section 3), ENABLE and the deferred mode change applied by the FIFO worker
//! (section 4), the FIFO (section 5, in `fifo.rs`), commands (section 6), TRACES
//! (section 7), the cursor (section 8), the IRQ (section 9) and reset (section 10).
//!
//! The FIFO worker is modelled on the virtual clock: SYNC wakes it at the guest's next
//! BUSY read (the read stalls the vCPU until the worker made progress), the 20 ms
//! refresh wakes it when commands or a cursor update wait, and otherwise it sleeps
//! 16 ms growing by 2 ms per idle wake, then up to 15 s.

pub mod fifo;
pub mod wire;

use crate::errors::{Device, ErrorLog};
use crate::memory::Backing;
use crate::pointer::{HostPointer, PointerShape};
use wire::*;

/// Which host the device behaves like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SvgaHost {
    /// VirtualBox 7.0.14 (left-hand column of vmsvga.md section 11).
    #[default]
    VirtualBox,
    /// QEMU's `vmware-svga` (right-hand column).
    Qemu,
}

/// A hostile or broken host, for tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SvgaFault {
    /// Behaves.
    #[default]
    None,
    /// The FIFO worker never runs: nothing is processed, BUSY stays 1 after SYNC.
    WorkerStuck,
    /// The worker processes commands but BUSY never reads 0 again.
    BusyStuck,
    /// The host's FIFO checks (section 5.2) fail whatever MIN and MAX are: the FIFO
    /// is ignored and busy cleared at every wake-up, nothing is reported.
    FifoRejected,
}

/// VirtualBox's capabilities for a 2D configuration (section 3.1).
pub const VBOX_CAPS: u32 = CAP_RECT_COPY
    | CAP_CURSOR
    | CAP_CURSOR_BYPASS
    | CAP_CURSOR_BYPASS_2
    | CAP_ALPHA_CURSOR
    | CAP_EXTENDED_FIFO
    | CAP_PITCHLOCK
    | CAP_IRQMASK
    | CAP_GMR
    | CAP_TRACES
    | CAP_GMR2
    | CAP_SCREEN_OBJECT_2
    | CAP_COMMAND_BUFFERS;
/// VirtualBox's FIFO capabilities (section 3.1).
pub const VBOX_FIFO_CAPS: u32 = FIFO_CAP_FENCE
    | FIFO_CAP_PITCHLOCK
    | FIFO_CAP_CURSOR_BYPASS_3
    | FIFO_CAP_RESERVE
    | FIFO_CAP_GMR2
    | FIFO_CAP_SCREEN_OBJECT_2;
/// QEMU's capabilities with a cursor-capable UI (section 11).
pub const QEMU_CAPS: u32 =
    CAP_RECT_FILL | CAP_RECT_COPY | CAP_CURSOR | CAP_CURSOR_BYPASS | CAP_CURSOR_BYPASS_2;
/// QEMU's largest mode (section 11).
pub const QEMU_MAX: (u32, u32) = (2368, 1770);
/// VRAM saved and zeroed on enable (section 4.1).
pub const VGA_BACKUP_BYTES: usize = 512 * 1024;
/// The worker's first idle sleep, its growth per idle wake and its long sleep.
const WORKER_FIRST_SLEEP_US: u64 = 16_000;
const WORKER_SLEEP_STEP_US: u64 = 2_000;
const WORKER_LONG_SLEEP_US: u64 = 15_000_000;
/// The refresh interval (the worker's short sleeps stop growing there).
const REFRESH_US: u64 = 20_000;

/// A screen the host displays, as `pfnVBVAResize` reports it (section 4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SvgaScreen {
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
    /// Bytes per line.
    pub pitch: u32,
    /// Bits per pixel.
    pub bpp: u32,
    /// VRAM offset of pixel (0, 0).
    pub vram_offset: u32,
}

/// A rectangle the host repainted from VRAM because of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SvgaUpdate {
    /// Left.
    pub x: u32,
    /// Top.
    pub y: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

/// Where the device is and how big.
#[derive(Debug, Clone, Copy)]
pub struct SvgaConfig {
    /// Host behaviour.
    pub host: SvgaHost,
    /// VRAM bytes.
    pub vram_size: u32,
    /// FIFO bytes (VirtualBox default 2 MiB; QEMU 64 KiB).
    pub fifo_size: u32,
    /// Monitors (NUM_DISPLAYS).
    pub monitors: u32,
}

/// What the machine must do after a register write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SvgaEffect {
    /// Nothing.
    None,
    /// SVGA mode switched on or off: the host view follows.
    EnableChanged,
}

/// Device state.
#[derive(Debug)]
pub struct Svga {
    pub(crate) config: SvgaConfig,
    pub(crate) fault: SvgaFault,
    index: u32,
    id: u32,
    enable: u32,
    width: Option<u32>,
    height: Option<u32>,
    bpp: u32,
    config_done: u32,
    pub(crate) busy: bool,
    guest_id: u32,
    cursor: [u32; 4],
    pitchlock: u32,
    irqmask: u32,
    pub(crate) irq_status: u32,
    pub(crate) traces: bool,
    palette: Vec<u32>,
    scratch: Vec<u32>,
    pub(crate) mode_pending: bool,
    pub(crate) screen: Option<SvgaScreen>,
    vga_backup: Option<Vec<u8>>,
    pub(crate) mode_changes: Vec<SvgaScreen>,
    pub(crate) updates: Vec<SvgaUpdate>,
    pub(crate) new_updates: Vec<SvgaUpdate>,
    pub(crate) fences: Vec<u32>,
    pub(crate) cursor_defined: bool,
    worker_wake_requested: bool,
    worker_next_us: u64,
    worker_sleep_us: u64,
    pub(crate) worker_runs: u64,
    pub(crate) last_cursor_count: u32,
    /// CURSOR_X/Y as the last CURSOR_ON write reported them (section 8).
    cursor_reported: (u32, u32),
    /// QEMU only: a UI that draws cursors is attached (section 11: the cursor
    /// capabilities are reported only then).
    qemu_cursor_ui: bool,
}

/// What the device needs from the machine for one access.
pub struct SvgaCtx<'a> {
    /// VRAM.
    pub vram: &'a Backing,
    /// The FIFO BAR.
    pub fifo: &'a Backing,
    /// Protocol errors.
    pub errors: &'a mut ErrorLog,
    /// The host pointer.
    pub pointer: &'a mut HostPointer,
    /// Virtual time.
    pub now_us: u64,
    /// The VRAM BAR's address (FB_START).
    pub vram_phys: u32,
    /// The FIFO BAR's address (MEM_START).
    pub fifo_phys: u32,
    /// The host display's current size when SVGA is off (adopted by ENABLE when
    /// WIDTH/HEIGHT were never written).
    pub host_mode: (u32, u32),
}

impl Svga {
    /// The device at power-on: FIFO zeroed and its capabilities written (section 10).
    pub fn new(config: SvgaConfig, fifo: &Backing) -> Self {
        let mut svga = Self::blank(config);
        if config.host == SvgaHost::Qemu {
            svga.id = ID_2;
        }
        svga.reset(fifo);
        svga
    }

    /// VM reset (section 10): the id register keeps its value.
    pub fn reset(&mut self, fifo: &Backing) {
        fifo.fill(0, fifo.len(), 0);
        if self.config.host == SvgaHost::VirtualBox {
            fifo.write_u32(u64::from(FIFO_CAPABILITIES) * 4, VBOX_FIFO_CAPS);
            fifo.write_u32(u64::from(FIFO_CURSOR_SCREEN_ID) * 4, u32::MAX);
        }
        let id = self.id;
        let (config, fault) = (self.config, self.fault);
        *self = Self {
            id,
            fault,
            ..Self::blank(config)
        };
    }

    fn blank(config: SvgaConfig) -> Self {
        Self {
            config,
            fault: SvgaFault::None,
            index: 0,
            id: 0,
            enable: 0,
            width: None,
            height: None,
            bpp: 32,
            config_done: 0,
            busy: false,
            guest_id: 0,
            cursor: [0; 4],
            pitchlock: 0,
            irqmask: 0,
            irq_status: 0,
            traces: false,
            palette: vec![0; 768],
            scratch: vec![0; 256],
            mode_pending: false,
            screen: None,
            vga_backup: None,
            mode_changes: Vec::new(),
            updates: Vec::new(),
            new_updates: Vec::new(),
            fences: Vec::new(),
            cursor_defined: false,
            worker_wake_requested: false,
            worker_next_us: WORKER_FIRST_SLEEP_US,
            worker_sleep_us: WORKER_FIRST_SLEEP_US,
            worker_runs: 0,
            last_cursor_count: 0,
            cursor_reported: (0, 0),
            qemu_cursor_ui: true,
        }
    }

    fn qemu(&self) -> bool {
        self.config.host == SvgaHost::Qemu
    }

    /// Whether SVGA mode is on.
    pub fn enabled(&self) -> bool {
        self.enable != 0
    }

    /// CONFIG_DONE.
    pub fn config_done(&self) -> bool {
        self.config_done != 0
    }

    /// MAX_WIDTH / MAX_HEIGHT: 16384 reduced by 256 until w·h·4 fits VRAM (VirtualBox).
    pub fn max_size(&self) -> (u32, u32) {
        if self.qemu() {
            return QEMU_MAX;
        }
        let mut side: u64 = 16384;
        while side > 256 && side * side * 4 > u64::from(self.config.vram_size) {
            side -= 256;
        }
        (side as u32, side as u32)
    }

    fn bytes_pp(&self) -> u32 {
        self.bpp.div_ceil(8)
    }

    /// The pitch the registers describe (section 4.3).
    fn pitch(&self, fifo: &Backing) -> u32 {
        let width = self.current_size().0;
        if self.qemu() {
            return self.bpp * width / 8;
        }
        if (200..=32768).contains(&self.pitchlock) {
            return self.pitchlock;
        }
        let fifo_min = fifo.read_u32(0).unwrap_or(0);
        if fifo_min >= (FIFO_PITCHLOCK + 1) * 4 {
            let lock = fifo.read_u32(u64::from(FIFO_PITCHLOCK) * 4).unwrap_or(0);
            if (200..=32768).contains(&lock) {
                return lock;
            }
        }
        width * self.bytes_pp()
    }

    fn current_size(&self) -> (u32, u32) {
        (self.width.unwrap_or(0), self.height.unwrap_or(0))
    }

    /// The screen the host shows (after the worker applied the mode).
    pub fn screen(&self) -> Option<SvgaScreen> {
        self.screen.filter(|_| self.enabled())
    }

    /// Reads an I/O BAR offset.
    pub fn port_read(&mut self, offset: u16, bytes: u8, ctx: &mut SvgaCtx<'_>) -> u32 {
        if bytes != 4 {
            ctx.errors.record(
                Device::Svga,
                format!("{}-bit read of SVGA port {offset} (32-bit only)", bytes * 8),
            );
            return 0xFFFF_FFFF;
        }
        match offset {
            INDEX_PORT => self.index,
            VALUE_PORT => self.read_register(self.index, ctx),
            BIOS_PORT => {
                if self.qemu() {
                    0xCAFE
                } else {
                    0
                }
            }
            IRQSTATUS_PORT if !self.qemu() => self.irq_status,
            _ => 0xFFFF_FFFF,
        }
    }

    /// Writes an I/O BAR offset.
    pub fn port_write(
        &mut self,
        offset: u16,
        bytes: u8,
        value: u32,
        ctx: &mut SvgaCtx<'_>,
    ) -> SvgaEffect {
        if bytes != 4 {
            ctx.errors.record(
                Device::Svga,
                format!("{}-bit write to SVGA port {offset} ignored", bytes * 8),
            );
            return SvgaEffect::None;
        }
        match offset {
            INDEX_PORT => self.index = value,
            VALUE_PORT => return self.write_register(self.index, value, ctx),
            IRQSTATUS_PORT if !self.qemu() => self.irq_status &= !value,
            _ => {}
        }
        SvgaEffect::None
    }

    /// Whether the device drives its interrupt line (section 9).
    pub fn irq_asserted(&self) -> bool {
        !self.qemu() && self.irq_status & self.irqmask != 0
    }

    fn index_ok(&self, index: u32, ctx: &mut SvgaCtx<'_>) -> bool {
        let limit = if self.qemu() {
            SCRATCH_BASE + 0x8000
        } else {
            SCRATCH_BASE + 256
        };
        if index >= limit {
            ctx.errors.record(
                Device::Svga,
                format!("SVGA register index {index} out of range"),
            );
            return false;
        }
        true
    }

    fn read_register(&mut self, index: u32, ctx: &mut SvgaCtx<'_>) -> u32 {
        if !self.index_ok(index, ctx) {
            return 0;
        }
        let enabled = self.enabled();
        let host = ctx.host_mode;
        match index {
            REG_ID => self.id,
            REG_ENABLE => self.enable,
            REG_WIDTH => match self.width {
                Some(w) if enabled || self.qemu() => w,
                _ => host.0,
            },
            REG_HEIGHT => match self.height {
                Some(h) if enabled || self.qemu() => h,
                _ => host.1,
            },
            REG_MAX_WIDTH => self.max_size().0,
            REG_MAX_HEIGHT => self.max_size().1,
            REG_DEPTH => match self.bpp {
                15 => 15,
                16 => 16,
                _ => 24,
            },
            REG_BITS_PER_PIXEL => self.bpp,
            REG_PSEUDOCOLOR => u32::from(self.bpp == 8),
            REG_RED_MASK | REG_GREEN_MASK | REG_BLUE_MASK => {
                let masks = match self.bpp {
                    16 => [0x1F, 0x7E0, 0xF800],
                    15 => [0x1F, 0x3E0, 0x7C00],
                    8 => [0x07, 0x38, 0xC0],
                    _ => [0xFF_0000, 0xFF00, 0xFF],
                };
                masks[(index - REG_RED_MASK) as usize]
            }
            REG_BYTES_PER_LINE => {
                if enabled || self.qemu() {
                    self.pitch(ctx.fifo)
                } else {
                    host.0 * 4
                }
            }
            REG_FB_START => ctx.vram_phys,
            REG_FB_OFFSET => 0,
            REG_VRAM_SIZE => self.config.vram_size,
            REG_FB_SIZE => {
                if self.qemu() {
                    self.config.vram_size
                } else if enabled {
                    (self.current_size().1 * self.pitch(ctx.fifo)).min(self.config.vram_size)
                } else {
                    (1 << 20)
                        .max(host.1 * host.0 * 4)
                        .min(self.config.vram_size)
                }
            }
            REG_CAPABILITIES => {
                if self.qemu() && !self.qemu_cursor_ui {
                    QEMU_CAPS & !(CAP_CURSOR | CAP_CURSOR_BYPASS | CAP_CURSOR_BYPASS_2)
                } else if self.qemu() {
                    QEMU_CAPS
                } else {
                    VBOX_CAPS
                }
            }
            REG_MEM_START => ctx.fifo_phys,
            REG_MEM_SIZE => self.config.fifo_size,
            REG_CONFIG_DONE => self.config_done,
            REG_SYNC => 0,
            REG_BUSY => self.read_busy(ctx),
            REG_GUEST_ID => self.guest_id,
            REG_CURSOR_ID..=REG_CURSOR_ON => self.cursor[(index - REG_CURSOR_ID) as usize],
            REG_HOST_BITS_PER_PIXEL => 32,
            REG_SCRATCH_SIZE => {
                if self.qemu() {
                    0x8000
                } else {
                    256
                }
            }
            _ if self.qemu() && index < PALETTE_BASE => 0,
            REG_MEM_REGS => FIFO_NUM_REGS,
            REG_NUM_DISPLAYS => self.config.monitors,
            REG_PITCHLOCK => self.pitchlock,
            REG_IRQMASK => self.irqmask,
            REG_NUM_GUEST_DISPLAYS => 1,
            REG_DISPLAY_WIDTH => self.current_size().0,
            REG_DISPLAY_HEIGHT => self.current_size().1,
            REG_TRACES => u32::from(self.traces),
            i if (PALETTE_BASE..SCRATCH_BASE).contains(&i) => {
                if self.qemu() {
                    0
                } else {
                    self.palette[(i - PALETTE_BASE) as usize]
                }
            }
            i if i >= SCRATCH_BASE => self
                .scratch
                .get((i - SCRATCH_BASE) as usize)
                .copied()
                .unwrap_or(0),
            _ => 0,
        }
    }

    /// BUSY: VirtualBox stalls the reading vCPU until the worker made progress, so the
    /// worker runs here when it was woken.
    fn read_busy(&mut self, ctx: &mut SvgaCtx<'_>) -> u32 {
        if self.qemu() {
            return 0;
        }
        if self.busy && self.worker_wake_requested {
            self.run_worker(ctx);
        }
        u32::from(self.busy || (self.fault == SvgaFault::BusyStuck && self.worker_runs > 0))
    }

    fn write_register(&mut self, index: u32, value: u32, ctx: &mut SvgaCtx<'_>) -> SvgaEffect {
        if !self.index_ok(index, ctx) {
            return SvgaEffect::None;
        }
        let (max_w, max_h) = self.max_size();
        match index {
            REG_ID => {
                if [ID_0, ID_1, ID_2].contains(&value) {
                    self.id = value;
                } else {
                    ctx.errors
                        .record(Device::Svga, format!("SVGA id {value:#x} ignored"));
                }
            }
            REG_ENABLE => return self.write_enable(value, ctx),
            REG_WIDTH | REG_HEIGHT => {
                let max = if index == REG_WIDTH { max_w } else { max_h };
                if value > max {
                    ctx.errors.record(
                        Device::Svga,
                        format!(
                            "SVGA register {index} = {value} beyond the maximum {max}: ignored"
                        ),
                    );
                } else {
                    if index == REG_WIDTH {
                        self.width = Some(value);
                    } else {
                        self.height = Some(value);
                    }
                    self.mode_pending |= self.enabled();
                }
            }
            REG_BITS_PER_PIXEL => {
                if self.qemu() {
                    if value != 32 {
                        ctx.errors.record(
                            Device::Svga,
                            format!("QEMU: bpp {value} (only 32): CONFIG_DONE cleared"),
                        );
                        self.config_done = 0;
                    }
                } else if value > 32 {
                    ctx.errors
                        .record(Device::Svga, format!("SVGA bpp {value} > 32 ignored"));
                } else {
                    self.bpp = value;
                    self.mode_pending |= self.enabled();
                }
            }
            REG_CONFIG_DONE => {
                self.config_done = value;
                if value == 0 && !self.qemu() {
                    self.traces = true;
                }
            }
            REG_SYNC if self.enabled() && self.config_done() => {
                if self.qemu() {
                    self.run_worker(ctx);
                } else {
                    self.busy = true;
                    self.worker_wake_requested = true;
                    fifo::set_fifo_busy(ctx.fifo, true);
                }
            }
            REG_GUEST_ID => self.guest_id = value,
            REG_CURSOR_ID..=REG_CURSOR_Y => self.cursor[(index - REG_CURSOR_ID) as usize] = value,
            REG_CURSOR_ON => {
                self.cursor[3] = value;
                self.cursor_reported = (self.cursor[1], self.cursor[2]);
                if self.cursor_defined {
                    ctx.pointer.visible = value != 0;
                    ctx.pointer.updates += 1;
                }
            }
            REG_PITCHLOCK if !self.qemu() => {
                self.pitchlock = value;
                self.mode_pending |= self.enabled();
            }
            REG_IRQMASK if !self.qemu() => self.irqmask = value,
            REG_TRACES if !self.qemu() => self.traces = value != 0,
            i if (PALETTE_BASE..SCRATCH_BASE).contains(&i) => {
                self.palette[(i - PALETTE_BASE) as usize] = value & 0xFF;
            }
            i if i >= SCRATCH_BASE => {
                if let Some(slot) = self.scratch.get_mut((i - SCRATCH_BASE) as usize) {
                    *slot = value;
                }
            }
            _ => {}
        }
        SvgaEffect::None
    }

    fn write_enable(&mut self, value: u32, ctx: &mut SvgaCtx<'_>) -> SvgaEffect {
        let was = self.enabled();
        self.enable = value;
        match (was, value != 0) {
            (false, true) => {
                if !self.qemu() {
                    let n = VGA_BACKUP_BYTES.min(ctx.vram.len());
                    self.vga_backup = ctx.vram.read_vec(0, n);
                    ctx.vram.fill(0, n, 0);
                }
                if self.width.is_none() || self.height.is_none() {
                    self.width = Some(ctx.host_mode.0);
                    self.height = Some(ctx.host_mode.1);
                }
                self.mode_pending = true;
                if self.cursor_defined {
                    ctx.pointer.visible = true;
                }
                SvgaEffect::EnableChanged
            }
            (true, false) => {
                ctx.pointer.visible = false;
                if let Some(saved) = self.vga_backup.take() {
                    ctx.vram.write(0, &saved);
                }
                self.screen = None;
                self.mode_pending = false;
                self.traces = true;
                self.pitchlock = 0;
                SvgaEffect::EnableChanged
            }
            _ => SvgaEffect::None,
        }
    }

    /// The mode change the worker applies (section 4.2).
    fn apply_mode(&mut self, ctx: &mut SvgaCtx<'_>) {
        if !(self.mode_pending && self.enabled()) {
            return;
        }
        self.mode_pending = false;
        let (width, height) = self.current_size();
        let screen = SvgaScreen {
            width,
            height,
            pitch: self.pitch(ctx.fifo),
            bpp: self.bpp,
            vram_offset: 0,
        };
        if u64::from(screen.pitch) * u64::from(height) > u64::from(self.config.vram_size) {
            // Not checked by VirtualBox [H, by absence]; Main's reaction is unverified.
            ctx.errors.record(
                Device::Svga,
                format!(
                    "SVGA mode {width}x{height} pitch {} beyond VRAM",
                    screen.pitch
                ),
            );
        }
        if self.screen != Some(screen) {
            self.mode_changes.push(screen);
        }
        self.screen = Some(screen);
    }

    /// One pass of the FIFO worker: mode change, cursor bypass 3, FIFO commands, busy
    /// cleared (sections 4.2, 5.2, 5.3).
    pub(crate) fn run_worker(&mut self, ctx: &mut SvgaCtx<'_>) {
        if self.fault == SvgaFault::WorkerStuck {
            return;
        }
        self.worker_wake_requested = false;
        self.worker_runs += 1;
        if self.qemu() {
            // QEMU applies the mode at refresh, and only with ENABLE and CONFIG_DONE.
            if self.config_done() {
                self.apply_mode(ctx);
            }
        } else {
            self.apply_mode(ctx);
        }
        let progressed = fifo::process(self, ctx);
        self.busy = false;
        fifo::set_fifo_busy(ctx.fifo, false);
        if progressed {
            self.worker_sleep_us = WORKER_FIRST_SLEEP_US;
        } else if self.worker_sleep_us < REFRESH_US {
            self.worker_sleep_us += WORKER_SLEEP_STEP_US;
        } else {
            self.worker_sleep_us = WORKER_LONG_SLEEP_US;
        }
        self.worker_next_us = ctx.now_us + self.worker_sleep_us;
    }

    /// Virtual time passed: the worker wakes when its sleep is over.
    pub(crate) fn tick(&mut self, ctx: &mut SvgaCtx<'_>) {
        if !self.qemu() && ctx.now_us >= self.worker_next_us {
            self.run_worker(ctx);
        }
    }

    /// The 20 ms refresh: wakes the worker when commands or a cursor update wait
    /// (VirtualBox, with ENABLE and CONFIG_DONE); QEMU processes the FIFO and applies
    /// the mode here.
    pub(crate) fn refresh(&mut self, ctx: &mut SvgaCtx<'_>) {
        if !(self.enabled() && self.config_done()) {
            return;
        }
        if self.qemu() || fifo::has_work(self, ctx.fifo) {
            self.run_worker(ctx);
        }
    }

    /// Every mode change the worker applied (what Main was told).
    pub fn mode_changes(&self) -> &[SvgaScreen] {
        &self.mode_changes
    }

    /// Every UPDATE-type repaint, in order.
    pub fn updates(&self) -> &[SvgaUpdate] {
        &self.updates
    }

    /// Fences the host processed, in order.
    pub fn fences(&self) -> &[u32] {
        &self.fences
    }

    /// Whether TRACES is on.
    pub fn traces(&self) -> bool {
        self.traces
    }

    /// Whether BUSY is set.
    pub fn busy(&self) -> bool {
        self.busy
    }

    /// How many worker passes ran.
    pub fn worker_runs(&self) -> u64 {
        self.worker_runs
    }

    /// Where the host draws the cursor's hotspot: CURSOR_X/Y as the last CURSOR_ON
    /// write reported them (section 8).
    pub fn cursor_position(&self) -> (u32, u32) {
        self.cursor_reported
    }

    /// QEMU mode: whether a UI that draws cursors is attached (default yes; `-display
    /// none` alone has none).
    pub fn set_qemu_cursor_ui(&mut self, attached: bool) {
        self.qemu_cursor_ui = attached;
    }

    /// Installs a hostile behaviour (or `None` to behave again).
    pub fn set_fault(&mut self, fault: SvgaFault) {
        self.fault = fault;
    }

    pub(crate) fn irqmask_has(&self, flag: u32) -> bool {
        self.irqmask & flag != 0
    }

    pub(crate) fn install_cursor(&mut self, shape: PointerShape, ctx: &mut SvgaCtx<'_>) {
        self.cursor_defined = true;
        ctx.pointer.shape = Some(shape);
        ctx.pointer.visible = true;
        ctx.pointer.updates += 1;
    }
}
