//! Machine-readable status lines: `@vitrine <word> key=value ...`.
//!
//! Tests and tools parse these lines from the serial log; the README documents them.
//! On metal the sink is the serial port; hosted runs install their own sink.

use core::fmt;
use core::sync::atomic::{AtomicUsize, Ordering};

/// Where status lines go: receives one line's text without the newline.
pub type Sink = fn(fmt::Arguments);

static SINK: AtomicUsize = AtomicUsize::new(0);

/// Installs the sink for status lines.
pub fn set_sink(sink: Sink) {
    SINK.store(sink as usize, Ordering::SeqCst);
}

/// Emits one status line (prefer the `status!` macro).
// Out of line: some 80 call sites would each carry a copy (4 KB of code).
#[inline(never)]
pub fn emit(args: fmt::Arguments) {
    let raw = SINK.load(Ordering::SeqCst);
    if raw != 0 {
        // SAFETY: the only non-zero value ever stored is a `Sink` fn pointer (set_sink).
        let sink: Sink = unsafe { core::mem::transmute::<usize, Sink>(raw) };
        sink(format_args!("@vitrine {}", args));
    }
}

/// `status!("boot firmware={} mem_kib={}", fw, kib)` prints `@vitrine boot firmware=...`.
#[macro_export]
macro_rules! status {
    ($($arg:tt)*) => {
        $crate::status::emit(format_args!($($arg)*))
    };
}
