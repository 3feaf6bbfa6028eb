//! Recorded against emulated server frames: order within responses, field paths,
//! and the values that do not vary from run to run.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

/// What kind of divergence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The events of a response come in another order (or are missing or extra).
    Order,
    /// An event type carries a field path the other side lacks.
    Path,
    /// A value that does not vary between runs differs.
    Value,
}

/// One divergence: a stable key (what the allowlist names) and a detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Divergence {
    /// What kind.
    pub kind: Kind,
    /// Stable across runs and sessions (no ids), e.g.
    /// `path missing: response.done response.usage.input_token_details`.
    pub key: String,
    /// Where and what, for the report.
    pub detail: String,
}

/// How many responses the frames hold.
pub(super) fn responses(frames: &[Value]) -> usize {
    frames
        .iter()
        .filter(|frame| type_of(frame) == "response.created")
        .count()
}

/// Every divergence of `emulated` from `recorded`.
pub(super) fn compare(recorded: &[Value], emulated: &[Value]) -> Vec<Divergence> {
    let mut divergences = kinds(recorded, emulated);
    divergences.extend(order(recorded, emulated));
    divergences.extend(paths(recorded, emulated));
    divergences.extend(values(recorded, emulated));
    divergences
}

fn type_of(frame: &Value) -> &str {
    frame.get("type").and_then(Value::as_str).unwrap_or("")
}

/// Event types that arrive on their own clock, not as part of a response.
fn is_ambient(kind: &str) -> bool {
    kind.starts_with("session.") || kind == "rate_limits.updated" || kind == "error"
}

/// Each response's event types in order of first appearance (deltas repeat a
/// varying number of times; what matters is which come, and which first).
fn response_orders(frames: &[Value]) -> Vec<Vec<String>> {
    let mut orders = Vec::new();
    let mut current: Option<Vec<String>> = None;
    for frame in frames {
        let kind = type_of(frame);
        if kind == "response.created" {
            current = Some(Vec::new());
        }
        if let Some(order) = current.as_mut()
            && !is_ambient(kind)
            && !order.iter().any(|seen| seen == kind)
        {
            order.push(kind.to_owned());
        }
        if kind == "response.done"
            && let Some(order) = current.take()
        {
            orders.push(order);
        }
    }
    orders
}

/// Event types one side sends and the other never does (inside or outside responses).
fn kinds(recorded: &[Value], emulated: &[Value]) -> Vec<Divergence> {
    let set = |frames: &[Value]| -> BTreeSet<String> {
        frames
            .iter()
            .map(|frame| type_of(frame).to_owned())
            .collect()
    };
    let (recorded, emulated) = (set(recorded), set(emulated));
    let missing = recorded.difference(&emulated).map(|kind| ("missing", kind));
    let extra = emulated.difference(&recorded).map(|kind| ("extra", kind));
    missing
        .chain(extra)
        .map(|(side, kind)| Divergence {
            kind: Kind::Order,
            key: format!("type {side}: {kind}"),
            detail: format!("the event type is {side} in the emulated session"),
        })
        .collect()
}

fn order(recorded: &[Value], emulated: &[Value]) -> Vec<Divergence> {
    let recorded = response_orders(recorded);
    let emulated = response_orders(emulated);
    let mut divergences = Vec::new();
    if recorded.len() != emulated.len() {
        divergences.push(Divergence {
            kind: Kind::Order,
            key: format!(
                "responses: recorded {} emulated {}",
                recorded.len(),
                emulated.len()
            ),
            detail: "a different number of responses".to_owned(),
        });
    }
    for (index, (recorded, emulated)) in recorded.iter().zip(&emulated).enumerate() {
        if recorded != emulated {
            divergences.push(Divergence {
                kind: Kind::Order,
                key: format!(
                    "order: recorded [{}] emulated [{}]",
                    recorded.join(" "),
                    emulated.join(" ")
                ),
                detail: format!("response {index}"),
            });
        }
    }
    divergences
}

/// Field paths of a frame, arrays as `[]` (the frame's `type` left out).
fn collect_paths(value: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                out.insert(path.clone());
                collect_paths(value, &path, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                collect_paths(item, &format!("{prefix}[]"), out);
            }
        }
        _ => {}
    }
}

/// Paths under these are data the client chose or the model produced (a tool's
/// JSON schema, function arguments), not the service's shape.
fn is_client_data(path: &str) -> bool {
    path.contains(".parameters.") || path.contains("tools[].parameters")
}

fn paths_by_type(frames: &[Value]) -> BTreeMap<String, BTreeSet<String>> {
    let mut by_type: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for frame in frames {
        let mut paths = BTreeSet::new();
        collect_paths(frame, "", &mut paths);
        by_type
            .entry(type_of(frame).to_owned())
            .or_default()
            .extend(paths.into_iter().filter(|path| !is_client_data(path)));
    }
    by_type
}

fn paths(recorded: &[Value], emulated: &[Value]) -> Vec<Divergence> {
    let recorded = paths_by_type(recorded);
    let emulated = paths_by_type(emulated);
    let mut divergences = Vec::new();
    for (kind, recorded_paths) in &recorded {
        let Some(emulated_paths) = emulated.get(kind) else {
            continue;
        };
        for path in recorded_paths.difference(emulated_paths) {
            divergences.push(Divergence {
                kind: Kind::Path,
                key: format!("path missing: {kind} {path}"),
                detail: "the service sends it, the emulator does not".to_owned(),
            });
        }
        for path in emulated_paths.difference(recorded_paths) {
            divergences.push(Divergence {
                kind: Kind::Path,
                key: format!("path extra: {kind} {path}"),
                detail: "the emulator sends it, the service did not".to_owned(),
            });
        }
    }
    divergences
}

/// Leaf keys whose values vary from run to run: ids, text, audio, timestamps.
fn varies(path: &str) -> bool {
    let leaf = path.rsplit('.').next().unwrap_or(path);
    let leaf = leaf.trim_end_matches("[]");
    leaf == "id"
        || leaf.ends_with("_id")
        || leaf.ends_with("_ms")
        || matches!(
            leaf,
            "delta"
                | "text"
                | "transcript"
                | "audio"
                | "instructions"
                | "arguments"
                | "output"
                | "expires_at"
                | "obfuscation"
                | "message"
                | "seconds"
        )
        || path.contains("usage.")
        || path.starts_with("rate_limits")
        || is_client_data(path)
}

fn leaves(value: &Value, prefix: &str, out: &mut BTreeMap<String, Value>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                leaves(value, &path, out);
            }
        }
        // Arrays of plain values are sets to the services: Voice Live echoes
        // `["text","audio"]` in either order (REC-VL).
        Value::Array(items) if items.iter().all(|item| !item.is_object()) => {
            let mut sorted: Vec<String> = items.iter().map(Value::to_string).collect();
            sorted.sort();
            out.insert(prefix.to_owned(), Value::from(sorted));
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                leaves(item, &format!("{prefix}[{index}]"), out);
            }
        }
        leaf => {
            out.insert(prefix.to_owned(), leaf.clone());
        }
    }
}

fn values(recorded: &[Value], emulated: &[Value]) -> Vec<Divergence> {
    let mut divergences = Vec::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut by_type: BTreeMap<&str, Vec<&Value>> = BTreeMap::new();
    for frame in emulated {
        by_type.entry(type_of(frame)).or_default().push(frame);
    }
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for frame in recorded {
        let kind = type_of(frame);
        let index = counts.entry(kind).or_default();
        let Some(twin) = by_type.get(kind).and_then(|frames| frames.get(*index)) else {
            *index += 1;
            continue;
        };
        *index += 1;
        let mut mine = BTreeMap::new();
        let mut theirs = BTreeMap::new();
        leaves(frame, "", &mut mine);
        leaves(twin, "", &mut theirs);
        for (path, value) in &mine {
            if varies(path) {
                continue;
            }
            let Some(other) = theirs.get(path) else {
                continue;
            };
            if value != other {
                let key = format!("value: {kind} {path}: recorded {value} emulated {other}");
                if seen.insert(key.clone()) {
                    divergences.push(Divergence {
                        kind: Kind::Value,
                        key,
                        detail: "a value that does not vary between runs".to_owned(),
                    });
                }
            }
        }
    }
    divergences
}
