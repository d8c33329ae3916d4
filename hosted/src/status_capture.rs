//! Collects the guest's `@vitrine` status lines per thread (tests run guests on
//! parallel threads; the status sink is one global function), and prints them when
//! `VITRINE_SIM_ECHO` is set.

use std::cell::RefCell;
use std::fmt;

thread_local! {
    static LINES: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

fn sink(args: fmt::Arguments) {
    let line = args.to_string();
    if std::env::var_os("VITRINE_SIM_ECHO").is_some() {
        println!("{line}");
    }
    LINES.with(|lines| lines.borrow_mut().push(line));
}

/// Installs the sink (idempotent) and forgets this thread's earlier lines.
pub fn install() {
    vitrine::status::set_sink(sink);
    LINES.with(|lines| lines.borrow_mut().clear());
}

/// The lines this thread's guest emitted since `install`.
pub fn lines() -> Vec<String> {
    LINES.with(|lines| lines.borrow().clone())
}
