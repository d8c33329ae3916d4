//! The kernel's log lines: `logging::warn!` and friends, thin fronts of the `log` crate.
//!
//! `log::warn!` builds a whole `log::Record` (level, target, module, file, line,
//! arguments) inline at every call site: about 200 bytes of code each, over 150 sites.
//! These macros pass only the level, the module and the arguments to one out-of-line
//! function that builds the record and hands it to the installed logger, so loggers
//! (the serial console, hosted tests' capture) see the same records minus file and line,
//! which none of them prints.

use core::fmt;

/// Builds the record and hands it to the installed logger when `level` is enabled.
/// Use the macros.
#[doc(hidden)]
#[inline(never)]
#[cold]
pub fn emit(level: log::Level, target: &'static str, args: fmt::Arguments) {
    if level <= log::max_level() {
        log::logger().log(
            &log::Record::builder()
                .level(level)
                .target(target)
                .args(args)
                .build(),
        );
    }
}

/// `logging::warn!("...", args)`: a warning, target the calling module.
macro_rules! warn_line {
    ($($arg:tt)+) => {
        $crate::logging::emit(::log::Level::Warn, module_path!(), format_args!($($arg)+))
    };
}

/// `logging::info!("...", args)`: an informational line, target the calling module.
macro_rules! info_line {
    ($($arg:tt)+) => {
        $crate::logging::emit(::log::Level::Info, module_path!(), format_args!($($arg)+))
    };
}

/// `logging::debug!("...", args)`: a debug line (shown with `log=debug`).
macro_rules! debug_line {
    ($($arg:tt)+) => {
        $crate::logging::emit(::log::Level::Debug, module_path!(), format_args!($($arg)+))
    };
}

// Imported under their short names: a `macro_rules! warn` is ambiguous with the
// built-in `#[warn]` attribute where it is named, a path `logging::warn!` is not.
pub(crate) use {debug_line as debug, info_line as info, warn_line as warn};

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    struct Capture;

    static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

    impl log::Log for Capture {
        fn enabled(&self, _: &log::Metadata) -> bool {
            true
        }
        fn log(&self, record: &log::Record) {
            LINES.lock().unwrap().push(format!(
                "{} {} {}",
                record.level(),
                record.target(),
                record.args()
            ));
        }
        fn flush(&self) {}
    }

    static CAPTURE: Capture = Capture;

    #[test]
    fn records_carry_level_module_and_text_and_respect_the_max_level() {
        let _ = log::set_logger(&CAPTURE);
        log::set_max_level(log::LevelFilter::Info);
        super::warn!("disk {} failed", 2);
        super::info!("ready");
        super::debug!("hidden at info");
        // Other tests of this crate may log meanwhile: keep this module's lines.
        let lines: Vec<String> = LINES
            .lock()
            .unwrap()
            .iter()
            .filter(|line| line.contains("vitrine::logging::tests"))
            .cloned()
            .collect();
        assert_eq!(
            lines,
            [
                "WARN vitrine::logging::tests disk 2 failed",
                "INFO vitrine::logging::tests ready"
            ]
        );
    }
}
