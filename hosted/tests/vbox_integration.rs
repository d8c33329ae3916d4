//! The VirtualBox integration end to end against the twin: bring-up as the host sees
//! it, a resize storm, the boot-time hint, integration off, no VMMDev.

use twin::ResizeHint;
use vitrine::display::system::SystemDisplay;
use vitrine::display::Display;
use vitrine_hosted::sim::{Sim, SimOptions};

fn request_types(sim: &Sim) -> Vec<u32> {
    sim.platform
        .machine
        .vmmdev()
        .requests()
        .iter()
        .map(|r| r.request_type)
        .collect()
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
}

#[test]
fn bring_up_order_and_contents_as_the_host_saw_them() {
    let mut sim = Sim::boot(SimOptions::default()).unwrap();
    let types = request_types(&sim);
    // GetHostVersion, ReportGuestInfo2, ReportGuestInfo, ReportGuestStatus,
    // CtlGuestFilterMask, SetGuestCapabilities, the boot hint peek (Multi), the
    // heartbeat (off, on), then the absolute mouse (SetMouseStatus) at the first poll.
    assert_eq!(
        &types[..9],
        [4, 58, 50, 59, 42, 56, 81, 220, 220],
        "{types:?}"
    );
    let requests = sim.platform.machine.vmmdev().requests();
    let peek = &requests[6];
    assert_eq!(
        u32_at(&peek.submitted, 24),
        0,
        "the boot peek must not consume (eventAck 0)"
    );
    let set_mouse = requests
        .iter()
        .find(|r| r.request_type == 2)
        .expect("SetMouseStatus sent");
    assert_eq!(
        u32_at(&set_mouse.submitted, 24),
        0x11,
        "CAN_ABSOLUTE | NEW_PROTOCOL"
    );
    // HGCM requests (60-65) keep rc = VINF_HGCM_ASYNC_EXECUTE; their answer is in
    // `result` (checked by the guest property tests).
    assert!(
        requests.iter().all(|r| r.rc == Some(0)
            || ((60..=65).contains(&r.request_type) && r.rc == Some(2903))),
        "every request succeeded"
    );

    let vmmdev = sim.platform.machine.vmmdev();
    let info2 = vmmdev.guest_info2().expect("ReportGuestInfo2");
    assert_eq!((info2.major, info2.minor, info2.build), (7, 0, 14));
    assert_eq!(vmmdev.guest_info().unwrap().interface_version, 0x0001_0004);
    assert_eq!(vmmdev.guest_capabilities(), 0x4, "GRAPHICS");
    // DISPLAY_CHANGE | MOUSE_POSITION | MOUSE_CAPABILITIES, plus HGCM, which the
    // host enables by itself with the first HGCM command (guest properties).
    assert_eq!(vmmdev.filter_mask(), 0x207);
    assert_eq!(vmmdev.mouse_features() & 0x91, 0x11);
    assert!(
        sim.platform.machine.graphics_facility_active(),
        "auto-resize offered"
    );
    assert!(vmmdev.heartbeat().active);
    sim.platform.machine.assert_no_protocol_errors();

    // The heartbeat keeps coming at the host's interval while the guest idles.
    let before = sim.platform.machine.vmmdev().heartbeat().count;
    sim.wait_ms(10_000).unwrap();
    let heartbeat = sim.platform.machine.vmmdev().heartbeat();
    assert!(heartbeat.count >= before + 3, "{heartbeat:?}");
    assert!(!heartbeat.flatlined, "{heartbeat:?}");
    // Host time reached the app's clock.
    assert!(sim.runtime.info().wall_clock_unix_ms().unwrap() >= 1_767_225_600_000);
}

#[test]
fn the_additions_version_is_the_hosts_own() {
    // A host newer than the one Vitrine was tested with: its GUI must not call the
    // additions outdated, so Vitrine reports the host's version.
    let mut options = SimOptions::default();
    options.machine.vmmdev.host_version = (7, 1, 4, 165_100);
    let sim = Sim::boot(options).unwrap();
    let info2 = sim
        .platform
        .machine
        .vmmdev()
        .guest_info2()
        .expect("ReportGuestInfo2");
    assert_eq!((info2.major, info2.minor, info2.build), (7, 1, 4));
    assert_eq!(info2.name, "7.1.4");
    sim.platform.machine.assert_no_protocol_errors();
}

#[test]
fn the_heartbeat_goes_on_through_a_long_frame() {
    let mut sim = Sim::boot(SimOptions::default()).unwrap();
    sim.wait_ms(3_000).unwrap();
    let before = sim.platform.machine.vmmdev().heartbeat();
    assert!(before.active && !before.flatlined, "{before:?}");
    // A 4K frame under VirtualBox's interpreter: ~12 s without a return to the loop
    // (VirtualBox 7.0.14 reports "Guest seems to be unresponsive" after 4 s:
    // vmmDevHeartbeatFlatlinedTimer, Devices/VMMDev/VMMDev.cpp).
    sim.platform.busy(12_000_000);
    let after = sim.platform.machine.vmmdev().heartbeat();
    assert!(!after.flatlined, "{after:?}");
    assert!(after.count >= before.count + 5, "{before:?} -> {after:?}");
    sim.platform.machine.assert_no_protocol_errors();
}

/// A small deterministic generator for the storm.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, below: u32) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % u64::from(below)) as u32
    }
}

fn count(lines: &[String], prefix: &str) -> usize {
    lines.iter().filter(|l| l.starts_with(prefix)).count()
}

#[test]
fn resize_storm_ends_in_the_last_hint_with_one_redraw_per_applied_hint() {
    let mut sim = Sim::boot(SimOptions::default()).unwrap();
    let lines_before = sim.status_lines().len();
    let resizes_before = sim.runtime.info().counts.resizes;
    let mut rng = Lcg(7);
    let mut last = (0, 0);
    let mut sent = 0;
    while sent < 10_000 {
        // Bursts of 1..=64 hints between two chances for the guest to run.
        for _ in 0..=rng.next(64) {
            last = (640 + rng.next(1280), 480 + rng.next(720));
            sim.platform.machine.resize(0, last.0, last.1);
            sent += 1;
        }
        sim.settle().unwrap();
    }
    sim.settle().unwrap();
    let host = sim.platform.machine.current_mode(0).unwrap();
    assert_eq!((host.width, host.height), last, "the last hint wins");
    let mode = sim.runtime.display().mode();
    assert_eq!((mode.width, mode.height), last);

    let lines = &sim.status_lines()[lines_before..];
    let applied = count(lines, "@vitrine resize screen=0");
    let mode_sets = count(lines, "@vitrine display backend=");
    let full_frames = lines
        .iter()
        .filter(|l| l.starts_with("@vitrine frame "))
        .count();
    let redraws = sim.runtime.info().counts.resizes - resizes_before;
    println!("storm: {sent} hints, {applied} applied, {mode_sets} mode sets, {redraws} redraws");
    assert!(
        applied > 100 && applied < 10_000,
        "coalesced: {applied} applied"
    );
    assert_eq!(mode_sets, applied, "one mode set per applied hint");
    assert_eq!(
        redraws as usize, applied,
        "one Resize (full redraw) per applied hint"
    );
    assert_eq!(full_frames, applied, "one full frame reported per mode set");
    let SystemDisplay::Vbva(display) = sim.runtime.display() else {
        panic!("VBVA display expected");
    };
    assert_eq!(
        display.vbva().free_heap_blocks(),
        display.vbva().heap_blocks(),
        "HGSMI pool fully free"
    );
    sim.platform.machine.assert_no_protocol_errors();
}

#[test]
fn the_window_size_at_boot_is_the_first_frame_size() {
    // The hint survives from before the boot (the VM window was already 1280×720).
    let sim = Sim::boot_with(SimOptions::default(), |machine| {
        machine.resize_hint(ResizeHint::window(0, 1280, 720));
    })
    .unwrap();
    let lines = sim.status_lines();
    let first_mode = lines
        .iter()
        .find(|l| l.starts_with("@vitrine display backend="))
        .unwrap();
    assert!(first_mode.contains("mode=1280x720"), "{first_mode}");
    assert_eq!(count(&lines, "@vitrine display backend="), 1, "{lines:?}");
}

#[test]
fn integration_off_runs_plain_vbe_with_ps2() {
    let sim = Sim::boot(SimOptions {
        integration: false,
        ..SimOptions::default()
    })
    .unwrap();
    let lines = sim.status_lines();
    assert!(
        lines
            .iter()
            .any(|l| l == "@vitrine vbox off fallback=vbe input=ps2"),
        "{lines:?}"
    );
    assert_eq!(sim.runtime.display().backend_name(), "vbe");
    assert!(
        sim.platform.machine.vmmdev().requests().is_empty(),
        "VMMDev left alone"
    );
    assert_eq!(
        sim.runtime.info().integration.as_str(),
        "off (integration=off)"
    );
}

#[test]
fn without_hgsmi_vmmdev_hints_drive_vbe_and_vmmdev_draws_the_pointer() {
    let mut sim = Sim::boot(SimOptions {
        hgsmi: false,
        ..SimOptions::default()
    })
    .unwrap();
    assert_eq!(sim.runtime.display().backend_name(), "vbe");
    let lines_before = sim.status_lines().len();
    let mut rng = Lcg(99);
    let mut last = (0, 0);
    for _ in 0..300 {
        for _ in 0..=rng.next(8) {
            last = (640 + rng.next(1280), 480 + rng.next(720));
            sim.platform.machine.resize(0, last.0, last.1);
        }
        sim.settle().unwrap();
    }
    let host = sim.platform.machine.current_mode(0).unwrap();
    assert_eq!((host.width, host.height), last, "the last hint wins");
    let lines = &sim.status_lines()[lines_before..];
    let applied = count(lines, "@vitrine resize screen=0");
    let from_vmmdev = lines
        .iter()
        .filter(|l| l.ends_with("source=vmmdev"))
        .count();
    assert_eq!(applied, from_vmmdev, "every hint came through VMMDev");
    assert_eq!(count(lines, "@vitrine display backend=vbe"), applied);
    assert!(applied >= 250, "{applied}");
    // Who draws the pointer on this path:
    // `the_vmmdev_arrow_reaches_the_host_only_when_it_should_show`.
    sim.platform.machine.assert_no_protocol_errors();
}

#[test]
fn without_vmmdev_vbva_still_resizes_and_the_guest_draws_the_pointer() {
    let mut sim = Sim::boot(SimOptions {
        vmmdev: false,
        ..SimOptions::default()
    })
    .unwrap();
    let lines = sim.status_lines();
    assert!(
        lines
            .iter()
            .any(|l| l == "@vitrine vbox absent fallback=vbva input=ps2"),
        "{lines:?}"
    );
    assert_eq!(sim.runtime.info().integration.as_str(), "absent");
    assert_eq!(
        sim.runtime.pointer_owner(),
        Some(vitrine::runtime::PointerOwner::Software)
    );
    assert!(sim.platform.machine.vmmdev().requests().is_empty());
    sim.platform.machine.resize(0, 1280, 800);
    sim.settle().unwrap();
    assert_eq!(sim.runtime.display().mode().width, 1280);
    // Relative PS/2 motion moves the software pointer.
    sim.platform.machine.mouse_move(50, 40);
    sim.settle().unwrap();
    assert!(sim
        .status_lines()
        .iter()
        .all(|l| !l.contains("integration=on")));
    sim.platform.machine.assert_no_protocol_errors();
}

#[test]
fn a_vmmdev_hint_is_taken_on_the_interrupt_not_the_slow_poll() {
    let mut sim = Sim::boot(SimOptions {
        hgsmi: false,
        ..SimOptions::default()
    })
    .unwrap();
    let irq = sim.platform.machine.irq_line(twin::DeviceId::VmmDev);
    assert_ne!(
        sim.platform.enabled_lines() & (1 << irq),
        0,
        "line {irq} routed"
    );
    let before = sim.platform.machine.now_us();
    sim.platform.machine.resize(0, 1152, 864);
    // One iteration, no idling: the line fired, the hint was read, applied, drawn.
    let report = sim.runtime.step(&mut sim.platform);
    assert!(!report.idled && report.frame.is_some(), "{report:?}");
    assert_eq!(sim.runtime.display().mode().width, 1152);
    assert_eq!(
        sim.platform.machine.now_us(),
        before,
        "no waiting for a poll"
    );
    assert!(
        !sim.platform.machine.irq_asserted(twin::DeviceId::VmmDev),
        "acknowledged"
    );
}

#[test]
fn after_a_resize_the_guest_pointer_stays_under_the_host_pointer() {
    let mut sim = Sim::boot(SimOptions::default()).unwrap();
    // Reset (button4) in the 2-column 1024×768 layout, at (504, 432).
    let reset = vitrine_app::layout(1024, 768).buttons[3].center();
    sim.platform.machine.mouse_move(reset.x, reset.y);
    sim.settle().unwrap();
    assert_eq!(sim.runtime.app().hover(), Some(3));
    sim.platform.machine.resize(0, 1920, 1080);
    sim.settle().unwrap();
    // The host did not move its pointer: the same pixel is Cappuccino (button2) in
    // the 3-column layout, and the kiosk must show that hover before any new event.
    let layout = vitrine_app::layout(1920, 1080);
    assert!(layout.buttons[1].contains(reset), "test premise");
    assert_eq!(sim.runtime.app().hover(), Some(1));
}

#[test]
fn the_log_is_mirrored_to_vbox_log_once_vmmdev_answered() {
    let mut sim = Sim::boot(SimOptions::default()).unwrap();
    sim.platform.machine.resize(0, 1280, 720);
    sim.settle().unwrap();
    let host_log = sim.platform.machine.log_lines().to_vec();
    assert!(
        host_log
            .iter()
            .any(|l| l.contains("@vitrine resize screen=0 mode=1280x720")),
        "{host_log:?}"
    );
    // Without VMMDev nothing goes to the port.
    let sim = Sim::boot(SimOptions {
        vmmdev: false,
        ..SimOptions::default()
    })
    .unwrap();
    assert!(sim.platform.machine.log_lines().is_empty());
}

#[test]
fn absolute_host_positions_land_on_the_same_guest_pixel_at_every_size() {
    let mut sim = Sim::boot(SimOptions::default()).unwrap();
    for (width, height) in [(800, 600), (1920, 1080), (3840, 2160)] {
        sim.platform.machine.resize(0, width, height);
        sim.settle().unwrap();
        assert_eq!(sim.runtime.display().mode().width, width, "mode applied");
        let (w, h) = (width as i32, height as i32);
        // Corners, edges' neighbours, the middle and a few odd pixels: the host's
        // 0..0xFFFF scaling and the guest's inverse must agree on every one.
        for (x, y) in [
            (0, 0),
            (1, 1),
            (w - 1, h - 1),
            (w - 2, h - 2),
            (w / 2, h / 2),
            (w / 3, h / 7),
            (w - 1, 0),
            (0, h - 1),
            (333, 217),
        ] {
            sim.platform.machine.mouse_move(x, y);
            sim.settle().unwrap();
            let pointer = sim.runtime.sources_mut().input.pointer().position();
            assert_eq!(pointer, (x, y), "host pixel ({x}, {y}) at {width}x{height}");
        }
    }
    sim.platform.machine.assert_no_protocol_errors();
}

/// The VirtualBox GUI shows an uploaded shape whatever its VISIBLE flag says
/// (`UISession::sltMousePointerShapeChange`, 7.0.14), so the VMMDev arrow is uploaded
/// only once the host sends absolute positions: before that the guest draws its own
/// pointer, and an arrow shown by the host too would be a second one.
#[test]
fn the_vmmdev_arrow_reaches_the_host_only_when_it_should_show() {
    let mut sim = Sim::boot(SimOptions {
        hgsmi: false,
        ..SimOptions::default()
    })
    .unwrap();
    sim.settle().unwrap();
    let shape_requests = |sim: &Sim| {
        sim.platform
            .machine
            .vmmdev()
            .requests()
            .iter()
            .filter(|r| r.request_type == 3)
            .count()
    };
    // Integration turns on only with the host's first absolute event: until then
    // the guest draws the pointer and the host has no shape to show.
    assert_eq!(
        sim.platform.machine.vmmdev().mouse_features() & twin::wire::MOUSE_HOST_WANTS_ABSOLUTE,
        0,
        "HOST_WANTS_ABSOLUTE before any absolute event"
    );
    assert_eq!(
        sim.runtime.pointer_owner(),
        Some(vitrine::runtime::PointerOwner::Software)
    );
    assert!(sim
        .status_lines()
        .iter()
        .any(|l| l == "@vitrine mouse integration=off"));
    assert!(
        !sim.platform.machine.pointer().gui_shows_shape(),
        "the host shows an arrow while the guest draws its own: {:?}",
        sim.platform.machine.pointer()
    );
    assert_eq!(shape_requests(&sim), 0, "nothing to show yet");

    // The first absolute event: integration on, the arrow uploaded and shown.
    sim.platform.machine.mouse_move(100, 100);
    sim.settle().unwrap();
    assert!(sim
        .status_lines()
        .iter()
        .any(|l| l == "@vitrine mouse integration=on"));
    let pointer = sim.platform.machine.pointer();
    assert!(pointer.gui_shows_shape() && pointer.visible, "{pointer:?}");
    let shape = pointer.shape.as_ref().expect("arrow uploaded");
    assert_eq!((shape.width, shape.height), (12, 19));
    assert_eq!(
        sim.runtime.pointer_owner(),
        Some(vitrine::runtime::PointerOwner::Host)
    );
    // Off and on again: hidden by a flag-only request, then shown without a second
    // upload of the same arrow.
    sim.platform.machine.set_mouse_integration(false);
    sim.platform.machine.mouse_move(120, 100);
    sim.settle().unwrap();
    assert!(!sim.platform.machine.pointer().gui_shows_shape());
    assert_eq!(
        sim.runtime.pointer_owner(),
        Some(vitrine::runtime::PointerOwner::Software)
    );
    sim.platform.machine.set_mouse_integration(true);
    sim.platform.machine.mouse_move(130, 100);
    sim.settle().unwrap();
    assert!(sim.platform.machine.pointer().gui_shows_shape());
    assert_eq!(shape_requests(&sim), 3, "upload, hide, show");
    let uploads = sim
        .platform
        .machine
        .vmmdev()
        .requests()
        .iter()
        .filter(|r| r.request_type == 3 && u32_at(&r.submitted, 24) & 0x4 != 0)
        .count();
    assert_eq!(uploads, 1, "the arrow is uploaded once");
    sim.platform.machine.assert_no_protocol_errors();
}
