//! Vitrine's own BIOS boot image: the ISO's default BIOS entry, in place of GRUB's.
//!
//! GRUB's Multiboot2 path alone costs 1.13-1.19x a bare GRUB boot under SeaBIOS (module
//! loads, file reads through ISO9660 and ATAPI PIO), so the boot goal cannot be met
//! behind GRUB. `bios_boot.s` is a 2 KiB El Torito no-emulation boot image that reads
//! the packed kernel ELF appended to it with INT 13h, takes the E820 map, enables A20,
//! builds the Multiboot2 information (command line, loader name, basic memory, memory
//! map, ACPI RSDP), copies the PT_LOAD segments in 32-bit protected mode and enters the
//! kernel as a Multiboot2 loader would. It sets no video mode: where the kernel may
//! need the firmware framebuffer (display=firmware, or a VGA at 00:02.0 the kernel does
//! not program) it hands over to GRUB's BIOS image, the ISO's second El Torito entry,
//! whose grub.cfg decides as before. GRUB also keeps the hybrid MBR (USB/disk boot) and
//! the UEFI entry, as grub-mkrescue lays them out.

use std::fs;
use std::path::Path;
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

/// Whether `VITRINE_GRUB_BIOS_BOOT=1` asks for GRUB as the first BIOS entry again
/// (the ISO as grub-mkrescue makes it): the opt-out, for comparisons.
pub fn opted_out() -> bool {
    std::env::var("VITRINE_GRUB_BIOS_BOOT").is_ok_and(|v| v == "1")
}

/// The assembled stub with `cmdline` in its command-line field (as GRUB would hand it
/// to the kernel: [`crate::iso::loader_cmdline`]) and the firmware-framebuffer flag
/// after it, padded to one sector.
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
    let line = crate::iso::loader_cmdline(cmdline)?;
    let line = line.as_bytes();
    if line.len() >= CMDLINE_FIELD {
        return Err(format!("cmdline longer than {} bytes", CMDLINE_FIELD - 1).into());
    }
    let at = bytes
        .windows(CMDLINE_TAG.len())
        .position(|w| w == CMDLINE_TAG)
        .ok_or("BIOS boot stub has no command-line field")?
        + CMDLINE_TAG.len();
    if bytes.len() < at + CMDLINE_FIELD + 1 {
        return Err("BIOS boot stub has no firmware-framebuffer flag after its cmdline".into());
    }
    bytes.resize(STUB_SIZE, 0);
    bytes[at..at + line.len()].copy_from_slice(line);
    bytes[at + CMDLINE_FIELD] = u8::from(crate::iso::wants_firmware_framebuffer(cmdline));
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

/// GRUB's El Torito image for BIOS (the second entry) and its hybrid MBR.
const GRUB_ELTORITO: &str = "boot/grub/i386-pc/eltorito.img";
const GRUB_HYBRID_MBR: &str = "/usr/lib/grub/i386-pc/boot_hybrid.img";
/// Where GRUB's hybrid MBR keeps the 512-byte sector its core image starts at.
const MBR_CORE_SECTOR_AT: usize = 0x1b0;

/// Rebuilds the ISO grub-mkrescue made (`grub_iso`, for the kernel staged at `kernel`
/// and `cmdline`) as `output`, with the same files and GRUB's boot set-up (xorriso
/// options as grub-mkrescue passes them: the BIOS entry with GRUB's boot information,
/// the hybrid MBR for USB/disk boot, the EFI image as entry and partition), and our
/// boot image as the first, default BIOS entry before GRUB's.
pub fn make_iso(grub_iso: &Path, kernel: &Path, cmdline: &str, output: &Path) -> Result<u64> {
    let image = boot_image(&fs::read(kernel)?, cmdline)?;
    let tree = crate::target_dir()
        .join("xtask")
        .join("bios-boot")
        .join(format!("tree-{}", std::process::id()));
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
    fs::remove_file(tree.join("boot.catalog")).ok();
    fs::write(tree.join(IMAGE_ISO_PATH), &image)?;
    if output.exists() {
        fs::remove_file(output)?;
    }
    run_command(
        Command::new("xorriso")
            .args(["-as", "mkisofs", "-quiet", "-o"])
            .arg(output)
            .args(["-r", "-c", "boot.catalog"])
            .args(["-b", IMAGE_ISO_PATH, "-no-emul-boot"])
            .args(["-boot-load-size", "4", "-boot-info-table"])
            .args(["-eltorito-alt-boot", "-b", GRUB_ELTORITO, "-no-emul-boot"])
            .args([
                "-boot-load-size",
                "4",
                "-boot-info-table",
                "--grub2-boot-info",
            ])
            .args([
                "--grub2-mbr",
                GRUB_HYBRID_MBR,
                "-hfsplus",
                "-apm-block-size",
                "2048",
            ])
            .args(["-hfsplus-file-creator-type", "chrp", "tbxj"])
            .args(["/System/Library/CoreServices/.disk_label"])
            .args([
                "-hfs-bless-by",
                "i",
                "/System/Library/CoreServices/boot.efi",
            ])
            .args([
                "--efi-boot",
                "efi.img",
                "-efi-boot-part",
                "--efi-boot-image",
            ])
            .args(["--protective-msdos-label"])
            .args(["--sort-weight", "0", "/", "--sort-weight", "1", "/boot"])
            .arg(&tree),
    )?;
    fs::remove_dir_all(&tree)?;
    point_hybrid_mbr_at_grub(output)?;
    let size = fs::metadata(output)?.len();
    println!(
        "iso: {} ({} KiB; BIOS: own boot image, GRUB for USB and the firmware framebuffer)",
        output.display(),
        size.div_ceil(1024)
    );
    Ok(size)
}

/// xorriso points GRUB's hybrid MBR at the first El Torito image, now ours: point it
/// at GRUB's core image again (in 512-byte sectors, eltorito.img's LBA x 4 + 4, as in
/// grub-mkrescue's ISO), so USB/disk boot stays GRUB's.
fn point_hybrid_mbr_at_grub(iso: &Path) -> Result {
    let mut bytes = fs::read(iso)?;
    let entries = boot_entries(&bytes)?;
    let grub = entries
        .iter()
        .filter(|e| e.platform == 0)
        .nth(1)
        .ok_or("no second BIOS El Torito entry (GRUB) in the ISO")?;
    let sector = u64::from(grub.lba) * 4 + 4;
    bytes[MBR_CORE_SECTOR_AT..MBR_CORE_SECTOR_AT + 8].copy_from_slice(&sector.to_le_bytes());
    fs::write(iso, bytes)?;
    Ok(())
}

/// One bootable El Torito entry.
#[derive(Debug, PartialEq)]
struct BootEntry {
    platform: u8,
    sectors: u16,
    lba: u32,
}

/// The ISO's bootable El Torito entries in catalog order (the default entry first),
/// found the way the stub does: Boot Record at sector 17, catalog, sections.
fn boot_entries(iso: &[u8]) -> Result<Vec<BootEntry>> {
    let sector = |lba: usize| iso.get(lba * 2048..lba * 2048 + 2048);
    let record = sector(17).ok_or("ISO too short")?;
    if &record[1..6] != b"CD001" || record[0] != 0 {
        return Err("no El Torito Boot Record at sector 17".into());
    }
    let catalog_lba = u32::from_le_bytes(record[0x47..0x4b].try_into()?) as usize;
    let catalog = sector(catalog_lba).ok_or("boot catalog beyond the ISO")?;
    let entry = |at: usize, platform: u8| BootEntry {
        platform,
        sectors: u16::from_le_bytes([catalog[at + 6], catalog[at + 7]]),
        lba: u32::from_le_bytes(catalog[at + 8..at + 12].try_into().unwrap()),
    };
    let mut entries = vec![entry(0x20, catalog[1])];
    let mut at = 0x40;
    while at + 32 <= catalog.len() && catalog[at] & 0xFE == 0x90 {
        let (last, platform) = (catalog[at] == 0x91, catalog[at + 1]);
        let count = u16::from_le_bytes([catalog[at + 2], catalog[at + 3]]);
        for _ in 0..count {
            at += 32;
            if catalog[at] == 0x88 {
                entries.push(entry(at, platform));
            }
        }
        at += 32;
        if last {
            break;
        }
    }
    Ok(entries)
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
        // As GRUB would hand it to the kernel (crate::iso::loader_cmdline).
        let line = b"mode=800x600 \"app.title=Gare de Lyon\"";
        assert_eq!(&bytes[at..at + line.len()], line);
        assert_eq!(bytes[at + line.len()], 0);
        assert_eq!(
            bytes[at + CMDLINE_FIELD],
            0,
            "no firmware framebuffer asked for"
        );
    }

    #[test]
    fn display_firmware_sets_the_flag_that_hands_over_to_grub() {
        let bytes = stub("mode=800x600 display=firmware").unwrap();
        let at = bytes.windows(8).position(|w| w == CMDLINE_TAG).unwrap() + 8;
        assert_eq!(bytes[at + CMDLINE_FIELD], 1);
    }

    #[test]
    fn the_iso_boots_our_image_first_then_grub_and_the_hybrid_mbr_goes_to_grub() {
        let dir = crate::target_dir()
            .join("xtask")
            .join("bios-boot")
            .join("unit");
        fs::create_dir_all(dir.join("st").join("boot").join("grub")).unwrap();
        fs::write(dir.join("st/boot/grub/grub.cfg"), "halt\n").unwrap();
        let grub_iso = dir.join("grub.iso");
        run_command(
            Command::new("grub-mkrescue")
                .arg("-o")
                .arg(&grub_iso)
                .arg(dir.join("st"))
                .args(["--", "-report_about", "SORRY"]),
        )
        .unwrap();
        let kernel = dir.join("kernel.elf");
        fs::write(&kernel, b"\x7fELF stand-in").unwrap();
        let iso = dir.join("own.iso");
        make_iso(&grub_iso, &kernel, "", &iso).unwrap();
        let bytes = fs::read(&iso).unwrap();
        let entries = boot_entries(&bytes).unwrap();
        let platforms: Vec<u8> = entries.iter().map(|e| e.platform).collect();
        assert_eq!(
            platforms,
            [0, 0, 0xEF],
            "ours, GRUB's BIOS image, GRUB's EFI image"
        );
        let at = |e: &BootEntry| e.lba as usize * 2048;
        let (ours, grub) = (&entries[0], &entries[1]);
        assert_eq!(ours.sectors, 4);
        assert_eq!(&bytes[at(ours) + STUB_SIZE..][..13], b"\x7fELF stand-in");
        // xorriso wrote the image's LBA into our boot information table ...
        assert_eq!(
            &bytes[at(ours) + 12..at(ours) + 16],
            &ours.lba.to_le_bytes()
        );
        // ... and GRUB's (its core image's first 512-byte sector, at byte 2548), and
        // the hybrid MBR loads GRUB's core image.
        let grub_core = u64::from(grub.lba) * 4 + 4;
        assert_eq!(
            &bytes[at(grub) + 12..at(grub) + 16],
            &grub.lba.to_le_bytes()
        );
        assert_eq!(
            &bytes[at(grub) + 2548..at(grub) + 2556],
            &(grub_core + 1).to_le_bytes()
        );
        assert_eq!(&bytes[MBR_CORE_SECTOR_AT..][..8], &grub_core.to_le_bytes());
        let mbr = fs::read(GRUB_HYBRID_MBR).unwrap();
        // The Apple partition map's signature takes the first 8 bytes, as in GRUB's ISO.
        assert_eq!(&bytes[8..0x1b0], &mbr[8..0x1b0]);
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
