//! The emulator's WebRTC peer (feature `webrtc`), on str0m: it answers the SDP
//! offer posted to `calls`, takes ICE on loopback with one host candidate (ICE lite,
//! as a server does), DTLS and SCTP, opens the call to the `oai-events` data channel
//! and sends an Opus audio track back.
//!
//! - Data channel: each text message is a client frame for the call's engine; the
//!   call's server events come back as text messages.
//! - The browser's audio is not decoded. Whether a 20 ms packet is speech is read
//!   from its RFC 6464 audio level (`urn:ietf:params:rtp-hdrext:ssrc-audio-level`,
//!   which Chrome sends): louder than [`SPEECH_DBOV`] is speech. Without the
//!   extension, a packet over [`SPEECH_PACKET_BYTES`] is (Opus spends few bytes on
//!   silence).
//! - The emulator's voice: the Opus packets of [`ogg::VOICE`], looped, one each
//!   20 ms, for as long as the call's responses have audio.

pub(crate) mod ogg;

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use str0m::change::SdpOffer;
use str0m::channel::ChannelId;
use str0m::format::Codec;
use str0m::media::{Frequency, MediaKind, MediaTime, Mid};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event, IceConnectionState, Input, Output, Rtc, RtcConfig};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

use super::call::{CallHandle, CallInput, MediaCommand, party_channel};

/// The data channel the services open for events.
pub(crate) const EVENTS_CHANNEL: &str = "oai-events";
/// A packet whose audio level is louder than this (dBov) is speech: about the
/// emulator's default RMS threshold of 300 in pcm16 (20·log10(300/32768) ≈ -41).
const SPEECH_DBOV: i8 = -41;
/// Without an audio level, a packet larger than this is speech.
const SPEECH_PACKET_BYTES: usize = 40;
/// One Opus packet of the voice.
const FRAME: Duration = Duration::from_millis(20);
/// RTP ticks of one packet at 48 kHz.
const FRAME_TICKS: u64 = 960;
/// How long the peer waits for ICE to connect before it gives up.
const CONNECT_LIMIT: Duration = Duration::from_secs(30);
/// The largest datagram read.
const DATAGRAM: usize = 2048;
/// Frames for the data channel waiting for SCTP.
const CHANNEL_BACKLOG_BYTES: usize = 4 * 1024 * 1024;

/// Why an offer was not answered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum PeerError {
    /// The body is not an SDP offer str0m can read.
    #[error("the SDP offer could not be read: {0}")]
    Sdp(String),
    /// The offer was read and refused (no data channel, no common codec).
    #[error("the SDP offer was refused: {0}")]
    Refused(String),
    /// No loopback UDP socket.
    #[error("no loopback UDP socket: {0}")]
    Socket(#[from] std::io::Error),
}

/// A peer with its answer made, not yet running.
#[derive(Debug)]
pub(crate) struct Peer {
    rtc: Rtc,
    socket: UdpSocket,
    local: SocketAddr,
}

/// Answers `offer` with a peer on a loopback UDP port.
///
/// # Errors
/// The offer cannot be read or is refused, or no UDP port.
pub(crate) fn answer(offer: &str) -> Result<(String, Peer), PeerError> {
    let offer =
        SdpOffer::from_sdp_string(offer).map_err(|error| PeerError::Sdp(error.to_string()))?;
    let std_socket = std::net::UdpSocket::bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
    std_socket.set_nonblocking(true)?;
    let local = std_socket.local_addr()?;
    let socket = UdpSocket::from_std(std_socket)?;
    let mut rtc = RtcConfig::new()
        .set_crypto_provider(crypto())
        .set_ice_lite(true)
        .build(Instant::now());
    let candidate =
        Candidate::host(local, "udp").map_err(|error| PeerError::Refused(error.to_string()))?;
    rtc.add_local_candidate(candidate);
    let answer = rtc
        .sdp_api()
        .accept_offer(offer)
        .map_err(|error| PeerError::Refused(error.to_string()))?;
    Ok((answer.to_sdp_string(), Peer { rtc, socket, local }))
}

fn crypto() -> Arc<str0m::config::CryptoProvider> {
    static PROVIDER: OnceLock<Arc<str0m::config::CryptoProvider>> = OnceLock::new();
    Arc::clone(PROVIDER.get_or_init(|| Arc::new(str0m::crypto::from_feature_flags())))
}

impl Peer {
    /// Runs the peer for `call` until ICE disconnects or the call ends.
    pub(crate) async fn run(self, call: CallHandle, commands: mpsc::Receiver<MediaCommand>) {
        let local = self.local;
        let mut running = Running {
            rtc: self.rtc,
            socket: self.socket,
            local,
            call,
            commands,
            voice: ogg::opus_packets(ogg::VOICE).unwrap_or_else(|error| {
                tracing::error!(%error, "the emulator's voice does not parse; sending none");
                Vec::new()
            }),
            next_packet: 0,
            rtp_ticks: 0,
            to_play: Duration::ZERO,
            end_of_audio: false,
            audio: None,
            channel: None,
            outbox: None,
            queued: std::collections::VecDeque::new(),
            queued_bytes: 0,
            connected: false,
        };
        if let Err(error) = running.run().await {
            tracing::debug!(%error, "emulated WebRTC peer ended");
        }
        running.call.send(CallInput::MediaGone).await;
    }
}

struct Running {
    rtc: Rtc,
    socket: UdpSocket,
    local: SocketAddr,
    call: CallHandle,
    commands: mpsc::Receiver<MediaCommand>,
    voice: Vec<Vec<u8>>,
    next_packet: usize,
    rtp_ticks: u64,
    to_play: Duration,
    /// The call has given all of the response's audio.
    end_of_audio: bool,
    audio: Option<Mid>,
    channel: Option<ChannelId>,
    /// The call's frames for the data channel.
    outbox: Option<mpsc::Receiver<String>>,
    /// Frames the data channel has not taken yet.
    queued: std::collections::VecDeque<String>,
    queued_bytes: usize,
    connected: bool,
}

impl Running {
    async fn run(&mut self) -> Result<(), str0m::RtcError> {
        let opened = tokio::time::Instant::now();
        let mut ticker = tokio::time::interval(FRAME);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut buffer = vec![0_u8; DATAGRAM];
        loop {
            let timeout = loop {
                match self.rtc.poll_output()? {
                    Output::Timeout(at) => break at,
                    Output::Transmit(transmit) => {
                        if let Err(error) = self
                            .socket
                            .send_to(&transmit.contents, transmit.destination)
                            .await
                        {
                            tracing::debug!(%error, "emulated WebRTC peer could not send");
                        }
                    }
                    Output::Event(event) => {
                        if !self.event(event).await {
                            return Ok(());
                        }
                    }
                }
            };
            if !self.rtc.is_alive() {
                return Ok(());
            }
            if !self.connected && opened.elapsed() > CONNECT_LIMIT {
                tracing::warn!("emulated WebRTC peer: ICE did not connect in time");
                return Ok(());
            }
            let wait = timeout.saturating_duration_since(Instant::now());
            let outbox = async {
                match self.outbox.as_mut() {
                    Some(outbox) => outbox.recv().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                received = self.socket.recv_from(&mut buffer) => {
                    let (length, source) = match received {
                        Ok(received) => received,
                        Err(error) => {
                            tracing::debug!(%error, "emulated WebRTC peer could not read");
                            continue;
                        }
                    };
                    let Ok(contents) = buffer[..length].try_into() else {
                        continue;
                    };
                    let input = Input::Receive(Instant::now(), Receive {
                        proto: Protocol::Udp,
                        source,
                        destination: self.local,
                        contents,
                    });
                    if self.rtc.accepts(&input) {
                        self.rtc.handle_input(input)?;
                    }
                }
                frame = outbox => match frame {
                    Some(frame) => {
                        self.queue(frame);
                        self.flush();
                    }
                    None => return Ok(()),
                },
                command = self.commands.recv() => match command {
                    Some(MediaCommand::Play(ms)) => self.to_play += Duration::from_millis(ms),
                    Some(MediaCommand::EndOfAudio) => {
                        self.end_of_audio = true;
                        if self.to_play.is_zero() {
                            self.played_all().await;
                        }
                    }
                    Some(MediaCommand::Clear) => {
                        self.to_play = Duration::ZERO;
                        self.end_of_audio = false;
                    }
                    None => return Ok(()),
                },
                _ = ticker.tick() => self.play().await,
                () = tokio::time::sleep(wait) => {}
            }
            self.rtc.handle_input(Input::Timeout(Instant::now()))?;
        }
    }

    /// Handles one str0m event; false when the peer is done.
    async fn event(&mut self, event: Event) -> bool {
        match event {
            Event::IceConnectionStateChange(IceConnectionState::Disconnected) => return false,
            Event::IceConnectionStateChange(state) => {
                tracing::debug!(?state, "emulated WebRTC peer: ICE");
            }
            Event::Connected => self.connected = true,
            Event::MediaAdded(added) if added.kind == MediaKind::Audio => {
                self.audio = Some(added.mid);
            }
            Event::ChannelOpen(id, label) if label == EVENTS_CHANNEL => {
                let (party, frames) = party_channel();
                if !self.call.send(CallInput::Attach(party)).await {
                    return false;
                }
                self.channel = Some(id);
                self.outbox = Some(frames);
            }
            Event::ChannelData(data) if Some(data.id) == self.channel && !data.binary => {
                match String::from_utf8(data.data) {
                    Ok(frame) => {
                        if !self.call.send(CallInput::Frame(frame)).await {
                            return false;
                        }
                    }
                    Err(_) => {
                        tracing::debug!(
                            "emulated WebRTC peer: a data-channel message is not UTF-8"
                        );
                    }
                }
            }
            Event::ChannelBufferedAmountLow(id) if Some(id) == self.channel => self.flush(),
            Event::MediaData(data) => {
                let speech = match data.ext_vals.audio_level {
                    Some(level) => level > SPEECH_DBOV,
                    None => data.data.len() > SPEECH_PACKET_BYTES,
                };
                // Each packet of the browser's is 20 ms (Chrome's Opus `ptime`).
                let _ = self.call.try_send(CallInput::Heard { ms: 20, speech });
            }
            _ => {}
        }
        true
    }

    fn queue(&mut self, frame: String) {
        if self.queued_bytes + frame.len() > CHANNEL_BACKLOG_BYTES {
            tracing::warn!(
                bytes = CHANNEL_BACKLOG_BYTES,
                "emulated WebRTC peer: the data channel is full; closing the call"
            );
            self.rtc.disconnect();
            return;
        }
        self.queued_bytes += frame.len();
        self.queued.push_back(frame);
    }

    /// Writes what the data channel takes now.
    fn flush(&mut self) {
        let Some(mut channel) = self.channel.and_then(|id| self.rtc.channel(id)) else {
            return;
        };
        while let Some(frame) = self.queued.front() {
            match channel.write(false, frame.as_bytes()) {
                Ok(true) => {
                    self.queued_bytes -= frame.len();
                    self.queued.pop_front();
                }
                Ok(false) => break,
                Err(error) => {
                    tracing::debug!(%error, "emulated WebRTC peer could not write the data channel");
                    break;
                }
            }
        }
    }

    /// One 20 ms tick: the next packet of the voice, while there is audio to play.
    async fn play(&mut self) {
        if self.to_play.is_zero() || self.voice.is_empty() {
            return;
        }
        let Some(mid) = self.audio else {
            return;
        };
        let Some(writer) = self.rtc.writer(mid) else {
            return;
        };
        let Some(pt) = writer
            .payload_params()
            .find(|params| params.spec().codec == Codec::Opus)
            .map(|params| params.pt())
        else {
            return;
        };
        let packet = self.voice[self.next_packet % self.voice.len()].clone();
        self.next_packet += 1;
        let time = MediaTime::new(self.rtp_ticks, Frequency::FORTY_EIGHT_KHZ);
        self.rtp_ticks += FRAME_TICKS;
        if let Err(error) = writer.write(pt, Instant::now(), time, packet) {
            tracing::debug!(%error, "emulated WebRTC peer could not write audio");
        }
        self.to_play = self.to_play.saturating_sub(FRAME);
        if self.to_play.is_zero() && self.end_of_audio {
            self.played_all().await;
        }
    }

    /// The response's audio has all been sent.
    async fn played_all(&mut self) {
        self.end_of_audio = false;
        self.call.send(CallInput::PlaybackDone).await;
    }
}
