//! The IDT and its entry stubs: naked functions that save the registers and call Rust.
//!
//! Each stub pushes a dummy error code where the CPU pushes none, then the vector, and
//! jumps to `interrupt_common`, which saves the general registers into an
//! `InterruptFrame` and calls `dispatch`. No `x86-interrupt` ABI (nightly-only).

use core::mem::MaybeUninit;
use core::ptr::{addr_of, addr_of_mut};

use x86_64::structures::idt::InterruptDescriptorTable;
use x86_64::VirtAddr;

use super::gdt;

/// First vector used for interrupt lines (ISA IRQ / GSI `n` arrives on `IRQ_BASE + n`).
pub const IRQ_BASE: u8 = 0x20;
/// Number of interrupt lines with a stub (GSIs 0..24: one IOAPIC, or the two 8259s).
pub const IRQ_LINES: u8 = 24;
/// The local APIC timer's vector (the idle timer), above every line's.
pub const TIMER_VECTOR: u8 = 0x40;
/// The local APIC's spurious-interrupt vector.
pub const SPURIOUS_VECTOR: u8 = 0xff;

/// The registers saved on entry, in stack order (lowest address first): the general
/// registers pushed by `interrupt_common`, the vector and error code pushed by the
/// stub (0 when the CPU pushes none), then the CPU's own frame from `rip` on.
#[repr(C)]
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy)]
pub struct InterruptFrame {
    pub r15: u64,
    pub r14: u64,
    pub r13: u64,
    pub r12: u64,
    pub r11: u64,
    pub r10: u64,
    pub r9: u64,
    pub r8: u64,
    pub rbp: u64,
    pub rdi: u64,
    pub rsi: u64,
    pub rdx: u64,
    pub rcx: u64,
    pub rbx: u64,
    pub rax: u64,
    pub vector: u64,
    pub error_code: u64,
    pub rip: u64,
    pub cs: u64,
    pub rflags: u64,
    pub rsp: u64,
    pub ss: u64,
}

const _: () = assert!(core::mem::size_of::<InterruptFrame>() == 22 * 8);

#[unsafe(naked)]
extern "C" fn interrupt_common() {
    // 15 saved registers + vector + error code + the CPU's 5-word frame = 22 words:
    // the CPU aligned RSP to 16 before its pushes, so RSP is 16-aligned at the call.
    core::arch::naked_asm!(
        "push rax", "push rbx", "push rcx", "push rdx", "push rsi", "push rdi", "push rbp",
        "push r8", "push r9", "push r10", "push r11", "push r12", "push r13", "push r14",
        "push r15",
        "mov rdi, rsp",
        "cld",
        "call {dispatch}",
        "pop r15", "pop r14", "pop r13", "pop r12", "pop r11", "pop r10", "pop r9", "pop r8",
        "pop rbp", "pop rdi", "pop rsi", "pop rdx", "pop rcx", "pop rbx", "pop rax",
        "add rsp, 16",
        "iretq",
        dispatch = sym dispatch,
    );
}

macro_rules! stub {
    ($name:ident, $vector:literal) => {
        #[unsafe(naked)]
        extern "C" fn $name() {
            core::arch::naked_asm!(
                "push 0",
                concat!("push ", $vector),
                "jmp {common}",
                common = sym interrupt_common,
            );
        }
    };
    ($name:ident, $vector:literal, error_code) => {
        #[unsafe(naked)]
        extern "C" fn $name() {
            core::arch::naked_asm!(
                concat!("push ", $vector),
                "jmp {common}",
                common = sym interrupt_common,
            );
        }
    };
}

stub!(vector_0, 0);
stub!(vector_1, 1);
stub!(vector_2, 2);
stub!(vector_3, 3);
stub!(vector_4, 4);
stub!(vector_5, 5);
stub!(vector_6, 6);
stub!(vector_7, 7);
stub!(vector_8, 8, error_code);
stub!(vector_10, 10, error_code);
stub!(vector_11, 11, error_code);
stub!(vector_12, 12, error_code);
stub!(vector_13, 13, error_code);
stub!(vector_14, 14, error_code);
stub!(vector_16, 16);
stub!(vector_17, 17, error_code);
stub!(vector_18, 18);
stub!(vector_19, 19);
stub!(vector_20, 20);
stub!(vector_21, 21, error_code);
stub!(vector_28, 28);
stub!(vector_29, 29, error_code);
stub!(vector_30, 30, error_code);
stub!(irq_0, 32);
stub!(irq_1, 33);
stub!(irq_2, 34);
stub!(irq_3, 35);
stub!(irq_4, 36);
stub!(irq_5, 37);
stub!(irq_6, 38);
stub!(irq_7, 39);
stub!(irq_8, 40);
stub!(irq_9, 41);
stub!(irq_10, 42);
stub!(irq_11, 43);
stub!(irq_12, 44);
stub!(irq_13, 45);
stub!(irq_14, 46);
stub!(irq_15, 47);
stub!(irq_16, 48);
stub!(irq_17, 49);
stub!(irq_18, 50);
stub!(irq_19, 51);
stub!(irq_20, 52);
stub!(irq_21, 53);
stub!(irq_22, 54);
stub!(irq_23, 55);
stub!(lapic_timer, 64);
stub!(spurious, 255);

const IRQ_STUBS: [extern "C" fn(); IRQ_LINES as usize] = [
    irq_0, irq_1, irq_2, irq_3, irq_4, irq_5, irq_6, irq_7, irq_8, irq_9, irq_10, irq_11, irq_12,
    irq_13, irq_14, irq_15, irq_16, irq_17, irq_18, irq_19, irq_20, irq_21, irq_22, irq_23,
];

fn address(stub: extern "C" fn()) -> VirtAddr {
    VirtAddr::new(stub as usize as u64)
}

/// Zero bits until `init` writes it: `.bss`, not 4 KiB of initialised data in the image
/// (a new table's entries are not all zero).
static mut IDT: MaybeUninit<InterruptDescriptorTable> = MaybeUninit::zeroed();

/// Fills and loads the IDT. Call once, after `gdt::init`, interrupts off.
pub fn init() {
    // SAFETY: single-threaded bring-up with interrupts off; every address is one of the
    // naked stubs above, which follow the interrupt calling convention (they end in
    // iretq via `interrupt_common`); the IST indexes were set up by `gdt::init`.
    unsafe {
        let idt = (*addr_of_mut!(IDT)).write(InterruptDescriptorTable::new());
        idt.divide_error.set_handler_addr(address(vector_0));
        idt.debug.set_handler_addr(address(vector_1));
        idt.non_maskable_interrupt
            .set_handler_addr(address(vector_2))
            .set_stack_index(gdt::NMI_IST);
        idt.breakpoint.set_handler_addr(address(vector_3));
        idt.overflow.set_handler_addr(address(vector_4));
        idt.bound_range_exceeded.set_handler_addr(address(vector_5));
        idt.invalid_opcode.set_handler_addr(address(vector_6));
        idt.device_not_available.set_handler_addr(address(vector_7));
        idt.double_fault
            .set_handler_addr(address(vector_8))
            .set_stack_index(gdt::DOUBLE_FAULT_IST);
        idt.invalid_tss.set_handler_addr(address(vector_10));
        idt.segment_not_present.set_handler_addr(address(vector_11));
        idt.stack_segment_fault.set_handler_addr(address(vector_12));
        idt.general_protection_fault
            .set_handler_addr(address(vector_13));
        idt.page_fault.set_handler_addr(address(vector_14));
        idt.x87_floating_point.set_handler_addr(address(vector_16));
        idt.alignment_check.set_handler_addr(address(vector_17));
        idt.machine_check
            .set_handler_addr(address(vector_18))
            .set_stack_index(gdt::MACHINE_CHECK_IST);
        idt.simd_floating_point.set_handler_addr(address(vector_19));
        idt.virtualization.set_handler_addr(address(vector_20));
        idt.cp_protection_exception
            .set_handler_addr(address(vector_21));
        idt.hv_injection_exception
            .set_handler_addr(address(vector_28));
        idt.vmm_communication_exception
            .set_handler_addr(address(vector_29));
        idt.security_exception.set_handler_addr(address(vector_30));
        for (line, stub) in IRQ_STUBS.iter().enumerate() {
            idt[IRQ_BASE + line as u8].set_handler_addr(address(*stub));
        }
        idt[TIMER_VECTOR].set_handler_addr(address(lapic_timer));
        idt[SPURIOUS_VECTOR].set_handler_addr(address(spurious));
        (*addr_of!(IDT)).assume_init_ref().load();
    }
}

/// Called by `interrupt_common` with the saved registers.
extern "C" fn dispatch(frame: &mut InterruptFrame) {
    let vector = frame.vector as u8;
    if vector < IRQ_BASE {
        super::fault::report_exception(frame);
    } else if vector == TIMER_VECTOR {
        super::interrupts::handle_timer();
    } else if vector == SPURIOUS_VECTOR {
        // A spurious LAPIC interrupt: no EOI, nothing to record.
    } else if vector < IRQ_BASE + IRQ_LINES {
        super::interrupts::handle_line(vector - IRQ_BASE);
    }
}
