//! The panic handler: a report on serial, `@vitrine panic msg="..."`, then halt or exit.

use core::panic::PanicInfo;
use core::sync::atomic::{AtomicBool, Ordering};

use crate::arch::fault;
use crate::drivers::serial;
use crate::fault_report::Quoted;
use crate::testing::QemuExitCode;

static PANICKING: AtomicBool = AtomicBool::new(false);

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    x86_64::instructions::interrupts::disable();
    if PANICKING.swap(true, Ordering::SeqCst) {
        // A panic while reporting a panic: stop without touching anything else.
        fault::stop(QemuExitCode::Failed);
    }
    serial::write_line(format_args!("\n[panic] {info}"));
    let frame_pointer: u64;
    // SAFETY: reads RBP only; the kernel is built with frame pointers.
    unsafe { core::arch::asm!("mov {}, rbp", out(reg) frame_pointer, options(nomem, nostack)) };
    fault::print_backtrace(frame_pointer);
    crate::status!("panic msg=\"{}\"", Quoted(info.message()));
    fault::stop(QemuExitCode::Failed)
}
