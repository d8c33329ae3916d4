//! The SVGA II driver and display backend against the twin's SVGA device: detection
//! and set-up on both personalities and in QEMU mode, a full ring that loses no
//! rectangle, the host cursor, refused modes and bad configurations.

#[path = "support/twin_hal.rs"]
mod twin_hal;

use embedded_graphics::geometry::{Point, Size};
use embedded_graphics::pixelcolor::Rgb888;
use embedded_graphics::prelude::DrawTarget;
use embedded_graphics::primitives::Rectangle;
use twin::machine::{GraphicsController, MachineConfig};
use twin::svga::{SvgaFault, SvgaHost};
use twin_hal::TwinHal;
use vitrine::display::pointer::{arrow_argb, ARROW_WIDTH};
use vitrine::display::svga::SvgaDisplay;
use vitrine::display::{Display, DisplayError, Rect};
use vitrine::drivers::vga::svga::cursor::{CursorError, CursorImage};
use vitrine::drivers::vga::svga::fifo::FifoError;
use vitrine::drivers::vga::svga::wire::Caps;
use vitrine::drivers::vga::svga::{CursorKind, Svga, SvgaError};
use vitrine::drivers::vga::{PciBar, VgaPciInfo};
use vitrine::hal::PciConfig;

fn hal(graphics: GraphicsController, host: SvgaHost, fifo_size: u32) -> TwinHal {
    TwinHal::new(MachineConfig {
        vram_size: 16 << 20,
        ram_size: 4 << 20,
        graphics,
        svga_host: host,
        svga_fifo_size: fifo_size,
        ..MachineConfig::default()
    })
}

/// The VGA function as the PCI scan would describe it (BAR sizing by hand).
fn pci(hal: &mut TwinHal) -> VgaPciInfo {
    let id = hal.read_config(0, 2, 0, 0);
    let subsystem = hal.read_config(0, 2, 0, 0x2C);
    let mut bars = [PciBar::None; 6];
    for (i, bar) in bars.iter_mut().enumerate().take(3) {
        let offset = 0x10 + 4 * i as u8;
        let value = hal.read_config(0, 2, 0, offset);
        hal.write_config(0, 2, 0, offset, u32::MAX);
        let mask = hal.read_config(0, 2, 0, offset);
        hal.write_config(0, 2, 0, offset, value);
        if mask == 0 {
            continue;
        }
        *bar = if value & 1 == 1 {
            PciBar::Io {
                port: (value & !3) as u16,
                size: (!(mask & !3) & 0xFFFF) + 1,
            }
        } else {
            PciBar::Memory {
                base: u64::from(value & !0xF),
                size: u64::from(!(mask & !0xF)) + 1,
                prefetchable: value & 8 != 0,
            }
        };
    }
    VgaPciInfo {
        vendor: id as u16,
        device: (id >> 16) as u16,
        subsystem: (subsystem as u16, (subsystem >> 16) as u16),
        bars,
    }
}

fn fill(display: &mut SvgaDisplay, x: i32, y: i32, colour: Rgb888) {
    display
        .canvas()
        .fill_solid(&Rectangle::new(Point::new(x, y), Size::new(8, 8)), colour)
        .unwrap();
}

/// The host window equals VRAM (no lost rectangle), outside the host cursor.
fn window_matches_vram(hal: &mut TwinHal) -> usize {
    let screen = hal.machine.svga().unwrap().screen().unwrap();
    let image = hal.machine.host_view(0);
    let mut vram = vec![0u8; (screen.pitch * screen.height) as usize];
    hal.machine.read_phys(0xE000_0000, &mut vram);
    let mut wrong = 0;
    for y in 0..screen.height {
        for x in 20..screen.width {
            let i = (y * screen.pitch + x * 4) as usize;
            if image.pixel(x, y) != [vram[i + 2], vram[i + 1], vram[i], 0xFF] {
                wrong += 1;
            }
        }
    }
    wrong
}

/// What a fault shows: the error page.
fn error_page() -> vitrine::recovery::ErrorPage<'static> {
    vitrine::recovery::ErrorPage {
        what: "panic",
        fields: "msg=\"test\"",
        restarts: 0,
        restart_in: Some(10),
        staying_because: None,
    }
}

#[test]
fn an_error_page_drawn_at_a_fault_reaches_the_window_through_traces() {
    // The fault path draws into VRAM without UPDATE commands; VirtualBox shows
    // nothing of it unless TRACES is on, which the handover sets before drawing.
    for graphics in [GraphicsController::VmSvga, GraphicsController::VBoxSvga] {
        let mut hal = hal(graphics, SvgaHost::VirtualBox, 2 << 20);
        let info = pci(&mut hal);
        let mut display = SvgaDisplay::new(&mut hal, &info, 800, 600).unwrap();
        display.show_host_pointer(&mut hal, false);
        let dirty = display.canvas().take_dirty();
        display.present(&mut hal, &dirty).unwrap();
        let handover = display.fault_handover();
        assert_eq!(handover.name(), "svga-traces", "{graphics:?}");
        // Without the handover the window keeps the old picture.
        vitrine::recovery::draw_error_page(display.canvas(), &error_page());
        assert_ne!(window_matches_vram(&mut hal), 0, "{graphics:?}");
        handover.before_page(&mut hal);
        vitrine::recovery::draw_error_page(display.canvas(), &error_page());
        assert!(handover.after_page(&mut hal));
        assert_eq!(window_matches_vram(&mut hal), 0, "{graphics:?}");
        hal.machine.assert_no_protocol_errors();
    }
}

#[test]
fn both_virtualbox_personalities_come_up_with_the_alpha_cursor() {
    for graphics in [GraphicsController::VmSvga, GraphicsController::VBoxSvga] {
        let mut hal = hal(graphics, SvgaHost::VirtualBox, 2 << 20);
        let info = pci(&mut hal);
        let mut display = SvgaDisplay::new(&mut hal, &info, 1280, 800).unwrap();
        assert_eq!(display.mode().width, 1280);
        let host = hal.machine.current_mode(0).unwrap();
        assert_eq!((host.width, host.height, host.pitch), (1280, 800, 5120));
        assert!(display.host_pointer());
        let shape = hal.machine.pointer().shape.clone().unwrap();
        assert!(
            shape.alpha,
            "{graphics:?}: DEFINE_ALPHA_CURSOR on VirtualBox"
        );
        display.show_host_pointer(&mut hal, false);
        assert!(!hal.machine.pointer().visible);
        let dirty = display.canvas().take_dirty();
        display.present(&mut hal, &dirty).unwrap();
        assert_eq!(window_matches_vram(&mut hal), 0);
        hal.machine.assert_no_protocol_errors();
    }
}

#[test]
fn a_full_ring_carries_rectangles_until_the_host_drains_it() {
    let mut hal = hal(GraphicsController::VmSvga, SvgaHost::VirtualBox, 2 << 20);
    let info = pci(&mut hal);
    let mut display = SvgaDisplay::new(&mut hal, &info, 1024, 768).unwrap();
    let dirty = display.canvas().take_dirty();
    display.present(&mut hal, &dirty).unwrap();
    hal.machine
        .svga_mut()
        .unwrap()
        .set_fault(SvgaFault::WorkerStuck);
    // 60 KiB of ring, 20 bytes per UPDATE: 4000 separate rectangles overflow it.
    for frame in 0..400 {
        let rects: Vec<Rect> = (0..10)
            .map(|i| {
                let (x, y) = (20 + (frame % 100) * 9, i * 70 + frame / 100 * 9);
                fill(
                    &mut display,
                    x as i32,
                    y as i32,
                    Rgb888::new(frame as u8, i as u8, 7),
                );
                Rect::new(x, y, 8, 8)
            })
            .collect();
        display.canvas().take_dirty();
        display.present(&mut hal, &rects).unwrap();
    }
    assert!(display.svga().host_stuck(), "the bounded wait gave up");
    assert!(
        window_matches_vram(&mut hal) > 0,
        "the stuck host showed nothing new"
    );
    hal.machine.svga_mut().unwrap().set_fault(SvgaFault::None);
    hal.machine.advance(20_000);
    display.present(&mut hal, &[]).unwrap();
    hal.machine.advance(20_000);
    assert_eq!(window_matches_vram(&mut hal), 0, "every rectangle arrived");
    hal.machine.take_protocol_errors();
}

#[test]
fn a_smaller_mode_set_while_the_host_is_stuck_is_written_after_the_old_updates() {
    // The host applies mode registers before the commands already queued: written
    // while its worker is stuck, 800x600 would come first and the queued UPDATE at
    // (1200, 700) of the 1280x800 mode would land beyond the new screen.
    for graphics in [GraphicsController::VmSvga, GraphicsController::VBoxSvga] {
        let mut hal = hal(graphics, SvgaHost::VirtualBox, 2 << 20);
        let info = pci(&mut hal);
        let mut display = SvgaDisplay::new(&mut hal, &info, 1280, 800).unwrap();
        let dirty = display.canvas().take_dirty();
        display.present(&mut hal, &dirty).unwrap();
        let stuck = |hal: &mut TwinHal, fault| hal.machine.svga_mut().unwrap().set_fault(fault);
        stuck(&mut hal, SvgaFault::WorkerStuck);
        fill(&mut display, 1200, 700, Rgb888::new(200, 10, 10));
        display.canvas().take_dirty();
        display
            .present(&mut hal, &[Rect::new(1200, 700, 8, 8)])
            .unwrap();
        let mode = display.set_mode(&mut hal, 800, 600).unwrap();
        assert_eq!((mode.width, mode.height), (800, 600), "{graphics:?}");
        fill(&mut display, 100, 100, Rgb888::new(10, 200, 10));
        let dirty = display.canvas().take_dirty();
        display.present(&mut hal, &dirty).unwrap();
        stuck(&mut hal, SvgaFault::None);
        hal.machine.advance(20_000);
        display.present(&mut hal, &[]).unwrap();
        hal.machine.advance(20_000);
        hal.machine.assert_no_protocol_errors();
        let host = hal.machine.current_mode(0).unwrap();
        assert_eq!((host.width, host.height), (800, 600), "{graphics:?}");
        assert_eq!(window_matches_vram(&mut hal), 0, "{graphics:?}");
        assert!(!display.host_behind(), "{graphics:?}");
    }
}

#[test]
fn qemu_mode_gets_a_64_kib_fifo_and_the_masked_cursor() {
    let mut hal = hal(GraphicsController::VmSvga, SvgaHost::Qemu, 64 << 10);
    let info = pci(&mut hal);
    let display = SvgaDisplay::new(&mut hal, &info, 1920, 1080).unwrap();
    assert_eq!(display.svga().fifo().bounds(), (4096, 65536));
    assert_eq!(display.svga().cursor_kind(), Some(CursorKind::Masked));
    let shape = hal.machine.pointer().shape.clone().unwrap();
    assert!(!shape.alpha);
    // Widened to 32 columns so QEMU reads the AND mask's padded scanlines right.
    assert_eq!((shape.width, shape.height), (32, 19));
    for y in 0..19 {
        for x in 0..32 {
            let argb = if x < ARROW_WIDTH { arrow_argb(x, y) } else { 0 };
            let i = ((y * 32 + x) * 4) as usize;
            let expected = if argb >> 24 == 0 {
                [0, 0, 0, 0]
            } else {
                [(argb >> 16) as u8, (argb >> 8) as u8, argb as u8, 0xFF]
            };
            assert_eq!(shape.rgba[i..i + 4], expected, "cursor pixel ({x},{y})");
        }
    }
    hal.machine.assert_no_protocol_errors();
}

#[test]
fn refused_modes_and_bad_devices_fall_back_cleanly() {
    // Too small a FIFO for QEMU's 10 KiB ring: the backend refuses, SVGA stays off.
    let mut small = hal(GraphicsController::VmSvga, SvgaHost::VirtualBox, 8 << 10);
    let info = pci(&mut small);
    let error = SvgaDisplay::new(&mut small, &info, 800, 600).unwrap_err();
    assert!(matches!(
        error,
        DisplayError::Svga(SvgaError::Fifo(FifoError::TooSmall { .. }))
    ));
    assert!(!small.machine.svga().unwrap().enabled());
    // Not an SVGA II function.
    let mut vga = hal(GraphicsController::VBoxVga, SvgaHost::VirtualBox, 2 << 20);
    let info = pci(&mut vga);
    assert!(matches!(
        Svga::probe(&mut vga, &info),
        Err(SvgaError::NotSvga { .. })
    ));
    // A mode beyond MAX_WIDTH is refused by the host: put back, never half-set.
    let mut m = hal(GraphicsController::VmSvga, SvgaHost::VirtualBox, 2 << 20);
    let info = pci(&mut m);
    let mut svga = Svga::probe(&mut m, &info).unwrap();
    svga.set_mode(&mut m, 800, 600).unwrap();
    let error = svga.set_mode(&mut m, 4000, 600).unwrap_err();
    assert!(matches!(error, SvgaError::ModeRejected { .. }));
    assert_eq!(m.machine.current_mode(0).map(|d| d.width), Some(800));
    m.machine.take_protocol_errors();
    // A cursor bigger than both hosts take.
    let big = CursorImage {
        width: 65,
        height: 10,
        hotspot: (0, 0),
        pixel: &|_, _| 0xFF00_0000,
    };
    assert!(matches!(
        svga.define_cursor(&mut m, &big),
        Err(SvgaError::Cursor(CursorError::BadSize { .. }))
    ));
    // Disable: VirtualBox shows VGA/VBE again.
    svga.disable(&mut m);
    assert!(!m.machine.svga().unwrap().enabled());
}

#[test]
fn a_host_that_ignores_the_fifo_is_left_for_the_next_backend() {
    let mut m = hal(GraphicsController::VmSvga, SvgaHost::VirtualBox, 2 << 20);
    m.machine
        .svga_mut()
        .unwrap()
        .set_fault(SvgaFault::FifoRejected);
    let info = pci(&mut m);
    let error = SvgaDisplay::new(&mut m, &info, 1024, 768).unwrap_err();
    assert!(
        matches!(error, DisplayError::Svga(SvgaError::FifoIgnored { .. })),
        "{error:?}"
    );
    assert!(!m.machine.svga().unwrap().enabled(), "SVGA mode left again");
    // The same device with a host that takes the FIFO comes up.
    m.machine.svga_mut().unwrap().set_fault(SvgaFault::None);
    assert!(SvgaDisplay::new(&mut m, &info, 1024, 768).is_ok());
    m.machine.assert_no_protocol_errors();
}

#[test]
fn the_hardware_cursor_moves_shows_and_hides() {
    let mut m = hal(GraphicsController::VmSvga, SvgaHost::VirtualBox, 2 << 20);
    let info = pci(&mut m);
    let mut svga = Svga::probe(&mut m, &info).unwrap();
    svga.set_mode(&mut m, 800, 600).unwrap();
    let arrow = CursorImage {
        width: 2,
        height: 2,
        hotspot: (1, 1),
        pixel: &|_, _| 0xFF00_0000,
    };
    svga.define_cursor(&mut m, &arrow).unwrap();
    svga.move_cursor(&mut m, 321, 123);
    assert_eq!(m.machine.svga().unwrap().cursor_position(), (321, 123));
    assert!(m.machine.pointer().visible);
    assert!(svga.show_cursor(&mut m, false));
    assert!(!m.machine.pointer().visible);
    svga.move_cursor(&mut m, 5, 6);
    assert_eq!(m.machine.svga().unwrap().cursor_position(), (5, 6));
    assert!(m.machine.pointer().visible, "a move shows the cursor again");
    m.machine.assert_no_protocol_errors();
}

#[test]
fn without_cursor_capabilities_the_pointer_stays_in_software() {
    // QEMU with no UI that draws cursors reports RECT_FILL | RECT_COPY only.
    let mut m = hal(GraphicsController::VmSvga, SvgaHost::Qemu, 64 << 10);
    m.machine.svga_mut().unwrap().set_qemu_cursor_ui(false);
    let info = pci(&mut m);
    let mut display = SvgaDisplay::new(&mut m, &info, 1024, 768).unwrap();
    assert_eq!(
        display.svga().caps(),
        Caps::RECT_COPY,
        "RECT_FILL is not a bit we keep"
    );
    assert_eq!(display.svga().cursor_kind(), None);
    assert!(
        !display.host_pointer(),
        "no hardware cursor: software pointer"
    );
    assert!(!display.show_host_pointer(&mut m, true));
    assert!(
        m.machine.pointer().shape.is_none(),
        "no cursor command was sent"
    );
    m.machine.assert_no_protocol_errors();
}

#[test]
fn a_boot_mode_beyond_max_comes_up_at_the_largest_the_host_takes() {
    // QEMU's MAX_WIDTH×MAX_HEIGHT is 2368×1770: the mode is clamped before any
    // register is written (never a half-set mode), and the window shows it whole.
    let mut m = hal(GraphicsController::VmSvga, SvgaHost::Qemu, 64 << 10);
    let info = pci(&mut m);
    let display = SvgaDisplay::new(&mut m, &info, 3840, 2160).unwrap();
    assert_eq!((display.mode().width, display.mode().height), (2368, 1770));
    let host = m.machine.svga().unwrap().screen().unwrap();
    assert_eq!((host.width, host.height), (2368, 1770));
    m.machine.assert_no_protocol_errors();
}
