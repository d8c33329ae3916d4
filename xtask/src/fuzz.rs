//! `cargo xtask fuzz [TARGET] [--execs N] [--seconds S] [--smoke] [--list] [--no-build]`: runs the
//! fuzz targets of `fuzz/` under AFL++ (cargo-afl, stable Rust).
//!
//! Installs cargo-afl (crates.io) and its AFL++ build when missing, builds the
//! instrumented `vitrine-fuzz` binary into `target/fuzz/`, writes the seed corpus
//! (`fuzz/corpus/TARGET/`) when a target has none, and runs afl-fuzz per target with
//! its state in `target/fuzz/out/TARGET/`. Every crash or hang is copied to
//! `fuzz/regressions/TARGET/`, which `cargo test` replays; any makes the run fail.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::Result;

/// The cargo-afl release the project uses.
const CARGO_AFL_VERSION: &str = "0.18.2";
/// Executions per target when `--execs` is not given.
const DEFAULT_EXECS: u64 = 1_000_000;
/// Seconds per target in `--smoke` (what `cargo xtask test` runs).
const SMOKE_SECONDS: u64 = 4;
/// afl-fuzz's per-input timeout (ms): generous, the machine is shared.
const EXEC_TIMEOUT_MS: &str = "4000+";

/// What one campaign reached (from afl-fuzz's `fuzzer_stats`).
#[derive(Debug, Default)]
pub struct Figures {
    pub target: String,
    pub execs: u64,
    pub crashes: u64,
    pub hangs: u64,
    pub edges: u64,
    /// The instrumented edges of the whole binary (every target shares it).
    pub total_edges: u64,
    pub coverage: String,
    pub corpus: u64,
    pub execs_per_sec: f64,
    pub seconds: f64,
}

impl std::fmt::Display for Figures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "fuzz target={} execs={} crashes={} hangs={} edges={} total_edges={} map_coverage={} corpus={} execs_per_sec={:.0} seconds={:.0}",
            self.target,
            self.execs,
            self.crashes,
            self.hangs,
            self.edges,
            self.total_edges,
            self.coverage,
            self.corpus,
            self.execs_per_sec,
            self.seconds
        )
    }
}

/// `cargo xtask fuzz`'s options.
#[derive(Debug, Clone, clap::Args)]
pub struct FuzzArgs {
    /// Targets to run (all when none is named; see --list)
    pub targets: Vec<String>,
    /// Executions per target
    #[arg(long, default_value_t = DEFAULT_EXECS)]
    pub execs: u64,
    /// Stop each target after this many seconds, even short of --execs
    #[arg(long)]
    pub seconds: Option<u64>,
    /// A few seconds per target (what `cargo xtask test` runs)
    #[arg(long)]
    pub smoke: bool,
    /// List the targets
    #[arg(long)]
    pub list: bool,
    /// (Re)write the seed corpus and stop
    #[arg(long)]
    pub seed: bool,
    /// Use the fuzz binary already built (a long campaign while sources change)
    #[arg(long)]
    pub no_build: bool,
}

/// Every target for a few seconds (`cargo xtask test`).
pub fn smoke() -> Result {
    run(&FuzzArgs {
        targets: Vec::new(),
        execs: DEFAULT_EXECS,
        seconds: None,
        smoke: true,
        list: false,
        seed: false,
        no_build: false,
    })
}

/// `cargo xtask fuzz ...`.
pub fn run(args: &FuzzArgs) -> Result {
    let (list, smoke, seed_only, no_build) = (args.list, args.smoke, args.seed, args.no_build);
    let (execs, seconds) = (Some(args.execs), args.seconds);
    let names = args.targets.clone();
    if list {
        for target in vitrine_fuzz::TARGETS {
            println!("{:12} {}", target.name, target.about);
        }
        return Ok(());
    }
    let targets = select(&names)?;
    for target in &targets {
        write_seeds(target, seed_only)?;
    }
    if seed_only {
        return Ok(());
    }
    let binary = if no_build {
        crate::target_dir().join("fuzz/release/vitrine-fuzz")
    } else {
        build()?
    };
    let mut failed = Vec::new();
    let mut all = Vec::new();
    for target in targets {
        let limit = if smoke {
            Limit {
                execs: None,
                seconds: Some(SMOKE_SECONDS),
                folder: "smoke",
            }
        } else {
            Limit {
                execs: Some(execs.unwrap_or(DEFAULT_EXECS)),
                seconds,
                folder: "out",
            }
        };
        let figures = campaign(&binary, target, &limit)?;
        println!("{figures}");
        let found = figures.crashes + figures.hangs;
        if found > 0 {
            let kept = keep_findings(target.name, limit.folder)?;
            println!(
                "fuzz target={}: {found} finding(s) copied to {}",
                target.name,
                kept.display()
            );
            failed.push(target.name);
        } else if figures.execs == 0 {
            failed.push(target.name);
        }
        all.push(figures);
    }
    // A smoke run's few seconds would replace the campaigns' figures.
    if !smoke {
        let table = record(&all)?;
        println!("{table}");
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "fuzzing found crashes or hangs (or ran nothing) in: {}; inputs are in fuzz/regressions/",
            failed.join(", ")
        )
        .into())
    }
}

struct Limit {
    execs: Option<u64>,
    seconds: Option<u64>,
    /// `target/fuzz/<folder>/TARGET`: "out" for campaigns, "smoke" for smoke runs,
    /// so a smoke (`cargo xtask test`) never wipes a campaign that is running.
    folder: &'static str,
}

fn select(names: &[String]) -> Result<Vec<&'static vitrine_fuzz::Target>> {
    if names.is_empty() {
        return Ok(vitrine_fuzz::TARGETS.iter().collect());
    }
    names
        .iter()
        .map(|name| {
            vitrine_fuzz::target(name).ok_or_else(|| {
                let known: Vec<&str> = vitrine_fuzz::TARGETS.iter().map(|t| t.name).collect();
                format!("no fuzz target `{name}` (known: {})", known.join(", ")).into()
            })
        })
        .collect()
}

fn corpus_dir(target: &str) -> PathBuf {
    crate::project_root()
        .join("fuzz")
        .join("corpus")
        .join(target)
}

/// Writes the built seeds when the target's corpus folder is empty (or always with
/// `force`).
fn write_seeds(target: &vitrine_fuzz::Target, force: bool) -> Result {
    let dir = corpus_dir(target.name);
    let empty = std::fs::read_dir(&dir).map_or(true, |mut d| d.next().is_none());
    if !empty && !force {
        return Ok(());
    }
    std::fs::create_dir_all(&dir)?;
    for (i, seed) in (target.seeds)().iter().enumerate() {
        std::fs::write(dir.join(format!("seed-{i}")), seed)?;
    }
    Ok(())
}

/// The folder cargo-afl keeps AFL++ in.
fn afl_data_dir() -> PathBuf {
    std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_default()
        .join("afl.rs")
}

/// afl-fuzz as cargo-afl built it (`.../afl.rs/rustc-*/afl.rs-*/afl/bin/afl-fuzz`).
/// It is run directly: `cargo afl fuzz` adds `-c0` (CMPLOG), which needs LLVM
/// plugins only a nightly toolchain can load; without them every input times out.
fn afl_fuzz_path() -> Option<PathBuf> {
    let rustcs = std::fs::read_dir(afl_data_dir()).ok()?;
    rustcs.flatten().find_map(|rustc| {
        std::fs::read_dir(rustc.path())
            .ok()?
            .flatten()
            .find_map(|version| {
                let path = version.path().join("afl/bin/afl-fuzz");
                path.is_file().then_some(path)
            })
    })
}

/// Installs cargo-afl and builds AFL++ when missing.
pub fn ensure_cargo_afl() -> Result {
    let installed = Command::new("cargo")
        .args(["afl", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        crate::run_command(Command::new("cargo").args([
            "install",
            "cargo-afl",
            "--locked",
            "--version",
            CARGO_AFL_VERSION,
        ]))
        .map_err(|e| format!("could not install cargo-afl from crates.io: {e}"))?;
    }
    if afl_fuzz_path().is_none() {
        crate::run_command(Command::new("cargo").args(["afl", "config", "--build"]))
            .map_err(|e| format!("could not build AFL++ (cargo afl config --build): {e}"))?;
    }
    Ok(())
}

/// Builds the instrumented fuzz binary; returns its path.
fn build() -> Result<PathBuf> {
    ensure_cargo_afl()?;
    let target_dir = crate::target_dir().join("fuzz");
    let mut command = crate::cargo();
    command.env("CARGO_TARGET_DIR", &target_dir).args([
        "afl",
        "build",
        "--release",
        "-p",
        "vitrine-fuzz",
        "--bin",
        "vitrine-fuzz",
        "--features",
        "afl",
    ]);
    crate::run_command(&mut command)?;
    Ok(target_dir.join("release").join("vitrine-fuzz"))
}

fn out_dir(target: &str, folder: &str) -> PathBuf {
    crate::target_dir().join("fuzz").join(folder).join(target)
}

/// Runs afl-fuzz on one target until `limit`, then reads its figures.
fn campaign(binary: &Path, target: &vitrine_fuzz::Target, limit: &Limit) -> Result<Figures> {
    let out = out_dir(target.name, limit.folder);
    // Each run starts from the repository's corpus; findings were kept already.
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out)?;
    let afl_fuzz = afl_fuzz_path().ok_or("afl-fuzz is missing after `cargo afl config --build`")?;
    let mut command = Command::new(afl_fuzz);
    command
        .arg("-i")
        .arg(corpus_dir(target.name))
        .arg("-o")
        .arg(&out)
        .args(["-t", EXEC_TIMEOUT_MS]);
    if let Some(execs) = limit.execs {
        command.args(["-E", &execs.to_string()]);
    }
    if let Some(seconds) = limit.seconds {
        command.args(["-V", &seconds.to_string()]);
    }
    command
        .arg("--")
        .arg(binary)
        .env("VITRINE_FUZZ_TARGET", target.name)
        .env("AFL_NO_UI", "1")
        .env("AFL_SKIP_CPUFREQ", "1")
        .env("AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES", "1")
        .env("AFL_NO_AFFINITY", "1")
        .env("AFL_FAST_CAL", "1")
        .env("AFL_NO_CRASH_README", "1")
        .stdout(std::fs::File::create(out.join("afl-fuzz.log"))?)
        .stderr(std::fs::File::create(out.join("afl-fuzz.err"))?);
    crate::echo(&command);
    let started = Instant::now();
    let status = command.status()?;
    let stats = out.join("default").join("fuzzer_stats");
    if !stats.is_file() {
        return Err(format!(
            "afl-fuzz for {} ended ({status}) without statistics; see {}",
            target.name,
            out.join("afl-fuzz.log").display()
        )
        .into());
    }
    let mut figures = read_stats(&stats)?;
    figures.target = target.name.to_string();
    figures.seconds = started.elapsed().as_secs_f64();
    Ok(figures)
}

/// Updates `target/fuzz/summary.txt` (one line per target, the latest run of each,
/// so campaigns run one at a time add up) and returns it as a Markdown table, also
/// written to `target/fuzz/summary.md` (the table `docs/fuzzing.md` shows).
fn record(figures: &[Figures]) -> Result<String> {
    let dir = crate::target_dir().join("fuzz");
    std::fs::create_dir_all(&dir)?;
    let summary_file = dir.join("summary.txt");
    let mut lines: Vec<String> = std::fs::read_to_string(&summary_file)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect();
    for f in figures {
        let prefix = format!("fuzz target={} ", f.target);
        lines.retain(|line| !line.starts_with(&prefix));
        lines.push(f.to_string());
    }
    // In the order of `vitrine_fuzz::TARGETS`.
    let position = |line: &String| {
        vitrine_fuzz::TARGETS
            .iter()
            .position(|t| line.starts_with(&format!("fuzz target={} ", t.name)))
            .unwrap_or(usize::MAX)
    };
    lines.sort_by_key(position);
    std::fs::write(&summary_file, lines.join("\n") + "\n")?;
    let mut table = String::from(
        "| target | execs | crashes | hangs | edges found | map density | corpus | execs/s | seconds |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for line in &lines {
        let field = |key: &str| {
            line.split_whitespace()
                .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
                .unwrap_or("?")
                .to_string()
        };
        table.push_str(&format!(
            "| {} | {} | {} | {} | {} / {} | {} | {} | {} | {} |\n",
            field("target"),
            field("execs"),
            field("crashes"),
            field("hangs"),
            field("edges"),
            field("total_edges"),
            field("map_coverage"),
            field("corpus"),
            field("execs_per_sec"),
            field("seconds"),
        ));
    }
    std::fs::write(dir.join("summary.md"), &table)?;
    Ok(table)
}

fn read_stats(path: &Path) -> Result<Figures> {
    let text = std::fs::read_to_string(path)?;
    let mut figures = Figures::default();
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        let number = || value.parse::<u64>().unwrap_or(0);
        match key {
            "execs_done" => figures.execs = number(),
            "saved_crashes" | "unique_crashes" => figures.crashes = number(),
            "saved_hangs" | "unique_hangs" => figures.hangs = number(),
            "edges_found" => figures.edges = number(),
            "total_edges" => figures.total_edges = number(),
            "execs_per_sec" => figures.execs_per_sec = value.parse().unwrap_or(0.0),
            "bitmap_cvg" => figures.coverage = value.to_string(),
            "corpus_count" => figures.corpus = number(),
            _ => {}
        }
    }
    Ok(figures)
}

/// Copies the campaign's crashes and hangs to `fuzz/regressions/TARGET/`.
fn keep_findings(target: &str, folder: &str) -> Result<PathBuf> {
    let kept = crate::project_root()
        .join("fuzz")
        .join("regressions")
        .join(target);
    std::fs::create_dir_all(&kept)?;
    for kind in ["crashes", "hangs"] {
        let Ok(entries) = std::fs::read_dir(out_dir(target, folder).join("default").join(kind))
        else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if !name.starts_with("id:") {
                continue;
            }
            let data = std::fs::read(entry.path())?;
            let digest = fnv1a(&data);
            std::fs::write(kept.join(format!("{kind}-{digest:016x}")), data)?;
        }
    }
    Ok(kept)
}

/// A short content hash for file names (the same input is kept once).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}
