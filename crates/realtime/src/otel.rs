//! OpenTelemetry export of the agent's spans (feature `otel`).
//!
//! The agent machine opens `realtime.session` → `realtime.connection` →
//! `realtime.turn` → `realtime.response` → `realtime.tool` spans with attributes
//! named after the GenAI semantic conventions (`gen_ai.system`, `gen_ai.agent.name`,
//! `gen_ai.usage.input_tokens`, `gen_ai.tool.name`, ...). [`layer`] turns them into
//! OpenTelemetry spans for any exporter; [`otlp_http`] sends them to a collector.
//!
//! ```no_run
//! use tracing_subscriber::layer::SubscriberExt;
//!
//! let (layer, provider) = realtime::otel::otlp_http("http://127.0.0.1:4318/v1/traces", "my-voice-agent")?;
//! let subscriber = tracing_subscriber::registry().with(layer);
//! tracing::subscriber::set_global_default(subscriber)?;
//! // ... run the agent ...
//! provider.shutdown()?; // flushes the last spans
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider, SpanExporter};
use tracing_opentelemetry::OpenTelemetryLayer;
use tracing_subscriber::registry::LookupSpan;

pub use opentelemetry;
pub use opentelemetry_sdk;
pub use tracing_opentelemetry;

/// The OTLP exporter could not be built.
#[derive(Debug, thiserror::Error)]
#[error("OpenTelemetry: cannot build the OTLP exporter for {endpoint}: {message}")]
pub struct OtelError {
    /// The collector endpoint asked for.
    pub endpoint: String,
    /// What went wrong.
    pub message: String,
}

/// A tracing layer exporting every span through `exporter` (spans are exported as
/// they end), with `service_name` as the resource's `service.name`; and the provider,
/// whose `shutdown()` flushes what is left.
pub fn layer<S, E>(
    exporter: E,
    service_name: &str,
) -> (OpenTelemetryLayer<S, SdkTracer>, SdkTracerProvider)
where
    S: tracing::Subscriber + for<'span> LookupSpan<'span>,
    E: SpanExporter + 'static,
{
    let resource = Resource::builder()
        .with_service_name(service_name.to_owned())
        .build();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter)
        .with_resource(resource)
        .build();
    let tracer = provider.tracer("realtime");
    (tracing_opentelemetry::layer().with_tracer(tracer), provider)
}

/// [`layer`] with the OTLP/HTTP (protobuf) exporter sending to `endpoint`, e.g.
/// `http://127.0.0.1:4318/v1/traces`.
///
/// # Errors
/// [`OtelError`] when the exporter cannot be built (an invalid endpoint).
pub fn otlp_http<S>(
    endpoint: &str,
    service_name: &str,
) -> Result<(OpenTelemetryLayer<S, SdkTracer>, SdkTracerProvider), OtelError>
where
    S: tracing::Subscriber + for<'span> LookupSpan<'span>,
{
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_endpoint(endpoint)
        .build()
        .map_err(|error| OtelError {
            endpoint: endpoint.to_owned(),
            message: error.to_string(),
        })?;
    Ok(layer(exporter, service_name))
}
