//! Test-mode exits through QEMU's isa-debug-exit device.
//!
//! With `-device isa-debug-exit,iobase=0xf4,iosize=0x04`, writing `v` to port 0xf4 makes
//! QEMU exit with status `(v << 1) | 1`: 0x10 → 33 (pass), 0x11 → 35 (fault or panic).
//! xtask treats 33 as pass, 35 as fail and anything else as a crash.

use core::sync::atomic::{AtomicBool, Ordering};

/// The isa-debug-exit I/O port.
pub const ISA_DEBUG_EXIT_PORT: u16 = 0xf4;

/// What the kernel writes to the isa-debug-exit port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum QemuExitCode {
    /// The awaited status line was printed.
    Success = 0x10,
    /// A fault or panic happened.
    Failed = 0x11,
}

impl QemuExitCode {
    /// The process exit status QEMU reports for this code.
    pub const fn qemu_status(self) -> i32 {
        ((self as i32) << 1) | 1
    }
}

static EXIT_ON_FAULT: AtomicBool = AtomicBool::new(false);

/// Set when the command line asks for test exits (`test-exit=...`): faults and panics
/// then end QEMU with `Failed` instead of halting.
pub fn set_exit_on_fault(enabled: bool) {
    EXIT_ON_FAULT.store(enabled, Ordering::SeqCst);
}

/// Whether faults and panics should end QEMU.
pub fn exit_on_fault() -> bool {
    EXIT_ON_FAULT.load(Ordering::SeqCst)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_map_to_the_statuses_xtask_expects() {
        assert_eq!(QemuExitCode::Success.qemu_status(), 33);
        assert_eq!(QemuExitCode::Failed.qemu_status(), 35);
    }

    #[test]
    fn exit_on_fault_follows_the_switch() {
        set_exit_on_fault(true);
        assert!(exit_on_fault());
        set_exit_on_fault(false);
        assert!(!exit_on_fault());
    }
}
