//! The self-signed certificate and TLS acceptor of a `wss://` test server.

use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::TlsAcceptor;

use crate::error::TestkitError;

/// Generates a self-signed certificate for `127.0.0.1` and `localhost` and returns
/// the acceptor and the certificate (DER).
pub(crate) fn self_signed_acceptor() -> Result<(TlsAcceptor, Vec<u8>), TestkitError> {
    let tls_error = |message: String| TestkitError::Tls { message };
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .map_err(|error| tls_error(format!("cannot generate a certificate: {error}")))?;
    let cert_der = certified.cert.der().to_vec();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    // The provider is passed explicitly: never rely on a process-wide default.
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|error| tls_error(format!("cannot select TLS versions: {error}")))?
    .with_no_client_auth()
    .with_single_cert(vec![CertificateDer::from(cert_der.clone())], key)
    .map_err(|error| tls_error(format!("cannot use the certificate: {error}")))?;
    Ok((TlsAcceptor::from(Arc::new(config)), cert_der))
}
