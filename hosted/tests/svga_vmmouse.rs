//! QEMU `-vga vmware` with its vmmouse, the whole system on the twin (SVGA II in QEMU
//! mode, no VMMDev): while the vmmouse is absolute the SVGA hardware cursor shows
//! the pointer and a move writes no framebuffer byte; once the vmmouse is relative or
//! broken the guest draws the pointer again and hides the hardware cursor; absolute
//! again, and the software arrow goes. Without a hardware cursor (VBE, or QEMU
//! without a cursor-drawing UI) the pointer stays in software.

use embedded_graphics::pixelcolor::Rgb888;
use embedded_graphics::prelude::DrawTarget;
use twin::machine::{GraphicsController, MachineConfig};
use twin::svga::SvgaHost;
use vitrine::app_api::{App, SystemInfo};
use vitrine::display::Display;
use vitrine::event::Event;
use vitrine::input::{absolute_to_pixel, PcInput};
use vitrine::runtime::PointerOwner;
use vitrine::system::{self, SystemConfig, SystemRuntime};
use vitrine_hosted::platform::TwinPlatform;
use vitrine_hosted::vmmouse::QemuVmMouse;

const W: u32 = 800;
const H: u32 = 600;
const BACKDROP: Rgb888 = Rgb888::new(10, 20, 30);

/// Paints the backdrop once per mode and ignores input, so every framebuffer change
/// after the first frame is the pointer's.
#[derive(Default)]
struct Backdrop {
    full: bool,
}

impl App for Backdrop {
    fn event(&mut self, event: &Event, _info: &SystemInfo) -> bool {
        self.full |= matches!(event, Event::Resize { .. });
        self.full
    }
    fn draw<D: DrawTarget<Color = Rgb888>>(&mut self, target: &mut D, _info: &SystemInfo) {
        if core::mem::take(&mut self.full) {
            let _ = target.clear(BACKDROP);
        }
    }
}

struct Qemu {
    platform: TwinPlatform,
    runtime: SystemRuntime<Backdrop, PcInput<QemuVmMouse>, ()>,
    mouse: QemuVmMouse,
}

/// Boots the system on a QEMU-like machine: `graphics` (SVGA II in QEMU mode, with
/// or without a cursor-drawing UI; the VGA with or without HGSMI), no VMMDev, PS/2
/// plus the vmmouse.
fn boot(graphics: GraphicsController, cursor_ui: bool, hgsmi: bool) -> Qemu {
    let mut platform = TwinPlatform::new(MachineConfig {
        graphics,
        svga_host: SvgaHost::Qemu,
        svga_fifo_size: 64 << 10,
        vram_size: 16 << 20,
        ..MachineConfig::default()
    });
    platform.vmmdev_hidden = true;
    platform.hgsmi_disconnected = !hgsmi;
    if let Some(svga) = platform.machine.svga_mut() {
        svga.set_qemu_cursor_ui(cursor_ui);
    }
    let scan = vitrine::platform::pci::enumerate(&mut platform);
    let config = SystemConfig {
        mode: (W, H),
        firmware_framebuffer: None,
        integration: true,
        display: Default::default(),
        request_pages: platform.request_pages(),
        write_combining: None,
        vbox_log_mirror: None,
        power: Default::default(),
        runtime: vitrine::runtime::RuntimeConfig {
            ticks: false,
            ..Default::default()
        },
        app_options: Default::default(),
    };
    let mouse = QemuVmMouse::new();
    let devices = PcInput::init(&mut platform, mouse.clone(), true);
    let runtime = system::build(
        &mut platform,
        &scan,
        &config,
        Backdrop::default(),
        devices,
        (),
    )
    .expect("a display");
    let mut qemu = Qemu {
        platform,
        runtime,
        mouse,
    };
    qemu.run_ms(300);
    assert!(qemu.mouse.absolute(), "the guest asked for absolute mode");
    qemu
}

impl Qemu {
    /// Lets `ms` of virtual time pass with the guest running (the input backstop
    /// poll reads the vmmouse at least every 100 ms).
    fn run_ms(&mut self, ms: u64) {
        let end = self.platform.machine.now_us() + ms * 1000;
        for _ in 0..100_000 {
            if self.platform.machine.now_us() >= end {
                return;
            }
            self.runtime.step(&mut self.platform);
        }
        panic!("the guest never idled");
    }

    /// The vmmouse reports the host mouse on pixel (x, y).
    fn absolute_to(&mut self, x: u32, y: u32) {
        self.mouse.move_to(raw(x, W), raw(y, H), false);
        self.run_ms(150);
    }

    fn framebuffer(&mut self) -> Vec<u8> {
        let base = u64::from(self.platform.machine.config().vram_base);
        let mut bytes = vec![0; (W * H * 4) as usize];
        assert!(self.platform.machine.read_phys(base, &mut bytes));
        bytes
    }

    fn cursor_position(&self) -> (u32, u32) {
        self.platform.machine.svga().unwrap().cursor_position()
    }

    fn cursor_visible(&self) -> bool {
        self.platform.machine.pointer().visible
    }

    fn owner(&self) -> Option<PointerOwner> {
        self.runtime.pointer_owner()
    }
}

/// The raw vmmouse coordinate the guest maps to pixel `p` of `size`.
fn raw(p: u32, size: u32) -> u32 {
    (0..=0xFFFF)
        .find(|&r| absolute_to_pixel(r, size) == p as i32)
        .unwrap()
}

/// Bytes that differ, and the pixel box around them.
fn changed(before: &[u8], after: &[u8]) -> (usize, Option<(u32, u32, u32, u32)>) {
    let mut count = 0;
    let mut bounds: Option<(u32, u32, u32, u32)> = None;
    for (i, (a, b)) in before.iter().zip(after).enumerate() {
        if a != b {
            count += 1;
            let pixel = (i / 4) as u32;
            let (x, y) = (pixel % W, pixel / W);
            bounds = Some(match bounds {
                None => (x, y, x, y),
                Some((x0, y0, x1, y1)) => (x0.min(x), y0.min(y), x1.max(x), y1.max(y)),
            });
        }
    }
    (count, bounds)
}

/// The software arrow is drawn with its tip at (x, y): the change starts there.
fn assert_arrow_at(before: &[u8], after: &[u8], (x, y): (u32, u32)) {
    let (count, bounds) = changed(before, after);
    let (x0, y0, x1, y1) = bounds.expect("the software arrow changed the framebuffer");
    assert!(count > 0);
    assert_eq!((x0, y0), (x, y), "arrow tip at the pointer");
    assert!(
        x1 < x + 64 && y1 < y + 64,
        "only the arrow changed: {bounds:?}"
    );
}

#[test]
fn an_absolute_vmmouse_gets_the_hardware_cursor_and_moves_write_no_framebuffer_byte() {
    let mut qemu = boot(GraphicsController::VmSvga, true, false);
    assert_eq!(qemu.runtime.display().backend_name(), "svga");
    assert_eq!(qemu.owner(), Some(PointerOwner::Host));
    qemu.absolute_to(200, 150);
    let still = qemu.framebuffer();
    assert_eq!(qemu.cursor_position(), (200, 150));
    assert!(qemu.cursor_visible());
    for (x, y) in [(600, 400), (0, 0), (799, 599), (321, 123)] {
        qemu.absolute_to(x, y);
        assert_eq!(qemu.cursor_position(), (x, y), "host cursor follows");
        assert!(qemu.cursor_visible());
        assert_eq!(
            changed(&still, &qemu.framebuffer()).0,
            0,
            "a move to ({x}, {y}) wrote framebuffer bytes"
        );
    }
    qemu.platform.machine.assert_no_protocol_errors();
}

#[test]
fn relative_packets_bring_the_software_pointer_back_and_absolute_ones_the_cursor() {
    let mut qemu = boot(GraphicsController::VmSvga, true, false);
    qemu.absolute_to(200, 150);
    let clean = qemu.framebuffer();
    assert_eq!(qemu.owner(), Some(PointerOwner::Host));

    // The host takes the pointer back: relative motion from where the pointer was.
    qemu.mouse.move_by(10, 5);
    qemu.run_ms(150);
    assert_eq!(qemu.owner(), Some(PointerOwner::Software));
    assert!(!qemu.cursor_visible(), "the hardware cursor is hidden");
    assert_arrow_at(&clean, &qemu.framebuffer(), (210, 155));
    qemu.mouse.move_by(-30, -20);
    qemu.run_ms(150);
    assert_arrow_at(&clean, &qemu.framebuffer(), (180, 135));

    // Absolute again: the software arrow goes, the hardware cursor shows the pointer.
    qemu.absolute_to(400, 300);
    assert_eq!(qemu.owner(), Some(PointerOwner::Host));
    assert_eq!(changed(&clean, &qemu.framebuffer()).0, 0, "arrow removed");
    assert_eq!(qemu.cursor_position(), (400, 300));
    assert!(qemu.cursor_visible());
    qemu.absolute_to(500, 100);
    assert_eq!(changed(&clean, &qemu.framebuffer()).0, 0);
    assert_eq!(qemu.cursor_position(), (500, 100));
    qemu.platform.machine.assert_no_protocol_errors();
}

#[test]
fn a_broken_vmmouse_hands_the_pointer_to_ps2_and_the_software_arrow() {
    let mut qemu = boot(GraphicsController::VmSvga, true, false);
    qemu.absolute_to(200, 150);
    let clean = qemu.framebuffer();
    qemu.mouse.break_down();
    qemu.run_ms(150);
    assert_eq!(qemu.owner(), Some(PointerOwner::Software));
    assert!(!qemu.cursor_visible());
    // PS/2 drives the pointer now, drawn by the guest.
    qemu.platform.machine.mouse_move(40, 30);
    qemu.run_ms(150);
    let (count, _) = changed(&clean, &qemu.framebuffer());
    assert!(count > 0, "the software arrow is drawn");
    qemu.platform.machine.assert_no_protocol_errors();
}

#[test]
fn without_a_hardware_cursor_the_absolute_vmmouse_keeps_the_software_pointer() {
    for (graphics, cursor_ui, hgsmi, backend) in [
        // QEMU's vmware-svga with no UI that draws cursors (caps without CURSOR).
        (GraphicsController::VmSvga, false, false, "svga"),
        // The std VGA's VBE (`-vga std`): no hardware cursor at all.
        (GraphicsController::VBoxVga, true, false, "vbe"),
        // VBVA's host pointer follows the host's own mouse only (VirtualBox's
        // business, through VMMDev): it cannot be placed at vmmouse positions.
        (GraphicsController::VBoxVga, true, true, "vbva"),
    ] {
        let mut qemu = boot(graphics, cursor_ui, hgsmi);
        assert_eq!(qemu.runtime.display().backend_name(), backend);
        let clean = qemu.framebuffer();
        qemu.absolute_to(200, 150);
        assert_eq!(qemu.owner(), Some(PointerOwner::Software), "{backend}");
        assert_arrow_at(&clean, &qemu.framebuffer(), (200, 150));
    }
}
