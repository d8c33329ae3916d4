//! Collects what the guest says, per thread (tests run guests on parallel threads;
//! the status sink and the logger are process-wide): `@vitrine` status lines and
//! `log` records at info level and above. `VITRINE_SIM_ECHO` also prints them live.

use std::cell::RefCell;
use std::fmt;

thread_local! {
    static LINES: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

fn record(line: String) {
    if std::env::var_os("VITRINE_SIM_ECHO").is_some() {
        println!("{line}");
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
