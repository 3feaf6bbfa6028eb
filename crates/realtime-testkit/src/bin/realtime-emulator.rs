//! `realtime-emulator`: the provider emulator as a process, serving every dialect on
//! one port for any SDK (see `--help`).
// A command-line program talks on stdout and stderr.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use realtime_testkit::emulator::{Fault, Pace, Script, Service, ServiceOptions};

const USAGE: &str = "\
realtime-emulator: the OpenAI / Azure OpenAI / Voice Live realtime services and GPT-Live
(OpenAI /v1/live/sessions, Azure /openai/v1/live), emulated

usage: realtime-emulator [--port 8765] [--host 127.0.0.1] [--key KEY] [--script FILE]
                         [--record DIR] [--pace realtime|instant] [--fault NAME]...

  --port N        listen on this port (default 8765; 0 = any free port)
  --host ADDR     listen on this address (default 127.0.0.1, loopback only)
  --key KEY       accept only this key (default: any non-empty key)
  --script FILE   JSON array of turns: {\"say\": ..}, {\"call\": {\"name\", \"arguments\"}},
                  {\"user_says\": ..}, {\"fault\": ..}, ... (default: every answer is \"OK.\")
  --record DIR    write each connection to DIR as fixture JSONL
  --pace P        realtime (audio at playback rate, the default) or instant
                  (GPT-Live always answers at once)
  --fault NAME    inject a fault as the first answer(s) (Realtime dialects): drop-mid-response,
                  malformed-json, non-object, binary-frame, server-error, rate-limited,
                  unknown-item-delta, duplicate, oversized=BYTES, stall=MS, fatal=CODE
";

struct Args {
    addr: SocketAddr,
    key: Option<String>,
    script: Option<PathBuf>,
    record: Option<PathBuf>,
    pace: Pace,
    faults: Vec<Fault>,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut port: u16 = 8765;
    let mut host = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let mut parsed = Args {
        addr: SocketAddr::from(([127, 0, 0, 1], port)),
        key: None,
        script: None,
        record: None,
        pace: Pace::Realtime,
        faults: Vec::new(),
    };
    while let Some(flag) = args.next() {
        if flag == "-h" || flag == "--help" {
            return Ok(None);
        }
        let mut value = || args.next().ok_or_else(|| format!("{flag} expects a value"));
        match flag.as_str() {
            "--port" => {
                let text = value()?;
                port = text
                    .parse()
                    .map_err(|_| format!("--port expects a port number, got {text:?}"))?;
            }
            "--host" => {
                let text = value()?;
                host = text
                    .parse()
                    .map_err(|_| format!("--host expects an IP address, got {text:?}"))?;
            }
            "--key" => parsed.key = Some(value()?),
            "--script" => parsed.script = Some(PathBuf::from(value()?)),
            "--record" => parsed.record = Some(PathBuf::from(value()?)),
            "--pace" => {
                parsed.pace = match value()?.as_str() {
                    "realtime" => Pace::Realtime,
                    "instant" => Pace::Instant,
                    other => {
                        return Err(format!("--pace expects realtime or instant, got {other:?}"));
                    }
                };
            }
            "--fault" => {
                let name = value()?;
                let fault = Fault::parse(&name)
                    .ok_or_else(|| format!("--fault: unknown fault {name:?}"))?;
                parsed.faults.push(fault);
            }
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    parsed.addr = SocketAddr::new(host, port);
    Ok(Some(parsed))
}

fn script(args: &Args) -> Result<Script, String> {
    let mut script = match &args.script {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|error| format!("--script {}: {error}", path.display()))?;
            let value: serde_json::Value = serde_json::from_str(&text)
                .map_err(|error| format!("--script {}: not JSON: {error}", path.display()))?;
            Script::from_json(&value)
                .map_err(|error| format!("--script {}: {error}", path.display()))?
        }
        None => Script::new(),
    };
    if !args.faults.is_empty() {
        let mut with_faults = Script::new();
        for fault in &args.faults {
            with_faults = with_faults.fault(fault.clone());
        }
        script = with_faults.then(script);
    }
    Ok(script)
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprint!("error: {error}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let script = match script(&args) {
        Ok(script) => script,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let mut options = ServiceOptions::new()
            .addr(args.addr)
            .script(script)
            .pace(args.pace);
        if let Some(key) = &args.key {
            options = options.key(key.clone());
        }
        if let Some(dir) = &args.record {
            options = options.record(dir.clone());
        }
        let service = match Service::start(options).await {
            Ok(service) => service,
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::FAILURE;
            }
        };
        print!(
            "{}",
            service.banner(args.key.as_deref().unwrap_or("any-key"))
        );
        // Until the process is stopped (Ctrl-C).
        std::future::pending::<()>().await;
        ExitCode::SUCCESS
    })
}
