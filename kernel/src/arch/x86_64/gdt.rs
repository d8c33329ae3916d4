//! GDT and TSS, with separate interrupt stacks for double fault, NMI and machine check.
//!
//! Those three can arrive with a broken stack (a double fault is how a stack overflow
//! into the guard page shows up), so each runs on its own IST stack.

use core::ptr::{addr_of, addr_of_mut};

use x86_64::instructions::segmentation::{Segment, CS, DS, ES, SS};
use x86_64::instructions::tables::load_tss;
use x86_64::structures::gdt::{Descriptor, GlobalDescriptorTable, SegmentSelector};
use x86_64::structures::tss::TaskStateSegment;
use x86_64::VirtAddr;

/// IST slot (0-based, as the `x86_64` crate counts) used by the double-fault handler.
pub const DOUBLE_FAULT_IST: u16 = 0;
/// IST slot used by the NMI handler.
pub const NMI_IST: u16 = 1;
/// IST slot used by the machine-check handler.
pub const MACHINE_CHECK_IST: u16 = 2;

const IST_STACK_SIZE: usize = 16 * 1024;

#[repr(C, align(16))]
struct IstStack([u8; IST_STACK_SIZE]);

static mut IST_STACKS: [IstStack; 3] = [const { IstStack([0; IST_STACK_SIZE]) }; 3];
static mut TSS: TaskStateSegment = TaskStateSegment::new();
static mut GDT: GlobalDescriptorTable = GlobalDescriptorTable::new();

/// Loads the kernel GDT (code, data, TSS) and the TSS. Call once, interrupts off.
pub fn init() {
    // SAFETY: called once during single-threaded bring-up with interrupts off, before
    // anything else reads TSS/GDT; afterwards they are only read by the CPU.
    unsafe {
        let tss = &mut *addr_of_mut!(TSS);
        let stacks = &*addr_of!(IST_STACKS);
        for (slot, stack) in [DOUBLE_FAULT_IST, NMI_IST, MACHINE_CHECK_IST]
            .into_iter()
            .zip(stacks)
        {
            let top = VirtAddr::from_ptr(stack.0.as_ptr()) + IST_STACK_SIZE as u64;
            tss.interrupt_stack_table[slot as usize] = top;
        }
        let gdt = &mut *addr_of_mut!(GDT);
        let code: SegmentSelector = gdt.append(Descriptor::kernel_code_segment());
        let data: SegmentSelector = gdt.append(Descriptor::kernel_data_segment());
        let tss_selector = gdt.append(Descriptor::tss_segment(&*addr_of!(TSS)));
        (*addr_of!(GDT)).load();
        CS::set_reg(code);
        SS::set_reg(data);
        DS::set_reg(data);
        ES::set_reg(data);
        load_tss(tss_selector);
    }
}
