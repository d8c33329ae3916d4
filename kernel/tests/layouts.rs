//! Every wire struct and constant of `vitrine` checked against the compiler-computed
//! VirtualBox layouts table (`tests/data/virtualbox-layouts.json`, a copy of
//! `shared/spec/layouts.json`).
//!
//! - each Rust type is listed with the table struct it mirrors: size, alignment, and
//!   every table field (offset and size) must be accounted for — mapped to a Rust
//!   field, covered by a nested type that is itself checked, or named as a union
//!   member with its explicit offset;
//! - each constant is listed with its table name, and a scan of the wire sources fails
//!   the test for any `pub const` that is not listed;
//! - each bitflags type must list all of its flags.

use std::collections::BTreeSet;
use std::mem::{align_of, offset_of, size_of};

use serde_json::Value;
use vitrine::drivers::vga::dispi_regs as dispi;
use vitrine::drivers::vga::hgsmi::wire as hgsmi;
use vitrine::drivers::vga::svga::wire as svga;
use vitrine::drivers::vga::vbva::wire as vbva;
use vitrine::drivers::vmmdev::wire as vmm;
use vitrine::vbox::guest_props::wire as props;

fn table() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/virtualbox-layouts.json"
    );
    let text = std::fs::read_to_string(path).expect("read the layouts table copy");
    serde_json::from_str(&text).expect("parse the layouts table")
}

/// The size of the type of a field, from a closure that reads it by value (works for
/// fields of packed structs, which cannot be borrowed).
fn field_size<T, F>(_read: fn(&T) -> F) -> usize {
    size_of::<F>()
}

/// How much of the table struct the Rust type covers.
#[derive(Clone, Copy)]
enum Extent {
    /// The whole struct: sizes must be equal.
    Whole,
    /// Everything before this trailing member (a trailing array the Rust type leaves
    /// out): the Rust size must equal the member's offset.
    Before(&'static str),
}

struct TypeCheck {
    rust: &'static str,
    table: &'static str,
    size: usize,
    align: usize,
    /// False for a second mapping onto the other header family (Linux packs what
    /// VirtualBox aligns): offsets and sizes must still agree.
    check_align: bool,
    extent: Extent,
    /// (table path, Rust offset, Rust size)
    fields: Vec<(&'static str, usize, usize)>,
    /// (table path of a member, table struct it is): its sub-paths are checked
    /// table-against-table, and the member's type is checked on its own.
    nested: Vec<(&'static str, &'static str)>,
}

macro_rules! type_check {
    (@extent) => { Extent::Whole };
    (@extent $trail:literal) => { Extent::Before($trail) };
    (@align) => { true };
    (@align linux) => { false };
    (
        $ty:ty => $table:literal $(before $trail:literal)? $(($family:ident))?
        { $( $($field:ident).+ => $path:literal ),* $(,)? }
        $( nested { $( $np:literal => $nt:literal ),* $(,)? } )?
        $( union { $( $up:literal => ($uo:expr, $us:expr) ),* $(,)? } )?
    ) => {{
        let extent = type_check!(@extent $($trail)?);
        #[allow(unused_mut)]
        let mut fields: Vec<(&'static str, usize, usize)> = vec![
            $( ($path, offset_of!($ty, $($field).+), field_size(|t: &$ty| t.$($field).+)) ),*
        ];
        $( $( fields.push(($up, $uo, $us)); )* )?
        TypeCheck {
            rust: stringify!($ty),
            table: $table,
            size: size_of::<$ty>(),
            align: align_of::<$ty>(),
            check_align: type_check!(@align $($family)?),
            extent,
            fields,
            nested: vec![ $( $( ($np, $nt) ),* )? ],
        }
    }};
}

fn header_nested() -> Vec<(&'static str, &'static str)> {
    vec![("header", "VMMDevRequestHeader")]
}

fn type_checks() -> Vec<TypeCheck> {
    let mut checks = vec![
        // ---------------------------------------------------------------- VMMDev
        type_check!(vmm::RequestHeader => "VMMDevRequestHeader" {
            size => "size", version => "version", requestType => "requestType",
            rc => "rc", reserved1 => "reserved1", fRequestor => "fRequestor",
        }),
        type_check!(vmm::GuestInfo => "VBoxGuestInfo" {
            interfaceVersion => "interfaceVersion", osType => "osType",
        }),
        type_check!(vmm::ReportGuestInfo => "VMMDevReportGuestInfo" {
            header => "header", guestInfo => "guestInfo",
        } nested { "guestInfo" => "VBoxGuestInfo" }),
        type_check!(vmm::GuestInfo2 => "VBoxGuestInfo2" {
            additionsMajor => "additionsMajor", additionsMinor => "additionsMinor",
            additionsBuild => "additionsBuild", additionsRevision => "additionsRevision",
            additionsFeatures => "additionsFeatures", szName => "szName",
        }),
        type_check!(vmm::ReportGuestInfo2 => "VMMDevReportGuestInfo2" {
            header => "header", guestInfo => "guestInfo",
        } nested { "guestInfo" => "VBoxGuestInfo2" }),
        type_check!(vmm::ReportGuestCapabilities => "VMMDevReqGuestCapabilities" {
            header => "header", caps => "caps",
        }),
        type_check!(vmm::SetGuestCapabilities => "VMMDevReqGuestCapabilities2" {
            header => "header", u32OrMask => "u32OrMask", u32NotMask => "u32NotMask",
        }),
        type_check!(vmm::CtlGuestFilterMask => "VMMDevCtlGuestFilterMask" {
            header => "header", u32OrMask => "u32OrMask", u32NotMask => "u32NotMask",
        }),
        type_check!(vmm::AcknowledgeEvents => "VMMDevEvents" {
            header => "header", events => "events",
        }),
        type_check!(vmm::GetHostVersion => "VMMDevReqHostVersion" {
            header => "header", major => "major", minor => "minor", build => "build",
            revision => "revision", features => "features",
        }),
        type_check!(vmm::MouseStatus => "VMMDevReqMouseStatus" {
            header => "header", mouseFeatures => "mouseFeatures",
            pointerXPos => "pointerXPos", pointerYPos => "pointerYPos",
        }),
        type_check!(vmm::MouseStatusEx => "VMMDevReqMouseStatusEx" {
            Core => "Core", dz => "dz", dw => "dw", fButtons => "fButtons",
        } nested { "Core" => "VMMDevReqMouseStatus" }),
        type_check!(vmm::SetPointerShape => "VMMDevReqMousePointer" {
            header => "header", fFlags => "fFlags", xHot => "xHot", yHot => "yHot",
            width => "width", height => "height", pointerData => "pointerData",
        }),
        type_check!(vmm::DisplayChangeRequest => "VMMDevDisplayChangeRequest" {
            header => "header", xres => "xres", yres => "yres", bpp => "bpp",
            eventAck => "eventAck",
        }),
        type_check!(vmm::DisplayChangeRequest2 => "VMMDevDisplayChangeRequest2" {
            header => "header", xres => "xres", yres => "yres", bpp => "bpp",
            eventAck => "eventAck", display => "display",
        }),
        type_check!(vmm::DisplayChangeRequestEx => "VMMDevDisplayChangeRequestEx" {
            header => "header", xres => "xres", yres => "yres", bpp => "bpp",
            eventAck => "eventAck", display => "display", cxOrigin => "cxOrigin",
            cyOrigin => "cyOrigin", fChangeOrigin => "fChangeOrigin", fEnabled => "fEnabled",
        }),
        type_check!(vmm::DisplayDef => "VMMDevDisplayDef" {
            fDisplayFlags => "fDisplayFlags", idDisplay => "idDisplay", xOrigin => "xOrigin",
            yOrigin => "yOrigin", cx => "cx", cy => "cy", cBitsPerPixel => "cBitsPerPixel",
        }),
        type_check!(vmm::DisplayChangeRequestMulti => "VMMDevDisplayChangeRequestMulti" {
            header => "header", eventAck => "eventAck", cDisplays => "cDisplays",
            aDisplays => "aDisplays",
        }),
        type_check!(vmm::VideoModeSupported => "VMMDevVideoModeSupportedRequest" {
            header => "header", width => "width", height => "height", bpp => "bpp",
            fSupported => "fSupported",
        }),
        type_check!(vmm::VideoModeSupported2 => "VMMDevVideoModeSupportedRequest2" {
            header => "header", display => "display", width => "width", height => "height",
            bpp => "bpp", fSupported => "fSupported",
        }),
        type_check!(vmm::GetHostTime => "VMMDevReqHostTime" {
            header => "header", time => "time",
        }),
        type_check!(vmm::SetPowerStatus => "VMMDevPowerStateRequest" {
            header => "header", powerState => "powerState",
        }),
        type_check!(vmm::GuestStatus => "VBoxGuestStatus" {
            facility => "facility", status => "status", flags => "flags",
        }),
        type_check!(vmm::ReportGuestStatus => "VMMDevReportGuestStatus" {
            header => "header", guestStatus => "guestStatus",
        } nested { "guestStatus" => "VBoxGuestStatus" }),
        type_check!(vmm::GetSessionId => "VMMDevReqSessionId" {
            header => "header", idSession => "idSession",
        }),
        type_check!(vmm::HeartbeatConfigure => "VMMDevReqHeartbeat" {
            header => "header", cNsInterval => "cNsInterval", fEnabled => "fEnabled",
        }),
        // The guest-visible head of the MMIO BAR, against both families.
        type_check!(vmm::MemoryHeader => "VMMDevMemory" before "vbvaMemory" {
            u32Size => "u32Size", u32Version => "u32Version", V => "V",
            V.u32HostEvents => "V.V1_03.u32HostEvents",
            V.u32GuestEventMask => "V.V1_03.u32GuestEventMask",
        } union {
            "V.V1_03" => (offset_of!(vmm::MemoryHeader, V), size_of::<vmm::MemoryEventWords>()),
            "V.V1_04" => (vmm::MemoryHeader::HAVE_EVENTS_OFFSET, 1),
            "V.V1_04.fHaveEvents" => (vmm::MemoryHeader::HAVE_EVENTS_OFFSET, 1),
        }),
        type_check!(vmm::MemoryHeader => "vmmdev_memory" (linux) {
            u32Size => "size", u32Version => "version", V => "V",
            V.u32HostEvents => "V.V1_03.host_events",
            V.u32GuestEventMask => "V.V1_03.guest_event_mask",
        } union {
            "V.V1_03" => (offset_of!(vmm::MemoryHeader, V), 8),
            "V.V1_04" => (offset_of!(vmm::MemoryHeader, V), 4),
            "V.V1_04.have_events" => (vmm::MemoryHeader::HAVE_EVENTS_OFFSET, 1),
            "V.V1_04.padding" => (vmm::MemoryHeader::HAVE_EVENTS_OFFSET + 1, 3),
        }),
        // ---------------------------------------------------------------- HGCM
        type_check!(vmm::HgcmRequestHeader => "VMMDevHGCMRequestHeader" {
            header => "header", fu32Flags => "fu32Flags", result => "result",
        }),
        type_check!(vmm::HgcmServiceLocation => "HGCMServiceLocation" {
            r#type => "type", achName => "u.host.achName",
        } union {
            "u" => (offset_of!(vmm::HgcmServiceLocation, achName), 128),
            "u.host" => (offset_of!(vmm::HgcmServiceLocation, achName), 128),
        }),
        type_check!(vmm::HgcmConnect => "VMMDevHGCMConnect" {
            header => "header", loc => "loc", u32ClientID => "u32ClientID",
        } nested {
            "header" => "VMMDevHGCMRequestHeader", "loc" => "HGCMServiceLocation",
        }),
        type_check!(vmm::HgcmDisconnect => "VMMDevHGCMDisconnect" {
            header => "header", u32ClientID => "u32ClientID",
        } nested { "header" => "VMMDevHGCMRequestHeader" }),
        type_check!(vmm::HgcmCall => "VMMDevHGCMCall" {
            header => "header", u32ClientID => "u32ClientID", u32Function => "u32Function",
            cParms => "cParms",
        } nested { "header" => "VMMDevHGCMRequestHeader" }),
        type_check!(vmm::HgcmParameter64 => "HGCMFunctionParameter64" {
            r#type => "type", value64 => "u.value64",
        } union {
            "u" => (vmm::HgcmParameter64::VALUE_OFFSET, 12),
            "u.value32" => (vmm::HgcmParameter64::VALUE_OFFSET, 4),
            "u.Pointer" => (vmm::HgcmParameter64::VALUE_OFFSET, 12),
            "u.Pointer.size" => (vmm::HgcmParameter64::VALUE_OFFSET, 4),
            "u.Pointer.u" => (vmm::HgcmParameter64::ADDR_OFFSET, 8),
            "u.Pointer.u.physAddr" => (vmm::HgcmParameter64::ADDR_OFFSET, 8),
            "u.Pointer.u.linearAddr" => (vmm::HgcmParameter64::ADDR_OFFSET, 8),
            "u.LinAddr" => (vmm::HgcmParameter64::VALUE_OFFSET, 12),
            "u.LinAddr.cb" => (vmm::HgcmParameter64::VALUE_OFFSET, 4),
            "u.LinAddr.uAddr" => (vmm::HgcmParameter64::ADDR_OFFSET, 8),
            "u.PageList" => (vmm::HgcmParameter64::VALUE_OFFSET, 8),
            "u.PageList.size" => (vmm::HgcmParameter64::VALUE_OFFSET, 4),
            "u.PageList.offset" => (vmm::HgcmParameter64::ADDR_OFFSET, 4),
            "u.Embedded" => (vmm::HgcmParameter64::VALUE_OFFSET, 8),
            // Bit-fields: the table gives them size 0 at their first byte.
            "u.Embedded.fFlags" => (vmm::HgcmParameter64::VALUE_OFFSET, 0),
            "u.Embedded.offData" => (vmm::HgcmParameter64::VALUE_OFFSET + 1, 0),
            "u.Embedded.cbData" => (vmm::HgcmParameter64::ADDR_OFFSET, 4),
        }),
        type_check!(vmm::HgcmCancel2 => "VMMDevHGCMCancel2" {
            header => "header", physReqToCancel => "physReqToCancel",
        }),
        // ---------------------------------------------------------------- HGSMI
        type_check!(hgsmi::BufferHeader => "HGSMIBUFFERHEADER" {
            u32DataSize => "u32DataSize", u8Flags => "u8Flags", u8Channel => "u8Channel",
            u16ChannelInfo => "u16ChannelInfo", u => "u",
        } union {
            "u.au8Union" => (offset_of!(hgsmi::BufferHeader, u), 8),
            "u.Buffer" => (offset_of!(hgsmi::BufferHeader, u), 8),
            "u.Buffer.u32Reserved1" => (offset_of!(hgsmi::BufferHeader, u), 4),
            "u.Buffer.u32Reserved2" => (offset_of!(hgsmi::BufferHeader, u) + 4, 4),
            "u.SequenceStart" => (offset_of!(hgsmi::BufferHeader, u), 8),
            "u.SequenceStart.u32SequenceNumber" => (offset_of!(hgsmi::BufferHeader, u), 4),
            "u.SequenceStart.u32SequenceSize" => (offset_of!(hgsmi::BufferHeader, u) + 4, 4),
            "u.SequenceContinue" => (offset_of!(hgsmi::BufferHeader, u), 8),
            "u.SequenceContinue.u32SequenceNumber" => (offset_of!(hgsmi::BufferHeader, u), 4),
            "u.SequenceContinue.u32SequenceOffset" => (offset_of!(hgsmi::BufferHeader, u) + 4, 4),
        }),
        type_check!(hgsmi::BufferTail => "HGSMIBUFFERTAIL" {
            u32Reserved => "u32Reserved", u32Checksum => "u32Checksum",
        }),
        type_check!(hgsmi::HostFlagsArea => "HGSMIHOSTFLAGS" {
            u32HostFlags => "u32HostFlags", au32Reserved => "au32Reserved",
        }),
        type_check!(hgsmi::BufferLocation => "HGSMIBUFFERLOCATION" {
            offLocation => "offLocation", cbLocation => "cbLocation",
        }),
        // ---------------------------------------------------------------- VBVA
        type_check!(vbva::Conf32 => "VBVACONF32" {
            u32Index => "u32Index", u32Value => "u32Value",
        }),
        type_check!(vbva::InfoView => "VBVAINFOVIEW" {
            u32ViewIndex => "u32ViewIndex", u32ViewOffset => "u32ViewOffset",
            u32ViewSize => "u32ViewSize", u32MaxScreenSize => "u32MaxScreenSize",
        }),
        type_check!(vbva::InfoHeap => "VBVAINFOHEAP" {
            u32HeapOffset => "u32HeapOffset", u32HeapSize => "u32HeapSize",
        }),
        type_check!(vbva::Flush => "VBVAFLUSH" { u32Reserved => "u32Reserved" }),
        type_check!(vbva::InfoScreen => "VBVAINFOSCREEN" {
            u32ViewIndex => "u32ViewIndex", i32OriginX => "i32OriginX",
            i32OriginY => "i32OriginY", u32StartOffset => "u32StartOffset",
            u32LineSize => "u32LineSize", u32Width => "u32Width", u32Height => "u32Height",
            u16BitsPerPixel => "u16BitsPerPixel", u16Flags => "u16Flags",
        }),
        type_check!(vbva::Enable => "VBVAENABLE" {
            u32Flags => "u32Flags", u32Offset => "u32Offset", i32Result => "i32Result",
        }),
        type_check!(vbva::EnableEx => "VBVAENABLE_EX" {
            Base => "Base", u32ScreenId => "u32ScreenId",
        } nested { "Base" => "VBVAENABLE" }),
        type_check!(vbva::CapsCommand => "VBVACAPS" { rc => "rc", fCaps => "fCaps" }),
        type_check!(vbva::QueryModeHints => "VBVAQUERYMODEHINTS" {
            cHintsQueried => "cHintsQueried", cbHintStructureGuest => "cbHintStructureGuest",
            rc => "rc",
        }),
        type_check!(vbva::ModeHint => "VBVAMODEHINT" {
            magic => "magic", cx => "cx", cy => "cy", cBPP => "cBPP", cDisplay => "cDisplay",
            dx => "dx", dy => "dy", fEnabled => "fEnabled",
        }),
        type_check!(vbva::MousePointerShape => "VBVAMOUSEPOINTERSHAPE" before "au8Data" {
            i32Result => "i32Result", fu32Flags => "fu32Flags", u32HotX => "u32HotX",
            u32HotY => "u32HotY", u32Width => "u32Width", u32Height => "u32Height",
        }),
        type_check!(vbva::MousePointerShape => "vbva_mouse_pointer_shape" before "data" (linux) {
            i32Result => "result", fu32Flags => "flags", u32HotX => "hot_X",
            u32HotY => "hot_y", u32Width => "width", u32Height => "height",
        }),
        type_check!(vbva::CursorPosition => "VBVACURSORPOSITION" {
            fReportPosition => "fReportPosition", x => "x", y => "y",
        }),
        type_check!(vbva::ReportInputMapping => "VBVAREPORTINPUTMAPPING" {
            x => "x", y => "y", cx => "cx", cy => "cy",
        }),
        type_check!(vbva::RingHostFlags => "VBVAHOSTFLAGS" {
            u32HostEvents => "u32HostEvents", u32SupportedOrders => "u32SupportedOrders",
        }),
        type_check!(vbva::Record => "VBVARECORD" { cbRecord => "cbRecord" }),
        type_check!(vbva::Buffer => "VBVABUFFER" before "au8Data" {
            hostFlags => "hostFlags", off32Data => "off32Data", off32Free => "off32Free",
            aRecords => "aRecords", indexRecordFirst => "indexRecordFirst",
            indexRecordFree => "indexRecordFree",
            cbPartialWriteThreshold => "cbPartialWriteThreshold", cbData => "cbData",
        } nested { "hostFlags" => "VBVAHOSTFLAGS" }),
        type_check!(vbva::Buffer => "vbva_buffer" before "data" (linux) {
            hostFlags => "host_flags", off32Data => "data_offset", off32Free => "free_offset",
            aRecords => "records", indexRecordFirst => "record_first_index",
            indexRecordFree => "record_free_index",
            cbPartialWriteThreshold => "partial_write_tresh", cbData => "data_len",
        } nested { "host_flags" => "vbva_host_flags" }),
        type_check!(vbva::CmdHdr => "VBVACMDHDR" { x => "x", y => "y", w => "w", h => "h" }),
        // ---------------------------------------------------------------- SVGA II
        type_check!(svga::FifoCmdUpdate => "SVGAFifoCmdUpdate" {
            x => "x", y => "y", width => "width", height => "height",
        }),
        type_check!(svga::FifoCmdDefineCursor => "SVGAFifoCmdDefineCursor" {
            id => "id", hotspotX => "hotspotX", hotspotY => "hotspotY", width => "width",
            height => "height", andMaskDepth => "andMaskDepth", xorMaskDepth => "xorMaskDepth",
        }),
        type_check!(svga::FifoCmdDefineAlphaCursor => "SVGAFifoCmdDefineAlphaCursor" {
            id => "id", hotspotX => "hotspotX", hotspotY => "hotspotY", width => "width",
            height => "height",
        }),
        type_check!(svga::FifoCmdFence => "SVGAFifoCmdFence" { fence => "fence" }),
    ];
    // Every request that starts with a header: its header.* paths are checked against
    // VMMDevRequestHeader (which is checked on its own above).
    for check in checks.iter_mut() {
        let has_header = check.fields.iter().any(|(path, _, _)| *path == "header");
        // HGCM requests nest their own header type, named explicitly.
        if has_header && !check.nested.iter().any(|(member, _)| *member == "header") {
            check.nested.extend(header_nested());
        }
    }
    checks
}

/// Checks one type; returns the problems found.
fn check_type(json: &Value, check: &TypeCheck) -> Vec<String> {
    let mut problems = Vec::new();
    let who = format!("{} ↔ {}", check.rust, check.table);
    let Some(entry) = json["structs"].get(check.table) else {
        return vec![format!("{who}: table has no struct {}", check.table)];
    };
    let table_fields = entry["fields"].as_object().expect("fields object");
    let number = |v: &Value| v.as_u64().expect("number") as usize;

    let (expected_size, trailing) = match check.extent {
        Extent::Whole => (number(&entry["size"]), None),
        Extent::Before(trail) => match table_fields.get(trail) {
            Some(member) => (number(&member["offset"]), Some(trail)),
            None => {
                problems.push(format!("{who}: table has no trailing member {trail}"));
                (usize::MAX, Some(trail))
            }
        },
    };
    if check.size != expected_size {
        problems.push(format!(
            "{who}: size {} != table {}",
            check.size, expected_size
        ));
    }
    if check.check_align && check.align != number(&entry["align"]) {
        problems.push(format!(
            "{who}: align {} != table {}",
            check.align, entry["align"]
        ));
    }

    let mut covered = BTreeSet::new();
    for &(path, offset, size) in &check.fields {
        match table_fields.get(path) {
            None => problems.push(format!("{who}: table has no field {path}")),
            Some(field) => {
                if offset != number(&field["offset"]) || size != number(&field["size"]) {
                    problems.push(format!(
                        "{who}: {path} at {offset}+{size} != table {}+{}",
                        field["offset"], field["size"]
                    ));
                }
            }
        }
        covered.insert(path.to_string());
    }
    for &(member, nested_table) in &check.nested {
        let Some(base) = table_fields.get(member) else {
            problems.push(format!("{who}: table has no nested member {member}"));
            continue;
        };
        let base = number(&base["offset"]);
        let Some(nested) = json["structs"][nested_table]["fields"].as_object() else {
            problems.push(format!("{who}: table has no struct {nested_table}"));
            continue;
        };
        for (sub, field) in nested {
            let path = format!("{member}.{sub}");
            match table_fields.get(&path) {
                None => problems.push(format!("{who}: table has no field {path}")),
                Some(outer) => {
                    if number(&outer["offset"]) != base + number(&field["offset"])
                        || outer["size"] != field["size"]
                    {
                        problems.push(format!("{who}: {path} disagrees with {nested_table}.{sub}"));
                    }
                }
            }
            covered.insert(path);
        }
    }
    for path in table_fields.keys() {
        let in_trailing = trailing.is_some_and(|t| path == t || path.starts_with(&format!("{t}.")));
        if !in_trailing && !covered.contains(path) {
            problems.push(format!("{who}: table field {path} is not checked"));
        }
    }
    problems
}

#[test]
fn every_wire_struct_matches_the_table() {
    let json = table();
    let checks = type_checks();
    let problems: Vec<String> = checks.iter().flat_map(|c| check_type(&json, c)).collect();
    assert!(
        problems.is_empty(),
        "{} layout problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    let fields: usize = checks.iter().map(|c| c.fields.len()).sum();
    let table_paths: usize = checks
        .iter()
        .map(|c| {
            let members = json["structs"][c.table]["fields"].as_object().unwrap();
            match c.extent {
                Extent::Whole => members.len(),
                Extent::Before(trail) => members
                    .keys()
                    .filter(|k| *k != trail && !k.starts_with(&format!("{trail}.")))
                    .count(),
            }
        })
        .sum();
    println!(
        "checked {} struct mappings: {} Rust fields/union members, {} table member paths",
        checks.len(),
        fields,
        table_paths
    );
}

#[test]
fn a_wrong_mapping_is_reported() {
    // The checker itself must be able to fail: map a type onto the wrong table struct.
    let json = table();
    let wrong = type_check!(vmm::AcknowledgeEvents => "VMMDevReqGuestCapabilities2" {
        header => "header", events => "u32OrMask",
    });
    let problems = check_type(&json, &wrong);
    assert!(
        problems.iter().any(|p| p.contains("size 28 != table 32")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("u32NotMask is not checked")),
        "{problems:?}"
    );
    let missing = type_check!(vmm::AcknowledgeEvents => "NoSuchStruct" { events => "events" });
    assert!(!check_type(&json, &missing).is_empty());
}

// ------------------------------------------------------------------------- constants

/// A constant's value as the table stores it.
trait WireValue {
    fn wire_value(&self) -> i128;
}

macro_rules! wire_value_int {
    ($($t:ty),*) => {$( impl WireValue for $t { fn wire_value(&self) -> i128 { *self as i128 } } )*};
}
wire_value_int!(u8, u16, u32, i32, u64, usize);

impl WireValue for vmm::RequestType {
    fn wire_value(&self) -> i128 {
        self.0 as i128
    }
}
impl WireValue for vmm::HgcmParmType {
    fn wire_value(&self) -> i128 {
        self.0 as i128
    }
}
impl WireValue for vmm::VBoxRc {
    fn wire_value(&self) -> i128 {
        self.0 as i128
    }
}

/// (Rust name, table name, Rust value)
type ConstCheck = (&'static str, &'static str, i128);

macro_rules! consts {
    ($( $($seg:ident)::+ => $table:literal ),* $(,)?) => {
        vec![ $( (last_segment(stringify!($($seg)::+)), $table, $($seg)::+.wire_value()) ),* ]
    };
}

fn last_segment(path: &'static str) -> &'static str {
    path.rsplit("::").next().unwrap().trim()
}

fn const_checks() -> Vec<ConstCheck> {
    use vbva::{Caps, EnableFlags, PointerFlags, RingHostEvents, ScreenFlags};
    use vmm::{DisplayFlags, Events, GuestCaps, HostFeatures, MouseButtons, MouseFeatures};
    let mut checks: Vec<ConstCheck> = consts![
        // VMMDev identity, ports, versions
        vmm::VMMDEV_VENDORID => "VMMDEV_VENDORID",
        vmm::VMMDEV_DEVICEID => "VMMDEV_DEVICEID",
        vmm::VMMDEV_PORT_OFF_REQUEST => "VMMDEV_PORT_OFF_REQUEST",
        vmm::VMMDEV_PORT_OFF_REQUEST_FAST => "VMMDEV_PORT_OFF_REQUEST_FAST",
        vmm::VBG_DEBUG_PORT => "VBG_DEBUG_PORT",
        vmm::VMMDEV_RAM_SIZE => "VMMDEV_RAM_SIZE",
        vmm::VMMDEV_MAX_VMMDEVREQ_SIZE => "VMMDEV_MAX_VMMDEVREQ_SIZE",
        vmm::VMMDEV_VERSION => "VMMDEV_VERSION",
        vmm::VMMDEV_VERSION_MAJOR => "VMMDEV_VERSION_MAJOR",
        vmm::VMMDEV_VERSION_MINOR => "VMMDEV_VERSION_MINOR",
        vmm::VMMDEV_REQUEST_HEADER_VERSION => "VMMDEV_REQUEST_HEADER_VERSION",
        vmm::VMMDEV_MEMORY_VERSION => "VMMDEV_MEMORY_VERSION",
        vmm::VMMDEV_OSTYPE_X64 => "VMMDEV_OSTYPE_X64",
        vmm::OSTYPE_OTHER_64BIT => "VMMDEV_OSTYPE_X64",
        vmm::VMMDEV_REQUESTOR_KERNEL => "VMMDEV_REQUESTOR_KERNEL",
        vmm::VMMDEV_REQUESTOR_USR_DRV => "VMMDEV_REQUESTOR_USR_DRV",
        vmm::VBOXGSTINFO2_F_REQUESTOR_INFO => "VBOXGSTINFO2_F_REQUESTOR_INFO",
        vmm::VMMDEV_MOUSE_RANGE_MIN => "VMMDEV_MOUSE_RANGE_MIN",
        vmm::VMMDEV_MOUSE_RANGE_MAX => "VMMDEV_MOUSE_RANGE_MAX",
        vmm::VMMDEV_MOUSE_RANGE => "VMMDEV_MOUSE_RANGE",
        vmm::EVENT_ACK_CONSUME => "VMMDEV_EVENT_DISPLAY_CHANGE_REQUEST",
        // request types
        vmm::RequestType::GET_MOUSE_STATUS => "VMMDevReq_GetMouseStatus",
        vmm::RequestType::SET_MOUSE_STATUS => "VMMDevReq_SetMouseStatus",
        vmm::RequestType::SET_POINTER_SHAPE => "VMMDevReq_SetPointerShape",
        vmm::RequestType::GET_HOST_VERSION => "VMMDevReq_GetHostVersion",
        vmm::RequestType::IDLE => "VMMDevReq_Idle",
        vmm::RequestType::GET_HOST_TIME => "VMMDevReq_GetHostTime",
        vmm::RequestType::SET_POWER_STATUS => "VMMDevReq_SetPowerStatus",
        vmm::RequestType::ACKNOWLEDGE_EVENTS => "VMMDevReq_AcknowledgeEvents",
        vmm::RequestType::CTL_GUEST_FILTER_MASK => "VMMDevReq_CtlGuestFilterMask",
        vmm::RequestType::REPORT_GUEST_INFO => "VMMDevReq_ReportGuestInfo",
        vmm::RequestType::GET_DISPLAY_CHANGE_REQUEST => "VMMDevReq_GetDisplayChangeRequest",
        vmm::RequestType::VIDEO_MODE_SUPPORTED => "VMMDevReq_VideoModeSupported",
        vmm::RequestType::GET_DISPLAY_CHANGE_REQUEST2 => "VMMDevReq_GetDisplayChangeRequest2",
        vmm::RequestType::REPORT_GUEST_CAPABILITIES => "VMMDevReq_ReportGuestCapabilities",
        vmm::RequestType::SET_GUEST_CAPABILITIES => "VMMDevReq_SetGuestCapabilities",
        vmm::RequestType::VIDEO_MODE_SUPPORTED2 => "VMMDevReq_VideoModeSupported2",
        vmm::RequestType::REPORT_GUEST_INFO2 => "VMMDevReq_ReportGuestInfo2",
        vmm::RequestType::REPORT_GUEST_STATUS => "VMMDevReq_ReportGuestStatus",
        vmm::RequestType::GET_DISPLAY_CHANGE_REQUEST_EX => "VMMDevReq_GetDisplayChangeRequestEx",
        vmm::RequestType::GET_DISPLAY_CHANGE_REQUEST_MULTI => "VMMDevReq_GetDisplayChangeRequestMulti",
        vmm::RequestType::GET_SESSION_ID => "VMMDevReq_GetSessionId",
        vmm::RequestType::GUEST_HEARTBEAT => "VMMDevReq_GuestHeartbeat",
        vmm::RequestType::HEARTBEAT_CONFIGURE => "VMMDevReq_HeartbeatConfigure",
        vmm::RequestType::GET_MOUSE_STATUS_EX => "VMMDevReq_GetMouseStatusEx",
        vmm::RequestType::HGCM_CONNECT => "VMMDevReq_HGCMConnect",
        vmm::RequestType::HGCM_DISCONNECT => "VMMDevReq_HGCMDisconnect",
        vmm::RequestType::HGCM_CALL32 => "VMMDevReq_HGCMCall32",
        vmm::RequestType::HGCM_CALL64 => "VMMDevReq_HGCMCall64",
        vmm::RequestType::HGCM_CANCEL => "VMMDevReq_HGCMCancel",
        vmm::RequestType::HGCM_CANCEL2 => "VMMDevReq_HGCMCancel2",
        // HGCM
        vmm::VBOX_HGCM_REQ_DONE => "VBOX_HGCM_REQ_DONE",
        vmm::VBOX_HGCM_REQ_CANCELLED => "VBOX_HGCM_REQ_CANCELLED",
        vmm::VMMDEV_MAX_HGCM_PARMS => "VMMDEV_MAX_HGCM_PARMS",
        vmm::VMMDEV_HGCM_LOC_LOCALHOST_EXISTING => "VMMDevHGCMLoc_LocalHost_Existing",
        vmm::HgcmParmType::U32 => "VMMDevHGCMParmType_32bit",
        vmm::HgcmParmType::U64 => "VMMDevHGCMParmType_64bit",
        vmm::HgcmParmType::LINADDR => "VMMDevHGCMParmType_LinAddr",
        vmm::HgcmParmType::LINADDR_IN => "VMMDevHGCMParmType_LinAddr_In",
        vmm::HgcmParmType::LINADDR_OUT => "VMMDevHGCMParmType_LinAddr_Out",
        // guest property service
        props::GUEST_PROP_MAX_NAME_LEN => "GUEST_PROP_MAX_NAME_LEN",
        props::GUEST_PROP_MAX_VALUE_LEN => "GUEST_PROP_MAX_VALUE_LEN",
        props::GUEST_PROP_MAX_FLAGS_LEN => "GUEST_PROP_MAX_FLAGS_LEN",
        props::GUEST_PROP_MAX_PATTERN_LEN => "GUEST_PROP_MAX_PATTERN_LEN",
        props::GUEST_PROP_MAX_GUEST_CONCURRENT_WAITS => "GUEST_PROP_MAX_GUEST_CONCURRENT_WAITS",
        props::GUEST_PROP_FN_GET_PROP => "GUEST_PROP_FN_GET_PROP",
        props::GUEST_PROP_FN_SET_PROP => "GUEST_PROP_FN_SET_PROP",
        props::GUEST_PROP_FN_SET_PROP_VALUE => "GUEST_PROP_FN_SET_PROP_VALUE",
        props::GUEST_PROP_FN_DEL_PROP => "GUEST_PROP_FN_DEL_PROP",
        props::GUEST_PROP_FN_ENUM_PROPS => "GUEST_PROP_FN_ENUM_PROPS",
        props::GUEST_PROP_FN_GET_NOTIFICATION => "GUEST_PROP_FN_GET_NOTIFICATION",
        props::PropFlags::READONLY => "GUEST_PROP_F_READONLY",
        // status codes
        vmm::VBoxRc::VINF_SUCCESS => "VINF_SUCCESS",
        vmm::VBoxRc::VERR_GENERAL_FAILURE => "VERR_GENERAL_FAILURE",
        vmm::VBoxRc::VERR_INVALID_PARAMETER => "VERR_INVALID_PARAMETER",
        vmm::VBoxRc::VERR_INVALID_POINTER => "VERR_INVALID_POINTER",
        vmm::VBoxRc::VERR_NO_MEMORY => "VERR_NO_MEMORY",
        vmm::VBoxRc::VERR_VERSION_MISMATCH => "VERR_VERSION_MISMATCH",
        vmm::VBoxRc::VERR_NOT_IMPLEMENTED => "VERR_NOT_IMPLEMENTED",
        vmm::VBoxRc::VERR_WRONG_ORDER => "VERR_WRONG_ORDER",
        vmm::VBoxRc::VERR_INVALID_FUNCTION => "VERR_INVALID_FUNCTION",
        vmm::VBoxRc::VERR_NOT_SUPPORTED => "VERR_NOT_SUPPORTED",
        vmm::VBoxRc::VERR_ACCESS_DENIED => "VERR_ACCESS_DENIED",
        vmm::VBoxRc::VERR_BUFFER_OVERFLOW => "VERR_BUFFER_OVERFLOW",
        vmm::VBoxRc::VERR_TOO_MUCH_DATA => "VERR_TOO_MUCH_DATA",
        vmm::VBoxRc::VERR_TRY_AGAIN => "VERR_TRY_AGAIN",
        vmm::VBoxRc::VERR_OUT_OF_RANGE => "VERR_OUT_OF_RANGE",
        vmm::VBoxRc::VERR_NOT_FOUND => "VERR_NOT_FOUND",
        vmm::VBoxRc::VERR_INVALID_STATE => "VERR_INVALID_STATE",
        vmm::VBoxRc::VERR_OUT_OF_RESOURCES => "VERR_OUT_OF_RESOURCES",
        vmm::VBoxRc::VERR_INTERNAL_ERROR => "VERR_INTERNAL_ERROR",
        vmm::VBoxRc::VINF_HGCM_ASYNC_EXECUTE => "VINF_HGCM_ASYNC_EXECUTE",
        vmm::VBoxRc::VERR_PERMISSION_DENIED => "VERR_PERMISSION_DENIED",
        vmm::VBoxRc::VERR_INTERRUPTED => "VERR_INTERRUPTED",
        vmm::VBoxRc::VERR_PARSE_ERROR => "VERR_PARSE_ERROR",
        vmm::VBoxRc::VERR_HGCM_SERVICE_NOT_FOUND => "VERR_HGCM_SERVICE_NOT_FOUND",
        vmm::VBoxRc::VERR_HGCM_INVALID_CLIENT_ID => "VERR_HGCM_INVALID_CLIENT_ID",
        vmm::VBoxRc::VERR_HGCM_TOO_MANY_CLIENTS => "VERR_HGCM_TOO_MANY_CLIENTS",
        vmm::VBoxRc::VERR_HGCM_TOO_MANY_CLIENT_CALLS => "VERR_HGCM_TOO_MANY_CLIENT_CALLS",
        vmm::VBoxRc::SENTINEL => "VERR_INTERNAL_ERROR",
        // power states, facilities
        vmm::POWER_STATE_PAUSE => "VMMDevPowerState_Pause",
        vmm::POWER_STATE_POWER_OFF => "VMMDevPowerState_PowerOff",
        vmm::POWER_STATE_SAVE_STATE => "VMMDevPowerState_SaveState",
        vmm::FACILITY_TYPE_VBOX_GUEST_DRIVER => "VBoxGuestFacilityType_VBoxGuestDriver",
        vmm::FACILITY_TYPE_GRAPHICS => "VBoxGuestFacilityType_Graphics",
        vmm::FACILITY_TYPE_ALL => "VBoxGuestFacilityType_All",
        vmm::FACILITY_STATUS_INACTIVE => "VBoxGuestFacilityStatus_Inactive",
        vmm::FACILITY_STATUS_INIT => "VBoxGuestFacilityStatus_Init",
        vmm::FACILITY_STATUS_ACTIVE => "VBoxGuestFacilityStatus_Active",
        vmm::FACILITY_STATUS_TERMINATED => "VBoxGuestFacilityStatus_Terminated",
        vmm::FACILITY_STATUS_FAILED => "VBoxGuestFacilityStatus_Failed",
        // masks next to the typed flags
        vmm::Events::VALID_EVENT_MASK => "VMMDEV_EVENT_VALID_EVENT_MASK",
        vmm::MouseFeatures::MASK => "VMMDEV_MOUSE_MASK",
        vmm::MouseFeatures::GUEST_MASK => "VMMDEV_MOUSE_GUEST_MASK",
        vmm::MouseFeatures::HOST_MASK => "VMMDEV_MOUSE_HOST_MASK",
        vmm::MouseFeatures::NOTIFY_HOST_MASK => "VMMDEV_MOUSE_NOTIFY_HOST_MASK",
        vmm::MouseFeatures::NOTIFY_GUEST_MASK => "VMMDEV_MOUSE_NOTIFY_GUEST_MASK",
        vmm::GuestCaps::MASK => "VMMDEV_GUEST_CAPABILITIES_MASK",
        // DISPI
        dispi::VBE_DISPI_IOPORT_INDEX => "VBE_DISPI_IOPORT_INDEX",
        dispi::VBE_DISPI_IOPORT_DATA => "VBE_DISPI_IOPORT_DATA",
        dispi::VBE_DISPI_IOPORT_DAC_WRITE_INDEX => "VBE_DISPI_IOPORT_DAC_WRITE_INDEX",
        dispi::VBE_DISPI_IOPORT_DAC_DATA => "VBE_DISPI_IOPORT_DAC_DATA",
        dispi::VGA_PORT_HGSMI_HOST => "VGA_PORT_HGSMI_HOST",
        dispi::VGA_PORT_HGSMI_GUEST => "VGA_PORT_HGSMI_GUEST",
        dispi::VBE_DISPI_INDEX_ID => "VBE_DISPI_INDEX_ID",
        dispi::VBE_DISPI_INDEX_XRES => "VBE_DISPI_INDEX_XRES",
        dispi::VBE_DISPI_INDEX_YRES => "VBE_DISPI_INDEX_YRES",
        dispi::VBE_DISPI_INDEX_BPP => "VBE_DISPI_INDEX_BPP",
        dispi::VBE_DISPI_INDEX_ENABLE => "VBE_DISPI_INDEX_ENABLE",
        dispi::VBE_DISPI_INDEX_BANK => "VBE_DISPI_INDEX_BANK",
        dispi::VBE_DISPI_INDEX_VIRT_WIDTH => "VBE_DISPI_INDEX_VIRT_WIDTH",
        dispi::VBE_DISPI_INDEX_VIRT_HEIGHT => "VBE_DISPI_INDEX_VIRT_HEIGHT",
        dispi::VBE_DISPI_INDEX_X_OFFSET => "VBE_DISPI_INDEX_X_OFFSET",
        dispi::VBE_DISPI_INDEX_Y_OFFSET => "VBE_DISPI_INDEX_Y_OFFSET",
        dispi::VBE_DISPI_INDEX_VBOX_VIDEO => "VBE_DISPI_INDEX_VBOX_VIDEO",
        dispi::VBE_DISPI_INDEX_FB_BASE_HI => "VBE_DISPI_INDEX_FB_BASE_HI",
        dispi::VBE_DISPI_INDEX_CFG => "VBE_DISPI_INDEX_CFG",
        dispi::VBE_DISPI_ID0 => "VBE_DISPI_ID0",
        dispi::VBE_DISPI_ID1 => "VBE_DISPI_ID1",
        dispi::VBE_DISPI_ID2 => "VBE_DISPI_ID2",
        dispi::VBE_DISPI_ID3 => "VBE_DISPI_ID3",
        dispi::VBE_DISPI_ID4 => "VBE_DISPI_ID4",
        dispi::VBE_DISPI_ID_VBOX_VIDEO => "VBE_DISPI_ID_VBOX_VIDEO",
        dispi::VBE_DISPI_ID_HGSMI => "VBE_DISPI_ID_HGSMI",
        dispi::VBE_DISPI_ID_ANYX => "VBE_DISPI_ID_ANYX",
        dispi::VBE_DISPI_ID_CFG => "VBE_DISPI_ID_CFG",
        dispi::VBE_DISPI_CFG_ID_VERSION => "VBE_DISPI_CFG_ID_VERSION",
        dispi::VBE_DISPI_CFG_ID_VRAM_SIZE => "VBE_DISPI_CFG_ID_VRAM_SIZE",
        dispi::VBE_DISPI_CFG_ID_3D => "VBE_DISPI_CFG_ID_3D",
        dispi::VBE_DISPI_CFG_ID_VMSVGA => "VBE_DISPI_CFG_ID_VMSVGA",
        dispi::VBE_DISPI_CFG_ID_VMSVGA_DX => "VBE_DISPI_CFG_ID_VMSVGA_DX",
        dispi::VBE_DISPI_CFG_MASK_ID => "VBE_DISPI_CFG_MASK_ID",
        dispi::VBE_DISPI_CFG_MASK_SUPPORT => "VBE_DISPI_CFG_MASK_SUPPORT",
        dispi::VBE_DISPI_CFG_MASK_RESERVED => "VBE_DISPI_CFG_MASK_RESERVED",
        dispi::VBE_DISPI_DISABLED => "VBE_DISPI_DISABLED",
        dispi::VBE_DISPI_ENABLED => "VBE_DISPI_ENABLED",
        dispi::VBE_DISPI_GETCAPS => "VBE_DISPI_GETCAPS",
        dispi::VBE_DISPI_8BIT_DAC => "VBE_DISPI_8BIT_DAC",
        dispi::VBE_DISPI_LFB_ENABLED => "VBE_DISPI_LFB_ENABLED",
        dispi::VBE_DISPI_NOCLEARMEM => "VBE_DISPI_NOCLEARMEM",
        dispi::VBE_DISPI_MAX_XRES => "VBE_DISPI_MAX_XRES",
        dispi::VBE_DISPI_MAX_YRES => "VBE_DISPI_MAX_YRES",
        dispi::VBE_DISPI_MAX_BPP => "VBE_DISPI_MAX_BPP",
        dispi::VBE_DISPI_BANK_ADDRESS => "VBE_DISPI_BANK_ADDRESS",
        dispi::VBE_DISPI_BANK_SIZE_KB => "VBE_DISPI_BANK_SIZE_KB",
        dispi::VBOX_VESA_VENDORID => "VBOX_VESA_VENDORID",
        dispi::VBOX_VESA_DEVICEID => "VBOX_VESA_DEVICEID",
        // HGSMI
        hgsmi::HGSMI_CH_RESERVED => "HGSMI_CH_RESERVED",
        hgsmi::HGSMI_CH_HGSMI => "HGSMI_CH_HGSMI",
        hgsmi::HGSMI_CH_VBVA => "HGSMI_CH_VBVA",
        hgsmi::HGSMI_CH_SEAMLESS => "HGSMI_CH_SEAMLESS",
        hgsmi::HGSMI_CH_SEAMLESS2 => "HGSMI_CH_SEAMLESS2",
        hgsmi::HGSMI_CH_OPENGL => "HGSMI_CH_OPENGL",
        hgsmi::HGSMI_CH_STRING_FIRST => "HGSMI_CH_STRING_FIRST",
        hgsmi::HGSMI_CH_STRING_LAST => "HGSMI_CH_STRING_LAST",
        hgsmi::HGSMI_NUMBER_OF_CHANNELS => "HGSMI_NUMBER_OF_CHANNELS",
        hgsmi::HGSMI_CC_HOST_FLAGS_LOCATION => "HGSMI_CC_HOST_FLAGS_LOCATION",
        hgsmi::HGSMIOFFSET_VOID => "HGSMIOFFSET_VOID",
        hgsmi::HGSMI_BUFFER_HEADER_F_SEQ_SINGLE => "HGSMI_BUFFER_HEADER_F_SEQ_SINGLE",
        hgsmi::HGSMI_BUFFER_HEADER_F_SEQ_START => "HGSMI_BUFFER_HEADER_F_SEQ_START",
        hgsmi::HGSMI_BUFFER_HEADER_F_SEQ_CONTINUE => "HGSMI_BUFFER_HEADER_F_SEQ_CONTINUE",
        hgsmi::HGSMI_BUFFER_HEADER_F_SEQ_END => "HGSMI_BUFFER_HEADER_F_SEQ_END",
        hgsmi::HGSMI_BUFFER_HEADER_F_SEQ_MASK => "HGSMI_BUFFER_HEADER_F_SEQ_MASK",
        // VBVA
        vbva::VBVA_QUERY_CONF32 => "VBVA_QUERY_CONF32",
        vbva::VBVA_SET_CONF32 => "VBVA_SET_CONF32",
        vbva::VBVA_INFO_VIEW => "VBVA_INFO_VIEW",
        vbva::VBVA_INFO_HEAP => "VBVA_INFO_HEAP",
        vbva::VBVA_FLUSH => "VBVA_FLUSH",
        vbva::VBVA_INFO_SCREEN => "VBVA_INFO_SCREEN",
        vbva::VBVA_ENABLE => "VBVA_ENABLE",
        vbva::VBVA_MOUSE_POINTER_SHAPE => "VBVA_MOUSE_POINTER_SHAPE",
        vbva::VBVA_INFO_CAPS => "VBVA_INFO_CAPS",
        vbva::VBVA_SCANLINE_CFG => "VBVA_SCANLINE_CFG",
        vbva::VBVA_SCANLINE_INFO => "VBVA_SCANLINE_INFO",
        vbva::VBVA_CMDVBVA_SUBMIT => "VBVA_CMDVBVA_SUBMIT",
        vbva::VBVA_CMDVBVA_FLUSH => "VBVA_CMDVBVA_FLUSH",
        vbva::VBVA_CMDVBVA_CTL => "VBVA_CMDVBVA_CTL",
        vbva::VBVA_QUERY_MODE_HINTS => "VBVA_QUERY_MODE_HINTS",
        vbva::VBVA_REPORT_INPUT_MAPPING => "VBVA_REPORT_INPUT_MAPPING",
        vbva::VBVA_CURSOR_POSITION => "VBVA_CURSOR_POSITION",
        vbva::VBVAHG_EVENT => "VBVAHG_EVENT",
        vbva::VBVAHG_DISPLAY_CUSTOM => "VBVAHG_DISPLAY_CUSTOM",
        vbva::VBOX_VBVA_CONF32_MONITOR_COUNT => "VBOX_VBVA_CONF32_MONITOR_COUNT",
        vbva::VBOX_VBVA_CONF32_HOST_HEAP_SIZE => "VBOX_VBVA_CONF32_HOST_HEAP_SIZE",
        vbva::VBOX_VBVA_CONF32_MODE_HINT_REPORTING => "VBOX_VBVA_CONF32_MODE_HINT_REPORTING",
        vbva::VBOX_VBVA_CONF32_GUEST_CURSOR_REPORTING => "VBOX_VBVA_CONF32_GUEST_CURSOR_REPORTING",
        vbva::VBOX_VBVA_CONF32_CURSOR_CAPABILITIES => "VBOX_VBVA_CONF32_CURSOR_CAPABILITIES",
        vbva::VBOX_VBVA_CONF32_SCREEN_FLAGS => "VBOX_VBVA_CONF32_SCREEN_FLAGS",
        vbva::VBOX_VBVA_CONF32_MAX_RECORD_SIZE => "VBOX_VBVA_CONF32_MAX_RECORD_SIZE",
        vbva::VBOX_VBVA_CURSOR_CAPABILITY_HARDWARE => "VBOX_VBVA_CURSOR_CAPABILITY_HARDWARE",
        vbva::ScreenFlags::NONE_BITS => "VBVA_SCREEN_F_NONE",
        vbva::EnableFlags::NONE_BITS => "VBVA_F_NONE",
        vbva::VBVA_MAX_RECORDS => "VBVA_MAX_RECORDS",
        vbva::VBVA_F_RECORD_PARTIAL => "VBVA_F_RECORD_PARTIAL",
        vbva::VBVA_MIN_BUFFER_SIZE => "VBVA_MIN_BUFFER_SIZE",
        vbva::VBVA_MAX_RECORD_SIZE => "VBVA_MAX_RECORD_SIZE",
        vbva::VBVA_ADAPTER_INFORMATION_SIZE => "VBVA_ADAPTER_INFORMATION_SIZE",
        vbva::VBVAMODEHINT_MAGIC => "VBVAMODEHINT_MAGIC",
        vbva::VBOX_VIDEO_MAX_SCREENS => "VBOX_VIDEO_MAX_SCREENS",
        // SVGA II
        svga::PCI_DEVICE_ID_VMWARE_SVGA2 => "PCI_DEVICE_ID_VMWARE_SVGA2",
        svga::SVGA_MAGIC => "SVGA_MAGIC",
        svga::SVGA_ID_0 => "SVGA_ID_0",
        svga::SVGA_ID_1 => "SVGA_ID_1",
        svga::SVGA_ID_2 => "SVGA_ID_2",
        svga::SVGA_INDEX_PORT => "SVGA_INDEX_PORT",
        svga::SVGA_VALUE_PORT => "SVGA_VALUE_PORT",
        svga::SVGA_BIOS_PORT => "SVGA_BIOS_PORT",
        svga::SVGA_IRQSTATUS_PORT => "SVGA_IRQSTATUS_PORT",
        svga::SVGA_REG_ID => "SVGA_REG_ID",
        svga::SVGA_REG_ENABLE => "SVGA_REG_ENABLE",
        svga::SVGA_REG_WIDTH => "SVGA_REG_WIDTH",
        svga::SVGA_REG_HEIGHT => "SVGA_REG_HEIGHT",
        svga::SVGA_REG_MAX_WIDTH => "SVGA_REG_MAX_WIDTH",
        svga::SVGA_REG_MAX_HEIGHT => "SVGA_REG_MAX_HEIGHT",
        svga::SVGA_REG_DEPTH => "SVGA_REG_DEPTH",
        svga::SVGA_REG_BITS_PER_PIXEL => "SVGA_REG_BITS_PER_PIXEL",
        svga::SVGA_REG_BYTES_PER_LINE => "SVGA_REG_BYTES_PER_LINE",
        svga::SVGA_REG_FB_START => "SVGA_REG_FB_START",
        svga::SVGA_REG_FB_OFFSET => "SVGA_REG_FB_OFFSET",
        svga::SVGA_REG_VRAM_SIZE => "SVGA_REG_VRAM_SIZE",
        svga::SVGA_REG_FB_SIZE => "SVGA_REG_FB_SIZE",
        svga::SVGA_REG_CAPABILITIES => "SVGA_REG_CAPABILITIES",
        svga::SVGA_REG_MEM_START => "SVGA_REG_MEM_START",
        svga::SVGA_REG_MEM_SIZE => "SVGA_REG_MEM_SIZE",
        svga::SVGA_REG_CONFIG_DONE => "SVGA_REG_CONFIG_DONE",
        svga::SVGA_REG_SYNC => "SVGA_REG_SYNC",
        svga::SVGA_REG_BUSY => "SVGA_REG_BUSY",
        svga::SVGA_REG_GUEST_ID => "SVGA_REG_GUEST_ID",
        svga::SVGA_REG_DEAD => "SVGA_REG_DEAD",
        svga::SVGA_REG_CURSOR_X => "SVGA_REG_CURSOR_X",
        svga::SVGA_REG_CURSOR_Y => "SVGA_REG_CURSOR_Y",
        svga::SVGA_REG_CURSOR_ON => "SVGA_REG_CURSOR_ON",
        svga::SVGA_REG_MEM_REGS => "SVGA_REG_MEM_REGS",
        svga::SVGA_REG_IRQMASK => "SVGA_REG_IRQMASK",
        svga::SVGA_REG_TRACES => "SVGA_REG_TRACES",
        svga::SVGA_CURSOR_ON_HIDE => "SVGA_CURSOR_ON_HIDE",
        svga::SVGA_CURSOR_ON_SHOW => "SVGA_CURSOR_ON_SHOW",
        svga::SVGA_FIFO_MIN => "SVGA_FIFO_MIN",
        svga::SVGA_FIFO_MAX => "SVGA_FIFO_MAX",
        svga::SVGA_FIFO_NEXT_CMD => "SVGA_FIFO_NEXT_CMD",
        svga::SVGA_FIFO_STOP => "SVGA_FIFO_STOP",
        svga::SVGA_FIFO_CAPABILITIES => "SVGA_FIFO_CAPABILITIES",
        svga::SVGA_FIFO_FENCE => "SVGA_FIFO_FENCE",
        svga::SVGA_FIFO_NUM_REGS => "SVGA_FIFO_NUM_REGS",
        svga::SVGA_CMD_UPDATE => "SVGA_CMD_UPDATE",
        svga::SVGA_CMD_DEFINE_CURSOR => "SVGA_CMD_DEFINE_CURSOR",
        svga::SVGA_CMD_DEFINE_ALPHA_CURSOR => "SVGA_CMD_DEFINE_ALPHA_CURSOR",
        svga::SVGA_CMD_FENCE => "SVGA_CMD_FENCE",
        svga::SVGA_MAX_CURSOR_CMD_BYTES => "SVGA_MAX_CURSOR_CMD_BYTES",
        svga::SVGA_MAX_CURSOR_CMD_DIMENSION => "SVGA_MAX_CURSOR_CMD_DIMENSION",
    ];
    // Typed flags: each flag against its table constant.
    let flags: Vec<(&'static str, &'static str, i128)> = vec![
        (
            "Events::MOUSE_CAPABILITIES_CHANGED",
            "VMMDEV_EVENT_MOUSE_CAPABILITIES_CHANGED",
            Events::MOUSE_CAPABILITIES_CHANGED.bits().into(),
        ),
        (
            "Events::HGCM",
            "VMMDEV_EVENT_HGCM",
            Events::HGCM.bits().into(),
        ),
        (
            "Events::DISPLAY_CHANGE_REQUEST",
            "VMMDEV_EVENT_DISPLAY_CHANGE_REQUEST",
            Events::DISPLAY_CHANGE_REQUEST.bits().into(),
        ),
        (
            "Events::JUDGE_CREDENTIALS",
            "VMMDEV_EVENT_JUDGE_CREDENTIALS",
            Events::JUDGE_CREDENTIALS.bits().into(),
        ),
        (
            "Events::RESTORED",
            "VMMDEV_EVENT_RESTORED",
            Events::RESTORED.bits().into(),
        ),
        (
            "Events::SEAMLESS_MODE_CHANGE_REQUEST",
            "VMMDEV_EVENT_SEAMLESS_MODE_CHANGE_REQUEST",
            Events::SEAMLESS_MODE_CHANGE_REQUEST.bits().into(),
        ),
        (
            "Events::BALLOON_CHANGE_REQUEST",
            "VMMDEV_EVENT_BALLOON_CHANGE_REQUEST",
            Events::BALLOON_CHANGE_REQUEST.bits().into(),
        ),
        (
            "Events::STATISTICS_INTERVAL_CHANGE_REQUEST",
            "VMMDEV_EVENT_STATISTICS_INTERVAL_CHANGE_REQUEST",
            Events::STATISTICS_INTERVAL_CHANGE_REQUEST.bits().into(),
        ),
        (
            "Events::VRDP",
            "VMMDEV_EVENT_VRDP",
            Events::VRDP.bits().into(),
        ),
        (
            "Events::MOUSE_POSITION_CHANGED",
            "VMMDEV_EVENT_MOUSE_POSITION_CHANGED",
            Events::MOUSE_POSITION_CHANGED.bits().into(),
        ),
        (
            "Events::CPU_HOTPLUG",
            "VMMDEV_EVENT_CPU_HOTPLUG",
            Events::CPU_HOTPLUG.bits().into(),
        ),
        (
            "Events::all",
            "VMMDEV_EVENT_VALID_EVENT_MASK",
            Events::all().bits().into(),
        ),
        (
            "MouseFeatures::GUEST_CAN_ABSOLUTE",
            "VMMDEV_MOUSE_GUEST_CAN_ABSOLUTE",
            MouseFeatures::GUEST_CAN_ABSOLUTE.bits().into(),
        ),
        (
            "MouseFeatures::HOST_WANTS_ABSOLUTE",
            "VMMDEV_MOUSE_HOST_WANTS_ABSOLUTE",
            MouseFeatures::HOST_WANTS_ABSOLUTE.bits().into(),
        ),
        (
            "MouseFeatures::GUEST_NEEDS_HOST_CURSOR",
            "VMMDEV_MOUSE_GUEST_NEEDS_HOST_CURSOR",
            MouseFeatures::GUEST_NEEDS_HOST_CURSOR.bits().into(),
        ),
        (
            "MouseFeatures::HOST_CANNOT_HWPOINTER",
            "VMMDEV_MOUSE_HOST_CANNOT_HWPOINTER",
            MouseFeatures::HOST_CANNOT_HWPOINTER.bits().into(),
        ),
        (
            "MouseFeatures::NEW_PROTOCOL",
            "VMMDEV_MOUSE_NEW_PROTOCOL",
            MouseFeatures::NEW_PROTOCOL.bits().into(),
        ),
        (
            "MouseFeatures::HOST_RECHECKS_NEEDS_HOST_CURSOR",
            "VMMDEV_MOUSE_HOST_RECHECKS_NEEDS_HOST_CURSOR",
            MouseFeatures::HOST_RECHECKS_NEEDS_HOST_CURSOR.bits().into(),
        ),
        (
            "MouseFeatures::HOST_HAS_ABS_DEV",
            "VMMDEV_MOUSE_HOST_HAS_ABS_DEV",
            MouseFeatures::HOST_HAS_ABS_DEV.bits().into(),
        ),
        (
            "MouseFeatures::GUEST_USES_FULL_STATE_PROTOCOL",
            "VMMDEV_MOUSE_GUEST_USES_FULL_STATE_PROTOCOL",
            MouseFeatures::GUEST_USES_FULL_STATE_PROTOCOL.bits().into(),
        ),
        (
            "MouseFeatures::HOST_USES_FULL_STATE_PROTOCOL",
            "VMMDEV_MOUSE_HOST_USES_FULL_STATE_PROTOCOL",
            MouseFeatures::HOST_USES_FULL_STATE_PROTOCOL.bits().into(),
        ),
        (
            "MouseFeatures::all",
            "VMMDEV_MOUSE_MASK",
            MouseFeatures::all().bits().into(),
        ),
        (
            "MouseButtons::LEFT",
            "VMMDEV_MOUSE_BUTTON_LEFT",
            MouseButtons::LEFT.bits().into(),
        ),
        (
            "MouseButtons::RIGHT",
            "VMMDEV_MOUSE_BUTTON_RIGHT",
            MouseButtons::RIGHT.bits().into(),
        ),
        (
            "MouseButtons::MIDDLE",
            "VMMDEV_MOUSE_BUTTON_MIDDLE",
            MouseButtons::MIDDLE.bits().into(),
        ),
        (
            "MouseButtons::X1",
            "VMMDEV_MOUSE_BUTTON_X1",
            MouseButtons::X1.bits().into(),
        ),
        (
            "MouseButtons::X2",
            "VMMDEV_MOUSE_BUTTON_X2",
            MouseButtons::X2.bits().into(),
        ),
        (
            "GuestCaps::SEAMLESS",
            "VMMDEV_GUEST_SUPPORTS_SEAMLESS",
            GuestCaps::SEAMLESS.bits().into(),
        ),
        (
            "GuestCaps::GUEST_HOST_WINDOW_MAPPING",
            "VMMDEV_GUEST_SUPPORTS_GUEST_HOST_WINDOW_MAPPING",
            GuestCaps::GUEST_HOST_WINDOW_MAPPING.bits().into(),
        ),
        (
            "GuestCaps::GRAPHICS",
            "VMMDEV_GUEST_SUPPORTS_GRAPHICS",
            GuestCaps::GRAPHICS.bits().into(),
        ),
        (
            "GuestCaps::all",
            "VMMDEV_GUEST_CAPABILITIES_MASK",
            GuestCaps::all().bits().into(),
        ),
        (
            "HostFeatures::HGCM_PHYS_PAGE_LIST",
            "VMMDEV_HVF_HGCM_PHYS_PAGE_LIST",
            HostFeatures::HGCM_PHYS_PAGE_LIST.bits().into(),
        ),
        (
            "HostFeatures::HGCM_EMBEDDED_BUFFERS",
            "VMMDEV_HVF_HGCM_EMBEDDED_BUFFERS",
            HostFeatures::HGCM_EMBEDDED_BUFFERS.bits().into(),
        ),
        (
            "HostFeatures::HGCM_CONTIGUOUS_PAGE_LIST",
            "VMMDEV_HVF_HGCM_CONTIGUOUS_PAGE_LIST",
            HostFeatures::HGCM_CONTIGUOUS_PAGE_LIST.bits().into(),
        ),
        (
            "HostFeatures::HGCM_NO_BOUNCE_PAGE_LIST",
            "VMMDEV_HVF_HGCM_NO_BOUNCE_PAGE_LIST",
            HostFeatures::HGCM_NO_BOUNCE_PAGE_LIST.bits().into(),
        ),
        (
            "HostFeatures::FAST_IRQ_ACK",
            "VMMDEV_HVF_FAST_IRQ_ACK",
            HostFeatures::FAST_IRQ_ACK.bits().into(),
        ),
        (
            "DisplayFlags::PRIMARY",
            "VMMDEV_DISPLAY_PRIMARY",
            DisplayFlags::PRIMARY.bits().into(),
        ),
        (
            "DisplayFlags::DISABLED",
            "VMMDEV_DISPLAY_DISABLED",
            DisplayFlags::DISABLED.bits().into(),
        ),
        (
            "DisplayFlags::ORIGIN",
            "VMMDEV_DISPLAY_ORIGIN",
            DisplayFlags::ORIGIN.bits().into(),
        ),
        (
            "DisplayFlags::CX",
            "VMMDEV_DISPLAY_CX",
            DisplayFlags::CX.bits().into(),
        ),
        (
            "DisplayFlags::CY",
            "VMMDEV_DISPLAY_CY",
            DisplayFlags::CY.bits().into(),
        ),
        (
            "DisplayFlags::BPP",
            "VMMDEV_DISPLAY_BPP",
            DisplayFlags::BPP.bits().into(),
        ),
        (
            "DispiEnable::ENABLED",
            "VBE_DISPI_ENABLED",
            dispi::DispiEnable::ENABLED.bits().into(),
        ),
        (
            "DispiEnable::GETCAPS",
            "VBE_DISPI_GETCAPS",
            dispi::DispiEnable::GETCAPS.bits().into(),
        ),
        (
            "DispiEnable::DAC_8BIT",
            "VBE_DISPI_8BIT_DAC",
            dispi::DispiEnable::DAC_8BIT.bits().into(),
        ),
        (
            "DispiEnable::LFB_ENABLED",
            "VBE_DISPI_LFB_ENABLED",
            dispi::DispiEnable::LFB_ENABLED.bits().into(),
        ),
        (
            "DispiEnable::NOCLEARMEM",
            "VBE_DISPI_NOCLEARMEM",
            dispi::DispiEnable::NOCLEARMEM.bits().into(),
        ),
        (
            "HostFlags::COMMANDS_PENDING",
            "HGSMIHOSTFLAGS_COMMANDS_PENDING",
            hgsmi::HostFlags::COMMANDS_PENDING.bits().into(),
        ),
        (
            "HostFlags::IRQ",
            "HGSMIHOSTFLAGS_IRQ",
            hgsmi::HostFlags::IRQ.bits().into(),
        ),
        (
            "HostFlags::VSYNC",
            "HGSMIHOSTFLAGS_VSYNC",
            hgsmi::HostFlags::VSYNC.bits().into(),
        ),
        (
            "HostFlags::HOTPLUG",
            "HGSMIHOSTFLAGS_HOTPLUG",
            hgsmi::HostFlags::HOTPLUG.bits().into(),
        ),
        (
            "HostFlags::CURSOR_CAPABILITIES",
            "HGSMIHOSTFLAGS_CURSOR_CAPABILITIES",
            hgsmi::HostFlags::CURSOR_CAPABILITIES.bits().into(),
        ),
        (
            "ScreenFlags::ACTIVE",
            "VBVA_SCREEN_F_ACTIVE",
            ScreenFlags::ACTIVE.bits().into(),
        ),
        (
            "ScreenFlags::DISABLED",
            "VBVA_SCREEN_F_DISABLED",
            ScreenFlags::DISABLED.bits().into(),
        ),
        (
            "ScreenFlags::BLANK",
            "VBVA_SCREEN_F_BLANK",
            ScreenFlags::BLANK.bits().into(),
        ),
        (
            "ScreenFlags::BLANK2",
            "VBVA_SCREEN_F_BLANK2",
            ScreenFlags::BLANK2.bits().into(),
        ),
        (
            "EnableFlags::ENABLE",
            "VBVA_F_ENABLE",
            EnableFlags::ENABLE.bits().into(),
        ),
        (
            "EnableFlags::DISABLE",
            "VBVA_F_DISABLE",
            EnableFlags::DISABLE.bits().into(),
        ),
        (
            "EnableFlags::EXTENDED",
            "VBVA_F_EXTENDED",
            EnableFlags::EXTENDED.bits().into(),
        ),
        (
            "EnableFlags::ABSOFFSET",
            "VBVA_F_ABSOFFSET",
            EnableFlags::ABSOFFSET.bits().into(),
        ),
        (
            "Caps::COMPLETEGCMD_BY_IOREAD",
            "VBVACAPS_COMPLETEGCMD_BY_IOREAD",
            Caps::COMPLETEGCMD_BY_IOREAD.bits().into(),
        ),
        ("Caps::IRQ", "VBVACAPS_IRQ", Caps::IRQ.bits().into()),
        (
            "Caps::VIDEO_MODE_HINTS",
            "VBVACAPS_VIDEO_MODE_HINTS",
            Caps::VIDEO_MODE_HINTS.bits().into(),
        ),
        (
            "Caps::DISABLE_CURSOR_INTEGRATION",
            "VBVACAPS_DISABLE_CURSOR_INTEGRATION",
            Caps::DISABLE_CURSOR_INTEGRATION.bits().into(),
        ),
        (
            "Caps::USE_VBVA_ONLY",
            "VBVACAPS_USE_VBVA_ONLY",
            Caps::USE_VBVA_ONLY.bits().into(),
        ),
        (
            "PointerFlags::VISIBLE",
            "VBOX_MOUSE_POINTER_VISIBLE",
            PointerFlags::VISIBLE.bits().into(),
        ),
        (
            "PointerFlags::ALPHA",
            "VBOX_MOUSE_POINTER_ALPHA",
            PointerFlags::ALPHA.bits().into(),
        ),
        (
            "PointerFlags::SHAPE",
            "VBOX_MOUSE_POINTER_SHAPE",
            PointerFlags::SHAPE.bits().into(),
        ),
        (
            "RingHostEvents::MODE_ENABLED",
            "VBVA_F_MODE_ENABLED",
            RingHostEvents::MODE_ENABLED.bits().into(),
        ),
        (
            "RingHostEvents::MODE_VRDP",
            "VBVA_F_MODE_VRDP",
            RingHostEvents::MODE_VRDP.bits().into(),
        ),
        (
            "RingHostEvents::MODE_VRDP_RESET",
            "VBVA_F_MODE_VRDP_RESET",
            RingHostEvents::MODE_VRDP_RESET.bits().into(),
        ),
        (
            "RingHostEvents::MODE_VRDP_ORDER_MASK",
            "VBVA_F_MODE_VRDP_ORDER_MASK",
            RingHostEvents::MODE_VRDP_ORDER_MASK.bits().into(),
        ),
        (
            "RingHostEvents::VIDEO_INFO_VRDP_RESET",
            "VBOX_VIDEO_INFO_HOST_EVENTS_F_VRDP_RESET",
            RingHostEvents::VIDEO_INFO_VRDP_RESET.bits().into(),
        ),
        (
            "PropFlags::TRANSIENT",
            "GUEST_PROP_F_TRANSIENT",
            props::PropFlags::TRANSIENT.bits().into(),
        ),
        (
            "PropFlags::RDONLYGUEST",
            "GUEST_PROP_F_RDONLYGUEST",
            props::PropFlags::RDONLYGUEST.bits().into(),
        ),
        (
            "PropFlags::RDONLYHOST",
            "GUEST_PROP_F_RDONLYHOST",
            props::PropFlags::RDONLYHOST.bits().into(),
        ),
        (
            "PropFlags::TRANSRESET",
            "GUEST_PROP_F_TRANSRESET",
            props::PropFlags::TRANSRESET.bits().into(),
        ),
        (
            "SvgaCaps::RECT_COPY",
            "SVGA_CAP_RECT_COPY",
            svga::Caps::RECT_COPY.bits().into(),
        ),
        (
            "SvgaCaps::CURSOR",
            "SVGA_CAP_CURSOR",
            svga::Caps::CURSOR.bits().into(),
        ),
        (
            "SvgaCaps::CURSOR_BYPASS",
            "SVGA_CAP_CURSOR_BYPASS",
            svga::Caps::CURSOR_BYPASS.bits().into(),
        ),
        (
            "SvgaCaps::CURSOR_BYPASS_2",
            "SVGA_CAP_CURSOR_BYPASS_2",
            svga::Caps::CURSOR_BYPASS_2.bits().into(),
        ),
        (
            "SvgaCaps::ALPHA_CURSOR",
            "SVGA_CAP_ALPHA_CURSOR",
            svga::Caps::ALPHA_CURSOR.bits().into(),
        ),
        (
            "SvgaCaps::EXTENDED_FIFO",
            "SVGA_CAP_EXTENDED_FIFO",
            svga::Caps::EXTENDED_FIFO.bits().into(),
        ),
        (
            "SvgaCaps::PITCHLOCK",
            "SVGA_CAP_PITCHLOCK",
            svga::Caps::PITCHLOCK.bits().into(),
        ),
        (
            "SvgaCaps::IRQMASK",
            "SVGA_CAP_IRQMASK",
            svga::Caps::IRQMASK.bits().into(),
        ),
        (
            "SvgaCaps::TRACES",
            "SVGA_CAP_TRACES",
            svga::Caps::TRACES.bits().into(),
        ),
        (
            "SvgaCaps::SCREEN_OBJECT_2",
            "SVGA_CAP_SCREEN_OBJECT_2",
            svga::Caps::SCREEN_OBJECT_2.bits().into(),
        ),
        (
            "FifoCaps::FENCE",
            "SVGA_FIFO_CAP_FENCE",
            svga::FifoCaps::FENCE.bits().into(),
        ),
        (
            "FifoCaps::PITCHLOCK",
            "SVGA_FIFO_CAP_PITCHLOCK",
            svga::FifoCaps::PITCHLOCK.bits().into(),
        ),
        (
            "FifoCaps::CURSOR_BYPASS_3",
            "SVGA_FIFO_CAP_CURSOR_BYPASS_3",
            svga::FifoCaps::CURSOR_BYPASS_3.bits().into(),
        ),
        (
            "FifoCaps::RESERVE",
            "SVGA_FIFO_CAP_RESERVE",
            svga::FifoCaps::RESERVE.bits().into(),
        ),
    ];
    checks.extend(flags);
    checks
}

/// How many flags each bitflags type defines; the flag list above must name them all.
fn flag_counts() -> Vec<(&'static str, usize)> {
    use bitflags::Flags;
    vec![
        ("Events", vmm::Events::FLAGS.len()),
        ("MouseFeatures", vmm::MouseFeatures::FLAGS.len()),
        ("MouseButtons", vmm::MouseButtons::FLAGS.len()),
        ("GuestCaps", vmm::GuestCaps::FLAGS.len()),
        ("HostFeatures", vmm::HostFeatures::FLAGS.len()),
        ("DisplayFlags", vmm::DisplayFlags::FLAGS.len()),
        ("DispiEnable", dispi::DispiEnable::FLAGS.len()),
        ("HostFlags", hgsmi::HostFlags::FLAGS.len()),
        ("ScreenFlags", vbva::ScreenFlags::FLAGS.len()),
        ("EnableFlags", vbva::EnableFlags::FLAGS.len()),
        ("Caps", vbva::Caps::FLAGS.len()),
        ("PointerFlags", vbva::PointerFlags::FLAGS.len()),
        ("RingHostEvents", vbva::RingHostEvents::FLAGS.len()),
        ("PropFlags", props::PropFlags::FLAGS.len()),
        ("SvgaCaps", svga::Caps::FLAGS.len()),
        ("FifoCaps", svga::FifoCaps::FLAGS.len()),
    ]
}

fn table_constant(json: &Value, name: &str) -> Option<i128> {
    let value = json["constants"].get(name)?;
    value
        .as_i64()
        .map(i128::from)
        .or_else(|| value.as_u64().map(i128::from))
}

#[test]
fn every_constant_matches_the_table() {
    let json = table();
    let checks = const_checks();
    let mut problems = Vec::new();
    for (rust, name, value) in &checks {
        match table_constant(&json, name) {
            None => problems.push(format!("{rust}: table has no constant {name}")),
            Some(expected) if expected != *value => problems.push(format!(
                "{rust} = {value:#x} != table {name} = {expected:#x}"
            )),
            Some(_) => {}
        }
    }
    assert!(
        problems.is_empty(),
        "{} constant problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    println!("checked {} constants and flags", checks.len());
}

#[test]
fn every_flag_of_every_bitflags_type_is_checked() {
    let checks = const_checks();
    for (ty, count) in flag_counts() {
        let listed = checks
            .iter()
            .filter(|(rust, _, _)| {
                rust.strip_prefix(ty)
                    .and_then(|rest| rest.strip_prefix("::"))
                    .is_some_and(|f| f != "all")
            })
            .count();
        assert_eq!(
            listed, count,
            "{ty}: {count} flags defined, {listed} checked"
        );
    }
}

/// `pub const` names declared in a source file (functions excluded).
fn declared_constants(source: &str) -> Vec<String> {
    source
        .lines()
        .map(str::trim_start)
        .filter_map(|line| line.strip_prefix("pub const "))
        .filter(|rest| !rest.starts_with("fn ") && !rest.starts_with("unsafe fn "))
        .map(|rest| rest.split(':').next().unwrap().trim().to_string())
        .collect()
}

#[test]
fn every_declared_wire_constant_is_checked() {
    let checked: BTreeSet<&str> = const_checks().iter().map(|(rust, _, _)| *rust).collect();
    // Derived constants checked against the table by `derived_constants_match_the_table`.
    let derived = [
        "DATA_OFFSET",
        "DISPLAYS_OFFSET",
        "HAVE_EVENTS_OFFSET",
        "BUFFER_OVERHEAD",
        "FLAGS_OFFSET",
        "RESULT_OFFSET",
        "VALUE_OFFSET",
        "ADDR_OFFSET",
    ];
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/src/");
    let mut unchecked = Vec::new();
    for file in [
        "drivers/vmmdev/wire.rs",
        "drivers/vga/dispi_regs.rs",
        "drivers/vga/hgsmi/wire.rs",
        "drivers/vga/vbva/wire.rs",
        "drivers/vga/svga/wire.rs",
        "vbox/guest_props/wire.rs",
    ] {
        let source = std::fs::read_to_string(format!("{root}{file}")).expect("read wire source");
        let declared = declared_constants(&source);
        assert!(!declared.is_empty(), "{file}: the scan found no constants");
        for name in declared {
            if !checked.contains(name.as_str()) && !derived.contains(&name.as_str()) {
                unchecked.push(format!("{file}: {name}"));
            }
        }
    }
    assert!(
        unchecked.is_empty(),
        "constants without a table check:\n{}",
        unchecked.join("\n")
    );
}

#[test]
fn derived_constants_match_the_table() {
    let json = table();
    let offset =
        |s: &str, f: &str| json["structs"][s]["fields"][f]["offset"].as_u64().unwrap() as usize;
    let size = |s: &str| json["structs"][s]["size"].as_u64().unwrap() as usize;
    assert_eq!(
        vmm::SetPointerShape::DATA_OFFSET,
        offset("VMMDevReqMousePointer", "pointerData")
    );
    assert_eq!(
        vmm::DisplayChangeRequestMulti::DISPLAYS_OFFSET,
        offset("VMMDevDisplayChangeRequestMulti", "aDisplays")
    );
    assert_eq!(
        vmm::MemoryHeader::HAVE_EVENTS_OFFSET,
        offset("VMMDevMemory", "V.V1_04.fHaveEvents")
    );
    assert_eq!(vbva::Buffer::DATA_OFFSET, offset("VBVABUFFER", "au8Data"));
    assert_eq!(
        hgsmi::BUFFER_OVERHEAD,
        size("HGSMIBUFFERHEADER") + size("HGSMIBUFFERTAIL")
    );
}

#[test]
fn size_helpers_follow_the_table() {
    let json = table();
    let size = |s: &str| json["structs"][s]["size"].as_u64().unwrap() as u32;
    let def = size("VMMDevDisplayDef");
    // One display is the host's minimum Multi request, the C struct itself.
    assert_eq!(
        vmm::display_change_multi_size(1),
        size("VMMDevDisplayChangeRequestMulti")
    );
    assert_eq!(
        vmm::display_change_multi_size(4),
        size("VMMDevDisplayChangeRequestMulti") + 3 * def
    );
    assert_eq!(
        vbva::query_mode_hints_size(2),
        size("VBVAQUERYMODEHINTS") + 2 * size("VBVAMODEHINT")
    );
    // A shape-less SetPointerShape is exactly the C struct (48 bytes).
    assert_eq!(
        vmm::set_pointer_shape_request_size(0, 0),
        Some(size("VMMDevReqMousePointer"))
    );
    // 64×64 arrow: AND mask 8×64 = 512 bytes, colour 64×64×4 = 16384 bytes.
    assert_eq!(vmm::pointer_shape_data_len(64, 64), Some(512 + 16384));
    assert_eq!(
        vmm::set_pointer_shape_request_size(64, 64),
        Some(44 + 512 + 16384)
    );
    assert_eq!(
        vbva::mouse_pointer_shape_size(64, 64),
        Some(24 + 512 + 16384)
    );
    // 3×3: mask rows of 1 byte → 3 bytes, padded to 4; colour 36 bytes.
    assert_eq!(vmm::pointer_shape_data_len(3, 3), Some(4 + 36));
    assert_eq!(vmm::pointer_shape_data_len(u32::MAX, 2), None);
    assert_eq!(vmm::pointer_shape_data_len(40_000, 40_000), None);
}

#[test]
fn the_table_copy_equals_the_shared_spec() {
    let shared = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/spec/layouts.json"
    );
    let Ok(original) = std::fs::read(shared) else {
        // A fresh clone without the shared spec next to it: the copy is the reference.
        println!("{shared} not present; copy not compared");
        return;
    };
    let copy = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/virtualbox-layouts.json"
    ))
    .expect("read the copy");
    assert!(
        copy == original,
        "tests/data/virtualbox-layouts.json differs from {shared}: copy it again"
    );
}
