//! Reads the Multiboot2 boot information (with the `multiboot2` crate) into a
//! [`BootInfo`]. Missing or malformed tags give a log line and a fallback.

use crate::logging;
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
        logging::warn!(
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
            logging::warn!(
                "boot: malformed Multiboot2 information at {address:#x} ({error:?}); ignored"
            );
            BootInfo::fallback()
        }
    }
}

/// Multiboot2 tag type numbers and the smallest size (header included) at which the
/// crate can read each without tripping its internal assertions.
mod tag_type {
    pub const COMMAND_LINE: u32 = 1;
    pub const BASIC_MEMORY: u32 = 4;
    pub const MEMORY_MAP: u32 = 6;
    pub const FRAMEBUFFER: u32 = 8;
    pub const EFI_SYSTEM_TABLE_64: u32 = 12;
    pub const RSDP_V1: u32 = 14;
    pub const RSDP_V2: u32 = 15;
    /// EFI 32/64-bit system table, EFI memory map, boot services not terminated,
    /// EFI 32/64-bit image handle: GRUB passes these only when UEFI started it.
    pub const EFI_TAGS: [u32; 6] = [11, EFI_SYSTEM_TABLE_64, 17, 18, 19, 20];

    /// (type, minimum size): 8-byte header plus the fixed fields.
    pub const MINIMUM_SIZES: [(u32, u32); 7] = [
        (COMMAND_LINE, 9),
        (BASIC_MEMORY, 16),
        (MEMORY_MAP, 16),
        (FRAMEBUFFER, 32),
        (EFI_SYSTEM_TABLE_64, 16),
        (RSDP_V1, 8 + 20),
        (RSDP_V2, 8 + 36),
    ];

    /// Tags the crate reads as fixed-size structs: it also panics when such a tag
    /// is longer than the struct (found by the `multiboot` fuzz target).
    pub const FIXED_SIZE: [u32; 3] = [BASIC_MEMORY, RSDP_V1, RSDP_V2];
}

/// True when every tag of type `typ` is at least as long as its fixed part, and no
/// longer (to the 8-byte padding) when the crate reads it as a fixed-size struct: a
/// tag of another size would make the `multiboot2` accessors panic.
fn tags_well_formed(info: &BootInformation, typ: u32) -> bool {
    let minimum = tag_type::MINIMUM_SIZES
        .iter()
        .find(|(t, _)| *t == typ)
        .map_or(8, |(_, size)| *size);
    let maximum = if tag_type::FIXED_SIZE.contains(&typ) {
        minimum.div_ceil(8) * 8
    } else {
        u32::MAX
    };
    let odd = info.tags().find(|tag| {
        let size = tag.header().size;
        u32::from(tag.header().typ) == typ && (size < minimum || size > maximum)
    });
    if let Some(tag) = odd {
        logging::warn!(
            "boot: Multiboot2 tag type {typ} is {} bytes, not {minimum}..={maximum}; ignored",
            tag.header().size
        );
        return false;
    }
    true
}

fn from_multiboot(info: &BootInformation) -> BootInfo {
    let mut boot = BootInfo::fallback();
    // GRUB only passes EFI system-table / image-handle tags when UEFI started it.
    // Only the tag types are looked at here, so no size checks are needed.
    let uefi = info
        .tags()
        .any(|tag| tag_type::EFI_TAGS.contains(&u32::from(tag.header().typ)));
    boot.firmware = if uefi { Firmware::Uefi } else { Firmware::Bios };

    boot.memory = memory_map(info);
    boot.info_range = Some((info.start_address() as u64, info.end_address() as u64));

    let command_line = tags_well_formed(info, tag_type::COMMAND_LINE)
        .then(|| info.command_line_tag())
        .flatten();
    match command_line.map(|tag| tag.cmdline()) {
        Some(Ok(text)) => {
            let (copy, cut) = bounded_copy(text.trim());
            if cut {
                logging::warn!(
                    "boot: command line longer than {} bytes; the rest is ignored",
                    super::MAX_CMDLINE
                );
            }
            boot.cmdline_text = copy;
        }
        Some(Err(error)) => logging::warn!("boot: command line is not UTF-8 ({error:?}); ignored"),
        None => {}
    }
    boot.cmdline = Cmdline::parse(&boot.cmdline_text);

    // The RSDP tags carry a copy of the RSDP right after their 8-byte tag header.
    let tag_payload = |tag: *const u8| tag as u64 + 8;
    if let Some(tag) = tags_well_formed(info, tag_type::RSDP_V2)
        .then(|| info.rsdp_v2_tag())
        .flatten()
    {
        if tag.checksum_is_valid() {
            boot.rsdp = Some(tag_payload(tag as *const _ as *const u8));
        } else {
            logging::warn!("boot: RSDP v2 tag has a bad checksum; ignored");
        }
    }
    if boot.rsdp.is_none() {
        if let Some(tag) = tags_well_formed(info, tag_type::RSDP_V1)
            .then(|| info.rsdp_v1_tag())
            .flatten()
        {
            if tag.checksum_is_valid() {
                boot.rsdp = Some(tag_payload(tag as *const _ as *const u8));
            } else {
                logging::warn!("boot: RSDP v1 tag has a bad checksum; ignored");
            }
        }
    }

    boot.framebuffer = framebuffer(info);
    boot
}

/// Size of one Multiboot2 memory-map entry (base, length, type, reserved).
const MEMORY_MAP_ENTRY_SIZE: u32 = 24;

/// The `multiboot2` crate asserts that the memory-map tag holds whole 24-byte entries
/// and says so in `entry_size`; check that first so a bad tag is ignored, not fatal.
fn memory_map_tag_readable(info: &BootInformation) -> bool {
    if !tags_well_formed(info, tag_type::MEMORY_MAP) {
        return false;
    }
    let bad = info.tags().find(|tag| {
        let header = tag.header();
        let entry_size = tag
            .payload()
            .get(..4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        u32::from(header.typ) == tag_type::MEMORY_MAP
            && ((header.size - 16) % MEMORY_MAP_ENTRY_SIZE != 0
                || entry_size != Some(MEMORY_MAP_ENTRY_SIZE))
    });
    if bad.is_some() {
        logging::warn!("boot: memory map tag with an unexpected entry size; ignored");
        return false;
    }
    true
}

fn memory_map(info: &BootInformation) -> MemoryMap {
    if let Some(tag) = memory_map_tag_readable(info)
        .then(|| info.memory_map_tag())
        .flatten()
    {
        return MemoryMap::from_raw(tag.memory_areas().iter().map(|area| RawRegion {
            start: area.start_address(),
            len: area.size(),
            kind: RegionKind::from_multiboot_type(area.typ().val()),
        }));
    }
    if let Some(basic) = tags_well_formed(info, tag_type::BASIC_MEMORY)
        .then(|| info.basic_memory_info_tag())
        .flatten()
    {
        logging::warn!("boot: no memory map tag; using the basic lower/upper memory sizes");
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
    logging::warn!("boot: no memory information from the loader; memory map empty");
    MemoryMap::from_raw(core::iter::empty())
}

/// Offset of `framebuffer_type` in the Multiboot2 framebuffer tag.
const FRAMEBUFFER_TYPE_OFFSET: usize = 29;
/// Size of an RGB framebuffer tag: the fixed part plus six colour-field bytes.
const RGB_FRAMEBUFFER_TAG_SIZE: u32 = 38;
/// `framebuffer_type` of a direct-RGB framebuffer.
const FRAMEBUFFER_TYPE_RGB: u8 = 1;

fn framebuffer(info: &BootInformation) -> Option<FirmwareFramebuffer> {
    // `FramebufferTag::buffer_type` asserts (panics) on a truncated tag or palette, so
    // check the raw type and size first and only decode well-formed RGB tags.
    let raw = info
        .tags()
        .find(|tag| u32::from(tag.header().typ) == tag_type::FRAMEBUFFER)?;
    let tag_size = raw.header().size;
    let kind = raw.payload().get(FRAMEBUFFER_TYPE_OFFSET - 8).copied();
    if kind != Some(FRAMEBUFFER_TYPE_RGB) {
        logging::info!("boot: firmware display is not a linear RGB framebuffer (type {kind:?})");
        return None;
    }
    if tag_size < RGB_FRAMEBUFFER_TAG_SIZE || !tags_well_formed(info, tag_type::FRAMEBUFFER) {
        logging::warn!("boot: framebuffer tag too short ({tag_size} bytes); ignored");
        return None;
    }
    let tag = match info.framebuffer_tag()? {
        Ok(tag) => tag,
        Err(error) => {
            logging::warn!("boot: framebuffer tag of unknown type ({error:?}); ignored");
            return None;
        }
    };
    let Ok(FramebufferType::RGB { red, green, blue }) = tag.buffer_type() else {
        logging::info!("boot: firmware display is not a linear RGB framebuffer (text or indexed)");
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
            logging::warn!("boot: firmware framebuffer unusable ({reason:?}); ignored");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::boot::Firmware;

    /// Builds Multiboot2 information by hand, as GRUB lays it out.
    struct Mbi {
        bytes: Vec<u8>,
    }

    impl Mbi {
        fn new() -> Self {
            Self { bytes: vec![0; 8] }
        }

        fn tag(mut self, typ: u32, payload: &[u8]) -> Self {
            self.raw_tag(typ, 8 + payload.len() as u32, payload);
            self
        }

        fn raw_tag(&mut self, typ: u32, size: u32, payload: &[u8]) {
            self.bytes.extend_from_slice(&typ.to_le_bytes());
            self.bytes.extend_from_slice(&size.to_le_bytes());
            self.bytes.extend_from_slice(payload);
            while !self.bytes.len().is_multiple_of(8) {
                self.bytes.push(0);
            }
        }

        fn cmdline(self, text: &str) -> Self {
            let mut payload = text.as_bytes().to_vec();
            payload.push(0);
            self.tag(1, &payload)
        }

        fn memory_map(self, entries: &[(u64, u64, u32)]) -> Self {
            let mut payload = Vec::new();
            payload.extend_from_slice(&24u32.to_le_bytes());
            payload.extend_from_slice(&0u32.to_le_bytes());
            for (base, len, kind) in entries {
                payload.extend_from_slice(&base.to_le_bytes());
                payload.extend_from_slice(&len.to_le_bytes());
                payload.extend_from_slice(&kind.to_le_bytes());
                payload.extend_from_slice(&0u32.to_le_bytes());
            }
            self.tag(6, &payload)
        }

        fn rsdp_v1(self, valid_checksum: bool) -> Self {
            let mut rsdp = Vec::new();
            rsdp.extend_from_slice(b"RSD PTR ");
            rsdp.push(0);
            rsdp.extend_from_slice(b"VITRIN");
            rsdp.push(0);
            rsdp.extend_from_slice(&0x7fe_0000u32.to_le_bytes());
            let sum = rsdp.iter().fold(0u8, |a, b| a.wrapping_add(*b));
            rsdp[8] = if valid_checksum {
                0u8.wrapping_sub(sum)
            } else {
                0u8.wrapping_sub(sum).wrapping_add(1)
            };
            self.tag(14, &rsdp)
        }

        fn framebuffer(self, bpp: u8, kind: u8) -> Self {
            let mut payload = Vec::new();
            payload.extend_from_slice(&0xfd00_0000u64.to_le_bytes());
            payload.extend_from_slice(&4096u32.to_le_bytes());
            payload.extend_from_slice(&1024u32.to_le_bytes());
            payload.extend_from_slice(&768u32.to_le_bytes());
            payload.push(bpp);
            payload.push(kind);
            payload.extend_from_slice(&0u16.to_le_bytes());
            payload.extend_from_slice(&[16, 8, 8, 8, 0, 8]);
            self.tag(8, &payload)
        }

        /// Ends the tag list and returns an 8-byte-aligned copy.
        fn finish(mut self) -> Vec<u64> {
            self.raw_tag(0, 8, &[]);
            let total = self.bytes.len() as u32;
            self.bytes[..4].copy_from_slice(&total.to_le_bytes());
            self.bytes
                .chunks(8)
                .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
                .collect()
        }
    }

    fn read_mbi(words: &[u64]) -> BootInfo {
        // SAFETY: `words` is a complete, aligned boot information block that outlives the call.
        unsafe { read(BOOTLOADER_MAGIC, words.as_ptr() as u64) }
    }

    #[test]
    fn reads_a_bios_boot() {
        let words = Mbi::new()
            .cmdline("test-exit=ready")
            .memory_map(&[
                (0, 0x9fc00, 1),
                (0x10_0000, 0x7ee_0000, 1),
                (0xfffc_0000, 0x4_0000, 2),
            ])
            .rsdp_v1(true)
            .framebuffer(32, 1)
            .finish();
        let boot = read_mbi(&words);
        assert_eq!(boot.firmware, Firmware::Bios);
        assert_eq!(boot.cmdline_text.as_str(), "test-exit=ready");
        assert!(boot.cmdline.exits_after("ready"));
        assert_eq!(boot.memory.usable_kib(), (0x9fc00 + 0x7ee_0000) / 1024);
        let rsdp = boot.rsdp.expect("valid RSDP tag");
        // The RSDP copy starts right after the tag header, and says "RSD PTR ".
        // SAFETY: rsdp points into `words`, which is alive.
        let signature = unsafe { core::slice::from_raw_parts(rsdp as *const u8, 8) };
        assert_eq!(signature, b"RSD PTR ");
        let fb = boot.framebuffer.expect("32 bpp RGB framebuffer");
        assert_eq!(
            (fb.width, fb.height, fb.pitch, fb.phys),
            (1024, 768, 4096, 0xfd00_0000)
        );
        assert_eq!(
            fb.red,
            ColorField {
                position: 16,
                size: 8
            }
        );
    }

    #[test]
    fn efi_tags_mean_uefi() {
        let words = Mbi::new().tag(12, &0x7f9e_e018u64.to_le_bytes()).finish();
        assert_eq!(read_mbi(&words).firmware, Firmware::Uefi);
    }

    #[test]
    fn wrong_magic_gives_the_fallback() {
        let words = Mbi::new().cmdline("test-exit=ready").finish();
        // SAFETY: the pointer is never read when the magic is wrong.
        let boot = unsafe { read(0x2bad_b002, words.as_ptr() as u64) };
        assert_eq!(boot.cmdline_text.as_str(), "");
        assert_eq!(boot.memory.usable_kib(), 0);
    }

    #[test]
    fn missing_end_tag_gives_the_fallback() {
        let mut mbi = Mbi::new().cmdline("log=debug");
        let total = mbi.bytes.len() as u32;
        mbi.bytes[..4].copy_from_slice(&total.to_le_bytes());
        let words: Vec<u64> = mbi
            .bytes
            .chunks(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
            .collect();
        let boot = read_mbi(&words);
        assert_eq!(boot.cmdline_text.as_str(), "");
    }

    #[test]
    fn bad_rsdp_checksum_is_ignored() {
        let words = Mbi::new().rsdp_v1(false).finish();
        assert_eq!(read_mbi(&words).rsdp, None);
    }

    #[test]
    fn truncated_or_odd_tags_are_ignored_not_fatal() {
        let mut mbi = Mbi::new();
        // A framebuffer tag cut after the bpp byte, and an RSDP tag of 4 bytes.
        mbi.raw_tag(8, 8 + 21, &[0u8; 21]);
        mbi.raw_tag(14, 12, &[0u8; 4]);
        // A memory map whose entries claim to be 20 bytes long.
        let mut payload = Vec::new();
        payload.extend_from_slice(&20u32.to_le_bytes());
        payload.extend_from_slice(&0u32.to_le_bytes());
        payload.extend_from_slice(&[0u8; 24]);
        mbi.raw_tag(6, 8 + payload.len() as u32, &payload);
        let words = mbi.finish();
        let boot = read_mbi(&words);
        assert!(boot.framebuffer.is_none());
        assert!(boot.rsdp.is_none());
        assert_eq!(boot.memory.usable_kib(), 0);
    }

    #[test]
    fn without_a_memory_map_the_basic_sizes_are_used() {
        let mut payload = Vec::new();
        payload.extend_from_slice(&639u32.to_le_bytes());
        payload.extend_from_slice(&(127 * 1024u32).to_le_bytes());
        let words = Mbi::new().tag(4, &payload).finish();
        assert_eq!(read_mbi(&words).memory.usable_kib(), 639 + 127 * 1024);
    }

    #[test]
    fn text_mode_and_other_depths_give_no_framebuffer() {
        let words = Mbi::new().framebuffer(16, 2).finish();
        assert!(read_mbi(&words).framebuffer.is_none());
        let words = Mbi::new().framebuffer(24, 1).finish();
        assert!(read_mbi(&words).framebuffer.is_none());
    }
}
