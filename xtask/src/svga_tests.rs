//! Boot tests of the SVGA II backend on QEMU `-vga vmware` (SeaBIOS and OVMF): the
//! kiosk at 800x600, 1280x800 and 1920x1080 with the screendump checked like the VBE
//! tests, and an absolute click through the vmmouse.
//!
//! QEMU draws the hardware cursor in its UI, not into `screendump`, and offers the
//! cursor capabilities only when a UI that draws cursors is attached (with `-display
//! none` alone the caps lack CURSOR and the pointer is software). The cursor test
//! attaches QEMU's VNC server, which forwards the shape the guest defined
//! (DEFINE_CURSOR) to clients that ask for the Cursor pseudo-encoding, and compares
//! it with Vitrine's arrow. While the vmmouse is absolute that host cursor is the only
//! arrow: the screendump (the framebuffer) has no software arrow under the pointer.
//! Without a cursor-drawing UI the software arrow is there instead, which shows the
//! check sees an arrow when there is one.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::preview::Frame;
use crate::qemu::{Firmware, QemuRun};
use crate::qmp::MouseButton;
use crate::rfb::{Cursor, Rfb};
use crate::test::BootTest;
use crate::ui_tests::{
    expect_click, expect_field, hover_only_on, remaining, wait_screen, Demo, ABS_MAX, TIMEOUT,
    UEFI_TIMEOUT,
};
use crate::Result;
use vitrine::display::pointer::{arrow_argb, scale_for, ARROW_HEIGHT, ARROW_HOTSPOT, ARROW_WIDTH};
use vitrine::drivers::vga::svga::cursor::masked_width;

const VMWARE_VGA: &[&str] = &["-vga", "vmware"];

/// The VNC server's socket for this xtask process (one QEMU at a time uses it).
fn vnc_socket() -> PathBuf {
    std::env::temp_dir().join(format!("vitrine-vnc-{}.sock", std::process::id()))
}

/// `-vga vmware` with QEMU's VNC server on [`vnc_socket`].
fn vmware_vga_with_vnc() -> &'static [&'static str] {
    let vnc = format!("unix:{}", vnc_socket().display());
    // The test table holds `'static` argument lists; this one is built once per run.
    Vec::leak(vec!["-vga", "vmware", "-vnc", String::leak(vnc)])
}

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
        BootTest {
            name: "svga-vmware-bios-vbe-fallback",
            firmware: Firmware::Bios,
            cmdline: "mode=1024x768 display=vbe",
            extra_args: VMWARE_VGA,
            timeout: TIMEOUT,
            check: check_vbe_on_vmware,
        },
        BootTest {
            name: "svga-vmware-bios-cursor-vnc",
            firmware: Firmware::Bios,
            cmdline: "mode=1024x768",
            extra_args: vmware_vga_with_vnc(),
            timeout: TIMEOUT,
            check: check_vnc_cursor,
        },
    ]
}

/// The chain's next step after SVGA II on QEMU's vmware-svga is VBE (QEMU's Bochs
/// DISPI on the same device, SVGA mode off): `display=vbe` starts there, and the
/// kiosk comes up on it, screendump checked.
fn check_vbe_on_vmware(run: &mut QemuRun, timeout: Duration) -> Result {
    let deadline = Instant::now() + timeout;
    let display = run.wait_for("display", timeout)?;
    expect_field(&display, "backend", "vbe")?;
    expect_field(&display, "mode", "1024x768")?;
    run.wait_for_after(display.index + 1, "frame", remaining(deadline))?;
    let demo = Demo::new((1024, 768))?;
    let frame = wait_screen(run, "kiosk", |f| {
        if (f.width, f.height) != (1024, 768) {
            return Err(format!("screendump is {}x{}", f.width, f.height));
        }
        demo.check(f).map(|_| ())
    })?;
    println!("  {}", demo.check(&frame)?);
    Ok(())
}

/// With a VNC client attached, the SVGA backend defines Vitrine's arrow as the
/// hardware cursor (QEMU then reports CURSOR in the caps); the client receives it with
/// the arrow's size, hotspot, mask and colours.
fn check_vnc_cursor(run: &mut QemuRun, timeout: Duration) -> Result {
    let deadline = Instant::now() + timeout;
    let display = run.wait_for("display", timeout)?;
    expect_field(&display, "backend", "svga")?;
    run.wait_for_after(display.index + 1, "frame", remaining(deadline))?;
    let socket = vnc_socket();
    let result = Rfb::connect(&socket, remaining(deadline))
        .and_then(|mut rfb| rfb.wait_cursor(remaining(deadline)))
        .and_then(|cursor| expect_arrow(&cursor));
    let _ = std::fs::remove_file(&socket);
    println!("  {}", result?);
    // The vmmouse is absolute: the host cursor is the pointer, none is drawn in.
    let vmmouse = run.wait_for("vmmouse", remaining(deadline))?;
    expect_field(&vmmouse, "absolute", "on")?;
    let pointer = run.wait_for("pointer", remaining(deadline))?;
    expect_field(&pointer, "shape", "host")?;
    let (frame, at) = hover_button(run, (1024, 768), 1)?;
    let share = arrow_share(&frame, at, scale_for(768));
    if share >= ARROW_SEEN {
        return Err(format!(
            "the framebuffer has a software arrow at the pointer {at:?} ({:.0}% of its pixels) beside the host cursor",
            share * 100.0
        )
        .into());
    }
    println!(
        "  one arrow: no software arrow at the pointer {at:?} ({:.0}% of its pixels match)",
        share * 100.0
    );
    Ok(())
}

/// An arrow whose pixels match this share or more is on screen.
const ARROW_SEEN: f64 = 0.9;

/// The share of the software arrow's shown pixels (at `scale`, tip at `at`) that the
/// frame has in the arrow's colours.
fn arrow_share(frame: &Frame, at: (i32, i32), scale: u32) -> f64 {
    let (mut shown, mut same) = (0u32, 0u32);
    for y in 0..ARROW_HEIGHT * scale {
        for x in 0..ARROW_WIDTH * scale {
            let argb = arrow_argb(x / scale, y / scale);
            let (fx, fy) = (at.0 + x as i32, at.1 + y as i32);
            if argb >> 24 == 0 || fx >= frame.width as i32 || fy >= frame.height as i32 {
                continue;
            }
            shown += 1;
            let pixel = frame.pixels[(fy as u32 * frame.width + fx as u32) as usize];
            same += u32::from(pixel == argb & 0x00FF_FFFF);
        }
    }
    f64::from(same) / f64::from(shown.max(1))
}

/// Moves the vmmouse onto button `i`'s centre and waits until the screendump shows
/// its hover state (the frame that also holds a software arrow, if one is drawn).
fn hover_button(run: &mut QemuRun, (w, h): (u32, u32), i: usize) -> Result<(Frame, (i32, i32))> {
    let demo = Demo::new((w, h))?;
    let hover = demo.colour_after(&format!("hover {i}"), i)?;
    let centre = demo.buttons()[i].center();
    let abs = |p: i32, size: u32| i64::from(p) * ABS_MAX / i64::from(size);
    run.qmp()?
        .move_absolute(abs(centre.x, w), abs(centre.y, h))?;
    // Only UPDATEd rectangles reach QEMU's screen: the hover must show.
    let frame = wait_screen(run, "hover", |f| hover_only_on(f, &demo, hover, i))?;
    Ok((frame, (centre.x, centre.y)))
}

/// Whether `cursor` is Vitrine's arrow as DEFINE_CURSOR sends it (widened with
/// transparent columns): size, hotspot, which pixels show, colours.
fn expect_arrow(cursor: &Cursor) -> Result<String> {
    let width = masked_width(ARROW_WIDTH);
    if (cursor.width, cursor.height) != (width, ARROW_HEIGHT) {
        return Err(format!(
            "VNC cursor is {}x{}, the arrow {width}x{ARROW_HEIGHT}",
            cursor.width, cursor.height
        )
        .into());
    }
    if cursor.hotspot != ARROW_HOTSPOT {
        return Err(format!(
            "VNC cursor hotspot {:?}, the arrow's {ARROW_HOTSPOT:?}",
            cursor.hotspot
        )
        .into());
    }
    let mut shown = 0;
    for y in 0..ARROW_HEIGHT {
        for x in 0..width {
            let argb = if x < ARROW_WIDTH { arrow_argb(x, y) } else { 0 };
            let expected = (argb >> 24 != 0).then_some(argb & 0x00FF_FFFF);
            let got = cursor.pixel(x, y);
            if got != expected {
                return Err(format!(
                    "VNC cursor pixel ({x},{y}) is {got:08x?}, the arrow's {expected:08x?}"
                )
                .into());
            }
            shown += usize::from(expected.is_some());
        }
    }
    Ok(format!(
        "VNC cursor {width}x{ARROW_HEIGHT} hotspot {ARROW_HOTSPOT:?}: all {shown} arrow pixels and the transparent rest as defined"
    ))
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
    // No UI draws cursors (`-display none`): the caps lack CURSOR, so the guest
    // draws the arrow, and the check below sees it.
    let pointer = run.wait_for("pointer", remaining(deadline))?;
    expect_field(&pointer, "shape", "software")?;
    let (_, centre) = hover_button(run, (w, h), 1)?;
    // The hovered button and the arrow over it are two writes to the framebuffer,
    // which QEMU's SVGA screen shows as it is: a screendump between them has the
    // hover without the arrow. The arrow must follow within the screen wait.
    let scale = scale_for(h);
    let frame = wait_screen(run, "software arrow", |f| {
        let share = arrow_share(f, centre, scale);
        if share >= ARROW_SEEN {
            Ok(())
        } else {
            Err(format!(
                "no software arrow at the pointer {centre:?}: {:.0}% of its pixels match",
                share * 100.0
            ))
        }
    })?;
    let share = arrow_share(&frame, centre, scale);
    println!(
        "  software arrow at the pointer {centre:?} ({:.0}% of its pixels)",
        share * 100.0
    );
    let qmp = run.qmp()?;
    qmp.button(MouseButton::Left, true)?;
    qmp.button(MouseButton::Left, false)?;
    let click = run.wait_for("click", remaining(deadline))?;
    expect_click(&click, "button2", centre.0, centre.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arrow() -> Cursor {
        let width = masked_width(ARROW_WIDTH);
        let argb = |x, y| if x < ARROW_WIDTH { arrow_argb(x, y) } else { 0 };
        let all = (0..ARROW_HEIGHT).flat_map(|y| (0..width).map(move |x| argb(x, y)));
        Cursor {
            width,
            height: ARROW_HEIGHT,
            hotspot: (0, 0),
            pixels: all.clone().map(|argb| argb & 0x00FF_FFFF).collect(),
            visible: all.map(|argb| argb >> 24 != 0).collect(),
        }
    }

    #[test]
    fn the_arrow_is_seen_where_it_is_drawn_and_only_there() {
        for scale in [1, 2] {
            let (w, h) = (64u32, 64u32);
            let mut frame = Frame {
                width: w,
                height: h,
                pixels: vec![0x0033_6699; (w * h) as usize],
            };
            let at = (20, 10);
            assert!(arrow_share(&frame, at, scale) < ARROW_SEEN, "plain screen");
            for y in 0..ARROW_HEIGHT * scale {
                for x in 0..ARROW_WIDTH * scale {
                    let argb = arrow_argb(x / scale, y / scale);
                    if argb >> 24 != 0 && at.1 as u32 + y < h {
                        let i = (at.1 as u32 + y) * w + at.0 as u32 + x;
                        frame.pixels[i as usize] = argb & 0x00FF_FFFF;
                    }
                }
            }
            assert!(arrow_share(&frame, at, scale) >= ARROW_SEEN, "drawn arrow");
            assert!(
                arrow_share(&frame, (at.0 + 3, at.1), scale) < ARROW_SEEN,
                "elsewhere"
            );
        }
    }

    #[test]
    fn the_arrow_passes_and_any_difference_fails() {
        assert!(expect_arrow(&arrow()).is_ok());
        let mut hotspot = arrow();
        hotspot.hotspot = (1, 0);
        assert!(expect_arrow(&hotspot).is_err());
        let mut colour = arrow();
        colour.pixels[colour.width as usize * 3 + 1] = 0x00FF_0000; // a fill pixel
        assert!(expect_arrow(&colour).is_err());
        let mut mask = arrow();
        mask.visible[ARROW_WIDTH as usize - 1] = true; // top-right is transparent
        assert!(expect_arrow(&mask).is_err());
        let mut padding = arrow();
        padding.visible[ARROW_WIDTH as usize + 3] = true; // a widening column
        assert!(expect_arrow(&padding).is_err());
        let mut size = arrow();
        size.width = ARROW_WIDTH;
        assert!(expect_arrow(&size).is_err());
    }
}
