//! Footprint: the smallest guest RAM (whole MiB, bisected) with which the kiosk
//! reaches its first frame under SeaBIOS, and the size of the kernel image (the
//! stripped ELF, before the ISO step packs it), with the bytes it loads and the zeroed
//! memory (.bss) it adds beside them; the packed size the ISO carries is in the detail.

use std::path::Path;
use std::time::{Duration, Instant};

use super::{Goal, Row};
use crate::qemu::{Firmware, QemuOptions, QemuRun};
use crate::Result;

/// A normal boot shows its first frame within a few seconds under TCG.
const TIMEOUT: Duration = Duration::from_secs(20);
/// Known-good upper bound of the bisection (MiB).
const START_MIB: u32 = 16;
/// Today's figures ("no worse" goals).
const GOAL_RAM_MIB: f64 = 4.0;
const GOAL_IMAGE_KIB: f64 = 373.0;

/// Whether a boot with `mib` of RAM reaches the first frame.
fn reaches_first_frame(iso: &Path, mib: u32) -> Result<bool> {
    let mut options = QemuOptions::new(iso.to_path_buf(), Firmware::Bios);
    options.memory_mib = mib;
    let mut run = QemuRun::start("bench-memory", &options)?;
    let start = Instant::now();
    while start.elapsed() < TIMEOUT {
        let log = run.serial_log();
        if log.contains("@vitrine frame ") {
            return Ok(true);
        }
        if log.contains("@vitrine system halted") || run.poll_exit()?.is_some() {
            return Ok(false);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(false)
}

/// The RAM and image-size rows.
pub fn measure(elf: &Path) -> Result<Vec<Row>> {
    let iso = super::iso_path("bench-memory");
    crate::iso::make_iso(elf, "", &iso)?;
    let stripped = crate::iso::stripped_kernel(&iso);
    let image = std::fs::metadata(&stripped)?.len();
    let (loaded, zeroed) = load_sizes(&stripped)?;
    let packed = std::fs::metadata(crate::iso::staged_kernel(&iso))?.len();
    if !reaches_first_frame(&iso, START_MIB)? {
        return Err(format!("no first frame with {START_MIB} MiB").into());
    }
    // Invariant: `high` boots, `low` does not (0 MiB cannot).
    let (mut low, mut high) = (0, START_MIB);
    while high - low > 1 {
        let mid = (low + high) / 2;
        if reaches_first_frame(&iso, mid)? {
            high = mid;
        } else {
            low = mid;
        }
    }
    Ok(vec![
        Row::new(
            "smallest RAM to the first frame",
            f64::from(high),
            "MiB",
            Goal::AtMost(GOAL_RAM_MIB),
        )
        .detail(format!("SeaBIOS, bisected; {low} MiB does not boot")),
        Row::new(
            "kernel image",
            (image as f64 / 1024.0).round(),
            "KiB",
            Goal::AtMost(GOAL_IMAGE_KIB),
        )
        .detail(format!(
            "{image} B stripped ELF, {} KiB packed in the ISO; loads {} KiB, zeroes {} KiB (.bss)",
            packed.div_ceil(1024),
            loaded.div_ceil(1024),
            zeroed.div_ceil(1024)
        )),
    ])
}

/// The bytes the ELF at `path` loads from the file (its PT_LOAD segments' file sizes)
/// and the memory its segments add zeroed beyond them (.bss).
fn load_sizes(path: &Path) -> Result<(u64, u64)> {
    let data = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let file = elf::ElfBytes::<elf::endian::AnyEndian>::minimal_parse(&data)
        .map_err(|e| format!("{} is not an ELF file: {e}", path.display()))?;
    let segments = file
        .segments()
        .ok_or_else(|| format!("{} has no program headers", path.display()))?;
    Ok(segments
        .iter()
        .filter(|segment| segment.p_type == elf::abi::PT_LOAD)
        .fold((0, 0), |(loaded, zeroed), segment| {
            (
                loaded + segment.p_filesz,
                zeroed + segment.p_memsz.saturating_sub(segment.p_filesz),
            )
        }))
}
