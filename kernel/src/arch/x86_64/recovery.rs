//! After a panic or CPU exception has been reported on serial: the error page on the
//! framebuffer the runtime last published, the restart record in CMOS, the delay and
//! the reset (in the order of `recovery::reset_plan`).
//! The policy is `on-fault=` (see `boot::cmdline::OnFault`); the logic is in
//! `crate::recovery`.

use core::fmt::Write;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicU8, Ordering};

use embedded_graphics::pixelcolor::Rgb888;
use embedded_graphics::prelude::*;
use x86_64::instructions::port::Port;

use super::{fault, time};
use crate::boot::cmdline::OnFault;
use crate::drivers::serial;
use crate::metal::Metal;
use crate::platform::acpi::PowerInfo;
use crate::platform::acpi::{ResetAddress, ResetRegister};
use crate::recovery::reset_plan::{reset_plan, ResetMethod};
use crate::recovery::{self, handover, Decision, ErrorPage, PublishedScreen, RestartRecord};
use crate::testing::QemuExitCode;

const CMOS_INDEX: u16 = 0x70;
const CMOS_DATA: u16 = 0x71;

/// `on-fault` as set at boot: 0 = not set yet or a test run (exit QEMU), 1 = halt,
/// 2 = restart after `RESTART_SECONDS`.
static POLICY: AtomicU32 = AtomicU32::new(0);
static RESTART_SECONDS: AtomicU32 = AtomicU32::new(0);
/// Set once recovery started: a fault during the error page goes straight on.
static RECOVERING: AtomicBool = AtomicBool::new(false);

/// The FADT's reset register, as plain words the fault path can read without locks:
/// kind (0 none, 1 I/O, 2 memory, 3 PCI config) | value << 8 | PCI device << 16 |
/// function << 21 | offset << 24; and the port or memory address.
static RESET_REGISTER: AtomicU32 = AtomicU32::new(0);
static RESET_REGISTER_ADDRESS: AtomicU64 = AtomicU64::new(0);

/// Remembers the reset register ACPI discovery found (checked there), for [`reset`].
pub fn set_reset_register(register: Option<ResetRegister>) {
    let (kind, address) = match register.map(|r| r.address) {
        None => (0, 0),
        Some(ResetAddress::Io(port)) => (1, u64::from(port)),
        Some(ResetAddress::Memory(address)) => (2, address),
        Some(ResetAddress::PciConfig {
            device,
            function,
            offset,
        }) => (
            3 | u32::from(device & 0x1F) << 16
                | u32::from(function & 7) << 21
                | u32::from(offset) << 24,
            0,
        ),
    };
    let value = register.map_or(0, |r| u32::from(r.value));
    RESET_REGISTER.store(0, Ordering::SeqCst);
    RESET_REGISTER_ADDRESS.store(address, Ordering::SeqCst);
    RESET_REGISTER.store(kind | value << 8, Ordering::SeqCst);
}

/// The reset register [`set_reset_register`] stored, read back from its words.
fn stored_reset_register() -> Option<ResetRegister> {
    let word = RESET_REGISTER.load(Ordering::SeqCst);
    let address = RESET_REGISTER_ADDRESS.load(Ordering::SeqCst);
    let address = match word & 0xFF {
        1 => ResetAddress::Io(address as u16),
        2 => ResetAddress::Memory(address),
        3 => ResetAddress::PciConfig {
            device: (word >> 16 & 0x1F) as u8,
            function: (word >> 21 & 7) as u8,
            offset: (word >> 24) as u8,
        },
        _ => return None,
    };
    Some(ResetRegister {
        address,
        value: (word >> 8) as u8,
    })
}

/// The reset method `test-reset=` asks a restart to start with
/// (`ResetMethod::code`; 0: from the first).
static FIRST_RESET_METHOD: AtomicU8 = AtomicU8::new(0);

/// Remembers `test-reset=` for [`reset`].
pub fn set_first_reset_method(method: Option<ResetMethod>) {
    FIRST_RESET_METHOD.store(method.map_or(0, ResetMethod::code), Ordering::SeqCst);
}

/// Writes the reset value to the FADT's reset register.
fn write_reset_register(register: ResetRegister) {
    let value = register.value;
    match register.address {
        ResetAddress::Io(port) => {
            // SAFETY: the port the firmware's FADT names as its reset register.
            unsafe { Port::<u8>::new(port).write(value) };
        }
        ResetAddress::Memory(address) => {
            // SAFETY: the FADT's memory reset register; discovery checked that the
            // byte is identity-mapped.
            unsafe { (address as *mut u8).write_volatile(value) };
        }
        ResetAddress::PciConfig {
            device,
            function,
            offset,
        } => {
            let (device, function, offset) =
                (u32::from(device), u32::from(function), u32::from(offset));
            // SAFETY: PCI configuration mechanism #1 on bus 0, the register the FADT
            // names; the dword address is aligned, the byte written within it.
            unsafe {
                Port::<u32>::new(0xCF8)
                    .write(0x8000_0000 | device << 11 | function << 8 | (offset & 0xFC));
                Port::<u8>::new(0xCFC + (offset & 3) as u16).write(value);
            }
        }
    }
}

fn cmos_read(register: u8) -> u8 {
    // SAFETY: CMOS index/data ports; bit 7 of the index keeps NMIs masked.
    unsafe {
        Port::<u8>::new(CMOS_INDEX).write(register | 0x80);
        Port::<u8>::new(CMOS_DATA).read()
    }
}

fn cmos_write(register: u8, value: u8) {
    // SAFETY: as in `cmos_read`; the registers are the record's, used by no firmware.
    unsafe {
        Port::<u8>::new(CMOS_INDEX).write(register | 0x80);
        Port::<u8>::new(CMOS_DATA).write(value);
    }
}

fn read_record() -> Option<RestartRecord> {
    RestartRecord::decode(recovery::CMOS_RECORD_REGISTERS.map(cmos_read))
}

fn write_record(record: RestartRecord) {
    for (register, value) in recovery::CMOS_RECORD_REGISTERS.iter().zip(record.encode()) {
        cmos_write(*register, value);
    }
}

/// At boot: sets the policy, counts a pending restart and prints
/// `@vitrine restart count=N`. Returns the count.
pub fn boot(policy: Option<OnFault>) -> u32 {
    match policy {
        None => POLICY.store(0, Ordering::SeqCst),
        Some(OnFault::Halt) => POLICY.store(1, Ordering::SeqCst),
        Some(OnFault::Restart { seconds }) => {
            RESTART_SECONDS.store(seconds, Ordering::SeqCst);
            POLICY.store(2, Ordering::SeqCst);
        }
    }
    let (count, record) = recovery::at_boot(read_record());
    write_record(record);
    recovery::set_boot_record(count, record);
    crate::status!(
        "restart count={} quick_streak={}",
        count,
        record.quick_streak
    );
    count
}

/// A DrawTarget over the published 32-bit XRGB framebuffer.
struct RawScreen(PublishedScreen);

impl OriginDimensions for RawScreen {
    fn size(&self) -> Size {
        Size::new(self.0.width, self.0.height)
    }
}

impl DrawTarget for RawScreen {
    type Color = Rgb888;
    type Error = core::convert::Infallible;

    fn draw_iter<I: IntoIterator<Item = Pixel<Rgb888>>>(
        &mut self,
        pixels: I,
    ) -> Result<(), Self::Error> {
        let screen = self.0;
        for Pixel(point, color) in pixels {
            let (Ok(x), Ok(y)) = (u32::try_from(point.x), u32::try_from(point.y)) else {
                continue;
            };
            if x >= screen.width || y >= screen.height {
                continue;
            }
            let offset = y as usize * screen.pitch as usize + x as usize * 4;
            let raw = u32::from(color.r()) << 16 | u32::from(color.g()) << 8 | u32::from(color.b());
            // SAFETY: (x, y) is inside the published framebuffer, whose mapping the
            // display keeps for the kernel's life; 4-byte aligned (pitch and x*4).
            unsafe { ((screen.address + offset) as *mut u32).write_volatile(raw) };
        }
        Ok(())
    }
}

/// Draws the page and hands it to the host (`recovery::handover`). Returns whether
/// the page was drawn and how the host was told.
fn draw(page: &ErrorPage) -> (bool, &'static str) {
    if recovery::display_busy() {
        serial::write_str("[recovery] the fault hit the display driver; no error page\n");
        return (false, "none");
    }
    let Some(screen) = recovery::published_screen() else {
        serial::write_str("[recovery] no framebuffer published yet; no error page\n");
        return (false, "none");
    };
    let handover = handover::published();
    // SAFETY: the runtime that owned the machine's `Metal` never runs again (the
    // fault path ends in a reset or a halt); this one only writes the display's
    // registers the handover names.
    let mut io = unsafe { Metal::new(PowerInfo::default()) };
    handover.before_page(&mut io);
    recovery::draw_error_page(&mut RawScreen(screen), page);
    if !handover.after_page(&mut io) {
        serial::write_str("[recovery] the handover command did not fit in VRAM\n");
        return (true, "failed");
    }
    (true, handover.name())
}

/// Everything after the serial report. `what` names the failure in words, `fields`
/// are its status line's fields.
pub fn after_failure(what: &str, fields: core::fmt::Arguments) -> ! {
    if RECOVERING.swap(true, Ordering::SeqCst) {
        serial::write_str("[recovery] another failure during recovery; skipping the error page\n");
        if POLICY.load(Ordering::SeqCst) == 2 {
            reset();
        }
        fault::halt_forever();
    }
    // The host must see the guest as hung: no more VMMDev heartbeats from the timer
    // interrupt (interrupts are off here too, but the beat must not outlive that).
    super::interrupts::set_background_beat(None);
    let mut text: heapless::String<256> = heapless::String::new();
    let _ = text.write_fmt(fields);
    let restarts = recovery::restart_count();
    match POLICY.load(Ordering::SeqCst) {
        1 => {
            let (shown, handover) = draw(&ErrorPage {
                what,
                fields: &text,
                restarts,
                restart_in: None,
                staying_because: None,
            });
            crate::status!("recovery action=halt page={} handover={}", shown, handover);
            fault::halt_forever()
        }
        2 => {
            let seconds = RESTART_SECONDS.load(Ordering::SeqCst);
            let (record, decision) =
                recovery::after_fault(recovery::current_record(), time::now_us());
            write_record(record);
            if decision == Decision::StayOnErrorPage {
                let (shown, handover) = draw(&ErrorPage {
                    what,
                    fields: &text,
                    restarts,
                    restart_in: None,
                    staying_because: Some("too many quick restarts in a row"),
                });
                crate::status!(
                    "recovery action=stay quick_streak={} page={} handover={}",
                    record.quick_streak,
                    shown,
                    handover
                );
                fault::halt_forever()
            }
            let (shown, handover) = draw(&ErrorPage {
                what,
                fields: &text,
                restarts,
                restart_in: Some(seconds),
                staying_because: None,
            });
            crate::status!(
                "recovery action=restart delay_s={} count={} page={} handover={}",
                seconds,
                record.count,
                shown,
                handover
            );
            let until = time::now_us() + u64::from(seconds) * 1_000_000;
            while time::now_us() < until {
                core::hint::spin_loop();
            }
            reset()
        }
        _ => fault::stop(QemuExitCode::Failed),
    }
}

/// Resets the machine, trying each method of `recovery::reset_plan` in turn (the
/// FADT's reset register when ACPI gave a usable one, the keyboard controller, PCI
/// reset control, a triple fault), each announced by `@vitrine reset method=NAME`
/// before it is tried and given 100 ms before the next.
pub fn reset() -> ! {
    let register = stored_reset_register();
    let first = ResetMethod::from_code(FIRST_RESET_METHOD.load(Ordering::SeqCst));
    for method in reset_plan(register.is_some(), first) {
        match method {
            ResetMethod::AcpiRegister => {
                if let Some(register) = register {
                    crate::status!(
                        "reset method={} register={} value={:#04x}",
                        method.name(),
                        register.address,
                        register.value
                    );
                    write_reset_register(register);
                }
            }
            ResetMethod::KeyboardController => {
                crate::status!("reset method={}", method.name());
                // SAFETY: i8042 status/command ports; 0xFE pulses the CPU reset line.
                unsafe {
                    let mut status = Port::<u8>::new(0x64);
                    for _ in 0..100_000 {
                        if status.read() & 0x02 == 0 {
                            break;
                        }
                    }
                    status.write(0xFE);
                }
            }
            ResetMethod::PciResetControl => {
                crate::status!("reset method={}", method.name());
                // SAFETY: the PIIX/ICH reset control register: bit 1 hard reset,
                // bit 2 do it.
                unsafe {
                    Port::<u8>::new(0xCF9).write(0x02);
                    Port::<u8>::new(0xCF9).write(0x06);
                }
            }
            ResetMethod::TripleFault => {
                crate::status!("reset method={}", method.name());
                triple_fault();
            }
        }
        let until = time::now_us() + 100_000;
        while time::now_us() < until {
            core::hint::spin_loop();
        }
        serial::write_str("[recovery] still running after the reset; trying the next method\n");
    }
    triple_fault()
}

fn triple_fault() -> ! {
    let empty = x86_64::structures::DescriptorTablePointer {
        limit: 0,
        base: x86_64::VirtAddr::new(0),
    };
    // SAFETY: deliberately loads an empty IDT and raises an exception: the CPU cannot
    // deliver it, double- then triple-faults, and the machine resets.
    unsafe {
        x86_64::instructions::tables::lidt(&empty);
        core::arch::asm!("int3");
    }
    fault::halt_forever()
}
