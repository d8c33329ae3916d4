//! Boot tests of the kiosk in QEMU: the UI on screen at two modes, the absolute
//! pointer through the vmmouse, the relative PS/2 mouse, and the keyboard.
//!
//! Input goes in over QMP; the checks read status lines (`click`, `focus`,
//! `activate`, `text`) and compare screendumps with the demo rendered by its own
//! host binary (`vitrine-app render`/`widgets`): widget places and state colours come
//! from there, so the tests follow the demo's look without linking it.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use embedded_graphics::primitives::Rectangle;

use crate::preview::Frame;
use crate::qemu::{Firmware, QemuRun};
use crate::qmp::MouseButton;
use crate::screenshot::{check_app, dominant, same_share};
use crate::status_line::StatusLine;
use crate::test::BootTest;
use crate::Result;

pub(crate) const TIMEOUT: Duration = Duration::from_secs(45);
pub(crate) const UEFI_TIMEOUT: Duration = Duration::from_secs(90);
/// How long a screen change may take to show (TCG, a shared machine).
const SCREEN_WAIT: Duration = Duration::from_secs(10);
/// QMP's absolute axes run 0..=0x7fff across the screen.
pub(crate) const ABS_MAX: i64 = 0x7fff;

/// The display and input boot tests.
pub fn boot_tests() -> Vec<BootTest> {
    vec![
        BootTest {
            name: "kiosk-800x600-integration-off",
            firmware: Firmware::Bios,
            cmdline: "mode=800x600 integration=off",
            extra_args: &[],
            timeout: TIMEOUT,
            check: check_integration_off,
        },
        BootTest {
            name: "kiosk-uefi-firmware-framebuffer",
            firmware: Firmware::Uefi,
            cmdline: "",
            // virtio-vga has no DISPI: the kiosk draws on the GOP framebuffer GRUB passes.
            extra_args: &["-vga", "virtio"],
            timeout: UEFI_TIMEOUT,
            check: check_firmware_framebuffer,
        },
        // BIOS: our boot image hands over to GRUB (the ISO's second El Torito entry),
        // which sets the VBE mode as grub.cfg says: asked for on the command line ...
        BootTest {
            name: "kiosk-bios-display-firmware",
            firmware: Firmware::Bios,
            cmdline: "display=firmware",
            extra_args: &[],
            timeout: TIMEOUT,
            check: |run, timeout| {
                expect_handover_to_grub(run, "display=firmware")?;
                check_firmware_framebuffer(run, timeout)
            },
        },
        // ... or for a VGA at 00:02.0 the kernel does not program (virtio-vga).
        BootTest {
            name: "kiosk-bios-virtio-firmware-framebuffer",
            firmware: Firmware::Bios,
            cmdline: "",
            extra_args: &["-vga", "virtio"],
            timeout: TIMEOUT,
            check: |run, timeout| {
                expect_handover_to_grub(run, "00:02.0 is 1af4:1050")?;
                check_firmware_framebuffer(run, timeout)
            },
        },
        BootTest {
            name: "kiosk-1920x1080-vmmouse",
            firmware: Firmware::Bios,
            cmdline: "mode=1920x1080",
            extra_args: &[],
            timeout: TIMEOUT,
            check: check_vmmouse,
        },
        BootTest {
            name: "input-ps2-keyboard",
            firmware: Firmware::Bios,
            cmdline: "mode=1024x768",
            // No VMware backdoor: the PS/2 mouse is the only pointer.
            extra_args: &["-machine", "pc,vmport=off"],
            timeout: TIMEOUT,
            check: check_ps2_and_keyboard,
        },
    ]
}

/// The demo's widgets in focus order: six buttons, then the text field.
const BUTTONS: usize = 6;
const FIELD: usize = 6;

/// The demo at one screen size, as its host binary renders it.
pub(crate) struct Demo {
    binary: PathBuf,
    size: (u32, u32),
    /// The first frame after boot.
    reference: Frame,
    /// Widget rectangles, by id.
    widgets: Vec<Rectangle>,
}

impl Demo {
    pub(crate) fn new(size: (u32, u32)) -> Result<Self> {
        let binary = crate::app_host::binary(crate::cli::DEFAULT_APP)?;
        let reference = crate::app_host::render(&binary, size.0, size.1, "")?;
        let widgets = crate::app_host::widgets(&binary, size.0, size.1, "")?;
        if widgets.len() <= FIELD {
            return Err(format!("the demo reports {} widgets", widgets.len()).into());
        }
        Ok(Self {
            binary,
            size,
            reference,
            widgets,
        })
    }

    pub(crate) fn render(&self, script: &str) -> Result<Frame> {
        crate::app_host::render(&self.binary, self.size.0, self.size.1, script)
    }

    /// The colour widget `i` mostly shows after `script` (e.g. `hover 1`).
    pub(crate) fn colour_after(&self, script: &str, i: usize) -> Result<u32> {
        dominant(&self.render(script)?, &self.widgets[i])
            .ok_or_else(|| format!("widget {i} is empty").into())
    }

    pub(crate) fn buttons(&self) -> &[Rectangle] {
        &self.widgets[..BUTTONS]
    }

    /// The text field's rectangle.
    pub(crate) fn field(&self) -> Rectangle {
        self.widgets[FIELD]
    }

    pub(crate) fn check(&self, frame: &Frame) -> std::result::Result<String, String> {
        check_app(frame, &self.reference)
    }
}

/// The share of `rect`'s pixels that are exactly `colour`.
pub(crate) fn share(frame: &Frame, rect: &Rectangle, colour: u32) -> f64 {
    let want = colour;
    let (x0, y0) = (rect.top_left.x.max(0) as u32, rect.top_left.y.max(0) as u32);
    let x1 = (x0 + rect.size.width).min(frame.width);
    let y1 = (y0 + rect.size.height).min(frame.height);
    let total = u64::from(x1.saturating_sub(x0)) * u64::from(y1.saturating_sub(y0));
    if total == 0 {
        return 0.0;
    }
    let hits = (y0..y1)
        .flat_map(|y| (x0..x1).map(move |x| (x, y)))
        .filter(|&(x, y)| frame.pixels[(y * frame.width + x) as usize] == want)
        .count();
    hits as f64 / total as f64
}

pub(crate) fn screenshot(run: &mut QemuRun, name: &str) -> Result<Frame> {
    let (_, image) = run.screenshot(name)?;
    Frame::from_rgb(image.width, image.height, &image.rgb)
        .ok_or_else(|| format!("screendump {name} has a bad size").into())
}

/// Takes screenshots until `ready` accepts one (it returns why not otherwise).
pub(crate) fn wait_screen(
    run: &mut QemuRun,
    name: &str,
    ready: impl FnMut(&Frame) -> std::result::Result<(), String>,
) -> Result<Frame> {
    wait_until_screen(|| screenshot(run, name), name, SCREEN_WAIT, ready)
}

/// Takes screenshots with `shoot` until `ready` accepts one, for at most `wait`.
pub(crate) fn wait_until_screen(
    mut shoot: impl FnMut() -> Result<Frame>,
    name: &str,
    wait: Duration,
    mut ready: impl FnMut(&Frame) -> std::result::Result<(), String>,
) -> Result<Frame> {
    let deadline = Instant::now() + wait;
    loop {
        let frame = shoot()?;
        match ready(&frame) {
            Ok(()) => return Ok(frame),
            Err(why) if Instant::now() >= deadline => {
                return Err(format!("screen {name} after {wait:?}: {why}").into())
            }
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

/// The hover colour shows on `button` (most of its surface) and on no other widget.
pub(crate) fn hover_only_on(
    frame: &Frame,
    demo: &Demo,
    hover: u32,
    button: usize,
) -> std::result::Result<(), String> {
    let on = share(frame, &demo.buttons()[button], hover);
    if on < 0.3 {
        return Err(format!(
            "button{} shows {:.0}% hover colour",
            button + 1,
            on * 100.0
        ));
    }
    for (i, rect) in demo.buttons().iter().enumerate() {
        if i != button && share(frame, rect, hover) > 0.01 {
            return Err(format!("button{} shows hover colour too", i + 1));
        }
    }
    Ok(())
}

pub(crate) fn remaining(deadline: Instant) -> Duration {
    deadline.saturating_duration_since(Instant::now())
}

pub(crate) fn expect_field(line: &StatusLine, key: &str, value: &str) -> Result {
    match line.get(key) {
        Some(v) if v == value => Ok(()),
        _ => Err(format!("expected {key}={value}: {}", line.raw).into()),
    }
}

/// The click line names `target` and a position within 2 px of (x, y).
pub(crate) fn expect_click(line: &StatusLine, target: &str, x: i32, y: i32) -> Result {
    expect_field(line, "target", target)?;
    expect_field(line, "button", "left")?;
    let near = |key: &str, want: i32| {
        line.number(key)
            .is_some_and(|v| (v as i64 - i64::from(want)).abs() <= 2)
    };
    if !near("x", x) || !near("y", y) {
        return Err(format!("click not at ({x}, {y}) ± 2: {}", line.raw).into());
    }
    Ok(())
}

/// Boots to the first frame in `width`×`height` and checks the input devices, the
/// display line, and the screendump: its size, and the demo as its host render shows it.
fn check_kiosk_screen(
    run: &mut QemuRun,
    timeout: Duration,
    demo: &Demo,
    vbox_state: &str,
) -> Result<Frame> {
    let (width, height) = demo.size;
    let deadline = Instant::now() + timeout;
    let input = run.wait_for("input", timeout)?;
    for (key, value) in [("kbd", "ok"), ("mouse", "ok"), ("wheel", "yes")] {
        expect_field(&input, key, value)?;
    }
    // No VirtualBox device in QEMU (or integration off): the boot says so and which
    // fallback it took.
    let vbox = run.wait_for("vbox", remaining(deadline))?;
    if !vbox.fields.contains_key(vbox_state) {
        return Err(format!("expected `vbox {vbox_state} ...`: {}", vbox.raw).into());
    }
    expect_field(&vbox, "fallback", "vbe")?;
    let display = run.wait_for("display", remaining(deadline))?;
    expect_field(&display, "backend", "vbe")?;
    expect_field(&display, "mode", &format!("{width}x{height}"))?;
    run.wait_for_after(display.index + 1, "frame", remaining(deadline))?;
    let frame = wait_screen(run, "kiosk", |f| {
        if (f.width, f.height) != (width, height) {
            return Err(format!("screendump is {}x{}", f.width, f.height));
        }
        demo.check(f).map(|_| ())
    })?;
    println!("  {}", demo.check(&frame)?);
    Ok(frame)
}

/// `integration=off`: the kiosk at 800x600 with plain VBE, the vmmouse left alone
/// (relative PS/2 only), and a relative click still lands.
fn check_integration_off(run: &mut QemuRun, timeout: Duration) -> Result {
    let deadline = Instant::now() + timeout;
    let (w, h) = (800, 600);
    let demo = Demo::new((w, h))?;
    check_kiosk_screen(run, timeout, &demo, "off")?;
    expect_pointer_devices(run, "ps2")?;
    if let Some(line) = run.status_lines().iter().find(|l| l.word == "vmmouse") {
        return Err(format!("integration=off still tried the vmmouse: {}", line.raw).into());
    }
    let target = demo.buttons()[1].center();
    let hover = demo.colour_after("hover 1", 1)?;
    run.qmp()?.move_relative(
        i64::from(target.x - w as i32 / 2),
        i64::from(target.y - h as i32 / 2),
    )?;
    wait_screen(run, "off-hover", |f| hover_only_on(f, &demo, hover, 1))?;
    let qmp = run.qmp()?;
    qmp.button(MouseButton::Left, true)?;
    qmp.button(MouseButton::Left, false)?;
    let click = run.wait_for("click", remaining(deadline))?;
    expect_click(&click, "button2", target.x, target.y)?;
    Ok(())
}

/// UEFI with a VGA that has no DISPI: the display falls back to the firmware
/// framebuffer (fixed mode) and the kiosk is drawn on it.
/// The own BIOS boot image logged, before the kernel started, that it handed over to
/// GRUB for `reason` (xtask/src/bios_boot.s). Call it first: it waits for no line.
fn expect_handover_to_grub(run: &mut QemuRun, reason: &str) -> Result {
    run.wait_for("boot", TIMEOUT)?;
    let log = run.serial_log();
    let line = log
        .lines()
        .find(|l| l.starts_with("vitrine-bios-boot: "))
        .ok_or("no `vitrine-bios-boot:` hand-over line before the kernel's")?;
    if !line.contains(reason) || !line.contains("-> GRUB") {
        return Err(format!("expected a hand-over to GRUB for {reason}: {line}").into());
    }
    println!("  {}", line.trim_end());
    Ok(())
}

fn check_firmware_framebuffer(run: &mut QemuRun, timeout: Duration) -> Result {
    let deadline = Instant::now() + timeout;
    let display = run.wait_for("display", timeout)?;
    expect_field(&display, "backend", "firmware")?;
    let mode = display.get("mode").ok_or("display line without mode")?;
    let (w, h) = mode
        .split_once('x')
        .and_then(|(w, h)| Some((w.parse::<u32>().ok()?, h.parse::<u32>().ok()?)))
        .ok_or_else(|| format!("bad mode: {}", display.raw))?;
    run.wait_for_after(display.index + 1, "frame", remaining(deadline))?;
    let demo = Demo::new((w, h))?;
    let frame = wait_screen(run, "kiosk", |f| {
        if (f.width, f.height) != (w, h) {
            return Err(format!(
                "screendump is {}x{}, mode {w}x{h}",
                f.width, f.height
            ));
        }
        demo.check(f).map(|_| ())
    })?;
    println!("  {}", demo.check(&frame)?);
    // Input works here too: an absolute click on button3.
    let centre = demo.buttons()[2].center();
    let abs = |p: i32, size: u32| i64::from(p) * ABS_MAX / i64::from(size);
    let qmp = run.qmp()?;
    qmp.move_absolute(abs(centre.x, w), abs(centre.y, h))?;
    qmp.button(MouseButton::Left, true)?;
    qmp.button(MouseButton::Left, false)?;
    let click = run.wait_for("click", remaining(deadline))?;
    expect_click(&click, "button3", centre.x, centre.y)?;
    Ok(())
}

/// Absolute moves through the vmmouse land on the right button: its hover state is
/// on screen, pressing shows the pressed state, releasing clicks it.
fn check_vmmouse(run: &mut QemuRun, timeout: Duration) -> Result {
    let deadline = Instant::now() + timeout;
    let (w, h) = (1920, 1080);
    let demo = Demo::new((w, h))?;
    let before = check_kiosk_screen(run, timeout, &demo, "absent")?;
    let vmmouse = run.wait_for("vmmouse", remaining(deadline))?;
    expect_field(&vmmouse, "absolute", "on")?;
    expect_pointer_devices(run, "ps2+vmmouse")?;
    let target = 4; // button5, in the second row
    let hover = demo.colour_after("hover 4", target)?;
    if demo
        .buttons()
        .iter()
        .any(|b| share(&before, b, hover) > 0.01)
    {
        return Err("a button shows the hover state before any pointer move".into());
    }

    let centre = demo.buttons()[target].center();
    let abs = |p: i32, size: u32| i64::from(p) * ABS_MAX / i64::from(size);
    let qmp = run.qmp()?;
    qmp.move_absolute(abs(centre.x, w), abs(centre.y, h))?;
    wait_screen(run, "hover", |f| hover_only_on(f, &demo, hover, target))?;

    run.qmp()?.button(MouseButton::Left, true)?;
    let pressed_colour = demo.colour_after("press-on 4", target)?;
    if pressed_colour == hover {
        return Err("the demo's host render shows no pressed state".into());
    }
    wait_screen(run, "pressed", |f| {
        let on = share(f, &demo.buttons()[target], pressed_colour);
        (on > 0.3)
            .then_some(())
            .ok_or(format!("pressed colour on {:.0}%", on * 100.0))
    })?;
    run.qmp()?.button(MouseButton::Left, false)?;
    let click = run.wait_for("click", remaining(deadline))?;
    expect_click(&click, &format!("button{}", target + 1), centre.x, centre.y)?;

    // Off every widget: the hover state goes.
    let first = demo.buttons()[0];
    let gap = first.top_left.x + first.size.width as i32;
    let gap_y = first.center().y;
    run.qmp()?.move_absolute(abs(gap, w), abs(gap_y, h))?;
    wait_screen(run, "no-hover", |f| {
        match demo
            .buttons()
            .iter()
            .position(|b| share(f, b, hover) > 0.01)
        {
            Some(i) => Err(format!("button{} still hovered", i + 1)),
            None => Ok(()),
        }
    })?;
    let home = expect_wheel_pages(run, deadline)?;
    expect_no_drops(run)?;
    println!(
        "  vmmouse: hover, press and {}; wheel: {}",
        click.raw, home.raw
    );
    Ok(())
}

/// PS/2 only: relative moves from the screen centre reach a button and click it;
/// Tab moves focus, Enter activates; a click focuses the text field and typing shows.
fn check_ps2_and_keyboard(run: &mut QemuRun, timeout: Duration) -> Result {
    let deadline = Instant::now() + timeout;
    let (w, h) = (1024, 768);
    let demo = Demo::new((w, h))?;
    check_kiosk_screen(run, timeout, &demo, "absent")?;
    let vmmouse = run.wait_for("vmmouse", remaining(deadline))?;
    expect_field(&vmmouse, "absolute", "absent")?;
    expect_pointer_devices(run, "ps2")?;

    // The pointer starts in the middle of the screen.
    let start = (w as i32 / 2, h as i32 / 2);
    let target = demo.buttons()[0].center();
    let hover = demo.colour_after("hover 0", 0)?;
    run.qmp()?
        .move_relative(i64::from(target.x - start.0), i64::from(target.y - start.1))?;
    wait_screen(run, "ps2-hover", |f| hover_only_on(f, &demo, hover, 0))?;
    let qmp = run.qmp()?;
    qmp.button(MouseButton::Left, true)?;
    qmp.button(MouseButton::Left, false)?;
    let click = run.wait_for("click", remaining(deadline))?;
    expect_click(&click, "button1", target.x, target.y)?;

    run.qmp()?.tap_key("tab")?;
    let focus = run.wait_for_after(click.index + 1, "focus", remaining(deadline))?;
    expect_field(&focus, "target", "button2")?;
    run.qmp()?.tap_key("ret")?;
    let activate = run.wait_for_after(focus.index + 1, "activate", remaining(deadline))?;
    expect_field(&activate, "target", "button2")?;
    expect_field(&activate, "key", "enter")?;

    // Click into the text field, type, submit.
    let field_rect = demo.widgets[FIELD];
    let field = field_rect.center();
    let field_hover = demo.colour_after("hover 6", FIELD)?;
    run.qmp()?
        .move_relative(i64::from(field.x - target.x), i64::from(field.y - target.y))?;
    // QEMU's PS/2 mouse queues at most 16 bytes of packets and splits big moves into
    // several; a button change that finds the queue full is never sent. So the click
    // waits until the move has arrived (the field shows its hover colour).
    wait_screen(run, "ps2-field-hover", |f| {
        let on = share(f, &field_rect, field_hover);
        (on > 0.3)
            .then_some(())
            .ok_or(format!("field shows {:.0}% hover colour", on * 100.0))
    })?;
    let qmp = run.qmp()?;
    qmp.button(MouseButton::Left, true)?;
    qmp.button(MouseButton::Left, false)?;
    let focus = run.wait_for_after(activate.index + 1, "focus", remaining(deadline))?;
    expect_field(&focus, "target", "field")?;
    for key in ["v", "b", "o", "x"] {
        run.qmp()?.tap_key(key)?;
    }
    // The field as the host draws it after the same input, and as it was untyped.
    let history = "click 0; key tab; key enter; click 6";
    let typed = demo.render(&format!("{history}; text vbox"))?;
    let untyped = demo.render(history)?;
    wait_screen(run, "typed", |f| {
        let like_typed = same_share(f, &typed, &field_rect);
        let like_untyped = same_share(f, &untyped, &field_rect);
        (like_typed > 0.9 && like_typed > like_untyped)
            .then_some(())
            .ok_or(format!(
                "field matches the typed render {:.1}%, the untyped one {:.1}%",
                like_typed * 100.0,
                like_untyped * 100.0
            ))
    })?;
    run.qmp()?.tap_key("ret")?;
    let text = run.wait_for_after(focus.index + 1, "text", remaining(deadline))?;
    expect_field(&text, "value", "vbox")?;
    expect_wheel_pages(run, deadline)?;
    expect_no_drops(run)?;
    println!("  ps2: {} / {} / {}", click.raw, activate.raw, text.raw);
    Ok(())
}

fn expect_no_drops(run: &QemuRun) -> Result {
    match run
        .status_lines()
        .into_iter()
        .find(|l| l.word == "input" && l.get("dropped").is_some())
    {
        Some(line) => Err(format!("input events were dropped: {}", line.raw).into()),
        None => Ok(()),
    }
}

/// The `vbox absent` line names the devices that move the pointer.
fn expect_pointer_devices(run: &QemuRun, devices: &str) -> Result {
    let lines = run.status_lines();
    let vbox = lines
        .iter()
        .find(|l| l.word == "vbox")
        .ok_or("no `vbox` status line")?;
    expect_field(vbox, "input", devices)
}

/// Wheel down shows the second page, wheel up the first again (`@vitrine page`).
fn expect_wheel_pages(run: &mut QemuRun, deadline: Instant) -> Result<StatusLine> {
    let after = run.status_lines().len();
    let mut last = None;
    for (wheel, page) in [
        (MouseButton::WheelDown, "rooms"),
        (MouseButton::WheelUp, "home"),
    ] {
        let qmp = run.qmp()?;
        qmp.button(wheel, true)?;
        qmp.button(wheel, false)?;
        let first = last.as_ref().map_or(after, |l: &StatusLine| l.index + 1);
        let line = run.wait_for_after(first, "page", remaining(deadline))?;
        expect_field(&line, "name", page)?;
        last = Some(line);
    }
    Ok(last.expect("two pages"))
}
