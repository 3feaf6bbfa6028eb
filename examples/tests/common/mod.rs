//! Running the example binaries from tests: where cargo put them, a child process
//! that is killed when dropped, and plain HTTP/1.1 over a real socket.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Every bound of these tests: a child that has not answered by then has hung.
pub const BOUND: Duration = Duration::from_secs(60);

/// Builds the examples once per test binary, so a filtered run
/// (`cargo test -p realtime-examples --test servers`) never runs stale binaries.
fn build_examples() {
    static BUILT: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    BUILT.get_or_init(|| {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut build = Command::new(cargo);
        // `test --no-run --workspace` builds the examples exactly as the README's
        // `cargo test --workspace` does, with the same features: a no-op after it
        // (a `-p realtime-examples` build would resolve other features and rebuild).
        build.args(["test", "--no-run", "--quiet", "--workspace"]);
        // What cargo sets for this test run, not for a build: build scripts that
        // watch them (ring watches CARGO_MANIFEST_DIR) would rebuild every time.
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            let per_run = name.starts_with("CARGO_PKG_")
                || name.starts_with("CARGO_BIN_")
                || name.starts_with("CARGO_MANIFEST_")
                || matches!(
                    name.as_ref(),
                    "CARGO_CRATE_NAME"
                        | "CARGO_PRIMARY_PACKAGE"
                        | "CARGO_TARGET_TMPDIR"
                        | "CARGO_RUSTC_CURRENT_DIR"
                        | "OUT_DIR"
                );
            if per_run {
                build.env_remove(name.as_ref());
            }
        }
        if cfg!(feature = "microphone") {
            build.args(["--features", "realtime-examples/microphone"]);
        }
        if !cfg!(debug_assertions) {
            build.arg("--release");
        }
        let output = build.output().unwrap();
        assert!(
            output.status.success(),
            "building the examples failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    });
}

/// Credentials the examples read; removed so every run is offline.
const CREDENTIALS: [&str; 8] = [
    "OPENAI_API_KEY",
    "AZURE_OPENAI_ENDPOINT",
    "AZURE_OPENAI_API_KEY",
    "AZURE_OPENAI_REALTIME_DEPLOYMENT",
    "AZURE_OPENAI_DEPLOYMENT",
    "AZURE_VOICELIVE_ENDPOINT",
    "AZURE_VOICELIVE_API_KEY",
    "AZURE_VOICELIVE_MODEL",
];

/// The example binary `name`, built by `cargo test -p realtime-examples` next to this
/// test's own binary (`target/<profile>/examples/<name>`).
pub fn example(name: &str) -> PathBuf {
    build_examples();
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let path = profile_dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is missing: run `cargo test -p realtime-examples` (it builds the examples)",
        path.display()
    );
    path
}

/// A command for the example `name`, with no provider credentials in its environment.
pub fn command(name: &str) -> Command {
    let mut command = Command::new(example(name));
    for var in CREDENTIALS {
        command.env_remove(var);
    }
    command.env_remove("RUST_LOG");
    command
}

/// A child process killed (and reaped) when dropped.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Running {
    /// Waits for the exit, at most [`BOUND`].
    pub fn wait(&mut self) -> ExitStatus {
        let deadline = Instant::now() + BOUND;
        loop {
            if let Some(status) = self.0.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the example did not exit within {BOUND:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Starts the server example `name` with `args` on a free loopback port and returns
/// it with the address from the line that starts with `marker` (`http://ADDR…`).
pub fn start_server(name: &str, args: &[&str], marker: &str) -> (Running, SocketAddr) {
    let child = command(name)
        .args(args)
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut running = Running(child);
    let stdout: ChildStdout = running.0.stdout.take().unwrap();
    // The server prints its address after a few lines; the reading thread ends with it.
    let (tx, rx) = std::sync::mpsc::channel();
    let wanted = marker.to_owned();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(rest) = line.strip_prefix(&wanted) {
                let address = rest
                    .trim_start_matches("http://")
                    .split(['/', ' '])
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                let _ = tx.send(address);
            }
        }
    });
    let address = rx
        .recv_timeout(BOUND)
        .unwrap_or_else(|_| panic!("{name} did not print `{marker}`"));
    (running, address.parse().unwrap())
}

/// The status code and body of one HTTP/1.1 request; `headers` are `Name: value` lines.
pub fn http(
    address: SocketAddr,
    method: &str,
    path: &str,
    headers: &[String],
    body: &str,
) -> (u16, String) {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(BOUND)).unwrap();
    let has_host = headers
        .iter()
        .any(|h| h.to_ascii_lowercase().starts_with("host:"));
    let mut request = format!("{method} {path} HTTP/1.1\r\n");
    if !has_host {
        request.push_str(&format!("Host: {address}\r\n"));
    }
    for header in headers {
        request.push_str(header);
        request.push_str("\r\n");
    }
    if !headers
        .iter()
        .any(|h| h.to_ascii_lowercase().starts_with("connection:"))
    {
        request.push_str("Connection: close\r\n");
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(request.as_bytes()).unwrap();
    let (status, length) = read_head(&mut stream);
    // A 101 keeps the socket open: the head is all there is to read.
    let mut body = vec![0u8; if status == 101 { 0 } else { length }];
    stream.read_exact(&mut body).unwrap();
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// Reads the response head: its status code and `Content-Length` (0 when absent).
fn read_head(stream: &mut TcpStream) -> (u16, usize) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    let head = String::from_utf8_lossy(&head);
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {head:?}"));
    let length = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse().ok())
        .unwrap_or(0);
    (status, length)
}

/// The headers of a WebSocket upgrade request.
pub fn websocket_upgrade() -> Vec<String> {
    vec![
        "Upgrade: websocket".to_owned(),
        "Connection: Upgrade".to_owned(),
        "Sec-WebSocket-Version: 13".to_owned(),
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==".to_owned(),
    ]
}
