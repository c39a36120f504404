//! Builds the web UI (web/) with npm and puts it in OUT_DIR/web, where the binary embeds it.
//!
//! - `HELPDESK_WEB_DIST=DIR` embeds an already built UI instead (the Dockerfile does this).
//! - `HELPDESK_SKIP_WEB_BUILD=1` embeds nothing (the server then says how to build the UI).
//! - Without npm on the machine, the build goes on with a warning and without the UI.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=HELPDESK_WEB_DIST");
    println!("cargo:rerun-if-env-changed=HELPDESK_SKIP_WEB_BUILD");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join("web");
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web");
    for f in [
        "package.json",
        "package-lock.json",
        "index.html",
        "vite.config.ts",
        "tsconfig.json",
        "src",
        "public",
    ] {
        println!("cargo:rerun-if-changed={}", web.join(f).display());
    }
    let _ = std::fs::remove_dir_all(&out);
    if let Ok(dist) = std::env::var("HELPDESK_WEB_DIST") {
        copy_dir(Path::new(&dist), &out);
        return;
    }
    if std::env::var("HELPDESK_SKIP_WEB_BUILD").is_ok_and(|v| v == "1")
        || !web.join("package.json").exists()
    {
        let _ = std::fs::create_dir_all(&out);
        return;
    }
    if let Err(e) = build(&web, &out) {
        println!(
            "cargo:warning=the web UI was not built ({e}); the binary will serve the API only"
        );
        let _ = std::fs::create_dir_all(&out);
    }
}

fn npm() -> Command {
    let mut c = Command::new(if cfg!(windows) { "npm.cmd" } else { "npm" });
    c.arg("--no-audit").arg("--no-fund").arg("--loglevel=error");
    c
}

fn build(web: &Path, out: &Path) -> Result<(), String> {
    let installed = web.join("node_modules/.package-lock.json");
    let lock = web.join("package-lock.json");
    let stale = match (
        std::fs::metadata(&installed).and_then(|m| m.modified()),
        std::fs::metadata(&lock).and_then(|m| m.modified()),
    ) {
        (Ok(i), Ok(l)) => l > i,
        _ => true,
    };
    if stale {
        run(npm().arg("ci").current_dir(web), "npm ci")?;
    }
    let out = out.to_str().ok_or("OUT_DIR is not UTF-8")?;
    run(
        npm()
            .args(["run", "build", "--", "--outDir", out, "--emptyOutDir"])
            .current_dir(web),
        "npm run build",
    )
}

fn run(cmd: &mut Command, what: &str) -> Result<(), String> {
    let status = cmd.status().map_err(|e| format!("{what}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed with {status}"))
    }
}

fn copy_dir(from: &Path, to: &Path) {
    let _ = std::fs::create_dir_all(to);
    let Ok(entries) = std::fs::read_dir(from) else {
        return;
    };
    for e in entries.flatten() {
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            let _ = std::fs::copy(e.path(), target);
        }
    }
}
