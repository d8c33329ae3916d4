//! `cargo xtask new NAME [--path DIR]`: a new app crate from `xtask/templates/app`.
//!
//! Inside the workspace it goes to `apps/NAME` (added to the workspace members; under
//! `examples/` the `examples/*` glob covers it) and uses the workspace's cargo
//! configuration. Anywhere else it is
//! its own workspace depending on `vitrine` by path, with a `.cargo/config.toml` for
//! the link settings and the runner, and a copy of the workspace's `Cargo.lock` so it
//! builds with the same crate versions.

use std::fs;
use std::path::{Component, Path, PathBuf};

use crate::Result;

const CARGO_TOML: &str = include_str!("../templates/app/Cargo.toml.in");
const STANDALONE_TOML: &str = include_str!("../templates/app/standalone.toml.in");
const CONFIG_TOML: &str = include_str!("../templates/app/config.toml.in");
const MAIN_RS: &str = include_str!("../templates/app/src/main.rs");
const LIB_RS: &str = include_str!("../templates/app/src/lib.rs");

/// `cargo xtask new` options.
#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// The app's package name (lowercase letters, digits, `-`)
    pub name: String,
    /// Where to create it (default apps/NAME in the workspace); outside the
    /// workspace it becomes a stand-alone crate depending on vitrine by path
    #[arg(long, value_name = "DIR")]
    pub path: Option<PathBuf>,
}

/// `cargo xtask new`.
pub fn run(args: &NewArgs) -> Result {
    let dir = match &args.path {
        Some(path) => absolute(path)?,
        None => crate::project_root().join("apps").join(&args.name),
    };
    create(&args.name, &dir)?;
    let inside = dir.starts_with(crate::project_root());
    println!(
        "created {} ({})",
        dir.display(),
        if inside {
            "workspace member"
        } else {
            "stand-alone"
        }
    );
    if inside {
        println!(
            "next: cargo run --release -p {}   (boots it in QEMU)",
            args.name
        );
    } else {
        println!(
            "next: cd {} && cargo run --release   (boots it in QEMU)",
            dir.display()
        );
    }
    Ok(())
}

fn absolute(path: &Path) -> Result<PathBuf> {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()?.join(path)
    };
    // Resolve `.` and `..` without touching the file system (the directory is new).
    let mut clean = PathBuf::new();
    for part in joined.components() {
        match part {
            Component::ParentDir => {
                clean.pop();
            }
            Component::CurDir => {}
            other => clean.push(other),
        }
    }
    Ok(clean)
}

/// Checks a package name: what cargo accepts and a Rust identifier can be made of.
pub fn check_name(name: &str) -> Result {
    let ok = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !ok || name == "vitrine" || name == "test" {
        return Err(format!(
            "`{name}` is not a usable app name: lowercase letters, digits, `-` or `_`, \
             starting with a letter (and not `vitrine` or `test`)"
        )
        .into());
    }
    Ok(())
}

/// `my-app` -> `MyApp`.
fn type_name(name: &str) -> String {
    name.split(['-', '_'])
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// Writes the crate `name` into `dir` (which must not exist yet).
pub fn create(name: &str, dir: &Path) -> Result {
    check_name(name)?;
    if dir.exists() {
        return Err(format!("{} already exists", dir.display()).into());
    }
    let root = crate::project_root();
    let inside = dir.starts_with(&root);
    if inside
        && !["apps", "examples"]
            .iter()
            .any(|p| dir.parent() == Some(&root.join(p)))
    {
        return Err(format!(
            "inside the workspace an app goes to apps/NAME or examples/NAME (members by \
             glob), not {}",
            dir.display()
        )
        .into());
    }
    let kernel = root.join("kernel");
    let vitrine_path = if inside {
        relative(dir, &kernel)
    } else {
        kernel.to_string_lossy().into_owned()
    };
    let fill = |template: &str| {
        template
            .replace("@NAME@", name)
            .replace("@CRATE@", &name.replace('-', "_"))
            .replace("@TYPE@", &type_name(name))
            .replace("@VITRINE@", &vitrine_path)
            .replace(
                "@XTASK_MANIFEST@",
                &root.join("xtask").join("Cargo.toml").to_string_lossy(),
            )
            // xtask's own build stays in Vitrine's target/, wherever the app builds.
            .replace("@XTASK_TARGET@", &crate::target_dir().to_string_lossy())
    };
    fs::create_dir_all(dir.join("src"))?;
    let mut manifest = fill(CARGO_TOML);
    if !inside {
        manifest.push_str(STANDALONE_TOML);
        fs::create_dir_all(dir.join(".cargo"))?;
        fs::write(dir.join(".cargo").join("config.toml"), fill(CONFIG_TOML))?;
        fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"))?;
        fs::copy(
            root.join("rust-toolchain.toml"),
            dir.join("rust-toolchain.toml"),
        )?;
    }
    fs::write(dir.join("Cargo.toml"), manifest)?;
    fs::write(dir.join("src").join("main.rs"), fill(MAIN_RS))?;
    fs::write(dir.join("src").join("lib.rs"), fill(LIB_RS))?;
    if inside && dir.parent() == Some(&root.join("apps")) {
        add_member(&root.join("Cargo.toml"), &format!("apps/{name}"))?;
    }
    Ok(())
}

/// Adds `member` to the `members = [...]` line of the workspace manifest.
pub fn add_member(manifest: &Path, member: &str) -> Result {
    let text = fs::read_to_string(manifest)?;
    let entry = format!("\"{member}\"");
    if text.contains(&entry) {
        return Ok(());
    }
    let start = text
        .find("members = [")
        .ok_or("no `members = [` in the workspace manifest")?;
    let end = start + text[start..].find(']').ok_or("unterminated members list")?;
    let updated = format!("{}, {entry}{}", &text[..end], &text[end..]);
    fs::write(manifest, updated)?;
    Ok(())
}

/// Removes `member` from the workspace manifest again (the in-tree check cleans up).
pub fn remove_member(manifest: &Path, member: &str) -> Result {
    let text = fs::read_to_string(manifest)?;
    fs::write(manifest, text.replace(&format!(", \"{member}\""), ""))?;
    Ok(())
}

/// `to` relative to `from` (both absolute, sharing the workspace root).
fn relative(from: &Path, to: &Path) -> String {
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut path = PathBuf::new();
    for _ in common..from.len() {
        path.push("..");
    }
    for part in &to[common..] {
        path.push(part);
    }
    path.to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_types_and_paths() {
        assert_eq!(type_name("my-app"), "MyApp");
        assert_eq!(type_name("departures_2"), "Departures2");
        assert!(check_name("my-app").is_ok());
        for bad in ["", "My", "1app", "a b", "vitrine", "a/b"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        assert_eq!(
            relative(Path::new("/w/apps/x"), Path::new("/w/kernel")),
            "../../kernel"
        );
    }

    #[test]
    fn a_standalone_app_gets_its_own_workspace_and_config_and_names_no_hardware() {
        let dir = std::env::temp_dir().join(format!("vitrine-new-{}", std::process::id()));
        let app = dir.join("my-app");
        create("my-app", &app).unwrap();
        let manifest = fs::read_to_string(app.join("Cargo.toml")).unwrap();
        assert!(manifest.contains("name = \"my-app\""));
        assert!(manifest.contains("[workspace]"));
        let kernel = crate::project_root().join("kernel");
        assert!(manifest.contains(&format!("path = \"{}\"", kernel.display())));
        let config = fs::read_to_string(app.join(".cargo/config.toml")).unwrap();
        assert!(config.contains("-Tvitrine.ld") && config.contains("runner = \"cargo run"));
        let main = fs::read_to_string(app.join("src/main.rs")).unwrap();
        assert!(main.contains("vitrine::main!(my_app::MyApp::new);"));
        assert!(crate::check::hardware_names(&app).is_empty());
        assert!(
            create("my-app", &app).is_err(),
            "an existing directory is refused"
        );
        fs::remove_dir_all(dir).unwrap();
        // Inside the workspace only under apps/ or examples/.
        let stray = crate::project_root().join("kernel").join("stray-app");
        assert!(create("stray-app", &stray).is_err());
        assert!(!stray.exists());
    }
}
