//! The emulator's WebRTC peer against a real WebRTC client (str0m, as a browser
//! would be): the offer posted to `calls`, ICE on loopback, DTLS, the `oai-events`
//! data channel, the client's audio heard as speech by its RFC 6464 level, Opus
//! audio back; and a sideband socket attached by `call_id` sharing the session.
#![cfg(feature = "webrtc")]
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use realtime_core::transport::{ConnectRequest, Incoming, StaticConnector, connect};
use realtime_testkit::emulator::{Pace, Script, Service, ServiceOptions};
use serde_json::{Value, json};
use str0m::change::SdpAnswer;
use str0m::channel::ChannelId;
use str0m::format::Codec;
use str0m::media::{Direction, Frequency, MediaKind, MediaTime, Mid};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event, Input, Output, Rtc, RtcConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

const KEY: &str = "k";
/// Bound on the whole call: every wait below ends by then.
const LIMIT: Duration = Duration::from_secs(30);

async fn post(
    service: &Service,
    path: &str,
    content_type: &str,
    body: &str,
) -> (u16, String, String) {
    let mut tcp = TcpStream::connect(service.addr()).await.unwrap();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {KEY}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    tcp.read_to_string(&mut answer).await.unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head.to_owned(), body.to_owned())
}

/// What the client saw of the call.
#[derive(Debug, Default)]
struct Seen {
    events: Vec<Value>,
    audio_packets: usize,
}

impl Seen {
    fn types(&self) -> Vec<&str> {
        self.events
            .iter()
            .filter_map(|event| event["type"].as_str())
            .collect()
    }
}

/// A WebRTC client: offers audio (sendrecv) and the `oai-events` channel.
struct Client {
    rtc: Rtc,
    socket: UdpSocket,
    local: SocketAddr,
    audio: Mid,
    channel: ChannelId,
    open: bool,
    seen: Seen,
    to_send: Vec<String>,
    rtp_ticks: u64,
}

impl Client {
    async fn offer() -> (Self, String, str0m::change::SdpPendingOffer) {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let local = socket.local_addr().unwrap();
        let mut rtc = RtcConfig::new()
            .set_crypto_provider(Arc::new(str0m::crypto::from_feature_flags()))
            .build(Instant::now());
        rtc.add_local_candidate(Candidate::host(local, "udp").unwrap());
        let mut change = rtc.sdp_api();
        let audio = change.add_media(MediaKind::Audio, Direction::SendRecv, None, None, None);
        let channel = change.add_channel("oai-events".to_owned());
        let (offer, pending) = change.apply().unwrap();
        let client = Self {
            rtc,
            socket,
            local,
            audio,
            channel,
            open: false,
            seen: Seen::default(),
            to_send: Vec::new(),
            rtp_ticks: 0,
        };
        (client, offer.to_sdp_string(), pending)
    }

    /// Runs the client until `done` says so (or the limit, which fails the test).
    /// `speak`: sends 20 ms packets marked as speech (-20 dBov) while it is true.
    async fn run_until(&mut self, speak: bool, done: impl Fn(&Seen) -> bool) {
        let deadline = tokio::time::Instant::now() + LIMIT;
        let mut ticker = tokio::time::interval(Duration::from_millis(20));
        let mut buffer = vec![0_u8; 2048];
        while !done(&self.seen) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "within {LIMIT:?}: {:?}",
                self.seen.types()
            );
            let timeout = loop {
                match self.rtc.poll_output().unwrap() {
                    Output::Timeout(at) => break at,
                    Output::Transmit(transmit) => {
                        self.socket
                            .send_to(&transmit.contents, transmit.destination)
                            .await
                            .unwrap();
                    }
                    Output::Event(Event::ChannelOpen(id, _)) if id == self.channel => {
                        self.open = true;
                    }
                    Output::Event(Event::ChannelData(data)) => {
                        self.seen
                            .events
                            .push(serde_json::from_slice(&data.data).unwrap());
                    }
                    Output::Event(Event::MediaData(data)) if data.mid == self.audio => {
                        self.seen.audio_packets += 1;
                    }
                    Output::Event(_) => {}
                }
            };
            if self.open {
                for frame in std::mem::take(&mut self.to_send) {
                    let mut channel = self.rtc.channel(self.channel).unwrap();
                    assert!(channel.write(false, frame.as_bytes()).unwrap());
                }
            }
            let wait = timeout.saturating_duration_since(Instant::now());
            tokio::select! {
                received = self.socket.recv_from(&mut buffer) => {
                    let (length, source) = received.unwrap();
                    let input = Input::Receive(Instant::now(), Receive {
                        proto: Protocol::Udp,
                        source,
                        destination: self.local,
                        contents: buffer[..length].try_into().unwrap(),
                    });
                    self.rtc.handle_input(input).unwrap();
                }
                _ = ticker.tick(), if speak && self.open => self.speak(),
                () = tokio::time::sleep(wait) => {}
            }
            self.rtc
                .handle_input(Input::Timeout(Instant::now()))
                .unwrap();
        }
    }

    /// One 20 ms packet, its audio level saying speech (the payload is not decoded).
    fn speak(&mut self) {
        let writer = self.rtc.writer(self.audio).unwrap();
        let pt = writer
            .payload_params()
            .find(|params| params.spec().codec == Codec::Opus)
            .unwrap()
            .pt();
        let time = MediaTime::new(self.rtp_ticks, Frequency::FORTY_EIGHT_KHZ);
        self.rtp_ticks += 960;
        writer
            .audio_level(-20, true)
            .write(pt, Instant::now(), time, vec![0xf8_u8; 60])
            .unwrap();
    }
}

#[tokio::test]
async fn a_webrtc_client_talks_to_the_call_and_a_sideband_shares_its_session() {
    let service = Service::start(
        ServiceOptions::new()
            .addr(SocketAddr::from(([127, 0, 0, 1], 0)))
            .key(KEY)
            .script(
                Script::new()
                    .say("Hello over WebRTC.")
                    .say("Hello to the sideband."),
            )
            .pace(Pace::Realtime),
    )
    .await
    .unwrap();

    // The offer, answered by the emulator's peer.
    let (mut client, offer, pending) = Client::offer().await;
    let (status, head, answer) =
        post(&service, "/v1/realtime/calls", "application/sdp", &offer).await;
    assert_eq!(status, 201, "{answer}");
    let call_id = head
        .lines()
        .find_map(|line| line.strip_prefix("Location: /v1/realtime/calls/"))
        .unwrap()
        .to_owned();
    assert!(answer.contains("a=ice-lite"), "{answer}");
    assert!(
        answer.contains("a=candidate:") && answer.contains("127.0.0.1"),
        "{answer}"
    );
    client
        .rtc
        .sdp_api()
        .accept_answer(pending, SdpAnswer::from_sdp_string(&answer).unwrap())
        .unwrap();

    // ICE, DTLS, SCTP: the channel opens with the session.
    client
        .run_until(false, |seen| seen.types().contains(&"session.created"))
        .await;

    // One second of speech: a user turn, answered with audio over RTP, and on the
    // channel `output_audio_buffer.started` / `.stopped` but no audio deltas.
    client
        .run_until(true, |seen| {
            seen.types().contains(&"input_audio_buffer.speech_started")
        })
        .await;
    client
        .run_until(false, |seen| {
            seen.types().contains(&"output_audio_buffer.stopped")
        })
        .await;
    let types = client.seen.types();
    assert!(types.contains(&"input_audio_buffer.committed"), "{types:?}");
    assert!(types.contains(&"output_audio_buffer.started"), "{types:?}");
    assert!(
        !types
            .iter()
            .any(|kind| kind.ends_with("output_audio.delta")),
        "{types:?}"
    );
    let transcript = client
        .seen
        .events
        .iter()
        .find(|event| event["type"] == "response.output_audio_transcript.done")
        .unwrap_or_else(|| panic!("no transcript: {types:?}"));
    assert_eq!(transcript["transcript"], "Hello over WebRTC.");
    // The emulator's voice: about 1 s of 20 ms packets for the scripted answer.
    assert!(
        client.seen.audio_packets >= 10,
        "{} audio packets",
        client.seen.audio_packets
    );

    // A sideband socket by `call_id` joins the same session: what it sends, the
    // browser sees answered.
    let connector = StaticConnector::new(
        "emulator",
        ConnectRequest::new(format!(
            "ws://{}/v1/realtime?call_id={call_id}",
            service.addr()
        ))
        .secret_header("Authorization", format!("Bearer {KEY}")),
    );
    let (sink, mut stream) = connect(&connector, &Default::default()).await.unwrap();
    let Some(Ok(Incoming::Text(created))) = stream.next_frame().await else {
        panic!("no session.created on the sideband");
    };
    let created: Value = serde_json::from_str(&created).unwrap();
    assert_eq!(created["type"], "session.created");
    sink.send(json!({"type": "response.create"}).to_string())
        .await
        .unwrap();
    client
        .run_until(false, |seen| {
            seen.events.iter().any(|event| {
                event["type"] == "response.output_audio_transcript.done"
                    && event["transcript"] == "Hello to the sideband."
            })
        })
        .await;
}

#[tokio::test]
async fn an_offer_the_peer_cannot_read_is_400_and_an_unknown_call_is_404() {
    let service = Service::start(
        ServiceOptions::new()
            .addr(SocketAddr::from(([127, 0, 0, 1], 0)))
            .key(KEY),
    )
    .await
    .unwrap();
    let (status, _, body) =
        post(&service, "/v1/realtime/calls", "application/sdp", "v=0\r\n").await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("Invalid SDP offer"), "{body}");

    let connector = StaticConnector::new(
        "emulator",
        ConnectRequest::new(format!(
            "ws://{}/v1/realtime?call_id=rtc_gone",
            service.addr()
        ))
        .secret_header("Authorization", format!("Bearer {KEY}")),
    );
    let refused = connect(&connector, &Default::default())
        .await
        .err()
        .unwrap();
    assert!(refused.to_string().contains("404"), "{refused}");
}
