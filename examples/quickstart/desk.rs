//! The customer-service voice desk: three agents over one connection.
//!
//! - `auth` verifies the caller (name and phone number) with `verify_customer`, then
//!   hands off to `returns` or `sales`.
//! - `returns` checks eligibility with `check_return_eligibility`; hands off to
//!   `sales` for exchanges.
//! - `sales` checks stock with `check_stock`; hands back to `returns` to book an
//!   exchange.
//!
//! `run` drives one call: the user speaks first, and speaks again whenever the
//! assistant finished a spoken answer (a completed response with a message and no
//! tool call). Offline, the emulator plays `offline_script`, which exercises a tool
//! call, handoffs both ways and a barge-in.

use std::path::PathBuf;
use std::time::Duration;

use crate::ExampleError;
use crate::audio::{self, WavOut};
use crate::provider::Connection;
use crate::transcript::{Stats, Transcript, assistant_finished, assistant_spoke};
use realtime::agent::{
    Agent, AgentEvent, AgentRunner, AgentSession, AgentTool, ToolContext, ToolError,
};
use realtime_testkit::emulator::Script;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;
use tokio::time::Instant;

/// What the caller says, turn by turn, when the app sends text (live, no `--input`).
/// Offline these are also the emulator's transcripts of the user's audio, with the
/// barge-in (the user speaking over the assistant) third.
pub const CALLER: [&str; 4] = [
    "Hi, this is Ada Lovelace, my number is 555 0100.",
    "I'd like to return the desk lamp from order 1042.",
    "Yes please, set up the exchange.",
    "No, that's all. Thanks!",
];

/// What the caller says over the assistant in the offline run.
pub const BARGE_IN: &str = "Actually, could I swap it for the bigger model instead?";

/// How a run is set up.
#[derive(Debug, Clone)]
pub struct DeskOptions {
    /// A WAV file to stream in as the caller's voice.
    pub input: Option<PathBuf>,
    /// A WAV file to write the assistant's audio to.
    pub output: Option<PathBuf>,
    /// The whole call must end within this time.
    pub timeout: Duration,
}

impl DeskOptions {
    /// No audio files; a timeout that suits the connection.
    pub fn new(offline: bool) -> Self {
        Self {
            input: None,
            output: None,
            timeout: Duration::from_secs(if offline { 30 } else { 180 }),
        }
    }
}

/// The result of a run.
#[derive(Debug, Clone)]
pub struct DeskReport {
    /// Every transcript line, as printed.
    pub lines: Vec<String>,
    /// What happened.
    pub stats: Stats,
}

// ---------------------------------------------------------------------------------
// Tools: typed arguments (serde + schemars); the schema the model sees is generated.
// ---------------------------------------------------------------------------------

/// Arguments of `verify_customer`.
#[derive(Debug, Deserialize, JsonSchema)]
struct VerifyCustomer {
    /// The caller's full name, as they said it.
    name: String,
    /// The caller's phone number, digits as they said them.
    phone: String,
}

/// Arguments of `check_return_eligibility`.
#[derive(Debug, Deserialize, JsonSchema)]
struct CheckReturn {
    /// The order number, e.g. "1042".
    order_id: String,
    /// Why the caller wants to return it, if they said.
    #[serde(default)]
    reason: Option<String>,
}

/// Arguments of `check_stock`.
#[derive(Debug, Deserialize, JsonSchema)]
struct CheckStock {
    /// The product name, e.g. "desk lamp XL".
    product: String,
}

fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

fn verify_customer() -> AgentTool {
    AgentTool::new(
        "verify_customer",
        "Verifies the caller from their full name and phone number.",
        |args: VerifyCustomer, _ctx: ToolContext| async move {
            // A stand-in for the CRM lookup.
            let known = args.name.trim().eq_ignore_ascii_case("Ada Lovelace")
                && digits(&args.phone).ends_with("5550100");
            Ok::<_, ToolError>(if known {
                json!({"verified": true, "customer_id": "C-0042", "name": "Ada Lovelace"})
            } else {
                json!({"verified": false, "reason": "no customer with that name and phone number"})
            })
        },
    )
}

fn check_return_eligibility() -> AgentTool {
    AgentTool::new(
        "check_return_eligibility",
        "Checks whether an order can be returned, and how.",
        |args: CheckReturn, _ctx: ToolContext| async move {
            if digits(&args.order_id) != "1042" {
                // The error text goes back to the model as the tool output.
                return Err(ToolError::failed(format!(
                    "order {} not found",
                    args.order_id
                )));
            }
            Ok(json!({
                "order_id": "1042",
                "item": "desk lamp",
                "eligible": true,
                "days_since_delivery": 12,
                "window_days": 30,
                "refund": "49.00 USD",
                "reason": args.reason,
            }))
        },
    )
}

fn check_stock() -> AgentTool {
    AgentTool::new(
        "check_stock",
        "Checks stock and price of a product.",
        |args: CheckStock, _ctx: ToolContext| async move {
            let xl = args.product.to_ascii_lowercase().contains("xl")
                || args.product.to_ascii_lowercase().contains("big");
            Ok::<_, ToolError>(if xl {
                json!({"product": "desk lamp XL", "in_stock": 7, "price": "59.00 USD"})
            } else {
                json!({"product": args.product, "in_stock": 0})
            })
        },
    )
}

/// The three agents; `auth` answers first.
pub fn agents() -> (Agent, Vec<Agent>) {
    let auth = Agent::new("auth")
        .instructions(
            "You are the first voice of Contoso's customer desk. Ask for the caller's full \
             name and phone number, then call verify_customer. Once verified, transfer to \
             returns for returns and refunds, or to sales for purchases and exchanges. Be brief.",
        )
        .voice("alloy")
        .tool(verify_customer())
        .handoff(
            "returns",
            "The verified caller wants to return an item or get a refund.",
        )
        .handoff(
            "sales",
            "The verified caller wants to buy or exchange something.",
        );
    let returns = Agent::new("returns")
        .instructions(
            "You handle returns for a verified caller. Check eligibility with \
             check_return_eligibility before promising anything. If the caller would rather \
             exchange the item, transfer to sales. Be brief.",
        )
        .voice("alloy")
        .tool(check_return_eligibility())
        .handoff(
            "sales",
            "The caller wants an exchange or a different product.",
        );
    let sales = Agent::new("sales")
        .instructions(
            "You are Contoso's sales agent. Check stock and prices with check_stock. When \
             the caller agrees to an exchange, transfer back to returns to book it. Be brief.",
        )
        .voice("verse")
        .tool(check_stock())
        .handoff(
            "returns",
            "The caller agreed to an exchange: returns books it.",
        );
    (auth, vec![returns, sales])
}

/// What the emulated model does offline: every feature of the desk, in order.
pub fn offline_script() -> Script {
    Script::new()
        .user_says(CALLER[0])
        .call(
            "verify_customer",
            json!({"name": "Ada Lovelace", "phone": "555 0100"}),
        )
        .say("Thanks Ada, you're verified. What can I do for you today?")
        .user_says(CALLER[1])
        .call("transfer_to_returns", json!({}))
        .call(
            "check_return_eligibility",
            json!({"order_id": "1042", "reason": "changed my mind"}),
        )
        .say_interrupted(
            "Good news: order 1042 is within the 30-day window, so the return is free. I'm \
             emailing you a prepaid label now, and your refund of 49 dollars follows within \
             five days of us receiving the lamp.",
            2,
        )
        .user_says(BARGE_IN)
        .call("transfer_to_sales", json!({}))
        .call("check_stock", json!({"product": "desk lamp XL"}))
        .say("The XL lamp is in stock at 59 dollars, 10 more than you paid. Shall I set up the exchange?")
        .user_says(CALLER[2])
        .call("transfer_to_returns", json!({}))
        .say("Done: your exchange is booked, and the label covers the return of the original lamp. Anything else?")
        .user_says(CALLER[3])
        .say("Thanks for calling, Ada. Goodbye!")
}

/// One thing the caller does.
enum CallerTurn {
    /// Speak this audio at once (offline: the emulator hears every second of audio
    /// as one turn).
    Audio(Vec<u8>),
    /// Stream this audio in real time (live `--input`).
    Stream(Vec<u8>),
    /// Type this text.
    Text(&'static str),
}

/// Runs one call; every transcript line goes to `out` as it happens.
///
/// # Errors
/// The audio files cannot be read or written, the session cannot start, or the call
/// did not end within the timeout.
pub async fn run(
    connection: Connection,
    options: DeskOptions,
    out: &mut dyn FnMut(&str),
) -> Result<DeskReport, ExampleError> {
    let started = Instant::now();
    let offline = connection.is_offline();
    // GPT-Live fixes the voice at start and has no end-of-turn event (see below).
    let gpt_live = connection.provider.is_gpt_live();
    let mut lines = Vec::new();
    let mut say = |line: String, lines: &mut Vec<String>| {
        out(&line);
        lines.push(line);
    };

    let input = options.input.as_deref().map(audio::read_wav).transpose()?;
    if let (Some(wav), Some(path)) = (&input, &options.input) {
        let note = wav.converted.as_deref().unwrap_or("24 kHz mono pcm16");
        say(
            format!(
                "input: {} ({} ms, {note})",
                path.display(),
                wav.duration_ms()
            ),
            &mut lines,
        );
        if offline {
            say(
                "note: offline, the emulator does not listen to the WAV. It plays a script: \
                 what the caller \"says\" below is the script's text, whatever the file \
                 contains. The file's audio is sent, one second per caller turn. For a real \
                 transcription of your file, run online (set the provider's variables)."
                    .to_owned(),
                &mut lines,
            );
        }
    }
    let mut wav_out = options.output.as_deref().map(WavOut::create).transpose()?;

    let turns: Vec<CallerTurn> = match (&input, offline) {
        // GPT-Live has no barge-in: the caller says the barge-in line as a turn of its own.
        (None, true) => (0..CALLER.len() + usize::from(gpt_live))
            .map(|n| CallerTurn::Audio(audio::synthetic_speech(1000, n as u32)))
            .collect(),
        (Some(wav), true) => {
            // One second of the file per turn, wrapping around a short file.
            let second = audio::BYTES_PER_MS * 1000;
            let mut padded = wav.pcm.clone();
            padded.resize(padded.len().div_ceil(second).max(1) * second, 0);
            let seconds = padded.len() / second;
            (0..CALLER.len() + usize::from(gpt_live))
                .map(|n| {
                    let at = (n % seconds) * second;
                    CallerTurn::Audio(padded[at..at + second].to_vec())
                })
                .collect()
        }
        (None, false) if gpt_live => {
            return Err(ExampleError::new(
                "GPT-Live takes the caller's voice only (no text messages after the start): \
                 pass --input caller.wav",
            ));
        }
        (None, false) => CALLER.iter().map(|text| CallerTurn::Text(text)).collect(),
        (Some(wav), false) => {
            let mut pcm = wav.pcm.clone();
            pcm.extend(audio::silence(1500)); // lets server VAD hear the end of speech
            vec![CallerTurn::Stream(pcm)]
        }
    };

    let (auth, mut others) = agents();
    if gpt_live && let Some(voice) = auth.voice_setting().cloned() {
        // Every agent speaks with the session's voice: a handoff to another voice
        // cannot map on GPT-Live and is refused at start.
        others = others
            .into_iter()
            .map(|agent| agent.voice(voice.clone()))
            .collect();
    }
    let mut transcript = if gpt_live {
        Transcript::from_deltas(auth.name())
    } else {
        Transcript::new(auth.name())
    };
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

    let deadline = started + options.timeout;
    let mut turns = turns.into_iter();
    let mut streaming: Option<(Vec<u8>, usize)> = None;
    let mut next_chunk = Instant::now();
    let mut finished = false;

    // The caller speaks first.
    if let Some(turn) = turns.next() {
        start_turn(&session, turn, &mut transcript, &mut streaming, &mut |l| {
            say(l, &mut lines);
        })
        .await?;
    }

    while !finished {
        let wake = match &streaming {
            Some(_) => next_chunk.min(deadline),
            None => deadline,
        };
        let event = match tokio::time::timeout_at(wake, session.next_event()).await {
            Ok(Some(event)) => event,
            Ok(None) => {
                say(
                    "  !! the session ended before the call was over".to_owned(),
                    &mut lines,
                );
                break;
            }
            Err(_) if Instant::now() >= deadline => {
                let _ = session.close().await;
                return Err(ExampleError::new(format!(
                    "the call did not finish within {:?}",
                    options.timeout
                )));
            }
            Err(_) => {
                // Time for the next 100 ms of streamed audio.
                if let Some((pcm, offset)) = &mut streaming {
                    let end = (*offset + 100 * audio::BYTES_PER_MS).min(pcm.len());
                    session
                        .send_audio(&pcm[*offset..end])
                        .await
                        .map_err(|e| ExampleError::new(format!("sending audio: {e}")))?;
                    *offset = end;
                    next_chunk += Duration::from_millis(100);
                    if end == pcm.len() {
                        streaming = None;
                    }
                }
                continue;
            }
        };
        if let AgentEvent::Audio { item_id, audio } = &event {
            if let Some(wav) = &mut wav_out {
                wav.write(audio)?;
            }
            // No speaker here: audio counts as heard once written out, so a barge-in
            // truncates at what the caller could have heard.
            session.playback().played_bytes(item_id, audio.len() as u64);
        }
        for line in transcript.on_event(&event) {
            say(line, &mut lines);
        }
        // GPT-Live sends no end of turn: the caller speaks again once the assistant
        // spoke (the emulator sends each answer whole), and the turn's lines come
        // from the transcript deltas.
        let turn_over = if gpt_live {
            assistant_spoke(&event)
        } else {
            assistant_finished(&event)
        };
        if gpt_live && turn_over {
            for line in transcript.turn_from_deltas() {
                say(line, &mut lines);
            }
        }
        if turn_over && streaming.is_none() {
            match turns.next() {
                Some(turn) => {
                    start_turn(&session, turn, &mut transcript, &mut streaming, &mut |l| {
                        say(l, &mut lines);
                    })
                    .await?;
                    next_chunk = Instant::now();
                }
                None => finished = true,
            }
        }
    }

    let _ = session.close().await;
    if let (Some(wav), Some(path)) = (wav_out, &options.output) {
        let ms = wav.finish()?;
        say(
            format!(
                "output: wrote {ms} ms of assistant audio to {}",
                path.display()
            ),
            &mut lines,
        );
    }
    for line in transcript.summary(started.elapsed()) {
        say(line, &mut lines);
    }
    Ok(DeskReport {
        lines,
        stats: transcript.stats,
    })
}

async fn start_turn(
    session: &AgentSession,
    turn: CallerTurn,
    transcript: &mut Transcript,
    streaming: &mut Option<(Vec<u8>, usize)>,
    say: &mut dyn FnMut(String),
) -> Result<(), ExampleError> {
    match turn {
        CallerTurn::Audio(pcm) => session
            .send_audio(&pcm)
            .await
            .map_err(|e| ExampleError::new(format!("sending audio: {e}"))),
        CallerTurn::Stream(pcm) => {
            say(format!(
                "(streaming {} ms of caller audio in real time)",
                pcm.len() / audio::BYTES_PER_MS
            ));
            *streaming = Some((pcm, 0));
            Ok(())
        }
        CallerTurn::Text(text) => {
            say(transcript.user_text(text));
            session
                .send_text(text)
                .await
                .map_err(|e| ExampleError::new(format!("sending text: {e}")))
        }
    }
}
