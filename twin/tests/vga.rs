//! VGA behaviour of the twin (DISPI, HGSMI, VBVA, host view), checked with
//! hand-built port sequences and buffers (spec §6–§9).

mod common;
use common::*;
use twin::machine::{DeviceId, Machine, MouseButton, ResizeHint, Width};

const RING: u32 = GUEST_HEAP - 65536;
const RING_CB_DATA: u32 = 65536 - 288;

fn query_conf(m: &mut Machine, index: u32) -> u32 {
    let mut d = vec![0u8; 8];
    put(&mut d, 0, index);
    put(&mut d, 4, 0xDEAD_BEEF);
    get(&hgsmi(m, GUEST_HEAP, 2, 1, &d), 4)
}

fn info_view(m: &mut Machine, index: u32, offset: u32, size: u32, max: u32) {
    let mut d = vec![0u8; 16];
    put(&mut d, 0, index);
    put(&mut d, 4, offset);
    put(&mut d, 8, size);
    put(&mut d, 12, max);
    hgsmi(m, GUEST_HEAP, 2, 3, &d);
}

fn info_screen(m: &mut Machine, view: u32, origin: (i32, i32), w: u32, h: u32, flags: u16) {
    let mut d = vec![0u8; 32];
    put(&mut d, 0, view);
    put(&mut d, 4, origin.0 as u32);
    put(&mut d, 8, origin.1 as u32);
    put(&mut d, 12, 0);
    put(&mut d, 16, w * 4);
    put(&mut d, 20, w);
    put(&mut d, 24, h);
    d[28..30].copy_from_slice(&32u16.to_le_bytes());
    d[30..32].copy_from_slice(&flags.to_le_bytes());
    hgsmi(m, GUEST_HEAP, 2, 6, &d);
}

fn set_caps(m: &mut Machine, caps: u32) -> i32 {
    let mut d = vec![0u8; 8];
    put(&mut d, 0, 0xFFFF_FFFF);
    put(&mut d, 4, caps);
    get(&hgsmi(m, GUEST_HEAP, 2, 12, &d), 0) as i32
}

fn enable_ring(m: &mut Machine, screen: u32) -> i32 {
    let base = vram_base(m) + u64::from(RING);
    let mut head = vec![0u8; 288];
    put(&mut head, 280, 256);
    put(&mut head, 284, RING_CB_DATA);
    m.write_phys(base, &head);
    let mut d = vec![0u8; 16];
    put(&mut d, 0, 0x1 | 0x4 | 0x8);
    put(&mut d, 4, RING);
    put(&mut d, 8, 0x8000_0000);
    put(&mut d, 12, screen);
    get(&hgsmi(m, GUEST_HEAP, 2, 7, &d), 8) as i32
}

fn ring_u32(m: &mut Machine, off: u64) -> u32 {
    let mut b = [0u8; 4];
    m.read_phys(vram_base(m) + u64::from(RING) + off, &mut b);
    u32::from_le_bytes(b)
}

fn ring_put(m: &mut Machine, off: u64, v: u32) {
    let at = vram_base(m) + u64::from(RING) + off;
    m.write_phys(at, &v.to_le_bytes());
}

/// Writes one record holding `payload` following the guest write protocol.
fn write_record(m: &mut Machine, payload: &[u8]) {
    let free = ring_u32(m, 276);
    ring_put(m, 16 + 4 * u64::from(free), 0x8000_0000);
    ring_put(m, 276, (free + 1) % 64);
    let mut off = ring_u32(m, 12);
    for b in payload {
        let at = vram_base(m) + u64::from(RING) + 288 + u64::from(off);
        m.write_phys(at, &[*b]);
        off = (off + 1) % RING_CB_DATA;
    }
    ring_put(m, 12, off);
    ring_put(m, 16 + 4 * u64::from(free), payload.len() as u32);
}

fn rect(x: i16, y: i16, w: u16, h: u16) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&x.to_le_bytes());
    v.extend_from_slice(&y.to_le_bytes());
    v.extend_from_slice(&w.to_le_bytes());
    v.extend_from_slice(&h.to_le_bytes());
    v
}

fn flush(m: &mut Machine) {
    hgsmi(m, GUEST_HEAP, 2, 5, &[0; 4]);
}

fn vbe_mode(m: &mut Machine, w: u16, h: u16) {
    dispi_set(m, 4, 0);
    dispi_set(m, 1, w);
    dispi_set(m, 2, h);
    dispi_set(m, 3, 32);
    dispi_set(m, 4, 0x41);
}

fn fill_fb(m: &mut Machine, w: u32, h: u32, bgrx: [u8; 4]) {
    let row: Vec<u8> = (0..w).flat_map(|_| bgrx).collect();
    let base = vram_base(m);
    for y in 0..h {
        m.write_phys(base + u64::from(y * w * 4), &row);
    }
}

/// Linux-style bring-up: flags location, screen 0 view + screen, ring, caps.
fn vbva_screen0(m: &mut Machine, w: u32, h: u32) {
    report_flags_location(m);
    vbe_mode(m, w as u16, h as u16);
    info_view(m, 0, 0, RING, RING);
    info_screen(m, 0, (0, 0), w, h, 1);
    assert_eq!(enable_ring(m, 0), 0);
}

#[test]
fn dispi_detection_and_vram_size() {
    let mut m = machine();
    dispi_set(&mut m, 0, 0xBE01);
    assert_eq!(dispi_get(&mut m, 0), 0xBE01);
    assert_eq!(m.port_in(0x1CF, Width::W32), VRAM);
    assert_eq!(
        dispi_get(&mut m, 0xA),
        1,
        "VBOX_VIDEO reads 1, not VRAM/64K"
    );
    m.assert_no_protocol_errors();
}

#[test]
fn dispi_mode_shows_in_the_host_view_and_too_big_is_refused() {
    let mut m = machine();
    vbe_mode(&mut m, 320, 200);
    assert_eq!(dispi_get(&mut m, 4), 0x41);
    fill_fb(&mut m, 320, 200, [0x10, 0x20, 0x30, 0]);
    let img = m.host_view(0);
    assert_eq!((img.width, img.height), (320, 200));
    assert_eq!(img.pixel(319, 199), [0x30, 0x20, 0x10, 0xFF]);
    let mode = m.current_mode(0).unwrap();
    assert_eq!((mode.width, mode.height, mode.pitch), (320, 200, 1280));
    assert!(!m.host_view_png(0).is_empty());
    vbe_mode(&mut m, 4096, 2048);
    assert_eq!(
        dispi_get(&mut m, 4) & 1,
        0,
        "32 MiB mode in 16 MiB VRAM: dropped"
    );
    assert_eq!(m.take_protocol_errors().len(), 1);
}

#[test]
fn query_conf32_returns_the_host_values() {
    let mut m = machine();
    let expect = [
        (0, 1),
        (1, 65536),
        (2, 0),
        (3, 0),
        (4, 2),
        (5, 0xF),
        (6, 0x0800_0000),
        (0xFFFF_FFFF, 0xFFFF_FFFF),
    ];
    for (index, value) in expect {
        assert_eq!(query_conf(&mut m, index), value, "index {index}");
    }
    m.assert_no_protocol_errors();
    assert_eq!(
        query_conf(&mut m, 7),
        0xDEAD_BEEF,
        "unknown index: untouched"
    );
    assert_eq!(m.take_protocol_errors().len(), 1);
}

#[test]
fn hgsmi_buffer_with_bad_checksum_is_ignored() {
    let mut m = machine();
    let mut d = vec![0u8; 8];
    put(&mut d, 4, 0x1234);
    let out = hgsmi_with_checksum_delta(&mut m, GUEST_HEAP, 2, 1, &d, 1);
    assert_eq!(get(&out, 4), 0x1234, "not processed");
    let errors = m.take_protocol_errors();
    assert_eq!(errors.len(), 1);
    assert!(errors[0].message.contains("checksum"));
    m.port_out(0x3D0, Width::W16, GUEST_HEAP);
    m.port_out(0x3D0, Width::W32, VRAM - 8);
    assert_eq!(
        m.take_protocol_errors().len(),
        1,
        "16-bit is a stray access; offset past offLast is an error"
    );
    hgsmi(&mut m, GUEST_HEAP, 9, 1, &d);
    assert_eq!(m.take_protocol_errors().len(), 1, "unregistered channel");
}

#[test]
fn mode_hints_raise_hotplug_and_are_queried() {
    let mut m = machine();
    report_flags_location(&mut m);
    m.resize(0, 800, 600);
    assert!(!m.irq_asserted(DeviceId::Vga), "no caps yet");
    assert_eq!(set_caps(&mut m, 0x2 | 0x4 | 0x8 | 0x10), 0);
    assert!(m.graphics_facility_active());
    m.resize_hint(ResizeHint {
        bpp: 32,
        ..ResizeHint::window(0, 1920, 1080)
    });
    assert!(m.irq_asserted(DeviceId::Vga));
    assert_eq!(m.asserted_lines(), 1 << 10);
    let flags = m.hgsmi_host_flags();
    assert_eq!(flags & 0x22, 0x22, "IRQ | HOTPLUG");
    let mut d = vec![0u8; 8 + 2 * 32];
    d[0..2].copy_from_slice(&2u16.to_le_bytes());
    d[2..4].copy_from_slice(&32u16.to_le_bytes());
    put(&mut d, 4, (-37i32) as u32);
    let out = hgsmi(&mut m, GUEST_HEAP, 2, 19, &d);
    assert_eq!(get(&out, 4), 0);
    let h0 = &out[8..40];
    assert_eq!(get(h0, 0), 0x0801_ADD9);
    assert_eq!((get(h0, 4), get(h0, 8), get(h0, 12)), (1920, 1080, 32));
    assert_eq!(get(h0, 16), 0xFFFF_FFFF, "cDisplay never written");
    assert_eq!(
        (get(h0, 20), get(h0, 24), get(h0, 28)),
        (0xFFFF_FFFF, 0xFFFF_FFFF, 1)
    );
    assert_eq!(get(&out[40..], 0), 0xFFFF_FFFF, "display 1 never hinted");
    m.port_out(0x3B0, Width::W32, 0xFFFF_FFFF);
    assert!(!m.irq_asserted(DeviceId::Vga));
    assert_eq!(m.hgsmi_host_flags() & 0x22, 0);
    m.assert_no_protocol_errors();
}

#[test]
fn vbva_records_become_dirty_rects_and_only_they_are_repainted() {
    let mut m = machine();
    vbva_screen0(&mut m, 64, 48);
    assert_eq!(
        ring_u32(&mut m, 0),
        0x81,
        "host events: enabled | VRDP reset"
    );
    m.host_view(0);
    fill_fb(&mut m, 64, 48, [0, 0, 0xFF, 0]);
    write_record(&mut m, &rect(2, 3, 4, 5));
    write_record(&mut m, &rect(10, 10, 2, 2));
    flush(&mut m);
    let updates = m.dirty_updates().to_vec();
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0].rects.len(), 2);
    let b = updates[0].bounding_box;
    assert_eq!((b.x, b.y, b.w, b.h), (2, 3, 10, 9));
    assert_eq!(ring_u32(&mut m, 272), 2, "indexRecordFirst written back");
    assert_eq!(ring_u32(&mut m, 8), 16, "off32Data written back");
    let img = m.host_view(0);
    assert_eq!(img.pixel(5, 5), [0xFF, 0, 0, 0xFF], "inside the box");
    assert_eq!(
        img.pixel(40, 40),
        [0, 0, 0, 0xFF],
        "VBVA owns screen 0: outside stays stale"
    );
    m.assert_no_protocol_errors();
}

#[test]
fn records_wrap_around_the_ring_and_partial_records_wait() {
    let mut m = machine();
    vbva_screen0(&mut m, 64, 48);
    // Move both positions near the end so the next record wraps.
    // A filler record brings both positions to 3 bytes before the end, so the
    // next 8-byte record wraps (the host keeps its own read position).
    let near_end = RING_CB_DATA - 3;
    write_record(&mut m, &{
        let mut filler = rect(0, 0, 1, 1);
        filler.resize((near_end) as usize, 0);
        filler
    });
    flush(&mut m);
    assert_eq!(m.dirty_updates().len(), 1, "filler consumed");
    m.take_protocol_errors();
    m.clear_dirty_updates();
    write_record(&mut m, &rect(7, 8, 9, 10));
    let free = ring_u32(&mut m, 276);
    ring_put(&mut m, 16 + 4 * u64::from(free), 0x8000_0004);
    ring_put(&mut m, 276, (free + 1) % 64);
    flush(&mut m);
    let u = &m.dirty_updates()[0];
    assert_eq!(
        (u.rects[0].x, u.rects[0].y, u.rects[0].w, u.rects[0].h),
        (7, 8, 9, 10)
    );
    assert_eq!(
        ring_u32(&mut m, 272),
        free,
        "the partial record is still waiting"
    );
    m.assert_no_protocol_errors();
}

#[test]
fn an_empty_record_disables_vbva_everywhere_and_resets_caps() {
    let mut m = machine();
    vbva_screen0(&mut m, 64, 48);
    set_caps(&mut m, 0x6);
    write_record(&mut m, &[]);
    flush(&mut m);
    let errors = m.take_protocol_errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(!m.vbva().ring_enabled(0));
    assert_eq!(m.vbva().caps(), 0);
    assert_eq!(ring_u32(&mut m, 0), 0, "host events cleared");
}

#[test]
fn oversized_record_is_an_overflow() {
    let mut m = machine();
    vbva_screen0(&mut m, 64, 48);
    ring_put(&mut m, 16, RING_CB_DATA);
    ring_put(&mut m, 276, 1);
    flush(&mut m);
    assert!(m.take_protocol_errors()[0].message.contains("overflow"));
    assert!(!m.vbva().ring_enabled(0));
}

#[test]
fn enable_twice_is_invalid_state_and_bad_rings_are_refused() {
    let mut m = machine();
    vbva_screen0(&mut m, 64, 48);
    let mut d = vec![0u8; 16];
    put(&mut d, 0, 0x1 | 0x4 | 0x8);
    put(&mut d, 4, RING);
    put(&mut d, 12, 0);
    let out = hgsmi(&mut m, GUEST_HEAP, 2, 7, &d);
    assert_eq!(
        get(&out, 8) as i32,
        -79,
        "already enabled: VERR_INVALID_STATE"
    );
    write_record(&mut m, &rect(0, 0, 1, 1));
    let out = hgsmi(&mut m, GUEST_HEAP, 2, 7, &d);
    assert_eq!(
        get(&out, 8) as i32,
        -2,
        "indices no longer zero: ring invalid"
    );
    m.take_protocol_errors();
    m.clear_dirty_updates();
    put(&mut d, 0, 0x2 | 0x4);
    assert_eq!(get(&hgsmi(&mut m, GUEST_HEAP, 2, 7, &d), 8), 0);
    assert!(!m.vbva().ring_enabled(0));
    assert_eq!(enable_ring(&mut m, 0), 0, "re-enable after disable");
    assert_eq!(enable_ring(&mut m, 0), -79, "VERR_INVALID_STATE");
    m.take_protocol_errors();
    assert_eq!(enable_ring(&mut m, 3), -2, "screen >= monitor count");
    m.take_protocol_errors();
}

#[test]
fn info_screen_needs_a_view_first() {
    let mut m = machine();
    info_screen(&mut m, 0, (0, 0), 640, 480, 1);
    assert_eq!(m.take_protocol_errors().len(), 1);
    assert!(m.vbva_screen(0).is_none());
    info_view(&mut m, 0, 0, RING, RING);
    info_screen(&mut m, 0, (0, 0), 640, 480, 1);
    assert_eq!(
        m.current_mode(0).unwrap().source,
        twin::machine::ModeSource::Vbva
    );
    info_view(&mut m, 0, RING, RING, RING + 1);
    assert_eq!(m.take_protocol_errors().len(), 1, "maxScreenSize > size");
}

#[test]
fn vbva_pointer_shape_is_drawn_by_the_host_at_the_pointer() {
    let mut m = machine();
    report_guest_info(&mut m);
    vbva_screen0(&mut m, 64, 48);
    let mut set = request(2, 36);
    put(&mut set, 24, 0x11);
    submit(&mut m, &set);
    m.set_mouse_integration(true);
    // 1x1 opaque green with ALPHA.
    let mut d = vec![0u8; 24 + 4 + 4];
    put(&mut d, 0, 0xFFFF_FFFF);
    put(&mut d, 4, 0x7);
    put(&mut d, 16, 1);
    put(&mut d, 20, 1);
    d[28..32].copy_from_slice(&[0, 0xFF, 0, 0xFF]);
    let out = hgsmi(&mut m, GUEST_HEAP, 2, 8, &d);
    assert_eq!(get(&out, 0), 0);
    assert!(m.pointer().visible);
    m.mouse_move(10, 20);
    let img = m.host_view(0);
    assert_eq!(img.pixel(10, 20), [0, 0xFF, 0, 0xFF]);
    m.set_mouse_integration(false);
    assert_eq!(
        m.host_view(0).pixel(10, 20),
        [0, 0, 0, 0xFF],
        "captured: no host pointer"
    );
    m.assert_no_protocol_errors();
}

#[test]
fn pointer_shape_limit_uses_and() {
    let mut m = machine();
    let mut d = vec![0u8; 28];
    put(&mut d, 4, 0x5);
    put(&mut d, 16, 4096);
    put(&mut d, 20, 1);
    let out = hgsmi(&mut m, GUEST_HEAP, 2, 8, &d);
    assert_eq!(
        get(&out, 0) as i32,
        -2,
        "too little data (not the size limit)"
    );
    put(&mut d, 16, 4096);
    put(&mut d, 20, 4096);
    let out = hgsmi(&mut m, GUEST_HEAP, 2, 8, &d);
    assert_eq!(get(&out, 0) as i32, -2);
    assert_eq!(m.take_protocol_errors().len(), 2);
}

#[test]
fn input_mapping_and_cursor_position() {
    let mut m = machine();
    report_guest_info(&mut m);
    vbva_screen0(&mut m, 64, 48);
    let mut map = vec![0u8; 16];
    put(&mut map, 8, 128);
    put(&mut map, 12, 96);
    hgsmi(&mut m, GUEST_HEAP, 2, 20, &map);
    assert_eq!(m.input_mapping_rect(), Some((0, 0, 128, 96)));
    let mut set = request(2, 36);
    put(&mut set, 24, 0x11);
    submit(&mut m, &set);
    m.set_mouse_integration(true);
    m.mouse_move(127, 95);
    let r = submit(&mut m, &request(1, 36));
    assert_eq!((get(&r, 28) as i64 * 128 / 0xFFFF).min(127), 127);
    let mut c = vec![0u8; 12];
    put(&mut c, 0, 1);
    put(&mut c, 4, 33);
    put(&mut c, 8, 44);
    let out = hgsmi(&mut m, GUEST_HEAP, 2, 21, &c);
    assert_eq!((get(&out, 4), get(&out, 8)), (0, 0));
    assert_eq!(m.vbva().guest_cursor(), Some((33, 44)));
    info_screen(&mut m, 0, (0, 0), 64, 48, 1);
    assert_eq!(
        m.vbva().input_mapping(),
        None,
        "INFO_SCREEN resets the mapping"
    );
    m.assert_no_protocol_errors();
}

#[test]
fn host_commands_go_through_the_host_port() {
    let mut m = machine();
    report_flags_location(&mut m);
    let mut heap = vec![0u8; 8];
    put(&mut heap, 0, RING - 65536);
    put(&mut heap, 4, 65536);
    hgsmi(&mut m, GUEST_HEAP, 2, 4, &heap);
    let off = m.send_host_command(2, 1, &[1, 2, 3, 4]).unwrap();
    assert!(m.irq_asserted(DeviceId::Vga));
    assert_eq!(m.hgsmi_host_flags() & 0x1, 0x1, "COMMANDS_PENDING");
    assert_eq!(m.port_in(0x3B0, Width::W32), off);
    assert_eq!(m.port_in(0x3B0, Width::W32), 0xFFFF_FFFF);
    m.port_out(0x3B0, Width::W32, off);
    assert_eq!(m.hgsmi().outstanding_host_commands(), 0);
    m.port_out(0x3B0, Width::W32, off);
    assert_eq!(m.take_protocol_errors().len(), 1, "completed twice");
}

#[test]
fn vbe_disable_pauses_vbva_and_the_vga_path_repaints_again() {
    let mut m = machine();
    vbva_screen0(&mut m, 64, 48);
    assert!(!m.vbva().paused());
    dispi_set(&mut m, 4, 0);
    assert!(m.vbva().paused());
    vbe_mode(&mut m, 64, 48);
    assert!(!m.vbva().paused());
    m.assert_no_protocol_errors();
}

#[test]
fn buttons_without_absolute_guest_go_to_ps2() {
    let mut m = machine();
    m.mouse_move(5, 5);
    m.click(MouseButton::Middle);
    m.key(0x1C, false, true);
    let ev = m.take_ps2_events();
    assert_eq!(ev.len(), 4);
    assert!(matches!(
        ev[0],
        twin::machine::Ps2Event::Mouse { dx: 5, dy: 5, .. }
    ));
    assert!(matches!(
        ev[1],
        twin::machine::Ps2Event::Mouse { buttons: 4, .. }
    ));
}

#[test]
fn hostile_host_command_offsets_and_vsync() {
    let mut m = machine();
    report_flags_location(&mut m);
    m.inject_host_command_offset(VRAM + 0x1000);
    assert!(m.irq_asserted(DeviceId::Vga));
    assert_eq!(m.port_in(0x3B0, Width::W32), VRAM + 0x1000);
    m.port_out(0x3B0, Width::W32, VRAM + 0x1000);
    m.port_out(0x3B0, Width::W32, 0xFFFF_FFFF);
    assert!(!m.irq_asserted(DeviceId::Vga));
    m.assert_no_protocol_errors();
    let mut cfg = vec![0u8; 16];
    put(&mut cfg, 4, 1);
    assert_eq!(get(&hgsmi(&mut m, GUEST_HEAP, 2, 13, &cfg), 0), 0);
    m.advance(20_000);
    assert_eq!(
        m.hgsmi_host_flags() & 0x12,
        0x12,
        "IRQ | VSYNC on a refresh tick"
    );
}

#[test]
fn vbva_screens_with_origins_and_host_view_per_screen() {
    let mut m = Machine::new(twin::MachineConfig {
        monitor_count: 2,
        vram_size: VRAM,
        ram_size: 4 << 20,
        ..Default::default()
    });
    report_flags_location(&mut m);
    info_view(&mut m, 0, 0, 0x40_0000, 0x40_0000);
    info_view(&mut m, 1, 0x40_0000, 0x40_0000, 0x40_0000);
    let base = vram_base(&m);
    m.write_phys(base + 0x40_0000, &[0xFF, 0, 0, 0]);
    info_screen(&mut m, 0, (0, 0), 32, 16, 1);
    info_screen(&mut m, 1, (32, 0), 16, 16, 1);
    m.write_phys(base + 0x40_0004, &[0xFF, 0, 0, 0]);
    let img = m.host_view(1);
    assert_eq!((img.width, img.height), (16, 16));
    assert_eq!(
        img.pixel(0, 0),
        [0, 0, 0xFF, 0xFF],
        "painted from its view on resize"
    );
    assert_eq!(
        img.pixel(1, 0),
        [0, 0, 0, 0xFF],
        "no VGA refresh path for screen 1"
    );
    assert_eq!(
        m.input_mapping_rect(),
        Some((0, 0, 48, 16)),
        "bounding box of both screens"
    );
    assert_eq!(m.current_mode(1).unwrap().origin, (32, 0));
    m.assert_no_protocol_errors();
}

#[test]
fn large_mode_in_default_vram_renders_to_png() {
    let mut m = Machine::new(twin::MachineConfig::default());
    vbe_mode(&mut m, 3840, 2160);
    assert_eq!(dispi_get(&mut m, 4) & 1, 1);
    let base = vram_base(&m);
    let last = base + (2159 * 3840 + 3839) * 4;
    m.write_phys(last, &[0x00, 0x80, 0xFF, 0]);
    let img = m.host_view(0);
    assert_eq!((img.width, img.height), (3840, 2160));
    assert_eq!(img.pixel(3839, 2159), [0xFF, 0x80, 0x00, 0xFF]);
    let png = img.to_png();
    assert_eq!(&png[1..4], b"PNG");
    m.assert_no_protocol_errors();
}

#[test]
fn hgsmi_commands_are_logged_as_the_host_saw_them() {
    let mut m = machine();
    report_flags_location(&mut m);
    query_conf(&mut m, 0);
    hgsmi_with_checksum_delta(&mut m, GUEST_HEAP, 2, 1, &[0; 8], 5);
    let log = m.hgsmi_commands();
    assert_eq!(log.len(), 3);
    assert_eq!(
        (log[0].channel, log[0].channel_info, log[0].data.len()),
        (1, 0, 8)
    );
    assert_eq!((log[1].channel, log[1].channel_info), (2, 1));
    assert!(!log[2].verified);
    assert_eq!(m.take_protocol_errors().len(), 1);
}

#[test]
fn a_record_larger_than_the_ring_is_accumulated_across_flushes() {
    let mut m = machine();
    vbva_screen0(&mut m, 64, 48);
    let base = vram_base(&m) + u64::from(RING) + 288;
    // First chunk: 65000 bytes (>= cbData - threshold), record still PARTIAL.
    let mut chunk = rect(1, 2, 3, 4);
    chunk.resize(65000, 0xEE);
    m.write_phys(base, &chunk);
    ring_put(&mut m, 12, 65000);
    ring_put(&mut m, 16, 0x8000_0000 | 65000);
    ring_put(&mut m, 276, 1);
    flush(&mut m);
    assert!(m.dirty_updates().is_empty(), "still partial");
    assert_eq!(ring_u32(&mut m, 8), 65000, "host consumed the chunk");
    assert_eq!(ring_u32(&mut m, 272), 0);
    // Second chunk wraps; the record completes at 65100 bytes.
    let rest = [0xEEu8; 100];
    for (i, b) in rest.iter().enumerate() {
        let off = (65000 + i as u32) % RING_CB_DATA;
        m.write_phys(base + u64::from(off), &[*b]);
    }
    ring_put(&mut m, 16, 65100);
    flush(&mut m);
    let u = &m.dirty_updates()[0];
    assert_eq!(
        (u.rects[0].x, u.rects[0].y, u.rects[0].w, u.rects[0].h),
        (1, 2, 3, 4)
    );
    assert_eq!(ring_u32(&mut m, 8), (65100 % RING_CB_DATA));
    assert_eq!(ring_u32(&mut m, 272), 1);
    m.assert_no_protocol_errors();
}

#[test]
fn a_small_partial_record_waits_for_the_guest() {
    let mut m = machine();
    vbva_screen0(&mut m, 64, 48);
    ring_put(&mut m, 16, 0x8000_0008);
    ring_put(&mut m, 276, 1);
    flush(&mut m);
    assert_eq!(ring_u32(&mut m, 8), 0, "nothing consumed");
    assert!(m.dirty_updates().is_empty());
    m.assert_no_protocol_errors();
}
