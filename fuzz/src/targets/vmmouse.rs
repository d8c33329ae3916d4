//! vmmouse (VMware backdoor absolute pointer) replies: detection, enabling, packets,
//! error recovery and hand-back to PS/2, against a backdoor whose every answer comes
//! from the input.

use vitrine::drivers::vmmouse::{BackdoorRegs, VmMouse, VmwareBackdoor};
use vitrine::input::Input;

pub const TARGET: crate::Target = crate::Target {
    name: "vmmouse",
    about: "VMware backdoor replies -> vmmouse detection, packets, recovery",
    run,
    seeds,
};

/// Registers one call returns: eax, ebx, ecx, edx, esi, edi.
const REPLY: usize = 24;

struct ScriptedBackdoor<'a> {
    replies: std::slice::ChunksExact<'a, u8>,
    calls: u32,
}

impl VmwareBackdoor for ScriptedBackdoor<'_> {
    fn call(&mut self, regs: &mut BackdoorRegs) {
        self.calls += 1;
        // Out of script: no backdoor answers (registers come back unchanged).
        let Some(reply) = self.replies.next() else {
            return;
        };
        let word = |i: usize| u32::from_le_bytes(reply[i * 4..i * 4 + 4].try_into().unwrap());
        *regs = BackdoorRegs {
            eax: word(0),
            ebx: word(1),
            ecx: word(2),
            edx: word(3),
            esi: word(4),
            edi: word(5),
        };
    }
}

fn run(data: &[u8]) {
    let mut backdoor = ScriptedBackdoor {
        replies: data.chunks_exact(REPLY),
        calls: 0,
    };
    let mut input: Input<64> = Input::new(1024, 768);
    let Some(mut mouse) = VmMouse::init(&mut backdoor, &mut input) else {
        return;
    };
    let mut polls = 0;
    while backdoor.replies.len() > 0 && polls < 256 {
        let before = backdoor.calls;
        mouse.poll(&mut backdoor, &mut input);
        assert!(
            backdoor.calls - before <= 1024,
            "one poll made {} backdoor calls",
            backdoor.calls - before
        );
        while input.pop().is_some() {}
        polls += 1;
        if !mouse.is_active() {
            break;
        }
    }
    mouse.disable(&mut backdoor, &mut input);
}

fn regs(eax: u32, ebx: u32, ecx: u32) -> Vec<u8> {
    [eax, ebx, ecx, 0x5658, 0, 0]
        .iter()
        .flat_map(|w| w.to_le_bytes())
        .collect()
}

fn seeds() -> Vec<Vec<u8>> {
    const MAGIC: u32 = 0x564D_5868;
    vec![[
        regs(6, MAGIC, 0),          // GETVERSION
        regs(0, 0, 0),              // ABSPOINTER_COMMAND enable
        regs(1, 0, 0),              // status: one word queued
        regs(0x3442_554a, 0, 0),    // data: the version id
        regs(0, 0, 0),              // request absolute
        regs(4, 0, 0),              // status: one packet
        regs(0x20, 0x8000, 0x4000), // packet: left button, centre
        regs(0, 0, 0),              // status: empty
        regs(0xffff_0000, 0, 0),    // status: error
    ]
    .concat()]
}
