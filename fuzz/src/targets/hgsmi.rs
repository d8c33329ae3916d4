//! HGSMI host commands (offsets read from the host port, their contents in the host
//! heap) and the host flags, as the VBVA display backend reads them.

use super::vga_host::{self, Focus};

pub const TARGET: crate::Target = crate::Target {
    name: "hgsmi",
    about: "HGSMI host commands, host flags, host heap -> the VBVA display backend",
    run: |data| vga_host::run(data, Focus::Hgsmi),
    seeds: || vga_host::seeds(8),
};
