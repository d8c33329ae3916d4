//! VMMDev behaviour of the twin, checked with hand-built requests (spec §2–§5).

mod common;
use common::*;
use twin::machine::{DeviceId, MouseButton, Width};

#[test]
fn pci_identity_bars_and_irq_line() {
    let mut m = machine();
    assert_eq!(m.pci_read(0, 4, 0, 0), 0xCAFE_80EE);
    assert_eq!(m.pci_read(0, 2, 0, 0), 0xBEEF_80EE);
    assert_eq!(m.pci_read(0, 5, 0, 0), 0xFFFF_FFFF);
    assert_eq!(
        m.pci_read(0, 4, 0, 0x3C) & 0xFFFF,
        0x010B,
        "pin INTA, line 11"
    );
    assert_eq!(m.irq_line(DeviceId::VmmDev), 11);
    let bar1 = m.pci_read(0, 4, 0, 0x14);
    m.pci_write(0, 4, 0, 0x14, 0xFFFF_FFFF);
    assert_eq!(m.pci_read(0, 4, 0, 0x14), 0xFFC0_0000, "4 MiB BAR");
    m.pci_write(0, 4, 0, 0x14, 0xF080_0000);
    let mut hdr = [0u8; 8];
    assert!(
        m.read_phys(0xF080_0000, &mut hdr),
        "VMMDevMemory follows the BAR"
    );
    assert_eq!(u32::from_le_bytes(hdr[0..4].try_into().unwrap()), 0x3F_FD28);
    assert_eq!(u32::from_le_bytes(hdr[4..8].try_into().unwrap()), 1);
    m.pci_write(0, 4, 0, 0x14, bar1);
    let vram_bar = m.pci_read(0, 2, 0, 0x10);
    m.pci_write(0, 2, 0, 0x10, 0xFFFF_FFFF);
    assert_eq!(
        m.pci_read(0, 2, 0, 0x10),
        !(VRAM - 1) | 0x8,
        "prefetchable VRAM BAR"
    );
    m.pci_write(0, 2, 0, 0x10, vram_bar);
    m.assert_no_protocol_errors();
}

#[test]
fn header_errors_get_no_write_back() {
    let mut m = machine();
    let short = request(4, 40);
    let mut r = short.clone();
    common::put(&mut r, 0, 20);
    assert_eq!(
        rc(&submit(&mut m, &r)),
        VERR_GENERAL_FAILURE,
        "size < 24: untouched"
    );
    let mut r = short.clone();
    common::put(&mut r, 4, 0x10000);
    assert_eq!(
        rc(&submit(&mut m, &r)),
        VERR_GENERAL_FAILURE,
        "bad version: untouched"
    );
    assert_eq!(m.take_protocol_errors().len(), 2);
}

#[test]
fn wrong_size_gets_invalid_parameter() {
    let mut m = machine();
    let r = submit(&mut m, &request(4, 44));
    assert_eq!(rc(&r), -2);
    assert_eq!(m.take_protocol_errors().len(), 1);
    let r = submit(&mut m, &request(4, 40));
    assert_eq!(rc(&r), 0);
    assert_eq!(
        (get(&r, 24) & 0xFFFF, get(&r, 24) >> 16, get(&r, 28)),
        (7, 0, 14)
    );
    assert_eq!(get(&r, 36), 0x8000_000F, "HGCM bits + fast IRQ ack");
    m.assert_no_protocol_errors();
}

#[test]
fn requests_before_guest_info_are_refused() {
    let mut m = machine();
    let r = submit(&mut m, &request(1, 36));
    assert_eq!(rc(&r), -37);
    assert_eq!(get(&r, 24), 0, "only the header is written back");
    assert_eq!(m.take_protocol_errors().len(), 1);
    report_guest_info(&mut m);
    assert_eq!(rc(&submit(&mut m, &request(1, 36))), 0);
    assert_eq!(
        m.vmmdev().guest_info().unwrap().interface_version,
        0x0001_0004
    );
    assert_eq!(m.vmmdev().guest_info2().unwrap().name, "7.0.14");
    m.assert_no_protocol_errors();
}

#[test]
fn guest_info2_name_must_start_with_the_version() {
    let mut m = machine();
    let mut r = request(58, 168);
    r[24..26].copy_from_slice(&7u16.to_le_bytes());
    common::put(&mut r, 28, 14);
    r[40..45].copy_from_slice(b"7.0.1");
    assert_eq!(rc(&submit(&mut m, &r)), -2);
    r[40..50].copy_from_slice(b"7.0.14_OSE");
    assert_eq!(rc(&submit(&mut m, &r)), 0);
    r[24..26].copy_from_slice(&2u16.to_le_bytes());
    assert_eq!(rc(&submit(&mut m, &r)), -2, "major < 3");
    assert_eq!(m.take_protocol_errors().len(), 2);
    let mut info = request(50, 32);
    common::put(&mut info, 24, 0x0002_0000);
    assert_eq!(rc(&submit(&mut m, &info)), -11, "VERR_VERSION_MISMATCH");
    m.take_protocol_errors();
}

#[test]
fn irq_is_not_raised_before_guest_info_and_acknowledge_lowers_it() {
    let mut m = machine();
    m.resize(0, 1024, 768);
    assert!(
        !m.irq_asserted(DeviceId::VmmDev),
        "no IRQ before ReportGuestInfo"
    );
    report_guest_info(&mut m);
    assert!(!m.irq_asserted(DeviceId::VmmDev), "still queued: mask is 0");
    let mmio = u64::from(m.pci_read(0, 4, 0, 0x14) & !0xF);
    filter_mask(&mut m, 0x204, !0x204);
    assert!(
        m.irq_asserted(DeviceId::VmmDev),
        "the filter mask delivers the queued hint"
    );
    assert_eq!(m.asserted_lines(), 1 << 11);
    let mut have = [0u8; 1];
    m.read_phys(mmio + 8, &mut have);
    assert_eq!(have[0], 1, "fHaveEvents");
    assert_eq!(acknowledge(&mut m), 0x4);
    assert!(!m.irq_asserted(DeviceId::VmmDev));
    m.read_phys(mmio + 8, &mut have);
    assert_eq!(have[0], 0);
    assert_eq!(acknowledge(&mut m), 0, "nothing pending");
    m.assert_no_protocol_errors();
}

#[test]
fn filter_change_while_events_pending_waits_for_acknowledge() {
    let mut m = machine();
    report_guest_info(&mut m);
    filter_mask(&mut m, 0x4, 0);
    m.resize(0, 800, 600);
    assert!(m.irq_asserted(DeviceId::VmmDev));
    filter_mask(&mut m, 0x200, 0x4);
    assert_eq!(m.vmmdev().filter_mask(), 0x4, "deferred");
    assert_eq!(
        acknowledge(&mut m),
        0,
        "new mask installed first: 0x4 no longer wanted"
    );
    assert_eq!(m.vmmdev().filter_mask(), 0x200);
    m.assert_no_protocol_errors();
}

#[test]
fn fast_ack_port_acknowledges() {
    let mut m = machine();
    let port = io_base(&m) + 8;
    assert_eq!(
        m.port_in(port, Width::W32),
        0xFFFF_FFFF,
        "before guest info"
    );
    report_guest_info(&mut m);
    filter_mask(&mut m, 0x4, 0);
    m.resize(0, 800, 600);
    assert_eq!(m.port_in(port, Width::W32), 0x4);
    assert!(!m.irq_asserted(DeviceId::VmmDev));
    m.assert_no_protocol_errors();
}

#[test]
fn display_change_read_with_event_ack_freezes_the_hint() {
    let mut m = machine();
    report_guest_info(&mut m);
    filter_mask(&mut m, 0x4, 0);
    assert_eq!(display_change2(&mut m, 0), (0, 0, 0, 0), "no hint yet");
    m.resize_hint(twin::machine::ResizeHint {
        bpp: 32,
        ..twin::machine::ResizeHint::window(0, 1024, 768)
    });
    assert_eq!(
        display_change2(&mut m, 0),
        (1024, 768, 32, 0),
        "peek before any ack: latest"
    );
    assert_eq!(display_change2(&mut m, 4), (1024, 768, 32, 0));
    acknowledge(&mut m);
    m.resize_hint(twin::machine::ResizeHint {
        bpp: 32,
        ..twin::machine::ResizeHint::window(0, 1280, 1024)
    });
    assert!(m.irq_asserted(DeviceId::VmmDev));
    assert_eq!(
        display_change2(&mut m, 1),
        (1024, 768, 32, 0),
        "eventAck 1 only peeks at lastRead"
    );
    assert_eq!(display_change2(&mut m, 4), (1280, 1024, 32, 0));
    m.resize_hint(twin::machine::ResizeHint {
        bpp: 32,
        ..twin::machine::ResizeHint::window(0, 1280, 1024)
    });
    assert!(
        !m.vmmdev().display_hint(0).unwrap().2,
        "same as last read: not pending"
    );
    m.assert_no_protocol_errors();
}

#[test]
fn display_change_ex_reports_origin_and_enabled() {
    let mut m = machine();
    report_guest_info(&mut m);
    m.resize_hint(twin::machine::ResizeHint {
        screen: 0,
        width: 640,
        height: 480,
        bpp: 32,
        origin: Some((10, 20)),
        enabled: false,
    });
    let mut r = request(80, 56);
    common::put(&mut r, 36, 4);
    let r = submit(&mut m, &r);
    assert_eq!(rc(&r), 0);
    assert_eq!(
        (get(&r, 24), get(&r, 28), get(&r, 44), get(&r, 48)),
        (640, 480, 10, 20)
    );
    assert_eq!((r[52], r[53]), (1, 0), "origin given, disabled");
    m.assert_no_protocol_errors();
}

#[test]
fn multi_reports_the_total_pending_count_even_beyond_capacity() {
    let mut m = twin::machine::Machine::new(twin::machine::MachineConfig {
        monitor_count: 2,
        vram_size: VRAM,
        ram_size: 4 << 20,
        ..Default::default()
    });
    report_guest_info(&mut m);
    m.resize(1, 800, 600);
    m.resize(0, 1024, 768);
    let mut r = request(81, 60);
    common::put(&mut r, 24, 4);
    common::put(&mut r, 28, 1);
    let r = submit(&mut m, &r);
    assert_eq!(rc(&r), 0);
    assert_eq!(get(&r, 28), 2, "cDisplays = total pending");
    assert_eq!(
        (get(&r, 32 + 4), get(&r, 32 + 16)),
        (0, 1024),
        "lowest display first"
    );
    assert!(
        !m.vmmdev().display_hint(1).unwrap().2,
        "the one that did not fit is un-pended too"
    );
    let mut bad = request(81, 60);
    common::put(&mut bad, 28, 2);
    assert_eq!(rc(&submit(&mut m, &bad)), -2, "2 displays need 88 bytes");
    assert_eq!(m.take_protocol_errors().len(), 1);
}

#[test]
fn absolute_mouse_positions_map_back_to_every_pixel() {
    let mut m = machine();
    report_guest_info(&mut m);
    filter_mask(&mut m, 0x201, 0);
    dispi_set(&mut m, 1, 1024);
    dispi_set(&mut m, 2, 768);
    dispi_set(&mut m, 3, 32);
    dispi_set(&mut m, 4, 0x41);
    let mut set = request(2, 36);
    common::put(&mut set, 24, 0x11);
    assert_eq!(rc(&submit(&mut m, &set)), 0);
    m.set_mouse_integration(true);
    let features = get(&submit(&mut m, &request(1, 36)), 24);
    assert_eq!(features, 0x11 | 0x2 | 0x20 | 0x100);
    for p in [0, 1, 511, 512, 1022, 1023] {
        m.mouse_move(p, 767 - p.min(767));
        let r = submit(&mut m, &request(1, 36));
        let (vx, vy) = (get(&r, 28) as i64, get(&r, 32) as i64);
        assert!((0..=0xFFFF).contains(&vx));
        assert_eq!((vx * 1024 / 0xFFFF).min(1023), i64::from(p), "x {p}");
        assert_eq!(
            (vy * 768 / 0xFFFF).min(767),
            i64::from(767 - p.min(767)),
            "y {p}"
        );
    }
    assert!(
        m.take_ps2_events().is_empty(),
        "absolute moves do not go to PS/2"
    );
    m.click(MouseButton::Left);
    let ps2 = m.take_ps2_events();
    assert_eq!(ps2.len(), 2, "buttons still go to PS/2 without FULL_STATE");
    m.assert_no_protocol_errors();
}

#[test]
fn full_state_protocol_keeps_buttons_off_ps2_and_ex_reports_them() {
    let mut m = machine();
    report_guest_info(&mut m);
    let mut set = request(2, 36);
    common::put(&mut set, 24, 0x91);
    submit(&mut m, &set);
    m.set_mouse_integration(true);
    m.mouse_button(MouseButton::Right, true);
    m.mouse_wheel(-2);
    assert!(m.take_ps2_events().is_empty());
    let r = submit(&mut m, &request(223, 48));
    assert_eq!(rc(&r), 0);
    assert_eq!(
        (get(&r, 36) as i32, get(&r, 44)),
        (-2, 2),
        "last wheel delta, right button"
    );
    m.assert_no_protocol_errors();
}

#[test]
fn set_mouse_status_notifies_main_only_on_can_absolute_change() {
    let mut m = machine();
    report_guest_info(&mut m);
    let mut set = request(2, 36);
    common::put(&mut set, 24, 0x1);
    submit(&mut m, &set);
    common::put(&mut set, 24, 0x11);
    submit(&mut m, &set);
    assert_eq!(m.vmmdev().mouse_features() & 0x95, 0x11);
    assert_eq!(
        m.vmmdev().main_guest_mouse_features(),
        0x1,
        "NEW_PROTOCOL added alone: Main not told"
    );
    m.set_mouse_integration(true);
    m.click(MouseButton::Left);
    assert!(
        matches!(
            m.take_ps2_events()[0],
            twin::machine::Ps2Event::Mouse { dx: 1, .. }
        ),
        "Main still sends the jiggle"
    );
}

#[test]
fn pointer_shape_request_is_decoded() {
    let mut m = machine();
    report_guest_info(&mut m);
    // 2x2 shape, flags VISIBLE|SHAPE (no alpha): mask rows 0b10.., 0b00..
    let data_len = 4 + 2 * 2 * 4;
    let mut r = request(3, 44 + data_len);
    common::put(&mut r, 24, 0x5);
    common::put(&mut r, 28, 1);
    common::put(&mut r, 36, 2);
    common::put(&mut r, 40, 2);
    r[44] = 0x80;
    r[45] = 0x00;
    let colours = [
        [0, 0, 0, 0],
        [0, 0, 0xFF, 0],
        [0, 0xFF, 0, 0],
        [0xFF, 0, 0, 0],
    ];
    for (i, c) in colours.iter().enumerate() {
        r[48 + i * 4..52 + i * 4].copy_from_slice(c);
    }
    assert_eq!(rc(&submit(&mut m, &r)), 0);
    let p = m.pointer();
    assert!(p.visible);
    let s = p.shape.as_ref().unwrap();
    assert_eq!((s.width, s.height, s.hot_x), (2, 2, 1));
    assert_eq!(s.rgba[0..4], [0, 0, 0, 0], "AND=1, black: transparent");
    assert_eq!(s.rgba[4..8], [0xFF, 0, 0, 0xFF], "AND=0: opaque red");
    assert_eq!(s.rgba[12..16], [0, 0, 0xFF, 0xFF]);
    let mut short = r.clone();
    common::put(&mut short, 0, 50);
    assert_eq!(rc(&submit(&mut m, &short[..50])), -2, "data does not fit");
    m.take_protocol_errors();
}

#[test]
fn heartbeat_configure_and_flatline() {
    let mut m = machine();
    report_guest_info(&mut m);
    let mut r = request(220, 36);
    r[32] = 1;
    let r = submit(&mut m, &r);
    assert_eq!(rc(&r), 0);
    assert_eq!(
        u64::from_le_bytes(r[24..32].try_into().unwrap()),
        2_000_000_000
    );
    for _ in 0..5 {
        m.advance(2_000_000);
        submit(&mut m, &request(219, 24));
    }
    assert!(!m.vmmdev().heartbeat().flatlined);
    assert_eq!(m.vmmdev().heartbeat().count, 5);
    m.advance(4_000_001);
    assert!(m.vmmdev().heartbeat().flatlined);
    m.assert_no_protocol_errors();
}

#[test]
fn host_time_power_status_session_and_unknown_requests() {
    let mut m = machine();
    report_guest_info(&mut m);
    m.set_host_time_ms(1_800_000_000_000);
    m.advance(1_500_000);
    let r = submit(&mut m, &request(10, 32));
    assert_eq!(
        u64::from_le_bytes(r[24..32].try_into().unwrap()),
        1_800_000_001_500
    );
    let r = submit(&mut m, &request(217, 32));
    assert_eq!(
        u64::from_le_bytes(r[24..32].try_into().unwrap()),
        m.vmmdev().session_id()
    );
    let mut p = request(30, 28);
    common::put(&mut p, 24, 2);
    assert!(rc(&submit(&mut m, &p)) >= 0);
    assert_eq!(
        m.vmmdev().power_actions(),
        [twin::vmmdev::PowerAction::PowerOff]
    );
    common::put(&mut p, 24, 9);
    assert_eq!(rc(&submit(&mut m, &p)), -2);
    assert_eq!(rc(&submit(&mut m, &request(199, 24))), -12);
    assert_eq!(m.take_protocol_errors().len(), 2);
}

#[test]
fn capabilities_status_and_backdoor_log() {
    let mut m = machine();
    report_guest_info(&mut m);
    let mut c = request(56, 32);
    common::put(&mut c, 24, 0x4);
    submit(&mut m, &c);
    assert!(m.graphics_facility_active());
    let mut legacy = request(55, 28);
    common::put(&mut legacy, 24, 0);
    submit(&mut m, &legacy);
    assert_eq!(
        m.vmmdev().guest_capabilities(),
        0x4,
        "55 forces GRAPHICS on"
    );
    let mut s = request(59, 36);
    common::put(&mut s, 24, 20);
    common::put(&mut s, 28, 50);
    assert_eq!(rc(&submit(&mut m, &s)), 0);
    assert_eq!(m.vmmdev().facilities()[&20], (50, 0));
    common::put(&mut s, 28, 0x10000);
    assert_eq!(rc(&submit(&mut m, &s)), -54);
    m.take_protocol_errors();
    for b in b"hello\r\nworld\n" {
        m.port_out(0x504, Width::W8, u32::from(*b));
    }
    assert_eq!(m.log_lines(), ["hello", "world"]);
    m.port_out(0x504, Width::W16, 0x41);
    assert_eq!(m.take_protocol_errors().len(), 1);
}

#[test]
fn legacy_103_protocol_uses_the_memory_mask() {
    let mut m = machine();
    let mut info = request(50, 32);
    common::put(&mut info, 24, 0x0001_0003);
    assert_eq!(rc(&submit(&mut m, &info)), 0);
    let mmio = u64::from(m.pci_read(0, 4, 0, 0x14) & !0xF);
    m.write_phys(mmio + 12, &0xFFFF_FFFFu32.to_le_bytes());
    m.resize(0, 800, 600);
    assert!(m.irq_asserted(DeviceId::VmmDev));
    let mut ev = [0u8; 4];
    m.read_phys(mmio + 8, &mut ev);
    assert_eq!(u32::from_le_bytes(ev), 0x4);
    let r = submit(&mut m, &request(41, 28));
    assert_eq!(get(&r, 24), 0, "1.03 acknowledge does not fill events");
    assert!(!m.irq_asserted(DeviceId::VmmDev));
    m.assert_no_protocol_errors();
}

#[test]
fn requests_outside_memory_are_protocol_errors() {
    let mut m = machine();
    m.port_out(io_base(&m), Width::W32, 0x8000_0000);
    assert_eq!(m.take_protocol_errors().len(), 1);
    m.port_out(io_base(&m), Width::W16, REQ_ADDR);
    assert_eq!(
        m.take_protocol_errors().len(),
        1,
        "16-bit write to the request port"
    );
}

#[test]
fn injected_failures_and_hostile_hints() {
    let mut m = machine();
    report_guest_info(&mut m);
    m.inject_request_failure(54, -12, 1);
    let mut r = request(54, 44);
    common::put(&mut r, 36, 4);
    assert_eq!(rc(&submit(&mut m, &r)), -12);
    assert_eq!(rc(&submit(&mut m, &r)), 0, "only once");
    m.inject_request_failure(54, -12, 2);
    m.inject_request_failure(54, -12, 0);
    assert_eq!(rc(&submit(&mut m, &r)), 0, "a count of 0 cancels");
    m.inject_request_failure(54, -12, 0);
    assert_eq!(rc(&submit(&mut m, &r)), 0, "and injects nothing");
    m.assert_no_protocol_errors();
    m.inject_vmmdev_display_hint(twin::DisplayDef {
        flags: 0x38,
        id: 0,
        cx: 65535,
        cy: 65535,
        bpp: 7,
        ..Default::default()
    });
    assert_eq!(display_change2(&mut m, 4), (65535, 65535, 7, 0));
    m.assert_no_protocol_errors();
}

#[test]
fn reset_keeps_the_hint_and_the_first_filter_mask_raises_it() {
    let mut m = machine();
    report_guest_info(&mut m);
    filter_mask(&mut m, 0x4, 0);
    m.resize(0, 1024, 768);
    assert_eq!(display_change2(&mut m, 4).0, 1024);
    m.resize(0, 1280, 720);
    let session = m.vmmdev().session_id();
    m.reset();
    assert_ne!(m.vmmdev().session_id(), session);
    assert!(!m.irq_asserted(DeviceId::VmmDev));
    assert_eq!(
        rc(&submit(&mut m, &request(1, 36))),
        -37,
        "guest info forgotten"
    );
    m.take_protocol_errors();
    report_guest_info(&mut m);
    filter_mask(&mut m, 0x4, 0);
    assert!(
        m.irq_asserted(DeviceId::VmmDev),
        "pre-reboot hint delivered at once"
    );
    assert_eq!(
        display_change2(&mut m, 0).0,
        1280,
        "lastRead reset: peek shows latest"
    );
    m.assert_no_protocol_errors();
}

#[test]
fn host_wants_absolute_follows_the_frontend_and_posts_capability_events() {
    let mut m = machine();
    report_guest_info(&mut m);
    filter_mask(&mut m, 0x1, 0);
    m.set_mouse_integration(true);
    assert_eq!(
        m.vmmdev().mouse_features() & 0x2,
        0,
        "guest cannot take absolute yet"
    );
    let mut set = request(2, 36);
    common::put(&mut set, 24, 0x11);
    submit(&mut m, &set);
    m.mouse_move(3, 3);
    assert_eq!(m.vmmdev().mouse_features() & 0x2, 0x2);
    assert!(m.irq_asserted(DeviceId::VmmDev));
    assert_eq!(acknowledge(&mut m), 0x1);
    m.set_mouse_integration(false);
    assert_eq!(m.vmmdev().mouse_features() & 0x2, 0);
    assert_eq!(acknowledge(&mut m), 0x1);
    m.mouse_move(10, 3);
    assert_eq!(
        m.take_ps2_events(),
        [twin::Ps2Event::Mouse {
            dx: 7,
            dy: 0,
            dz: 0,
            buttons: 0
        }]
    );
    m.assert_no_protocol_errors();
}

#[test]
fn a_request_above_4_gib_is_read_at_the_truncated_address() {
    let mut m = twin::Machine::new(twin::MachineConfig {
        ram_size: 4 << 20,
        high_ram: Some((1 << 32, 1 << 20)),
        vram_size: VRAM,
        ..Default::default()
    });
    let high = (1u64 << 32) + 0x1000;
    assert!(m.write_phys(high, &request(4, 40)));
    let port = io_base(&m);
    m.port_out(port, Width::W32, high as u32);
    let mut back = [0u8; 40];
    m.read_phys(high, &mut back);
    assert_eq!(rc(&back), VERR_GENERAL_FAILURE, "the host never saw it");
    assert_eq!(
        m.take_protocol_errors().len(),
        1,
        "poisoned low RAM is no valid header"
    );
}

#[test]
fn the_gui_sends_hints_only_with_the_graphics_facility_active() {
    let mut m = machine();
    report_guest_info(&mut m);
    assert!(!m.gui_resize(0, 1024, 768), "auto-resize not offered yet");
    let mut c = request(56, 32);
    common::put(&mut c, 24, 0x4);
    submit(&mut m, &c);
    assert!(m.gui_resize(0, 1024, 768));
    assert!(!m.gui_resize(0, 1024, 768), "same as its last hint");
    assert!(m.gui_resize(0, 800, 600));
    assert!(!m.resize(3, 800, 600), "screen beyond the monitor count");
    m.assert_no_protocol_errors();
}
