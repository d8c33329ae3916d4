//! Reads the Multiboot2 boot information (with the `multiboot2` crate) into a
//! [`BootInfo`]. Missing or malformed tags give a log line and a fallback.

use multiboot2::{BootInformation, BootInformationHeader, FramebufferType};

use super::cmdline::Cmdline;
use super::memory_map::{MemoryMap, RawRegion, RegionKind};
use super::{bounded_copy, BootInfo, ColorField, Firmware, FirmwareFramebuffer};

/// The magic a Multiboot2 loader leaves in EAX.
pub const BOOTLOADER_MAGIC: u32 = 0x36d7_6289;

/// Reads the boot information at `address`, handed over by a loader that left
/// `magic` in EAX.
///
/// # Safety
/// When `magic` is the Multiboot2 magic, `address` must point to the loader's boot
/// information, readable for its whole stated size, and not overwritten while the
/// returned `BootInfo` is built.
pub unsafe fn read(magic: u32, address: u64) -> BootInfo {
    if magic != BOOTLOADER_MAGIC {
        log::warn!(
            "boot: not started by a Multiboot2 loader (magic {magic:#x}); no boot information"
        );
        return BootInfo::fallback();
    }
    // SAFETY: the loader's magic is present, so `address` is its boot information
    // (caller's contract); `load` checks alignment, size and the end tag.
    let loaded = unsafe { BootInformation::load(address as *const BootInformationHeader) };
    match loaded {
        Ok(info) => from_multiboot(&info),
        Err(error) => {
            log::warn!(
                "boot: malformed Multiboot2 information at {address:#x} ({error:?}); ignored"
            );
            BootInfo::fallback()
        }
    }
}

fn from_multiboot(info: &BootInformation) -> BootInfo {
    let mut boot = BootInfo::fallback();
    // GRUB only passes EFI system-table / image-handle tags when UEFI started it.
    let uefi = info.efi_sdt64_tag().is_some()
        || info.efi_sdt32_tag().is_some()
        || info.efi_ih64_tag().is_some()
        || info.efi_memory_map_tag().is_some();
    boot.firmware = if uefi { Firmware::Uefi } else { Firmware::Bios };

    boot.memory = memory_map(info);

    match info.command_line_tag().map(|tag| tag.cmdline()) {
        Some(Ok(text)) => {
            let (copy, cut) = bounded_copy(text.trim());
            if cut {
                log::warn!(
                    "boot: command line longer than {} bytes; the rest is ignored",
                    super::MAX_CMDLINE
                );
            }
            boot.cmdline_text = copy;
        }
        Some(Err(error)) => log::warn!("boot: command line is not UTF-8 ({error:?}); ignored"),
        None => {}
    }
    boot.cmdline = Cmdline::parse(&boot.cmdline_text);

    // The RSDP tags carry a copy of the RSDP right after their 8-byte tag header.
    let tag_payload = |tag: *const u8| tag as u64 + 8;
    if let Some(tag) = info.rsdp_v2_tag() {
        if tag.checksum_is_valid() {
            boot.rsdp = Some(tag_payload(tag as *const _ as *const u8));
        } else {
            log::warn!("boot: RSDP v2 tag has a bad checksum; ignored");
        }
    }
    if boot.rsdp.is_none() {
        if let Some(tag) = info.rsdp_v1_tag() {
            if tag.checksum_is_valid() {
                boot.rsdp = Some(tag_payload(tag as *const _ as *const u8));
            } else {
                log::warn!("boot: RSDP v1 tag has a bad checksum; ignored");
            }
        }
    }

    boot.framebuffer = framebuffer(info);
    boot
}

fn memory_map(info: &BootInformation) -> MemoryMap {
    if let Some(tag) = info.memory_map_tag() {
        return MemoryMap::from_raw(tag.memory_areas().iter().map(|area| RawRegion {
            start: area.start_address(),
            len: area.size(),
            kind: RegionKind::from_multiboot_type(area.typ().val()),
        }));
    }
    if let Some(basic) = info.basic_memory_info_tag() {
        log::warn!("boot: no memory map tag; using the basic lower/upper memory sizes");
        let lower = RawRegion {
            start: 0,
            len: basic.memory_lower() as u64 * 1024,
            kind: RegionKind::Usable,
        };
        let upper = RawRegion {
            start: 1 << 20,
            len: basic.memory_upper() as u64 * 1024,
            kind: RegionKind::Usable,
        };
        return MemoryMap::from_raw([lower, upper]);
    }
    log::warn!("boot: no memory information from the loader; memory map empty");
    MemoryMap::from_raw(core::iter::empty())
}

fn framebuffer(info: &BootInformation) -> Option<FirmwareFramebuffer> {
    let tag = match info.framebuffer_tag()? {
        Ok(tag) => tag,
        Err(error) => {
            log::warn!("boot: framebuffer tag of unknown type ({error:?}); ignored");
            return None;
        }
    };
    let Ok(FramebufferType::RGB { red, green, blue }) = tag.buffer_type() else {
        log::info!("boot: firmware display is not a linear RGB framebuffer (text or indexed)");
        return None;
    };
    let field = |f: multiboot2::FramebufferField| ColorField {
        position: f.position,
        size: f.size,
    };
    let candidate = FirmwareFramebuffer {
        phys: tag.address(),
        width: tag.width(),
        height: tag.height(),
        pitch: tag.pitch(),
        bpp: tag.bpp(),
        red: field(red),
        green: field(green),
        blue: field(blue),
    };
    match candidate.validate() {
        Ok(framebuffer) => Some(framebuffer),
        Err(reason) => {
            log::warn!("boot: firmware framebuffer unusable ({reason:?}); ignored");
            None
        }
    }
}
