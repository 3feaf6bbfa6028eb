//! Fuzzing every decoder with generated and mutated frames: zero panics.
//!
//! cargo-fuzz needs nightly; this is a small mutation engine of our own, seeded from
//! the recorded and documented payloads in `fixtures/*/examples.jsonl`. Each frame is
//! built by one of: byte-level mutation (flips, inserts, deletions, duplication,
//! truncation), splicing two seeds, JSON-aware mutation (type swaps, another event's
//! `type`, removed and added fields, deep nesting, huge and odd numbers, unicode
//! escapes and long strings), or a synthetic event of a known type with random
//! fields. Every frame goes through every decoder: both wire shapes in both
//! directions, and each provider dialect's `decode`.
//!
//! - `cargo test -p realtime --test fuzz` runs a short pass (CI).
//! - `FUZZ_FRAMES=10000000 cargo test --release -p realtime --test fuzz -- --ignored --nocapture`
//!   runs the long pass on all cores and prints the count and the rate.
#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stdout)]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use realtime::dialect::Dialect;
use realtime::wire::WireShape;
use serde_json::{Map, Number, Value};

/// SplitMix64: small, fast, deterministic per seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The seed corpus: every payload of the fixtures, as text and as JSON.
struct Corpus {
    texts: Vec<String>,
    values: Vec<Value>,
    types: Vec<String>,
    keys: Vec<String>,
}

impl Corpus {
    fn load() -> Self {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
        let mut values = Vec::new();
        for dir in [
            "openai-ga",
            "openai-beta",
            "azure-openai",
            "voicelive",
            "broken",
        ] {
            let file = if dir == "broken" {
                "broken.jsonl"
            } else {
                "examples.jsonl"
            };
            let text = std::fs::read_to_string(root.join(dir).join(file)).unwrap();
            for line in text.lines().filter(|line| !line.trim().is_empty()) {
                let row: Value = serde_json::from_str(line).unwrap();
                if let Some(payload) = row.get("payload") {
                    values.push(payload.clone());
                }
            }
        }
        assert!(values.len() > 1000, "seeds: {}", values.len());
        let mut types: Vec<String> = values
            .iter()
            .filter_map(|v| v.get("type").and_then(Value::as_str).map(str::to_owned))
            .collect();
        types.sort();
        types.dedup();
        let mut keys = Vec::new();
        for value in &values {
            collect_keys(value, &mut keys);
        }
        keys.sort();
        keys.dedup();
        let texts = values.iter().map(Value::to_string).collect();
        Self {
            texts,
            values,
            types,
            keys,
        }
    }
}

fn collect_keys(value: &Value, keys: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                keys.push(key.clone());
                collect_keys(inner, keys);
            }
        }
        Value::Array(items) => items.iter().for_each(|inner| collect_keys(inner, keys)),
        _ => {}
    }
}

const ODD_STRINGS: &[&str] = &[
    "",
    "\u{0}",
    "\u{feff}",
    "é",
    "🦀🦀",
    "\u{10ffff}",
    "a\"b\\c",
    "null",
    "NaN",
    "-0",
    "response.done",
    "audio/pcm",
    "pcm16",
    "g711_ulaw",
    "server_vad",
    "AAAA",
    "@@@@",
    "====",
];

fn random_value(rng: &mut Rng, corpus: &Corpus, depth: usize) -> Value {
    match rng.below(if depth > 3 { 7 } else { 10 }) {
        0 => Value::Null,
        1 => Value::Bool(rng.chance(2)),
        2 => odd_number(rng),
        3 => Value::String((*rng.pick(ODD_STRINGS)).to_owned()),
        4 => Value::String(rng.pick(&corpus.types).clone()),
        5 => Value::String("x".repeat(rng.below(5000))),
        6 => Value::Number(Number::from(rng.next() as i64 % 100_000)),
        7 => Value::Array(
            (0..rng.below(4))
                .map(|_| random_value(rng, corpus, depth + 1))
                .collect(),
        ),
        8 => {
            let mut map = Map::new();
            for _ in 0..rng.below(4) {
                map.insert(
                    rng.pick(&corpus.keys).clone(),
                    random_value(rng, corpus, depth + 1),
                );
            }
            Value::Object(map)
        }
        _ => rng.pick(&corpus.values).clone(),
    }
}

fn odd_number(rng: &mut Rng) -> Value {
    let n = match rng.below(9) {
        0 => Number::from(u64::MAX),
        1 => Number::from(i64::MIN),
        2 => Number::from_f64(f64::MAX).unwrap_or_else(|| Number::from(0)),
        3 => Number::from_f64(-0.0).unwrap_or_else(|| Number::from(0)),
        4 => Number::from_f64(1e-300).unwrap_or_else(|| Number::from(0)),
        5 => Number::from_f64(0.5).unwrap_or_else(|| Number::from(0)),
        6 => Number::from(-1),
        7 => Number::from(u64::from(u32::MAX) + 1),
        _ => Number::from(rng.next()),
    };
    Value::Number(n)
}

/// A random node of `value` (by path), mutated in place.
fn mutate_value(rng: &mut Rng, corpus: &Corpus, value: &mut Value, depth: usize) {
    let descend = depth < 12 && rng.chance(2);
    match value {
        Value::Object(map) if descend && !map.is_empty() => {
            let index = rng.below(map.len());
            if let Some((_, inner)) = map.iter_mut().nth(index) {
                return mutate_value(rng, corpus, inner, depth + 1);
            }
        }
        Value::Array(items) if descend && !items.is_empty() => {
            let index = rng.below(items.len());
            return mutate_value(rng, corpus, &mut items[index], depth + 1);
        }
        _ => {}
    }
    match rng.below(9) {
        0 | 1 => *value = random_value(rng, corpus, depth),
        2 => {
            if let Value::Object(map) = value
                && !map.is_empty()
            {
                let index = rng.below(map.len());
                let key = map.keys().nth(index).cloned().unwrap_or_default();
                map.remove(&key);
            } else {
                *value = Value::Null;
            }
        }
        3 => {
            if let Value::Object(map) = value {
                map.insert(
                    rng.pick(&corpus.keys).clone(),
                    random_value(rng, corpus, depth),
                );
            } else {
                *value = Value::Array(vec![value.take()]);
            }
        }
        4 => {
            // Deep nesting around the node (past serde_json's recursion limit at times).
            let levels = 1 + rng.below(200);
            let mut inner = value.take();
            for level in 0..levels {
                inner = if level % 2 == 0 {
                    Value::Array(vec![inner])
                } else {
                    let mut map = Map::new();
                    map.insert("a".to_owned(), inner);
                    Value::Object(map)
                };
            }
            *value = inner;
        }
        5 => *value = odd_number(rng),
        6 => {
            // Type swap: the same content as another JSON type.
            *value = match value.take() {
                Value::String(s) => s
                    .parse::<f64>()
                    .ok()
                    .and_then(Number::from_f64)
                    .map_or(Value::Array(vec![Value::String(s)]), Value::Number),
                Value::Number(n) => Value::String(n.to_string()),
                Value::Bool(b) => Value::String(b.to_string()),
                Value::Array(items) => items.into_iter().next().unwrap_or(Value::Null),
                Value::Object(map) => Value::Array(map.into_iter().map(|(_, v)| v).collect()),
                Value::Null => Value::Bool(false),
            };
        }
        7 => *value = Value::String(rng.pick(&corpus.types).clone()),
        _ => {
            if let Value::String(s) = value {
                let odd = *rng.pick::<&str>(ODD_STRINGS);
                s.push_str(odd);
                let odd = *rng.pick::<&str>(ODD_STRINGS);
                s.insert_str(0, odd);
            } else {
                *value = Value::String((*rng.pick(ODD_STRINGS)).to_owned());
            }
        }
    }
}

fn json_mutation(rng: &mut Rng, corpus: &Corpus) -> String {
    let mut value = rng.pick(&corpus.values).clone();
    if rng.chance(3)
        && let Value::Object(map) = &mut value
    {
        // Another event's type over this event's fields.
        map.insert(
            "type".to_owned(),
            Value::String(rng.pick(&corpus.types).clone()),
        );
    }
    for _ in 0..1 + rng.below(4) {
        mutate_value(rng, corpus, &mut value, 0);
    }
    let text = value.to_string();
    if rng.chance(8) {
        string_level(rng, text)
    } else {
        text
    }
}

/// JSON-text tricks a `Value` cannot express: escapes, duplicate keys, odd numbers.
fn string_level(rng: &mut Rng, text: String) -> String {
    const INSERTS: &[&str] = &[
        r#""type":"response.done","#,
        r#""\ud800":1,"#,
        r#""a\u0000b":"\ud83e\udd80","#,
        r#""n":1e999,"#,
        r#""n":-1e-999,"#,
        r#""n":123456789012345678901234567890,"#,
        r#""type":null,"#,
        r#""event_id":{"#,
    ];
    match text.find('{') {
        Some(at) => {
            let mut out = text;
            let insert = *rng.pick::<&str>(INSERTS);
            out.insert_str(at + 1, insert);
            out
        }
        None => text,
    }
}

fn byte_mutation(rng: &mut Rng, corpus: &Corpus) -> String {
    let mut bytes = rng.pick(&corpus.texts).clone().into_bytes();
    for _ in 0..1 + rng.below(6) {
        if bytes.is_empty() {
            break;
        }
        let at = rng.below(bytes.len());
        match rng.below(7) {
            0 => bytes[at] ^= 1 << rng.below(8),
            1 => bytes[at] = *rng.pick(b"{}[]\":,\\0123456789.eE-+ntfu\x00\xff"),
            2 => {
                let end = (at + 1 + rng.below(16)).min(bytes.len());
                bytes.drain(at..end);
            }
            3 => {
                let end = (at + 1 + rng.below(32)).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                let to = rng.below(bytes.len());
                bytes.splice(to..to, copy);
            }
            4 => bytes.truncate(at),
            5 => bytes.insert(at, rng.next() as u8),
            _ => {
                let other = rng.pick(&corpus.texts).as_bytes();
                let from = rng.below(other.len());
                bytes.truncate(at);
                bytes.extend_from_slice(&other[from..]);
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn synthetic(rng: &mut Rng, corpus: &Corpus) -> String {
    let mut map = Map::new();
    map.insert(
        "type".to_owned(),
        Value::String(rng.pick(&corpus.types).clone()),
    );
    for _ in 0..rng.below(8) {
        map.insert(rng.pick(&corpus.keys).clone(), random_value(rng, corpus, 0));
    }
    Value::Object(map).to_string()
}

fn frame(rng: &mut Rng, corpus: &Corpus) -> String {
    match rng.below(10) {
        0..=3 => json_mutation(rng, corpus),
        4..=6 => byte_mutation(rng, corpus),
        7 => synthetic(rng, corpus),
        8 => {
            let a = rng.pick(&corpus.texts);
            let b = rng.pick(&corpus.texts);
            let (i, j) = (rng.below(a.len()), rng.below(b.len()));
            let mut out = String::from_utf8_lossy(&a.as_bytes()[..i]).into_owned();
            out.push_str(&String::from_utf8_lossy(&b.as_bytes()[j..]));
            out
        }
        _ => rng.pick(&corpus.texts).clone(),
    }
}

fn dialects() -> Vec<Arc<dyn Dialect>> {
    use realtime::azure_openai::{ApiVersion as AzureVersion, AzureOpenAiDialect};
    use realtime::voicelive::{ApiVersion as VoiceLiveVersion, VoiceLiveDialect};
    vec![
        Arc::new(realtime::openai::OpenAiDialect::new()),
        Arc::new(AzureOpenAiDialect::ga_v1()),
        Arc::new(AzureOpenAiDialect::preview(
            AzureVersion::V2025_04_01Preview,
        )),
        Arc::new(VoiceLiveDialect::new(VoiceLiveVersion::V2025_10_01)),
        Arc::new(VoiceLiveDialect::new(VoiceLiveVersion::V2026_04_10)),
        Arc::new(VoiceLiveDialect::new(VoiceLiveVersion::V1)),
    ]
}

/// Feeds `frames` frames (seeded by `seed`) to every decoder; panics name the frame.
fn run(frames: u64, seed: u64, corpus: &Corpus) -> u64 {
    let dialects = dialects();
    let mut rng = Rng(seed);
    let mut decoded_ok = 0u64;
    for _ in 0..frames {
        let frame = frame(&mut rng, corpus);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let mut ok = 0u64;
            for shape in [WireShape::Ga, WireShape::Beta] {
                ok += u64::from(shape.decode_server(&frame).is_ok());
                ok += u64::from(shape.decode_client(&frame).is_ok());
            }
            for dialect in &dialects {
                ok += u64::from(dialect.decode(&frame).is_ok());
            }
            ok
        }));
        match outcome {
            Ok(ok) => decoded_ok += ok,
            Err(_) => panic!("a decoder panicked on this frame:\n{frame}"),
        }
    }
    decoded_ok
}

#[test]
fn decoders_survive_a_short_fuzz_run() {
    let corpus = Corpus::load();
    let frames = std::env::var("FUZZ_FRAMES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_000);
    let ok = run(frames, 0x5EED, &corpus);
    // The mutations are not all fatal: a share of frames still decodes, so the
    // decoders are exercised past the JSON parser.
    assert!(
        ok > frames,
        "only {ok} successful decodes of {frames} frames"
    );
}

#[test]
fn the_engine_mutates_and_is_deterministic() {
    let corpus = Corpus::load();
    let sample = |seed| {
        let mut rng = Rng(seed);
        (0..200)
            .map(|_| frame(&mut rng, &corpus))
            .collect::<Vec<_>>()
    };
    assert_eq!(sample(7), sample(7));
    let frames = sample(7);
    let unchanged = frames.iter().filter(|f| corpus.texts.contains(f)).count();
    assert!(unchanged < 40, "{unchanged} of 200 frames are plain seeds");
    let invalid = frames
        .iter()
        .filter(|f| serde_json::from_str::<Value>(f).is_err())
        .count();
    assert!(
        (20..180).contains(&invalid),
        "{invalid} of 200 are not JSON"
    );
}

/// The agent machine fed fuzzed server frames, decoded by each dialect, between app
/// commands and tool completions: no panic, and the gate never wedges (a response
/// asked for is in flight or pending, never lost).
#[test]
fn the_agent_machine_survives_fuzzed_server_events() {
    use std::time::Duration;

    use realtime::agent::machine::{Action, AgentMachine, Command, Input, MachineConfig};
    use realtime::agent::{Agent, AgentEvent, AgentTool};

    #[derive(serde::Deserialize, schemars::JsonSchema)]
    struct Arguments {}

    let corpus = Corpus::load();
    let frames: u64 = std::env::var("FUZZ_MACHINE_FRAMES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(5_000);
    for (n, dialect) in dialects().into_iter().enumerate() {
        let tool = AgentTool::new("lookup", "Looks up.", |_: Arguments, _| async { Ok("{}") });
        let agent = Agent::new("a").tool(tool).handoff("b", "B.");
        let config = MachineConfig::new(Arc::clone(&dialect), agent)
            .agent(Agent::new("b").handoff("a", "A."));
        let mut machine = AgentMachine::new(config).unwrap();
        let mut rng = Rng(0xF00D + n as u64);
        let mut now = Instant::now();
        let mut running = Vec::new();
        let mut errors = 0u64;
        machine.handle(
            now,
            Input::Connected {
                unix_time: 1_800_000_000,
            },
        );
        for step in 0..frames {
            let frame = frame(&mut rng, &corpus);
            let input = match dialect.decode(&frame) {
                Ok(events) => events.into_iter().map(Input::Server).collect::<Vec<_>>(),
                Err(error) => vec![Input::Undecodable {
                    event_type: error.event_type,
                }],
            };
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                for input in input {
                    machine.handle(now, input);
                }
                match step % 7 {
                    0 => machine.handle(now, Input::Command(Command::SendText("hi".into()))),
                    3 => {
                        if let Some(call_id) = running.pop() {
                            machine.handle(
                                now,
                                Input::ToolFinished {
                                    call_id,
                                    result: Ok("{}".into()),
                                },
                            );
                        }
                    }
                    5 => machine.handle(now, Input::Command(Command::Interrupt)),
                    _ => {}
                }
                now += Duration::from_millis(rng.next() % 500);
                machine.handle_timeout(now);
                while let Some(action) = machine.poll_action() {
                    match action {
                        Action::StartTool(start) => running.push(start.call_id),
                        Action::Emit(AgentEvent::Error(_)) => errors += 1,
                        _ => {}
                    }
                }
            }));
            if outcome.is_err() {
                panic!(
                    "the machine panicked on this frame ({}):\n{frame}",
                    dialect.name()
                );
            }
        }
        // Quiet server: past every bound, a response in flight always has a deadline.
        let later = now + Duration::from_secs(3_600);
        machine.handle_timeout(later);
        assert!(
            !machine.response_in_flight() || machine.poll_timeout().is_some_and(|at| at > later),
            "{}: a response stayed in flight with no bound",
            dialect.name()
        );
        assert!(
            errors > 0,
            "{}: bad input is reported as typed errors",
            dialect.name()
        );
    }
}

/// The long run: `FUZZ_FRAMES` frames (default 10 million) over all cores.
#[test]
#[ignore = "long run: FUZZ_FRAMES=10000000 cargo test --release -p realtime --test fuzz -- --ignored --nocapture"]
fn decoders_survive_a_long_fuzz_run() {
    let corpus = Corpus::load();
    let frames: u64 = std::env::var("FUZZ_FRAMES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000_000);
    let threads = std::thread::available_parallelism().map_or(1, usize::from) as u64;
    let decoders = 4 + dialects().len() as u64;
    let started = Instant::now();
    let ok: u64 = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let share = frames / threads + u64::from(t < frames % threads);
                let corpus = &corpus;
                scope.spawn(move || run(share, 0xF00D + t, corpus))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    let elapsed = started.elapsed();
    let rate = frames as f64 / elapsed.as_secs_f64();
    println!(
        "fuzz: {frames} frames x {decoders} decoders = {} decodes in {elapsed:.1?} on {threads} threads: {rate:.0} frames/s, {ok} decodes succeeded, 0 panics",
        frames * decoders
    );
}
