//! The smallest Multiboot2 kernel: it prints one line on COM1 and halts. The bench
//! boots it from an ISO built exactly like ours (same GRUB, modules, `grub.cfg`) to
//! measure what GRUB's Multiboot2 path costs with no kernel to speak of: the part of
//! the boot ratio no change to the kernel can remove (docs/performance.md, "Boot").

/// The line the empty kernel prints (GRUB's `serial` command has set COM1 up).
pub const MARKER: &str = "empty-kernel-entered";

/// Where GRUB loads the image (the file from its first byte).
const LOAD_ADDRESS: u32 = 0x10_0000;
const ELF_HEADER_SIZE: usize = 52;
const PROGRAM_HEADER_SIZE: usize = 32;
/// File offset of the Multiboot2 header: 8-byte aligned, after the ELF headers.
const MULTIBOOT2_HEADER_OFFSET: usize = 88;
const MULTIBOOT2_MAGIC: u32 = 0xE852_50D6;

/// The image: an ELF32 (i386) executable of one segment, the whole file at 1 MiB.
/// Its Multiboot2 header asks for the same optional 1024x768x32 framebuffer as the
/// kiosk's (kernel/src/arch/x86_64/start.rs), so GRUB does the same work at `boot`.
pub fn image() -> Vec<u8> {
    let mut header = Vec::new();
    let tags: [&[u32]; 2] = [
        // Framebuffer request: type 5, optional, 20 bytes; padded to 8.
        &[5 | (1 << 16), 20, 1024, 768, 32, 0],
        // End tag.
        &[0, 8],
    ];
    let length = 16 + tags.iter().map(|t| t.len() * 4).sum::<usize>() as u32;
    for word in [
        MULTIBOOT2_MAGIC,
        0, // i386 protected mode
        length,
        0u32.wrapping_sub(MULTIBOOT2_MAGIC.wrapping_add(length)),
    ]
    .iter()
    .chain(tags.iter().flat_map(|t| t.iter()))
    {
        header.extend_from_slice(&word.to_le_bytes());
    }
    let message = format!("{MARKER}\n");
    let message_offset = MULTIBOOT2_HEADER_OFFSET + header.len();
    let code_offset = message_offset + message.len();
    let address = |offset: usize| LOAD_ADDRESS + offset as u32;

    let mut code = vec![0xFC]; // cld
    code.extend_from_slice(&[0x66, 0xBA, 0xF8, 0x03]); // mov dx, 0x3f8
    code.push(0xBE); // mov esi, message
    code.extend_from_slice(&address(message_offset).to_le_bytes());
    code.push(0xB9); // mov ecx, length
    code.extend_from_slice(&(message.len() as u32).to_le_bytes());
    code.extend_from_slice(&[0xF3, 0x6E]); // rep outsb
    code.extend_from_slice(&[0xF4, 0xEB, 0xFD]); // 1: hlt; jmp 1b (interrupts are off)

    let size = code_offset + code.len();
    let mut out = vec![0u8; MULTIBOOT2_HEADER_OFFSET];
    out[..4].copy_from_slice(b"\x7fELF");
    out[4] = 1; // 32-bit
    out[5] = 1; // little-endian
    out[6] = 1; // ELF version
    out[16..18].copy_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    out[18..20].copy_from_slice(&3u16.to_le_bytes()); // EM_386
    out[20..24].copy_from_slice(&1u32.to_le_bytes());
    out[24..28].copy_from_slice(&address(code_offset).to_le_bytes()); // e_entry
    out[28..32].copy_from_slice(&(ELF_HEADER_SIZE as u32).to_le_bytes()); // e_phoff
    out[40..42].copy_from_slice(&(ELF_HEADER_SIZE as u16).to_le_bytes());
    out[42..44].copy_from_slice(&(PROGRAM_HEADER_SIZE as u16).to_le_bytes());
    out[44..46].copy_from_slice(&1u16.to_le_bytes()); // e_phnum
    out[46..48].copy_from_slice(&40u16.to_le_bytes()); // e_shentsize
    let program = &mut out[ELF_HEADER_SIZE..ELF_HEADER_SIZE + PROGRAM_HEADER_SIZE];
    program[..4].copy_from_slice(&1u32.to_le_bytes()); // PT_LOAD, from file offset 0
    program[8..12].copy_from_slice(&LOAD_ADDRESS.to_le_bytes()); // vaddr
    program[12..16].copy_from_slice(&LOAD_ADDRESS.to_le_bytes()); // paddr
    program[16..20].copy_from_slice(&(size as u32).to_le_bytes()); // filesz
    program[20..24].copy_from_slice(&(size as u32).to_le_bytes()); // memsz
    program[24..28].copy_from_slice(&7u32.to_le_bytes()); // read, write, execute
    program[28..32].copy_from_slice(&4096u32.to_le_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(message.as_bytes());
    out.extend_from_slice(&code);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(image: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(image[at..at + 4].try_into().unwrap())
    }

    #[test]
    fn the_multiboot2_header_is_where_grub_looks_and_sums_to_zero() {
        let image = image();
        let at = MULTIBOOT2_HEADER_OFFSET;
        assert_eq!(at % 8, 0);
        assert_eq!(word(&image, at), MULTIBOOT2_MAGIC);
        let length = word(&image, at + 8);
        let sum = (0..4).fold(0u32, |sum, i| sum.wrapping_add(word(&image, at + 4 * i)));
        assert_eq!(sum, 0);
        // The tags end with the end tag (type 0, size 8).
        let end = at + length as usize - 8;
        assert_eq!((word(&image, end), word(&image, end + 4)), (0, 8));
    }

    #[test]
    fn the_entry_point_is_the_code_after_the_message_and_all_of_it_is_loaded() {
        let image = image();
        let entry = word(&image, 24) - LOAD_ADDRESS;
        let message = format!("{MARKER}\n");
        let message_at = entry as usize - message.len();
        assert_eq!(&image[message_at..entry as usize], message.as_bytes());
        assert_eq!(image[entry as usize], 0xFC);
        // The segment covers the whole file.
        let program = ELF_HEADER_SIZE;
        assert_eq!(word(&image, program + 16) as usize, image.len());
        // `mov esi` loads the message's address.
        let esi = word(&image, entry as usize + 6);
        assert_eq!(esi, LOAD_ADDRESS + message_at as u32);
    }
}
