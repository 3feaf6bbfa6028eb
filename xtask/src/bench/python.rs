//! openai-agents-python's server-event adapter on the same frames, in a venv under
//! `target/bench-venv` created on first use (`python3 -m venv`, `pip install
//! openai-agents`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::FrameSet;

const SCRIPT: &str = include_str!("agents_adapter.py");

fn venv_dir() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .unwrap_or(manifest)
        .join("target")
        .join("bench-venv")
}

fn run_quiet(command: &mut Command) -> Result<(), String> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|error| format!("cannot run {command:?}: {error}"))?;
    if output.status.success() {
        Ok(())
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().last().unwrap_or_default().to_owned();
        Err(format!("{command:?} failed: {last}"))
    }
}

/// The venv's python, creating the venv and installing `openai-agents` if needed.
fn venv_python() -> Result<PathBuf, String> {
    let venv = venv_dir();
    let python = venv.join("bin").join("python");
    let ready = venv.join(".openai-agents-installed");
    if ready.exists() && python.exists() {
        return Ok(python);
    }
    if Command::new("python3")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_or(true, |status| !status.success())
    {
        return Err("no python3 on PATH".to_owned());
    }
    if !python.exists() {
        run_quiet(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    }
    run_quiet(Command::new(venv.join("bin").join("pip")).args([
        "install",
        "--quiet",
        "openai-agents",
    ]))?;
    std::fs::write(&ready, b"").map_err(|error| error.to_string())?;
    Ok(python)
}

/// `(openai-agents version, median µs per frame)` of the adapter on `set`'s frames.
pub(super) fn adapter_us_per_frame(set: &FrameSet, rounds: usize) -> Result<(String, f64), String> {
    let python = venv_python()?;
    let venv = venv_dir();
    let frames_path = venv.join("ga-frames.jsonl");
    let script_path = venv.join("agents_adapter.py");
    let mut lines = String::new();
    for sample in &set.samples {
        lines.push_str(&sample.frame);
        lines.push('\n');
    }
    std::fs::write(&frames_path, lines).map_err(|error| error.to_string())?;
    std::fs::write(&script_path, SCRIPT).map_err(|error| error.to_string())?;
    let output = Command::new(python)
        .arg(&script_path)
        .arg(&frames_path)
        .arg(rounds.to_string())
        .stdin(Stdio::null())
        .output()
        .map_err(|error| error.to_string())?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut fields = stdout.split_whitespace();
    let (Some(version), Some(us), Some(valid), Some(total)) =
        (fields.next(), fields.next(), fields.next(), fields.next())
    else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!(
            "the adapter script printed nothing usable: {}",
            stderr.lines().last().unwrap_or_default()
        ));
    };
    let us: f64 = us
        .parse()
        .map_err(|_| format!("expected µs per frame, got `{us}`"))?;
    if !us.is_finite() {
        return Err(format!("the adapter validated none of the {total} frames"));
    }
    let version = if valid == total {
        version.to_owned()
    } else {
        format!("{version} ({valid} of {total} frames validated; the rest left out)")
    };
    Ok((version, us))
}
