//! The HGSMI/VBVA driver against the twin: bring-up as the host saw it, mode set,
//! dirty rectangles per flush, ring wrap and full ring, pointer shape, mode hints, host
//! commands, the guest heap draining back to full, and hostile host answers.

#[path = "support/twin_hal.rs"]
mod twin_hal;

use embedded_graphics::geometry::{Point, Size};
use embedded_graphics::pixelcolor::{Rgb888, RgbColor};
use embedded_graphics::prelude::DrawTarget;
use embedded_graphics::primitives::Rectangle;
use std::sync::Mutex;
use twin::machine::{DeviceId, MachineConfig, ModeSource, ResizeHint};
use twin::vbva::Rect as HostRect;
use twin_hal::{HgsmiCommand, TwinHal};
use vitrine::app_api::{App, Event, SystemInfo};
use vitrine::display::boot::init_display;
use vitrine::display::system::SystemDisplay;
use vitrine::display::vbva::VbvaDisplay;
use vitrine::display::{Display, Rect as DisplayRect};
use vitrine::drivers::vga::hgsmi::HgsmiError;
use vitrine::drivers::vga::vbva::pointer::ARROW;
use vitrine::drivers::vga::vbva::{ScreenMode, Vbva, VbvaError};
use vitrine::drivers::vga::{PciBar, VgaPciInfo};
use vitrine::hal::{Irqs, PhysMem, PortIo};
use vitrine::runtime::{EventQueue, Runtime, RuntimeConfig};

// Protocol numbers as the spec gives them (§7.5, §8.1, §8.2, §8.6), written out here
// rather than taken from the driver so a wrong constant there shows up.
const CH_HGSMI: u8 = 1;
const CH_VBVA: u8 = 2;
const HOST_FLAGS_LOCATION: (u8, u16) = (CH_HGSMI, 0);
const QUERY_CONF32: (u8, u16) = (CH_VBVA, 1);
const INFO_VIEW: (u8, u16) = (CH_VBVA, 3);
const INFO_HEAP: (u8, u16) = (CH_VBVA, 4);
const FLUSH: (u8, u16) = (CH_VBVA, 5);
const INFO_SCREEN: (u8, u16) = (CH_VBVA, 6);
const ENABLE: (u8, u16) = (CH_VBVA, 7);
const POINTER_SHAPE: (u8, u16) = (CH_VBVA, 8);
const INFO_CAPS: (u8, u16) = (CH_VBVA, 12);
const QUERY_MODE_HINTS: (u8, u16) = (CH_VBVA, 19);
const INPUT_MAPPING: (u8, u16) = (CH_VBVA, 20);
const CURSOR_POSITION: (u8, u16) = (CH_VBVA, 21);
const CAPS_IRQ: u32 = 0x02;
const CAPS_VIDEO_MODE_HINTS: u32 = 0x04;
const MIB: u32 = 1 << 20;

static STATUS_LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn capture_status(args: std::fmt::Arguments) {
    STATUS_LINES.lock().unwrap().push(args.to_string());
}

fn config(vram_size: u32, monitors: u32) -> MachineConfig {
    MachineConfig {
        ram_size: 4 << 20,
        vram_size,
        monitor_count: monitors,
        ..MachineConfig::default()
    }
}

fn init(hal: &mut TwinHal) -> Vbva {
    vitrine::status::set_sink(capture_status);
    let vram = hal.vram();
    Vbva::init(hal, vram).expect("HGSMI bring-up")
}

fn brought_up() -> (TwinHal, Vbva) {
    let mut hal = TwinHal::new(config(16 * MIB, 1));
    let vbva = init(&mut hal);
    (hal, vbva)
}

/// Stands in for the DISPI driver's `change_mode`: XRES, YRES, BPP 32, enable
/// without clearing (no disable first, as VirtualBox's own guest drivers do), and
/// read ENABLE back (spec §10.2 step 5).
fn program_dispi(io: &mut TwinHal, mode: ScreenMode) -> Option<ScreenMode> {
    let mut write = |index: u16, value: u16| {
        io.out16(0x1CE, index);
        io.out16(0x1CF, value);
    };
    write(1, mode.width as u16);
    write(2, mode.height as u16);
    write(3, 32);
    write(4, 0x81);
    io.out16(0x1CE, 4);
    (io.in16(0x1CF) & 1 == 1).then_some(mode)
}

fn set_mode(hal: &mut TwinHal, vbva: &mut Vbva, width: u32, height: u32) -> ScreenMode {
    vbva.set_mode(hal, ScreenMode { width, height }, program_dispi)
        .expect("mode set")
}

fn rect(x: i32, y: i32, w: u32, h: u32) -> Rectangle {
    Rectangle::new(Point::new(x, y), Size::new(w, h))
}

fn host_rect(x: i32, y: i32, w: u32, h: u32) -> HostRect {
    HostRect { x, y, w, h }
}

/// Every rectangle the host received, in order, over all flushes.
fn host_rects(hal: &TwinHal) -> Vec<HostRect> {
    hal.machine
        .dirty_updates()
        .iter()
        .flat_map(|u| u.rects.iter().copied())
        .collect()
}

fn conf32_queries(log: &[HgsmiCommand]) -> Vec<(u32, u32)> {
    log.iter()
        .filter(|c| (c.channel, c.info) == QUERY_CONF32)
        .map(|c| (c.request_u32(0), c.response_u32(4)))
        .collect()
}

#[test]
fn bring_up_as_the_host_sees_it() {
    let (hal, vbva) = brought_up();
    let vram = 16 * MIB;
    let codes = hal.codes_since(0);
    // Flags location first, then the configuration, host heap, and two caps messages.
    assert_eq!(codes[0], HOST_FLAGS_LOCATION);
    let location = &hal.hgsmi_log[0];
    assert_eq!(location.request_u32(0), vram - 16);
    assert_eq!(location.request_u32(4), 16);
    assert_eq!(hal.machine.hgsmi().flags_location(), Some(vram - 16));

    let queries = conf32_queries(&hal.hgsmi_log);
    let indices: Vec<u32> = queries.iter().map(|q| q.0).collect();
    assert_eq!(indices, [u32::MAX, 0, 1, 2, 3, 4, 6]);
    assert_eq!(queries[0].1, u32::MAX, "sanity probe answered");
    let config = vbva.host_config();
    assert_eq!(config.monitors, 1);
    assert_eq!(config.host_heap_size, 65536);
    assert!(config.mode_hints && config.cursor_reporting && config.hardware_cursor);

    let rest: Vec<_> = codes[1 + queries.len()..].to_vec();
    assert_eq!(rest, [INFO_HEAP, INFO_CAPS, INFO_CAPS]);
    let caps: Vec<u32> = hal
        .hgsmi_log
        .iter()
        .filter(|c| (c.channel, c.info) == INFO_CAPS)
        .map(|c| c.request_u32(4))
        .collect();
    assert!(
        caps.iter().all(|c| c & CAPS_IRQ != 0),
        "IRQ in both: {caps:x?}"
    );
    assert_eq!(caps[0] & CAPS_VIDEO_MODE_HINTS, 0);
    assert_ne!(caps[1] & CAPS_VIDEO_MODE_HINTS, 0);
    assert_eq!(hal.machine.vbva().caps(), caps[1]);
    assert!(hal.machine.graphics_facility_active());

    // Host heap right below the guest heap, 64 KiB, as VBVA_INFO_HEAP said.
    assert_eq!(
        hal.machine.hgsmi().host_heap(),
        Some((vram - 2 * 65536, 65536))
    );
    // Every buffer lived in the guest heap (last 64 KiB) and the pool is full again.
    assert!(hal.hgsmi_log.iter().all(|c| c.offset >= vram - 65536));
    assert_eq!(vbva.free_heap_blocks(), vbva.heap_blocks());
    assert!(vbva.heap_blocks() >= 1000);
    hal.machine.assert_no_protocol_errors();
    assert!(STATUS_LINES
        .lock()
        .unwrap()
        .iter()
        .any(|l| l == "@vitrine hgsmi heap_kib=63 host_heap_kib=64 monitors=1"));
}

#[test]
fn mode_set_is_recorded_as_the_host_understands_it() {
    let (mut hal, mut vbva) = brought_up();
    let from = hal.hgsmi_log.len();
    let mode = set_mode(&mut hal, &mut vbva, 1024, 768);
    assert_eq!(
        mode,
        ScreenMode {
            width: 1024,
            height: 768
        }
    );
    assert_eq!(
        hal.codes_since(from),
        [INFO_VIEW, INFO_SCREEN, ENABLE, INPUT_MAPPING]
    );
    let host = hal.machine.current_mode(0).expect("screen 0 has a mode");
    assert_eq!((host.width, host.height, host.bpp), (1024, 768, 32));
    assert_eq!((host.pitch, host.vram_offset), (4096, 0));
    assert_eq!(host.source, ModeSource::Vbva);
    let screen = hal.machine.vbva_screen(0).unwrap();
    assert_eq!(screen.flags & 0x1, 0x1, "ACTIVE");
    assert!(hal.machine.vbva().ring_enabled(0));
    assert_eq!(
        hal.machine.vbva().ring_offset(0),
        Some(vbva.layout().ring.offset)
    );
    assert_eq!(hal.machine.vbva().input_mapping(), Some((0, 0, 1024, 768)));
    // DISPI agrees (screen 0 is programmed both ways, as Linux does).
    let dispi = hal.machine.dispi_mode();
    assert!(dispi.enabled && dispi.width == 1024 && dispi.height == 768);

    // A second mode set keeps the ring on: switching it off would make the host drop
    // the caps (vbvaDisable, DevVGA_VBVA.cpp) and show the old mode meanwhile.
    let caps = hal.machine.vbva().caps();
    let from = hal.hgsmi_log.len();
    set_mode(&mut hal, &mut vbva, 1920, 1080);
    let codes = hal.codes_since(from);
    assert_eq!(codes, [INFO_VIEW, INFO_SCREEN, INPUT_MAPPING]);
    assert!(hal.machine.vbva().ring_enabled(0));
    assert_eq!(hal.machine.vbva().caps(), caps, "caps kept");
    assert_ne!(hal.machine.vbva().caps() & CAPS_VIDEO_MODE_HINTS, 0);
    let host = hal.machine.current_mode(0).unwrap();
    assert_eq!((host.width, host.height, host.pitch), (1920, 1080, 7680));
    assert_eq!(vbva.free_heap_blocks(), vbva.heap_blocks());
    hal.machine.assert_no_protocol_errors();
}

#[test]
fn a_mode_larger_than_the_framebuffer_area_is_refused_untouched() {
    let (mut hal, mut vbva) = brought_up();
    set_mode(&mut hal, &mut vbva, 800, 600);
    let from = hal.hgsmi_log.len();
    // 16 MiB VRAM minus 192 KiB of HGSMI areas cannot hold 2048×2048×4.
    let mut programmed = false;
    let result = vbva.set_mode(
        &mut hal,
        ScreenMode {
            width: 2048,
            height: 2048,
        },
        |_, mode| {
            programmed = true;
            Some(mode)
        },
    );
    assert_eq!(
        result,
        Err(VbvaError::ModeRejected {
            width: 2048,
            height: 2048
        })
    );
    assert!(!programmed);
    assert_eq!(hal.hgsmi_log.len(), from, "nothing sent");
    assert_eq!(hal.machine.current_mode(0).unwrap().width, 800);
    assert!(vbva.ring_enabled());
    for bad in [(0, 600), (800, 0), (16385, 1)] {
        let mode = ScreenMode {
            width: bad.0,
            height: bad.1,
        };
        assert!(vbva.set_mode(&mut hal, mode, program_dispi).is_err());
    }
    hal.machine.assert_no_protocol_errors();
}

#[test]
fn dirty_rects_per_flush_are_what_the_canvas_reported() {
    let (mut hal, mut vbva) = brought_up();
    set_mode(&mut hal, &mut vbva, 640, 480);
    hal.machine.clear_dirty_updates();
    let frames = [
        vec![rect(0, 0, 640, 480)],
        vec![rect(10, 20, 30, 40), rect(600, 400, 40, 80)],
        vec![],
        vec![
            rect(-5, -5, 10, 10),
            rect(630, 470, 50, 50),
            rect(700, 0, 5, 5),
        ],
    ];
    let expected = [
        vec![host_rect(0, 0, 640, 480)],
        vec![host_rect(10, 20, 30, 40), host_rect(600, 400, 40, 80)],
        vec![],
        // Clipped to the screen; the one fully outside is dropped.
        vec![host_rect(0, 0, 5, 5), host_rect(630, 470, 10, 10)],
    ];
    for (frame, want) in frames.iter().zip(&expected) {
        hal.machine.clear_dirty_updates();
        let stats = vbva.present(&mut hal, frame.iter().copied()).unwrap();
        assert_eq!(stats.records, want.len());
        let updates = hal.machine.dirty_updates();
        if want.is_empty() {
            assert!(updates.is_empty(), "an empty frame sends nothing");
            assert_eq!(stats.flushes, 0);
        } else {
            assert_eq!(updates.len(), 1, "one flush per frame");
            assert_eq!(&updates[0].rects, want);
        }
    }
    assert_eq!(vbva.free_heap_blocks(), vbva.heap_blocks());
    hal.machine.assert_no_protocol_errors();
}

#[test]
fn the_host_view_repaints_exactly_the_presented_rects() {
    let (mut hal, mut vbva) = brought_up();
    set_mode(&mut hal, &mut vbva, 640, 480);
    let fb = hal.vram();
    let paint = |x0: u32, y0: u32, w: u32, h: u32, argb: u32| {
        for y in y0..y0 + h {
            for x in x0..x0 + w {
                fb.write_u32(((y * 640 + x) * 4) as usize, argb);
            }
        }
    };
    paint(0, 0, 640, 480, 0xFF00_0000);
    vbva.present(&mut hal, [rect(0, 0, 640, 480)]).unwrap();
    // Two red squares in VRAM; only the first is presented.
    paint(10, 10, 20, 20, 0xFFFF_0000);
    paint(300, 300, 20, 20, 0xFFFF_0000);
    vbva.present(&mut hal, [rect(10, 10, 20, 20)]).unwrap();
    let view = hal.machine.host_view(0);
    assert_eq!(view.pixel(15, 15), [0xFF, 0, 0, 0xFF]);
    assert_eq!(view.pixel(305, 305), [0, 0, 0, 0xFF], "not presented yet");
    vbva.present(&mut hal, [rect(300, 300, 20, 20)]).unwrap();
    assert_eq!(hal.machine.host_view(0).pixel(305, 305), [0xFF, 0, 0, 0xFF]);
    hal.machine.assert_no_protocol_errors();
}

#[test]
fn the_ring_wraps_many_times_without_losing_a_rect() {
    let (mut hal, mut vbva) = brought_up();
    set_mode(&mut hal, &mut vbva, 1024, 768);
    hal.machine.clear_dirty_updates();
    let mut sent = Vec::new();
    let ring_bytes = vbva.layout().ring.size as usize;
    // 8 bytes per record: 3 × ring size worth of records.
    let total = 3 * ring_bytes / 8;
    let mut n = 0usize;
    while n < total {
        let count = 1 + n % 7;
        let frame: Vec<_> = (0..count)
            .map(|i| {
                let k = (n + i) as i32;
                rect(
                    k % 1000,
                    (k / 7) % 700,
                    1 + (k % 23) as u32,
                    1 + (k % 19) as u32,
                )
            })
            .collect();
        vbva.present(&mut hal, frame.iter().copied()).unwrap();
        sent.extend(
            frame
                .iter()
                .map(|r| host_rect(r.top_left.x, r.top_left.y, r.size.width, r.size.height)),
        );
        n += count;
    }
    assert_eq!(host_rects(&hal), sent);
    assert!(hal.machine.vbva().ring_enabled(0));
    hal.machine.assert_no_protocol_errors();
}

#[test]
fn a_full_ring_is_flushed_and_writing_goes_on() {
    let (mut hal, mut vbva) = brought_up();
    set_mode(&mut hal, &mut vbva, 1024, 768);
    hal.machine.clear_dirty_updates();
    // 200 rects in one frame: more than the 63 usable record slots.
    let frame: Vec<_> = (0..200).map(|i| rect(i * 5, i, 4, 3)).collect();
    let stats = vbva.present(&mut hal, frame.iter().copied()).unwrap();
    assert_eq!(stats.records, 200);
    assert!(stats.flushes >= 4, "{stats:?}");
    let want: Vec<_> = (0..200).map(|i| host_rect(i * 5, i, 4, 3)).collect();
    assert_eq!(host_rects(&hal), want);
    assert_eq!(
        hal.machine.dirty_updates().len(),
        stats.flushes,
        "every flush delivered records"
    );
    hal.machine.assert_no_protocol_errors();
}

#[test]
fn a_host_that_never_consumes_gives_ring_stuck_not_a_hang() {
    let (mut hal, mut vbva) = brought_up();
    set_mode(&mut hal, &mut vbva, 1024, 768);
    hal.swallow.push(FLUSH);
    let frame: Vec<_> = (0..100).map(|i| rect(i, i, 2, 2)).collect();
    let result = vbva.present(&mut hal, frame.iter().copied());
    // 63 slots fit; the 64th finds the ring still full after a flush.
    assert_eq!(result, Err(VbvaError::RingStuck { unsent: 37 }));
    // Once the host consumes again, nothing written so far is lost.
    hal.swallow.clear();
    hal.machine.clear_dirty_updates();
    vbva.present(&mut hal, frame[63..].iter().copied()).unwrap();
    let want: Vec<_> = (0..100).map(|i| host_rect(i, i, 2, 2)).collect();
    assert_eq!(host_rects(&hal), want);
    hal.machine.assert_no_protocol_errors();
}

#[test]
fn a_ring_error_on_the_host_is_recovered_with_a_full_repaint() {
    let (mut hal, mut vbva) = brought_up();
    set_mode(&mut hal, &mut vbva, 800, 600);
    // Something scribbles on indexRecordFree (offset 276): the host's next flush
    // disables VBVA everywhere and drops the caps.
    let ring = vbva.layout().ring.offset as usize;
    hal.vram().write_u32(ring + 276, 100);
    hal.machine.refresh_display();
    let errors = hal.machine.take_protocol_errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(!hal.machine.vbva().ring_enabled(0));
    assert_eq!(hal.machine.vbva().caps(), 0);
    hal.vram().write_u32(ring + 276, 0);

    hal.machine.clear_dirty_updates();
    vbva.present(&mut hal, [rect(5, 5, 10, 10)]).unwrap();
    assert!(hal.machine.vbva().ring_enabled(0));
    assert_ne!(hal.machine.vbva().caps() & CAPS_VIDEO_MODE_HINTS, 0);
    assert_eq!(
        host_rects(&hal),
        [host_rect(0, 0, 800, 600), host_rect(5, 5, 10, 10)]
    );
    hal.machine.assert_no_protocol_errors();
}

#[test]
fn the_pointer_shape_the_host_decodes_is_the_arrow() {
    let (mut hal, mut vbva) = brought_up();
    let from = hal.hgsmi_log.len();
    assert!(vbva.set_pointer_shape(&mut hal, &ARROW, true).unwrap());
    assert_eq!(hal.codes_since(from), [POINTER_SHAPE]);
    let pointer = hal.machine.pointer();
    assert!(pointer.visible);
    let shape = pointer.shape.as_ref().expect("shape stored");
    assert_eq!((shape.width, shape.height), (ARROW.width, ARROW.height));
    assert_eq!((shape.hot_x, shape.hot_y), (ARROW.hot_x, ARROW.hot_y));
    for y in 0..shape.height {
        for x in 0..shape.width {
            let i = ((y * shape.width + x) * 4) as usize;
            let argb = ARROW.argb(x, y);
            let want = [
                (argb >> 16) as u8,
                (argb >> 8) as u8,
                argb as u8,
                (argb >> 24) as u8,
            ];
            assert_eq!(shape.rgba[i..i + 4], want, "pixel {x},{y}");
        }
    }
    // The tip is opaque black, the body white, the corner transparent.
    assert_eq!(shape.rgba[0..4], [0, 0, 0, 0xFF]);
    assert_eq!(shape.rgba[11 * 4 + 3], 0);

    assert!(vbva.set_pointer_visible(&mut hal, false).unwrap());
    assert!(!hal.machine.pointer().visible);
    assert!(hal.machine.pointer().shape.is_some(), "shape kept");
    assert!(vbva.set_pointer_visible(&mut hal, true).unwrap());
    assert!(hal.machine.pointer().visible);
    assert_eq!(vbva.free_heap_blocks(), vbva.heap_blocks());
    hal.machine.assert_no_protocol_errors();
}

#[test]
fn cursor_position_is_reported_when_the_host_asks() {
    let (mut hal, mut vbva) = brought_up();
    let from = hal.hgsmi_log.len();
    vbva.report_cursor_position(&mut hal, 123, 45).unwrap();
    assert_eq!(hal.codes_since(from), [CURSOR_POSITION]);
    assert_eq!(hal.machine.vbva().guest_cursor(), Some((123, 45)));
    hal.machine.assert_no_protocol_errors();
}

#[test]
fn a_host_hint_raises_the_irq_and_is_read_back() {
    let (mut hal, mut vbva) = brought_up();
    set_mode(&mut hal, &mut vbva, 1024, 768);
    // Nothing pending: the shared line is not ours.
    let quiet = vbva.service_irq(&mut hal);
    assert!(!quiet.irq && !quiet.mode_hint);

    hal.machine.resize_hint(ResizeHint::window(0, 1280, 800));
    assert!(hal.machine.irq_asserted(DeviceId::Vga));
    let notes = vbva.service_irq(&mut hal);
    assert!(notes.irq && notes.mode_hint, "{notes:?}");
    assert!(!hal.machine.irq_asserted(DeviceId::Vga), "acknowledged");
    assert!(hal.host_port_writes.contains(&u32::MAX));

    let from = hal.hgsmi_log.len();
    let hint = vbva.query_mode_hint(&mut hal).unwrap().expect("a hint");
    assert_eq!(hal.codes_since(from), [QUERY_MODE_HINTS]);
    assert_eq!((hint.width, hint.height), (1280, 800));
    assert!(hint.enabled);
    set_mode(&mut hal, &mut vbva, hint.width, hint.height);
    let host = hal.machine.current_mode(0).unwrap();
    assert_eq!((host.width, host.height), (1280, 800));
    hal.machine.assert_no_protocol_errors();
}

#[test]
fn a_hint_raised_while_the_irq_is_still_up_is_seen_in_the_same_service() {
    // Soak seed 6 step 852: a host-command flood left IRQ set; the hint after it only
    // waited in the host's pending flags, which come back with IRQ on the acknowledge
    // (DevVGA keeps the line up). The driver must see it then, not at a later wake-up.
    let (mut hal, mut vbva) = brought_up();
    set_mode(&mut hal, &mut vbva, 1024, 768);
    hal.machine.inject_host_command_offset(0xCB41_21AA);
    hal.machine.inject_host_command_offset(0x8420_4587);
    hal.machine.resize_hint(ResizeHint::window(0, 1280, 800));
    let notes = vbva.service_irq(&mut hal);
    assert!(notes.irq && notes.mode_hint, "{notes:?}");
    assert!(
        !hal.machine.irq_asserted(DeviceId::Vga),
        "everything acknowledged"
    );
    let hint = vbva.query_mode_hint(&mut hal).unwrap().expect("a hint");
    assert_eq!((hint.width, hint.height), (1280, 800));
    hal.machine.assert_no_protocol_errors();
}

#[test]
fn resize_storm_ends_in_the_last_hint_with_the_pool_full() {
    let (mut hal, mut vbva) = brought_up();
    set_mode(&mut hal, &mut vbva, 1024, 768);
    let sizes = [
        (800, 600),
        (1920, 1080),
        (640, 480),
        (1366, 768),
        (1024, 768),
    ];
    for round in 0..300 {
        let (w, h) = sizes[round % sizes.len()];
        hal.machine
            .resize_hint(ResizeHint::window(0, w + round as u32 % 3, h));
        if round % 4 != 3 {
            continue; // hints coalesce: only every fourth is applied
        }
        let notes = vbva.service_irq(&mut hal);
        assert!(notes.mode_hint);
        let hint = vbva.query_mode_hint(&mut hal).unwrap().unwrap();
        set_mode(&mut hal, &mut vbva, hint.width, hint.height);
        vbva.present(&mut hal, [rect(0, 0, hint.width, hint.height)])
            .unwrap();
        vbva.set_pointer_visible(&mut hal, round % 8 == 3).unwrap();
    }
    let (w, h) = sizes[299 % sizes.len()];
    let host = hal.machine.current_mode(0).unwrap();
    assert_eq!((host.width, host.height), (w + 299 % 3, h));
    assert_eq!(vbva.free_heap_blocks(), vbva.heap_blocks());
    hal.machine.assert_no_protocol_errors();
}

#[test]
fn host_commands_are_completed_and_bad_offsets_skipped() {
    let (mut hal, mut vbva) = brought_up();
    let heap = vbva.layout().host_heap.expect("host heap");
    let first = hal.machine.send_host_command(CH_VBVA, 1, &[0; 8]).unwrap();
    let second = hal.machine.send_host_command(CH_VBVA, 2, &[0; 16]).unwrap();
    assert!(first >= heap.offset && second < heap.offset + heap.size);
    // A hostile host also hands out offsets outside its heap.
    hal.injected_host_reads
        .extend([0, 16 * MIB - 8, heap.offset + heap.size - 4]);
    let notes = vbva.service_irq(&mut hal);
    assert_eq!(notes.host_commands, 2);
    assert_eq!(
        hal.machine.hgsmi().completed_host_commands(),
        [first, second]
    );
    assert_eq!(hal.machine.hgsmi().outstanding_host_commands(), 0);
    // Bad offsets were never written back to the host port.
    assert!(!hal.host_port_writes.contains(&0));
    assert!(!hal.host_port_writes.contains(&(16 * MIB - 8)));
    hal.machine.assert_no_protocol_errors();
}

#[test]
fn an_endless_host_command_queue_does_not_hang_the_driver() {
    let (mut hal, mut vbva) = brought_up();
    hal.injected_host_reads
        .extend(std::iter::repeat_n(4, 10_000));
    vbva.process_host_commands(&mut hal);
    assert!(hal.injected_host_reads.len() >= 10_000 - 64);
}

#[test]
fn other_screens_are_reported_disabled() {
    let mut hal = TwinHal::new(config(32 * MIB, 3));
    let vbva = init(&mut hal);
    assert_eq!(vbva.host_config().monitors, 3);
    for screen in 1..3 {
        let info = hal.machine.vbva_screen(screen).expect("screen reported");
        assert_eq!(info.flags & 0x3, 0x3, "ACTIVE|DISABLED");
        assert!(!hal.machine.vbva().ring_enabled(screen));
    }
    // A hint for screen 1 is ignored; screen 0's hint is the answer.
    let mut vbva = vbva;
    hal.machine.resize_hint(ResizeHint::window(1, 800, 600));
    hal.machine.resize_hint(ResizeHint::window(0, 1024, 768));
    let hint = vbva.query_mode_hint(&mut hal).unwrap().unwrap();
    assert_eq!((hint.width, hint.height), (1024, 768));
    hal.machine.assert_no_protocol_errors();
}

#[test]
fn hostile_configuration_values_fall_back_safely() {
    let mut hal = TwinHal::new(config(16 * MIB, 1));
    // Zero monitors, a host heap of 4 GiB, "unsupported" hints and an absurd record size.
    hal.response_hook = Some(Box::new(|command, answer| {
        if (command.channel, command.info) != QUERY_CONF32 {
            return;
        }
        let value: Option<u32> = match command.request_u32(0) {
            0 => Some(0),
            1 => Some(u32::MAX),
            2 => Some(-37i32 as u32),
            6 => Some(3),
            _ => None,
        };
        if let Some(v) = value {
            answer[4..8].copy_from_slice(&v.to_le_bytes());
        }
    }));
    let mut vbva = init(&mut hal);
    let config = *vbva.host_config();
    assert_eq!(config.monitors, 1);
    assert!(!config.mode_hints);
    assert!(config.max_record_size >= 8);
    // Host heap capped at VRAM/4 − 64 KiB.
    let heap = vbva.layout().host_heap.unwrap();
    assert_eq!(heap.size, 4 * MIB - 65536);
    // Without mode-hint support the caps never claim hints and no query is sent.
    assert_eq!(hal.machine.vbva().caps() & CAPS_VIDEO_MODE_HINTS, 0);
    let from = hal.hgsmi_log.len();
    assert_eq!(vbva.query_mode_hint(&mut hal).unwrap(), None);
    assert_eq!(hal.hgsmi_log.len(), from);
    set_mode(&mut hal, &mut vbva, 800, 600);
    assert!(vbva.ring_enabled());
    hal.machine.assert_no_protocol_errors();
}

#[test]
fn a_host_that_ignores_hgsmi_is_detected() {
    let mut hal = TwinHal::new(config(16 * MIB, 1));
    hal.swallow.push(QUERY_CONF32);
    let vram = hal.vram();
    let result = Vbva::init(&mut hal, vram);
    assert!(matches!(result, Err(VbvaError::HostSilent { value: 0 })));
    // Nothing was enabled: the host still refreshes from the framebuffer.
    assert!(!hal.machine.vbva().ring_enabled(0));
}

#[test]
fn error_answers_from_the_host_are_survived() {
    let mut hal = TwinHal::new(config(16 * MIB, 1));
    // The host refuses the caps, the ring and the pointer shape.
    hal.response_hook = Some(Box::new(|command, answer| {
        let code = (command.channel, command.info);
        if code == INFO_CAPS || code == POINTER_SHAPE {
            answer[0..4].copy_from_slice(&(-2i32).to_le_bytes());
        }
        if code == ENABLE {
            answer[8..12].copy_from_slice(&(-2i32).to_le_bytes());
        }
        if code == QUERY_MODE_HINTS {
            answer[4..8].copy_from_slice(&(-2i32).to_le_bytes());
        }
    }));
    let mut vbva = init(&mut hal);
    set_mode(&mut hal, &mut vbva, 800, 600);
    assert!(
        !vbva.ring_enabled(),
        "ring refused: host refreshes by itself"
    );
    let stats = vbva.present(&mut hal, [rect(0, 0, 10, 10)]).unwrap();
    assert_eq!(stats.records, 0);
    assert!(!vbva.set_pointer_shape(&mut hal, &ARROW, true).unwrap());
    assert_eq!(vbva.query_mode_hint(&mut hal).unwrap(), None);
    assert_eq!(vbva.free_heap_blocks(), vbva.heap_blocks());
}

#[test]
fn a_driver_restart_without_vm_reset_takes_over_the_old_ring() {
    let (mut hal, mut old) = brought_up();
    set_mode(&mut hal, &mut old, 800, 600);
    let _forgotten = old;
    // A new instance (say, after a warm reboot of the kernel) finds screen 0's ring
    // still enabled on the host: VBVA_ENABLE answers VERR_INVALID_STATE once.
    let mut vbva = init(&mut hal);
    let from = hal.hgsmi_log.len();
    set_mode(&mut hal, &mut vbva, 1024, 768);
    let enables: Vec<i32> = hal.hgsmi_log[from..]
        .iter()
        .filter(|c| (c.channel, c.info) == ENABLE)
        .map(|c| c.response_u32(8) as i32)
        .collect();
    assert_eq!(enables, [-79, 0, 0], "refused, disabled, enabled");
    assert!(vbva.ring_enabled());
    hal.machine.clear_dirty_updates();
    vbva.present(&mut hal, [rect(1, 2, 3, 4)]).unwrap();
    assert_eq!(host_rects(&hal), [host_rect(1, 2, 3, 4)]);
    assert_ne!(hal.machine.vbva().caps() & CAPS_VIDEO_MODE_HINTS, 0);
    // The one refusal is the only thing the host logged.
    let errors = hal.machine.take_protocol_errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].message.contains("-79"), "{errors:?}");
}

/// A VGA without HGSMI, as QEMU's std VGA answers: the ID register holds its own
/// Bochs ID whatever is written; every access is recorded.
#[derive(Default)]
struct BochsVga {
    outs: Vec<(u16, u32)>,
}

impl PortIo for BochsVga {
    fn in8(&mut self, _port: u16) -> u8 {
        0xFF
    }
    fn in16(&mut self, port: u16) -> u16 {
        if port == 0x1CF {
            0xB0C5
        } else {
            0xFFFF
        }
    }
    fn in32(&mut self, _port: u16) -> u32 {
        u32::MAX
    }
    fn out8(&mut self, port: u16, value: u8) {
        self.outs.push((port, value.into()));
    }
    fn out16(&mut self, port: u16, value: u16) {
        self.outs.push((port, value.into()));
    }
    fn out32(&mut self, port: u16, value: u32) {
        self.outs.push((port, value));
    }
}

#[test]
fn no_hgsmi_is_detected_without_touching_the_hgsmi_ports() {
    let mut hal = TwinHal::new(config(16 * MIB, 1));
    let vram = hal.vram();
    let mut bochs = BochsVga::default();
    let result = Vbva::init(&mut bochs, vram);
    assert!(
        matches!(
            result,
            Err(VbvaError::Hgsmi(HgsmiError::NotPresent { id: 0xB0C5 }))
        ),
        "{:?}",
        result.err()
    );
    assert_eq!(
        bochs.outs,
        [(0x1CE, 0), (0x1CF, 0xBE01)],
        "only the ID probe"
    );
}

#[test]
fn too_little_vram_or_a_short_window_is_refused() {
    let mut hal = TwinHal::new(config(MIB, 1));
    let vram = hal.vram();
    let result = Vbva::init(&mut hal, vram);
    assert!(
        matches!(result, Err(VbvaError::Hgsmi(HgsmiError::VramTooSmall(_)))),
        "{:?}",
        result.err()
    );
    assert!(hal.hgsmi_log.is_empty(), "nothing submitted");

    let mut hal = TwinHal::new(config(16 * MIB, 1));
    let base = u64::from(hal.machine.config().vram_base);
    let short = hal.map(base, 8 * MIB as usize).unwrap();
    let result = Vbva::init(&mut hal, short);
    assert!(
        matches!(
            result,
            Err(VbvaError::Hgsmi(HgsmiError::VramWindowTooShort { .. }))
        ),
        "{:?}",
        result.err()
    );
    assert!(hal.hgsmi_log.is_empty());
    hal.machine.assert_no_protocol_errors();
}

// ---- The VirtualBox display backend (display::vbva) on the same twin ----

fn vga_pci(hal: &TwinHal) -> VgaPciInfo {
    let config = hal.machine.config();
    let mut bars = [PciBar::None; 6];
    bars[0] = PciBar::Memory {
        base: u64::from(config.vram_base),
        size: u64::from(config.vram_size),
        prefetchable: true,
    };
    VgaPciInfo {
        vendor: 0x80EE,
        device: 0xBEEF,
        subsystem: (0, 0),
        bars,
    }
}

fn backend(vram: u32, width: u32, height: u32) -> (TwinHal, VbvaDisplay) {
    let mut hal = TwinHal::new(config(vram, 1));
    let pci = vga_pci(&hal);
    let display = VbvaDisplay::new(&mut hal, &pci, width, height).expect("VBVA backend");
    (hal, display)
}

#[test]
fn the_backend_sets_the_mode_uploads_the_arrow_and_presents_dirty_rects() {
    let (mut hal, mut display) = backend(16 * MIB, 1024, 768);
    assert_eq!(display.backend_name(), "vbva");
    let mode = display.mode();
    assert_eq!((mode.width, mode.height, mode.pitch), (1024, 768, 4096));
    let host = hal.machine.current_mode(0).unwrap();
    assert_eq!(
        (host.width, host.height, host.source),
        (1024, 768, ModeSource::Vbva)
    );
    // The host draws the same arrow the software pointer would.
    assert!(display.host_pointer());
    let shape = hal.machine.pointer().shape.clone().expect("arrow uploaded");
    assert_eq!((shape.width, shape.height), (12, 19));
    assert_eq!(shape.rgba[0..4], [0, 0, 0, 0xFF]);

    hal.machine.clear_dirty_updates();
    let dirty = [
        DisplayRect::new(3, 4, 50, 60),
        DisplayRect::new(1000, 700, 24, 68),
    ];
    display.present(&mut hal, &dirty).unwrap();
    assert_eq!(
        host_rects(&hal),
        [host_rect(3, 4, 50, 60), host_rect(1000, 700, 24, 68)]
    );
    display.set_host_pointer_visible(&mut hal, false);
    assert!(!hal.machine.pointer().visible);
    hal.machine.assert_no_protocol_errors();
}

#[test]
fn the_backend_clamps_modes_to_the_framebuffer_area_not_the_whole_vram() {
    // 8 MiB VRAM: 1920×1080×4 = 7.9 MiB fits the VRAM but not VRAM minus the
    // ring and heaps, so the backend must pick something smaller.
    let (mut hal, mut display) = backend(8 * MIB, 1024, 768);
    let info = display.set_mode(&mut hal, 1920, 1080).unwrap();
    let bytes = u64::from(info.pitch) * u64::from(info.height);
    assert!(bytes <= u64::from(display.vbva().framebuffer_capacity()));
    assert!(info.width < 1920 && info.height < 1080, "{info:?}");
    let host = hal.machine.current_mode(0).unwrap();
    assert_eq!((host.width, host.height), (info.width, info.height));
    assert!(hal.machine.vbva().ring_enabled(0));
    hal.machine.assert_no_protocol_errors();
}

#[test]
fn the_backend_turns_a_host_hint_into_one_mode_request() {
    let (mut hal, mut display) = backend(16 * MIB, 1024, 768);
    let mut queue = EventQueue::new();
    // The first poll after a mode set rechecks the hint: none differs, none queued.
    display.poll(&mut hal, 0, &mut queue);
    assert_eq!(queue.take_mode_request(), None);
    hal.machine.resize_hint(ResizeHint::window(0, 1280, 800));
    let fired = hal.take_fired();
    display.poll(&mut hal, fired, &mut queue);
    assert_eq!(queue.take_mode_request(), Some((1280, 800)));
    assert!(!hal.machine.irq_asserted(DeviceId::Vga));
    display.set_mode(&mut hal, 1280, 800).unwrap();
    display.poll(&mut hal, 0, &mut queue);
    assert_eq!(
        queue.take_mode_request(),
        None,
        "the applied hint is not repeated"
    );
    assert_eq!(hal.machine.current_mode(0).unwrap().width, 1280);
    hal.machine.assert_no_protocol_errors();
}

#[test]
fn a_hint_sent_while_the_host_had_vbva_off_is_queried_when_it_is_back() {
    // Soak seed 6 step 13876: a ring error made the host drop VBVA and our caps; a
    // hint then raised no IRQ, and was applied only when a later one did.
    let (mut hal, mut display) = backend(16 * MIB, 1024, 768);
    let mut queue = EventQueue::new();
    display.poll(&mut hal, 0, &mut queue);
    assert_eq!(queue.take_mode_request(), None);
    let ring = display.vbva().layout().ring.offset as usize;
    hal.vram().write_u32(ring + 276, 100);
    hal.machine.refresh_display();
    assert_eq!(hal.machine.take_protocol_errors().len(), 1);
    hal.vram().write_u32(ring + 276, 0);
    hal.machine.resize_hint(ResizeHint::window(0, 1280, 800));
    assert!(!hal.machine.irq_asserted(DeviceId::Vga), "no caps, no IRQ");
    let fired = hal.take_fired();
    display.poll(&mut hal, fired, &mut queue);
    assert_eq!(queue.take_mode_request(), None);
    // The next frame switches VBVA back on; the poll after it asks for the hint.
    display
        .present(&mut hal, &[DisplayRect::new(0, 0, 8, 8)])
        .unwrap();
    assert!(hal.machine.vbva().ring_enabled(0));
    let fired = hal.take_fired();
    display.poll(&mut hal, fired, &mut queue);
    assert_eq!(queue.take_mode_request(), Some((1280, 800)));
    hal.machine.assert_no_protocol_errors();
}

#[test]
fn an_error_page_drawn_at_a_fault_reaches_the_host_with_vbva_switched_off() {
    // The fault path draws into VRAM without ring records: the host would keep the
    // last frame. The handover switches VBVA off with a command built in place.
    let (mut hal, mut display) = backend(16 * MIB, 800, 600);
    display
        .present(&mut hal, &[DisplayRect::new(0, 0, 800, 600)])
        .unwrap();
    let handover = display.fault_handover();
    assert_eq!(handover.name(), "vbva-off");
    // Leave a half-built command in the guest heap, as a fault in the driver might.
    let heap = display.vbva().layout().guest_heap;
    hal.vram().write_u32(heap.offset as usize, 0xDEAD_BEEF);
    let page = vitrine::recovery::ErrorPage {
        what: "page fault",
        fields: "vector=14",
        restarts: 2,
        restart_in: None,
        staying_because: Some("too many quick restarts in a row"),
    };
    vitrine::recovery::draw_error_page(display.canvas(), &page);
    let error_colour = |image: &twin::host_view::Image| {
        let bg = vitrine::recovery::ERROR_BACKGROUND;
        (0..600)
            .flat_map(|y| (0..800).map(move |x| (x, y)))
            .filter(|&(x, y)| image.pixel(x, y) == [bg.r(), bg.g(), bg.b(), 0xFF])
            .count()
    };
    assert_eq!(error_colour(&hal.machine.host_view(0)), 0, "not shown yet");
    handover.before_page(&mut hal);
    assert!(handover.after_page(&mut hal));
    assert!(!hal.machine.vbva().ring_enabled(0), "VBVA off");
    let shown = error_colour(&hal.machine.host_view(0));
    assert!(shown > 800 * 600 * 7 / 10, "{shown} error-coloured pixels");
    hal.machine.assert_no_protocol_errors();
}

// ---- The runtime loop on the VBVA backend ----

/// Draws a 16×16 marker in the bottom-right corner after each resize; counts redraws.
#[derive(Default)]
struct CornerMarker {
    resized_to: Option<(u32, u32)>,
    redraws: u32,
}

impl App for CornerMarker {
    fn event(&mut self, event: &Event, _info: &SystemInfo) -> bool {
        if let Event::Resize { width, height } = *event {
            self.resized_to = Some((width, height));
            return true;
        }
        false
    }
    fn draw<D: DrawTarget<Color = Rgb888>>(&mut self, target: &mut D, _info: &SystemInfo) {
        if let Some((w, h)) = self.resized_to.take() {
            self.redraws += 1;
            let corner = rect(w as i32 - 16, h as i32 - 16, 16, 16);
            let _ = target.fill_solid(&corner, Rgb888::new(0, 0xFF, 0));
        }
    }
}

#[test]
fn a_resize_storm_through_the_runtime_ends_in_the_last_hint_with_one_redraw_each() {
    let (mut hal, display) = backend(32 * MIB, 1024, 768);
    let mut runtime = Runtime::new(
        &mut hal,
        display,
        CornerMarker::default(),
        (),
        RuntimeConfig::default(),
    );
    runtime.step(&mut hal); // the first frame, at the boot mode
    let sizes = [
        (800, 600),
        (1024, 700),
        (640, 480),
        (720, 576),
        (3840, 2160),
    ];
    let mut applied = 0u64;
    let mut step = |hal: &mut TwinHal, runtime: &mut Runtime<VbvaDisplay, CornerMarker, ()>| {
        let before = runtime.info().counts.resizes;
        runtime.step(hal);
        applied += runtime.info().counts.resizes - before;
    };
    for burst in 0..40u32 {
        // 25 hints between loop iterations: the latest must win.
        let mut last = (0, 0);
        for i in 0..25u32 {
            let (w, h) = sizes[((burst * 25 + i) % sizes.len() as u32) as usize];
            last = (w - (burst + i) % 4, h);
            hal.machine
                .resize_hint(ResizeHint::window(0, last.0, last.1));
        }
        step(&mut hal, &mut runtime);
        let mode = runtime.display().mode();
        let capacity = runtime.display().vbva().framebuffer_capacity();
        if last.0 * last.1 * 4 <= capacity {
            assert_eq!(
                (mode.width, mode.height),
                last,
                "burst {burst}: latest hint"
            );
        } else {
            // 3840×2160 does not fit 32 MiB minus the HGSMI areas: clamped to fit.
            assert!(mode.pitch * mode.height <= capacity && mode.width < last.0);
        }
    }
    hal.machine.resize_hint(ResizeHint::window(0, 1280, 720));
    step(&mut hal, &mut runtime);
    let mode = runtime.display().mode();
    assert_eq!((mode.width, mode.height), (1280, 720));
    assert!(applied >= 30, "most bursts change the mode: {applied}");
    assert_eq!(
        u64::from(runtime.app().redraws),
        applied + 1,
        "one redraw per mode"
    );
    let host = hal.machine.current_mode(0).unwrap();
    assert_eq!((host.width, host.height), (1280, 720));
    let vbva = runtime.display().vbva();
    assert_eq!(vbva.free_heap_blocks(), vbva.heap_blocks());
    // The host picture shows the marker in the corner of the final mode.
    let view = hal.machine.host_view(0);
    assert_eq!(view.pixel(1279, 719), [0, 0xFF, 0, 0xFF]);
    assert_eq!(view.pixel(1279 - 16, 719), [0, 0, 0, 0xFF]);
    hal.machine.assert_no_protocol_errors();
}

#[test]
fn boot_picks_vbva_on_virtualbox_and_falls_back_to_vbe_when_hgsmi_is_dead() {
    vitrine::status::set_sink(capture_status);
    let mut hal = TwinHal::new(config(16 * MIB, 1));
    let pci = vga_pci(&hal);
    let display = init_display(&mut hal, Some(&pci), None, request_800x600()).unwrap();
    assert!(matches!(display, SystemDisplay::Vbva(_)));
    assert_eq!(display.backend_name(), "vbva");
    assert!(display.host_pointer_capable());
    assert_eq!(
        hal.machine.current_mode(0).unwrap().source,
        ModeSource::Vbva
    );
    hal.machine.assert_no_protocol_errors();

    let mut dead = TwinHal::new(config(16 * MIB, 1));
    dead.swallow.push(QUERY_CONF32);
    let pci = vga_pci(&dead);
    let display = init_display(&mut dead, Some(&pci), None, request_800x600()).unwrap();
    assert_eq!(display.backend_name(), "vbe");
    assert_eq!(display.mode().width, 800);
    assert!(!display.host_pointer_capable());
    assert!(
        !dead.machine.vbva().ring_enabled(0),
        "the host refreshes by itself"
    );
    assert!(STATUS_LINES
        .lock()
        .unwrap()
        .iter()
        .any(|l| l.starts_with("@vitrine display unavailable backend=vbva error=")));
}

fn request_800x600() -> vitrine::display::boot::DisplayRequest {
    vitrine::display::boot::DisplayRequest {
        mode: (800, 600),
        integration: true,
        virtualbox: true,
        choice: Default::default(),
    }
}
