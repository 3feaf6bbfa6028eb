//! The agent loop's per-event cost, end to end over loopback.
//!
//! Run with: `cargo bench -p realtime-benches --bench agent`
//!
//! One iteration is one assistant turn against the testkit emulator on a
//! current-thread runtime (client, agent loop and emulator share one thread): the
//! app sends text, the emulator answers with a scripted spoken turn of `chunks`
//! 100 ms audio chunks, and the app drains `AgentEvent`s until `ResponseDone`.
//! The counter is server events per turn, so the time per item is the whole cost of
//! one server event: emulator encode, two WebSocket hops, decode, agent dispatch and
//! delivery of its `AgentEvent`s. The emulator's share is measured separately in
//! `emulator_only` (the same turn, engine + encode, no socket, no client).

#![allow(
    missing_docs,
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used
)]

use std::hint::black_box;
use std::sync::Arc;

use divan::Bencher;
use divan::counter::ItemsCount;
use realtime::agent::{Agent, AgentEvent, AgentRunner};
use realtime::client::RealtimeClient;
use realtime::transport::{ConnectRequest, StaticConnector};
use realtime_testkit::emulator::{Engine, Profile, Script};

fn main() {
    divan::main();
}

const TURNS: usize = 100_000;

fn words(n: usize) -> String {
    (0..n).map(|i| format!("word{i} ")).collect()
}

/// Server events the emulator sends for one spoken turn of `chunks` chunks.
fn events_per_turn(profile: &Profile, chunks: usize) -> usize {
    let script = Script::new().audio_chunks(chunks).say(words(chunks));
    let mut engine = Engine::new(profile.clone(), script);
    let _ = engine.open();
    let frame = r#"{"type":"conversation.item.create","item":{"type":"message","role":"user","content":[{"type":"input_text","text":"hi"}]}}"#;
    let created = engine.on_frame(frame).len();
    created + engine.on_frame(r#"{"type":"response.create"}"#).len()
}

#[divan::bench(args = [3, 20])]
fn turn_loopback(bencher: Bencher<'_, '_>, chunks: usize) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let profile = Profile::openai_ga();
    let per_turn = events_per_turn(&profile, chunks);
    let mut script = Script::new().audio_chunks(chunks);
    let text = words(chunks);
    for _ in 0..TURNS {
        script = script.say(text.clone());
    }
    let (emulator, mut session) = runtime.block_on(async {
        let emulator = realtime_testkit::emulator::Emulator::start(profile, script)
            .await
            .unwrap();
        let connector = StaticConnector::new("emulator", ConnectRequest::new(emulator.url()));
        let client = RealtimeClient::from_parts(
            Arc::new(realtime::openai::OpenAiDialect::new()),
            Arc::new(connector),
        );
        let session = AgentRunner::new(client, Agent::new("bench"))
            .start()
            .await
            .unwrap();
        (emulator, session)
    });
    bencher.counter(ItemsCount::new(per_turn)).bench_local(|| {
        runtime.block_on(async {
            session.send_text("hi").await.unwrap();
            while let Some(event) = session.next_event().await {
                if matches!(event, AgentEvent::ResponseDone { .. }) {
                    break;
                }
            }
        });
    });
    runtime.block_on(async {
        let _ = session.close().await;
    });
    drop(emulator);
}

#[divan::bench(args = [3, 20])]
fn emulator_only(bencher: Bencher<'_, '_>, chunks: usize) {
    let profile = Profile::openai_ga();
    let per_turn = events_per_turn(&profile, chunks);
    let text = words(chunks);
    let shape = profile.shape;
    // Not more iterations than turns: the script would fall back to "OK.".
    let mut script = Script::new().audio_chunks(chunks);
    for _ in 0..TURNS {
        script = script.say(text.clone());
    }
    let mut engine = Engine::new(profile, script);
    let _ = engine.open();
    bencher
        .counter(ItemsCount::new(per_turn))
        .bench_local(|| {
            let frame = r#"{"type":"conversation.item.create","item":{"type":"message","role":"user","content":[{"type":"input_text","text":"hi"}]}}"#;
            let mut events = engine.on_frame(frame);
            events.extend(engine.on_frame(r#"{"type":"response.create"}"#));
            for event in &events {
                black_box(shape.encode_server(event).unwrap());
            }
        });
}
