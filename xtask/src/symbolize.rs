//! `cargo xtask symbolize LOG [--elf ELF]`: the serial log with function names after
//! every code address of a fault or panic report (`rip=` and the return-address
//! chain), read from the symbol table of the kernel ELF under target/ (the ISO's
//! copy is stripped).

use std::path::{Path, PathBuf};

use crate::Result;

/// `cargo xtask symbolize`'s options.
#[derive(Debug, Clone, clap::Args)]
pub struct SymbolizeArgs {
    /// The serial log (e.g. target/xtask/runs/TEST/serial.log)
    pub log: PathBuf,
    /// The kernel ELF the log came from
    #[arg(long, default_value = "target/x86_64-unknown-none/release/vitrine-app")]
    pub elf: PathBuf,
}

/// `cargo xtask symbolize ...`.
pub fn run(args: &SymbolizeArgs) -> Result {
    let log = std::fs::read_to_string(&args.log)
        .map_err(|e| format!("cannot read {}: {e}", args.log.display()))?;
    let elf = if args.elf.is_relative() {
        crate::project_root().join(&args.elf)
    } else {
        args.elf.clone()
    };
    print!("{}", symbolize(&log, &Symbols::read(&elf)?));
    Ok(())
}

/// Function symbols: (start, end, demangled name), sorted by start.
pub struct Symbols(Vec<(u64, u64, String)>);

impl Symbols {
    /// The function symbols of the ELF at `path`.
    pub fn read(path: &Path) -> Result<Self> {
        let data =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let file = elf::ElfBytes::<elf::endian::AnyEndian>::minimal_parse(&data)
            .map_err(|e| format!("{} is not an ELF file: {e}", path.display()))?;
        let (symbols, names) = file
            .symbol_table()
            .map_err(|e| format!("{}: bad symbol table: {e}", path.display()))?
            .ok_or_else(|| format!("{} has no symbol table", path.display()))?;
        let mut functions: Vec<(u64, u64, String)> = symbols
            .iter()
            .filter(|s| s.st_symtype() == elf::abi::STT_FUNC && s.st_size > 0)
            .filter_map(|s| {
                let name = names.get(s.st_name as usize).ok()?;
                Some((s.st_value, s.st_value + s.st_size, demangle(name)))
            })
            .collect();
        functions.sort();
        Ok(Self(functions))
    }

    /// `name+0xOFFSET` for a code address.
    pub fn name(&self, address: u64) -> Option<String> {
        let index = self.0.partition_point(|(start, _, _)| *start <= address);
        let (start, end, name) = self.0.get(index.checked_sub(1)?)?;
        (address < *end).then(|| format!("{name}+{:#x}", address - start))
    }
}

/// `_ZN...E` (legacy Rust mangling) as `path::to::function`, hash dropped.
fn demangle(name: &str) -> String {
    let Some(body) = name.strip_prefix("_ZN").and_then(|b| b.strip_suffix('E')) else {
        return name.to_string();
    };
    let mut parts = Vec::new();
    let mut rest = body;
    while let Some(digits) = rest.find(|c: char| !c.is_ascii_digit()).filter(|&d| d > 0) {
        let Ok(len) = rest[..digits].parse::<usize>() else {
            break;
        };
        let Some(part) = rest.get(digits..digits + len) else {
            break;
        };
        parts.push(part);
        rest = &rest[digits + len..];
    }
    if parts
        .last()
        .is_some_and(|p| p.len() == 17 && p.starts_with('h'))
    {
        parts.pop();
    }
    if parts.is_empty() {
        return name.to_string();
    }
    parts
        .join("::")
        .replace("$LT$", "<")
        .replace("$GT$", ">")
        .replace("$u20$", " ")
        .replace("$C$", ",")
        .replace("..", "::")
}

/// `log` with ` <function+0xoff>` after each code address of a report line.
pub fn symbolize(log: &str, symbols: &Symbols) -> String {
    let mut out = String::new();
    for line in log.lines() {
        let report = line.contains("rip=") || line.contains("return addresses:");
        if !report {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let mut annotated = String::new();
        for (i, word) in line.split(' ').enumerate() {
            if i > 0 {
                annotated.push(' ');
            }
            annotated.push_str(word);
            let hex = word.strip_prefix("rip=").unwrap_or(word);
            let name = hex
                .strip_prefix("0x")
                .and_then(|h| u64::from_str_radix(h, 16).ok())
                .and_then(|address| symbols.name(address));
            if let Some(name) = name {
                annotated.push_str(&format!(" <{name}>"));
            }
        }
        out.push_str(&annotated);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_addresses_inside_functions_only() {
        let symbols = Symbols(vec![
            (0x1000, 0x1100, "vitrine::entry::trigger_test_fault".into()),
            (0x2000, 0x2010, "core::panicking::panic".into()),
        ]);
        let log = "[fault] page fault rip=0x1010 cs=0x8\n  return addresses: 0x2004 0x3000\nother 0x1010\n";
        let out = symbolize(log, &symbols);
        assert!(
            out.contains("rip=0x1010 <vitrine::entry::trigger_test_fault+0x10>"),
            "{out}"
        );
        assert!(
            out.contains("0x2004 <core::panicking::panic+0x4> 0x3000\n"),
            "{out}"
        );
        assert!(out.contains("other 0x1010\n"), "{out}");
    }

    #[test]
    fn demangles_legacy_rust_names() {
        assert_eq!(
            demangle("_ZN7vitrine5entry18trigger_test_fault17h0123456789abcdefE"),
            "vitrine::entry::trigger_test_fault"
        );
        assert_eq!(demangle("memcpy"), "memcpy");
    }
}
