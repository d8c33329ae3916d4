//! What happens on an exception or a panic: a report on serial, then halt or exit QEMU.

use core::sync::atomic::{AtomicBool, Ordering};

use x86_64::instructions::port::Port;
use x86_64::registers::control::Cr2;

use super::idt::InterruptFrame;
use super::paging;
use crate::drivers::serial;
use crate::fault_report::{exception_name, walk_frame_chain};
use crate::testing::{self, QemuExitCode, ISA_DEBUG_EXIT_PORT};

const BACKTRACE_DEPTH: usize = 16;

/// Reads a u64 from the identity map, if that address is mapped.
fn read_mapped(address: u64) -> Option<u64> {
    paging::is_identity_mapped(address, 8).then(|| {
        // SAFETY: the address is 8-aligned (checked by the walker) and identity-mapped
        // RAM or MMIO below 4 GiB, outside the guard page (checked above).
        unsafe { (address as *const u64).read_volatile() }
    })
}

/// Prints the return-address chain starting at `frame_pointer`.
pub fn print_backtrace(frame_pointer: u64) {
    let mut addresses = [0u64; BACKTRACE_DEPTH];
    let count = walk_frame_chain(frame_pointer, read_mapped, &mut addresses);
    serial::write_str("  return addresses:");
    for address in &addresses[..count] {
        serial::write_fmt(format_args!(" {address:#x}"));
    }
    if count == 0 {
        serial::write_str(" (none)\n");
    } else {
        serial::write_str("\n");
    }
}

/// Set while an exception report is being written: a fault inside the report itself
/// must not recurse into another report.
static REPORTING: AtomicBool = AtomicBool::new(false);

/// Reports an exception and never returns.
pub fn report_exception(frame: &InterruptFrame) -> ! {
    let vector = frame.vector as u8;
    if REPORTING.swap(true, Ordering::SeqCst) {
        serial::write_str("\n[fault] another exception while reporting one\n");
        super::recovery::after_failure(
            "an exception while reporting another",
            format_args!("vector={vector} rip={:#x}", frame.rip),
        );
    }
    let cr2 = Cr2::read_raw();
    serial::write_line(format_args!(
        "\n[fault] {} (vector {}) error={:#x} rip={:#x} cs={:#x} rflags={:#x} rsp={:#x} cr2={:#x}",
        exception_name(vector),
        vector,
        frame.error_code,
        frame.rip,
        frame.cs,
        frame.rflags,
        frame.rsp,
        cr2
    ));
    serial::write_line(format_args!(
        "  rax={:#x} rbx={:#x} rcx={:#x} rdx={:#x} rsi={:#x} rdi={:#x} rbp={:#x}",
        frame.rax, frame.rbx, frame.rcx, frame.rdx, frame.rsi, frame.rdi, frame.rbp
    ));
    print_backtrace(frame.rbp);
    crate::status!(
        "fault vector={} rip={:#x} error={:#x} cr2={:#x}",
        vector,
        frame.rip,
        frame.error_code,
        cr2
    );
    super::recovery::after_failure(
        exception_name(vector),
        format_args!(
            "vector={} rip={:#x} error={:#x} cr2={:#x}",
            vector, frame.rip, frame.error_code, cr2
        ),
    )
}

/// Ends the run: in test mode (`test-exit=` given) QEMU exits with `code`, otherwise
/// the CPU halts with interrupts off.
pub fn stop(code: QemuExitCode) -> ! {
    if testing::exit_on_fault() {
        exit_qemu(code);
    }
    halt_forever()
}

/// Writes `code` to isa-debug-exit; halts if QEMU did not exit (no such device).
pub fn exit_qemu(code: QemuExitCode) -> ! {
    // SAFETY: port 0xf4 is QEMU's isa-debug-exit (or unused on other machines, where
    // the write is ignored).
    unsafe { Port::<u32>::new(ISA_DEBUG_EXIT_PORT).write(code as u32) };
    halt_forever()
}

/// Halts with interrupts off, forever.
pub fn halt_forever() -> ! {
    loop {
        x86_64::instructions::interrupts::disable();
        x86_64::instructions::hlt();
    }
}
