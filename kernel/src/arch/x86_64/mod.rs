//! x86_64 bare-metal support: boot entry, descriptor tables, paging, interrupts, time.

pub mod apic;
pub mod fault;
pub mod gdt;
pub mod idt;
pub mod interrupts;
pub mod paging;
pub mod pic;
pub mod recovery;
pub mod start;
pub mod time;

pub use paging::map_write_combining;

/// CPU set-up that needs nothing from the boot information: guard page and PAT, GDT
/// with IST stacks, IDT. Interrupts stay off.
pub fn init_cpu() {
    paging::init();
    gdt::init();
    idt::init();
}
