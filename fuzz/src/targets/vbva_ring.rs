//! The VBVA buffer (ring head: indices, flags; records) as the host leaves it, while
//! the VBVA display backend presents through it.

use super::vga_host::{self, Focus};

pub const TARGET: crate::Target = crate::Target {
    name: "vbva-ring",
    about: "the VBVA ring as the host leaves it -> presenting through VBVA",
    run: |data| vga_host::run(data, Focus::Ring),
    seeds: || vga_host::seeds(6),
};
