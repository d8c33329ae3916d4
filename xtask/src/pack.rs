//! The packed kernel image the ISO carries: the kernel's `.text`, `.rodata` and `.data`
//! LZ4-compressed behind its uncompressed `.boot` section, which unpacks them in place
//! before anything else runs (`kernel/src/arch/x86_64/start.rs`).
//!
//! Why: SeaBIOS reads the CD by ATAPI PIO (~80 µs of emulation per KiB under QEMU TCG,
//! and QEMU serves each sector as an asynchronous request the guest waits for), and
//! GRUB copies every KiB twice more; unpacking LZ4 in the kernel's first instructions
//! costs far less than the ~half of the sectors it saves (docs/performance.md, "Boot",
//! round 5). GRUB's
//! own decompressors lose: `gzio` inflates as slowly as the PIO it saves, `lzopio` is a
//! module load and a checksum pass that eat the gain.
//!
//! The packed ELF has two PT_LOAD segments: `.boot` at the kernel base, its memory
//! reaching to where the unpacked sections end (GRUB reserves and zeroes it), and the
//! compressed bytes, inside the `.bss` range when they fit there (the boot code zeroes
//! `.bss` only after unpacking, so the kernel needs no more RAM than unpacked), else
//! right after the kernel. The boot code finds them through a descriptor in `.boot`
//! (tag `VitrPack`, then source start, source end and destination as 32-bit
//! addresses), which an unpacked kernel leaves at zero.

use elf::abi::{PF_R, PF_W, PF_X, PT_LOAD};
use elf::endian::AnyEndian;
use elf::ElfBytes;

use crate::Result;

/// The descriptor's tag in `.boot` (start.rs: `vitrine_pack_source` follows it).
const DESCRIPTOR_TAG: &[u8; 8] = b"VitrPack";
/// ELF header and program header sizes (ELF64).
const EHDR_SIZE: usize = 64;
const PHDR_SIZE: usize = 56;
/// Bytes the unpacker may write past the end of the unpacked sections (its dword
/// copies): reserved memory must follow them (start.rs).
const UNPACK_OVERSHOOT: u64 = 3;
/// File offset of the `.boot` bytes: after the headers, 8-byte aligned as the
/// Multiboot2 header in it must be (and within the first 32 KiB GRUB searches).
const BOOT_FILE_OFFSET: usize = 256;

/// One loadable segment: where it goes, its bytes from the file, its size in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Segment {
    address: u64,
    bytes: Vec<u8>,
    memory_size: u64,
    flags: u32,
}

/// What a packing did, for the ISO step's log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packed {
    /// Bytes of `.text`, `.rodata` and `.data` (with the gaps between them).
    pub unpacked: usize,
    /// Their LZ4 size.
    pub compressed: usize,
}

/// Packs the stripped kernel ELF `image`: returns the packed ELF and its sizes.
pub fn pack(image: &[u8]) -> Result<(Vec<u8>, Packed)> {
    let file = ElfBytes::<AnyEndian>::minimal_parse(image)
        .map_err(|e| format!("kernel image is not an ELF file: {e}"))?;
    let boot = file
        .section_header_by_name(".boot")
        .map_err(|e| format!("kernel image: {e}"))?
        .ok_or("kernel image has no .boot section")?;
    let mut segments = Vec::new();
    for phdr in file
        .segments()
        .ok_or("kernel image has no program headers")?
        .iter()
    {
        if phdr.p_type != PT_LOAD || phdr.p_memsz == 0 {
            continue;
        }
        let bytes = file
            .segment_data(&phdr)
            .map_err(|e| format!("kernel image segment: {e}"))?;
        segments.push(Segment {
            address: phdr.p_paddr,
            bytes: bytes.to_vec(),
            memory_size: phdr.p_memsz,
            flags: phdr.p_flags,
        });
    }
    segments.sort_by_key(|s| s.address);
    let (packed, sizes) = pack_segments(&segments, boot.sh_addr, boot.sh_size)?;
    Ok((write_elf(file.ehdr.e_entry, &packed), sizes))
}

/// The packed segments of a kernel made of `segments`, whose `.boot` section is
/// `boot_size` bytes at `boot_address` (the first bytes of the first segment).
fn pack_segments(
    segments: &[Segment],
    boot_address: u64,
    boot_size: u64,
) -> Result<(Vec<Segment>, Packed)> {
    let first = segments.first().ok_or("kernel image loads nothing")?;
    let base = first.address;
    if boot_address != base || boot_size as usize > first.bytes.len() {
        return Err("kernel image: .boot is not at the start of the first segment".into());
    }
    let files_end = segments
        .iter()
        .filter(|s| !s.bytes.is_empty())
        .map(|s| s.address + s.bytes.len() as u64)
        .max()
        .unwrap_or(base);
    let memory_end = segments
        .iter()
        .map(|s| s.address + s.memory_size)
        .max()
        .unwrap_or(base);
    // The memory image from the base to the end of the last file bytes.
    let mut memory = vec![0u8; (files_end - base) as usize];
    for segment in segments.iter().filter(|s| !s.bytes.is_empty()) {
        let at = (segment.address - base) as usize;
        memory[at..at + segment.bytes.len()].copy_from_slice(&segment.bytes);
    }
    let boot_end = boot_size as usize;
    let compressed = compress(&memory[boot_end..]);
    // The zero-filled segment after the file bytes (.bss), where the compressed bytes
    // can wait without extra RAM.
    let bss = segments
        .iter()
        .find(|s| s.bytes.is_empty() && s.address >= files_end);
    let (source, memory_size) = match bss {
        Some(bss) if compressed.len() as u64 <= bss.memory_size => {
            (bss.address, memory_end - bss.address)
        }
        _ => (
            (memory_end + UNPACK_OVERSHOOT).next_multiple_of(4096),
            compressed.len() as u64,
        ),
    };
    let source_end = source + compressed.len() as u64;
    let destination = base + boot_size;
    if source_end.max(memory_end) > u64::from(u32::MAX) {
        return Err("packed kernel: the boot code addresses it with 32 bits".into());
    }
    let mut boot_bytes = memory[..boot_end].to_vec();
    let tag_at = boot_bytes
        .windows(DESCRIPTOR_TAG.len())
        .position(|w| w == DESCRIPTOR_TAG)
        .ok_or("kernel image: .boot has no VitrPack descriptor")?;
    let fields = tag_at + DESCRIPTOR_TAG.len();
    if boot_bytes.len() < fields + 12 || boot_bytes[fields..fields + 12] != [0; 12] {
        return Err("kernel image: the VitrPack descriptor is not empty".into());
    }
    for (i, value) in [source, source_end, destination].into_iter().enumerate() {
        boot_bytes[fields + 4 * i..fields + 4 * i + 4]
            .copy_from_slice(&(value as u32).to_le_bytes());
    }
    // `.boot` reserves everything up to the compressed bytes: the unpacked sections,
    // the unpacker's overshoot past them and, when the compressed bytes come after
    // the kernel, its .bss.
    let boot_memory_end = source;
    let packed = vec![
        Segment {
            address: base,
            bytes: boot_bytes,
            memory_size: boot_memory_end - base,
            flags: PF_R | PF_W | PF_X,
        },
        Segment {
            address: source,
            bytes: compressed.clone(),
            memory_size,
            flags: PF_R | PF_W,
        },
    ];
    let sizes = Packed {
        unpacked: memory.len() - boot_end,
        compressed: compressed.len(),
    };
    Ok((packed, sizes))
}

/// An ELF64 x86-64 executable of `segments` (no section headers: GRUB needs none).
fn write_elf(entry: u64, segments: &[Segment]) -> Vec<u8> {
    let mut offsets = Vec::new();
    let mut at = BOOT_FILE_OFFSET.max(EHDR_SIZE + PHDR_SIZE * segments.len());
    for segment in segments {
        at = at.next_multiple_of(16);
        offsets.push(at);
        at += segment.bytes.len();
    }
    let mut out = vec![0u8; at];
    let header = &mut out[..EHDR_SIZE];
    header[..4].copy_from_slice(b"\x7fELF");
    header[4] = 2; // 64-bit
    header[5] = 1; // little-endian
    header[6] = 1; // ELF version
    header[16..18].copy_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    header[18..20].copy_from_slice(&62u16.to_le_bytes()); // EM_X86_64
    header[20..24].copy_from_slice(&1u32.to_le_bytes());
    header[24..32].copy_from_slice(&entry.to_le_bytes());
    header[32..40].copy_from_slice(&(EHDR_SIZE as u64).to_le_bytes()); // e_phoff
    header[52..54].copy_from_slice(&(EHDR_SIZE as u16).to_le_bytes());
    header[54..56].copy_from_slice(&(PHDR_SIZE as u16).to_le_bytes());
    header[56..58].copy_from_slice(&(segments.len() as u16).to_le_bytes());
    header[58..60].copy_from_slice(&64u16.to_le_bytes()); // e_shentsize
    for (i, (segment, &offset)) in segments.iter().zip(&offsets).enumerate() {
        let phdr = &mut out[EHDR_SIZE + i * PHDR_SIZE..][..PHDR_SIZE];
        phdr[..4].copy_from_slice(&PT_LOAD.to_le_bytes());
        phdr[4..8].copy_from_slice(&segment.flags.to_le_bytes());
        phdr[8..16].copy_from_slice(&(offset as u64).to_le_bytes());
        phdr[16..24].copy_from_slice(&segment.address.to_le_bytes()); // vaddr
        phdr[24..32].copy_from_slice(&segment.address.to_le_bytes()); // paddr
        phdr[32..40].copy_from_slice(&(segment.bytes.len() as u64).to_le_bytes());
        phdr[40..48].copy_from_slice(&segment.memory_size.to_le_bytes());
        phdr[48..56].copy_from_slice(&16u64.to_le_bytes());
        out[offset..offset + segment.bytes.len()].copy_from_slice(&segment.bytes);
    }
    out
}

/// Shortest match LZ4 codes.
const MIN_MATCH: usize = 4;
/// Farthest match LZ4's 16-bit offset reaches.
const MAX_OFFSET: usize = 65_535;
/// LZ4's end-of-block rules (kept so any LZ4 decoder reads the result): the last five
/// bytes are literals and the last match starts at least twelve bytes before the end.
const LAST_LITERALS: usize = 5;
const LAST_MATCH_START: usize = 12;
const HASH_BITS: u32 = 16;
/// Candidates tried per position: enough for a ratio near LZ4's high-compression
/// mode on the kernel image.
const MAX_CHAIN: usize = 256;

/// A match: `length` bytes from `offset` bytes back.
#[derive(Debug, Clone, Copy)]
struct Match {
    length: usize,
    offset: usize,
}

/// `input` as one LZ4 block (raw block format, no frame): hash chains, lazy matching.
pub fn compress(input: &[u8]) -> Vec<u8> {
    let n = input.len();
    let mut out = Vec::with_capacity(n / 2 + 16);
    let hash = |i: usize| {
        let word = u32::from_le_bytes([input[i], input[i + 1], input[i + 2], input[i + 3]]);
        (word.wrapping_mul(2_654_435_761) >> (32 - HASH_BITS)) as usize
    };
    let mut head = vec![usize::MAX; 1 << HASH_BITS];
    let mut previous = vec![usize::MAX; n];
    let match_end = n.saturating_sub(LAST_LITERALS);
    let last_start = n.saturating_sub(LAST_MATCH_START);
    let find = |head: &[usize], previous: &[usize], i: usize| -> Option<Match> {
        let limit = match_end - i;
        let mut best: Option<Match> = None;
        let mut candidate = head[hash(i)];
        for _ in 0..MAX_CHAIN {
            if candidate == usize::MAX || i - candidate > MAX_OFFSET {
                break;
            }
            let length = input[candidate..]
                .iter()
                .zip(&input[i..i + limit])
                .take_while(|(a, b)| a == b)
                .count();
            if length >= MIN_MATCH && best.is_none_or(|b| length > b.length) {
                best = Some(Match {
                    length,
                    offset: i - candidate,
                });
                if length == limit {
                    break;
                }
            }
            candidate = previous[candidate];
        }
        best
    };
    let insert = |head: &mut [usize], previous: &mut [usize], i: usize| {
        let h = hash(i);
        previous[i] = head[h];
        head[h] = i;
    };
    let (mut anchor, mut i) = (0, 0);
    while i < last_start {
        let Some(mut found) = find(&head, &previous, i) else {
            insert(&mut head, &mut previous, i);
            i += 1;
            continue;
        };
        insert(&mut head, &mut previous, i);
        // A longer match one byte on is worth one more literal.
        while i + 1 < last_start {
            match find(&head, &previous, i + 1) {
                Some(next) if next.length > found.length => {
                    i += 1;
                    insert(&mut head, &mut previous, i);
                    found = next;
                }
                _ => break,
            }
        }
        emit(&mut out, &input[anchor..i], Some(found));
        for p in i + 1..(i + found.length).min(last_start) {
            insert(&mut head, &mut previous, p);
        }
        i += found.length;
        anchor = i;
    }
    emit(&mut out, &input[anchor..], None);
    out
}

/// One LZ4 sequence: `literals`, then the match (none in the last sequence).
fn emit(out: &mut Vec<u8>, literals: &[u8], found: Option<Match>) {
    let match_code = found.map_or(0, |m| m.length - MIN_MATCH);
    out.push(((literals.len().min(15) as u8) << 4) | match_code.min(15) as u8);
    push_length(out, literals.len());
    out.extend_from_slice(literals);
    if let Some(found) = found {
        out.extend_from_slice(&(found.offset as u16).to_le_bytes());
        push_length(out, match_code);
    }
}

/// The extra length bytes of a token field holding `length` (15 and more).
fn push_length(out: &mut Vec<u8>, length: usize) {
    if length < 15 {
        return;
    }
    let mut rest = length - 15;
    while rest >= 255 {
        out.push(255);
        rest -= 255;
    }
    out.push(rest as u8);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference LZ4 block decoder: what start.rs's unpacker does, step by step.
    fn decompress(block: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut at = 0;
        let length = |at: &mut usize, mut value: usize| {
            if value == 15 {
                loop {
                    let byte = block[*at];
                    *at += 1;
                    value += usize::from(byte);
                    if byte != 255 {
                        break;
                    }
                }
            }
            value
        };
        loop {
            let token = block[at];
            at += 1;
            let literals = length(&mut at, usize::from(token >> 4));
            out.extend_from_slice(&block[at..at + literals]);
            at += literals;
            if at == block.len() {
                return out;
            }
            let offset = usize::from(u16::from_le_bytes([block[at], block[at + 1]]));
            at += 2;
            let matched = length(&mut at, usize::from(token & 15)) + MIN_MATCH;
            assert!(
                offset >= 1 && offset <= out.len(),
                "offset {offset} out of range"
            );
            for _ in 0..matched {
                out.push(out[out.len() - offset]);
            }
        }
    }

    /// Deterministic bytes that are neither all alike nor all random.
    fn sample(len: usize, seed: u32) -> Vec<u8> {
        let mut state = seed;
        (0..len)
            .map(|i| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                if (i / 97) % 3 == 0 {
                    (i % 7) as u8
                } else {
                    (state >> 24) as u8
                }
            })
            .collect()
    }

    #[test]
    fn blocks_decode_to_their_input() {
        let mut inputs: Vec<Vec<u8>> = vec![
            Vec::new(),
            vec![7],
            b"abcabcabcabcabcabcabcabc".to_vec(),
            vec![0; 100_000],
            sample(300_000, 1),
            sample(70_000, 2).repeat(3),
        ];
        // Runs whose matches overlap their own output at offsets 1 to 3.
        inputs.push(
            b"a".repeat(40)
                .into_iter()
                .chain(b"xy".repeat(50))
                .collect(),
        );
        inputs.push(
            b"xyz"
                .repeat(1000)
                .into_iter()
                .chain(sample(20, 3))
                .collect(),
        );
        for input in inputs {
            let block = compress(&input);
            assert_eq!(decompress(&block), input, "length {}", input.len());
        }
    }

    #[test]
    fn repetitive_input_shrinks() {
        let input = sample(50_000, 4).repeat(4);
        assert!(compress(&input).len() < input.len() / 2);
        assert!(compress(&vec![0; 65_536]).len() < 300);
    }

    /// Loads `elf`'s PT_LOAD segments into memory (address → byte), as GRUB does.
    fn load(elf: &[u8]) -> (u64, Vec<u8>, u64) {
        let file = ElfBytes::<AnyEndian>::minimal_parse(elf).unwrap();
        let mut memory = vec![0xAAu8; 0x40_000];
        let base = 0x100_000u64;
        for phdr in file.segments().unwrap().iter() {
            if phdr.p_type != PT_LOAD {
                continue;
            }
            let data = file.segment_data(&phdr).unwrap();
            let at = (phdr.p_paddr - base) as usize;
            memory[at..at + data.len()].copy_from_slice(data);
            memory[at + data.len()..at + phdr.p_memsz as usize].fill(0);
        }
        (file.ehdr.e_entry, memory, base)
    }

    /// A kernel-like set of segments: `.boot` with its descriptor, code, data, .bss.
    fn kernel(bss: u64) -> Vec<Segment> {
        let mut boot = vec![0x90u8; 0x40];
        boot.extend_from_slice(DESCRIPTOR_TAG);
        boot.extend_from_slice(&[0; 12]);
        boot.extend_from_slice(&[0xC3; 20]);
        let mut code = boot.clone();
        code.resize(0x1000, 0);
        code.extend(sample(0x9000, 5));
        vec![
            Segment {
                address: 0x100_000,
                bytes: code,
                memory_size: 0xA000,
                flags: PF_R | PF_X,
            },
            Segment {
                address: 0x10A_000,
                bytes: sample(0x3000, 6),
                memory_size: 0x3000,
                flags: PF_R | PF_W,
            },
            Segment {
                address: 0x10D_000,
                bytes: Vec::new(),
                memory_size: bss,
                flags: PF_R | PF_W,
            },
        ]
    }

    /// After GRUB's loading and the unpacker's run, memory below .bss holds what the
    /// unpacked kernel would have put there, whichever place the compressed bytes took.
    #[test]
    fn unpacking_restores_the_kernel() {
        for bss in [0x20_000, 0x1000] {
            let original = kernel(bss);
            let plain = write_elf(0x100_010, &original);
            let (packed, sizes) = pack_segments(&original, 0x100_000, 0x6C).unwrap();
            let packed = write_elf(0x100_010, &packed);
            assert!(sizes.compressed < sizes.unpacked, "{sizes:?}");
            let (entry, mut memory, base) = load(&packed);
            assert_eq!(entry, 0x100_010);
            let field = |i: usize| {
                let at = 0x40 + DESCRIPTOR_TAG.len() + 4 * i;
                u64::from(u32::from_le_bytes(memory[at..at + 4].try_into().unwrap()))
            };
            let (source, end, destination) = (field(0), field(1), field(2));
            let block = memory[(source - base) as usize..(end - base) as usize].to_vec();
            let unpacked = decompress(&block);
            let at = (destination - base) as usize;
            memory[at..at + unpacked.len()].copy_from_slice(&unpacked);
            let (_, expected, _) = load(&plain);
            // The descriptor differs (filled in), everything else up to .bss matches.
            assert_eq!(memory[0x6C..0xD000], expected[0x6C..0xD000], "bss {bss:#x}");
            assert_eq!(memory[..0x40], expected[..0x40]);
            if bss == 0x20_000 {
                assert_eq!(source, 0x10D_000, "the compressed bytes wait in .bss");
            } else {
                assert_eq!(
                    source, 0x10F_000,
                    "too big for .bss: after the kernel and its overshoot"
                );
            }
        }
    }

    #[test]
    fn a_kernel_without_descriptor_is_refused() {
        let mut segments = kernel(0x20_000);
        segments[0].bytes[0x40] = b'X';
        assert!(pack_segments(&segments, 0x100_000, 0x6C).is_err());
    }
}
