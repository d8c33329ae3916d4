//! VBE DISPI registers of the VirtualBox VGA: ports, indices, IDs, ENABLE bits, limits.
//!
//! Names are exactly those of `VBoxVideoVBE.h` (Linux `vboxvideo_vbe.h`), so grepping
//! either header finds them. Every constant is checked against `layouts.json` by
//! `kernel/tests/layouts.rs`.

use bitflags::bitflags;

// Ports ----------------------------------------------------------------------------------

/// Index port (16-bit writes select a register).
pub const VBE_DISPI_IOPORT_INDEX: u16 = 0x01CE;
/// Data port (16-bit register access; a 32-bit read returns the VRAM size in bytes
/// unless the ID register holds [`VBE_DISPI_ID_CFG`]).
pub const VBE_DISPI_IOPORT_DATA: u16 = 0x01CF;
/// VGA DAC write-index port.
pub const VBE_DISPI_IOPORT_DAC_WRITE_INDEX: u16 = 0x03C8;
/// VGA DAC data port.
pub const VBE_DISPI_IOPORT_DAC_DATA: u16 = 0x03C9;
/// HGSMI host port (32-bit): read = next host command offset, write = command done /
/// `0xFFFFFFFF` acknowledges the IRQ.
pub const VGA_PORT_HGSMI_HOST: u16 = 0x03B0;
/// HGSMI guest port (32-bit): write = submit the buffer at this VRAM offset.
pub const VGA_PORT_HGSMI_GUEST: u16 = 0x03D0;

// Register indices -----------------------------------------------------------------------

/// ID register (identification handshake).
pub const VBE_DISPI_INDEX_ID: u16 = 0x0;
/// Horizontal resolution (also sets VIRT_WIDTH).
pub const VBE_DISPI_INDEX_XRES: u16 = 0x1;
/// Vertical resolution.
pub const VBE_DISPI_INDEX_YRES: u16 = 0x2;
/// Bits per pixel.
pub const VBE_DISPI_INDEX_BPP: u16 = 0x3;
/// ENABLE register ([`DispiEnable`]).
pub const VBE_DISPI_INDEX_ENABLE: u16 = 0x4;
/// Bank (banked window at 0xA0000).
pub const VBE_DISPI_INDEX_BANK: u16 = 0x5;
/// Virtual width (pitch in pixels).
pub const VBE_DISPI_INDEX_VIRT_WIDTH: u16 = 0x6;
/// Virtual height (read-only on VirtualBox: computed from VRAM and pitch).
pub const VBE_DISPI_INDEX_VIRT_HEIGHT: u16 = 0x7;
/// X panning offset.
pub const VBE_DISPI_INDEX_X_OFFSET: u16 = 0x8;
/// Y panning offset.
pub const VBE_DISPI_INDEX_Y_OFFSET: u16 = 0x9;
/// Legacy VBOX_VIDEO command register. Never write it: any write starts
/// adapter-memory parsing on the host.
pub const VBE_DISPI_INDEX_VBOX_VIDEO: u16 = 0xA;
/// Framebuffer physical base >> 16 (read-only).
pub const VBE_DISPI_INDEX_FB_BASE_HI: u16 = 0xB;
/// CFG register (with ID = [`VBE_DISPI_ID_CFG`]).
pub const VBE_DISPI_INDEX_CFG: u16 = 0xC;

// ID values ------------------------------------------------------------------------------

/// Bochs VBE ID 0.
pub const VBE_DISPI_ID0: u16 = 0xB0C0;
/// Bochs VBE ID 1.
pub const VBE_DISPI_ID1: u16 = 0xB0C1;
/// Bochs VBE ID 2.
pub const VBE_DISPI_ID2: u16 = 0xB0C2;
/// Bochs VBE ID 3.
pub const VBE_DISPI_ID3: u16 = 0xB0C3;
/// Bochs VBE ID 4 (what the VirtualBox BIOS leaves behind).
pub const VBE_DISPI_ID4: u16 = 0xB0C4;
/// VirtualBox video extensions.
pub const VBE_DISPI_ID_VBOX_VIDEO: u16 = 0xBE00;
/// Reads back when HGSMI/VBVA are present.
pub const VBE_DISPI_ID_HGSMI: u16 = 0xBE01;
/// Reads back when any width is allowed.
pub const VBE_DISPI_ID_ANYX: u16 = 0xBE02;
/// Selects the CFG interface for 32-bit data reads.
pub const VBE_DISPI_ID_CFG: u16 = 0xBE03;

// CFG interface --------------------------------------------------------------------------

/// CFG id: interface version (1).
pub const VBE_DISPI_CFG_ID_VERSION: u16 = 0;
/// CFG id: VRAM size.
pub const VBE_DISPI_CFG_ID_VRAM_SIZE: u16 = 1;
/// CFG id: 3D enabled.
pub const VBE_DISPI_CFG_ID_3D: u16 = 2;
/// CFG id: VMSVGA enabled.
pub const VBE_DISPI_CFG_ID_VMSVGA: u16 = 3;
/// CFG id: VMSVGA DX (VGPU10) enabled.
pub const VBE_DISPI_CFG_ID_VMSVGA_DX: u16 = 4;
/// CFG value bits holding the id.
pub const VBE_DISPI_CFG_MASK_ID: u16 = 0x0FFF;
/// CFG value bit: query whether the id is supported instead of its value.
pub const VBE_DISPI_CFG_MASK_SUPPORT: u16 = 0x1000;
/// CFG value bits that must be zero.
pub const VBE_DISPI_CFG_MASK_RESERVED: u16 = 0xE000;

// ENABLE bits ----------------------------------------------------------------------------

/// ENABLE value: disabled.
pub const VBE_DISPI_DISABLED: u16 = 0x00;
/// ENABLE bit: mode enabled.
pub const VBE_DISPI_ENABLED: u16 = 0x01;
/// ENABLE bit: XRES/YRES/BPP read back the maxima.
pub const VBE_DISPI_GETCAPS: u16 = 0x02;
/// ENABLE bit: 8-bit DAC.
pub const VBE_DISPI_8BIT_DAC: u16 = 0x20;
/// ENABLE bit: linear framebuffer (accepted, ignored by VirtualBox).
pub const VBE_DISPI_LFB_ENABLED: u16 = 0x40;
/// ENABLE bit: do not clear VRAM on enable.
pub const VBE_DISPI_NOCLEARMEM: u16 = 0x80;

bitflags! {
    /// The ENABLE register, typed.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub struct DispiEnable: u16 {
        /// Mode enabled.
        const ENABLED = VBE_DISPI_ENABLED;
        /// Read back the maxima.
        const GETCAPS = VBE_DISPI_GETCAPS;
        // 0x04, 0x08, 0x10 are not defined.
        /// 8-bit DAC.
        const DAC_8BIT = VBE_DISPI_8BIT_DAC;
        /// Linear framebuffer (ignored by VirtualBox).
        const LFB_ENABLED = VBE_DISPI_LFB_ENABLED;
        /// Keep VRAM contents on enable.
        const NOCLEARMEM = VBE_DISPI_NOCLEARMEM;
    }
}

// Limits and legacy window ---------------------------------------------------------------

/// Largest XRES.
pub const VBE_DISPI_MAX_XRES: u16 = 16384;
/// Largest YRES.
pub const VBE_DISPI_MAX_YRES: u16 = 16384;
/// Largest BPP.
pub const VBE_DISPI_MAX_BPP: u16 = 32;
/// Physical address of the banked window.
pub const VBE_DISPI_BANK_ADDRESS: u32 = 0xA0000;
/// Size of one bank in KiB.
pub const VBE_DISPI_BANK_SIZE_KB: u32 = 64;

// Identity -------------------------------------------------------------------------------

/// PCI vendor id of the VirtualBox VGA (`VBOX_VESA_VENDORID`).
pub const VBOX_VESA_VENDORID: u16 = 0x80EE;
/// PCI device id of the VirtualBox VGA (`VBOX_VESA_DEVICEID`).
pub const VBOX_VESA_DEVICEID: u16 = 0xBEEF;
