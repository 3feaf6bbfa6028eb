//! [`OpenAiConfig`] as a [`Connector`], and the shortest path to a [`RealtimeClient`].

use async_trait::async_trait;
use realtime_core::client::RealtimeClient;
use realtime_core::transport::{ConnectError, ConnectRequest, Connector};

use crate::config::OpenAiConfig;
use crate::dialect::PROVIDER;

#[async_trait]
impl Connector for OpenAiConfig {
    fn provider(&self) -> &'static str {
        PROVIDER
    }

    async fn request(&self) -> Result<ConnectRequest, ConnectError> {
        let parts = self.connect_request();
        let mut request = ConnectRequest::new(parts.url);
        for (name, value) in parts.headers {
            request = request.secret_header(name, value);
        }
        Ok(request)
    }
}

impl OpenAiConfig {
    /// A client for this configuration: the `openai-ga` dialect with this config's
    /// policy, connecting with this config's URL and key.
    pub fn client(&self) -> RealtimeClient {
        RealtimeClient::new(self.dialect(), self.clone())
    }
}
