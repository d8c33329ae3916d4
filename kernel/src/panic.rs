//! The panic handler: a report on serial, `@vitrine panic msg="..."`, then halt or exit.

use core::panic::PanicInfo;
use core::sync::atomic::{AtomicBool, Ordering};

use crate::arch::fault;
use crate::drivers::serial;
use crate::fault_report::Quoted;

static PANICKING: AtomicBool = AtomicBool::new(false);

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    x86_64::instructions::interrupts::disable();
    if PANICKING.swap(true, Ordering::SeqCst) {
        // A panic while reporting a panic (or drawing the error page): recovery goes
        // on without the parts that may have failed.
        crate::arch::recovery::after_failure("a panic while reporting another", format_args!(""));
    }
    serial::write_line(format_args!("\n[panic] {info}"));
    let frame_pointer: u64;
    // SAFETY: reads RBP only; the kernel is built with frame pointers.
    unsafe { core::arch::asm!("mov {}, rbp", out(reg) frame_pointer, options(nomem, nostack)) };
    fault::print_backtrace(frame_pointer);
    crate::status!("panic msg=\"{}\"", Quoted(info.message()));
    crate::arch::recovery::after_failure(
        "panic",
        format_args!("msg=\"{}\"", Quoted(info.message())),
    )
}
