//! The app's host binary: what [`crate::main!`] makes of the app off bare metal.
//!
//! `cargo run -p APP` on the host lands here and forwards to the bare-metal build
//! and its cargo runner (an ISO booted in QEMU); the other commands render the app
//! into memory so tools (`cargo xtask preview`, screenshot and click checks) work for
//! any app without linking it:
//!
//! ```text
//! APP [-- RUNNER OPTIONS]                       build for x86_64-unknown-none and boot it
//! APP render --size WxH --out FILE.ppm [--events SCRIPT] [--option NAME=VALUE]...
//! APP widgets --size WxH [--events SCRIPT] [--option NAME=VALUE]...
//!                                               one `widget id= x= y= w= h=` line each
//! APP bench --size WxH [--rounds N]             full redraws against plain fills
//! APP serve --size WxH                          a host loop over stdin (`preview --live`)
//! ```
//!
//! A script is `;`-separated steps: `move X Y`, `press`, `release`, `hover W`,
//! `click W`, `press-on W` (widget W's centre), `key NAME` (a character, `enter`,
//! `tab`, `backtab`, `escape`, `backspace`, `left`, ...), `text WORDS`, `tick US`
//! (time passes: due timers fire, then a tick). `--option` gives the app an option
//! as `app.NAME=VALUE` on the kernel command line would.

mod boot;
mod render;
mod script;
mod serve;

pub use render::{render, widgets, HostFrame, HostOptions};
pub use script::{key_name, parse_script, Step};

use crate::app::App;
use std::process::ExitCode;
use std::string::String;
use std::vec::Vec;

/// Which app this binary is, as cargo built it (filled in by [`crate::main!`]).
#[derive(Debug, Clone, Copy)]
pub struct AppCrate {
    /// `CARGO_PKG_NAME`: the package, also its binary's name.
    pub package: &'static str,
    /// `CARGO_MANIFEST_DIR`: where cargo is run from for the bare-metal build, so the
    /// app's (or its workspace's) `.cargo/config.toml` and runner apply.
    pub manifest_dir: &'static str,
}

/// The host `main` of an app binary.
pub fn main<A: App>(app: AppCrate, new_app: fn() -> A) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("render") => render::render_command(new_app, &args[1..]),
        Some("widgets") => render::widgets_command(new_app, &args[1..]),
        Some("bench") => render::bench_command(new_app, &args[1..]),
        Some("serve") => serve::serve_command(new_app, &args[1..]),
        Some("help" | "--help" | "-h") => {
            std::println!("{}", usage(app.package));
            Ok(())
        }
        _ => boot::build_and_boot(app, &args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            std::eprintln!("{}: {error}", app.package);
            ExitCode::FAILURE
        }
    }
}

fn usage(package: &str) -> String {
    std::format!(
        "usage: {package} [RUNNER OPTIONS]   build for x86_64-unknown-none and boot in QEMU \
         (e.g. --uefi --mode 1280x800)\n       \
         {package} render --size WxH --out FILE.ppm [--events SCRIPT] [--option NAME=VALUE]...\n       \
         {package} widgets --size WxH [--events SCRIPT] [--option NAME=VALUE]...\n       \
         {package} bench --size WxH [--rounds N]\n       \
         {package} serve --size WxH                   (stdin lines -> PPM frames: cargo xtask preview --live)"
    )
}

/// `--name value` pairs after a command; anything else is an error.
pub(crate) struct Options {
    pairs: Vec<(String, String)>,
}

impl Options {
    pub(crate) fn parse(args: &[String], known: &[&str]) -> Result<Self, String> {
        let mut pairs = Vec::new();
        let mut it = args.iter();
        while let Some(name) = it.next() {
            if !known.contains(&name.as_str()) {
                return Err(std::format!(
                    "unknown option `{name}` (expected one of {known:?})"
                ));
            }
            let value = it
                .next()
                .ok_or_else(|| std::format!("{name} needs a value"))?;
            pairs.push((name.clone(), value.clone()));
        }
        Ok(Self { pairs })
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn size(&self) -> Result<(u32, u32), String> {
        let text = self.get("--size").unwrap_or("1024x768");
        let parsed = text.split_once('x').and_then(|(w, h)| {
            let side = |s: &str| s.parse::<u32>().ok().filter(|n| (1..=16384).contains(n));
            Some((side(w)?, side(h)?))
        });
        parsed.ok_or_else(|| std::format!("--size wants WxH (1..=16384 each), got `{text}`"))
    }
}
