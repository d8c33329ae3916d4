//! Collects what the guest says, per thread (tests run guests on parallel threads;
//! the status sink and the logger are process-wide): `@vitrine` status lines and
//! `log` records at info level and above. `VITRINE_SIM_ECHO` also prints them live.

use std::cell::RefCell;
use std::fmt;

thread_local! {
    static LINES: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    static MIRROR: RefCell<bool> = const { RefCell::new(false) };
}

/// The hosted counterpart of the serial console's VBox.log mirror: from now on each
/// line is also written to the twin's backdoor port by [`take_mirrored`]'s caller.
pub fn mirror_to_vbox_log(on: bool) {
    MIRROR.with(|m| *m.borrow_mut() = on);
    PENDING.with(|p| p.borrow_mut().clear());
}

thread_local! {
    static PENDING: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Bytes waiting for the backdoor port (the sink has no port access; the runner
/// writes them through the platform).
pub fn take_mirrored() -> Vec<u8> {
    PENDING.with(|p| std::mem::take(&mut *p.borrow_mut()))
}

fn record(line: String) {
    if std::env::var_os("VITRINE_SIM_ECHO").is_some() {
        println!("{line}");
    }
    if MIRROR.with(|m| *m.borrow()) {
        PENDING.with(|p| {
            let mut pending = p.borrow_mut();
            pending.extend_from_slice(line.as_bytes());
            pending.push(b'\n');
        });
    }
    LINES.with(|lines| lines.borrow_mut().push(line));
}

fn sink(args: fmt::Arguments) {
    record(args.to_string());
}

struct Logger;

impl log::Log for Logger {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        metadata.level() <= log::Level::Info
    }
    fn log(&self, r: &log::Record) {
        if self.enabled(r.metadata()) {
            record(format!(
                "[{}] {}",
                r.level().as_str().to_lowercase(),
                r.args()
            ));
        }
    }
    fn flush(&self) {}
}

static LOGGER: Logger = Logger;

/// Installs the sink and the logger (idempotent) and forgets this thread's lines.
pub fn install() {
    vitrine::status::set_sink(sink);
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(log::LevelFilter::Info);
    }
    LINES.with(|lines| lines.borrow_mut().clear());
    mirror_to_vbox_log(false);
}

/// The `@vitrine` lines this thread's guest emitted since `install`.
pub fn lines() -> Vec<String> {
    LINES.with(|lines| {
        lines
            .borrow()
            .iter()
            .filter(|l| l.starts_with("@vitrine"))
            .cloned()
            .collect()
    })
}

/// Status lines and log records, in order.
pub fn transcript() -> Vec<String> {
    LINES.with(|lines| lines.borrow().clone())
}
