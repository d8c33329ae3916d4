//! Boot tests of apps other than the demo: the examples (a screenshot as their host
//! render shows it, then a click the app reports; then `cargo run --release -p` of
//! each through the cargo runner, with a screenshot; then a twin scenario each), and
//! `cargo xtask new` crates in the workspace and outside it (host test, then `cargo
//! run` through the runner).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::app_host;
use crate::qemu::{Firmware, QemuRun};
use crate::qmp::MouseButton;
use crate::screenshot::check_app;
use crate::test::BootTest;
use crate::ui_tests::{remaining, wait_screen, ABS_MAX};
use crate::Result;

const TIMEOUT: Duration = Duration::from_secs(45);

/// The examples' boot tests, by package.
pub fn example_tests() -> Vec<(&'static str, Vec<BootTest>)> {
    vec![
        (
            "hello",
            vec![BootTest {
                name: "example-hello",
                firmware: Firmware::Bios,
                cmdline: "mode=800x600",
                extra_args: &[],
                timeout: TIMEOUT,
                check: check_hello,
            }],
        ),
        (
            "departures",
            vec![BootTest {
                name: "example-departures",
                firmware: Firmware::Bios,
                cmdline: "mode=1024x768 app.title=\"Gare de Lyon\"",
                extra_args: &[],
                timeout: TIMEOUT,
                check: check_departures,
            }],
        ),
    ]
}

/// Clicks at (x, y) with the absolute pointer (QEMU's vmmouse) in a `w`×`h` mode.
fn click_at(run: &mut QemuRun, (x, y): (i32, i32), (w, h): (u32, u32)) -> Result {
    let abs = |p: i32, size: u32| i64::from(p) * ABS_MAX / i64::from(size.max(1));
    let qmp = run.qmp()?;
    qmp.move_absolute(abs(x, w), abs(y, h))?;
    qmp.button(MouseButton::Left, true)?;
    qmp.button(MouseButton::Left, false)
}

/// The screen matches one of `references` (host renders); returns which.
fn wait_matching(
    run: &mut QemuRun,
    name: &str,
    references: &[crate::preview::Frame],
) -> Result<usize> {
    let mut which = 0;
    let frame = wait_screen(run, name, |f| {
        let mut why = Vec::new();
        for (i, reference) in references.iter().enumerate() {
            match check_app(f, reference) {
                Ok(_) => {
                    which = i;
                    return Ok(());
                }
                Err(e) => why.push(e),
            }
        }
        Err(why.join(" / "))
    })?;
    println!("  {}", check_app(&frame, &references[which])?);
    Ok(which)
}

/// hello: the greeting as its host render shows it; a click in the middle is counted.
fn check_hello(run: &mut QemuRun, timeout: Duration) -> Result {
    let deadline = Instant::now() + timeout;
    let size = (800, 600);
    run.wait_for("ready", timeout)?;
    let binary = app_host::binary("hello")?;
    let reference = app_host::render(&binary, size.0, size.1, "")?;
    wait_matching(run, "hello", &[reference])?;
    click_at(run, (400, 300), size)?;
    let line = run.wait_for("hello", remaining(deadline))?;
    if line.get("clicks") != Some("1") {
        return Err(format!("expected clicks=1: {}", line.raw).into());
    }
    println!("  {}", line.raw);
    Ok(())
}

/// departures: the board with the title from `app.title`, on one of its first two
/// pages (a timer turns them); clicking its button (widget 0) turns the page and
/// the app says so.
fn check_departures(run: &mut QemuRun, timeout: Duration) -> Result {
    let deadline = Instant::now() + timeout;
    let size = (1024, 768);
    let ready = run.wait_for("ready", timeout)?;
    // The option with a quoted space reached the app, whole and without a warning.
    let title = run.wait_for("departures", remaining(deadline))?;
    if title.get("title") != Some("Gare de Lyon") {
        return Err(format!("expected title=\"Gare de Lyon\": {}", title.raw).into());
    }
    let log = run.serial_log();
    if let Some(warning) = log.lines().find(|l| l.contains("unknown option")) {
        return Err(format!("the app's option was warned about: {warning}").into());
    }
    let binary = app_host::binary("departures")?;
    let render = |script: &str| {
        app_host::render_with(&binary, size.0, size.1, &["title=Gare de Lyon"], script)
    };
    let pages = [render("")?, render("tick 10000000")?];
    wait_matching(run, "departures", &pages)?;
    let widgets = app_host::widgets(&binary, size.0, size.1, "")?;
    let button = widgets
        .first()
        .ok_or("departures reports no widgets")?
        .center();
    click_at(run, (button.x, button.y), size)?;
    let line = run.wait_for_match(
        |l| l.index > ready.index && l.word == "departures" && l.get("page").is_some(),
        remaining(deadline),
    )?;
    println!("  {}", line.raw);
    Ok(())
}

/// One app check: runs, says why it failed.
pub type AppCheck = fn() -> Result;

/// The app checks after the boot tests, in order: the examples through `cargo run
/// --release -p` (first, so the new apps reuse their host release build of
/// vitrine), the examples' twin scenarios, then `cargo xtask new` crates.
pub fn app_checks() -> Vec<(&'static str, AppCheck)> {
    vec![
        ("cargo-run-hello", cargo_run_hello),
        ("cargo-run-departures", cargo_run_departures),
        ("sim-hello", || sim_example("hello")),
        ("sim-departures", || sim_example("departures")),
        ("new-app-in-workspace", in_workspace),
        ("new-app-out-of-tree", out_of_tree),
    ]
}

/// `cargo run --release -p PACKAGE -- --headless --screenshot FILE ARGS`: the cargo
/// runner boots the app to its first frame; returns stdout (the serial log, status
/// lines included) and the screen, which the callers compare with host renders.
fn cargo_run_screenshot(
    package: &str,
    runner_args: &[&str],
) -> Result<(String, crate::preview::Frame)> {
    let dir = crate::target_dir().join("xtask").join("cargo-run");
    std::fs::create_dir_all(&dir)?;
    let shot = dir.join(format!("{package}.ppm"));
    let _ = std::fs::remove_file(&shot);
    let mut command = crate::cargo();
    command
        .args([
            "run",
            "--release",
            "-p",
            package,
            "--",
            "--headless",
            "--screenshot",
        ])
        .arg(&shot)
        .args(runner_args);
    crate::echo(&command);
    let output = command.output()?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() || !stdout.contains("@vitrine ready") {
        return Err(format!(
            "`cargo run -p {package}` did not boot to ready ({}):\n{}\n{}",
            output.status,
            last_lines(&stdout),
            last_lines(&String::from_utf8_lossy(&output.stderr)),
        )
        .into());
    }
    let image = crate::image::Image::read_ppm(&shot)?;
    let frame = crate::preview::Frame::from_rgb(image.width, image.height, &image.rgb)
        .ok_or("the runner's screenshot has a bad size")?;
    Ok((stdout, frame))
}

fn last_lines(text: &str) -> String {
    let mut lines: Vec<&str> = text.lines().rev().take(15).collect();
    lines.reverse();
    lines.join("\n")
}

fn cargo_run_hello() -> Result {
    let (stdout, screen) = cargo_run_screenshot("hello", &["--mode", "800x600"])?;
    let binary = app_host::binary("hello")?;
    let reference = app_host::render(&binary, 800, 600, "")?;
    println!("  {}", crate::screenshot::check_app(&screen, &reference)?);
    let frame = stdout.lines().find(|l| l.starts_with("@vitrine frame"));
    println!("  {}", frame.ok_or("no `@vitrine frame` line on stdout")?);
    Ok(())
}

fn cargo_run_departures() -> Result {
    let (stdout, screen) = cargo_run_screenshot(
        "departures",
        &[
            "--mode",
            "1024x768",
            "--cmdline",
            "app.title=\"Gare de Lyon\"",
        ],
    )?;
    let title = stdout
        .lines()
        .find(|l| l.starts_with("@vitrine departures title="))
        .ok_or("no `@vitrine departures title=` line on stdout")?;
    if !title.contains("title=\"Gare de Lyon\"") {
        return Err(format!("the option did not arrive whole: {title}").into());
    }
    println!("  {title}");
    let binary = app_host::binary("departures")?;
    let render =
        |script: &str| app_host::render_with(&binary, 1024, 768, &["title=Gare de Lyon"], script);
    let pages = [render("")?, render("tick 10000000")?];
    let checks: Vec<_> = pages
        .iter()
        .map(|page| crate::screenshot::check_app(&screen, page))
        .collect();
    match checks.iter().find_map(|c| c.as_ref().ok()) {
        Some(ok) => println!("  {ok}"),
        None => return Err(format!("the screenshot matches no page: {checks:?}").into()),
    }
    Ok(())
}

/// An example's twin scenario (`hosted/scenarios/apps/NAME.sim`) through `cargo
/// xtask sim -p NAME`: the app in its host binary, the drivers and runtime against
/// the twin.
fn sim_example(package: &str) -> Result {
    let script = crate::project_root().join(format!("hosted/scenarios/apps/{package}.sim"));
    let out = crate::target_dir().join("sim").join(package);
    crate::sim::run_app_scenario(package, &script, &out)
}

/// `cargo xtask new` end to end, in the workspace (`apps/`) and in a temp directory:
/// the crate's host test passes and `cargo run --release` boots it to `ready`.
fn in_workspace() -> Result {
    let root = crate::project_root();
    let name = "xtask-new-check";
    let inside = root.join("apps").join(name);
    // The check leaves the workspace as it found it: manifest, lock file, apps/.
    let lock = std::fs::read(root.join("Cargo.lock"))?;
    let in_tree = (|| {
        let _ = std::fs::remove_dir_all(&inside);
        crate::new_app::create(name, &inside)?;
        let mut test = crate::cargo();
        test.args(["test", "--quiet", "-p", name]);
        crate::run_command(&mut test)?;
        boot_with_cargo_run(&root, &["-p", name])
    })();
    let _ = std::fs::remove_dir_all(&inside);
    let _ = crate::new_app::remove_member(&root.join("Cargo.toml"), &format!("apps/{name}"));
    let _ = std::fs::remove_dir(root.join("apps"));
    std::fs::write(root.join("Cargo.lock"), lock)?;
    in_tree
}

fn out_of_tree() -> Result {
    let outside_root = std::env::temp_dir().join(format!("vitrine-new-app-{}", std::process::id()));
    let outside = outside_root.join("my-kiosk");
    let out_of_tree = (|| {
        crate::new_app::create("my-kiosk", &outside)?;
        let mut test = out_of_tree_cargo(&outside);
        test.args(["test", "--quiet"]);
        crate::run_command(&mut test)?;
        boot_with_cargo_run(&outside, &[])
    })();
    let _ = std::fs::remove_dir_all(&outside_root);
    out_of_tree
}

/// cargo in a stand-alone app's directory, building into Vitrine's target dir: the
/// app's own workspace, lock file and configuration, but `vitrine` and its
/// dependencies (same paths, versions, profiles and flags) are not built again.
fn out_of_tree_cargo(dir: &Path) -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", crate::target_dir());
    command
}

/// `cargo run [ARGS] -- --headless --cmdline test-exit=ready` in `dir`: the host
/// `main` forwards to the bare-metal (always release) build, the runner boots QEMU,
/// and the serial output must show `@vitrine ready`. The host side is the debug
/// build the host test already made (`--release` only changes the forwarder).
fn boot_with_cargo_run(dir: &PathBuf, args: &[&str]) -> Result {
    let mut command = if dir == &crate::project_root() {
        crate::cargo()
    } else {
        out_of_tree_cargo(dir)
    };
    command.args(["run", "--release"]).args(args).args([
        "--",
        "--headless",
        "--cmdline",
        "test-exit=ready",
    ]);
    crate::echo(&command);
    let output = command.output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() || !stdout.contains("@vitrine ready") {
        return Err(format!(
            "`cargo run` did not boot to ready ({}):\n{}\n{}",
            output.status,
            stdout.lines().rev().take(15).collect::<Vec<_>>().join("\n"),
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .rev()
                .take(15)
                .collect::<Vec<_>>()
                .join("\n")
        )
        .into());
    }
    println!(
        "  {}",
        stdout
            .lines()
            .find(|l| l.contains("@vitrine ready"))
            .unwrap_or("")
    );
    Ok(())
}
