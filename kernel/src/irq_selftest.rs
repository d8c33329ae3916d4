//! Interrupt self-test on QEMU's `edu` device (PCI 1234:11e8), run only when one is
//! present (`-device edu`): proves the level-triggered PCI INTx path end to end.
//!
//! Each round raises the device's interrupt (it stays asserted until acknowledged),
//! waits for the line in `take_fired`, acknowledges the device and re-arms the line.
//! A working path reports exactly one event per round: none means the routing is
//! wrong, more means the level line was not masked until re-armed (an IRQ storm).
//! Result: `@vitrine irq-selftest line=N rounds=R events=E result=ok|fail`.

use crate::hal::{Clock, Irqs, PhysMem};
use crate::logging;
use crate::platform::pci::PciScan;

/// QEMU's educational PCI device.
const EDU_VENDOR: u16 = 0x1234;
const EDU_DEVICE: u16 = 0x11e8;
/// edu registers (QEMU docs/specs/edu.rst): interrupt status, raise, acknowledge.
const EDU_INTERRUPT_STATUS: usize = 0x24;
const EDU_INTERRUPT_RAISE: usize = 0x60;
const EDU_INTERRUPT_ACK: usize = 0x64;

const ROUNDS: u32 = 3;
/// How long each round listens, also after its event (to catch a storm).
const ROUND_US: u64 = 20_000;

/// Runs the self-test when `scan` has an edu device. Returns whether it passed, or
/// `None` when there is no edu device.
pub fn run<P: PhysMem + Irqs + Clock>(platform: &mut P, scan: &PciScan) -> Option<bool> {
    let edu = scan.find(EDU_VENDOR, EDU_DEVICE)?;
    let (Some(line), Some(bar)) = (edu.irq(), edu.memory_bar(0x100)) else {
        logging::warn!("irq-selftest: edu device without an interrupt line or memory BAR");
        crate::status!("irq-selftest line=none rounds=0 events=0 result=fail");
        return Some(false);
    };
    let Some(registers) = platform.map(bar.address, 0x100) else {
        crate::status!("irq-selftest line={line} rounds=0 events=0 result=fail");
        return Some(false);
    };
    if !platform.enable_line(line) {
        crate::status!("irq-selftest line={line} rounds=0 events=0 result=fail");
        return Some(false);
    }
    let mut events = 0;
    let mut all_single = true;
    for round in 0..ROUNDS {
        registers.write_u32(EDU_INTERRUPT_RAISE, 1 << round);
        let deadline = platform.now_us() + ROUND_US;
        let mut round_events = 0;
        while platform.now_us() < deadline {
            platform.wait(deadline);
            if platform.take_fired() & (1 << line) != 0 {
                round_events += 1;
                let status = registers.read_u32(EDU_INTERRUPT_STATUS);
                registers.write_u32(EDU_INTERRUPT_ACK, status);
                platform.rearm(line);
            }
        }
        events += round_events;
        all_single &= round_events == 1;
    }
    let passed = all_single && events == ROUNDS;
    crate::status!(
        "irq-selftest line={line} rounds={ROUNDS} events={events} result={}",
        if passed { "ok" } else { "fail" }
    );
    Some(passed)
}
