//! A typed conversation: the user sends each line once the assistant finished its
//! answer, and every event becomes transcript lines.

use std::time::Duration;

use realtime::agent::{AgentEvent, AgentSession};
use tokio::time::Instant;

use crate::ExampleError;
use crate::transcript::{Transcript, assistant_finished};

/// Decides a tool call that needs approval: `(tool, JSON arguments) -> approved`.
pub type Approver<'a> = &'a dyn Fn(&str, &str) -> bool;

/// Sends `lines` one by one as user text and prints the session until the assistant
/// answered the last one; tool calls that need approval are decided by `approve`.
///
/// # Errors
/// The session ended early or the conversation did not finish within `timeout`.
pub async fn converse(
    session: &mut AgentSession,
    transcript: &mut Transcript,
    lines: &[&str],
    timeout: Duration,
    approve: Approver<'_>,
    out: &mut dyn FnMut(&str),
) -> Result<(), ExampleError> {
    let deadline = Instant::now() + timeout;
    let mut lines = lines.iter();
    let Some(first) = lines.next() else {
        return Ok(());
    };
    out(&transcript.user_text(first));
    session
        .send_text(*first)
        .await
        .map_err(|e| ExampleError::new(format!("sending text: {e}")))?;
    loop {
        let event = match tokio::time::timeout_at(deadline, session.next_event()).await {
            Ok(Some(event)) => event,
            Ok(None) => return Err(ExampleError::new("the session ended early")),
            Err(_) => {
                return Err(ExampleError::new(format!(
                    "the conversation did not finish within {timeout:?}"
                )));
            }
        };
        for line in transcript.on_event(&event) {
            out(&line);
        }
        if let AgentEvent::ApprovalRequested {
            tool,
            call_id,
            arguments,
        } = &event
        {
            let approved = approve(tool, arguments);
            out(&format!(
                "  ?? the app {} {tool}",
                if approved { "approves" } else { "rejects" }
            ));
            session
                .approve(call_id.clone(), approved)
                .await
                .map_err(|e| ExampleError::new(format!("answering the approval: {e}")))?;
        }
        if assistant_finished(&event) {
            match lines.next() {
                Some(line) => {
                    out(&transcript.user_text(line));
                    session
                        .send_text(*line)
                        .await
                        .map_err(|e| ExampleError::new(format!("sending text: {e}")))?;
                }
                None => return Ok(()),
            }
        }
    }
}
