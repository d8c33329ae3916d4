//! The composition every run uses, on metal and hosted: PCI → VMMDev → display
//! (VBVA, else VBE, else firmware) → input → the runtime loop.
//!
//! ```ignore
//! // bare metal (app/src/main.rs)
//! let mut config = SystemConfig::from_boot(&handoff.boot, request_pages, Some(wc));
//! config.power = handoff.power;
//! vitrine::system::start(platform, &handoff.pci, &config, Kiosk::new(), devices, ())
//! ```
//!
//! Hosted runs call [`build`] and `step` the returned runtime themselves.

use crate::app_api::{App, SystemInfo};
use crate::boot::cmdline::Bench;
use crate::boot::cmdline::DisplayChoice;
use crate::boot::BootInfo;
use crate::display::boot::{init_display, DisplayRequest, DEFAULT_MODE};
use crate::display::firmware::FirmwareFramebufferInfo;
use crate::display::system::SystemDisplay;
use crate::display::{Display, DisplayError};
use crate::drivers::vga::svga::VMWARE_SVGA2_ID;
use crate::drivers::vga::{PciBar, VgaKind, VgaPciInfo};
use crate::drivers::vmmdev::wire::{VMMDEV_DEVICEID, VMMDEV_VENDORID};
use crate::drivers::vmmdev::PciResources;
use crate::hal::{PhysRegion, Platform};
use crate::input::{Input, Source};
use crate::logging;
use crate::platform::acpi::PowerInfo;
use crate::platform::pci::{BarKind, PciFunction, PciScan};
use crate::power::PowerControl;
use crate::runtime::{EventQueue, EventSource, PointerOwner, Runtime, RuntimeConfig};
use crate::status;
use crate::vbox::VboxIntegration;

/// Bytes of the request pages VMMDev's own requests use; the HGCM pool follows.
pub const REQUEST_PAGE_LEN: usize = 4096;
/// Bytes of request pages a platform hands the system: VMMDev's page and the HGCM
/// pool (`drivers::vmmdev::hgcm::POOL_LEN`).
pub const REQUEST_PAGES_LEN: usize = REQUEST_PAGE_LEN + crate::drivers::vmmdev::hgcm::POOL_LEN;

/// Makes a physical range write-combining (metal: `Metal::map_write_combining`'s
/// page-table change); returns whether it did.
pub type WriteCombining = fn(phys: u64, len: u64) -> bool;

/// What the caller decides before the system comes up.
#[derive(Debug, Clone)]
pub struct SystemConfig {
    /// The mode to start in (`mode=WxH`), unless the host already has a hint.
    pub mode: (u32, u32),
    /// The boot loader's framebuffer (the last resort display).
    pub firmware_framebuffer: Option<FirmwareFramebufferInfo>,
    /// `integration=on|off`: use VMMDev and HGSMI/VBVA when present.
    pub integration: bool,
    /// `display=`: the backend the display fallback chain starts at.
    pub display: DisplayChoice,
    /// The VMMDev request page(s): below 4 GiB, identity-mapped (metal: a static
    /// page-aligned pool in the kernel image; hosted: pages in the twin's RAM).
    pub request_pages: Option<PhysRegion>,
    /// Maps the framebuffer write-combining, if the platform can.
    pub write_combining: Option<WriteCombining>,
    /// Called with `true` once VMMDev answered, so the log is mirrored to VBox.log
    /// (metal: `drivers::serial::mirror_to_vbox_log`, which `from_boot` sets).
    pub vbox_log_mirror: Option<fn(bool)>,
    /// What ACPI found for power-off and the power button (metal: `Handoff::power`;
    /// the default has neither, so no button is watched).
    pub power: PowerInfo,
    /// Loop settings.
    pub runtime: RuntimeConfig,
    /// The app's boot-time options (`app.NAME=VALUE` on the command line).
    pub app_options: crate::app_options::AppOptions,
}

impl SystemConfig {
    /// The configuration the command line and the boot loader give.
    pub fn from_boot(
        boot: &BootInfo,
        request_pages: Option<PhysRegion>,
        write_combining: Option<WriteCombining>,
    ) -> Self {
        let firmware_framebuffer = boot.framebuffer.map(|fb| FirmwareFramebufferInfo {
            phys: fb.phys,
            width: fb.width,
            height: fb.height,
            pitch: fb.pitch,
            bpp: fb.bpp,
            red_position: fb.red.position,
            red_size: fb.red.size,
            green_position: fb.green.position,
            green_size: fb.green.size,
            blue_position: fb.blue.position,
            blue_size: fb.blue.size,
        });
        Self {
            mode: boot
                .cmdline
                .mode
                .map_or(DEFAULT_MODE, |m| (m.width, m.height)),
            firmware_framebuffer,
            integration: boot.cmdline.integration,
            display: boot.cmdline.display,
            request_pages,
            write_combining,
            #[cfg(target_os = "none")]
            vbox_log_mirror: Some(crate::drivers::serial::mirror_to_vbox_log),
            #[cfg(not(target_os = "none"))]
            vbox_log_mirror: None,
            power: PowerInfo::default(),
            runtime: RuntimeConfig {
                ticks: boot.cmdline.bench != Some(Bench::Quiet),
                report_latency: boot.cmdline.bench == Some(Bench::Latency),
                ..RuntimeConfig::default()
            },
            app_options: boot.cmdline.app_options.clone(),
        }
    }
}

/// Input devices that feed the shared input hub (PS/2, vmmouse): VMMDev positions
/// and PS/2 buttons must meet in one pointer model, so the hub is owned here and
/// lent to the devices each iteration.
pub trait InputDevices<H: Platform> {
    /// Reads the devices (their lines fired, or a poll is due) into `input`.
    fn poll(&mut self, hal: &mut H, fired_lines: u64, input: &mut Input);
    /// When the devices next need a poll without an interrupt.
    fn next_deadline_us(&self) -> Option<u64> {
        None
    }
    /// `ps2`, `vmmouse`, `ps2+vmmouse`, `none`: the word in the status line.
    fn name(&self) -> &'static str;
}

impl<H: Platform> InputDevices<H> for () {
    fn poll(&mut self, _: &mut H, _: u64, _: &mut Input) {}
    fn name(&self) -> &'static str {
        "none"
    }
}

/// The runtime's event sources: VirtualBox integration, the ACPI power button, input
/// devices around the shared hub, and any extra source the caller adds.
#[derive(Debug)]
pub struct SystemSources<D, X> {
    /// The input hub (pointer model + queue).
    pub input: Input,
    /// VMMDev integration, when the device came up.
    pub vbox: Option<VboxIntegration>,
    /// The ACPI power button; a press powers off (through `vbox` when it is up).
    pub power: PowerControl,
    /// PS/2, vmmouse: engineer H's input source slot.
    pub devices: D,
    /// Anything else (test scripts, app-specific devices).
    pub extra: X,
    /// Without VirtualBox: whether the vmmouse drove the pointer absolutely at the
    /// last poll (`None` before the first), so the pointer request follows it.
    vmmouse_absolute: Option<bool>,
}

impl<D, X> SystemSources<D, X> {
    /// Without VirtualBox (whose mouse integration decides there), the pointer
    /// follows the vmmouse: while it is absolute the host and the guest agree on
    /// where the pointer is, so the display's host cursor can show it (one arrow in
    /// a UI that draws the cursor itself, e.g. QEMU's VNC and GTK); once it is
    /// relative or gone, the guest draws the pointer again.
    fn follow_vmmouse(&mut self, queue: &mut EventQueue) {
        if self.vbox.is_some() {
            return;
        }
        let absolute = self.input.pointer().position_source() == Source::VmMouse;
        if self.vmmouse_absolute == Some(absolute) {
            return;
        }
        self.vmmouse_absolute = Some(absolute);
        if absolute {
            queue.request_host_pointer_at_guest_position();
        } else {
            queue.request_pointer(PointerOwner::Software);
        }
    }
}

impl<H: Platform, D: InputDevices<H>, X: EventSource<H>> EventSource<H> for SystemSources<D, X> {
    fn poll(&mut self, hal: &mut H, fired: u64, queue: &mut EventQueue, info: &mut SystemInfo) {
        let size = (info.width, info.height);
        let pixel = self.input.pointer().position();
        let resized = self.input.pointer().screen_size() != size;
        self.input.set_screen_size(size.0, size.1);
        if let Some(vbox) = self.vbox.as_ref().filter(|_| resized) {
            vbox.keep_pointer_at(&mut self.input, pixel, size);
        }
        if let Some(vbox) = &mut self.vbox {
            vbox.poll(hal, fired, &mut self.input, queue, info);
        }
        self.power.poll(hal, fired, self.vbox.as_mut());
        self.devices.poll(hal, fired, &mut self.input);
        self.follow_vmmouse(queue);
        self.input.drain_into(queue);
        self.input.report_drops();
        self.extra.poll(hal, fired, queue, info);
    }

    fn next_deadline_us(&self) -> Option<u64> {
        [
            self.vbox.as_ref().and_then(|v| v.next_deadline_us()),
            self.power.next_deadline_us(),
            self.devices.next_deadline_us(),
            self.extra.next_deadline_us(),
        ]
        .into_iter()
        .flatten()
        .min()
    }
}

/// The runtime `build` returns.
pub type SystemRuntime<A, D, X> = Runtime<SystemDisplay, A, SystemSources<D, X>>;

/// The VGA function as the display drivers want it; `subsystem` is config dword 0x2C
/// split into (vendor, device).
pub fn vga_pci_info(function: &PciFunction, subsystem: u32) -> VgaPciInfo {
    let mut bars = [PciBar::None; 6];
    for bar in &function.bars {
        let Some(slot) = bars.get_mut(usize::from(bar.index)) else {
            continue;
        };
        *slot = match bar.kind {
            BarKind::Io => PciBar::Io {
                port: bar.address as u16,
                size: bar.size as u32,
            },
            BarKind::Memory32 { prefetchable } | BarKind::Memory64 { prefetchable } => {
                PciBar::Memory {
                    base: bar.address,
                    size: bar.size,
                    prefetchable,
                }
            }
        };
    }
    VgaPciInfo {
        vendor: function.vendor_id,
        device: function.device_id,
        subsystem: (subsystem as u16, (subsystem >> 16) as u16),
        bars,
    }
}

/// The display controller: VirtualBox's VGA, QEMU's std VGA or an SVGA II function.
fn find_vga<H: Platform>(hal: &mut H, pci: &PciScan) -> Option<VgaPciInfo> {
    let function = pci.functions().iter().find(|f| {
        VgaKind::from_pci_id(f.vendor_id, f.device_id).is_some()
            || (f.vendor_id, f.device_id) == VMWARE_SVGA2_ID
    })?;
    let a = function.address;
    let subsystem = hal.read_config(a.bus, a.device, a.function, 0x2C);
    Some(vga_pci_info(function, subsystem))
}

/// Finds and brings up VMMDev; logs why not when it cannot.
fn start_vmmdev<H: Platform>(
    hal: &mut H,
    pci: &PciScan,
    config: &SystemConfig,
) -> Option<(VboxIntegration, crate::vbox::BringUp)> {
    if !config.integration {
        return None;
    }
    let function = pci.find(VMMDEV_VENDORID, VMMDEV_DEVICEID)?;
    let address = function.address;
    let resources = match PciResources::probe(hal, address.bus, address.device, address.function) {
        Ok(Some(resources)) => resources,
        Ok(None) => return None,
        Err(error) => {
            status!("vmmdev unavailable error={:?}", error);
            return None;
        }
    };
    let Some(page) = config.request_pages else {
        status!("vmmdev unavailable error=NoRequestPage");
        return None;
    };
    // The first page holds VMMDev's own requests, the rest is the HGCM pool.
    let Some(vmmdev_page) = page.sub(0, REQUEST_PAGE_LEN) else {
        status!("vmmdev unavailable error=NoRequestPage");
        return None;
    };
    let hgcm_pool = page.sub(REQUEST_PAGE_LEN, crate::drivers::vmmdev::hgcm::POOL_LEN);
    if hgcm_pool.is_none() {
        logging::info!("vbox: no room for the HGCM pool; guest properties off");
    }
    match VboxIntegration::start(hal, resources, vmmdev_page, hgcm_pool, config.integration) {
        Ok(started) => {
            if let Some(mirror) = config.vbox_log_mirror {
                mirror(true);
                logging::info!("vbox: log mirrored to VBox.log (port 0x504)");
            }
            Some(started)
        }
        Err(error) => {
            status!("vmmdev unavailable error={:?}", error);
            None
        }
    }
}

/// Brings everything up and returns the runtime, ready to `step` or `run`.
/// `Err` only when there is nothing to draw on (logged).
pub fn build<H: Platform, A: App, D: InputDevices<H>, X: EventSource<H>>(
    hal: &mut H,
    pci: &PciScan,
    config: &SystemConfig,
    app: A,
    devices: D,
    extra: X,
) -> Result<SystemRuntime<A, D, X>, DisplayError> {
    let mut vbox = start_vmmdev(hal, pci, config);
    // The window's size at boot, so the first frame already fits it.
    let mut mode = config.mode;
    if let Some(hint) = vbox.as_ref().and_then(|(_, b)| b.boot_hint) {
        // The display clamps the size; what it cannot fix (depth, a switched-off
        // screen) keeps the command-line mode.
        if hint.enabled && hint.width >= 1 && hint.height >= 1 && matches!(hint.bpp, 0 | 32) {
            logging::info!("vbox: boot hint {}x{}", hint.width, hint.height);
            mode = (hint.width, hint.height);
        }
    }
    let vga = find_vga(hal, pci);
    let request = DisplayRequest {
        mode,
        integration: config.integration,
        virtualbox: vbox.is_some(),
        choice: config.display,
    };
    let display = init_display(
        hal,
        vga.as_ref(),
        config.firmware_framebuffer.as_ref(),
        request,
    )?;
    if let Some(map) = config.write_combining {
        if let Some((phys, len)) =
            display.framebuffer_range(vga.as_ref(), config.firmware_framebuffer.as_ref())
        {
            if !map(phys, len) {
                logging::warn!("system: framebuffer stays uncached");
            }
        }
    }
    let fallback = display.backend_name();
    match &mut vbox {
        Some((integration, _)) => {
            integration
                .set_display_capabilities(display.mode_limits(), display.host_pointer_capable());
        }
        None => status!(
            "vbox {} fallback={} input={}",
            if config.integration { "absent" } else { "off" },
            fallback,
            devices.name()
        ),
    }
    let has_vbox = vbox.is_some();
    let mode = display.mode();
    let sources = SystemSources {
        input: Input::new(mode.width, mode.height),
        vbox: vbox.map(|(integration, _)| integration),
        power: PowerControl::start(hal, config.power),
        devices,
        extra,
        vmmouse_absolute: None,
    };
    let mut runtime = Runtime::new(hal, display, app, sources, config.runtime);
    runtime.set_initial_options(&config.app_options);
    if !has_vbox {
        // The pointer request comes with the first poll (`follow_vmmouse`).
        let text = if config.integration {
            "absent"
        } else {
            "off (integration=off)"
        };
        runtime.set_integration_text(text);
    }
    Ok(runtime)
}

/// [`build`], then runs forever. Without any display it logs and idles.
pub fn start<H: Platform, A: App, D: InputDevices<H>, X: EventSource<H>>(
    hal: &mut H,
    pci: &PciScan,
    config: &SystemConfig,
    app: A,
    devices: D,
    extra: X,
) -> ! {
    match build(hal, pci, config, app, devices, extra) {
        Ok(runtime) => runtime.run(hal),
        Err(error) => {
            status!("system halted reason=no_display error={:?}", error);
            loop {
                hal.wait(u64::MAX);
                let _ = hal.take_fired();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::pci::{Bar, PciAddress};

    #[test]
    fn vga_bars_keep_their_slots_and_kinds() {
        let mut bars = heapless::Vec::new();
        for bar in [
            Bar {
                index: 0,
                kind: BarKind::Io,
                address: 0xD000,
                size: 16,
            },
            Bar {
                index: 2,
                kind: BarKind::Memory64 { prefetchable: true },
                address: 0x1_0000_0000,
                size: 64 << 20,
            },
        ] {
            bars.push(bar).unwrap();
        }
        let function = PciFunction {
            address: PciAddress {
                bus: 0,
                device: 2,
                function: 0,
            },
            vendor_id: 0x80EE,
            device_id: 0xBEEF,
            class: 3,
            subclass: 0,
            prog_if: 0,
            revision: 0,
            header_type: 0,
            interrupt_line: 10,
            interrupt_pin: 1,
            bars,
            secondary_bus: None,
        };
        let info = vga_pci_info(&function, 0x0405_15AD);
        assert_eq!(info.subsystem, (0x15AD, 0x0405));
        assert_eq!((info.vendor, info.device), (0x80EE, 0xBEEF));
        assert_eq!(
            info.bars[0],
            PciBar::Io {
                port: 0xD000,
                size: 16
            }
        );
        assert_eq!(info.bars[1], PciBar::None);
        assert_eq!(
            info.bars[2],
            PciBar::Memory {
                base: 0x1_0000_0000,
                size: 64 << 20,
                prefetchable: true
            }
        );
    }
}
