//! The VirtualBox VGA's host side as the fuzzer leaves it: HGSMI host commands and
//! host flags, VBVA mode hints and the VBVA buffer (ring head and records), read by
//! the real VBVA display backend over [`crate::hostile::HostileTwin`].

use crate::hostile::HostileTwin;
use twin::ModeHint;
use vitrine::display::vbva::VbvaDisplay;
use vitrine::display::Display;
use vitrine::runtime::EventQueue;

/// Which part of the host side an input mostly changes.
#[derive(Clone, Copy)]
pub enum Focus {
    /// Host commands, host flags, the host heap.
    Hgsmi,
    /// The VBVA buffer and presenting through it.
    Ring,
}

const MAX_OPS: usize = 48;

#[derive(Clone, Copy, Debug)]
enum Op {
    HostHint,
    Poll,
    Present,
    HostCommandOffset,
    PatchHostFlags,
    PatchRing,
    PatchHostHeap,
    Pointer,
    SetMode,
}

const HGSMI_OPS: [Op; 8] = [
    Op::HostCommandOffset,
    Op::PatchHostFlags,
    Op::PatchHostHeap,
    Op::Poll,
    Op::HostHint,
    Op::Pointer,
    Op::Present,
    Op::SetMode,
];

const RING_OPS: [Op; 6] = [
    Op::PatchRing,
    Op::Present,
    Op::Poll,
    Op::HostHint,
    Op::SetMode,
    Op::Pointer,
];

/// Runs one input with `focus`.
pub fn run(data: &[u8], focus: Focus) {
    let mut host = HostileTwin::new(data);
    let vga = host.find_vga();
    // A small first mode: the VGA clears height x pitch bytes of VRAM on every mode
    // set, which would otherwise dominate each run.
    let Ok(mut display) = VbvaDisplay::new(&mut host, &vga, 320, 240) else {
        return;
    };
    let vram_phys = u64::from(host.twin.machine.config().vram_base);
    let layout = *display.vbva().layout();
    let mut queue = EventQueue::default();
    let ops: &[Op] = match focus {
        Focus::Hgsmi => &HGSMI_OPS,
        Focus::Ring => &RING_OPS,
    };
    for _ in 0..MAX_OPS {
        if !host.scripted() {
            break;
        }
        let op = ops[usize::from(host.script.arbitrary::<u8>().unwrap_or(0)) % ops.len()];
        match op {
            Op::HostHint => {
                let display_index = host.script.int_in_range(0..=2).unwrap_or(0);
                let hint = ModeHint {
                    cx: host.script.arbitrary().unwrap_or(1024),
                    cy: host.script.arbitrary().unwrap_or(768),
                    bpp: host.script.arbitrary().unwrap_or(32),
                    dx: host.script.arbitrary().unwrap_or(0),
                    dy: host.script.arbitrary().unwrap_or(0),
                    enabled: host.script.arbitrary().unwrap_or(true),
                };
                host.twin.machine.inject_vbva_mode_hint(display_index, hint);
            }
            Op::Poll => {
                display.poll(&mut host, 0, &mut queue);
                if let Some((width, height)) = queue.take_mode_request() {
                    let _ = display.set_mode(&mut host, width, height);
                }
            }
            Op::Present => {
                let dirty = host.scripted_rects();
                let _ = display.present(&mut host, &dirty);
            }
            Op::HostCommandOffset => {
                let offset = host.script.arbitrary().unwrap_or(0);
                host.twin.machine.inject_host_command_offset(offset);
            }
            Op::PatchHostFlags => host.patch_memory(
                vram_phys + u64::from(layout.host_flags.offset),
                layout.host_flags.size,
            ),
            Op::PatchRing => {
                // The head (indices, flags) half the time, anywhere in the buffer else.
                let span = if host.script.arbitrary().unwrap_or(true) {
                    64
                } else {
                    layout.ring.size
                };
                host.patch_memory(vram_phys + u64::from(layout.ring.offset), span)
            }
            Op::PatchHostHeap => {
                if let Some(heap) = layout.host_heap {
                    host.patch_memory(vram_phys + u64::from(heap.offset), heap.size)
                }
            }
            Op::Pointer => {
                let visible = host.script.arbitrary().unwrap_or(true);
                display.show_host_pointer(&mut host, visible);
                let x = host.script.int_in_range(-64..=3000).unwrap_or(0);
                let y = host.script.int_in_range(-64..=3000).unwrap_or(0);
                display.report_pointer_position(&mut host, x, y);
            }
            Op::SetMode => {
                let width = host.script.int_in_range(0..=4000).unwrap_or(640);
                let height = host.script.int_in_range(0..=4000).unwrap_or(480);
                let _ = display.set_mode(&mut host, width, height);
            }
        }
        // Between operations nothing is in flight: every guest heap block is back.
        let vbva = display.vbva();
        assert_eq!(
            vbva.free_heap_blocks(),
            vbva.heap_blocks(),
            "HGSMI guest heap blocks leaked after {op:?}"
        );
        while queue.pop().is_some() {}
    }
}

/// Seeds: no tampering (the host answers as VirtualBox), each operation once.
pub fn seeds(ops: usize) -> Vec<Vec<u8>> {
    let mut plain = vec![0u8; 8];
    for op in 0..ops as u8 {
        plain.push(op);
        plain.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0]);
    }
    vec![plain]
}
