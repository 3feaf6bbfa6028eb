//! rustls client configuration with an explicit crypto provider.

use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};

use super::config::TransportConfig;
use super::error::TransportError;

/// Builds the rustls client configuration for `wss://`.
///
/// The `ring` provider is passed explicitly: tokio-tungstenite builds rustls without
/// a default provider, and relying on a process-wide default (or installing one)
/// is not a library's business.
pub(crate) fn client_config(
    provider: &'static str,
    config: &TransportConfig,
) -> Result<Arc<ClientConfig>, TransportError> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for (index, der) in config.root_certificates().iter().enumerate() {
        roots
            .add(CertificateDer::from(der.clone()))
            .map_err(|error| TransportError::Tls {
                provider,
                message: format!(
                    "expected a DER X.509 root certificate at index {index}, got an unusable one: {error}"
                ),
            })?;
    }
    let tls =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|error| TransportError::Tls {
                provider,
                message: format!("cannot select TLS protocol versions: {error}"),
            })?
            .with_root_certificates(roots)
            .with_no_client_auth();
    Ok(Arc::new(tls))
}
