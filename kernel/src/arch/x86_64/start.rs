//! Multiboot2 header and the 32-bit entry that switches to long mode and calls Rust.
//!
//! GRUB enters `_start` in 32-bit protected mode with paging off, EAX = the Multiboot2
//! magic and EBX = the boot information address. In the ISO's packed image
//! (xtask/src/pack.rs) we first unpack .text, .rodata and .data (LZ4), which only this
//! section's code may run before. We zero .bss, identity-map the first
//! 4 GiB with 2 MiB pages (static tables in .bss), enable long mode, load a temporary
//! GDT and call `vitrine_kernel_entry(magic, info)` on the boot stack.

/// Multiboot2 magic GRUB leaves in EAX.
pub const MULTIBOOT2_BOOTLOADER_MAGIC: u32 = 0x36d7_6289;

/// Bytes of the boot stack (below it sits one unmapped guard page).
pub const BOOT_STACK_SIZE: usize = 256 * 1024;

core::arch::global_asm!(
    r#"
    .section .multiboot2_header, "a"
    .balign 8
vitrine_mb2_header:
    .long 0xE85250D6                    /* magic */
    .long 0                             /* architecture: i386 protected mode */
    .long vitrine_mb2_header_end - vitrine_mb2_header
    .long 0x100000000 - (0xE85250D6 + (vitrine_mb2_header_end - vitrine_mb2_header))
    /* Framebuffer request, optional (flags=1) so a BIOS text-mode boot still works:
       1024x768 at 32 bits per pixel preferred (GRUB falls back to another mode).
       UEFI boots then hand us the GOP framebuffer. */
    .balign 8
    .short 5
    .short 1
    .long 20
    .long 1024
    .long 768
    .long 32
    .balign 8
    .short 0                            /* end tag */
    .short 0
    .long 8
vitrine_mb2_header_end:

    /* Where the packed image's compressed sections are (xtask/src/pack.rs fills it in
       the ISO's copy; found by its tag): source start, source end, destination. All
       zero in an unpacked kernel. */
    .balign 4
    .ascii "VitrPack"
vitrine_pack_source: .long 0
vitrine_pack_source_end: .long 0
vitrine_pack_destination: .long 0

    .section .bss.page_tables, "aw", @nobits
    .balign 4096
    .global vitrine_pml4
    .global vitrine_pdpt
    .global vitrine_pd
    .global vitrine_guard_pt
vitrine_pml4: .skip 4096
vitrine_pdpt: .skip 4096
vitrine_pd: .skip 4096 * 4
vitrine_guard_pt: .skip 4096

    .section .bss.stacks, "aw", @nobits
    .balign 4096
    .global vitrine_stack_guard
    .global vitrine_stack_top
vitrine_stack_guard: .skip 4096
    .skip {stack_size}
vitrine_stack_top:

    .section .rodata.boot_gdt, "a"
    .balign 16
vitrine_boot_gdt:
    .quad 0
    .quad 0x00AF9A000000FFFF            /* 0x08: 64-bit code */
    .quad 0x00CF92000000FFFF            /* 0x10: data */
vitrine_boot_gdt_end:
    .balign 4
vitrine_boot_gdt_pointer:
    .short vitrine_boot_gdt_end - vitrine_boot_gdt - 1
    .long vitrine_boot_gdt

    .section .boot.text, "ax"
    .code32
    .global _start
_start:
    cli
    cld
    mov ebp, eax                        /* keep the magic */
    mov edx, ebx                        /* keep the info pointer (the unpacker spares edx) */

    /* Unpack .text, .rodata and .data (one LZ4 block) when the image is packed. No
       stack: it lies in .bss, where the compressed bytes may be. Copies go by dwords
       and may run up to 3 bytes past their end (reading past the literals, writing
       what the next sequence overwrites; past the last one lies memory the packed
       image reserves and .bss): under emulation each loop step or `rep` step costs
       about the same, so fewer, wider steps and no per-copy tail are what count. */
    mov esi, dword ptr [vitrine_pack_source]
    mov edi, dword ptr [vitrine_pack_destination]
    cmp esi, dword ptr [vitrine_pack_source_end]
    jae 19f
11:
    movzx eax, byte ptr [esi]           /* token: literal count, match length - 4 */
    inc esi
    mov ecx, eax
    shr ecx, 4
    jz 14f                              /* no literals */
    cmp ecx, 15
    jne 13f
12:
    movzx ebx, byte ptr [esi]           /* longer count: bytes added until one < 255 */
    inc esi
    add ecx, ebx
    cmp ebx, 255
    je 12b
13:
    mov ebx, dword ptr [esi]            /* literals */
    mov dword ptr [edi], ebx
    add esi, 4
    add edi, 4
    sub ecx, 4
    ja 13b
    add esi, ecx                        /* back by the 0 to 3 bytes copied too many */
    add edi, ecx
14:
    cmp esi, dword ptr [vitrine_pack_source_end]
    jae 19f                             /* the last sequence has literals only */
    movzx ebx, word ptr [esi]           /* match offset */
    add esi, 2
    and eax, 15
    cmp eax, 15
    jne 16f
15:
    movzx ecx, byte ptr [esi]
    inc esi
    add eax, ecx
    cmp ecx, 255
    je 15b
16:
    lea ecx, [eax + 4]                  /* match length */
    mov eax, esi
    mov esi, edi
    sub esi, ebx
    cmp ebx, 4
    jb 18f                              /* closer than a dword: byte by byte repeats it */
17:
    mov ebx, dword ptr [esi]
    mov dword ptr [edi], ebx
    add esi, 4
    add edi, 4
    sub ecx, 4
    ja 17b
    add edi, ecx
    mov esi, eax
    jmp 11b
18:
    rep movsb
    mov esi, eax
    jmp 11b
19:
    mov esi, edx                        /* the info pointer (rep stosd spares esi) */

    /* Zero .bss: it holds the page tables and the stack we are about to use. */
    mov edi, offset __bss_start
    mov ecx, offset __bss_end
    sub ecx, edi
    shr ecx, 2
    xor eax, eax
    rep stosd

    /* PML4[0] -> PDPT; PDPT[0..4] -> the four page directories. */
    mov eax, offset vitrine_pdpt
    or eax, 3
    mov dword ptr [vitrine_pml4], eax
    xor ecx, ecx
2:
    mov eax, ecx
    shl eax, 12
    add eax, offset vitrine_pd
    or eax, 3
    mov dword ptr [vitrine_pdpt + ecx * 8], eax
    inc ecx
    cmp ecx, 4
    jne 2b

    /* 2048 x 2 MiB pages: present, writable, page size. */
    xor ecx, ecx
3:
    mov eax, ecx
    shl eax, 21
    or eax, 0x83
    mov dword ptr [vitrine_pd + ecx * 8], eax
    mov eax, ecx
    shr eax, 11
    mov dword ptr [vitrine_pd + ecx * 8 + 4], eax
    inc ecx
    cmp ecx, 2048
    jne 3b

    /* CR4.PAE, CR3, EFER.LME, then CR0.PG (+WP). */
    mov eax, cr4
    or eax, 1 << 5
    mov cr4, eax
    mov eax, offset vitrine_pml4
    mov cr3, eax
    mov ecx, 0xC0000080
    rdmsr
    or eax, 1 << 8
    wrmsr
    mov eax, cr0
    or eax, (1 << 31) | (1 << 16) | 1
    mov cr0, eax

    lgdt [vitrine_boot_gdt_pointer]
    mov ecx, 0x08
    push ecx
    mov eax, offset vitrine_long_mode
    push eax
    retf

    .code64
vitrine_long_mode:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor eax, eax
    mov fs, ax
    mov gs, ax
    mov rsp, offset vitrine_stack_top

    /* SSE on (CR0.EM off, CR0.MP on, CR4.OSFXSR|OSXMMEXCPT): the target is soft-float,
       but this keeps any SSE use in dependencies or firmware handoff from faulting. */
    mov rax, cr0
    and rax, ~(1 << 2)
    or rax, 1 << 1
    mov cr0, rax
    mov rax, cr4
    or rax, (1 << 9) | (1 << 10)
    mov cr4, rax

    mov edi, ebp                        /* arg 1: magic (zero-extended) */
    mov esi, esi                        /* arg 2: info address (zero-extended) */
    xor ebp, ebp                        /* terminates the frame-pointer chain */
    call vitrine_kernel_entry
4:
    cli
    hlt
    jmp 4b
"#,
    stack_size = const BOOT_STACK_SIZE,
);
