//! Multiboot2 boot information -> `BootInfo` (memory map, command line, RSDP copy,
//! firmware framebuffer), read in place as the kernel reads GRUB's.

use crate::guarded::GuardedBuffer;
use vitrine::boot::multiboot::{self, BOOTLOADER_MAGIC};

pub const TARGET: crate::Target = crate::Target {
    name: "multiboot",
    about: "Multiboot2 boot information -> BootInfo",
    run,
    seeds,
};

fn run(data: &[u8]) {
    if data.len() < 8 {
        return;
    }
    let mut buffer = GuardedBuffer::copy_of(data);
    // The loader's contract: total_size covers readable memory. Everything inside
    // (tag types, sizes, contents, the reserved field) stays the fuzzer's.
    let bytes = buffer.as_mut_slice();
    let stated = u32::from_le_bytes(bytes[0..4].try_into().unwrap()) as usize;
    let total = stated.min(bytes.len()) as u32;
    bytes[0..4].copy_from_slice(&total.to_le_bytes());
    // SAFETY: the buffer is readable for `total` bytes and lives until `read` returns.
    let boot = unsafe { multiboot::read(BOOTLOADER_MAGIC, buffer.as_ptr() as u64) };
    let _ = boot.memory.usable_kib();
    if let Some(framebuffer) = boot.framebuffer {
        let _ = framebuffer.validate();
    }
    let _ = format!("{boot:?}");
}

/// Boot information as GRUB lays it out (the shape of the kernel's own tests).
pub fn mbi(tags: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let mut bytes = vec![0u8; 8];
    for (typ, payload) in tags.iter().chain([(0u32, Vec::new())].iter()) {
        bytes.extend_from_slice(&typ.to_le_bytes());
        bytes.extend_from_slice(&(8 + payload.len() as u32).to_le_bytes());
        bytes.extend_from_slice(payload);
        while !bytes.len().is_multiple_of(8) {
            bytes.push(0);
        }
    }
    let total = bytes.len() as u32;
    bytes[0..4].copy_from_slice(&total.to_le_bytes());
    bytes
}

fn memory_map(entries: &[(u64, u64, u32)]) -> Vec<u8> {
    let mut payload = Vec::new();
    payload.extend_from_slice(&24u32.to_le_bytes());
    payload.extend_from_slice(&0u32.to_le_bytes());
    for (base, len, kind) in entries {
        payload.extend_from_slice(&base.to_le_bytes());
        payload.extend_from_slice(&len.to_le_bytes());
        payload.extend_from_slice(&kind.to_le_bytes());
        payload.extend_from_slice(&0u32.to_le_bytes());
    }
    payload
}

fn framebuffer(address: u64, pitch: u32, width: u32, height: u32, bpp: u8) -> Vec<u8> {
    let mut payload = Vec::new();
    payload.extend_from_slice(&address.to_le_bytes());
    payload.extend_from_slice(&pitch.to_le_bytes());
    payload.extend_from_slice(&width.to_le_bytes());
    payload.extend_from_slice(&height.to_le_bytes());
    payload.push(bpp);
    payload.push(1); // direct RGB
    payload.extend_from_slice(&[0, 0]);
    // red, green, blue: position, size
    payload.extend_from_slice(&[16, 8, 8, 8, 0, 8]);
    payload
}

fn rsdp_v1() -> Vec<u8> {
    let mut rsdp = b"RSD PTR ".to_vec();
    rsdp.push(0);
    rsdp.extend_from_slice(b"VITRIN");
    rsdp.push(0);
    rsdp.extend_from_slice(&0x000e_0000u32.to_le_bytes());
    let sum = rsdp.iter().fold(0u8, |a, b| a.wrapping_add(*b));
    rsdp[8] = 0u8.wrapping_sub(sum);
    rsdp
}

fn seeds() -> Vec<Vec<u8>> {
    let mut cmdline = b"test-exit=ready mode=800x600".to_vec();
    cmdline.push(0);
    vec![
        mbi(&[
            (1, cmdline.clone()),
            (
                6,
                memory_map(&[
                    (0, 0x9fc00, 1),
                    (0x100000, 0x7ee0000, 1),
                    (0xf0000, 0x10000, 2),
                ]),
            ),
            (14, rsdp_v1()),
        ]),
        mbi(&[
            (1, cmdline),
            (8, framebuffer(0x8000_0000, 4096, 1024, 768, 32)),
            (12, 0x7f00_0000u64.to_le_bytes().to_vec()),
            (6, memory_map(&[(0x100000, 0x1000_0000, 1)])),
        ]),
    ]
}
