//! Classifying `conversation.item.input_audio_transcription.failed`.
//!
//! On Azure OpenAI the transcription `model` is the name of a transcription
//! *deployment* in the resource, not a model name (DIALECTS §2 "transcription", the
//! Azure reference note). A model name such as `whisper-1` that is not also a
//! deployment makes every transcription fail with `code: "DeploymentNotFound"`
//! (recorded: `azure-openai/examples.jsonl`, `azure-openai-ga-v1` row from the
//! pydantic-ai cassette `test_audio_in_server_vad_transcription_requires_deployment`).

use realtime_core::protocol::InputTranscriptionFailed;

/// The error code Azure sends when the transcription deployment does not exist.
pub const DEPLOYMENT_NOT_FOUND: &str = "DeploymentNotFound";

/// Why an input transcription failed, classified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TranscriptionFailure {
    /// The transcription `model` names no deployment of the resource.
    #[error(
        "Azure OpenAI: input transcription failed for item `{item_id}`: {} is not a deployment of this resource; on Azure OpenAI the transcription model must be a deployment name (create a transcription deployment, e.g. of whisper or gpt-4o-transcribe, and use its name) [DeploymentNotFound: {message}]",
        deployment.as_deref().map_or_else(|| "the transcription model".to_owned(), |name| format!("`{name}`"))
    )]
    DeploymentNotFound {
        /// The configured transcription model (the deployment that was not found),
        /// when the caller supplied it with [`TranscriptionFailure::for_deployment`].
        deployment: Option<String>,
        /// The item whose audio was not transcribed.
        item_id: String,
        /// The server's message.
        message: String,
    },
    /// Any other failure, as the server reported it.
    #[error("Azure OpenAI: input transcription failed for item `{item_id}`{}: {message}", code.as_deref().map_or_else(String::new, |code| format!(" ({code})")))]
    Other {
        /// The server's error code, if any.
        code: Option<String>,
        /// The item whose audio was not transcribed.
        item_id: String,
        /// The server's message.
        message: String,
    },
}

impl TranscriptionFailure {
    /// Names the deployment that was configured as transcription `model`, so the
    /// message says which one is missing. Leaves other failures unchanged.
    #[must_use]
    pub fn for_deployment(self, name: impl Into<String>) -> Self {
        match self {
            Self::DeploymentNotFound {
                item_id, message, ..
            } => Self::DeploymentNotFound {
                deployment: Some(name.into()),
                item_id,
                message,
            },
            other => other,
        }
    }

    /// Whether the failure means the transcription model is not a deployment name.
    pub fn is_deployment_not_found(&self) -> bool {
        matches!(self, Self::DeploymentNotFound { .. })
    }
}

/// Classifies a transcription failure event.
///
/// ```
/// use realtime_azure_openai::{AzureOpenAiDialect, transcription_failure};
/// use realtime_core::dialect::Dialect;
/// use realtime_core::protocol::ServerEvent;
///
/// let frame = r#"{"type":"conversation.item.input_audio_transcription.failed","item_id":"item_1",
///   "content_index":0,"error":{"type":"server_error","code":"DeploymentNotFound",
///   "message":"Input transcription failed for item 'item_1'.","param":null}}"#;
/// let events = AzureOpenAiDialect::ga_v1().decode(frame)?;
/// let ServerEvent::InputTranscriptionFailed(failed) = &events[0] else { unreachable!() };
/// let failure = transcription_failure(failed).for_deployment("whisper-1");
/// assert!(failure.is_deployment_not_found());
/// assert!(failure.to_string().contains("must be a deployment name"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn transcription_failure(event: &InputTranscriptionFailed) -> TranscriptionFailure {
    let error = &event.error;
    let code = error.code.as_option();
    if code.is_some_and(|code| code.eq_ignore_ascii_case(DEPLOYMENT_NOT_FOUND)) {
        TranscriptionFailure::DeploymentNotFound {
            deployment: None,
            item_id: event.item_id.clone(),
            message: error.message.clone(),
        }
    } else {
        TranscriptionFailure::Other {
            code: code.cloned(),
            item_id: event.item_id.clone(),
            message: error.message.clone(),
        }
    }
}
