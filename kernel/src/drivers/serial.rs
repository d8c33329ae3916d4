//! COM1 serial console (115200 8N1): the `log` backend and the status-line sink.
//!
//! The console is the one global in the kernel: logging and the fault path must reach
//! it from anywhere. Writes run with interrupts off (single core, so they never
//! interleave with a handler); a write that re-enters (a panic inside a write) falls
//! back to raw polled output instead of deadlocking.

use core::cell::UnsafeCell;
use core::fmt::{self, Write};
use core::sync::atomic::{AtomicBool, Ordering};

use ::x86_64::instructions::interrupts::without_interrupts;
use ::x86_64::instructions::port::Port;
use uart_16550::backend::PioBackend;
use uart_16550::{BaudRate, Config, Uart16550};

/// I/O base of COM1.
pub const COM1: u16 = 0x3f8;
/// VirtualBox's backdoor log port: bytes written here end up in VBox.log.
const VBOX_LOG_PORT: u16 = 0x504;

/// Console output is mirrored to [`VBOX_LOG_PORT`] (set once VMMDev answered).
static MIRROR_VBOX_LOG: AtomicBool = AtomicBool::new(false);

/// Mirrors every console line (log and status lines) to VirtualBox's VBox.log from
/// now on, or stops. Only worth turning on when VMMDev is there: elsewhere the port
/// is unassigned and the writes are wasted.
pub fn mirror_to_vbox_log(on: bool) {
    MIRROR_VBOX_LOG.store(on, Ordering::Relaxed);
}

fn write_vbox_log(bytes: &[u8]) {
    let mut port = Port::<u8>::new(VBOX_LOG_PORT);
    for &byte in bytes {
        // SAFETY: 0x504 is VMMDev's write-only debug port (8-bit writes, spec §11);
        // writing it has no effect beyond the host's log.
        unsafe { port.write(byte) };
    }
}

struct Console {
    busy: AtomicBool,
    uart: UnsafeCell<Option<Uart16550<PioBackend>>>,
}

// SAFETY: `uart` is only touched while `busy` is held, and the kernel is single-core.
unsafe impl Sync for Console {}

static CONSOLE: Console = Console {
    busy: AtomicBool::new(false),
    uart: UnsafeCell::new(None),
};

/// Initialises COM1 and installs it as the `log` logger and the status sink.
/// Without a UART (no COM1) the output is dropped, and boot goes on.
pub fn init() {
    // SAFETY: COM1's eight registers at 0x3f8 are reserved for the UART on PC hardware;
    // nothing else in the kernel drives them.
    let uart = unsafe { Uart16550::new_port(COM1) };
    if let Ok(mut uart) = uart {
        let config = Config {
            baud_rate: BaudRate::Baud115200,
            ..Config::DEFAULT
        };
        if uart.init(config).is_ok() {
            with_console(|slot| *slot = Some(uart));
        }
    }
    // Ignore "already set": a second init keeps the first logger.
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(log::LevelFilter::Info);
    crate::status::set_sink(status_sink);
}

fn with_console<R>(f: impl FnOnce(&mut Option<Uart16550<PioBackend>>) -> R) -> Option<R> {
    without_interrupts(|| {
        if CONSOLE.busy.swap(true, Ordering::Acquire) {
            return None;
        }
        // SAFETY: `busy` was false and is now ours; interrupts are off (single core).
        let result = f(unsafe { &mut *CONSOLE.uart.get() });
        CONSOLE.busy.store(false, Ordering::Release);
        Some(result)
    })
}

/// Writes raw bytes, polling the line status register: the re-entrant fallback.
fn write_polled(bytes: &[u8]) {
    let mut line_status = Port::<u8>::new(COM1 + 5);
    let mut data = Port::<u8>::new(COM1);
    for &byte in bytes {
        // SAFETY: COM1 registers (see `init`); reading LSR and writing THR has no
        // effect beyond sending the byte.
        unsafe {
            let mut spins = 0u32;
            while line_status.read() & 0x20 == 0 && spins < 100_000 {
                spins += 1;
            }
            data.write(byte);
        }
    }
}

/// Writes text to the console; never blocks on a lock.
pub fn write_str(text: &str) {
    let done = with_console(|slot| match slot {
        Some(uart) => {
            uart.send_bytes_exact(text.as_bytes());
            true
        }
        None => false,
    });
    if done.is_none() {
        write_polled(text.as_bytes());
    }
    if MIRROR_VBOX_LOG.load(Ordering::Relaxed) {
        write_vbox_log(text.as_bytes());
    }
}

/// A `fmt::Write` onto the console.
pub struct ConsoleWriter;

impl Write for ConsoleWriter {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        write_str(text);
        Ok(())
    }
}

/// Prints formatted text (no newline).
pub fn write_fmt(args: fmt::Arguments) {
    let _ = ConsoleWriter.write_fmt(args);
}

/// Prints one formatted line.
pub fn write_line(args: fmt::Arguments) {
    let _ = ConsoleWriter.write_fmt(args);
    write_str("\n");
}

fn status_sink(args: fmt::Arguments) {
    write_line(args);
}

struct SerialLogger;

static LOGGER: SerialLogger = SerialLogger;

impl log::Log for SerialLogger {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &log::Record) {
        if self.enabled(record.metadata()) {
            write_line(format_args!(
                "[{:<5} {}] {}",
                record.level(),
                record.target(),
                record.args()
            ));
        }
    }

    fn flush(&self) {}
}
