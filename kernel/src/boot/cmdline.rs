//! The kernel command line, parsed into typed options.
//!
//! Options are whitespace-separated `key=value` words; double quotes group a value
//! with spaces (`app.title="Gare de Lyon"`, or the whole word quoted, as GRUB may
//! pass it), `\"` and `\\` escape inside quotes. `app.NAME=VALUE` words are the
//! app's own options ([`Cmdline::app_options`]), never warned about. Anything else
//! unknown or malformed becomes a [`CmdlineWarning`] for the kernel to log; parsing
//! never fails and never panics, so a typo in grub.cfg costs a log line, not a boot.

use crate::app_options::{AppOptions, OptionChange, CMDLINE_PREFIX};
use crate::recovery::reset_plan::ResetMethod;

use core::fmt;
use core::str::FromStr;

/// Longest status word `test-exit=` accepts.
pub const MAX_STATUS_WORD: usize = 16;
/// How many warnings are kept; further ones are only counted.
pub const MAX_WARNINGS: usize = 8;
/// How much of an offending word a warning keeps.
pub const MAX_WARNING_TEXT: usize = 40;

/// The exception `test-fault=` raises on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestFault {
    /// Vector 14: touch an unmapped address.
    PageFault,
    /// Vector 0: divide by zero.
    Divide,
    /// Vector 3: `int3`.
    Breakpoint,
    /// Vector 6: `ud2`.
    InvalidOpcode,
    /// Vector 8: a fault while delivering a fault.
    DoubleFault,
    /// Not an exception: a Rust panic, reported as `@vitrine panic msg=...`.
    Panic,
    /// A panic after the runtime's first frame (the error page then has a screen).
    LatePanic,
    /// A page fault after the runtime's first frame.
    LatePageFault,
    /// A panic after the runtime's first frame of every boot: a restart loop, which
    /// must end on the error page after `recovery::MAX_QUICK_RESTARTS`.
    LoopPanic,
}

impl TestFault {
    /// The exception vector the fault is expected to produce (none for a panic).
    pub fn vector(self) -> Option<u8> {
        match self {
            Self::PageFault | Self::LatePageFault => Some(14),
            Self::Divide => Some(0),
            Self::Breakpoint => Some(3),
            Self::InvalidOpcode => Some(6),
            Self::DoubleFault => Some(8),
            Self::Panic | Self::LatePanic | Self::LoopPanic => None,
        }
    }

    /// Raised after the runtime's first frame rather than before the app starts.
    pub fn is_late(self) -> bool {
        matches!(
            self,
            Self::LatePanic | Self::LatePageFault | Self::LoopPanic
        )
    }
}

impl FromStr for TestFault {
    type Err = ();
    fn from_str(text: &str) -> Result<Self, ()> {
        Ok(match text {
            "pagefault" => Self::PageFault,
            "divide" => Self::Divide,
            "breakpoint" => Self::Breakpoint,
            "invalid-opcode" => Self::InvalidOpcode,
            "double-fault" => Self::DoubleFault,
            "panic" => Self::Panic,
            "late-panic" => Self::LatePanic,
            "late-pagefault" => Self::LatePageFault,
            "loop-panic" => Self::LoopPanic,
            _ => return Err(()),
        })
    }
}

/// What a panic or CPU exception leads to (`on-fault=`), after the serial report and
/// the error page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnFault {
    /// Restart the machine after this many seconds (`restart[:SECONDS]`).
    Restart {
        /// Seconds the error page stays up first.
        seconds: u32,
    },
    /// Stay on the error page (`halt`).
    Halt,
}

impl OnFault {
    /// A kiosk restarts: the default without `on-fault=`.
    pub const DEFAULT: Self = Self::Restart {
        seconds: DEFAULT_RESTART_SECONDS,
    };
}

/// Seconds the error page stays up before a restart when none are given.
pub const DEFAULT_RESTART_SECONDS: u32 = 10;
/// The longest restart delay accepted (an hour).
pub const MAX_RESTART_SECONDS: u32 = 3600;

impl FromStr for OnFault {
    type Err = ();
    fn from_str(text: &str) -> Result<Self, ()> {
        match text.split_once(':') {
            None if text == "halt" => Ok(Self::Halt),
            None if text == "restart" => Ok(Self::DEFAULT),
            Some(("restart", seconds)) => match seconds.parse::<u32>() {
                Ok(seconds) if seconds <= MAX_RESTART_SECONDS => Ok(Self::Restart { seconds }),
                _ => Err(()),
            },
            _ => Err(()),
        }
    }
}

/// A measurement `bench=` asks the kernel to run before the app starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bench {
    /// `bench=redraw`: a plain framebuffer fill vs a full app redraw (and the
    /// framebuffer's cache types), printed as `@vitrine bench name=... us=...`.
    Redraw,
    /// `bench=latency`: every frame that shows input gets a status line with the
    /// guest time from the input's interrupt to the end of the present.
    Latency,
    /// `bench=quiet`: the app gets no ticks (no clock redraw), so an idle kiosk only
    /// wakes for device deadlines: the idle floor `cargo xtask bench` measures.
    Quiet,
}

impl FromStr for Bench {
    type Err = ();
    fn from_str(text: &str) -> Result<Self, ()> {
        match text {
            "redraw" => Ok(Self::Redraw),
            "latency" => Ok(Self::Latency),
            "quiet" => Ok(Self::Quiet),
            _ => Err(()),
        }
    }
}

/// A display mode request, `mode=WxH`. Whether the device can do it is the display
/// driver's call; here it only has to be two non-zero numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModeRequest {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

impl FromStr for ModeRequest {
    type Err = ();
    fn from_str(text: &str) -> Result<Self, ()> {
        let (width, height) = text.split_once(['x', 'X']).ok_or(())?;
        let width: u32 = width.parse().map_err(|_| ())?;
        let height: u32 = height.parse().map_err(|_| ())?;
        if width == 0 || height == 0 {
            return Err(());
        }
        Ok(Self { width, height })
    }
}

/// `display=`: which display backend the fallback chain starts at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DisplayChoice {
    /// The controller's own order (see `display::boot`).
    #[default]
    Auto,
    /// HGSMI/VBVA first.
    Vbva,
    /// SVGA II first.
    Svga,
    /// Plain VBE DISPI first.
    Vbe,
    /// The firmware framebuffer only.
    Firmware,
}

impl FromStr for DisplayChoice {
    type Err = ();
    fn from_str(value: &str) -> Result<Self, ()> {
        match value {
            "auto" => Ok(Self::Auto),
            "vbva" => Ok(Self::Vbva),
            "svga" => Ok(Self::Svga),
            "vbe" => Ok(Self::Vbe),
            "firmware" => Ok(Self::Firmware),
            _ => Err(()),
        }
    }
}

/// What went wrong with one word of the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WarningKind {
    /// The key is not an option we know.
    UnknownOption,
    /// The key is known but the value is not one it accepts.
    BadValue,
    /// The option appeared again; the last one wins.
    Repeated,
}

/// One problem found while parsing, with (a prefix of) the offending word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CmdlineWarning {
    /// What kind of problem.
    pub kind: WarningKind,
    /// The word as given, cut to `MAX_WARNING_TEXT` bytes.
    pub word: heapless::String<MAX_WARNING_TEXT>,
}

impl fmt::Display for CmdlineWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            WarningKind::UnknownOption => "unknown option",
            WarningKind::BadValue => "bad value",
            WarningKind::Repeated => "repeated option, last wins",
        };
        write!(f, "cmdline: {what}: \"{}\"", self.word)
    }
}

/// The parsed command line. `Default` is what an empty command line means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cmdline {
    /// `test-exit=<word>`: exit QEMU (isa-debug-exit) right after printing the status
    /// line `@vitrine <word> ...`.
    pub test_exit: Option<heapless::String<MAX_STATUS_WORD>>,
    /// `test-fault=<kind>`: raise this exception once the IDT is up.
    pub test_fault: Option<TestFault>,
    /// `mode=WxH`: initial display mode.
    pub mode: Option<ModeRequest>,
    /// `log=error|warn|info|debug|trace|off`: serial log level (default info).
    pub log_level: log::LevelFilter,
    /// `integration=on|off`: use VirtualBox host integration (VMMDev, HGSMI) when
    /// present; off forces the plain VBE + relative PS/2 path. Default on.
    pub integration: bool,
    /// `bench=redraw|latency|quiet`: what to measure (see [`Bench`]).
    pub bench: Option<Bench>,
    /// `on-fault=restart[:SECONDS]|halt`, if given (see [`Cmdline::on_fault`]).
    pub on_fault_option: Option<OnFault>,
    /// `test-reset=<method>`: a restart after a fault starts at this reset method
    /// (see `recovery::reset_plan`), to prove a fallback on its own.
    pub test_reset: Option<ResetMethod>,
    /// `display=auto|vbva|svga|vbe|firmware`: the display backend tried first.
    pub display: DisplayChoice,
    /// `app.NAME=VALUE`: the app's own options, for `SystemInfo::options`.
    pub app_options: AppOptions,
    warnings: heapless::Vec<CmdlineWarning, MAX_WARNINGS>,
    dropped_warnings: usize,
}

impl Default for Cmdline {
    fn default() -> Self {
        Self {
            test_exit: None,
            test_fault: None,
            mode: None,
            log_level: log::LevelFilter::Info,
            integration: true,
            bench: None,
            on_fault_option: None,
            test_reset: None,
            display: DisplayChoice::Auto,
            app_options: AppOptions::new(),
            warnings: heapless::Vec::new(),
            dropped_warnings: 0,
        }
    }
}

impl Cmdline {
    /// Parses a command line. Never fails: problems are in [`Cmdline::warnings`].
    pub fn parse(text: &str) -> Self {
        let mut cmdline = Self::default();
        let mut seen = Seen::default();
        let mut rest = text;
        let mut index = 0;
        while let Some((word, after)) = next_word(rest) {
            rest = after;
            let word = match word {
                Ok(word) => word,
                Err(cut) => {
                    cmdline.warn(WarningKind::BadValue, &cut);
                    continue;
                }
            };
            // Some loaders pass the kernel's path as the first word.
            let first = index == 0;
            index += 1;
            if first && word.starts_with('/') && !word.contains('=') {
                continue;
            }
            cmdline.apply(&word, &mut seen);
        }
        cmdline
    }

    fn apply(&mut self, word: &str, seen: &mut Seen) {
        let (key, value) = word.split_once('=').unwrap_or((word, ""));
        if let Some(name) = key.strip_prefix(CMDLINE_PREFIX) {
            match self.app_options.set_initial(name, value) {
                Ok(OptionChange::Added) => {}
                Ok(_) => self.warn(WarningKind::Repeated, word),
                Err(_) => self.warn(WarningKind::BadValue, word),
            }
            return;
        }
        let slot = match key {
            "test-exit" => &mut seen.test_exit,
            "test-fault" => &mut seen.test_fault,
            "mode" => &mut seen.mode,
            "log" => &mut seen.log,
            "integration" => &mut seen.integration,
            "bench" => &mut seen.bench,
            "on-fault" => &mut seen.on_fault,
            "test-reset" => &mut seen.test_reset,
            "display" => &mut seen.display,
            _ => {
                self.warn(WarningKind::UnknownOption, word);
                return;
            }
        };
        let repeated = core::mem::replace(slot, true);
        let accepted = match key {
            "test-exit" => parse_status_word(value).map(|w| self.test_exit = Some(w)),
            "test-fault" => value.parse().map(|f| self.test_fault = Some(f)),
            "mode" => value.parse().map(|m| self.mode = Some(m)),
            "log" => parse_level(value).map(|l| self.log_level = l),
            "integration" => parse_switch(value).map(|on| self.integration = on),
            "bench" => value.parse().map(|b| self.bench = Some(b)),
            "on-fault" => value.parse().map(|f| self.on_fault_option = Some(f)),
            "test-reset" => value.parse().map(|m| self.test_reset = Some(m)),
            "display" => value.parse().map(|d| self.display = d),
            _ => Err(()),
        };
        if accepted.is_err() {
            self.warn(WarningKind::BadValue, word);
        } else if repeated {
            self.warn(WarningKind::Repeated, word);
        }
    }

    fn warn(&mut self, kind: WarningKind, word: &str) {
        let mut text = heapless::String::new();
        for ch in word.chars() {
            if text.push(ch).is_err() {
                break;
            }
        }
        if self
            .warnings
            .push(CmdlineWarning { kind, word: text })
            .is_err()
        {
            self.dropped_warnings += 1;
        }
    }

    /// What a fault leads to. With `test-exit=` and no `on-fault=`, none of this:
    /// the fault ends the QEMU test run (`None`).
    pub fn on_fault(&self) -> Option<OnFault> {
        match (self.on_fault_option, &self.test_exit) {
            (Some(policy), _) => Some(policy),
            (None, Some(_)) => None,
            (None, None) => Some(OnFault::DEFAULT),
        }
    }

    /// Problems found while parsing, in order.
    pub fn warnings(&self) -> &[CmdlineWarning] {
        &self.warnings
    }

    /// Warnings beyond `MAX_WARNINGS` that were counted but not kept.
    pub fn dropped_warnings(&self) -> usize {
        self.dropped_warnings
    }

    /// True when `test-exit` asks to exit after the status line `word`.
    pub fn exits_after(&self, word: &str) -> bool {
        self.test_exit.as_deref() == Some(word)
    }
}

/// Longest word kept after unquoting (an `app.` option's name and value fit).
pub const MAX_WORD: usize = 160;

type Word = heapless::String<MAX_WORD>;

/// The next word of `text` with its quotes removed, and the rest of the text; `None`
/// at the end. A word too long comes back as `Err` with its start.
fn next_word(text: &str) -> Option<(Result<Word, Word>, &str)> {
    let text = text.trim_start_matches(|c: char| c.is_ascii_whitespace());
    if text.is_empty() {
        return None;
    }
    let mut word = Word::new();
    let mut too_long = false;
    let mut quoted = false;
    let mut chars = text.char_indices();
    let mut end = text.len();
    while let Some((i, c)) = chars.next() {
        let ch = match c {
            '"' => {
                quoted = !quoted;
                continue;
            }
            '\\' if quoted => match chars.clone().next() {
                Some((_, next @ ('"' | '\\'))) => {
                    chars.next();
                    next
                }
                _ => c,
            },
            c if c.is_ascii_whitespace() && !quoted => {
                end = i;
                break;
            }
            c => c,
        };
        too_long |= word.push(ch).is_err();
    }
    let result = if too_long { Err(word) } else { Ok(word) };
    Some((result, &text[end..]))
}

#[derive(Default)]
struct Seen {
    test_exit: bool,
    test_fault: bool,
    mode: bool,
    log: bool,
    integration: bool,
    bench: bool,
    on_fault: bool,
    test_reset: bool,
    display: bool,
}

fn parse_status_word(value: &str) -> Result<heapless::String<MAX_STATUS_WORD>, ()> {
    let valid = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if !valid {
        return Err(());
    }
    heapless::String::try_from(value).map_err(|_| ())
}

fn parse_level(value: &str) -> Result<log::LevelFilter, ()> {
    Ok(match value {
        "off" => log::LevelFilter::Off,
        "error" => log::LevelFilter::Error,
        "warn" => log::LevelFilter::Warn,
        "info" => log::LevelFilter::Info,
        "debug" => log::LevelFilter::Debug,
        "trace" => log::LevelFilter::Trace,
        _ => return Err(()),
    })
}

fn parse_switch(value: &str) -> Result<bool, ()> {
    match value {
        "on" | "1" | "yes" => Ok(true),
        "off" | "0" | "no" => Ok(false),
        _ => Err(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_fault_parses_restart_delays_and_halt() {
        let restart = |seconds| Some(OnFault::Restart { seconds });
        assert_eq!(Cmdline::parse("on-fault=restart:1").on_fault(), restart(1));
        assert_eq!(Cmdline::parse("on-fault=restart").on_fault(), restart(10));
        assert_eq!(
            Cmdline::parse("on-fault=halt").on_fault(),
            Some(OnFault::Halt)
        );
        // Kiosks restart by default; test runs exit QEMU unless asked otherwise.
        assert_eq!(Cmdline::parse("").on_fault(), restart(10));
        assert_eq!(Cmdline::parse("test-exit=ready").on_fault(), None);
        assert_eq!(
            Cmdline::parse("test-exit=ready on-fault=restart:2").on_fault(),
            restart(2)
        );
        for bad in [
            "on-fault=restart:x",
            "on-fault=restart:3601",
            "on-fault=reboot",
            "on-fault=",
        ] {
            let cmdline = Cmdline::parse(bad);
            assert_eq!(cmdline.on_fault(), restart(10), "{bad}");
            assert_eq!(cmdline.warnings()[0].kind, WarningKind::BadValue, "{bad}");
        }
    }

    #[test]
    fn test_reset_names_a_reset_method() {
        assert_eq!(
            Cmdline::parse("test-reset=triple-fault").test_reset,
            Some(ResetMethod::TripleFault)
        );
        assert_eq!(Cmdline::parse("").test_reset, None);
        let bad = Cmdline::parse("test-reset=reboot");
        assert_eq!(bad.test_reset, None);
        assert_eq!(kinds(&bad), [WarningKind::BadValue]);
    }

    fn kinds(cmdline: &Cmdline) -> Vec<WarningKind> {
        cmdline.warnings().iter().map(|w| w.kind).collect()
    }

    #[test]
    fn empty_means_defaults() {
        let cmdline = Cmdline::parse("");
        assert_eq!(cmdline, Cmdline::default());
        assert!(cmdline.integration);
        assert_eq!(cmdline.log_level, log::LevelFilter::Info);
        assert!(cmdline.warnings().is_empty());
    }

    #[test]
    fn all_options_parse() {
        let cmdline = Cmdline::parse(
            "test-exit=ready test-fault=pagefault mode=1920x1080 log=debug integration=off",
        );
        assert_eq!(cmdline.test_exit.as_deref(), Some("ready"));
        assert!(cmdline.exits_after("ready"));
        assert!(!cmdline.exits_after("boot"));
        assert_eq!(cmdline.test_fault, Some(TestFault::PageFault));
        assert_eq!(
            cmdline.mode,
            Some(ModeRequest {
                width: 1920,
                height: 1080
            })
        );
        assert_eq!(cmdline.log_level, log::LevelFilter::Debug);
        assert!(!cmdline.integration);
        assert!(cmdline.warnings().is_empty());
    }

    #[test]
    fn every_fault_kind_and_its_vector() {
        for (name, vector) in [
            ("pagefault", 14),
            ("divide", 0),
            ("breakpoint", 3),
            ("invalid-opcode", 6),
            ("double-fault", 8),
        ] {
            let cmdline = Cmdline::parse(&format!("test-fault={name}"));
            assert_eq!(cmdline.test_fault.and_then(TestFault::vector), Some(vector));
        }
        let panic = Cmdline::parse("test-fault=panic");
        assert_eq!(panic.test_fault, Some(TestFault::Panic));
        assert_eq!(panic.test_fault.and_then(TestFault::vector), None);
    }

    #[test]
    fn bench_option() {
        assert_eq!(Cmdline::parse("bench=redraw").bench, Some(Bench::Redraw));
        assert_eq!(Cmdline::parse("bench=latency").bench, Some(Bench::Latency));
        assert_eq!(Cmdline::parse("bench=quiet").bench, Some(Bench::Quiet));
        let bad = Cmdline::parse("bench=everything");
        assert_eq!(bad.bench, None);
        assert_eq!(kinds(&bad), [WarningKind::BadValue]);
    }

    #[test]
    fn every_log_level() {
        for (name, level) in [
            ("off", log::LevelFilter::Off),
            ("error", log::LevelFilter::Error),
            ("warn", log::LevelFilter::Warn),
            ("info", log::LevelFilter::Info),
            ("debug", log::LevelFilter::Debug),
            ("trace", log::LevelFilter::Trace),
        ] {
            assert_eq!(Cmdline::parse(&format!("log={name}")).log_level, level);
        }
    }

    #[test]
    fn unknown_options_warn_and_are_ignored() {
        let cmdline = Cmdline::parse("quiet splash=1 mode=800x600");
        assert_eq!(
            kinds(&cmdline),
            [WarningKind::UnknownOption, WarningKind::UnknownOption]
        );
        assert_eq!(cmdline.warnings()[0].word, "quiet");
        assert_eq!(cmdline.warnings()[1].word, "splash=1");
        assert_eq!(cmdline.mode.map(|m| m.width), Some(800));
    }

    #[test]
    fn bad_values_warn_and_keep_defaults() {
        let cmdline = Cmdline::parse(
            "mode=800 mode=0x600 mode=axb mode=99999999999x1 log=loud integration=maybe \
             test-fault=segv test-exit= test-exit=Ready! test-exit=a-word-far-too-long-to-keep",
        );
        assert_eq!(cmdline.warnings().len(), MAX_WARNINGS);
        assert_eq!(cmdline.dropped_warnings(), 2);
        assert!(cmdline
            .warnings()
            .iter()
            .all(|w| w.kind == WarningKind::BadValue));
        assert_eq!(cmdline.mode, None);
        assert_eq!(cmdline.log_level, log::LevelFilter::Info);
        assert!(cmdline.integration);
        assert_eq!(cmdline.test_fault, None);
        assert_eq!(cmdline.test_exit, None);
    }

    #[test]
    fn repeated_option_last_wins_with_warning() {
        let cmdline = Cmdline::parse("mode=800x600 mode=1024X768");
        assert_eq!(
            cmdline.mode,
            Some(ModeRequest {
                width: 1024,
                height: 768
            })
        );
        assert_eq!(kinds(&cmdline), [WarningKind::Repeated]);
    }

    #[test]
    fn kernel_path_as_first_word_is_skipped() {
        let cmdline = Cmdline::parse("/boot/vitrine.elf log=warn");
        assert_eq!(cmdline.log_level, log::LevelFilter::Warn);
        assert!(cmdline.warnings().is_empty());
        // Anywhere else a path is just an unknown word.
        let cmdline = Cmdline::parse("log=warn /boot/vitrine.elf");
        assert_eq!(kinds(&cmdline), [WarningKind::UnknownOption]);
    }

    #[test]
    fn app_options_are_kept_with_quoted_spaces_and_not_warned() {
        let cmdline = Cmdline::parse(
            r#"log=warn app.title="Gare de Lyon" "app.city=Genève 5 €" app.rows=8 app.q="say \"hi\"" mode=800x600"#,
        );
        assert!(cmdline.warnings().is_empty(), "{:?}", cmdline.warnings());
        let options = &cmdline.app_options;
        assert_eq!(options.get("title"), Some("Gare de Lyon"));
        assert_eq!(options.get("city"), Some("Genève 5 €"));
        assert_eq!(options.get("rows"), Some("8"));
        assert_eq!(options.get("q"), Some(r#"say "hi""#));
        assert_eq!(cmdline.log_level, log::LevelFilter::Warn);
        assert_eq!(
            cmdline.mode,
            Some(ModeRequest {
                width: 800,
                height: 600
            })
        );
    }

    #[test]
    fn bad_or_repeated_app_options_warn() {
        let long = "v".repeat(crate::app_options::MAX_VALUE + 1);
        let cmdline = Cmdline::parse(&format!(
            "app.a=1 app.a=2 app.=x app.long={long} station=Lyon \"app.open=unterminated"
        ));
        assert_eq!(
            kinds(&cmdline),
            [
                WarningKind::Repeated,
                WarningKind::BadValue,
                WarningKind::BadValue,
                WarningKind::UnknownOption,
            ]
        );
        assert_eq!(cmdline.app_options.get("a"), Some("2"));
        // An unterminated quote runs to the end of the line.
        assert_eq!(cmdline.app_options.get("open"), Some("unterminated"));
    }

    #[test]
    fn extra_whitespace_and_non_ascii_do_not_panic() {
        let cmdline = Cmdline::parse("  \t log=error\n\n mode=éxé ünïcödé=✓✓✓✓✓✓✓✓✓✓✓✓✓✓✓✓✓✓✓✓ ");
        assert_eq!(cmdline.log_level, log::LevelFilter::Error);
        assert_eq!(
            kinds(&cmdline),
            [WarningKind::BadValue, WarningKind::UnknownOption]
        );
        // The kept text is a char-boundary prefix of the word.
        let kept = &cmdline.warnings()[1].word;
        assert!(kept.len() <= MAX_WARNING_TEXT);
        assert!("ünïcödé=✓✓✓✓✓✓✓✓✓✓✓✓✓✓✓✓✓✓✓✓".starts_with(kept.as_str()));
    }

    #[test]
    fn warning_display_names_the_word() {
        let cmdline = Cmdline::parse("colour=blue");
        assert_eq!(
            cmdline.warnings()[0].to_string(),
            "cmdline: unknown option: \"colour=blue\""
        );
    }
}
