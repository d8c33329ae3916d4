//! Boot information from the loader: command line, memory map, RSDP, framebuffer.

pub mod cmdline;
pub mod memory_map;
