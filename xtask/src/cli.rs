//! The command line (clap derive): the subcommand list; each subcommand's options
//! live next to its code, in its own module.

use clap::{Args, Parser, Subcommand};

/// The app crate built when `-p` is not given: the demo kiosk.
pub const DEFAULT_APP: &str = "vitrine-app";

/// `cargo xtask <command> [options]`.
#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "Vitrine's build, ISO, QEMU run and boot-test tool",
    after_help = "build, iso, run, test and bench install what they need (Rust target, Debian packages)."
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build an app's kernel image (x86_64-unknown-none, release) and print its path
    Build(crate::build::BuildArgs),
    /// Create a new app crate (apps/NAME, or a stand-alone crate with --path)
    New(crate::new_app::NewArgs),
    /// Build a hybrid BIOS + UEFI ISO (images/vitrine.iso for the demo)
    Iso(crate::iso::IsoArgs),
    /// Build the ISO and boot it in QEMU (TCG)
    Run(crate::run::RunArgs),
    /// Boot a kernel ELF in QEMU: the cargo runner behind `cargo run -p APP`
    Boot(crate::run::BootElfArgs),
    /// Host tests, then QEMU boot tests (SeaBIOS and OVMF)
    Test(crate::test::TestArgs),
    /// cargo fmt --check, clippy -D warnings (host and bare metal), tidy
    Check,
    /// Render an app on the host to a PNG, without booting
    Preview(crate::preview::PreviewArgs),
    /// Check that a QEMU screendump (PPM) shows the app
    CheckScreenshot(crate::screenshot::CheckScreenshotArgs),
    /// Run an app against the VirtualBox twin with a scenario (hosted/scenarios/*.sim)
    Sim(crate::sim::SimArgs),
    /// AFL++ fuzzing of every parser of untrusted input (fuzz/)
    Fuzz(crate::fuzz::FuzzArgs),
    /// Random host actions against the hosted kiosk, invariants checked every step
    Soak(crate::soak::SoakArgs),
    /// Add function names to the code addresses of a serial log's fault reports
    Symbolize(crate::symbolize::SymbolizeArgs),
    /// Create and start a VirtualBox VM booting an app's ISO
    Vbox(crate::vbox::VboxArgs),
    /// Time a full app redraw against a plain framebuffer fill (QEMU and host)
    Bench(crate::bench::BenchArgs),
}

/// `-p/--package APP`: which app crate a subcommand builds or renders.
#[derive(Debug, Clone, Args)]
pub struct AppPackage {
    /// The app crate (a workspace package whose binary has the package's name)
    #[arg(short = 'p', long = "package", value_name = "APP", default_value = DEFAULT_APP)]
    pub package: String,
}

impl Default for AppPackage {
    fn default() -> Self {
        Self {
            package: DEFAULT_APP.to_string(),
        }
    }
}

/// Parses `WxH` (e.g. `1920x1080`), both sides 1..=16384.
pub fn parse_size(text: &str) -> Result<(u32, u32), String> {
    let (w, h) = text
        .split_once('x')
        .ok_or_else(|| format!("wants WxH, got `{text}`"))?;
    let side = |s: &str| match s.parse::<u32>() {
        Ok(n @ 1..=16384) => Ok(n),
        _ => Err(format!("`{s}` is not a size in 1..=16384 (in `{text}`)")),
    };
    Ok((side(w)?, side(h)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn sizes_parse_and_bad_ones_fail() {
        assert_eq!(parse_size("800x600"), Ok((800, 600)));
        assert!(parse_size("800").is_err());
        assert!(parse_size("0x600").is_err());
        assert!(parse_size("800x99999").is_err());
    }

    #[test]
    fn every_app_command_takes_a_package_and_defaults_to_the_demo() {
        for command in [
            "build", "iso", "run", "test", "preview", "sim", "vbox", "bench",
        ] {
            let mut words = vec!["cargo xtask", command];
            if command == "sim" {
                words.extend(["--script", "x.sim"]);
            }
            let default = Cli::try_parse_from(&words).unwrap();
            words.extend(["-p", "my-app"]);
            let chosen = Cli::try_parse_from(&words).unwrap();
            assert_eq!(package_of(&default.command), Some(DEFAULT_APP), "{command}");
            assert_eq!(package_of(&chosen.command), Some("my-app"), "{command}");
        }
        assert!(Cli::try_parse_from(["cargo xtask", "check", "-p", "x"]).is_err());
        assert!(Cli::try_parse_from(["cargo xtask", "build", "--bogus"]).is_err());
    }

    fn package_of(command: &Command) -> Option<&str> {
        let app = match command {
            Command::Build(a) => &a.app,
            Command::Iso(a) => &a.app,
            Command::Run(a) => &a.app,
            Command::Test(a) => &a.app,
            Command::Preview(a) => &a.app,
            Command::Sim(a) => &a.app,
            Command::Vbox(a) => &a.app,
            Command::Bench(a) => &a.app,
            Command::Check
            | Command::CheckScreenshot(_)
            | Command::Boot(_)
            | Command::New(_)
            | Command::Fuzz(_)
            | Command::Soak(_)
            | Command::Symbolize(_) => return None,
        };
        Some(&app.package)
    }
}
