/* Vitrine's own BIOS boot image (xtask/src/bios_boot.rs): the ISO's default El Torito
   no-emulation boot image. It loads the packed kernel ELF appended to it and enters it
   through the Multiboot2 protocol, or hands over to GRUB (the second BIOS entry) where
   the kernel may need the firmware framebuffer.

   The BIOS loads the first 2 KiB (4 x 512 bytes: all we rely on) at 0x7C00. That is
   this whole stub; the kernel ELF follows it in the image, from the next 2048-byte CD
   sector on. xorriso's boot information table (-boot-info-table) tells us where the
   image lies on the CD and how long it is.

   Memory below 1 MiB:
     0x1000  the Multiboot2 information we build (the kernel keeps its range reserved)
     0x7C00  this stub; the stack grows down from here
     0x8800  the E820 entries as the BIOS returns them (24 bytes each)
     0x10000 the kernel ELF as read from the CD (up to LOAD_END)
   The ELF's PT_LOAD segments are then copied to their physical addresses (at or above
   1 MiB) in 32-bit protected mode. */

    .intel_syntax noprefix
    .code16
    .section .text
    .global _start

    .set INFO, 0x1000
    .set E820_BUFFER, 0x8800
    .set E820_MAX, 128
    .set LOAD_SEGMENT, 0x1000           /* 0x10000 */
    .set LOAD_ADDRESS, 0x10000
    .set LOAD_END, 0x9F000              /* below the EBDA */
    .set SECTORS_PER_READ, 16           /* 32 KiB: one segment holds it */
    .set MULTIBOOT2_MAGIC, 0x36d76289
    .set SMAP, 0x534D4150
    .set CHAIN_SEGMENT, 0x8000          /* the stub's copy when it hands over to GRUB */

_start:
    jmp real_mode_start
    .org 8
    /* El Torito boot information table (xorriso -boot-info-table fills it in). */
boot_info_pvd_lba: .long 0
boot_info_image_lba: .long 0
boot_info_image_length: .long 0
boot_info_checksum: .long 0
    .skip 40

real_mode_start:
    cli
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0x7C00
    ljmp 0, offset normalized           /* some BIOSes enter at 07C0:0000 */
normalized:
    sti
    cld
    mov byte ptr [boot_drive], dl

    /* GRUB stays the loader wherever the kernel may need the firmware framebuffer
       (what images/grub.cfg decides on BIOS): display=firmware on the command line
       (xtask bakes the flag), or a VGA at 00:02.0 the kernel does not program itself
       (DISPI 1234:1111, 80EE:BEEF; SVGA II 15AD:0405). GRUB's BIOS image is the CD's
       second El Torito entry; we hand over to it as a BIOS would. */
    mov si, offset message_firmware_fb
    cmp byte ptr [firmware_fb_wanted], 0
    jne chain_to_grub
    mov eax, 0x80001000                 /* bus 0, device 2, function 0, register 0 */
    mov dx, 0xCF8
    out dx, eax
    mov dx, 0xCFC
    in eax, dx
    cmp eax, 0x11111234
    je own_vga
    cmp eax, 0xBEEF80EE
    je own_vga
    cmp eax, 0x040515AD
    je own_vga
    mov dword ptr [slot2_id], eax
    mov si, offset message_other_vga
    jmp chain_to_grub
own_vga:

    /* Conventional memory in KiB: the kernel is read below its end (and the basic
       memory information tag reports it). */
    int 0x12
    mov word ptr [lower_kib], ax

    /* Sectors after ours: ceil((length - 2048) / 2048). */
    mov eax, dword ptr [boot_info_image_length]
    dec eax
    shr eax, 11
    jz fail_no_kernel
    cmp eax, (LOAD_END - LOAD_ADDRESS) / 2048
    ja fail_too_big
    lea ecx, [eax * 2 + LOAD_ADDRESS / 1024]    /* KiB where the read ends */
    movzx edx, word ptr [lower_kib]
    cmp ecx, edx
    ja fail_too_big
    mov dword ptr [sectors_left], eax
    mov eax, dword ptr [boot_info_image_lba]
    inc eax
    mov dword ptr [dap_lba], eax
    mov word ptr [dap_segment], LOAD_SEGMENT

read_loop:
    mov eax, dword ptr [sectors_left]
    test eax, eax
    jz read_done
    cmp eax, SECTORS_PER_READ
    jbe 1f
    mov eax, SECTORS_PER_READ
1:
    mov word ptr [dap_count], ax
    mov si, offset dap
    mov dl, byte ptr [boot_drive]
    mov ah, 0x42
    int 0x13
    jc fail_read
    movzx eax, word ptr [dap_count]
    sub dword ptr [sectors_left], eax
    add dword ptr [dap_lba], eax
    shl ax, 7                           /* sectors * 2048 / 16: paragraphs */
    add word ptr [dap_segment], ax
    jmp read_loop
read_done:

    /* E820 map: 24-byte entries, which is also the Multiboot2 entry layout. */
    mov di, E820_BUFFER
    xor ebx, ebx
    xor bp, bp
e820_loop:
    mov dword ptr [di + 20], 1          /* ACPI 3 attributes: valid, if not written */
    mov eax, 0xE820
    mov edx, SMAP
    mov ecx, 24
    int 0x15
    jc e820_done
    cmp eax, SMAP
    jne e820_done
    mov eax, dword ptr [di + 8]
    or eax, dword ptr [di + 12]
    jz e820_next                        /* empty entry */
    test byte ptr [di + 20], 1
    jz e820_next                        /* ACPI 3: "ignore this entry" */
    mov dword ptr [di + 20], 0          /* Multiboot2's reserved field */
    add di, 24
    inc bp
    cmp bp, E820_MAX
    jae e820_done
e820_next:
    test ebx, ebx
    jnz e820_loop
e820_done:
    mov word ptr [e820_count], bp
    test bp, bp
    jz fail_no_memory_map

    /* A20: the BIOS call, then the fast A20 port. */
    mov ax, 0x2401
    int 0x15
    in al, 0x92
    test al, 2
    jnz 2f
    or al, 2
    and al, 0xFE
    out 0x92, al
2:

    cli
    lgdt [gdt_pointer]
    mov eax, cr0
    or eax, 1
    mov cr0, eax
    ljmp 0x08, offset protected_mode

fail_no_kernel:
    mov si, offset message_no_kernel
    jmp fail
fail_too_big:
    mov si, offset message_too_big
    jmp fail
fail_read:
    mov si, offset message_read
    jmp fail
fail_no_memory_map:
    mov si, offset message_no_memory_map
fail:
    /* Screen (BIOS teletype) and COM1, then stop. */
    mov dx, 0x3F8 + 5
1:
    in al, dx
    test al, 0x20
    jz 1b
    mov dx, 0x3F8
    lodsb
    test al, al
    jz 3f
    out dx, al
    mov ah, 0x0E
    mov bx, 7
    int 0x10
    jmp fail
3:
    cli
    hlt
    jmp 3b

/* Logs why (SI), moves this stub to segment 0x8000 (same offsets, clear of the
   image GRUB's loaded to 0x7C00), reads the boot catalog and enters the first
   bootable entry of a later x86 section (GRUB's eltorito.img) at 0000:7C00 with DL
   the boot drive. */
chain_to_grub:
    call serial_print
    cmp si, offset message_other_vga_tail   /* past the VGA message's NUL */
    jne 1f
    mov ebx, dword ptr [slot2_id]       /* vendor (low half):device, in hex */
    call serial_hex16
    mov al, ':'
    call serial_char
    rol ebx, 16
    call serial_hex16
    mov si, offset message_other_vga_tail
    call serial_print
1:
    mov ax, CHAIN_SEGMENT
    mov es, ax
    mov si, 0x7C00
    mov di, si
    mov cx, 1024
    rep movsw
    ljmp CHAIN_SEGMENT, offset relocated
relocated:
    mov ds, ax
    /* Volume descriptor 17: the Boot Record, with the catalog's LBA at 0x47. */
    mov dword ptr [dap_lba], 17
    call read_one_sector
    cmp dword ptr [1], 0x30304443       /* "CD00" */
    jne fail_no_grub
    mov eax, dword ptr [0x47]
    mov dword ptr [dap_lba], eax
    call read_one_sector
    /* Sections from 0x40: header (0x90, or 0x91 for the last), platform, count;
       then its entries. Skip the sections until one has a bootable x86 entry. */
    mov si, 0x40
next_section:
    mov al, byte ptr [si]
    and al, 0xFE
    cmp al, 0x90
    jne fail_no_grub
    mov bl, byte ptr [si]
    mov bh, byte ptr [si + 1]
    mov cx, word ptr [si + 2]
section_entry:
    add si, 32
    cmp si, 2048 - 32
    ja fail_no_grub
    jcxz section_done
    dec cx
    test bh, bh
    jnz section_entry
    cmp byte ptr [si], 0x88
    jne section_entry
    /* Entry: 512-byte sector count at 6, CD LBA at 8. */
    movzx eax, word ptr [si + 6]
    add ax, 3
    shr ax, 2
    jz fail_no_grub
    cmp ax, SECTORS_PER_READ
    ja fail_no_grub
    mov word ptr [dap_count], ax
    mov eax, dword ptr [si + 8]
    mov dword ptr [dap_lba], eax
    mov word ptr [dap_offset], 0x7C00
    mov word ptr [dap_segment], 0
    call read_sectors
    mov dl, byte ptr [boot_drive]
    xor ax, ax
    mov ds, ax
    mov es, ax
    ljmp 0, 0x7C00
section_done:
    cmp bl, 0x91
    je fail_no_grub
    jmp next_section

/* Reads CD sector [dap_lba] to CHAIN_SEGMENT:0000. */
read_one_sector:
    mov word ptr [dap_count], 1
    mov word ptr [dap_offset], 0
    mov word ptr [dap_segment], CHAIN_SEGMENT
read_sectors:
    mov si, offset dap
    mov dl, byte ptr [boot_drive]
    mov ah, 0x42
    int 0x13
    jc fail_read
    ret

fail_no_grub:
    mov si, offset message_no_grub
    jmp fail

/* COM1 output: the NUL-terminated string at SI (SI ends past it), one character
   (AL), four hex digits of BX. */
serial_print:
    lodsb
    test al, al
    jz 1f
    call serial_char
    jmp serial_print
1:
    ret
serial_hex16:
    mov cx, 4
1:
    rol bx, 4
    mov al, bl
    and al, 0x0F
    add al, '0'
    cmp al, '9'
    jbe 2f
    add al, 'a' - '9' - 1
2:
    call serial_char
    loop 1b
    ret
serial_char:
    push dx
    push ax
    mov dx, 0x3F8 + 5
1:
    in al, dx
    test al, 0x20
    jz 1b
    pop ax
    mov dx, 0x3F8
    out dx, al
    pop dx
    ret

    .code32
protected_mode:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov esp, 0x7C00

    /* Load the ELF's PT_LOAD segments. */
    cmp dword ptr [LOAD_ADDRESS], 0x464C457F
    jne fail_32
    movzx ecx, word ptr [LOAD_ADDRESS + 56]   /* e_phnum */
    mov ebx, dword ptr [LOAD_ADDRESS + 32]    /* e_phoff */
    add ebx, LOAD_ADDRESS
segment_loop:
    test ecx, ecx
    jz segments_done
    cmp dword ptr [ebx], 1              /* PT_LOAD */
    jne segment_next
    push ecx
    mov esi, dword ptr [ebx + 8]        /* p_offset */
    add esi, LOAD_ADDRESS
    mov edi, dword ptr [ebx + 24]       /* p_paddr */
    mov ecx, dword ptr [ebx + 32]       /* p_filesz */
    mov edx, ecx
    shr ecx, 2
    rep movsd
    mov ecx, edx
    and ecx, 3
    rep movsb
    mov ecx, dword ptr [ebx + 40]       /* p_memsz */
    sub ecx, edx
    jbe 1f
    xor eax, eax
    mov edx, ecx
    shr ecx, 2
    rep stosd
    mov ecx, edx
    and ecx, 3
    rep stosb
1:
    pop ecx
segment_next:
    movzx eax, word ptr [LOAD_ADDRESS + 54]   /* e_phentsize */
    add ebx, eax
    dec ecx
    jmp segment_loop
segments_done:

    /* The Multiboot2 information: fixed part, then 8-aligned tags. */
    mov edi, INFO + 8

    /* Command line (type 1). */
    mov eax, 1
    mov esi, offset command_line
    call string_tag

    /* Boot loader name (type 2). */
    mov eax, 2
    mov esi, offset loader_name
    call string_tag

    /* Basic memory information (type 4): lower KiB, and the KiB of usable RAM from
       1 MiB on (the E820 entry starting there). */
    mov dword ptr [edi], 4
    mov dword ptr [edi + 4], 16
    movzx eax, word ptr [lower_kib]
    mov dword ptr [edi + 8], eax
    mov dword ptr [edi + 12], 0
    movzx ecx, word ptr [e820_count]
    mov esi, E820_BUFFER
1:
    cmp dword ptr [esi], 0x100000
    jne 2f
    cmp dword ptr [esi + 4], 0
    jne 2f
    cmp dword ptr [esi + 16], 1
    jne 2f
    mov eax, dword ptr [esi + 8]
    mov edx, dword ptr [esi + 12]
    shrd eax, edx, 10
    mov dword ptr [edi + 12], eax
2:
    add esi, 24
    loop 1b
    add edi, 16

    /* Memory map (type 6): entry size 24, version 0, the E820 entries. */
    mov dword ptr [edi], 6
    mov dword ptr [edi + 8], 24
    mov dword ptr [edi + 12], 0
    movzx ecx, word ptr [e820_count]
    imul ecx, ecx, 24
    lea eax, [ecx + 16]
    mov dword ptr [edi + 4], eax
    mov esi, E820_BUFFER
    lea ebx, [edi + 16]
    push edi
    mov edi, ebx
    rep movsb
    pop edi
    add eax, 7
    and eax, ~7
    add edi, eax

    /* ACPI RSDP (type 14 for revision 0, 20 bytes; type 15 from revision 2, 36
       bytes): searched in the EBDA's first KiB, then 0xE0000-0xFFFFF. */
    movzx esi, word ptr [0x40E]
    shl esi, 4
    lea edx, [esi + 1024]
    test esi, esi
    jz 1f
    call find_rsdp
    jnc 3f
1:
    mov esi, 0xE0000
    mov edx, 0x100000
    call find_rsdp
    jc 4f
3:
    mov ecx, 20
    mov dword ptr [edi], 14
    cmp byte ptr [esi + 15], 2
    jb 5f
    mov ecx, 36
    mov dword ptr [edi], 15
5:
    lea eax, [ecx + 8]
    mov dword ptr [edi + 4], eax
    push edi
    add edi, 8
    rep movsb
    pop edi
    add eax, 7
    and eax, ~7
    add edi, eax
4:

    /* End tag, then the total size. */
    mov dword ptr [edi], 0
    mov dword ptr [edi + 4], 8
    add edi, 8
    sub edi, INFO
    mov dword ptr [INFO], edi
    mov dword ptr [INFO + 4], 0

    mov ecx, dword ptr [LOAD_ADDRESS + 24]    /* e_entry */
    mov eax, MULTIBOOT2_MAGIC
    mov ebx, INFO
    jmp ecx

/* Writes a tag of type EAX at EDI holding the zero-terminated string at ESI, then
   closes it. Clobbers EAX, EBX, ESI. */
string_tag:
    mov dword ptr [edi], eax
    lea ebx, [edi + 8]
1:
    lodsb
    mov byte ptr [ebx], al
    inc ebx
    test al, al
    jnz 1b
    /* falls through to close_tag */

/* Finishes the tag at EDI whose string ends before EBX: sets its size, moves EDI to
   the next 8-byte boundary. */
close_tag:
    mov eax, ebx
    sub eax, edi
    mov dword ptr [edi + 4], eax
    add eax, 7
    and eax, ~7
    add edi, eax
    ret

/* Searches [ESI, EDX) on 16-byte steps for "RSD PTR " with a valid 20-byte checksum.
   Found: CF clear, ESI at it. Else CF set. Clobbers EAX, ECX. */
find_rsdp:
    cmp esi, edx
    jae 9f
    cmp dword ptr [esi], 0x20445352     /* "RSD " */
    jne 8f
    cmp dword ptr [esi + 4], 0x20525450 /* "PTR " */
    jne 8f
    xor eax, eax
    xor ecx, ecx
7:
    add al, byte ptr [esi + ecx]
    inc ecx
    cmp ecx, 20
    jne 7b
    test al, al
    jnz 8f
    clc
    ret
8:
    add esi, 16
    jmp find_rsdp
9:
    stc
    ret

fail_32:
    /* No ELF after the stub: say so on COM1 and stop. */
    mov esi, offset message_not_elf
1:
    mov dx, 0x3F8 + 5
2:
    in al, dx
    test al, 0x20
    jz 2b
    mov dx, 0x3F8
    lodsb
    test al, al
    jz 3f
    out dx, al
    jmp 1b
3:
    cli
    hlt
    jmp 3b

    .balign 8
gdt:
    .quad 0
    .quad 0x00CF9A000000FFFF            /* 0x08: 32-bit code, flat */
    .quad 0x00CF92000000FFFF            /* 0x10: data, flat */
gdt_pointer:
    .short gdt_pointer - gdt - 1
    .long gdt

    .balign 4
dap:
    .byte 16, 0
dap_count: .short 0
dap_offset: .short 0
dap_segment: .short 0
dap_lba: .quad 0

sectors_left: .long 0
lower_kib: .short 0
e820_count: .short 0
boot_drive: .byte 0

slot2_id: .long 0

loader_name: .asciz "vitrine-bios-boot"
message_firmware_fb: .asciz "vitrine-bios-boot: display=firmware -> GRUB\r\n"
message_other_vga: .ascii "vitrine-bios-boot: 00:02.0 is "
message_other_vga_id: .byte 0
message_other_vga_tail: .asciz ", not a VGA the kernel drives -> GRUB\r\n"
message_no_grub: .asciz "vitrine boot: no GRUB entry on the CD\r\n"
message_no_kernel: .asciz "vitrine boot: no kernel\r\n"
message_too_big: .asciz "vitrine boot: kernel too large\r\n"
message_read: .asciz "vitrine boot: CD read failed (INT 13h AH=42h)\r\n"
message_no_memory_map: .asciz "vitrine boot: no E820 memory map\r\n"
message_not_elf: .asciz "vitrine boot: kernel not ELF\r\n"

    /* The kernel command line, filled in by xtask (found by its tag): up to 256
       bytes and a NUL. */
    .ascii "VitrCmdl"
command_line: .skip 257
    /* Non-zero when the command line asks for display=firmware (xtask sets it). */
firmware_fb_wanted: .byte 0
