//! A VirtualBox twin whose answers the fuzzer controls.
//!
//! [`HostileTwin`] is the hosted `TwinPlatform` (the twin's VMMDev and VGA behind
//! vitrine's hal traits) with the fuzzer between it and the driver: after the twin
//! has answered a VMMDev request, the script may overwrite any bytes of the answer;
//! reads of the HGSMI host port may return a scripted offset; and targets write
//! scripted bytes where the host leaves data in VRAM (host flags, the VBVA buffer,
//! host commands). When the script runs out, the twin answers as VirtualBox would.

use arbitrary::Unstructured;
use twin::MachineConfig;
use vitrine::hal::{Clock, Irqs, PciConfig, PhysMem, PhysRegion, PortIo};
use vitrine_hosted::platform::TwinPlatform;

/// The VGA's HGSMI host port (host command offsets are read here).
const HGSMI_HOST_PORT: u16 = 0x03B0;

/// The twin and the script.
pub struct HostileTwin<'a> {
    /// The twin behind the hal.
    pub twin: TwinPlatform,
    /// What the fuzzer says next.
    pub script: Unstructured<'a>,
    vmmdev_request_port: u16,
    /// Scripted changes made so far.
    pub patches: u32,
}

/// A small machine: enough RAM for the request pages, 4 MiB of VRAM.
pub fn small_machine() -> MachineConfig {
    MachineConfig {
        ram_size: 2 << 20,
        // Zero-filled RAM is mapped lazily; a poison fill costs a 2 MiB memset per run.
        ram_poison: 0,
        vram_size: 4 << 20,
        strict: false,
        ..MachineConfig::default()
    }
}

impl<'a> HostileTwin<'a> {
    /// A hostile twin over a [`small_machine`], driven by `data`.
    pub fn new(data: &'a [u8]) -> Self {
        let config = small_machine();
        let vmmdev_request_port = config.vmmdev_io_base;
        Self {
            twin: TwinPlatform::new(config),
            script: Unstructured::new(data),
            vmmdev_request_port,
            patches: 0,
        }
    }

    /// Whether the script has bytes left.
    pub fn scripted(&self) -> bool {
        !self.script.is_empty()
    }

    /// Writes up to 16 scripted bytes at `phys + (scripted offset < span)`.
    pub fn patch_memory(&mut self, phys: u64, span: u32) {
        let offset = self
            .script
            .int_in_range(0..=span.saturating_sub(1))
            .unwrap_or(0);
        let len = self.script.int_in_range(1..=16usize).unwrap_or(1);
        let Ok(bytes) = self.script.bytes(len) else {
            return;
        };
        let bytes = bytes.to_vec();
        self.twin
            .machine
            .write_phys(phys + u64::from(offset), &bytes);
        self.patches += 1;
    }

    /// After the twin answered the request at `phys`: maybe rewrite parts of it.
    fn tamper_with_answer(&mut self, phys: u32) {
        let count = self.script.int_in_range(0..=3u8).unwrap_or(0);
        for _ in 0..count {
            // Header (rc at 12) and body: the first 128 bytes hold every field read.
            self.patch_memory(u64::from(phys), 128);
        }
    }
}

impl PortIo for HostileTwin<'_> {
    fn in8(&mut self, port: u16) -> u8 {
        self.twin.in8(port)
    }
    fn in16(&mut self, port: u16) -> u16 {
        self.twin.in16(port)
    }
    fn in32(&mut self, port: u16) -> u32 {
        let value = self.twin.in32(port);
        if port == HGSMI_HOST_PORT && self.script.arbitrary::<bool>().unwrap_or(false) {
            self.patches += 1;
            return self.script.arbitrary().unwrap_or(value);
        }
        value
    }
    fn out8(&mut self, port: u16, value: u8) {
        self.twin.out8(port, value)
    }
    fn out16(&mut self, port: u16, value: u16) {
        self.twin.out16(port, value)
    }
    fn out32(&mut self, port: u16, value: u32) {
        self.twin.out32(port, value);
        if port == self.vmmdev_request_port {
            self.tamper_with_answer(value);
        }
    }
}

impl PhysMem for HostileTwin<'_> {
    fn map(&mut self, phys: u64, len: usize) -> Option<PhysRegion> {
        self.twin.map(phys, len)
    }
}

impl PciConfig for HostileTwin<'_> {
    fn read_config(&mut self, bus: u8, device: u8, function: u8, offset: u8) -> u32 {
        self.twin.read_config(bus, device, function, offset)
    }
    fn write_config(&mut self, bus: u8, device: u8, function: u8, offset: u8, value: u32) {
        self.twin.write_config(bus, device, function, offset, value)
    }
}

impl Clock for HostileTwin<'_> {
    fn now_us(&self) -> u64 {
        self.twin.now_us()
    }
}

impl Irqs for HostileTwin<'_> {
    fn enable_line(&mut self, line: u8) -> bool {
        self.twin.enable_line(line)
    }
    fn take_fired(&mut self) -> u64 {
        self.twin.take_fired()
    }
    fn rearm(&mut self, line: u8) {
        self.twin.rearm(line)
    }
    fn wait(&mut self, deadline_us: u64) {
        self.twin.wait(deadline_us)
    }
}
