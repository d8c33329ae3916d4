//! `cargo xtask bench [-p APP] [--quick] [--only PART]`: every ratio Vitrine promises, each measured side by
//! side in the same run, printed as one table and saved as `target/bench.json`.
//!
//! - redraw, page switch and hover against plain fills of the same pixels, in QEMU at
//!   three sizes, write-combining and uncached (`redraw`);
//! - boot to the first frame against a bare GRUB boot+halt, SeaBIOS and OVMF
//!   (`boot`, median of 5 rounds, with the CPU-time ratio beside it);
//! - host CPU of an idle kiosk (`idle`);
//! - framebuffer bytes and presented pixels per pointer move / hover, redraws per
//!   hint, from the twin (`twin`);
//! - input latency from the interrupt to the end of the present (`latency`);
//! - smallest RAM reaching the first frame and the kernel image size (`memory`);
//! - the SVGA II backend (`-vga vmware`) against VBE (`-vga std`): redraw/fill and
//!   the first frame at 1920x1080 (`svga`).

mod boot;
mod idle;
mod latency;
mod memory;
mod redraw;
mod svga;
mod twin;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::cli::AppPackage;
use crate::Result;

/// `cargo xtask bench` options.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    #[command(flatten)]
    pub app: AppPackage,
    /// Shorter runs (1 boot per firmware, 3 s idle, 20 clicks): for development only
    #[arg(long)]
    pub quick: bool,
    /// Only this part: redraw, twin, idle, latency, boot, memory or svga
    #[arg(long, value_name = "PART")]
    pub only: Option<String>,
    /// The redraw part under `-icount shift=0`: the guest's TSC then counts guest
    /// instructions, so its rows are instruction ratios that host load does not
    /// disturb (for comparing drawing changes; the times are the goal)
    #[arg(long)]
    pub instructions: bool,
}

/// What a row's value must be.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Goal {
    /// At most this.
    AtMost(f64),
    /// Exactly this.
    Exactly(f64),
    /// Only recorded (compared run to run).
    Record,
}

impl Goal {
    fn met(self, value: f64) -> Option<bool> {
        match self {
            Self::AtMost(goal) => Some(value <= goal),
            Self::Exactly(goal) => Some((value - goal).abs() < 1e-9),
            Self::Record => None,
        }
    }

    fn text(self) -> String {
        match self {
            Self::AtMost(goal) => format!("<= {goal}"),
            Self::Exactly(goal) => format!("= {goal}"),
            Self::Record => "-".into(),
        }
    }
}

/// One line of the table.
#[derive(Debug, Clone)]
pub struct Row {
    /// Stable key (the JSON key too).
    pub key: String,
    /// The figure.
    pub value: f64,
    /// Unit of `value` ("x" for ratios).
    pub unit: &'static str,
    /// What it must be.
    pub goal: Goal,
    /// The raw numbers behind it.
    pub detail: String,
}

impl Row {
    /// A row.
    pub fn new(key: impl Into<String>, value: f64, unit: &'static str, goal: Goal) -> Self {
        Self {
            key: key.into(),
            value,
            unit,
            goal,
            detail: String::new(),
        }
    }

    /// The same row with the raw numbers behind it.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }
}

/// The median of `values` (the mean of the middle two for an even count).
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// The `p`-th percentile (nearest rank) of `values`.
pub fn percentile(values: &[f64], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// One part of the bench: measures and returns its rows.
type Part<'a> = dyn Fn() -> Result<Vec<Row>> + 'a;

/// `cargo xtask bench`.
pub fn run(args: &BenchArgs) -> Result {
    let (quick, only) = (args.quick, args.only.clone());
    crate::setup::ensure_all()?;
    let elf = crate::build::build_kernel(&args.app.package)?;
    let package = args.app.package.as_str();
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    let parts: [(&str, &Part); 7] = [
        ("redraw", &|| redraw::measure(&elf, args.instructions)),
        ("twin", &twin::measure),
        ("idle", &|| idle::measure(&elf, quick)),
        ("latency", &|| latency::measure(&elf, package, quick)),
        ("boot", &|| boot::measure(&elf, quick)),
        ("memory", &|| memory::measure(&elf)),
        ("svga", &|| svga::measure(&elf)),
    ];
    if let Some(only) = &only {
        if !parts.iter().any(|(name, _)| name == only) {
            return Err(format!(
                "--only wants one of redraw, twin, idle, latency, boot, memory, svga; got `{only}`"
            )
            .into());
        }
    }
    for (name, measure) in parts {
        if only.as_deref().is_some_and(|only| only != name) {
            continue;
        }
        match measure() {
            Ok(mut part_rows) => rows.append(&mut part_rows),
            Err(error) => {
                println!("bench: {name} failed: {error}");
                failures.push(format!("{name}: {error}"));
            }
        }
    }

    let table = table(&rows);
    println!("\n{table}");
    let json_path = crate::target_dir().join("bench.json");
    write_json(&rows, &failures, &json_path)?;
    println!("saved {}", json_path.display());
    if !failures.is_empty() {
        return Err(format!("{} part(s) failed: {}", failures.len(), failures.join("; ")).into());
    }
    Ok(())
}

/// The table as printed (and quoted in docs/performance.md).
pub fn table(rows: &[Row]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| {:<40} | {:>10} | {:>8} | {:<4} | measured",
        "what", "value", "goal", "met"
    );
    let _ = writeln!(
        out,
        "|{:-<42}|{:->12}|{:->10}|{:-<6}|{:-<10}",
        "", "", "", "", ""
    );
    for row in rows {
        let value = if row.unit == "x" {
            format!("{:.2}x", row.value)
        } else if row.value.fract() == 0.0 {
            format!("{:.0} {}", row.value, row.unit)
        } else {
            format!("{:.3} {}", row.value, row.unit)
        };
        let met = match row.goal.met(row.value) {
            Some(true) => "yes",
            Some(false) => "NO",
            None => "",
        };
        let _ = writeln!(
            out,
            "| {:<40} | {:>10} | {:>8} | {:<4} | {}",
            row.key,
            value,
            row.goal.text(),
            met,
            row.detail
        );
    }
    out
}

fn write_json(rows: &[Row], failures: &[String], path: &Path) -> Result {
    let entries: serde_json::Map<String, serde_json::Value> = rows
        .iter()
        .map(|row| {
            let goal = match row.goal {
                Goal::AtMost(g) => serde_json::json!({ "at_most": g }),
                Goal::Exactly(g) => serde_json::json!({ "exactly": g }),
                Goal::Record => serde_json::Value::Null,
            };
            (
                row.key.clone(),
                serde_json::json!({
                    "value": row.value,
                    "unit": row.unit,
                    "goal": goal,
                    "met": row.goal.met(row.value),
                    "detail": row.detail,
                }),
            )
        })
        .collect();
    let json = serde_json::json!({ "rows": entries, "failed": failures });
    std::fs::write(path, serde_json::to_string_pretty(&json)? + "\n")
        .map_err(|e| format!("cannot write {}: {e}", path.display()).into())
}

/// Where the bench's ISOs go.
pub fn iso_path(name: &str) -> PathBuf {
    crate::target_dir()
        .join("xtask")
        .join("iso")
        .join(format!("{name}.iso"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_percentile() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&values, 50.0), 50.0);
        assert_eq!(percentile(&values, 99.0), 99.0);
        assert_eq!(percentile(&[7.0], 99.0), 7.0);
    }

    #[test]
    fn goals_and_table() {
        assert_eq!(Goal::AtMost(1.5).met(1.6), Some(false));
        assert_eq!(Goal::Exactly(1.0).met(1.0), Some(true));
        let rows = [
            Row::new("redraw/fill 1920x1080 wc", 1.25, "x", Goal::AtMost(1.5))
                .detail("redraw 3000 us, fill 2400 us"),
        ];
        let table = table(&rows);
        assert!(table.contains("1.25x"), "{table}");
        assert!(table.contains("<= 1.5"), "{table}");
        assert!(table.contains("| yes "), "{table}");
    }
}
