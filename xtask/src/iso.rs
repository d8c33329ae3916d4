//! `cargo xtask iso`: a hybrid BIOS + UEFI ISO with GRUB, the kernel and grub.cfg.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cli::AppPackage;
use crate::{run_command, Result};

/// GRUB modules the ISO carries (grub-mkrescue adds their dependencies): loading a
/// Multiboot2 kernel from the ISO, the serial console, `test`, `iorw` (one PCI config
/// read at the VGA's usual slot) and `setpci` (the fallback scan) for grub.cfg's
/// video choice, and the video drivers (`all_video` brings `efi_gop` on UEFI, VBE
/// and friends on BIOS) for when GRUB must hand over a framebuffer. Only
/// what grub.cfg loads is read at boot. GRUB's EFI image probes every partition-map
/// module at start; shipping the small ones keeps the log free of "file not found"
/// errors.
const GRUB_MODULES: &str = "multiboot2 normal serial terminal iso9660 all_video test iorw setpci \
                            part_msdos part_gpt part_acorn part_amiga part_apple part_bsd \
                            part_dfly part_dvh part_plan part_sun part_sunpc";

/// How grub-mkrescue stores GRUB's modules: uncompressed, because decompressing xz
/// modules under emulation costs more boot time (~50 ms under QEMU TCG for the
/// modules a boot loads) than reading the extra bytes from the CD. The bare GRUB ISO
/// the bench compares against is built the same way.
const MODULE_COMPRESSION: &str = "--compress=no";

/// The token in `images/grub.cfg` replaced by the kernel command line.
const CMDLINE_TOKEN: &str = "@CMDLINE@";
/// The token in `images/grub.cfg` replaced by "yes" when the command line asks for
/// the firmware framebuffer (`display=firmware`), so GRUB sets a video mode under
/// BIOS whatever the VGA.
const FIRMWARE_FB_TOKEN: &str = "@FIRMWARE_FB@";

/// `cargo xtask iso` options.
#[derive(Debug, Default, clap::Args)]
pub struct IsoArgs {
    #[command(flatten)]
    pub app: AppPackage,
    /// Kernel command line baked into grub.cfg
    #[arg(long, value_name = "\"...\"", default_value = "")]
    pub cmdline: String,
    /// Where to write the ISO (default: images/vitrine.iso, images/APP.iso for other apps)
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
}

/// `cargo xtask iso`.
pub fn run(args: &IsoArgs) -> Result {
    let output = args
        .out
        .clone()
        .unwrap_or_else(|| iso_for(&args.app.package));
    crate::setup::ensure_all()?;
    let elf = crate::build::build_kernel(&args.app.package)?;
    make_iso(&elf, &args.cmdline, &output)?;
    Ok(())
}

/// `images/vitrine.iso`: the demo's ISO.
pub fn default_iso() -> PathBuf {
    crate::project_root().join("images").join("vitrine.iso")
}

/// The ISO of `package`: `images/vitrine.iso` for the demo, `images/APP.iso` else.
pub fn iso_for(package: &str) -> PathBuf {
    if package == crate::cli::DEFAULT_APP {
        default_iso()
    } else {
        crate::project_root()
            .join("images")
            .join(format!("{package}.iso"))
    }
}

/// Stages the kernel and grub.cfg (with `cmdline` baked in), runs grub-mkrescue, and
/// puts our own BIOS boot image first (xtask/src/bios_boot.rs; GRUB stays the second
/// BIOS entry, the UEFI entry and the USB/disk boot) unless `VITRINE_GRUB_BIOS_BOOT=1`.
/// Prints and returns the ISO size in bytes.
pub fn make_iso(elf: &Path, cmdline: &str, output: &Path) -> Result<u64> {
    // Both ways below write `output`: its folder must exist in a fresh target dir.
    if let Some(parent) = output.parent() {
        fs::create_dir_all(parent)?;
    }
    let staging = staging_dir(output)?;
    // The image boots without its debug info and symbol table (GRUB would read the
    // symbols from the CD at every boot for the ELF-sections tag, which the kernel
    // does not use); fault reports' raw addresses resolve against the unstripped ELF
    // under target/ (`cargo xtask symbolize`).
    let stripped = stripped_kernel(output);
    let mut strip = Command::new("objcopy");
    strip.arg("--strip-all").arg(elf).arg(&stripped);
    run_command(&mut strip)?;
    // The ISO carries it packed (xtask/src/pack.rs): less to read from the CD.
    let (packed, sizes) = crate::pack::pack(&fs::read(&stripped)?)?;
    fs::write(staging.join("boot").join("vitrine.elf"), &packed)?;
    println!(
        "kernel: {} KiB stripped, {} KiB packed ({} KiB of sections in {} KiB of LZ4)",
        fs::metadata(&stripped)?.len().div_ceil(1024),
        packed.len().div_ceil(1024),
        sizes.unpacked.div_ceil(1024),
        sizes.compressed.div_ceil(1024)
    );

    write_config(&staging, cmdline)?;
    if crate::bios_boot::opted_out() {
        return mkrescue(&staging, GRUB_MODULES, output);
    }
    let grub_iso = staging_dir_path(output).with_extension("grub.iso");
    mkrescue(&staging, GRUB_MODULES, &grub_iso)?;
    crate::bios_boot::make_iso(&grub_iso, &staged_kernel(output), cmdline, output)
}

/// Writes `images/grub.cfg` with `cmdline` baked in to `staging`'s `boot/grub/`.
fn write_config(staging: &Path, cmdline: &str) -> Result {
    let template_path = crate::project_root().join("images").join("grub.cfg");
    let template = fs::read_to_string(&template_path)
        .map_err(|e| format!("cannot read {}: {e}", template_path.display()))?;
    for token in [CMDLINE_TOKEN, FIRMWARE_FB_TOKEN] {
        if !template.contains(token) {
            return Err(format!("{} has no {token} token", template_path.display()).into());
        }
    }
    let config = template
        .replace(CMDLINE_TOKEN, &grub_quote(cmdline)?)
        .replace(
            FIRMWARE_FB_TOKEN,
            if wants_firmware_framebuffer(cmdline) {
                "yes"
            } else {
                "no"
            },
        );
    fs::write(staging.join("boot").join("grub").join("grub.cfg"), config)?;
    Ok(())
}

/// Our ISO (same GRUB modules, options and `grub.cfg`) with the kernel replaced by
/// the empty Multiboot2 kernel (`crate::empty_kernel`), which prints
/// [`crate::empty_kernel::MARKER`] and halts: the cost of GRUB's Multiboot2 path
/// alone, for the bench.
pub fn make_empty_kernel_iso(output: &Path) -> Result<u64> {
    let staging = staging_dir(output)?;
    fs::write(
        staging.join("boot").join("vitrine.elf"),
        crate::empty_kernel::image(),
    )?;
    write_config(&staging, "")?;
    mkrescue(&staging, GRUB_MODULES, output)
}

/// Whether the kernel command line may start the display chain at the firmware
/// framebuffer (any `display=firmware` word: a mode set GRUB did not need only costs
/// time).
pub fn wants_firmware_framebuffer(cmdline: &str) -> bool {
    words(cmdline).iter().any(|word| word == "display=firmware")
}

/// What the bare GRUB ISO prints on the serial port just before it powers off.
pub const BARE_GRUB_MARKER: &str = "bare-grub-halting";

/// A GRUB ISO that boots and powers the machine off at once: the floor `cargo xtask
/// bench` compares our boot against. Built like ours (same GRUB packages, modules and
/// grub-mkrescue options, the same serial set-up): without the partition-map modules
/// GRUB spends time looking for them, which would make the floor slower than it is.
pub fn make_bare_grub_iso(output: &Path) -> Result<u64> {
    let staging = staging_dir(output)?;
    fs::write(
        staging.join("boot").join("grub").join("grub.cfg"),
        format!(
            "serial --unit=0 --speed=115200 --word=8 --parity=no --stop=1\n\
             terminal_input serial console\n\
             terminal_output serial console\n\
             echo {BARE_GRUB_MARKER}\n\
             halt\n"
        ),
    )?;
    mkrescue(&staging, &format!("{GRUB_MODULES} echo halt"), output)
}

/// A fresh staging directory (with `boot/grub/`) for `output`.
fn staging_dir(output: &Path) -> Result<PathBuf> {
    let staging = staging_dir_path(output);
    if staging.exists() {
        fs::remove_dir_all(&staging)?;
    }
    fs::create_dir_all(staging.join("boot").join("grub"))?;
    Ok(staging)
}

/// Runs grub-mkrescue over `staging` with `modules`; prints and returns the size.
fn mkrescue(staging: &Path, modules: &str, output: &Path) -> Result<u64> {
    if let Some(parent) = output.parent() {
        fs::create_dir_all(parent)?;
    }
    let mut command = Command::new("grub-mkrescue");
    command
        .arg("-o")
        .arg(output)
        .arg(format!("--install-modules={modules}"))
        .args(["--locales=", "--fonts=", "--themes=", MODULE_COMPRESSION])
        .arg(staging)
        // xorriso is chatty on stderr; keep its errors, drop the progress lines.
        .args(["--", "-report_about", "SORRY"]);
    run_command(&mut command)?;
    let size = fs::metadata(output)?.len();
    println!("iso: {} ({} KiB)", output.display(), size.div_ceil(1024));
    Ok(size)
}

/// The kernel image inside the ISO `output` was last built as (packed).
pub fn staged_kernel(output: &Path) -> PathBuf {
    staging_dir_path(output).join("boot").join("vitrine.elf")
}

/// The stripped, unpacked kernel image of the ISO `output` (beside its staging
/// directory, outside the ISO).
pub fn stripped_kernel(output: &Path) -> PathBuf {
    staging_dir_path(output).with_extension("stripped.elf")
}

fn staging_dir_path(output: &Path) -> PathBuf {
    let stem = output
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "vitrine".into());
    crate::target_dir()
        .join("xtask")
        .join("iso-staging")
        .join(stem)
}

/// Makes a command line safe on GRUB's `multiboot2` line. Double quotes group a
/// word with spaces as on the kernel side (`app.title="Gare de Lyon"`); each word
/// goes to GRUB single-quoted when it holds characters GRUB would interpret, so GRUB
/// hands the kernel the word whole. Single quotes and line breaks are refused.
pub fn grub_quote(cmdline: &str) -> Result<String> {
    if cmdline.contains(['\'', '\n', '\r']) {
        return Err(
            format!("cmdline may not contain single quotes or line breaks: {cmdline:?}").into(),
        );
    }
    let safe = |c: char| c.is_ascii_alphanumeric() || "=,._:/+-".contains(c);
    Ok(words(cmdline)
        .iter()
        .map(|word| {
            if word.chars().all(safe) {
                word.to_string()
            } else {
                format!("'{word}'")
            }
        })
        .collect::<Vec<_>>()
        .join(" "))
}

/// The command line as GRUB's `multiboot2` hands it to the kernel for the line
/// [`grub_quote`] writes: the words, each with `\`, `'` and `"` escaped by a
/// backslash and put in double quotes when it holds a space, joined by one space. Our
/// own BIOS boot image passes exactly this, so the kernel sees one command line
/// whichever loader started it.
pub fn loader_cmdline(cmdline: &str) -> Result<String> {
    grub_quote(cmdline)?;
    Ok(words(cmdline)
        .iter()
        .map(|word| {
            let escaped: String = word
                .chars()
                .flat_map(|c| {
                    let escape = matches!(c, '\\' | '\'' | '"').then_some('\\');
                    escape.into_iter().chain([c])
                })
                .collect();
            if word.contains(' ') {
                format!("\"{escaped}\"")
            } else {
                escaped
            }
        })
        .collect::<Vec<_>>()
        .join(" "))
}

/// Splits at whitespace outside double quotes and drops the quotes (`\"` inside
/// quotes is a quote).
fn words(cmdline: &str) -> Vec<String> {
    let (mut words, mut word, mut quoted, mut any) = (Vec::new(), String::new(), false, false);
    let mut chars = cmdline.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            '\\' if quoted && matches!(chars.peek(), Some('"' | '\\')) => {
                word.extend(chars.next());
            }
            c if c.is_whitespace() && !quoted => {
                if any || !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                any = false;
            }
            c => word.push(c),
        }
    }
    if any || !word.is_empty() {
        words.push(word);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::{grub_quote, loader_cmdline};

    #[test]
    fn the_loader_command_line_is_what_grub_hands_the_kernel() {
        // GRUB quotes a word with a space whole and escapes quotes and backslashes.
        assert_eq!(
            loader_cmdline(" mode=800x600  app.title=\"Gare de Lyon\" ").unwrap(),
            "mode=800x600 \"app.title=Gare de Lyon\""
        );
        assert_eq!(
            loader_cmdline(r#"app.title="say \"hi\"" a\b"#).unwrap(),
            r#""app.title=say \"hi\"" a\\b"#
        );
        assert_eq!(loader_cmdline("").unwrap(), "");
        assert!(loader_cmdline("app.title='x'").is_err());
    }

    #[test]
    fn plain_words_pass_through() {
        assert_eq!(
            grub_quote("test-exit=ready  mode=800x600").unwrap(),
            "test-exit=ready mode=800x600"
        );
    }

    #[test]
    fn double_quoted_values_with_spaces_stay_one_word() {
        assert_eq!(
            grub_quote(r#"app.title="Gare de Lyon" mode=800x600"#).unwrap(),
            "'app.title=Gare de Lyon' mode=800x600"
        );
        assert_eq!(grub_quote(r#""app.a=b c""#).unwrap(), "'app.a=b c'");
    }

    #[test]
    fn only_display_firmware_asks_grub_for_a_bios_video_mode() {
        use super::wants_firmware_framebuffer as wants;
        assert!(wants("mode=800x600 display=firmware"));
        assert!(!wants("display=vbe"));
        assert!(!wants(r#"app.title="display=firmware x""#));
        assert!(!wants(""));
    }

    #[test]
    fn special_characters_are_quoted_and_quotes_refused() {
        assert_eq!(grub_quote("a=$x;b").unwrap(), "'a=$x;b'");
        assert!(grub_quote("a='b'").is_err());
        assert!(grub_quote("a\nb").is_err());
    }
}
