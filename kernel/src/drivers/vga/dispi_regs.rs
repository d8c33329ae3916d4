//! VBE DISPI register constants used by the DISPI driver.
//!
//! Names and values are those of VirtualBox's `include/VBox/Graphics/VBoxVideoVBE.h`
//! (checked against `layouts.json`); this file holds only what `dispi.rs` uses.
#![allow(missing_docs)]

/// Index port (16-bit).
pub const VBE_DISPI_IOPORT_INDEX: u16 = 0x01CE;
/// Data port (16-bit; a 32-bit read gives the VRAM size on VirtualBox).
pub const VBE_DISPI_IOPORT_DATA: u16 = 0x01CF;

pub const VBE_DISPI_INDEX_ID: u16 = 0x0;
pub const VBE_DISPI_INDEX_XRES: u16 = 0x1;
pub const VBE_DISPI_INDEX_YRES: u16 = 0x2;
pub const VBE_DISPI_INDEX_BPP: u16 = 0x3;
pub const VBE_DISPI_INDEX_ENABLE: u16 = 0x4;
pub const VBE_DISPI_INDEX_VIRT_WIDTH: u16 = 0x6;
pub const VBE_DISPI_INDEX_VIRT_HEIGHT: u16 = 0x7;
pub const VBE_DISPI_INDEX_X_OFFSET: u16 = 0x8;
pub const VBE_DISPI_INDEX_Y_OFFSET: u16 = 0x9;

pub const VBE_DISPI_ID0: u16 = 0xB0C0;
pub const VBE_DISPI_ID4: u16 = 0xB0C4;
pub const VBE_DISPI_ID_VBOX_VIDEO: u16 = 0xBE00;
pub const VBE_DISPI_ID_HGSMI: u16 = 0xBE01;
pub const VBE_DISPI_ID_CFG: u16 = 0xBE03;

pub const VBE_DISPI_MAX_XRES: u16 = 16384;
pub const VBE_DISPI_MAX_YRES: u16 = 16384;

pub const VBE_DISPI_DISABLED: u16 = 0x00;
pub const VBE_DISPI_ENABLED: u16 = 0x01;
pub const VBE_DISPI_GETCAPS: u16 = 0x02;
pub const VBE_DISPI_LFB_ENABLED: u16 = 0x40;
