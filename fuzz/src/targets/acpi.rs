//! ACPI tables (RSDP, RSDT/XSDT, MADT, FADT, DSDT's `\_S5`) -> interrupt routing and
//! power information, through the `acpi` crate and the kernel's own checks.
//!
//! Input: a flags byte (bit 0: the harness fixes every checksum, so the fuzzer gets
//! past them; off, the checksum checks themselves are fuzzed), the RSDP's offset
//! (u16 LE), then "physical memory" at [`WINDOW_BASE`]. Tables the window does not
//! hold read as zeroes, as unmapped ones do on metal; every mapping ends at a guard
//! page, so reading past a mapping is a crash.

use std::ptr::NonNull;
use std::rc::Rc;

use crate::guarded::GuardedBuffer;
use acpi::{AcpiHandler, PhysicalMapping};
use vitrine::irq_lines::route_line;
use vitrine::platform::acpi::discover_with;

pub const TARGET: crate::Target = crate::Target {
    name: "acpi",
    about: "RSDP/RSDT/XSDT/MADT/FADT/DSDT -> interrupt model and power info",
    run,
    seeds,
};

/// Where the input's memory window starts (the BIOS area, where an RSDP lives).
pub const WINDOW_BASE: u64 = 0x000E_0000;
/// Mappings larger than this read as unmapped (a table claiming gigabytes).
const MAX_MAPPING: usize = 1 << 20;
/// What an unmapped range reads as, as `IdentityMapHandler` does: one zero page.
const ZERO_PAGE: usize = 4096;

struct Window {
    bytes: Vec<u8>,
    fix_checksums: bool,
}

#[derive(Clone)]
struct FuzzMemory(Rc<Window>);

fn checksum_fix(bytes: &mut [u8], at: usize) {
    if at >= bytes.len() {
        return;
    }
    bytes[at] = 0;
    let sum = bytes.iter().fold(0u8, |a, b| a.wrapping_add(*b));
    bytes[at] = 0u8.wrapping_sub(sum);
}

impl FuzzMemory {
    fn fill(&self, phys: usize, out: &mut [u8]) {
        let window = &self.0.bytes;
        let start = WINDOW_BASE as usize;
        for (i, byte) in out.iter_mut().enumerate() {
            let Some(index) = (phys + i).checked_sub(start) else {
                continue;
            };
            if let Some(value) = window.get(index) {
                *byte = *value;
            }
        }
        if self.0.fix_checksums {
            fix_checksums(out);
        }
    }
}

/// Makes the checksum of an RSDP or a whole SDT in `bytes` valid.
fn fix_checksums(bytes: &mut [u8]) {
    if bytes.starts_with(b"RSD PTR ") {
        let v1 = bytes.len().min(20);
        checksum_fix(&mut bytes[..v1], 8);
        if bytes.len() >= 36 && bytes[15] >= 2 {
            let length = u32::from_le_bytes(bytes[20..24].try_into().unwrap()) as usize;
            let end = length.clamp(20, bytes.len());
            checksum_fix(&mut bytes[..end], 32);
        }
    } else if bytes.len() >= 36 {
        let length = u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize;
        if length == bytes.len() {
            checksum_fix(bytes, 9);
        }
    }
}

impl AcpiHandler for FuzzMemory {
    unsafe fn map_physical_region<T>(
        &self,
        physical_address: usize,
        size: usize,
    ) -> PhysicalMapping<Self, T> {
        let below_4g = physical_address
            .checked_add(size)
            .is_some_and(|end| end as u64 <= 1 << 32);
        let length = if below_4g && size <= MAX_MAPPING {
            size
        } else {
            size.min(ZERO_PAGE)
        };
        let mut buffer = GuardedBuffer::zeroed(length);
        if below_4g && size <= MAX_MAPPING {
            self.fill(physical_address, &mut buffer.as_mut_slice()[..length]);
        }
        let (pointer, _) = buffer.leak();
        // SAFETY: `pointer` is a live guarded buffer of at least `length` bytes,
        // 8-byte aligned, freed in `unmap_physical_region`.
        unsafe {
            PhysicalMapping::new(
                physical_address,
                NonNull::new(pointer as *mut T).expect("mmap never gives null"),
                length,
                length,
                self.clone(),
            )
        }
    }

    fn unmap_physical_region<T>(region: &PhysicalMapping<Self, T>) {
        let length = region.mapped_length().div_ceil(8) * 8;
        // SAFETY: the buffer `map_physical_region` leaked for this mapping.
        unsafe { GuardedBuffer::release(region.virtual_start().as_ptr() as *mut u8, length) };
    }
}

fn run(data: &[u8]) {
    if data.len() < 3 {
        return;
    }
    let fix_checksums = data[0] & 1 != 0;
    let rsdp_offset = u16::from_le_bytes([data[1], data[2]]);
    let memory = FuzzMemory(Rc::new(Window {
        bytes: data[3..].to_vec(),
        fix_checksums,
    }));
    let reachable = |phys: u64, len: u64| phys.checked_add(len).is_some_and(|end| end <= 1 << 32);
    // SAFETY: every address goes through `FuzzMemory`, which maps any range (zeroes
    // outside the window), so all are readable through the handler.
    let info = unsafe { discover_with(memory, WINDOW_BASE + u64::from(rsdp_offset), reachable) };
    let model = &info.interrupts;
    let _ = model.has_io_apic();
    for line in 0..=23u8 {
        let _ = route_line(line, &model.overrides);
    }
    if let Some(button) = info.power.button {
        if let Some(sci) = button.sci_line {
            let _ = route_line(sci, &model.overrides);
        }
    }
    let _ = info.power.power_off_writes();
    let _ = format!("{info:?}");
}

// ------------------------------------------------------------------ seeds

fn sdt(signature: &[u8; 4], revision: u8, body: &[u8]) -> Vec<u8> {
    let mut table = Vec::new();
    table.extend_from_slice(signature);
    table.extend_from_slice(&((36 + body.len()) as u32).to_le_bytes());
    table.push(revision);
    table.push(0);
    table.extend_from_slice(b"VITRIN");
    table.extend_from_slice(b"FUZZTABL");
    table.extend_from_slice(&[1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
    table.extend_from_slice(body);
    checksum_fix(&mut table, 9);
    table
}

fn madt() -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&0xfee0_0000u32.to_le_bytes());
    body.extend_from_slice(&1u32.to_le_bytes());
    body.extend_from_slice(&[0, 8, 0, 0, 1, 0, 0, 0]);
    body.extend_from_slice(&[1, 12, 0, 0]);
    body.extend_from_slice(&0xfec0_0000u32.to_le_bytes());
    body.extend_from_slice(&0u32.to_le_bytes());
    body.extend_from_slice(&[2, 10, 0, 0]);
    body.extend_from_slice(&2u32.to_le_bytes());
    body.extend_from_slice(&0u16.to_le_bytes());
    body.extend_from_slice(&[2, 10, 0, 9]);
    body.extend_from_slice(&9u32.to_le_bytes());
    body.extend_from_slice(&0b1111u16.to_le_bytes());
    body
}

/// A FADT body of `revision` (1: the 116-byte ACPI 1.0 table, else 244 bytes).
fn fadt(revision: u8, dsdt: u32) -> Vec<u8> {
    let length = if revision < 2 { 116 } else { 244 };
    let mut body = vec![0u8; length - 36];
    let mut put32 = |offset: usize, value: u32| {
        body[offset - 36..offset - 32].copy_from_slice(&value.to_le_bytes())
    };
    put32(40, dsdt);
    put32(48, 0xb2); // SMI_CMD
    put32(56, 0x600); // PM1a_EVT_BLK
    put32(64, 0x604); // PM1a_CNT_BLK
    body[46 - 36] = 9; // SCI_INT
    body[52 - 36] = 0xf1; // ACPI_ENABLE
    body[88 - 36] = 4; // PM1_EVT_LEN
    body[89 - 36] = 2; // PM1_CNT_LEN
    body
}

fn dsdt() -> Vec<u8> {
    // Name (_S5, Package (0x04) { 0x05, 0x05, Zero, Zero })
    let aml = [
        0x08, b'_', b'S', b'5', b'_', 0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00,
    ];
    sdt(b"DSDT", 2, &aml)
}

/// Lays out RSDP -> (X|R)SDT -> MADT, FADT -> DSDT in the window; returns the input.
fn build(xsdt: bool, fadt_revision: u8) -> Vec<u8> {
    const RSDP_AT: usize = 0;
    const DSDT_AT: usize = 0x40;
    const MADT_AT: usize = 0x80;
    const FADT_AT: usize = 0x100;
    const ROOT_AT: usize = 0x200;
    let phys = |offset: usize| WINDOW_BASE as usize + offset;
    let mut window = vec![0u8; 0x240];
    let mut place = |at: usize, bytes: &[u8]| window[at..at + bytes.len()].copy_from_slice(bytes);
    place(DSDT_AT, &dsdt());
    place(MADT_AT, &sdt(b"APIC", 3, &madt()));
    place(
        FADT_AT,
        &sdt(
            b"FACP",
            fadt_revision,
            &fadt(fadt_revision, phys(DSDT_AT) as u32),
        ),
    );
    let entries: Vec<u8> = if xsdt {
        [phys(MADT_AT) as u64, phys(FADT_AT) as u64]
            .iter()
            .flat_map(|a| a.to_le_bytes())
            .collect()
    } else {
        [phys(MADT_AT) as u32, phys(FADT_AT) as u32]
            .iter()
            .flat_map(|a| a.to_le_bytes())
            .collect()
    };
    place(
        ROOT_AT,
        &sdt(if xsdt { b"XSDT" } else { b"RSDT" }, 1, &entries),
    );
    let mut rsdp = b"RSD PTR ".to_vec();
    rsdp.push(0);
    rsdp.extend_from_slice(b"VITRIN");
    rsdp.push(if xsdt { 2 } else { 0 });
    rsdp.extend_from_slice(&(phys(ROOT_AT) as u32).to_le_bytes());
    rsdp.extend_from_slice(&36u32.to_le_bytes());
    rsdp.extend_from_slice(&(phys(ROOT_AT) as u64).to_le_bytes());
    rsdp.extend_from_slice(&[0, 0, 0, 0]);
    checksum_fix(&mut rsdp[..20], 8);
    checksum_fix(&mut rsdp, 32);
    place(RSDP_AT, &rsdp);
    let mut input = vec![1u8];
    input.extend_from_slice(&(RSDP_AT as u16).to_le_bytes());
    input.extend_from_slice(&window);
    input
}

fn seeds() -> Vec<Vec<u8>> {
    vec![build(true, 3), build(false, 1), {
        let mut unfixed = build(true, 2);
        unfixed[0] = 0;
        unfixed
    }]
}
