//! ACPI tables through the `acpi` crate: the MADT (interrupt model) and the FADT.
//!
//! Tables are read through the identity map. Any problem (no RSDP, a bad checksum, no
//! MADT, no I/O APIC) gives a log line and the legacy model: the 8259 PIC.

use crate::logging;
use acpi::fadt::Fadt;
use acpi::madt::Madt;
use acpi::{AcpiHandler, AcpiTable, AcpiTables};

use crate::hal::PortIo;
use crate::irq_lines::{InterruptModel, IoApicInfo, SourceOverride};

/// Maps ACPI tables through the identity map.
#[cfg(target_os = "none")]
#[derive(Clone, Copy, Debug)]
pub struct IdentityMapHandler;

/// What a mapping above the identity map gets instead: zeroes, so the table's
/// signature/checksum check fails and we fall back instead of faulting.
#[cfg(target_os = "none")]
#[repr(align(4096))]
struct ZeroPage([u8; 4096]);
/// `mut` only so that it is `.bss` (zeroed at boot) instead of 4 KiB of zero bytes in
/// the image's `.rodata`; nothing writes it (the ACPI crate only reads mappings).
#[cfg(target_os = "none")]
static mut ZERO_PAGE: ZeroPage = ZeroPage([0; 4096]);

#[cfg(target_os = "none")]
impl AcpiHandler for IdentityMapHandler {
    // Out of line: the ACPI crate's table walks inlined it at every mapping.
    #[inline(never)]
    unsafe fn map_physical_region<T>(
        &self,
        physical_address: usize,
        size: usize,
    ) -> acpi::PhysicalMapping<Self, T> {
        let mapped = crate::arch::paging::is_identity_mapped(physical_address as u64, size as u64);
        let (pointer, length) = if mapped {
            (physical_address as *mut T, size)
        } else {
            logging::warn!("acpi: table at {physical_address:#x}+{size:#x} is outside the identity map; ignored");
            (
                (&raw mut ZERO_PAGE.0).cast::<T>(),
                size.min(core::mem::size_of::<ZeroPage>()),
            )
        };
        // SAFETY: `pointer` is either the identity mapping of the requested range
        // (checked above) or the static zero page; never null.
        unsafe {
            acpi::PhysicalMapping::new(
                physical_address,
                core::ptr::NonNull::new_unchecked(pointer),
                length,
                length,
                *self,
            )
        }
    }

    fn unmap_physical_region<T>(_region: &acpi::PhysicalMapping<Self, T>) {}
}

/// What power-off needs: the PM1 control ports (FADT) and the S5 sleep type (the
/// DSDT's `\_S5` package).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PowerInfo {
    /// PM1a control block I/O port, when the FADT gives one in I/O space.
    pub pm1a_control_port: Option<u16>,
    /// PM1b control block I/O port, if the machine has one.
    pub pm1b_control_port: Option<u16>,
    /// SLP_TYPa and SLP_TYPb for S5 (soft off).
    pub s5_sleep_types: Option<(u8, u8)>,
    /// The fixed-feature power button's registers, when the FADT gives usable ones.
    pub button: Option<PowerButtonInfo>,
    /// The FADT's reset register, when the table has one, says it is supported and
    /// it passes the checks in [`reset_register`].
    pub reset: Option<ResetRegister>,
}

/// Where the FADT's RESET_REG lives (ACPI 5.2.3.2 Generic Address Structure).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetAddress {
    /// An I/O port.
    Io(u16),
    /// A byte of memory (identity-mapped, checked at discovery).
    Memory(u64),
    /// A byte of PCI configuration space on segment 0, bus 0.
    PciConfig {
        /// Device number (0..32).
        device: u8,
        /// Function number (0..8).
        function: u8,
        /// Register offset (0..256).
        offset: u8,
    },
}

/// `io:0xcf9`, `memory:0xfed00000` or `pci:00:1f.0+0xac` (log and status lines).
impl core::fmt::Display for ResetAddress {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match *self {
            Self::Io(port) => write!(f, "io:{port:#x}"),
            Self::Memory(address) => write!(f, "memory:{address:#x}"),
            Self::PciConfig {
                device,
                function,
                offset,
            } => write!(f, "pci:00:{device:02x}.{function}+{offset:#x}"),
        }
    }
}

/// The FADT's reset register and the value that resets the machine when written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResetRegister {
    /// The register.
    pub address: ResetAddress,
    /// RESET_VALUE.
    pub value: u8,
}

/// FADT Flags (offset 112) bit RESET_REG_SUP.
const FADT_RESET_REG_SUPPORTED: u32 = 1 << 10;
/// Offsets of Flags, RESET_REG and RESET_VALUE in the FADT (ACPI 5.2.9).
const FADT_FLAGS: usize = 112;
const FADT_RESET_REG: usize = 116;
const FADT_RESET_VALUE: usize = 128;

/// The reset register from the FADT's bytes, or `None` (with a log line saying why)
/// when the table is too short to hold one (ACPI 1.0), does not claim support, or
/// describes something we cannot or should not write: not an 8-bit register at bit
/// 0 (the spec allows nothing else), address 0, a port above 0xFFFF, memory
/// `reachable` refuses, a PCI address beyond device 31 / function 7 / offset 255,
/// another address space.
pub fn reset_register(fadt: &[u8], reachable: impl Fn(u64, u64) -> bool) -> Option<ResetRegister> {
    let length = fadt
        .get(4..8)
        .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .min(fadt.len());
    if length <= FADT_RESET_VALUE {
        logging::info!("acpi: FADT of {length} bytes has no reset register");
        return None;
    }
    let le32 = |at: usize| u32::from_le_bytes([fadt[at], fadt[at + 1], fadt[at + 2], fadt[at + 3]]);
    if le32(FADT_FLAGS) & FADT_RESET_REG_SUPPORTED == 0 {
        logging::info!("acpi: FADT says the reset register is not supported");
        return None;
    }
    let gas = &fadt[FADT_RESET_REG..FADT_RESET_REG + 12];
    let (space, bit_width, bit_offset) = (gas[0], gas[1], gas[2]);
    let address = u64::from(le32(FADT_RESET_REG + 4)) | u64::from(le32(FADT_RESET_REG + 8)) << 32;
    let value = fadt[FADT_RESET_VALUE];
    let refuse = |why: &str| {
        logging::warn!(
            "acpi: reset register space={space} width={bit_width} offset={bit_offset} \
             address={address:#x} {why}; not used"
        );
        None
    };
    if bit_width != 8 || bit_offset != 0 {
        return refuse("is not an 8-bit register at bit 0");
    }
    if address == 0 {
        return refuse("has address 0");
    }
    let address = match space {
        0 if reachable(address, 1) => ResetAddress::Memory(address),
        0 => return refuse("is memory the kernel has not mapped"),
        1 => match u16::try_from(address) {
            Ok(port) => ResetAddress::Io(port),
            Err(_) => return refuse("is beyond the I/O space"),
        },
        2 => {
            // Device in bits 32..47, function in 16..31, offset in 0..15.
            let (device, function, offset) = (
                address >> 32 & 0xFFFF,
                address >> 16 & 0xFFFF,
                address & 0xFFFF,
            );
            if device >= 32 || function >= 8 || offset >= 256 || address >> 48 != 0 {
                return refuse("is not a PCI configuration register on bus 0");
            }
            ResetAddress::PciConfig {
                device: device as u8,
                function: function as u8,
                offset: offset as u8,
            }
        }
        _ => return refuse("is in an address space we do not write"),
    };
    logging::info!("acpi: reset register {address} value {value:#04x}");
    Some(ResetRegister { address, value })
}

/// One PM1 event block: a status register and, half the block further on, the
/// enable register (ACPI 4.8.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pm1EventBlock {
    /// PM1x_STS (write 1 to clear).
    pub status_port: u16,
    /// PM1x_EN.
    pub enable_port: u16,
}

/// What the power-button driver needs from the FADT, validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PowerButtonInfo {
    /// The PM1a event block (always present when the button is usable).
    pub pm1a_event: Pm1EventBlock,
    /// The PM1b event block, if the machine splits its registers.
    pub pm1b_event: Option<Pm1EventBlock>,
    /// PM1a control port, where SCI_EN (bit 0) says whether ACPI mode is on.
    pub pm1a_control_port: Option<u16>,
    /// The SCI as an ISA IRQ line (MADT overrides apply), or `None`: poll only.
    pub sci_line: Option<u8>,
    /// SMI_CMD port, `None` when the firmware has no SMM hand-over (ACPI mode is
    /// fixed on) or gives no ACPI_ENABLE value.
    pub smi_command_port: Option<u16>,
    /// The value written to SMI_CMD to enter ACPI mode.
    pub acpi_enable_value: u8,
}

/// The FADT fields the power button uses, as the table has them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RawFixedEvents {
    /// SCI_INT.
    pub sci_interrupt: u16,
    /// SMI_CMD.
    pub smi_command: u32,
    /// ACPI_ENABLE.
    pub acpi_enable: u8,
    /// PM1a_EVT_BLK when it is in I/O space.
    pub pm1a_event: Option<u64>,
    /// PM1b_EVT_BLK when it is in I/O space.
    pub pm1b_event: Option<u64>,
    /// PM1_EVT_LEN in bytes (from the block's bit width).
    pub pm1_event_length: u8,
    /// PM1a_CNT_BLK port.
    pub pm1a_control: Option<u16>,
}

/// Interrupt lines the kernel can route (`irq_lines::MAX_LINES`); 0 is its tick and
/// 2 the 8259 cascade, so neither can be the SCI.
fn usable_sci_line(sci: u16) -> Option<u8> {
    u8::try_from(sci)
        .ok()
        .filter(|&line| line < crate::irq_lines::MAX_LINES && line != 0 && line != 2)
}

/// Checks the FADT's fixed-event fields; logs each problem and falls back: no PM1a
/// event block (or port 0) means no power button, an odd or short PM1_EVT_LEN is
/// taken as 4 (the minimum the spec allows), a bad SCI means polling only, and no
/// SMI_CMD/ACPI_ENABLE means ACPI mode is not switched on by us.
pub fn power_button_info(raw: &RawFixedEvents) -> Option<PowerButtonInfo> {
    let port = |address: Option<u64>| {
        address
            .and_then(|a| u16::try_from(a).ok())
            .filter(|&p| p != 0)
    };
    let Some(pm1a) = port(raw.pm1a_event) else {
        logging::warn!(
            "acpi: no usable PM1a event block ({:?}); power button unavailable",
            raw.pm1a_event
        );
        return None;
    };
    let mut length = raw.pm1_event_length;
    if length < 4 || !length.is_multiple_of(2) {
        logging::warn!("acpi: PM1_EVT_LEN {length} is not an even length of at least 4; using 4");
        length = 4;
    }
    let half = u16::from(length / 2);
    let block = |status_port: u16| {
        status_port
            .checked_add(half)
            .map(|enable_port| Pm1EventBlock {
                status_port,
                enable_port,
            })
    };
    let Some(pm1a_event) = block(pm1a) else {
        logging::warn!(
            "acpi: PM1a event block at {pm1a:#x} runs past the I/O space; power button unavailable"
        );
        return None;
    };
    let pm1b_event = port(raw.pm1b_event).and_then(block);
    if raw.pm1b_event.is_some_and(|a| a != 0) && pm1b_event.is_none() {
        logging::warn!(
            "acpi: PM1b event block {:?} unusable; ignored",
            raw.pm1b_event
        );
    }
    let sci_line = usable_sci_line(raw.sci_interrupt);
    if sci_line.is_none() {
        logging::warn!(
            "acpi: SCI_INT {} cannot be routed; the power button is polled",
            raw.sci_interrupt
        );
    }
    let smi_command_port = u16::try_from(raw.smi_command)
        .ok()
        .filter(|&p| p != 0 && raw.acpi_enable != 0);
    if smi_command_port.is_none() && raw.smi_command != 0 {
        logging::warn!(
            "acpi: SMI_CMD {:#x} with ACPI_ENABLE {:#x} unusable; ACPI mode left as the firmware set it",
            raw.smi_command,
            raw.acpi_enable
        );
    }
    Some(PowerButtonInfo {
        pm1a_event,
        pm1b_event,
        pm1a_control_port: raw.pm1a_control,
        sci_line,
        smi_command_port,
        acpi_enable_value: raw.acpi_enable,
    })
}

impl PowerInfo {
    /// The (port, value) writes that enter S5, or `None` when something is missing.
    pub fn power_off_writes(&self) -> Option<heapless::Vec<(u16, u16), 2>> {
        const SLEEP_ENABLE: u16 = 1 << 13;
        let (type_a, type_b) = self.s5_sleep_types?;
        let mut writes = heapless::Vec::new();
        let value = |sleep_type: u8| ((sleep_type as u16 & 0x7) << 10) | SLEEP_ENABLE;
        writes.push((self.pm1a_control_port?, value(type_a))).ok()?;
        if let Some(port) = self.pm1b_control_port {
            writes.push((port, value(type_b))).ok()?;
        }
        Some(writes)
    }

    /// Writes SLP_TYP(S5) | SLP_EN to the PM1 control ports. False (and a log line)
    /// when S5 is unavailable. The machine may take a moment to go (QEMU powers off
    /// after the write returns; VirtualBox inside it).
    pub fn enter_s5(&self, io: &mut impl PortIo) -> bool {
        let Some(writes) = self.power_off_writes() else {
            logging::warn!("acpi: power-off unavailable (no PM1a control port or no \\_S5)");
            return false;
        };
        for (port, value) in writes {
            io.out16(port, value);
        }
        true
    }
}

/// AML opcodes used by the `\_S5` scan.
mod aml {
    pub const NAME_OP: u8 = 0x08;
    pub const ROOT_PREFIX: u8 = b'\\';
    pub const PACKAGE_OP: u8 = 0x12;
    pub const ZERO_OP: u8 = 0x00;
    pub const ONE_OP: u8 = 0x01;
    pub const BYTE_PREFIX: u8 = 0x0a;
}

/// Finds `Name(\_S5, Package() { SLP_TYPa, SLP_TYPb, ... })` in AML and returns the
/// two sleep types. A byte scan, not an interpreter: it handles the static package
/// every firmware we target (QEMU, VirtualBox, OVMF) emits, and gives `None` for
/// anything else (a method, a computed value, truncated bytes).
pub fn s5_sleep_types(aml_bytes: &[u8]) -> Option<(u8, u8)> {
    let name_at = aml_bytes
        .windows(4)
        .enumerate()
        .find_map(|(index, window)| {
            let declared = (index >= 1 && aml_bytes[index - 1] == aml::NAME_OP)
                || (index >= 2
                    && aml_bytes[index - 1] == aml::ROOT_PREFIX
                    && aml_bytes[index - 2] == aml::NAME_OP);
            (window == b"_S5_" && declared).then_some(index)
        })?;
    let mut cursor = name_at + 4;
    if *aml_bytes.get(cursor)? != aml::PACKAGE_OP {
        return None;
    }
    cursor += 1;
    // PkgLength: bits 7..6 of the lead byte count the bytes that follow it.
    let lead = *aml_bytes.get(cursor)?;
    cursor += 1 + (lead >> 6) as usize;
    cursor += 1; // NumElements
    let mut element = || -> Option<u8> {
        let value = match *aml_bytes.get(cursor)? {
            aml::ZERO_OP => 0,
            aml::ONE_OP => 1,
            aml::BYTE_PREFIX => {
                cursor += 1;
                *aml_bytes.get(cursor)?
            }
            _ => return None,
        };
        cursor += 1;
        Some(value)
    };
    let type_a = element()?;
    let type_b = element()?;
    Some((type_a, type_b))
}

/// What ACPI told us.
#[derive(Debug, Clone)]
pub struct AcpiInfo {
    /// The interrupt controllers (or the legacy model).
    pub interrupts: InterruptModel,
    /// Power-off information from the FADT.
    pub power: PowerInfo,
}

/// Reads the MADT and FADT from the RSDP at `rsdp_address` (from the boot loader), or
/// from a BIOS-area search when the loader gave none.
#[cfg(target_os = "none")]
pub fn discover(rsdp_address: Option<u64>) -> AcpiInfo {
    let reachable = |phys: u64, len: u64| crate::arch::paging::is_identity_mapped(phys, len);
    // SAFETY: the RSDP address comes from the Multiboot2 RSDP tag (a copy inside the boot
    // information, which is identity-mapped RAM); the BIOS search reads only the EBDA
    // and 0xE0000..0xFFFFF, identity-mapped too. The crate checks signatures/checksums.
    let tables = unsafe {
        match rsdp_address {
            Some(address)
                if !rsdp_length_plausible(IdentityMapHandler, address)
                    || !root_table_plausible(IdentityMapHandler, address) =>
            {
                Err(acpi::AcpiError::RsdpInvalidChecksum)
            }
            Some(address) => AcpiTables::from_rsdp(IdentityMapHandler, address as usize),
            None => AcpiTables::search_for_rsdp_bios(IdentityMapHandler),
        }
    };
    read_tables(tables, IdentityMapHandler, reachable)
}

/// Reads the MADT and FADT through `handler` from the RSDP at `rsdp_address`;
/// `reachable(phys, len)` says whether device registers there can be used.
///
/// # Safety
/// `rsdp_address` must be readable through `handler` for 36 bytes, and every table
/// address the tables contain must be readable through `handler` too.
pub unsafe fn discover_with<H: AcpiHandler>(
    handler: H,
    rsdp_address: u64,
    reachable: impl Fn(u64, u64) -> bool,
) -> AcpiInfo {
    let plausible = rsdp_length_plausible(handler.clone(), rsdp_address)
        && root_table_plausible(handler.clone(), rsdp_address);
    let tables = if plausible {
        // SAFETY: forwarded from the caller's contract.
        unsafe { AcpiTables::from_rsdp(handler.clone(), rsdp_address as usize) }
    } else {
        Err(acpi::AcpiError::RsdpInvalidChecksum)
    };
    read_tables(tables, handler, reachable)
}

/// The size of an ACPI 2.0+ RSDP.
const RSDP_V2_LENGTH: u32 = 36;
/// The largest root table (RSDT/XSDT) we accept: 8 000 table pointers.
const MAX_ROOT_TABLE_LENGTH: u32 = 64 * 1024;

/// Whether an ACPI 2.0+ RSDP's length field is at most its 36 bytes: the crate
/// checksums `length` bytes having mapped 36, so a bogus length read far past the
/// RSDP (found by the `acpi` fuzz target). ACPI 1.0 RSDPs have no length field.
fn rsdp_length_plausible<H: AcpiHandler>(handler: H, address: u64) -> bool {
    // SAFETY: the caller's contract: 36 bytes at `address` are readable through it.
    let mapping = unsafe { handler.map_physical_region::<u8>(address as usize, 36) };
    let bytes = mapped_bytes(&mapping);
    if bytes.len() < 36 || bytes[15] == 0 {
        return true;
    }
    let length = u32::from_le_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]);
    if (20..=RSDP_V2_LENGTH).contains(&length) {
        return true;
    }
    logging::warn!(
        "acpi: RSDP revision {} claims {length} bytes; ignored",
        bytes[15]
    );
    false
}

/// Whether the root table (RSDT, or XSDT from revision 2 on) the RSDP at `address`
/// points to is at least a header long: the crate subtracts the header from its
/// length unchecked and reads that many bytes of table pointers (an RSDT claiming 4
/// bytes wrapped to gigabytes; found by the `acpi` fuzz target).
fn root_table_plausible<H: AcpiHandler>(handler: H, address: u64) -> bool {
    // SAFETY: as in `rsdp_length_plausible`.
    let rsdp = unsafe { handler.map_physical_region::<u8>(address as usize, 36) };
    let bytes = mapped_bytes(&rsdp);
    if bytes.len() < 36 {
        return false;
    }
    let le32 =
        |at: usize| u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    let root = if bytes[15] == 0 {
        u64::from(le32(16))
    } else {
        u64::from(le32(24)) | u64::from(le32(28)) << 32
    };
    drop(rsdp);
    // SAFETY: the handler maps any range (zeroes where nothing is mapped).
    let header = unsafe { handler.map_physical_region::<u8>(root as usize, 36) };
    let header_bytes = mapped_bytes(&header);
    let length = header_bytes
        .get(4..8)
        .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    if (36..=MAX_ROOT_TABLE_LENGTH).contains(&length) {
        return true;
    }
    logging::warn!("acpi: root table at {root:#x} claims {length} bytes; ignored");
    false
}

/// Whether the FADT's PM1 block lengths fit the crate's `length * 8` bit widths
/// (a u8: a length above 31 overflowed; found by the `acpi` fuzz target).
fn fadt_lengths_plausible(fadt: &[u8]) -> bool {
    let (event, control) = (fadt.get(88).copied(), fadt.get(89).copied());
    let plausible = event.is_some_and(|l| l < 32) && control.is_some_and(|l| l < 32);
    if !plausible {
        logging::warn!(
            "acpi: FADT PM1 lengths {event:?}/{control:?} are implausible; power-off unavailable"
        );
    }
    plausible
}

fn read_tables<H: AcpiHandler>(
    tables: acpi::AcpiResult<AcpiTables<H>>,
    handler: H,
    reachable: impl Fn(u64, u64) -> bool,
) -> AcpiInfo {
    let mut info = AcpiInfo {
        interrupts: InterruptModel::legacy(),
        power: PowerInfo::default(),
    };
    let tables = match tables {
        Ok(tables) => tables,
        Err(error) => {
            logging::warn!("acpi: no usable RSDP/RSDT ({error:?}); falling back to the 8259 PIC");
            return info;
        }
    };
    match tables.find_table::<Madt>() {
        Ok(_) if !madt_long_enough(&tables) => {
            logging::warn!("acpi: MADT shorter than its fixed part; falling back to the 8259 PIC")
        }
        Ok(madt) => info.interrupts = interrupt_model(mapped_bytes(&madt), &reachable),
        Err(error) => {
            logging::warn!("acpi: no usable MADT ({error:?}); falling back to the 8259 PIC")
        }
    }
    if !fadt_long_enough(&tables) {
        logging::warn!("acpi: no FADT or one shorter than its fixed part; power-off unavailable");
        return info;
    }
    match tables.find_table::<Fadt>() {
        Ok(fadt) if !fadt_lengths_plausible(mapped_bytes(&fadt)) => {
            info.power.reset = reset_register(mapped_bytes(&fadt), &reachable);
        }
        Ok(fadt) => {
            info.power.reset = reset_register(mapped_bytes(&fadt), &reachable);
            info.power.button = power_button_info(&raw_fixed_events(&fadt));
            info.power.pm1a_control_port = fadt
                .pm1a_control_block()
                .ok()
                .filter(|block| block.address_space == acpi::address::AddressSpace::SystemIo)
                .and_then(|block| u16::try_from(block.address).ok());
            info.power.pm1b_control_port = fadt
                .pm1b_control_block()
                .ok()
                .flatten()
                .filter(|block| block.address_space == acpi::address::AddressSpace::SystemIo)
                .and_then(|block| u16::try_from(block.address).ok());
        }
        Err(error) => logging::warn!("acpi: no usable FADT ({error:?}); power-off unavailable"),
    }
    info.power.s5_sleep_types = read_s5(&tables, handler);
    if info.power.power_off_writes().is_none() {
        logging::info!("acpi: power-off unavailable (no PM1a port or no static \\_S5 package)");
    }
    info
}

/// The fixed-event fields of `fadt`, blocks outside I/O space left out.
fn raw_fixed_events(fadt: &Fadt) -> RawFixedEvents {
    let io_block = |block: acpi::address::GenericAddress| {
        (block.address_space == acpi::address::AddressSpace::SystemIo)
            .then_some((block.address, block.bit_width / 8))
    };
    let pm1a = fadt.pm1a_event_block().ok().and_then(io_block);
    let pm1b = fadt.pm1b_event_block().ok().flatten().and_then(io_block);
    if { fadt.flags }.power_button_is_control_method() {
        logging::info!(
            "acpi: FADT says the power button is a control-method device; trying the fixed one"
        );
    }
    RawFixedEvents {
        sci_interrupt: fadt.sci_interrupt,
        smi_command: fadt.smi_cmd_port,
        acpi_enable: fadt.acpi_enable,
        pm1a_event: pm1a.map(|(address, _)| address),
        pm1b_event: pm1b.map(|(address, _)| address),
        pm1_event_length: pm1a.map_or(0, |(_, length)| length),
        pm1a_control: fadt
            .pm1a_control_block()
            .ok()
            .filter(|block| block.address_space == acpi::address::AddressSpace::SystemIo)
            .and_then(|block| u16::try_from(block.address).ok()),
    }
}

/// Whether the MADT is present with a length that covers its fixed part: the `acpi`
/// crate reads the fixed fields without checking, so a short table from the firmware
/// would be read past its end.
fn madt_long_enough<H: AcpiHandler>(tables: &AcpiTables<H>) -> bool {
    tables
        .find_table::<MadtHeader>()
        .is_ok_and(|madt| madt.get().header.length as usize >= size_of::<Madt>())
}

/// Whether the FADT covers every field read from it: up to PM1b_CNT_BLK (offset 68)
/// in an ACPI 1.0 table (116 bytes), up to X_PM1b_CNT_BLK (offset 184 + 12) from
/// revision 2 on, where the crate prefers the extended fields.
fn fadt_long_enough<H: AcpiHandler>(tables: &AcpiTables<H>) -> bool {
    tables.find_table::<FadtHeader>().is_ok_and(|fadt| {
        let header = fadt.get().header;
        let needed = if header.revision >= 2 { 196 } else { 116 };
        header.length as usize >= needed
    })
}

/// An MADT seen only through its header, to learn its length before the crate
/// reads the fixed fields. Not `AcpiTables::headers`: it checksums `length` bytes
/// after mapping only the header, so a table claiming gigabytes was read far past
/// its mapping (found by the `acpi` fuzz target). `find_table` maps what it checks.
#[repr(transparent)]
struct MadtHeader {
    header: acpi::sdt::SdtHeader,
}

// SAFETY: `MadtHeader` is exactly an SDT header, and the crate only reads the header
// (and checksums `length` bytes it mapped) through this type.
unsafe impl AcpiTable for MadtHeader {
    const SIGNATURE: acpi::sdt::Signature = acpi::sdt::Signature::MADT;
    fn header(&self) -> &acpi::sdt::SdtHeader {
        &self.header
    }
}

/// The FADT seen only through its header (see [`MadtHeader`]).
#[repr(transparent)]
struct FadtHeader {
    header: acpi::sdt::SdtHeader,
}

// SAFETY: as for `MadtHeader`.
unsafe impl AcpiTable for FadtHeader {
    const SIGNATURE: acpi::sdt::Signature = acpi::sdt::Signature::FADT;
    fn header(&self) -> &acpi::sdt::SdtHeader {
        &self.header
    }
}

/// The longest DSDT we scan (QEMU's and VirtualBox's are a few KiB).
const MAX_DSDT_LENGTH: usize = 1 << 20;

/// Scans the DSDT for the S5 sleep types. The DSDT is located and checked here, not
/// with `AcpiTables::dsdt`: that reads X_DSDT (offset 140) even from a 116-byte
/// ACPI 1.0 FADT, past the table's end (found by the `acpi` fuzz target).
fn read_s5<H: AcpiHandler>(tables: &AcpiTables<H>, handler: H) -> Option<(u8, u8)> {
    let fadt = tables.find_table::<Fadt>().ok()?;
    let address = dsdt_address(mapped_bytes(&fadt))?;
    drop(fadt);
    // SAFETY: the handler maps any range (zeroes where nothing is mapped).
    let header = unsafe { handler.map_physical_region::<u8>(address as usize, 36) };
    let header_bytes = mapped_bytes(&header);
    if header_bytes.len() < 36 || &header_bytes[..4] != b"DSDT" {
        logging::warn!("acpi: no DSDT at {address:#x}; power-off unavailable");
        return None;
    }
    let length = u32::from_le_bytes([
        header_bytes[4],
        header_bytes[5],
        header_bytes[6],
        header_bytes[7],
    ]) as usize;
    drop(header);
    if !(36..=MAX_DSDT_LENGTH).contains(&length) {
        logging::warn!("acpi: DSDT length {length} is implausible; ignored");
        return None;
    }
    // SAFETY: as above.
    let mapping = unsafe { handler.map_physical_region::<u8>(address as usize, length) };
    let aml_bytes = mapped_bytes(&mapping);
    if aml_bytes.len() < length || aml_bytes.iter().fold(0u8, |a, b| a.wrapping_add(*b)) != 0 {
        logging::warn!("acpi: DSDT at {address:#x} fails its checksum; ignored");
        return None;
    }
    s5_sleep_types(aml_bytes)
}

/// The bytes a mapping holds: the table's length, or what could be mapped of it.
fn mapped_bytes<H: AcpiHandler, T>(mapping: &acpi::PhysicalMapping<H, T>) -> &[u8] {
    // SAFETY: a mapping covers `mapped_length` readable bytes for as long as it lives,
    // and the slice borrows it.
    unsafe {
        core::slice::from_raw_parts(
            mapping.virtual_start().as_ptr() as *const u8,
            mapping.mapped_length().min(mapping.region_length()),
        )
    }
}

/// The DSDT's address from the FADT's bytes: X_DSDT (offset 140) when the table is
/// revision 2 or later and long enough to hold it and it is set, else DSDT (offset 40).
fn dsdt_address(fadt: &[u8]) -> Option<u64> {
    let field = |offset: usize, len: usize| {
        fadt.get(offset..offset + len).map(|bytes| {
            bytes
                .iter()
                .rev()
                .fold(0u64, |value, byte| value << 8 | u64::from(*byte))
        })
    };
    let revision = fadt.get(8).copied().unwrap_or(0);
    let extended = if revision >= 2 { field(140, 8) } else { None };
    extended
        .filter(|&address| address != 0)
        .or_else(|| field(40, 4))
        .filter(|&address| address != 0)
}

/// Bytes before the first MADT entry: the SDT header, the local APIC address and
/// the flags.
const MADT_ENTRIES_OFFSET: usize = 44;

/// Reads the interrupt model from the MADT's bytes (its length already checked to
/// cover the fixed part). The entries are walked here, bounds-checked, rather than
/// with the crate's `Madt::entries`: an entry of length 0 made that loop forever and
/// one running past the table read beyond it (both found by the `acpi` fuzz target).
fn interrupt_model(madt: &[u8], reachable: impl Fn(u64, u64) -> bool) -> InterruptModel {
    let u32_at = |bytes: &[u8], offset: usize| {
        bytes
            .get(offset..offset + 4)
            .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let mut model = InterruptModel::legacy();
    model.local_apic_address = u64::from(u32_at(madt, 36));
    let length = (u32_at(madt, 4) as usize).min(madt.len());
    let mut offset = MADT_ENTRIES_OFFSET;
    while offset + 2 <= length {
        let (kind, entry_length) = (madt[offset], usize::from(madt[offset + 1]));
        if entry_length < 2 || offset + entry_length > length {
            logging::warn!(
                "acpi: MADT entry at offset {offset} has length {entry_length}; the rest is ignored"
            );
            break;
        }
        let entry = &madt[offset..offset + entry_length];
        offset += entry_length;
        match (kind, entry_length) {
            // I/O APIC: id, reserved, address, GSI base.
            (1, 12..) => {
                let gsi_base = u32_at(entry, 8);
                // The I/O APIC serving GSI 0 carries the ISA and (on PCs) PCI lines.
                if gsi_base == 0 || model.io_apic.is_none() {
                    model.io_apic = Some(IoApicInfo {
                        address: u64::from(u32_at(entry, 4)),
                        gsi_base,
                    });
                }
            }
            // Interrupt source override: bus, source IRQ, GSI, flags.
            (2, 10..) if entry[2] == 0 => {
                let flags = u16::from_le_bytes([entry[8], entry[9]]);
                let irq = entry[3];
                let source = SourceOverride::from_madt(irq, u32_at(entry, 4), flags);
                if model.overrides.push(source).is_err() {
                    logging::warn!(
                        "acpi: more than {} interrupt overrides; IRQ {irq} ignored",
                        model.overrides.capacity(),
                    );
                }
            }
            // Local APIC address override: reserved, 64-bit address.
            (5, 12..) => {
                model.local_apic_address =
                    u32_at(entry, 4) as u64 | (u64::from(u32_at(entry, 8)) << 32)
            }
            _ => {}
        }
    }
    if model.io_apic.is_none() {
        logging::warn!("acpi: MADT lists no I/O APIC; falling back to the 8259 PIC");
    }
    if !reachable(model.local_apic_address, 0x400)
        || model.io_apic.is_some_and(|io| !reachable(io.address, 0x20))
    {
        logging::warn!(
            "acpi: APIC registers outside the identity map; falling back to the 8259 PIC"
        );
        model.io_apic = None;
    }
    model
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::irq_lines::{Polarity, Trigger};
    use acpi::PhysicalMapping;
    use core::ptr::NonNull;

    /// "Physical" addresses are host addresses of the test's own buffers.
    #[derive(Clone, Copy, Debug)]
    struct HostMemory;

    impl AcpiHandler for HostMemory {
        unsafe fn map_physical_region<T>(
            &self,
            physical_address: usize,
            size: usize,
        ) -> PhysicalMapping<Self, T> {
            // SAFETY: tests only pass addresses of live buffers they built.
            unsafe {
                PhysicalMapping::new(
                    physical_address,
                    NonNull::new(physical_address as *mut T).unwrap(),
                    size,
                    size,
                    *self,
                )
            }
        }
        fn unmap_physical_region<T>(_region: &PhysicalMapping<Self, T>) {}
    }

    fn checksum_fix(bytes: &mut [u8], at: usize) {
        bytes[at] = 0;
        let sum = bytes.iter().fold(0u8, |a, b| a.wrapping_add(*b));
        bytes[at] = 0u8.wrapping_sub(sum);
    }

    /// An SDT: 36-byte header then `body`, with a correct checksum.
    fn sdt(signature: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut table = Vec::new();
        table.extend_from_slice(signature);
        table.extend_from_slice(&((36 + body.len()) as u32).to_le_bytes());
        table.push(1); // revision
        table.push(0); // checksum
        table.extend_from_slice(b"VITRIN");
        table.extend_from_slice(b"TESTTABL");
        table.extend_from_slice(&1u32.to_le_bytes());
        table.extend_from_slice(&1u32.to_le_bytes());
        table.extend_from_slice(&1u32.to_le_bytes());
        table.extend_from_slice(body);
        checksum_fix(&mut table, 9);
        table
    }

    fn madt_body(with_io_apic: bool) -> Vec<u8> {
        let mut body = Vec::new();
        body.extend_from_slice(&0xfee0_0000u32.to_le_bytes());
        body.extend_from_slice(&1u32.to_le_bytes()); // PCAT_COMPAT
        body.extend_from_slice(&[0, 8, 0, 0, 1, 0, 0, 0]); // local APIC 0, enabled
        if with_io_apic {
            body.extend_from_slice(&[1, 12, 0, 0]);
            body.extend_from_slice(&0xfec0_0000u32.to_le_bytes());
            body.extend_from_slice(&0u32.to_le_bytes());
        }
        // ISA IRQ 0 -> GSI 2 (conforming); IRQ 9 -> GSI 9 level, active low.
        body.extend_from_slice(&[2, 10, 0, 0]);
        body.extend_from_slice(&2u32.to_le_bytes());
        body.extend_from_slice(&0u16.to_le_bytes());
        body.extend_from_slice(&[2, 10, 0, 9]);
        body.extend_from_slice(&9u32.to_le_bytes());
        body.extend_from_slice(&0b1111u16.to_le_bytes());
        body
    }

    /// Keeps the buffers alive (and 8-byte aligned) while the test runs.
    struct Tables {
        buffers: Vec<Vec<u64>>,
    }

    impl Tables {
        fn place(&mut self, bytes: &[u8]) -> u64 {
            let mut words = vec![0u64; bytes.len().div_ceil(8)];
            // SAFETY: `words` has at least `bytes.len()` bytes.
            unsafe {
                core::ptr::copy_nonoverlapping(
                    bytes.as_ptr(),
                    words.as_mut_ptr() as *mut u8,
                    bytes.len(),
                )
            };
            let address = words.as_ptr() as u64;
            self.buffers.push(words);
            address
        }
    }

    /// Builds RSDP (v2) → XSDT → MADT; returns the tables and the RSDP address.
    fn build(madt: Vec<u8>, corrupt_rsdp: bool) -> (Tables, u64) {
        build_all(&[madt], corrupt_rsdp)
    }

    /// Builds RSDP (v2) → XSDT → each of `sdts`.
    fn build_all(sdts: &[Vec<u8>], corrupt_rsdp: bool) -> (Tables, u64) {
        let mut tables = Tables {
            buffers: Vec::new(),
        };
        let entries: Vec<u8> = sdts
            .iter()
            .flat_map(|table| tables.place(table).to_le_bytes())
            .collect();
        let xsdt = sdt(b"XSDT", &entries);
        let xsdt_address = tables.place(&xsdt);
        let mut rsdp = Vec::new();
        rsdp.extend_from_slice(b"RSD PTR ");
        rsdp.push(0);
        rsdp.extend_from_slice(b"VITRIN");
        rsdp.push(2);
        rsdp.extend_from_slice(&0u32.to_le_bytes());
        rsdp.extend_from_slice(&36u32.to_le_bytes());
        rsdp.extend_from_slice(&xsdt_address.to_le_bytes());
        rsdp.extend_from_slice(&[0, 0, 0, 0]);
        checksum_fix(&mut rsdp[..20], 8);
        checksum_fix(&mut rsdp, 32);
        if corrupt_rsdp {
            rsdp[8] = rsdp[8].wrapping_add(1);
        }
        let rsdp_address = tables.place(&rsdp);
        (tables, rsdp_address)
    }

    fn discover_in(tables_and_rsdp: &(Tables, u64)) -> AcpiInfo {
        // SAFETY: every address in the tables points into `tables_and_rsdp.0`.
        unsafe { discover_with(HostMemory, tables_and_rsdp.1, |_, _| true) }
    }

    /// A revision-4 FADT of 244 bytes with RESET_REG = (space, width, offset,
    /// address), RESET_VALUE 6, and RESET_REG_SUP as given.
    fn fadt_with_reset(supported: bool, space: u8, width: u8, offset: u8, address: u64) -> Vec<u8> {
        let mut table = vec![0u8; 244];
        table[..4].copy_from_slice(b"FACP");
        table[4..8].copy_from_slice(&244u32.to_le_bytes());
        table[8] = 4;
        let flags: u32 = if supported { 1 << 10 } else { 0 };
        table[112..116].copy_from_slice(&flags.to_le_bytes());
        table[116..120].copy_from_slice(&[space, width, offset, 1]);
        table[120..128].copy_from_slice(&address.to_le_bytes());
        table[128] = 6;
        table
    }

    #[test]
    fn reads_the_reset_register_in_each_address_space() {
        let anywhere = |_, _| true;
        let io = fadt_with_reset(true, 1, 8, 0, 0xCF9);
        assert_eq!(
            reset_register(&io, anywhere),
            Some(ResetRegister {
                address: ResetAddress::Io(0xCF9),
                value: 6
            })
        );
        let memory = fadt_with_reset(true, 0, 8, 0, 0xFED0_0000);
        assert_eq!(
            reset_register(&memory, anywhere).map(|r| r.address),
            Some(ResetAddress::Memory(0xFED0_0000))
        );
        // Device 31, function 2, offset 0x44.
        let pci = fadt_with_reset(true, 2, 8, 0, 31 << 32 | 2 << 16 | 0x44);
        assert_eq!(
            reset_register(&pci, anywhere).map(|r| r.address),
            Some(ResetAddress::PciConfig {
                device: 31,
                function: 2,
                offset: 0x44
            })
        );
    }

    #[test]
    fn reset_addresses_are_named_in_hex_per_space() {
        use std::string::ToString;
        assert_eq!(ResetAddress::Io(0xCF9).to_string(), "io:0xcf9");
        assert_eq!(
            ResetAddress::Memory(0xFED0_0000).to_string(),
            "memory:0xfed00000"
        );
        let pci = ResetAddress::PciConfig {
            device: 31,
            function: 2,
            offset: 0x44,
        };
        assert_eq!(pci.to_string(), "pci:00:1f.2+0x44");
    }

    #[test]
    fn bad_reset_registers_are_not_used() {
        let anywhere = |_, _| true;
        for (what, table) in [
            ("not supported", fadt_with_reset(false, 1, 8, 0, 0xCF9)),
            ("16-bit", fadt_with_reset(true, 1, 16, 0, 0xCF9)),
            ("bit offset 1", fadt_with_reset(true, 1, 8, 1, 0xCF9)),
            ("address 0", fadt_with_reset(true, 1, 8, 0, 0)),
            (
                "port above 0xffff",
                fadt_with_reset(true, 1, 8, 0, 0x1_0CF9),
            ),
            (
                "PCI device 32",
                fadt_with_reset(true, 2, 8, 0, 32 << 32 | 0x44),
            ),
            (
                "PCI function 8",
                fadt_with_reset(true, 2, 8, 0, 8 << 16 | 0x44),
            ),
            ("PCI offset 256", fadt_with_reset(true, 2, 8, 0, 0x100)),
            ("embedded controller", fadt_with_reset(true, 3, 8, 0, 0x66)),
        ] {
            assert_eq!(reset_register(&table, anywhere), None, "{what}");
        }
        // Memory the kernel has not mapped.
        let memory = fadt_with_reset(true, 0, 8, 0, 0xFED0_0000);
        assert_eq!(reset_register(&memory, |_, _| false), None);
        // An ACPI 1.0 FADT (116 bytes) has no reset register, and a table whose length
        // claims more than the bytes we have is read only as far as they go.
        let mut short = fadt_with_reset(true, 1, 8, 0, 0xCF9);
        short[4..8].copy_from_slice(&116u32.to_le_bytes());
        assert_eq!(reset_register(&short, anywhere), None);
        let truncated = &fadt_with_reset(true, 1, 8, 0, 0xCF9)[..120];
        assert_eq!(reset_register(truncated, anywhere), None);
        assert_eq!(reset_register(&[], anywhere), None);
    }

    #[test]
    fn discovery_passes_the_fadt_reset_register_on() {
        let mut fadt = fadt_v1(9, 0xb2, 0xf1, 0x600, 4);
        // Make it a revision-2+ FADT long enough for X_ fields (all zero: the
        // crate falls back to the 32-bit blocks) with RESET_REG = I/O 0xCF9.
        fadt.resize(244, 0);
        fadt[4..8].copy_from_slice(&244u32.to_le_bytes());
        fadt[8] = 3;
        fadt[112..116].copy_from_slice(&(1u32 << 10).to_le_bytes());
        fadt[116..120].copy_from_slice(&[1, 8, 0, 1]);
        fadt[120..128].copy_from_slice(&0xCF9u64.to_le_bytes());
        fadt[128] = 6;
        checksum_fix(&mut fadt, 9);
        fadt.resize(512, 0);
        let built = build_all(&[sdt(b"APIC", &madt_body(true)), fadt], false);
        assert_eq!(
            discover_in(&built).power.reset,
            Some(ResetRegister {
                address: ResetAddress::Io(0xCF9),
                value: 6
            })
        );
    }

    #[test]
    fn finds_static_s5_packages() {
        // QEMU: Name (_S5, Package (0x04) { Zero, Zero, Zero, Zero })
        let qemu = [
            0x10, 0x08, b'_', b'S', b'5', b'_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00,
        ];
        assert_eq!(s5_sleep_types(&qemu[1..]), Some((0, 0)));
        // Name (\_S5, Package (0x02) { 0x05, 0x07 }) with BytePrefix values.
        let root = [
            0x08, b'\\', b'_', b'S', b'5', b'_', 0x12, 0x06, 0x02, 0x0a, 0x05, 0x0a, 0x07,
        ];
        assert_eq!(s5_sleep_types(&root), Some((5, 7)));
        // A two-byte PkgLength (lead byte 0x4N: one more byte follows).
        let long = [
            0x08, b'_', b'S', b'5', b'_', 0x12, 0x40, 0x01, 0x02, 0x01, 0x0a, 0x03,
        ];
        assert_eq!(s5_sleep_types(&long), Some((1, 3)));
    }

    #[test]
    fn odd_s5_definitions_give_none() {
        // Not declared with NameOp (a reference to _S5_ inside other code).
        assert_eq!(
            s5_sleep_types(&[0x70, b'_', b'S', b'5', b'_', 0x12, 0x04, 0x02, 0, 0]),
            None
        );
        // A method instead of a package.
        assert_eq!(
            s5_sleep_types(&[0x08, b'_', b'S', b'5', b'_', 0x14, 0x04, 0x02, 0, 0]),
            None
        );
        // Truncated after the first element.
        assert_eq!(
            s5_sleep_types(&[0x08, b'_', b'S', b'5', b'_', 0x12, 0x04, 0x02, 0x0a]),
            None
        );
        assert_eq!(s5_sleep_types(b""), None);
    }

    #[test]
    fn power_off_writes_need_both_the_port_and_the_sleep_type() {
        let mut power = PowerInfo {
            pm1a_control_port: Some(0x604),
            ..PowerInfo::default()
        };
        assert!(power.power_off_writes().is_none());
        power.s5_sleep_types = Some((5, 0));
        assert_eq!(
            power.power_off_writes().unwrap().as_slice(),
            &[(0x604, (5 << 10) | (1 << 13))]
        );
        power.pm1a_control_port = None;
        assert!(power.power_off_writes().is_none());
    }

    /// An ACPI 1.0 FADT (116 bytes, revision 1: no extended fields), padded past
    /// its length so the crate's full-size view stays inside the buffer.
    fn fadt_v1(sci: u16, smi_cmd: u32, acpi_enable: u8, pm1a_event: u32, event_len: u8) -> Vec<u8> {
        let mut body = vec![0u8; 116 - 36];
        let mut put = |offset: usize, bytes: &[u8]| {
            body[offset - 36..offset - 36 + bytes.len()].copy_from_slice(bytes)
        };
        put(46, &sci.to_le_bytes());
        put(48, &smi_cmd.to_le_bytes());
        put(52, &[acpi_enable]);
        put(56, &pm1a_event.to_le_bytes());
        put(64, &0x604u32.to_le_bytes()); // PM1a_CNT_BLK
        put(88, &[event_len, 2]); // PM1_EVT_LEN, PM1_CNT_LEN
        let mut table = sdt(b"FACP", &body);
        table.resize(512, 0);
        table
    }

    #[test]
    fn reads_the_power_button_registers_from_the_fadt() {
        let built = build_all(
            &[
                sdt(b"APIC", &madt_body(true)),
                fadt_v1(9, 0xb2, 0xf1, 0x600, 4),
            ],
            false,
        );
        let power = discover_in(&built).power;
        assert_eq!(power.pm1a_control_port, Some(0x604));
        assert_eq!(
            power.button,
            Some(PowerButtonInfo {
                pm1a_event: Pm1EventBlock {
                    status_port: 0x600,
                    enable_port: 0x602
                },
                pm1b_event: None,
                pm1a_control_port: Some(0x604),
                sci_line: Some(9),
                smi_command_port: Some(0xb2),
                acpi_enable_value: 0xf1,
            })
        );
        // An 8-byte PM1 event block puts the enable register 4 bytes in.
        let built = build_all(&[fadt_v1(9, 0xb2, 0xf1, 0x4000, 8)], false);
        let button = discover_in(&built).power.button.unwrap();
        assert_eq!(button.pm1a_event.enable_port, 0x4004);
    }

    #[test]
    fn bogus_fadt_fixed_event_fields_fall_back() {
        // Odd length, SCI out of range, SMI_CMD beyond the I/O space.
        let built = build_all(&[fadt_v1(200, 0x1_0000, 0xf1, 0x600, 3)], false);
        let button = discover_in(&built).power.button.unwrap();
        assert_eq!(button.pm1a_event.enable_port, 0x602);
        assert_eq!(button.sci_line, None);
        assert_eq!(button.smi_command_port, None);
        // No PM1a event block: no power button at all.
        let built = build_all(&[fadt_v1(9, 0xb2, 0xf1, 0, 4)], false);
        assert_eq!(discover_in(&built).power.button, None);
    }

    #[test]
    fn power_button_info_validates_each_field() {
        let good = RawFixedEvents {
            sci_interrupt: 9,
            smi_command: 0xb2,
            acpi_enable: 0xf1,
            pm1a_event: Some(0x600),
            pm1b_event: None,
            pm1_event_length: 4,
            pm1a_control: Some(0x604),
        };
        let info = power_button_info(&good).unwrap();
        assert_eq!(info.sci_line, Some(9));
        // The tick and the cascade are not an SCI; neither is a line we do not track.
        for sci in [0, 2, 24, 0x109] {
            let raw = RawFixedEvents {
                sci_interrupt: sci,
                ..good
            };
            assert_eq!(power_button_info(&raw).unwrap().sci_line, None, "sci {sci}");
        }
        // ACPI_ENABLE 0 means the firmware has no hand-over: SMI_CMD is not used.
        let raw = RawFixedEvents {
            acpi_enable: 0,
            ..good
        };
        assert_eq!(power_button_info(&raw).unwrap().smi_command_port, None);
        // A block whose enable register would wrap past port 0xffff is refused.
        let raw = RawFixedEvents {
            pm1a_event: Some(0xffff),
            ..good
        };
        assert_eq!(power_button_info(&raw), None);
        // A block above the I/O space (not a u16) is refused; a bad PM1b is dropped.
        let raw = RawFixedEvents {
            pm1a_event: Some(0x1_0600),
            ..good
        };
        assert_eq!(power_button_info(&raw), None);
        let raw = RawFixedEvents {
            pm1b_event: Some(0xffff),
            ..good
        };
        assert_eq!(power_button_info(&raw).unwrap().pm1b_event, None);
        let raw = RawFixedEvents {
            pm1b_event: Some(0x700),
            pm1_event_length: 8,
            ..good
        };
        assert_eq!(
            power_button_info(&raw).unwrap().pm1b_event,
            Some(Pm1EventBlock {
                status_port: 0x700,
                enable_port: 0x704
            })
        );
    }

    #[test]
    fn reads_io_apic_and_overrides_from_the_madt() {
        let built = build(sdt(b"APIC", &madt_body(true)), false);
        let model = discover_in(&built).interrupts;
        assert!(model.has_io_apic());
        assert_eq!(model.local_apic_address, 0xfee0_0000);
        assert_eq!(
            model.io_apic,
            Some(IoApicInfo {
                address: 0xfec0_0000,
                gsi_base: 0
            })
        );
        assert_eq!(model.overrides.len(), 2);
        assert_eq!(model.overrides[0].gsi, 2);
        assert_eq!(model.overrides[1].polarity, Some(Polarity::ActiveLow));
        assert_eq!(model.overrides[1].trigger, Some(Trigger::Level));
    }

    #[test]
    fn a_bad_rsdp_checksum_falls_back_to_the_pic() {
        let built = build(sdt(b"APIC", &madt_body(true)), true);
        assert!(!discover_in(&built).interrupts.has_io_apic());
    }

    #[test]
    fn a_bad_madt_checksum_falls_back_to_the_pic() {
        let mut madt = sdt(b"APIC", &madt_body(true));
        madt[40] ^= 0x10; // flip a bit in the body, checksum now wrong
        let built = build(madt, false);
        assert!(!discover_in(&built).interrupts.has_io_apic());
    }

    #[test]
    fn no_madt_or_no_io_apic_falls_back_to_the_pic() {
        let built = build(sdt(b"FACP", &[0u8; 8]), false);
        let info = discover_in(&built);
        assert!(!info.interrupts.has_io_apic());
        // A FADT shorter than its fixed part is refused, not read past its end.
        assert!(info.power.power_off_writes().is_none());
        let built = build(sdt(b"APIC", &madt_body(false)), false);
        assert!(!discover_in(&built).interrupts.has_io_apic());
    }

    #[test]
    fn a_short_madt_falls_back_to_the_pic() {
        // Header and local APIC address only: the flags field is cut off.
        let built = build(sdt(b"APIC", &0xfee0_0000u32.to_le_bytes()), false);
        assert!(!discover_in(&built).interrupts.has_io_apic());
    }

    #[test]
    fn unreachable_apic_registers_fall_back_to_the_pic() {
        let built = build(sdt(b"APIC", &madt_body(true)), false);
        // SAFETY: as in `discover_in`.
        let info = unsafe { discover_with(HostMemory, built.1, |phys, _| phys < 0xfec0_0000) };
        assert!(!info.interrupts.has_io_apic());
    }
}
