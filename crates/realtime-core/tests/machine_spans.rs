//! The agent machine's span tree (session → connection → turn → response → tool)
//! with its GenAI attributes, through a scripted conversation in simulated time.
//!
//! One test in its own binary: `tracing` caches per-callsite interest process-wide,
//! so a test without a subscriber running beside it could hide these spans.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod scripted_conversation;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use scripted_conversation::run;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Subscriber, subscriber::with_default};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// Every span opened: its name, its parent's name, and its fields as text.
#[derive(Debug, Default, Clone)]
struct Recorded {
    spans: Vec<(String, Option<String>, HashMap<String, String>)>,
    ids: HashMap<u64, usize>,
}

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Recorded>>);

struct Fields<'a>(&'a mut HashMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_owned(), value.to_string());
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let parent = ctx
            .span(id)
            .and_then(|span| span.parent().map(|parent| parent.name().to_owned()));
        let mut fields = HashMap::new();
        attrs.record(&mut Fields(&mut fields));
        let mut recorded = self.0.lock().unwrap();
        let index = recorded.spans.len();
        recorded
            .spans
            .push((attrs.metadata().name().to_owned(), parent, fields));
        recorded.ids.insert(id.into_u64(), index);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        let mut recorded = self.0.lock().unwrap();
        if let Some(&index) = recorded.ids.get(&id.into_u64()) {
            values.record(&mut Fields(&mut recorded.spans[index].2));
        }
    }
}

#[test]
fn the_span_tree_of_a_scripted_turn() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::registry().with(capture.clone());
    with_default(subscriber, || {
        let _ = run();
    });
    let recorded = capture.0.lock().unwrap().clone();
    let tree: Vec<(&str, Option<&str>)> = recorded
        .spans
        .iter()
        .map(|(name, parent, _)| (name.as_str(), parent.as_deref()))
        .collect();
    assert_eq!(
        tree,
        [
            ("realtime.session", None),
            ("realtime.connection", Some("realtime.session")),
            ("realtime.turn", Some("realtime.connection")),
            ("realtime.response", Some("realtime.turn")),
            ("realtime.tool", Some("realtime.response")),
            ("realtime.response", Some("realtime.turn")),
            ("realtime.connection", Some("realtime.session")),
            ("realtime.turn", Some("realtime.connection")),
            ("realtime.response", Some("realtime.turn")),
        ]
    );
    let field = |index: usize, name: &str| recorded.spans[index].2.get(name).cloned();
    assert_eq!(field(0, "gen_ai.system").as_deref(), Some("generic"));
    assert_eq!(field(0, "gen_ai.agent.name").as_deref(), Some("desk"));
    assert_eq!(field(3, "gen_ai.response.id").as_deref(), Some("r1"));
    assert_eq!(
        field(3, "gen_ai.usage.input_tokens").as_deref(),
        Some("100")
    );
    assert_eq!(
        field(3, "gen_ai.usage.output_tokens").as_deref(),
        Some("20")
    );
    assert_eq!(field(4, "gen_ai.tool.name").as_deref(), Some("weather"));
    assert_eq!(field(4, "realtime.tool.outcome").as_deref(), Some("ok"));
    assert_eq!(
        field(0, "gen_ai.usage.input_tokens").as_deref(),
        Some("600"),
        "the session's total"
    );
}
