//! `vitrine::hal` over the twin: port I/O and physical memory routed to a twin
//! `Machine`, plus a record of every HGSMI command as the host saw it and hooks that
//! let a test play a hostile host.
//!
//! The HGSMI decoding here reads raw bytes at the offsets of spec §7.3 (header:
//! `u32DataSize` @0, `u8Channel` @5, `u16ChannelInfo` @6, data @16), not through the
//! driver's wire structs, so a misreading in the driver is not mirrored.
#![allow(dead_code)] // each test binary uses its own part of the helper

use std::collections::VecDeque;
use twin::machine::{Machine, MachineConfig, Width};
use vitrine::hal::{Clock, Irqs, PciConfig, PhysMem, PhysRegion, PortIo};

/// The HGSMI guest port (submit a buffer offset).
pub const PORT_HGSMI_GUEST: u16 = 0x3D0;
/// The HGSMI host port (host commands, IRQ acknowledge).
pub const PORT_HGSMI_HOST: u16 = 0x3B0;
const HEADER_BYTES: usize = 16;

/// One HGSMI buffer the guest submitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HgsmiCommand {
    /// VRAM offset of the buffer header.
    pub offset: u32,
    /// `u8Channel`.
    pub channel: u8,
    /// `u16ChannelInfo`.
    pub info: u16,
    /// The data bytes as submitted.
    pub request: Vec<u8>,
    /// The data bytes after the host processed them (and any hook ran).
    pub response: Vec<u8>,
}

impl HgsmiCommand {
    /// Little-endian u32 of the submitted data at `at`.
    pub fn request_u32(&self, at: usize) -> u32 {
        u32::from_le_bytes(self.request[at..at + 4].try_into().unwrap())
    }

    /// Little-endian u32 of the answered data at `at`.
    pub fn response_u32(&self, at: usize) -> u32 {
        u32::from_le_bytes(self.response[at..at + 4].try_into().unwrap())
    }
}

/// Rewrites a command's answer (data bytes) after the twin processed it.
pub type ResponseHook = Box<dyn FnMut(&HgsmiCommand, &mut [u8])>;

/// The twin machine behind vitrine's HAL traits.
pub struct TwinHal {
    /// The machine.
    pub machine: Machine,
    /// Every HGSMI buffer submitted through port 0x3D0, in order.
    pub hgsmi_log: Vec<HgsmiCommand>,
    /// A hostile host: rewrites answers before the guest reads them.
    pub response_hook: Option<ResponseHook>,
    /// A host that ignores some commands: (channel, info) pairs never delivered.
    pub swallow: Vec<(u8, u16)>,
    /// A hostile host: values the host port returns before the twin's own queue.
    pub injected_host_reads: VecDeque<u32>,
    /// Every value written to the host port (completions, IRQ acknowledges).
    pub host_port_writes: Vec<u32>,
}

impl TwinHal {
    /// A machine with `config`.
    pub fn new(config: MachineConfig) -> Self {
        Self {
            machine: Machine::new(config),
            hgsmi_log: Vec::new(),
            response_hook: None,
            swallow: Vec::new(),
            injected_host_reads: VecDeque::new(),
            host_port_writes: Vec::new(),
        }
    }

    /// The whole VRAM BAR as the driver would map it.
    pub fn vram(&mut self) -> PhysRegion {
        let base = u64::from(self.machine.config().vram_base);
        let size = self.machine.config().vram_size as usize;
        self.map(base, size).expect("VRAM BAR is mapped")
    }

    /// The commands submitted since index `from`, as (channel, info) pairs.
    pub fn codes_since(&self, from: usize) -> Vec<(u8, u16)> {
        self.hgsmi_log[from..]
            .iter()
            .map(|c| (c.channel, c.info))
            .collect()
    }

    fn vram_bytes(&mut self, offset: u32, len: usize) -> Vec<u8> {
        let base = u64::from(self.machine.config().vram_base);
        let mut out = vec![0; len];
        self.machine.read_phys(base + u64::from(offset), &mut out);
        out
    }

    fn submit(&mut self, offset: u32) {
        let vram_size = self.machine.config().vram_size;
        if offset as usize + HEADER_BYTES > vram_size as usize {
            self.machine.port_out(PORT_HGSMI_GUEST, Width::W32, offset);
            return;
        }
        let header = self.vram_bytes(offset, HEADER_BYTES);
        let data_size = u32::from_le_bytes(header[0..4].try_into().unwrap()) as usize;
        let channel = header[5];
        let info = u16::from_le_bytes([header[6], header[7]]);
        let data_offset = offset + HEADER_BYTES as u32;
        let data_size = data_size.min(vram_size.saturating_sub(data_offset) as usize);
        let request = self.vram_bytes(data_offset, data_size);
        if !self.swallow.contains(&(channel, info)) {
            self.machine.port_out(PORT_HGSMI_GUEST, Width::W32, offset);
        }
        let mut command = HgsmiCommand {
            offset,
            channel,
            info,
            request,
            response: self.vram_bytes(data_offset, data_size),
        };
        if let Some(hook) = self.response_hook.as_mut() {
            let mut answer = command.response.clone();
            hook(&command, &mut answer);
            if answer != command.response {
                let base = u64::from(self.machine.config().vram_base);
                self.machine
                    .write_phys(base + u64::from(data_offset), &answer);
                command.response = answer;
            }
        }
        self.hgsmi_log.push(command);
    }
}

impl PortIo for TwinHal {
    fn in8(&mut self, port: u16) -> u8 {
        self.machine.port_in(port, Width::W8) as u8
    }
    fn in16(&mut self, port: u16) -> u16 {
        self.machine.port_in(port, Width::W16) as u16
    }
    fn in32(&mut self, port: u16) -> u32 {
        if port == PORT_HGSMI_HOST {
            if let Some(value) = self.injected_host_reads.pop_front() {
                return value;
            }
        }
        self.machine.port_in(port, Width::W32)
    }
    fn out8(&mut self, port: u16, value: u8) {
        self.machine.port_out(port, Width::W8, value.into())
    }
    fn out16(&mut self, port: u16, value: u16) {
        self.machine.port_out(port, Width::W16, value.into())
    }
    fn out32(&mut self, port: u16, value: u32) {
        match port {
            PORT_HGSMI_GUEST => self.submit(value),
            PORT_HGSMI_HOST => {
                self.host_port_writes.push(value);
                self.machine.port_out(port, Width::W32, value)
            }
            _ => self.machine.port_out(port, Width::W32, value),
        }
    }
}

impl PhysMem for TwinHal {
    fn map(&mut self, phys: u64, len: usize) -> Option<PhysRegion> {
        let ptr = self.machine.host_ptr(phys, len)?;
        // SAFETY: the twin keeps every region's backing at a fixed host address for the
        // machine's life (`Machine::host_ptr`), and each test keeps the machine alive
        // longer than any region made from it.
        Some(unsafe { PhysRegion::new(phys, ptr, len) })
    }
}

impl PciConfig for TwinHal {
    fn read_config(&mut self, bus: u8, device: u8, function: u8, offset: u8) -> u32 {
        self.machine.pci_read(bus, device, function, offset)
    }
    fn write_config(&mut self, bus: u8, device: u8, function: u8, offset: u8, value: u32) {
        self.machine.pci_write(bus, device, function, offset, value)
    }
}

impl Clock for TwinHal {
    fn now_us(&self) -> u64 {
        self.machine.now_us()
    }
}

/// Interrupt lines as the twin asserts them (level: a line reads as fired while its
/// device holds it); waiting advances virtual time.
impl Irqs for TwinHal {
    fn enable_line(&mut self, _line: u8) -> bool {
        true
    }
    fn take_fired(&mut self) -> u64 {
        self.machine.asserted_lines()
    }
    fn rearm(&mut self, _line: u8) {}
    fn wait(&mut self, deadline_us: u64) {
        let now = self.machine.now_us();
        self.machine.advance(deadline_us.saturating_sub(now).max(1));
    }
}
