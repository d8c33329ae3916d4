//! SVGA II register and FIFO replies: the SVGA display backend (probe, mode set,
//! UPDATEs through the FIFO, SYNC/BUSY waits, the hardware cursor) against the
//! twin's SVGA device, with the fuzzer choosing register values the driver reads,
//! rewriting the FIFO's registers and ring, and stalling the host's worker.

use crate::hostile::{small_machine, HostileTwin};
use twin::machine::GraphicsController;
use twin::svga::{SvgaFault, SvgaHost};
use vitrine::display::svga::SvgaDisplay;
use vitrine::display::Display;
use vitrine::runtime::EventQueue;

pub const TARGET: crate::Target = crate::Target {
    name: "svga",
    about: "SVGA II registers and FIFO as the host leaves them -> the SVGA display backend",
    run,
    seeds,
};

const MAX_OPS: usize = 48;
/// Bytes of FIFO registers (SVGA_FIFO_NUM_REGS words) the host may rewrite.
const FIFO_REGISTER_BYTES: u32 = 291 * 4;
/// FIFO sizes to try: a large one (VirtualBox has 2 MiB, but the twin clears the
/// whole FIFO at reset, which at 2 MiB costs more than the rest of a run), QEMU's
/// 64 KiB, and one too small to use.
const FIFO_SIZES: [u32; 3] = [256 << 10, 64 << 10, 8 << 10];

fn run(data: &[u8]) {
    let (graphics, svga_host, fifo_size) = match data.first() {
        Some(&b) => (
            if b & 1 == 0 {
                GraphicsController::VmSvga
            } else {
                GraphicsController::VBoxSvga
            },
            if b & 2 == 0 {
                SvgaHost::VirtualBox
            } else {
                SvgaHost::Qemu
            },
            FIFO_SIZES[usize::from(b >> 2) % FIFO_SIZES.len()],
        ),
        None => return,
    };
    let config = twin::MachineConfig {
        graphics,
        svga_host,
        svga_fifo_size: fifo_size,
        ..small_machine()
    };
    let mut host = HostileTwin::with_config(&data[1..], config);
    if data[0] & 0x10 != 0 {
        // The script answers the start-up's register reads (capabilities, sizes,
        // the mode read back).
        host.script_svga_reads(64);
    }
    let vga = host.find_vga();
    // A small first mode: every mode set clears the visible part of VRAM.
    let Ok(mut display) = SvgaDisplay::new(&mut host, &vga, 320, 240) else {
        return;
    };
    let fifo_phys = u64::from(host.twin.machine.config().svga_fifo_base);
    let mut queue = EventQueue::default();
    for _ in 0..MAX_OPS {
        if !host.scripted() {
            break;
        }
        match host.script.arbitrary::<u8>().unwrap_or(0) % 9 {
            0 | 1 => {
                let dirty = host.scripted_rects();
                let _ = display.present(&mut host, &dirty);
            }
            2 => {
                let width = host.script.int_in_range(0..=4000).unwrap_or(640);
                let height = host.script.int_in_range(0..=4000).unwrap_or(480);
                let _ = display.set_mode(&mut host, width, height);
            }
            3 => host.patch_memory(fifo_phys, FIFO_REGISTER_BYTES),
            4 => host.patch_memory(fifo_phys, fifo_size),
            5 => {
                let fault = match host.script.int_in_range(0..=2u8).unwrap_or(0) {
                    0 => SvgaFault::None,
                    1 => SvgaFault::WorkerStuck,
                    _ => SvgaFault::BusyStuck,
                };
                if let Some(svga) = host.twin.machine.svga_mut() {
                    svga.set_fault(fault);
                }
            }
            6 => {
                let step = host.script.int_in_range(0..=50_000u64).unwrap_or(0);
                host.twin.machine.advance(step);
                display.poll(&mut host, 0, &mut queue);
                while queue.pop().is_some() {}
            }
            7 => {
                let visible = host.script.arbitrary().unwrap_or(true);
                display.show_host_pointer(&mut host, visible);
            }
            _ => {
                // The next operation's register reads (BUSY, the mode read back,
                // IRQ status) come from the script.
                let reads = host.script.int_in_range(1..=32).unwrap_or(1);
                host.script_svga_reads(reads);
            }
        }
        // Whatever the host answered, the canvas stays inside VRAM.
        let mode = display.mode();
        assert!(
            u64::from(mode.width) * 4 <= u64::from(mode.pitch)
                && u64::from(mode.pitch) * u64::from(mode.height)
                    <= u64::from(mode.vram_kib) * 1024,
            "mode {mode:?} does not fit its VRAM"
        );
    }
}

fn seeds() -> Vec<Vec<u8>> {
    // Each personality, host and FIFO size; then every operation once, untampered.
    let mut seeds = Vec::new();
    for config in 0..12u8 {
        let mut seed = vec![config];
        for op in 0..9u8 {
            seed.push(op);
            seed.extend_from_slice(&[0; 8]);
        }
        seeds.push(seed);
    }
    seeds
}
