//! SVGA II numbers as the twin reads them (vmsvga.md sections 2–9), each naming the
//! `svga_reg.h` symbol it mirrors; checked against `tests/data/virtualbox-layouts.json`.

use crate::wire::{mirrored, sizes};

mirrored! {
    /// PCI vendor of VMware.
    VMWARE_VENDOR: u16 = 0x15AD => "PCI_VENDOR_ID_VMWARE";
    /// PCI device of SVGA II.
    SVGA2_DEVICE: u16 = 0x0405 => "PCI_DEVICE_ID_VMWARE_SVGA2";
    /// Interface id 0.
    ID_0: u32 = 0x9000_0000 => "SVGA_ID_0";
    /// Interface id 1.
    ID_1: u32 = 0x9000_0001 => "SVGA_ID_1";
    /// Interface id 2.
    ID_2: u32 = 0x9000_0002 => "SVGA_ID_2";
    /// Index port offset.
    INDEX_PORT: u16 = 0 => "SVGA_INDEX_PORT";
    /// Value port offset.
    VALUE_PORT: u16 = 1 => "SVGA_VALUE_PORT";
    /// BIOS port offset.
    BIOS_PORT: u16 = 2 => "SVGA_BIOS_PORT";
    /// IRQ status port offset.
    IRQSTATUS_PORT: u16 = 8 => "SVGA_IRQSTATUS_PORT";
    /// Register: id.
    REG_ID: u32 = 0 => "SVGA_REG_ID";
    /// Register: enable.
    REG_ENABLE: u32 = 1 => "SVGA_REG_ENABLE";
    /// Register: width.
    REG_WIDTH: u32 = 2 => "SVGA_REG_WIDTH";
    /// Register: height.
    REG_HEIGHT: u32 = 3 => "SVGA_REG_HEIGHT";
    /// Register: max width.
    REG_MAX_WIDTH: u32 = 4 => "SVGA_REG_MAX_WIDTH";
    /// Register: max height.
    REG_MAX_HEIGHT: u32 = 5 => "SVGA_REG_MAX_HEIGHT";
    /// Register: depth.
    REG_DEPTH: u32 = 6 => "SVGA_REG_DEPTH";
    /// Register: bits per pixel.
    REG_BITS_PER_PIXEL: u32 = 7 => "SVGA_REG_BITS_PER_PIXEL";
    /// Register: pseudocolour.
    REG_PSEUDOCOLOR: u32 = 8 => "SVGA_REG_PSEUDOCOLOR";
    /// Register: red mask.
    REG_RED_MASK: u32 = 9 => "SVGA_REG_RED_MASK";
    /// Register: green mask.
    REG_GREEN_MASK: u32 = 10 => "SVGA_REG_GREEN_MASK";
    /// Register: blue mask.
    REG_BLUE_MASK: u32 = 11 => "SVGA_REG_BLUE_MASK";
    /// Register: bytes per line.
    REG_BYTES_PER_LINE: u32 = 12 => "SVGA_REG_BYTES_PER_LINE";
    /// Register: framebuffer start.
    REG_FB_START: u32 = 13 => "SVGA_REG_FB_START";
    /// Register: framebuffer offset.
    REG_FB_OFFSET: u32 = 14 => "SVGA_REG_FB_OFFSET";
    /// Register: VRAM size.
    REG_VRAM_SIZE: u32 = 15 => "SVGA_REG_VRAM_SIZE";
    /// Register: framebuffer size.
    REG_FB_SIZE: u32 = 16 => "SVGA_REG_FB_SIZE";
    /// Register: capabilities.
    REG_CAPABILITIES: u32 = 17 => "SVGA_REG_CAPABILITIES";
    /// Register: FIFO start.
    REG_MEM_START: u32 = 18 => "SVGA_REG_MEM_START";
    /// Register: FIFO size.
    REG_MEM_SIZE: u32 = 19 => "SVGA_REG_MEM_SIZE";
    /// Register: FIFO configured.
    REG_CONFIG_DONE: u32 = 20 => "SVGA_REG_CONFIG_DONE";
    /// Register: sync.
    REG_SYNC: u32 = 21 => "SVGA_REG_SYNC";
    /// Register: busy.
    REG_BUSY: u32 = 22 => "SVGA_REG_BUSY";
    /// Register: guest id.
    REG_GUEST_ID: u32 = 23 => "SVGA_REG_GUEST_ID";
    /// Register: cursor id.
    REG_CURSOR_ID: u32 = 24 => "SVGA_REG_DEAD";
    /// Register: cursor x.
    REG_CURSOR_X: u32 = 25 => "SVGA_REG_CURSOR_X";
    /// Register: cursor y.
    REG_CURSOR_Y: u32 = 26 => "SVGA_REG_CURSOR_Y";
    /// Register: cursor on.
    REG_CURSOR_ON: u32 = 27 => "SVGA_REG_CURSOR_ON";
    /// Register: host bpp.
    REG_HOST_BITS_PER_PIXEL: u32 = 28 => "SVGA_REG_HOST_BITS_PER_PIXEL";
    /// Register: scratch size.
    REG_SCRATCH_SIZE: u32 = 29 => "SVGA_REG_SCRATCH_SIZE";
    /// Register: FIFO register count.
    REG_MEM_REGS: u32 = 30 => "SVGA_REG_MEM_REGS";
    /// Register: monitors.
    REG_NUM_DISPLAYS: u32 = 31 => "SVGA_REG_NUM_DISPLAYS";
    /// Register: pitch lock.
    REG_PITCHLOCK: u32 = 32 => "SVGA_REG_PITCHLOCK";
    /// Register: IRQ mask.
    REG_IRQMASK: u32 = 33 => "SVGA_REG_IRQMASK";
    /// Register: guest displays.
    REG_NUM_GUEST_DISPLAYS: u32 = 34 => "SVGA_REG_NUM_GUEST_DISPLAYS";
    /// Register: display width (legacy topology).
    REG_DISPLAY_WIDTH: u32 = 39 => "SVGA_REG_DISPLAY_WIDTH";
    /// Register: display height (legacy topology).
    REG_DISPLAY_HEIGHT: u32 = 40 => "SVGA_REG_DISPLAY_HEIGHT";
    /// Register: traces.
    REG_TRACES: u32 = 45 => "SVGA_REG_TRACES";
    /// First palette register.
    PALETTE_BASE: u32 = 1024 => "SVGA_PALETTE_BASE";
    /// First scratch register.
    SCRATCH_BASE: u32 = 1792 => "SVGA_SCRATCH_BASE";
    /// FIFO register: min.
    FIFO_MIN: u32 = 0 => "SVGA_FIFO_MIN";
    /// FIFO register: max.
    FIFO_MAX: u32 = 1 => "SVGA_FIFO_MAX";
    /// FIFO register: next command.
    FIFO_NEXT_CMD: u32 = 2 => "SVGA_FIFO_NEXT_CMD";
    /// FIFO register: stop.
    FIFO_STOP: u32 = 3 => "SVGA_FIFO_STOP";
    /// FIFO register: capabilities.
    FIFO_CAPABILITIES: u32 = 4 => "SVGA_FIFO_CAPABILITIES";
    /// FIFO register: fence.
    FIFO_FENCE: u32 = 6 => "SVGA_FIFO_FENCE";
    /// FIFO register: pitch lock.
    FIFO_PITCHLOCK: u32 = 8 => "SVGA_FIFO_PITCHLOCK";
    /// FIFO register: cursor on.
    FIFO_CURSOR_ON: u32 = 9 => "SVGA_FIFO_CURSOR_ON";
    /// FIFO register: cursor x.
    FIFO_CURSOR_X: u32 = 10 => "SVGA_FIFO_CURSOR_X";
    /// FIFO register: cursor y.
    FIFO_CURSOR_Y: u32 = 11 => "SVGA_FIFO_CURSOR_Y";
    /// FIFO register: cursor count.
    FIFO_CURSOR_COUNT: u32 = 12 => "SVGA_FIFO_CURSOR_COUNT";
    /// FIFO register: cursor last updated.
    FIFO_CURSOR_LAST_UPDATED: u32 = 13 => "SVGA_FIFO_CURSOR_LAST_UPDATED";
    /// FIFO register: cursor screen id.
    FIFO_CURSOR_SCREEN_ID: u32 = 15 => "SVGA_FIFO_CURSOR_SCREEN_ID";
    /// FIFO register: fence goal.
    FIFO_FENCE_GOAL: u32 = 289 => "SVGA_FIFO_FENCE_GOAL";
    /// FIFO register: busy.
    FIFO_BUSY: u32 = 290 => "SVGA_FIFO_BUSY";
    /// FIFO register count.
    FIFO_NUM_REGS: u32 = 291 => "SVGA_FIFO_NUM_REGS";
    /// Cap: RECT_COPY.
    CAP_RECT_COPY: u32 = 0x2 => "SVGA_CAP_RECT_COPY";
    /// Cap: CURSOR.
    CAP_CURSOR: u32 = 0x20 => "SVGA_CAP_CURSOR";
    /// Cap: CURSOR_BYPASS.
    CAP_CURSOR_BYPASS: u32 = 0x40 => "SVGA_CAP_CURSOR_BYPASS";
    /// Cap: CURSOR_BYPASS_2.
    CAP_CURSOR_BYPASS_2: u32 = 0x80 => "SVGA_CAP_CURSOR_BYPASS_2";
    /// Cap: ALPHA_CURSOR.
    CAP_ALPHA_CURSOR: u32 = 0x200 => "SVGA_CAP_ALPHA_CURSOR";
    /// Cap: EXTENDED_FIFO.
    CAP_EXTENDED_FIFO: u32 = 0x8000 => "SVGA_CAP_EXTENDED_FIFO";
    /// Cap: PITCHLOCK.
    CAP_PITCHLOCK: u32 = 0x20000 => "SVGA_CAP_PITCHLOCK";
    /// Cap: IRQMASK.
    CAP_IRQMASK: u32 = 0x40000 => "SVGA_CAP_IRQMASK";
    /// Cap: GMR.
    CAP_GMR: u32 = 0x100000 => "SVGA_CAP_GMR";
    /// Cap: TRACES.
    CAP_TRACES: u32 = 0x200000 => "SVGA_CAP_TRACES";
    /// Cap: GMR2.
    CAP_GMR2: u32 = 0x400000 => "SVGA_CAP_GMR2";
    /// Cap: SCREEN_OBJECT_2.
    CAP_SCREEN_OBJECT_2: u32 = 0x800000 => "SVGA_CAP_SCREEN_OBJECT_2";
    /// Cap: COMMAND_BUFFERS.
    CAP_COMMAND_BUFFERS: u32 = 0x1000000 => "SVGA_CAP_COMMAND_BUFFERS";
    /// FIFO cap: FENCE.
    FIFO_CAP_FENCE: u32 = 0x1 => "SVGA_FIFO_CAP_FENCE";
    /// FIFO cap: PITCHLOCK.
    FIFO_CAP_PITCHLOCK: u32 = 0x4 => "SVGA_FIFO_CAP_PITCHLOCK";
    /// FIFO cap: CURSOR_BYPASS_3.
    FIFO_CAP_CURSOR_BYPASS_3: u32 = 0x10 => "SVGA_FIFO_CAP_CURSOR_BYPASS_3";
    /// FIFO cap: RESERVE.
    FIFO_CAP_RESERVE: u32 = 0x40 => "SVGA_FIFO_CAP_RESERVE";
    /// FIFO cap: GMR2.
    FIFO_CAP_GMR2: u32 = 0x100 => "SVGA_FIFO_CAP_GMR2";
    /// FIFO cap: SCREEN_OBJECT_2.
    FIFO_CAP_SCREEN_OBJECT_2: u32 = 0x200 => "SVGA_FIFO_CAP_SCREEN_OBJECT_2";
    /// IRQ: any fence.
    IRQFLAG_ANY_FENCE: u32 = 0x1 => "SVGA_IRQFLAG_ANY_FENCE";
    /// IRQ: FIFO progress.
    IRQFLAG_FIFO_PROGRESS: u32 = 0x2 => "SVGA_IRQFLAG_FIFO_PROGRESS";
    /// IRQ: fence goal.
    IRQFLAG_FENCE_GOAL: u32 = 0x4 => "SVGA_IRQFLAG_FENCE_GOAL";
    /// Command: invalid.
    CMD_INVALID_CMD: u32 = 0 => "SVGA_CMD_INVALID_CMD";
    /// Command: update.
    CMD_UPDATE: u32 = 1 => "SVGA_CMD_UPDATE";
    /// Command: rect fill.
    CMD_RECT_FILL: u32 = 2 => "SVGA_CMD_RECT_FILL";
    /// Command: rect copy.
    CMD_RECT_COPY: u32 = 3 => "SVGA_CMD_RECT_COPY";
    /// Command: rect ROP copy.
    CMD_RECT_ROP_COPY: u32 = 14 => "SVGA_CMD_RECT_ROP_COPY";
    /// Command: define cursor.
    CMD_DEFINE_CURSOR: u32 = 19 => "SVGA_CMD_DEFINE_CURSOR";
    /// Command: display cursor (deprecated).
    CMD_DISPLAY_CURSOR: u32 = 20 => "SVGA_CMD_DISPLAY_CURSOR";
    /// Command: move cursor (deprecated).
    CMD_MOVE_CURSOR: u32 = 21 => "SVGA_CMD_MOVE_CURSOR";
    /// Command: define alpha cursor.
    CMD_DEFINE_ALPHA_CURSOR: u32 = 22 => "SVGA_CMD_DEFINE_ALPHA_CURSOR";
    /// Command: update verbose.
    CMD_UPDATE_VERBOSE: u32 = 25 => "SVGA_CMD_UPDATE_VERBOSE";
    /// Command: fence.
    CMD_FENCE: u32 = 30 => "SVGA_CMD_FENCE";
    /// Command: escape.
    CMD_ESCAPE: u32 = 33 => "SVGA_CMD_ESCAPE";
    /// Command: define screen.
    CMD_DEFINE_SCREEN: u32 = 34 => "SVGA_CMD_DEFINE_SCREEN";
    /// Command: destroy screen.
    CMD_DESTROY_SCREEN: u32 = 35 => "SVGA_CMD_DESTROY_SCREEN";
    /// Command: define GMRFB.
    CMD_DEFINE_GMRFB: u32 = 36 => "SVGA_CMD_DEFINE_GMRFB";
    /// Command: blit GMRFB to screen.
    CMD_BLIT_GMRFB_TO_SCREEN: u32 = 37 => "SVGA_CMD_BLIT_GMRFB_TO_SCREEN";
    /// Command: blit screen to GMRFB.
    CMD_BLIT_SCREEN_TO_GMRFB: u32 = 38 => "SVGA_CMD_BLIT_SCREEN_TO_GMRFB";
    /// Command: annotation fill.
    CMD_ANNOTATION_FILL: u32 = 39 => "SVGA_CMD_ANNOTATION_FILL";
    /// Command: annotation copy.
    CMD_ANNOTATION_COPY: u32 = 40 => "SVGA_CMD_ANNOTATION_COPY";
    /// ROP: copy.
    ROP_COPY: u32 = 0x03 => "SVGA_ROP_COPY";
}

sizes! {
    /// UPDATE payload.
    SIZE_UPDATE = 16 => "SVGAFifoCmdUpdate";
    /// UPDATE_VERBOSE payload.
    SIZE_UPDATE_VERBOSE = 20 => "SVGAFifoCmdUpdateVerbose";
    /// RECT_COPY payload.
    SIZE_RECT_COPY = 24 => "SVGAFifoCmdRectCopy";
    /// RECT_ROP_COPY payload.
    SIZE_RECT_ROP_COPY = 28 => "SVGAFifoCmdRectRopCopy";
    /// DEFINE_CURSOR header.
    SIZE_DEFINE_CURSOR = 28 => "SVGAFifoCmdDefineCursor";
    /// DEFINE_ALPHA_CURSOR header.
    SIZE_DEFINE_ALPHA_CURSOR = 20 => "SVGAFifoCmdDefineAlphaCursor";
    /// FENCE payload.
    SIZE_FENCE = 4 => "SVGAFifoCmdFence";
    /// ESCAPE header.
    SIZE_ESCAPE = 8 => "SVGAFifoCmdEscape";
    /// Screen object.
    SIZE_SCREEN_OBJECT = 44 => "SVGAScreenObject";
    /// DESTROY_SCREEN payload.
    SIZE_DESTROY_SCREEN = 4 => "SVGAFifoCmdDestroyScreen";
    /// DEFINE_GMRFB payload.
    SIZE_DEFINE_GMRFB = 16 => "SVGAFifoCmdDefineGMRFB";
    /// BLIT_GMRFB_TO_SCREEN payload.
    SIZE_BLIT_GMRFB_TO_SCREEN = 28 => "SVGAFifoCmdBlitGMRFBToScreen";
    /// BLIT_SCREEN_TO_GMRFB payload.
    SIZE_BLIT_SCREEN_TO_GMRFB = 28 => "SVGAFifoCmdBlitScreenToGMRFB";
    /// ANNOTATION_FILL payload.
    SIZE_ANNOTATION_FILL = 4 => "SVGAFifoCmdAnnotationFill";
    /// ANNOTATION_COPY payload.
    SIZE_ANNOTATION_COPY = 12 => "SVGAFifoCmdAnnotationCopy";
}

/// Cap: RECT_FILL (QEMU reports it; VirtualBox's header no longer names it).
pub const CAP_RECT_FILL: u32 = 0x1;
/// RECT_FILL payload (VirtualBox's own struct in DevVGA-SVGA.h, not in the table).
pub const SIZE_RECT_FILL: usize = 20;
/// DISPLAY_CURSOR / MOVE_CURSOR payload (two words, VirtualBox's own ids).
pub const SIZE_CURSOR_WORDS: usize = 8;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_svga_number_matches_the_headers() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/virtualbox-layouts.json"
        );
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        for (name, value) in MIRRORED {
            assert_eq!(json["constants"][name].as_i64(), Some(*value), "{name}");
        }
        for (name, size) in SIZES {
            assert_eq!(
                json["structs"][name]["size"].as_u64(),
                Some(*size as u64),
                "{name}"
            );
        }
    }
}
