//! `TwinPlatform`: every vitrine hal trait over the twin `Machine`, plus the i8042
//! model for PS/2 input. One driver, two worlds: the same code that runs on metal
//! talks to the twin here.

use crate::i8042::{self, I8042};
use twin::{Machine, MachineConfig, Width};
use vitrine::hal::{Clock, Irqs, PciConfig, PhysMem, PhysRegion, PortIo};

/// Where the VMMDev request pages live in the twin's RAM (below 4 GiB, as on metal).
pub const REQUEST_PAGES_PHYS: u64 = 0x0010_0000;
/// Bytes of request pages.
pub const REQUEST_PAGES_LEN: usize = vitrine::system::REQUEST_PAGES_LEN;
/// The longest `wait` may advance the clock at once (a wait "forever" still returns
/// so the caller can inject the next host action).
const MAX_WAIT_US: u64 = 1_000_000;

/// The twin machine behind vitrine's hal traits.
#[derive(Debug)]
pub struct TwinPlatform {
    /// The VirtualBox model.
    pub machine: Machine,
    /// The PS/2 controller model.
    pub i8042: I8042,
    /// A VGA whose HGSMI port goes nowhere (a host without HGSMI, as with some
    /// VirtualBox versions and graphics controllers): the guest must use plain VBE.
    pub hgsmi_disconnected: bool,
    /// VMMDev is left off the PCI bus (a VM without the guest device).
    pub vmmdev_hidden: bool,
    enabled: u64,
    masked: u64,
    waits: u64,
}

/// VMMDev's vendor and device id as the first configuration dword.
const VMMDEV_ID: u32 = 0xCAFE_80EE;
/// The HGSMI guest port.
const HGSMI_GUEST_PORT: u16 = 0x3D0;

impl TwinPlatform {
    /// A machine with `config`.
    pub fn new(config: MachineConfig) -> Self {
        Self {
            machine: Machine::new(config),
            i8042: I8042::new(),
            hgsmi_disconnected: false,
            vmmdev_hidden: false,
            enabled: 0,
            masked: 0,
            waits: 0,
        }
    }

    /// The request pages as a region in guest RAM.
    pub fn request_pages(&mut self) -> Option<PhysRegion> {
        self.map(REQUEST_PAGES_PHYS, REQUEST_PAGES_LEN)
    }

    /// Moves the twin's host-side PS/2 input into the controller model.
    pub fn pump_input(&mut self) {
        for event in self.machine.take_ps2_events() {
            self.i8042.host_input(event);
        }
    }

    /// Lines asserted now (level), masked or not.
    pub fn asserted_lines(&mut self) -> u64 {
        self.pump_input();
        self.machine.asserted_lines() | self.i8042.asserted_lines()
    }

    /// Lines the guest routed with `enable_line`.
    pub fn enabled_lines(&self) -> u64 {
        self.enabled
    }

    /// How many times the guest idled.
    pub fn waits(&self) -> u64 {
        self.waits
    }
}

impl PortIo for TwinPlatform {
    fn in8(&mut self, port: u16) -> u8 {
        match port {
            i8042::DATA_PORT | i8042::STATUS_PORT => {
                self.pump_input();
                self.i8042.read(port)
            }
            _ => self.machine.port_in(port, Width::W8) as u8,
        }
    }
    fn in16(&mut self, port: u16) -> u16 {
        self.machine.port_in(port, Width::W16) as u16
    }
    fn in32(&mut self, port: u16) -> u32 {
        self.machine.port_in(port, Width::W32)
    }
    fn out8(&mut self, port: u16, value: u8) {
        match port {
            i8042::DATA_PORT | i8042::STATUS_PORT => self.i8042.write(port, value),
            _ => self.machine.port_out(port, Width::W8, value.into()),
        }
    }
    fn out16(&mut self, port: u16, value: u16) {
        self.machine.port_out(port, Width::W16, value.into())
    }
    fn out32(&mut self, port: u16, value: u32) {
        if port == HGSMI_GUEST_PORT && self.hgsmi_disconnected {
            return;
        }
        self.machine.port_out(port, Width::W32, value)
    }
}

impl PhysMem for TwinPlatform {
    fn map(&mut self, phys: u64, len: usize) -> Option<PhysRegion> {
        let ptr = self.machine.host_ptr(phys, len)?;
        // SAFETY: the twin keeps RAM and VRAM at fixed host addresses for the
        // machine's life (`Machine::host_ptr`), and the platform owns the machine, so
        // every region outlives none of its backing.
        Some(unsafe { PhysRegion::new(phys, ptr, len) })
    }
}

impl PciConfig for TwinPlatform {
    fn read_config(&mut self, bus: u8, device: u8, function: u8, offset: u8) -> u32 {
        if self.vmmdev_hidden && self.machine.pci_read(bus, device, function, 0) == VMMDEV_ID {
            return u32::MAX; // no device answers
        }
        self.machine.pci_read(bus, device, function, offset)
    }
    fn write_config(&mut self, bus: u8, device: u8, function: u8, offset: u8, value: u32) {
        self.machine.pci_write(bus, device, function, offset, value)
    }
}

impl Clock for TwinPlatform {
    fn now_us(&self) -> u64 {
        self.machine.now_us()
    }
}

/// Level-triggered lines as on metal: a routed line that is high fires once and is
/// masked until the runtime re-arms it after servicing its devices.
impl Irqs for TwinPlatform {
    fn enable_line(&mut self, line: u8) -> bool {
        if line >= 64 {
            return false;
        }
        self.enabled |= 1 << line;
        true
    }

    fn take_fired(&mut self) -> u64 {
        let fired = self.asserted_lines() & self.enabled & !self.masked;
        self.masked |= fired;
        fired
    }

    fn rearm(&mut self, line: u8) {
        if line < 64 {
            self.masked &= !(1 << line);
        }
    }

    /// Virtual time: returns at once if a routed line is pending, else advances the
    /// twin's clock to the deadline (at most `MAX_WAIT_US`).
    fn wait(&mut self, deadline_us: u64) {
        self.waits += 1;
        if self.asserted_lines() & self.enabled & !self.masked != 0 {
            return;
        }
        let now = self.machine.now_us();
        let step = deadline_us.saturating_sub(now).clamp(1, MAX_WAIT_US);
        self.machine.advance(step);
    }
}
