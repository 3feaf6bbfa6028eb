//! Run with: `cargo run -p realtime-examples --example microphone --features microphone -- [--offline] [--provider NAME]`
//!
//! Talk to the voice desk of `quickstart` with your microphone and hear it on your
//! speaker (cpal: ALSA on Linux, needs `libasound2-dev` to build; CoreAudio, WASAPI).
//!
//! - Capture: the device's rate and channels, mixed to mono and resampled to 24 kHz
//!   pcm16, streamed with `AgentSession::send_audio`; the provider's server VAD finds
//!   the turns.
//! - Playback: assistant audio resampled to the device rate; the output callback
//!   reports what it played to the `PlaybackTracker`, so a barge-in truncates the
//!   assistant's item where you stopped hearing it; on `AgentEvent::Interrupted` the
//!   queue is cleared at once.
//!
//! Use headphones: without echo cancellation the assistant hears itself. Offline (no
//! `OPENAI_API_KEY`) the embedded emulator answers every second of audio with the
//! desk's script. Ctrl-C ends the call.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::VecDeque;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};

use clap::Parser;
use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{SampleFormat, StreamConfig};
use realtime::agent::{AgentEvent, AgentRunner};
use realtime::audio::PlaybackTracker;
use realtime_examples::ExampleError;
use realtime_examples::audio::{RATE, pcm16_bytes, pcm16_samples, resample_linear};
use realtime_examples::cli::ConnectionArgs;
use realtime_examples::desk;
use realtime_examples::out;
use realtime_examples::provider::Connection;
use realtime_examples::transcript::Transcript;
use tokio::sync::mpsc;

/// Assistant audio waiting for the speaker, per item.
#[derive(Debug, Default)]
struct Speaker {
    queue: VecDeque<Segment>,
}

#[derive(Debug)]
struct Segment {
    item_id: String,
    /// Mono samples at the device rate.
    samples: Vec<f32>,
    next: usize,
    /// Device samples of this item played before this segment.
    played_before: u64,
}

/// Talk to the voice desk with your microphone and hear it on your speaker (cpal).
///
/// Use headphones. Offline (no credentials, or --offline) the embedded emulator answers
/// every second of audio from the desk's script. Run through cargo with `--` before
/// the flags:
///
/// cargo run -p realtime-examples --example microphone --features microphone -- --offline
#[derive(Debug, Parser)]
#[command(name = "microphone")]
struct Cli {
    #[command(flatten)]
    connection: ConnectionArgs,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    realtime_examples::init_tracing();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), ExampleError> {
    let connection = Connection::choose(&cli.connection, desk::offline_script()).await?;
    out::line(&connection.banner);

    let host = cpal::default_host();
    let input = host.default_input_device().ok_or_else(|| {
        ExampleError::new("no microphone found (cpal found no default input device)")
    })?;
    let output = host.default_output_device().ok_or_else(|| {
        ExampleError::new("no speaker found (cpal found no default output device)")
    })?;
    let input_config = input
        .default_input_config()
        .map_err(|e| ExampleError::new(format!("microphone configuration: {e}")))?;
    let output_config = output
        .default_output_config()
        .map_err(|e| ExampleError::new(format!("speaker configuration: {e}")))?;
    let input_rate = input_config.sample_rate().0;
    let output_rate = output_config.sample_rate().0;
    out::line(&format!(
        "microphone: {} Hz, {} channel(s) -> 24 kHz mono; speaker: {} Hz, {} channel(s)",
        input_rate,
        input_config.channels(),
        output_rate,
        output_config.channels()
    ));

    // Microphone -> mono f32 at the device rate -> this task.
    let (mic_tx, mut mic_rx) = mpsc::channel::<Vec<f32>>(64);
    let input_stream = build_input(
        &input,
        input_config.sample_format(),
        &input_config.into(),
        mic_tx,
    )?;

    let (auth, others) = desk::agents();
    let base = connection.base_session();
    let mut runner = AgentRunner::new(connection.client.clone(), auth)
        .raw_events(true)
        .session_config(base);
    for agent in others {
        runner = runner.agent(agent);
    }
    let mut session = runner
        .start()
        .await
        .map_err(|e| ExampleError::new(format!("could not start the session: {e}")))?;

    // Assistant audio -> speaker; the callback reports what was played.
    let speaker = Arc::new(Mutex::new(Speaker::default()));
    let output_stream = build_output(
        &output,
        &output_config.into(),
        Arc::clone(&speaker),
        session.playback().clone(),
        output_rate,
    )?;
    input_stream
        .play()
        .map_err(|e| ExampleError::new(format!("starting the microphone: {e}")))?;
    output_stream
        .play()
        .map_err(|e| ExampleError::new(format!("starting the speaker: {e}")))?;
    out::line("listening: speak (Ctrl-C to hang up)");
    let started = std::time::Instant::now();

    let mut transcript = Transcript::new("auth");
    let mut played_per_item: std::collections::HashMap<String, u64> = Default::default();
    loop {
        tokio::select! {
            samples = mic_rx.recv() => {
                let Some(samples) = samples else { break };
                let pcm = pcm16_bytes(&resample_linear(&samples, input_rate, RATE));
                session
                    .send_audio(&pcm)
                    .await
                    .map_err(|e| ExampleError::new(format!("sending audio: {e}")))?;
            }
            event = session.next_event() => {
                let Some(event) = event else {
                    out::line("the session ended");
                    break;
                };
                match &event {
                    AgentEvent::Audio { item_id, audio } => {
                        let mono: Vec<f32> = pcm16_samples(audio).map(|s| f32::from(s) / 32768.0).collect();
                        let samples = resample_linear(&mono, RATE, output_rate);
                        let before = played_per_item.entry(item_id.clone()).or_default();
                        let segment = Segment {
                            item_id: item_id.clone(),
                            played_before: *before,
                            samples,
                            next: 0,
                        };
                        *before += segment.samples.len() as u64;
                        lock(&speaker).queue.push_back(segment);
                    }
                    AgentEvent::Interrupted { .. } => lock(&speaker).queue.clear(),
                    _ => {}
                }
                for line in transcript.on_event(&event) {
                    out::line(&line);
                }
            }
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    drop(input_stream);
    drop(output_stream);
    let _ = session.close().await;
    for line in transcript.summary(started.elapsed()) {
        out::line(&line);
    }
    Ok(())
}

fn lock(speaker: &Mutex<Speaker>) -> std::sync::MutexGuard<'_, Speaker> {
    // A poisoned lock only means a callback panicked mid-update of a queue.
    speaker.lock().unwrap_or_else(PoisonError::into_inner)
}

fn build_input(
    device: &cpal::Device,
    format: SampleFormat,
    config: &StreamConfig,
    tx: mpsc::Sender<Vec<f32>>,
) -> Result<cpal::Stream, ExampleError> {
    let channels = usize::from(config.channels.max(1));
    let error = |e: cpal::StreamError| tracing::warn!(error = %e, "microphone stream error");
    // Mixes a callback's frames to mono and hands them over (dropped if this task lags).
    fn forward<T: Copy>(
        data: &[T],
        channels: usize,
        to_f32: fn(T) -> f32,
        tx: &mpsc::Sender<Vec<f32>>,
    ) {
        let mono = data
            .chunks(channels)
            .map(|frame| frame.iter().map(|s| to_f32(*s)).sum::<f32>() / channels as f32)
            .collect();
        let _ = tx.try_send(mono);
    }
    let stream = match format {
        SampleFormat::F32 => device.build_input_stream(
            config,
            move |data: &[f32], _: &cpal::InputCallbackInfo| forward(data, channels, |s| s, &tx),
            error,
            None,
        ),
        SampleFormat::I16 => device.build_input_stream(
            config,
            move |data: &[i16], _: &cpal::InputCallbackInfo| {
                forward(data, channels, |s| f32::from(s) / 32768.0, &tx);
            },
            error,
            None,
        ),
        SampleFormat::U16 => device.build_input_stream(
            config,
            move |data: &[u16], _: &cpal::InputCallbackInfo| {
                forward(data, channels, |s| (f32::from(s) - 32768.0) / 32768.0, &tx);
            },
            error,
            None,
        ),
        other => {
            return Err(ExampleError::new(format!(
                "the microphone delivers {other:?} samples; this example reads f32, i16 or u16"
            )));
        }
    };
    stream.map_err(|e| ExampleError::new(format!("opening the microphone: {e}")))
}

fn build_output(
    device: &cpal::Device,
    config: &StreamConfig,
    speaker: Arc<Mutex<Speaker>>,
    playback: PlaybackTracker,
    rate: u32,
) -> Result<cpal::Stream, ExampleError> {
    let channels = usize::from(config.channels.max(1));
    device
        .build_output_stream(
            config,
            move |data: &mut [f32], _: &cpal::OutputCallbackInfo| {
                let mut speaker = lock(&speaker);
                for frame in data.chunks_mut(channels) {
                    let sample = loop {
                        let Some(segment) = speaker.queue.front_mut() else {
                            break 0.0;
                        };
                        if let Some(sample) = segment.samples.get(segment.next) {
                            segment.next += 1;
                            break *sample;
                        }
                        // A segment finished: report what of its item was heard.
                        let heard = segment.played_before + segment.samples.len() as u64;
                        playback.played(&segment.item_id, heard * 1000 / u64::from(rate));
                        speaker.queue.pop_front();
                    };
                    frame.fill(sample);
                }
            },
            |e| tracing::warn!(error = %e, "speaker stream error"),
            None,
        )
        .map_err(|e| ExampleError::new(format!("opening the speaker: {e}")))
}
