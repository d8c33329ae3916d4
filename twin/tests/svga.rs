//! The twin's SVGA II device, checked against `shared/spec/vmsvga.md` with hand-built
//! register sequences and FIFO contents (not from any driver).

use twin::machine::{GraphicsController, Machine, MachineConfig, Width};
use twin::svga::{SvgaFault, SvgaHost};

const FIFO_BASE: u64 = 0xF080_0000;
const VRAM_BASE: u64 = 0xE000_0000;

fn machine(graphics: GraphicsController, host: SvgaHost, vram_mib: u32) -> Machine {
    let fifo_size = if host == SvgaHost::Qemu {
        64 << 10
    } else {
        2 << 20
    };
    Machine::new(MachineConfig {
        vram_size: vram_mib << 20,
        ram_size: 4 << 20,
        graphics,
        svga_host: host,
        svga_fifo_size: fifo_size,
        ..MachineConfig::default()
    })
}

fn vmsvga() -> Machine {
    machine(GraphicsController::VmSvga, SvgaHost::VirtualBox, 16)
}

/// The SVGA I/O BAR of the personality (section 1).
fn io(m: &Machine) -> u16 {
    let bar = if m.config().graphics == GraphicsController::VmSvga {
        0x10
    } else {
        0x14
    };
    (m.pci_read(0, 2, 0, bar) & !3) as u16
}

fn read(m: &mut Machine, index: u32) -> u32 {
    let base = io(m);
    m.port_out(base, Width::W32, index);
    m.port_in(base + 1, Width::W32)
}

fn write(m: &mut Machine, index: u32, value: u32) {
    let base = io(m);
    m.port_out(base, Width::W32, index);
    m.port_out(base + 1, Width::W32, value);
}

fn fifo_get(m: &mut Machine, index: u32) -> u32 {
    let mut b = [0u8; 4];
    m.read_phys(FIFO_BASE + u64::from(index) * 4, &mut b);
    u32::from_le_bytes(b)
}

fn fifo_set(m: &mut Machine, index: u32, value: u32) {
    m.write_phys(FIFO_BASE + u64::from(index) * 4, &value.to_le_bytes());
}

/// FIFO MIN/MAX/NEXT/STOP and CONFIG_DONE, as section 13 step 4 says.
fn configure_fifo(m: &mut Machine, min: u32, max: u32) {
    fifo_set(m, 0, min);
    fifo_set(m, 1, max);
    fifo_set(m, 2, min);
    fifo_set(m, 3, min);
    write(m, 20, 1);
}

/// Writes words at NEXT_CMD (wrapping at MAX) and advances NEXT_CMD.
fn push(m: &mut Machine, words: &[u32]) {
    let (min, max) = (fifo_get(m, 0), fifo_get(m, 1));
    let mut next = fifo_get(m, 2);
    for w in words {
        m.write_phys(FIFO_BASE + u64::from(next), &w.to_le_bytes());
        next += 4;
        if next >= max {
            next = min;
        }
    }
    fifo_set(m, 2, next);
}

/// SYNC, then BUSY until 0 (section 13 step 5).
fn sync(m: &mut Machine) -> u32 {
    write(m, 21, 1);
    read(m, 22)
}

fn set_mode(m: &mut Machine, w: u32, h: u32) {
    write(m, 0, 0x9000_0002);
    configure_fifo(m, 4096, 65536);
    write(m, 2, w);
    write(m, 3, h);
    write(m, 7, 32);
    write(m, 1, 1);
    assert_eq!(sync(m), 0);
}

#[test]
fn virtualbox_registers_after_power_on() {
    let mut m = vmsvga();
    assert_eq!(read(&mut m, 0), 0, "ID reads 0 until written");
    write(&mut m, 0, 0x9000_0002);
    assert_eq!(read(&mut m, 0), 0x9000_0002);
    write(&mut m, 0, 0x1234);
    assert_eq!(read(&mut m, 0), 0x9000_0002, "other ids are ignored");
    assert_eq!(read(&mut m, 17), 0x01F6_82E2);
    assert_eq!(read(&mut m, 30), 291);
    assert_eq!(read(&mut m, 29), 256);
    assert_eq!(read(&mut m, 28), 32);
    assert_eq!((read(&mut m, 4), read(&mut m, 5)), (2048, 2048), "16 MiB");
    assert_eq!(read(&mut m, 15), 16 << 20);
    assert_eq!(read(&mut m, 19), 2 << 20);
    assert_eq!(u64::from(read(&mut m, 13)), VRAM_BASE);
    assert_eq!(u64::from(read(&mut m, 18)), FIFO_BASE);
    assert_eq!(fifo_get(&mut m, 4), 0x355, "FIFO caps");
    assert_eq!(fifo_get(&mut m, 15), 0xFFFF_FFFF, "CURSOR_SCREEN_ID");
    let mut big = machine(GraphicsController::VmSvga, SvgaHost::VirtualBox, 32);
    assert_eq!(read(&mut big, 4), 2816, "32 MiB");
    // Registers 9..11 follow bpp; 16 bpp gives the 5:6:5 masks.
    write(&mut m, 7, 16);
    assert_eq!(
        (read(&mut m, 9), read(&mut m, 10), read(&mut m, 11)),
        (0x1F, 0x7E0, 0xF800)
    );
    assert_eq!(read(&mut m, 6), 16);
    m.take_protocol_errors();
}

#[test]
fn personalities_have_their_ids_and_bar_layouts() {
    let m = vmsvga();
    assert_eq!(m.pci_read(0, 2, 0, 0), 0x0405_15AD);
    assert_eq!(m.pci_read(0, 2, 0, 0x2C), 0x0405_15AD);
    assert_eq!(m.pci_read(0, 2, 0, 0x10) & 1, 1, "BAR0 I/O");
    assert_eq!(u64::from(m.pci_read(0, 2, 0, 0x14) & !0xF), VRAM_BASE);
    assert_eq!(m.pci_read(0, 2, 0, 0x18) & 0x8, 0, "FIFO not prefetchable");
    let m = machine(GraphicsController::VBoxSvga, SvgaHost::VirtualBox, 16);
    assert_eq!(m.pci_read(0, 2, 0, 0), 0xBEEF_80EE);
    assert_eq!(m.pci_read(0, 2, 0, 0x2C), 0x0405_15AD);
    assert_eq!(u64::from(m.pci_read(0, 2, 0, 0x10) & !0xF), VRAM_BASE);
    assert_eq!(m.pci_read(0, 2, 0, 0x14) & 1, 1, "BAR1 I/O");
    let m = machine(GraphicsController::VBoxVga, SvgaHost::VirtualBox, 16);
    assert_eq!(m.pci_read(0, 2, 0, 0x2C), 0, "VBoxVGA has no subsystem");
    assert!(m.svga().is_none());
}

#[test]
fn only_32_bit_accesses_count() {
    let mut m = vmsvga();
    let base = io(&m);
    assert_eq!(m.port_in(base + 1, Width::W16), 0xFFFF_FFFF);
    assert_eq!(m.port_in(base + 2, Width::W32), 0, "BIOS port");
    assert_eq!(
        m.port_in(base + 4, Width::W32),
        0xFFFF_FFFF,
        "unknown offset"
    );
    assert_eq!(m.take_protocol_errors().len(), 1);
    write(&mut m, 5000, 1);
    assert_eq!(read(&mut m, 5000), 0, "index beyond the scratch registers");
}

#[test]
fn enable_saves_and_zeroes_512_kib_and_disable_restores_them() {
    let mut m = vmsvga();
    m.write_phys(VRAM_BASE, &[0xAB; 64]);
    m.write_phys(VRAM_BASE + 600 * 1024, &[0xCD; 4]);
    set_mode(&mut m, 800, 600);
    let mut b = [0u8; 4];
    m.read_phys(VRAM_BASE, &mut b);
    assert_eq!(b, [0; 4], "zeroed");
    m.read_phys(VRAM_BASE + 600 * 1024, &mut b);
    assert_eq!(b, [0xCD; 4], "beyond 512 KiB untouched");
    m.write_phys(VRAM_BASE, &[0x11; 4]);
    write(&mut m, 1, 0);
    m.read_phys(VRAM_BASE, &mut b);
    assert_eq!(b, [0xAB; 4], "restored over what was drawn");
    assert!(m.svga().unwrap().traces(), "disable forces TRACES on");
    m.assert_no_protocol_errors();
}

#[test]
fn mode_changes_are_deferred_to_the_fifo_worker() {
    let mut m = vmsvga();
    set_mode(&mut m, 800, 600);
    assert_eq!(
        m.current_mode(0).map(|d| (d.width, d.height)),
        Some((800, 600))
    );
    write(&mut m, 2, 1024);
    write(&mut m, 3, 768);
    assert_eq!(read(&mut m, 2), 1024, "read back at once");
    assert_eq!(read(&mut m, 12), 4096, "pitch follows the registers");
    assert_eq!(
        m.current_mode(0).map(|d| d.width),
        Some(800),
        "not applied yet"
    );
    assert_eq!(sync(&mut m), 0);
    assert_eq!(
        m.current_mode(0).map(|d| (d.width, d.height)),
        Some((1024, 768))
    );
    // Without SYNC the worker's idle sleeps grow to 15 s: the change shows late.
    for _ in 0..20 {
        m.advance(20_000);
    }
    write(&mut m, 2, 640);
    write(&mut m, 3, 480);
    m.advance(5_000_000);
    assert_eq!(
        m.current_mode(0).map(|d| d.width),
        Some(1024),
        "worker asleep"
    );
    m.advance(10_100_000);
    assert_eq!(
        m.current_mode(0).map(|d| d.width),
        Some(640),
        "after the long sleep"
    );
    // Beyond MAX_WIDTH: ignored (and logged by the twin).
    write(&mut m, 2, 5000);
    assert_eq!(read(&mut m, 2), 640);
    assert_eq!(m.take_protocol_errors().len(), 1);
    let modes: Vec<u32> = m
        .svga()
        .unwrap()
        .mode_changes()
        .iter()
        .map(|s| s.width)
        .collect();
    assert_eq!(modes, [800, 1024, 640]);
}

#[test]
fn sync_needs_enable_and_config_done() {
    let mut m = vmsvga();
    write(&mut m, 0, 0x9000_0002);
    write(&mut m, 21, 1);
    assert_eq!(read(&mut m, 22), 0, "not enabled: SYNC ignored");
    write(&mut m, 1, 1);
    write(&mut m, 21, 1);
    assert_eq!(read(&mut m, 22), 0, "no CONFIG_DONE: SYNC ignored");
}

#[test]
fn update_commands_repaint_only_their_rectangle_and_wrap_at_max() {
    let mut m = vmsvga();
    set_mode(&mut m, 800, 600);
    let red = 0x00FF_0000u32.to_le_bytes();
    for y in 0..600u64 {
        for x in 0..800u64 {
            m.write_phys(VRAM_BASE + y * 3200 + x * 4, &red);
        }
    }
    // TRACES is off: without UPDATE the window stays black.
    assert_eq!(m.host_view(0).pixel(10, 10), [0, 0, 0, 0xFF]);
    // Put NEXT_CMD 8 bytes before MAX, so the UPDATE wraps.
    fifo_set(&mut m, 2, 65536 - 8);
    fifo_set(&mut m, 3, 65536 - 8);
    push(&mut m, &[1, 0, 0, 20, 20]);
    assert_eq!(sync(&mut m), 0);
    assert_eq!(
        fifo_get(&mut m, 3),
        4096 + 12,
        "STOP after the wrapped command"
    );
    let view = m.host_view(0);
    assert_eq!(view.pixel(10, 10), [0xFF, 0, 0, 0xFF]);
    assert_eq!(view.pixel(30, 30), [0, 0, 0, 0xFF], "outside the rectangle");
    assert_eq!(m.svga().unwrap().updates().len(), 1);
    // TRACES on: the refresh repaints everything.
    write(&mut m, 45, 1);
    assert_eq!(m.host_view(0).pixel(30, 30), [0xFF, 0, 0, 0xFF]);
    m.assert_no_protocol_errors();
}

#[test]
fn malformed_commands_desynchronise_as_on_the_host() {
    let mut m = vmsvga();
    set_mode(&mut m, 800, 600);
    // Unknown id 7: only the id is skipped, its "payload" 1 = UPDATE is then parsed.
    push(&mut m, &[7, 1, 1, 2, 3, 4]);
    sync(&mut m);
    let u = m.svga().unwrap().updates()[0];
    assert_eq!((u.x, u.y, u.width, u.height), (1, 2, 3, 4));
    assert_eq!(m.take_protocol_errors().len(), 1);
    // DEFINE_CURSOR 4096 wide: the 28-byte header only; then INVALID_CMD words.
    push(&mut m, &[19, 0, 0, 0, 4096, 1, 1, 1, 0, 0]);
    sync(&mut m);
    assert!(m.pointer().shape.is_none());
    // A mask depth of 7: the whole command goes, no cursor.
    push(&mut m, &[19, 0, 0, 0, 1, 1, 7, 32, 0, 0]);
    sync(&mut m);
    assert!(m.pointer().shape.is_none());
    m.take_protocol_errors();
    // A FIFO with MIN < 16 is ignored.
    fifo_set(&mut m, 0, 8);
    push(&mut m, &[1, 0, 0, 1, 1]);
    let before = m.svga().unwrap().updates().len();
    sync(&mut m);
    assert_eq!(m.svga().unwrap().updates().len(), before);
    assert!(!m.take_protocol_errors().is_empty());
}

#[test]
fn a_payload_length_near_4_gib_skips_only_the_id() {
    let mut m = vmsvga();
    set_mode(&mut m, 800, 600);
    // ESCAPE (33) with a size of 0xFFFF_FFFD: larger than the ring (section 5.4),
    // so only its id goes and the "payload" words are parsed as commands: 0 is
    // INVALID_CMD, 0xFFFF_FFFD a 3D id (≥ 1040) with a 0-byte body, then an UPDATE.
    push(&mut m, &[33, 0, 0xFFFF_FFFD, 0, 1, 5, 6, 7, 8]);
    sync(&mut m);
    let u = *m.svga().unwrap().updates().last().unwrap();
    assert_eq!((u.x, u.y, u.width, u.height), (5, 6, 7, 8));
    assert!(!m.take_protocol_errors().is_empty());
}

#[test]
fn a_refused_header_is_skipped_only_once_next_cmd_covers_it() {
    let mut m = vmsvga();
    set_mode(&mut m, 800, 600);
    m.take_protocol_errors();
    let stop = fifo_get(&mut m, 3);
    // DEFINE_CURSOR 4096 wide (refused: its 32-byte header is skipped), of which
    // only 20 bytes are in the ring so far.
    push(&mut m, &[19, 0, 0, 0, 4096]);
    sync(&mut m);
    assert_eq!(
        fifo_get(&mut m, 3),
        stop,
        "STOP waits for the rest of the header"
    );
    push(&mut m, &[1, 1, 1]);
    sync(&mut m);
    assert_eq!(
        fifo_get(&mut m, 3),
        fifo_get(&mut m, 2),
        "then the header is skipped"
    );
    m.take_protocol_errors();
}

#[test]
fn a_huge_qemu_cursor_is_larger_than_the_ring() {
    let mut m = machine(GraphicsController::VmSvga, SvgaHost::Qemu, 16);
    set_mode(&mut m, 800, 600);
    // DEFINE_CURSOR 65535×65535 (QEMU mode has no size check before the length):
    // its length saturates, exceeds the ring, and only the id is skipped.
    push(&mut m, &[19, 0, 0, 0, 0xFFFF, 0xFFFF, 1, 32]);
    sync(&mut m);
    assert!(m.pointer().shape.is_none());
    m.take_protocol_errors();
}

#[test]
fn a_qemu_cursor_whose_scanline_bits_saturate_is_larger_than_the_ring() {
    let mut m = machine(GraphicsController::VmSvga, SvgaHost::Qemu, 16);
    set_mode(&mut m, 800, 600);
    // QEMU mode checks no XOR depth before the length: 0xFFFFFFFF wide at depth
    // 0xFFFFFFFF has a scanline of 2^64 bits, which overflowed the padding to 32
    // (svga fuzz finding). Its length saturates and only the id is skipped.
    push(&mut m, &[19, 0, 0, 0, u32::MAX, 1, 1, u32::MAX]);
    sync(&mut m);
    assert!(m.pointer().shape.is_none());
    m.take_protocol_errors();
}

#[test]
fn fence_irq_and_acknowledge() {
    let mut m = vmsvga();
    set_mode(&mut m, 800, 600);
    write(&mut m, 33, 1); // IRQMASK = ANY_FENCE
    push(&mut m, &[30, 0x55]);
    sync(&mut m);
    assert_eq!(fifo_get(&mut m, 6), 0x55, "FIFO_FENCE");
    assert_eq!(m.svga().unwrap().fences(), [0x55]);
    assert_ne!(m.asserted_lines() & (1 << 10), 0, "INTA on line 10");
    let base = io(&m);
    assert_eq!(m.port_in(base + 8, Width::W32), 1);
    m.port_out(base + 8, Width::W32, 1);
    assert_eq!(m.asserted_lines() & (1 << 10), 0);
    m.assert_no_protocol_errors();
}

#[test]
fn cursors_are_drawn_by_the_host() {
    let mut m = vmsvga();
    set_mode(&mut m, 800, 600);
    m.set_mouse_integration(true);
    // 2×1 alpha cursor: opaque red, transparent.
    push(&mut m, &[22, 0, 1, 0, 2, 1, 0xFFFF_0000, 0]);
    sync(&mut m);
    let shape = m.pointer().shape.clone().unwrap();
    assert_eq!((shape.width, shape.hot_x), (2, 1));
    assert_eq!(&shape.rgba[..8], &[0xFF, 0, 0, 0xFF, 0, 0, 0, 0]);
    assert!(m.pointer().visible);
    write(&mut m, 27, 0);
    assert!(!m.pointer().visible, "CURSOR_ON 0 hides");
    // 1/32-bpp masked 2×1: AND 0b01 (second pixel transparent), XOR blue, black.
    push(
        &mut m,
        &[19, 0, 0, 0, 2, 1, 1, 32, 0x0000_0040, 0x0000_00FF, 0],
    );
    sync(&mut m);
    let shape = m.pointer().shape.clone().unwrap();
    assert_eq!(&shape.rgba[..8], &[0, 0, 0xFF, 0xFF, 0, 0, 0, 0]);
    assert!(m.pointer().visible, "a definition shows the cursor");
    m.assert_no_protocol_errors();
}

#[test]
fn a_stuck_worker_keeps_busy_set() {
    let mut m = vmsvga();
    set_mode(&mut m, 800, 600);
    m.svga_mut().unwrap().set_fault(SvgaFault::WorkerStuck);
    push(&mut m, &[1, 0, 0, 1, 1]);
    assert_eq!(sync(&mut m), 1);
    assert_eq!(read(&mut m, 22), 1);
    m.svga_mut().unwrap().set_fault(SvgaFault::None);
    assert_eq!(read(&mut m, 22), 0);
}

#[test]
fn qemu_mode_differs_where_section_11_says() {
    let mut m = machine(GraphicsController::VmSvga, SvgaHost::Qemu, 16);
    assert_eq!(read(&mut m, 0), 0x9000_0002, "SVGA_ID_2 after reset");
    assert_eq!(read(&mut m, 17), 0xE3);
    m.svga_mut().unwrap().set_qemu_cursor_ui(false);
    assert_eq!(
        read(&mut m, 17),
        0x3,
        "no cursor caps without a cursor-drawing UI"
    );
    m.svga_mut().unwrap().set_qemu_cursor_ui(true);
    assert_eq!(read(&mut m, 30), 0, "MEM_REGS reads 0");
    assert_eq!((read(&mut m, 4), read(&mut m, 5)), (2368, 1770));
    assert_eq!(m.pci_read(0, 2, 0, 0x18) & 0x8, 0x8, "FIFO prefetchable");
    assert_eq!(m.pci_read(0, 2, 0, 0x3C) >> 8 & 0xFF, 0, "no interrupt pin");
    let base = io(&m);
    assert_eq!(m.port_in(base + 2, Width::W32), 0xCAFE);
    assert_eq!(m.port_in(base + 8, Width::W32), 0xFFFF_FFFF, "no IRQ port");
    // A ring smaller than 10 KiB is ignored.
    write(&mut m, 1, 1);
    configure_fifo(&mut m, 4096, 8192);
    write(&mut m, 2, 800);
    write(&mut m, 3, 600);
    push(&mut m, &[1, 0, 0, 1, 1]);
    write(&mut m, 21, 1);
    assert!(m.svga().unwrap().updates().is_empty());
    assert!(!m.take_protocol_errors().is_empty());
    // A good ring: processed synchronously in the SYNC write; UPDATE is clipped,
    // an invalid one becomes the whole screen; FENCE is one word, its value a command.
    configure_fifo(&mut m, 16, 65536);
    push(&mut m, &[1, 790, 0, 100, 1, 30, 1, 0, 0, 5, 5]);
    write(&mut m, 21, 1);
    assert_eq!(read(&mut m, 22), 0);
    let u: Vec<(u32, u32)> = m
        .svga()
        .unwrap()
        .updates()
        .iter()
        .map(|u| (u.width, u.height))
        .collect();
    assert_eq!(u, [(800, 600), (5, 5)]);
    // bpp 16 clears CONFIG_DONE.
    write(&mut m, 7, 16);
    assert_eq!(read(&mut m, 20), 0);
    assert_eq!(read(&mut m, 7), 32);
    m.take_protocol_errors();
}
