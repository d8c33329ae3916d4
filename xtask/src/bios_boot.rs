//! Experiment: Vitrine's own BIOS boot image in place of GRUB on BIOS (issue 12).
//!
//! GRUB's Multiboot2 path alone costs 1.13-1.19x a bare GRUB boot under SeaBIOS (module
//! loads, file reads through ISO9660 and ATAPI PIO), so the boot goal cannot be met
//! behind GRUB. `bios_boot.s` is a 2 KiB El Torito no-emulation boot image that reads
//! the packed kernel ELF appended to it with INT 13h, takes the E820 map, enables A20,
//! builds the Multiboot2 information (command line, loader name, basic memory, memory
//! map, ACPI RSDP), copies the PT_LOAD segments in 32-bit protected mode and enters the
//! kernel as a Multiboot2 loader would. The ISO keeps GRUB's EFI image as its UEFI
//! entry, so it still boots both ways.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::{run_command, Result};

/// The stub's source, assembled with binutils (`as`, `ld`) at ISO build time.
const STUB_SOURCE: &str = include_str!("bios_boot.s");
/// Bytes the BIOS loads and the stub must fit in: one CD sector, 4 x 512 bytes.
const STUB_SIZE: usize = 2048;
/// The tag before the stub's command-line field (`bios_boot.s`: `command_line`).
const CMDLINE_TAG: &[u8; 8] = b"VitrCmdl";
/// The command-line field's bytes, its NUL included.
const CMDLINE_FIELD: usize = 257;
/// Where the stub reads the kernel to (0x10000..0x9F000): the ELF must fit there.
const MAX_KERNEL_BYTES: usize = 0x9F000 - 0x10000;
/// Path of the boot image inside the ISO.
const IMAGE_ISO_PATH: &str = "boot/vitrine-bios.img";

/// Whether `VITRINE_OWN_BIOS_BOOT=1` asks the boot tests and the boot bench for the
/// own-BIOS-boot ISO as well.
pub fn wanted() -> bool {
    std::env::var("VITRINE_OWN_BIOS_BOOT").is_ok_and(|v| v == "1")
}

/// The assembled stub with `cmdline` in its command-line field, padded to one sector.
fn stub(cmdline: &str) -> Result<Vec<u8>> {
    // One folder per call: the unit tests assemble in parallel.
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    let dir = crate::target_dir()
        .join("xtask")
        .join("bios-boot")
        .join(format!(
            "stub-{}-{}",
            std::process::id(),
            CALLS.fetch_add(1, Ordering::Relaxed)
        ));
    fs::create_dir_all(&dir)?;
    let source = dir.join("bios_boot.s");
    fs::write(&source, STUB_SOURCE)?;
    let object = dir.join("bios_boot.o");
    let binary = dir.join("bios_boot.bin");
    run_command(
        Command::new("as")
            .arg("--32")
            .arg("-o")
            .arg(&object)
            .arg(&source),
    )?;
    run_command(
        Command::new("ld")
            .args(["-m", "elf_i386", "-Ttext", "0x7c00", "--oformat", "binary"])
            .args(["-e", "_start", "-o"])
            .arg(&binary)
            .arg(&object),
    )?;
    let mut bytes = fs::read(&binary)?;
    fs::remove_dir_all(&dir)?;
    if bytes.len() > STUB_SIZE {
        return Err(format!(
            "BIOS boot stub is {} bytes, over the {STUB_SIZE} the BIOS loads",
            bytes.len()
        )
        .into());
    }
    let line = cmdline.trim().as_bytes();
    if line.len() >= CMDLINE_FIELD {
        return Err(format!("cmdline longer than {} bytes", CMDLINE_FIELD - 1).into());
    }
    let at = bytes
        .windows(CMDLINE_TAG.len())
        .position(|w| w == CMDLINE_TAG)
        .ok_or("BIOS boot stub has no command-line field")?
        + CMDLINE_TAG.len();
    bytes.resize(STUB_SIZE.max(at + CMDLINE_FIELD), 0);
    bytes[at..at + line.len()].copy_from_slice(line);
    Ok(bytes)
}

/// The boot image: the stub, then the packed kernel ELF `kernel` from the next sector.
fn boot_image(kernel: &[u8], cmdline: &str) -> Result<Vec<u8>> {
    if kernel.len() > MAX_KERNEL_BYTES {
        return Err(format!(
            "packed kernel is {} KiB; the BIOS boot stub reads at most {} KiB",
            kernel.len().div_ceil(1024),
            MAX_KERNEL_BYTES / 1024
        )
        .into());
    }
    let mut image = stub(cmdline)?;
    image.extend_from_slice(kernel);
    Ok(image)
}

/// The own-BIOS-boot ISO beside the GRUB ISO `output`: `NAME-ownboot.iso`.
pub fn direct_iso_for(output: &Path) -> PathBuf {
    let stem = output
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "vitrine".into());
    output.with_file_name(format!("{stem}-ownboot.iso"))
}

/// Builds `direct` from the GRUB ISO `grub_iso` just made by `crate::iso::make_iso`
/// with the same `cmdline`: its files (GRUB's EFI side and grub.cfg for UEFI), the BIOS
/// El Torito entry replaced by our boot image, GRUB's BIOS modules left out.
pub fn make_direct_iso(grub_iso: &Path, cmdline: &str, direct: &Path) -> Result<u64> {
    let kernel = fs::read(crate::iso::staged_kernel(grub_iso))?;
    let image = boot_image(&kernel, cmdline)?;
    let tree = crate::target_dir()
        .join("xtask")
        .join("bios-boot")
        .join("tree");
    if tree.exists() {
        fs::remove_dir_all(&tree)?;
    }
    run_command(
        Command::new("xorriso")
            .args(["-osirrox", "on", "-indev"])
            .arg(grub_iso)
            .args(["-extract", "/"])
            .arg(&tree)
            .args(["-report_about", "SORRY"]),
    )?;
    // Extracted files are read-only, as on the CD.
    run_command(Command::new("chmod").args(["-R", "u+w"]).arg(&tree))?;
    fs::remove_dir_all(tree.join("boot").join("grub").join("i386-pc"))?;
    fs::remove_file(tree.join("boot.catalog")).ok();
    fs::write(tree.join(IMAGE_ISO_PATH), &image)?;
    run_command(
        Command::new("xorriso")
            .args(["-as", "mkisofs", "-quiet", "-o"])
            .arg(direct)
            .args(["-V", "VITRINE", "-R", "-J", "-c", "boot.catalog"])
            .args(["-b", IMAGE_ISO_PATH, "-no-emul-boot"])
            .args(["-boot-load-size", "4", "-boot-info-table"])
            .args(["-eltorito-alt-boot", "-e", "efi.img", "-no-emul-boot"])
            .arg(&tree),
    )?;
    let size = fs::metadata(direct)?.len();
    println!(
        "iso (own BIOS boot): {} ({} KiB)",
        direct.display(),
        size.div_ceil(1024)
    );
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stub_is_one_sector_with_the_command_line_in_its_field() {
        let bytes = stub("  mode=800x600 app.title=\"Gare de Lyon\" ").unwrap();
        assert_eq!(bytes.len(), STUB_SIZE);
        assert_eq!(
            bytes[0], 0xEB,
            "a short jump over the boot information table"
        );
        assert!(
            bytes[8..64].iter().all(|&b| b == 0),
            "table left to xorriso"
        );
        let at = bytes.windows(8).position(|w| w == CMDLINE_TAG).unwrap() + 8;
        let line = b"mode=800x600 app.title=\"Gare de Lyon\"";
        assert_eq!(&bytes[at..at + line.len()], line);
        assert_eq!(bytes[at + line.len()], 0);
    }

    #[test]
    fn a_command_line_over_256_bytes_is_refused() {
        assert!(stub(&"x".repeat(256)).is_ok());
        assert!(stub(&"x".repeat(257)).is_err());
    }

    #[test]
    fn the_kernel_follows_from_the_second_sector_and_must_fit_low_memory() {
        let kernel = b"\x7fELF and the rest".to_vec();
        let image = boot_image(&kernel, "").unwrap();
        assert_eq!(&image[STUB_SIZE..], &kernel[..]);
        assert!(boot_image(&vec![0; MAX_KERNEL_BYTES + 1], "").is_err());
    }
}
