//! A VirtualBox twin whose answers the fuzzer controls.
//!
//! [`HostileTwin`] is the hosted `TwinPlatform` (the twin's VMMDev and VGA behind
//! vitrine's hal traits) with the fuzzer between it and the driver: after the twin
//! has answered a VMMDev request, the script may overwrite any bytes of the answer;
//! reads of the HGSMI host port may return a scripted offset, armed reads of SVGA
//! II registers a scripted value; and targets write
//! scripted bytes where the host leaves data in VRAM (host flags, the VBVA buffer,
//! host commands). When the script runs out, the twin answers as VirtualBox would.

use arbitrary::Unstructured;
use twin::MachineConfig;
use vitrine::display::dirty::Rect;
use vitrine::drivers::vga::VgaPciInfo;
use vitrine::drivers::vmmdev::{PciResources, VmmDev};
use vitrine::hal::{Clock, Irqs, PciConfig, PhysMem, PhysRegion, PortIo};
use vitrine::platform::pci;
use vitrine::system::{vga_pci_info, REQUEST_PAGE_LEN};
use vitrine_hosted::platform::TwinPlatform;

/// The VGA's HGSMI host port (host command offsets are read here).
const HGSMI_HOST_PORT: u16 = 0x03B0;
/// The SVGA II value port's offset in the I/O BAR (register reads come from here).
const SVGA_VALUE_PORT: u16 = 1;
/// Virtual time one SVGA register read takes. The twin's clock otherwise stands
/// still during a BUSY poll, so a stuck host cost the driver's whole poll limit
/// (20 000 reads, ~20 ms) per wait instead of its 250 ms deadline; VirtualBox's
/// port exits take microseconds, this is larger to keep such inputs fast.
const SVGA_READ_US: u64 = 100;

/// The twin and the script.
pub struct HostileTwin<'a> {
    /// The twin behind the hal.
    pub twin: TwinPlatform,
    /// What the fuzzer says next.
    pub script: Unstructured<'a>,
    vmmdev_request_port: u16,
    /// The SVGA II value port, when the machine has SVGA.
    svga_value_port: Option<u16>,
    /// How many more SVGA register reads the script may answer (see
    /// [`HostileTwin::script_svga_reads`]).
    svga_scripted_reads: u32,
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
        // Protocol errors are kept in the machine, not printed: a hostile host makes
        // many, and a write to stderr each cost more than the run.
        strict: true,
        // The host window is not what the targets check; painting it per input
        // made the VGA targets ~100 exec/s.
        host_view: false,
        ..MachineConfig::default()
    }
}

impl<'a> HostileTwin<'a> {
    /// A hostile twin over a [`small_machine`], driven by `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Self::with_config(data, small_machine())
    }

    /// A hostile twin over `config`, driven by `data`.
    pub fn with_config(data: &'a [u8], config: MachineConfig) -> Self {
        let vmmdev_request_port = config.vmmdev_io_base;
        let svga_value_port = config
            .graphics
            .has_svga()
            .then_some(config.svga_io_base + SVGA_VALUE_PORT);
        Self {
            twin: TwinPlatform::new(config),
            script: Unstructured::new(data),
            vmmdev_request_port,
            svga_value_port,
            svga_scripted_reads: 0,
            patches: 0,
        }
    }

    /// VMMDev found on the PCI bus, set up and initialised as the kernel does, over
    /// the first request page. `None` when the (tampered) host refused a step.
    pub fn bring_up_vmmdev(&mut self) -> Option<VmmDev> {
        let scan = pci::enumerate(self);
        let Some(function) = scan.find(0x80ee, 0xcafe) else {
            panic!("the twin has no VMMDev");
        };
        let a = function.address;
        let resources = PciResources::probe(self, a.bus, a.device, a.function).ok()??;
        let page = self.twin.request_pages()?.sub(0, REQUEST_PAGE_LEN)?;
        let mut vmmdev = VmmDev::new(resources, self, page).ok()?;
        vmmdev.init(self).ok()?;
        Some(vmmdev)
    }

    /// The graphics function found on the PCI bus (VMSVGA 15AD:0405, else the
    /// VirtualBox VGA 80EE:BEEF), described as the kernel describes it.
    pub fn find_vga(&mut self) -> VgaPciInfo {
        let scan = pci::enumerate(self);
        let Some(function) = scan
            .find(0x15ad, 0x0405)
            .or_else(|| scan.find(0x80ee, 0xbeef))
        else {
            panic!("the twin has no graphics function");
        };
        let a = function.address;
        let subsystem = self.read_config(a.bus, a.device, a.function, 0x2C);
        vga_pci_info(function, subsystem)
    }

    /// Up to 12 scripted dirty rectangles, some beyond any screen.
    pub fn scripted_rects(&mut self) -> Vec<Rect> {
        let mut rects = Vec::new();
        for _ in 0..self.script.int_in_range(0..=12).unwrap_or(1) {
            rects.push(Rect {
                x: self.script.int_in_range(0..=2100).unwrap_or(0),
                y: self.script.int_in_range(0..=2100).unwrap_or(0),
                width: self.script.int_in_range(0..=2100).unwrap_or(64),
                height: self.script.int_in_range(0..=2100).unwrap_or(64),
            });
        }
        rects
    }

    /// Lets the script answer the next `reads` SVGA register reads (each takes a
    /// byte: answer as the twin, or a scripted value). Armed by operations rather
    /// than always on, so a start-up's many reads do not use up the script.
    pub fn script_svga_reads(&mut self, reads: u32) {
        self.svga_scripted_reads = reads;
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
        if Some(port) == self.svga_value_port {
            self.twin.machine.advance(SVGA_READ_US);
        }
        let value = self.twin.in32(port);
        let svga_scripted = Some(port) == self.svga_value_port && self.svga_scripted_reads > 0;
        if svga_scripted {
            self.svga_scripted_reads -= 1;
        }
        let scripted = port == HGSMI_HOST_PORT || svga_scripted;
        if scripted && self.script.arbitrary::<bool>().unwrap_or(false) {
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
