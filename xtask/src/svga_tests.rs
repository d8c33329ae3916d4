//! Boot tests of the SVGA II backend on QEMU `-vga vmware` (SeaBIOS and OVMF): the
//! kiosk at 800x600, 1280x800 and 1920x1080 with the screendump checked like the VBE
//! tests, and an absolute click through the vmmouse.
//!
//! QEMU draws the hardware cursor in its UI, not into `screendump`, so the cursor is
//! not checked here (the hosted VMSVGA scenarios check the host-drawn pointer).

use std::time::{Duration, Instant};

use crate::qemu::{Firmware, QemuRun};
use crate::qmp::MouseButton;
use crate::test::BootTest;
use crate::ui_tests::{
    expect_click, expect_field, hover_only_on, remaining, wait_screen, Demo, ABS_MAX, TIMEOUT,
    UEFI_TIMEOUT,
};
use crate::Result;

const VMWARE_VGA: &[&str] = &["-vga", "vmware"];

/// The `-vga vmware` boot tests.
pub fn boot_tests() -> Vec<BootTest> {
    vec![
        BootTest {
            name: "svga-vmware-bios-800x600",
            firmware: Firmware::Bios,
            cmdline: "mode=800x600",
            extra_args: VMWARE_VGA,
            timeout: TIMEOUT,
            check: |run, t| check_svga_kiosk(run, t, (800, 600)),
        },
        BootTest {
            name: "svga-vmware-uefi-1280x800",
            firmware: Firmware::Uefi,
            cmdline: "mode=1280x800",
            extra_args: VMWARE_VGA,
            timeout: UEFI_TIMEOUT,
            check: |run, t| check_svga_kiosk(run, t, (1280, 800)),
        },
        BootTest {
            name: "svga-vmware-bios-1920x1080",
            firmware: Firmware::Bios,
            cmdline: "mode=1920x1080",
            extra_args: VMWARE_VGA,
            timeout: TIMEOUT,
            check: |run, t| check_svga_kiosk(run, t, (1920, 1080)),
        },
    ]
}

/// The kiosk comes up on the SVGA backend at `width`×`height` (status lines and
/// screendump), and an absolute vmmouse click on button2 lands (hover drawn first).
fn check_svga_kiosk(run: &mut QemuRun, timeout: Duration, (w, h): (u32, u32)) -> Result {
    let deadline = Instant::now() + timeout;
    let vbox = run.wait_for("vbox", timeout)?;
    expect_field(&vbox, "fallback", "svga")?;
    let display = run.wait_for("display", remaining(deadline))?;
    expect_field(&display, "backend", "svga")?;
    expect_field(&display, "mode", &format!("{w}x{h}"))?;
    run.wait_for_after(display.index + 1, "frame", remaining(deadline))?;
    let demo = Demo::new((w, h))?;
    let frame = wait_screen(run, "kiosk", |f| {
        if (f.width, f.height) != (w, h) {
            return Err(format!("screendump is {}x{}", f.width, f.height));
        }
        demo.check(f).map(|_| ())
    })?;
    println!("  {}", demo.check(&frame)?);
    let vmmouse = run.wait_for("vmmouse", remaining(deadline))?;
    expect_field(&vmmouse, "absolute", "on")?;
    let hover = demo.colour_after("hover 1", 1)?;
    let centre = demo.buttons()[1].center();
    let abs = |p: i32, size: u32| i64::from(p) * ABS_MAX / i64::from(size);
    run.qmp()?
        .move_absolute(abs(centre.x, w), abs(centre.y, h))?;
    // Only UPDATEd rectangles reach QEMU's screen: the hover must show.
    wait_screen(run, "hover", |f| hover_only_on(f, &demo, hover, 1))?;
    let qmp = run.qmp()?;
    qmp.button(MouseButton::Left, true)?;
    qmp.button(MouseButton::Left, false)?;
    let click = run.wait_for("click", remaining(deadline))?;
    expect_click(&click, "button2", centre.x, centre.y)
}
