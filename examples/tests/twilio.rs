//! The Twilio bridge on loopback, against a scripted Twilio client (tokio-tungstenite)
//! speaking the Media Streams protocol: a call with a tool and a barge-in. The caller
//! "plays" the first two marks of the answer, then speaks over it: the bridge must
//! send `clear`, and the provider must receive a truncation at exactly the position of
//! the last mark Twilio echoed.
#![allow(clippy::unwrap_used, dead_code, unreachable_pub)]

#[path = "../twilio_bridge/call.rs"]
mod call;
#[path = "../twilio_bridge/twilio.rs"]
mod twilio;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use realtime::audio_io::convert::encode;
use realtime::protocol::{AudioBase64, AudioFormat};
use realtime_examples::guard::Guard;
use realtime_examples::provider::{Connection, Provider};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Every wait of this test: a bridge that has not answered by then has hung.
const BOUND: Duration = Duration::from_secs(30);
/// Caller audio sent at most while waiting for the bridge to react.
const MAX_FRAMES: usize = 1_000;
const STREAM_SID: &str = "MZ00000000000000000000000000000001";

/// 20 ms of a 300 Hz μ-law tone, as Twilio sends it.
fn caller_frame(index: usize) -> Vec<u8> {
    let samples: Vec<f32> = (0..160)
        .map(|n| {
            let t = (index * 160 + n) as f32 / 8_000.0;
            (2.0 * std::f32::consts::PI * 300.0 * t).sin() * 0.3
        })
        .collect();
    encode(AudioFormat::G711Ulaw, &samples).unwrap()
}

struct Caller {
    socket: Socket,
    frames_sent: usize,
    /// The μ-law the caller sent, in order.
    sent: Vec<u8>,
    /// Marks received from the bridge, not yet echoed.
    marks: Vec<String>,
    clears: usize,
}

impl Caller {
    async fn send(&mut self, message: Value) {
        self.socket
            .send(Message::Text(message.to_string().into()))
            .await
            .unwrap();
    }

    async fn speak_frame(&mut self) {
        let frame = caller_frame(self.frames_sent);
        self.frames_sent += 1;
        self.sent.extend_from_slice(&frame);
        self.send(json!({
            "event": "media",
            "sequenceNumber": (self.frames_sent + 2).to_string(),
            "media": {
                "track": "inbound",
                "chunk": self.frames_sent.to_string(),
                "timestamp": (self.frames_sent * 20).to_string(),
                "payload": AudioBase64::from_pcm(&frame).as_str(),
            },
            "streamSid": STREAM_SID,
        }))
        .await;
    }

    fn on_message(&mut self, message: &Value) {
        assert_eq!(message["streamSid"], STREAM_SID, "{message}");
        match message["event"].as_str() {
            Some("media") => {
                let payload = message["media"]["payload"].as_str().unwrap();
                assert!(
                    !AudioBase64::from_base64(payload)
                        .decode()
                        .unwrap()
                        .is_empty()
                );
            }
            Some("mark") => self
                .marks
                .push(message["mark"]["name"].as_str().unwrap().to_owned()),
            Some("clear") => self.clears += 1,
            other => panic!("unexpected message from the bridge: {other:?} in {message}"),
        }
    }

    /// Speaks 20 ms frames in real time (as a phone line does) until `done` holds,
    /// reading what the bridge sends meanwhile.
    async fn speak_until(&mut self, done: impl Fn(&Self) -> bool) {
        let mut tick = tokio::time::interval(Duration::from_millis(20));
        for _ in 0..MAX_FRAMES {
            if done(self) {
                return;
            }
            tokio::select! {
                biased;
                message = self.socket.next() => {
                    let text = message.unwrap().unwrap().into_text().unwrap();
                    self.on_message(&serde_json::from_str(&text).unwrap());
                }
                _ = tick.tick() => self.speak_frame().await,
            }
        }
        panic!(
            "the bridge did not react to {} frames of caller audio",
            MAX_FRAMES
        );
    }

    /// Reads what the bridge sends until `done` holds.
    async fn listen_until(&mut self, done: impl Fn(&Self) -> bool) {
        while !done(self) {
            let message = tokio::time::timeout(BOUND, self.socket.next())
                .await
                .expect("the bridge went quiet")
                .unwrap()
                .unwrap();
            let text = message.into_text().unwrap();
            self.on_message(&serde_json::from_str(&text).unwrap());
        }
    }
}

struct Outcome {
    report: call::CallReport,
    echoed_ms: u64,
    caller: Caller,
    client_frames: Vec<Value>,
}

async fn call_with_barge_in(provider: Provider, transcode: bool) -> Outcome {
    let connection = Connection::offline(provider, call::offline_script(), "test")
        .await
        .unwrap();
    let (reports, mut reports_rx) = mpsc::channel(4);
    let bridge = Arc::new(call::Bridge {
        upstream: call::Upstream::Client(Box::new(call::SharedClient {
            client: connection.client.clone(),
            base: connection.base_session(),
        })),
        transcode,
        reports: Some(reports),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = call::router(bridge, &Guard::new(address, 10));
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });

    let url = format!("ws://{address}{}", call::MEDIA_PATH);
    let (socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let mut caller = Caller {
        socket,
        frames_sent: 0,
        sent: Vec::new(),
        marks: Vec::new(),
        clears: 0,
    };
    caller
        .send(json!({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        .await;
    caller
        .send(json!({
            "event": "start",
            "sequenceNumber": "1",
            "start": {
                "accountSid": "AC00000000000000000000000000000001",
                "streamSid": STREAM_SID,
                "callSid": "CA00000000000000000000000000000001",
                "tracks": ["inbound"],
                "customParameters": {},
                "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
            },
            "streamSid": STREAM_SID,
        }))
        .await;

    // The caller asks; the agent looks the order up and answers (five 100 ms chunks).
    caller.speak_until(|c| !c.marks.is_empty()).await;
    caller
        .listen_until(|c| {
            c.marks
                .last()
                .and_then(|m| twilio::parse_mark_name(m))
                .is_some_and(|(_, ms)| ms == 500)
        })
        .await;
    // Twilio plays the first two marks' audio and echoes them.
    let marks = std::mem::take(&mut caller.marks);
    for name in &marks[..2] {
        caller
            .send(json!({"event": "mark", "sequenceNumber": "9", "streamSid": STREAM_SID, "mark": {"name": name}}))
            .await;
    }
    let (_, echoed_ms) = twilio::parse_mark_name(&marks[1]).unwrap();
    // The caller speaks over the rest of the answer.
    caller.speak_until(|c| c.clears > 0).await;
    caller
        .send(json!({"event": "stop", "sequenceNumber": "99", "streamSid": STREAM_SID, "stop": {}}))
        .await;
    let report = tokio::time::timeout(BOUND, reports_rx.recv())
        .await
        .expect("no call report")
        .unwrap();
    server.abort();

    let recorded = connection.emulator.as_ref().unwrap().connections();
    let client_frames = recorded
        .iter()
        .flat_map(|connection| connection.texts())
        .map(|text| serde_json::from_str(&text).unwrap())
        .collect();
    Outcome {
        report,
        echoed_ms,
        caller,
        client_frames,
    }
}

fn of_type<'a>(frames: &'a [Value], kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    frames.iter().filter(move |frame| frame["type"] == kind)
}

fn assert_barge_in(outcome: &Outcome) {
    let report = &outcome.report;
    assert_eq!(report.stream_sid, STREAM_SID);
    assert_eq!(report.tools, ["lookup_order"]);
    assert!(outcome.caller.clears >= 1, "no clear sent on barge-in");
    assert_eq!(report.clears, outcome.caller.clears);
    // The truncation is where the last echoed mark said the caller was.
    let [(item_id, audio_end_ms)] = report.interruptions.as_slice() else {
        panic!("expected one barge-in: {report:?}");
    };
    assert_eq!(*audio_end_ms, Some(outcome.echoed_ms), "{report:?}");
    assert_eq!(report.marks_echoed, 2);
    assert_eq!(
        report.last_played,
        Some((item_id.clone(), outcome.echoed_ms))
    );
    let truncates: Vec<&Value> =
        of_type(&outcome.client_frames, "conversation.item.truncate").collect();
    assert_eq!(truncates.len(), 1, "{truncates:?}");
    assert_eq!(truncates[0]["item_id"], item_id.as_str());
    assert_eq!(truncates[0]["audio_end_ms"], outcome.echoed_ms);
    // The tool's output went back to the model.
    assert!(
        of_type(&outcome.client_frames, "conversation.item.create")
            .any(|frame| frame["item"]["type"] == "function_call_output"),
        "no function_call_output sent"
    );
}

fn appended_audio(frames: &[Value]) -> Vec<u8> {
    of_type(frames, "input_audio_buffer.append")
        .flat_map(|frame| {
            AudioBase64::from_base64(frame["audio"].as_str().unwrap())
                .decode()
                .unwrap()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ulaw_passes_through_and_barge_in_truncates_at_the_echoed_mark() {
    let outcome = call_with_barge_in(Provider::OpenAi, false).await;
    assert!(outcome.report.passthrough);
    assert_barge_in(&outcome);
    // The session speaks μ-law both ways, and the caller's bytes reach it untouched.
    let update = of_type(&outcome.client_frames, "session.update")
        .next()
        .unwrap();
    assert_eq!(
        update["session"]["audio"]["input"]["format"]["type"], "audio/pcmu",
        "{update}"
    );
    assert_eq!(
        update["session"]["audio"]["output"]["format"]["type"], "audio/pcmu",
        "{update}"
    );
    assert_eq!(appended_audio(&outcome.client_frames), outcome.caller.sent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transcoded_calls_truncate_at_the_echoed_mark_too() {
    let outcome = call_with_barge_in(Provider::VoiceLive, true).await;
    assert!(!outcome.report.passthrough);
    assert_barge_in(&outcome);
    // 8 kHz μ-law became 24 kHz pcm16: three samples of two bytes per caller byte
    // (less what the resampler still holds, under 10 ms).
    let appended = appended_audio(&outcome.client_frames).len();
    let expected = outcome.caller.sent.len() * 6;
    assert!(
        appended <= expected && appended + 480 * 2 >= expected,
        "{appended} of {expected}"
    );
}
