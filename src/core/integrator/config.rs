//! The integrator client's configuration: where Halo Cloud is, the
//! subscription key, and the timing knobs, validated once.

use super::subscription_key::subscription_key_header;
use crate::core::config::{retry_policy, timeout, Endpoint, DEFAULT_ATTEMPT_TIMEOUT_MS};
use crate::core::error::HaloError;
use crate::core::limits::max_response_bytes;
use crate::core::retry::RetryPolicy;
use crate::core::secret::Secret;
use serde::Deserialize;

/// The options object as a JavaScript caller wrote it (the key and the
/// callbacks excluded: the shell passes those apart).
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all = "camelCase", optional_fields))]
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IntegratorOptionsInput {
    /// `production` or `stage`; or give `baseUrl` instead.
    #[cfg_attr(test, ts(optional, type = r#""production" | "stage""#))]
    pub environment: Option<String>,
    /// Instead of `environment`, e.g. a local simulator.
    pub base_url: Option<String>,
    /// Per-attempt timeout; default 65 000 ms.
    pub attempt_timeout_ms: Option<f64>,
    /// Retries after the first attempt for retryable failures; default 3.
    pub max_retries: Option<f64>,
    /// The largest response body read, in bytes (1 KiB to 256 MiB); default 48 MiB.
    pub max_response_bytes: Option<f64>,
}

/// A validated integrator configuration.
#[derive(Clone, Debug)]
pub struct IntegratorConfig {
    /// Where Halo Cloud is.
    pub endpoint: Endpoint,
    /// `Ocp-Apim-Subscription-Key` and its value, checked once.
    pub key_header: (&'static str, Secret),
    /// Per-attempt timeout in ms.
    pub attempt_timeout_ms: u64,
    /// What may be retried, and how often.
    pub retry: RetryPolicy,
    /// The largest response body read, in bytes.
    pub max_response_bytes: u64,
}

impl IntegratorConfig {
    /// Validates every option; the key is checked but never echoed.
    pub fn from_input(
        input: IntegratorOptionsInput,
        subscription_key: Secret,
    ) -> Result<Self, HaloError> {
        let (name, value) = subscription_key_header(&subscription_key)?;
        Ok(Self {
            endpoint: Endpoint::from_parts(
                input.environment.as_deref(),
                input.base_url.as_deref(),
                None,
            )?,
            key_header: (name, Secret::new(value)),
            attempt_timeout_ms: timeout(
                "attemptTimeoutMs",
                input.attempt_timeout_ms,
                DEFAULT_ATTEMPT_TIMEOUT_MS,
            )?,
            retry: retry_policy(input.max_retries)?,
            max_response_bytes: max_response_bytes(input.max_response_bytes)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn a_valid_configuration() {
        let input = IntegratorOptionsInput {
            environment: Some("stage".into()),
            ..IntegratorOptionsInput::default()
        };
        let config = IntegratorConfig::from_input(input, Secret::new(KEY)).unwrap();
        assert_eq!(
            config.endpoint.base_url,
            crate::core::config::STAGE_BASE_URL
        );
        assert_eq!(config.key_header.0, "Ocp-Apim-Subscription-Key");
        assert_eq!(
            config.max_response_bytes,
            crate::core::limits::MAX_RESPONSE_BYTES
        );
        assert!(!format!("{config:?}").contains(KEY), "Debug hides the key");
    }

    #[test]
    fn bad_options_name_their_field_and_never_echo_the_key() {
        let error =
            IntegratorConfig::from_input(IntegratorOptionsInput::default(), Secret::new(KEY))
                .unwrap_err();
        assert_eq!(error.field.as_deref(), Some("environment"));
        let refused = |input| {
            IntegratorConfig::from_input(input, Secret::new(KEY))
                .unwrap_err()
                .field
                .clone()
        };
        let input = IntegratorOptionsInput {
            base_url: Some("http://127.0.0.1:4010".into()),
            max_retries: Some(20.0),
            ..IntegratorOptionsInput::default()
        };
        assert_eq!(refused(input).as_deref(), Some("maxRetries"));
        let input = IntegratorOptionsInput {
            environment: Some("stage".into()),
            max_response_bytes: Some(0.5),
            ..IntegratorOptionsInput::default()
        };
        assert_eq!(refused(input).as_deref(), Some("maxResponseBytes"));
        let spaced = "key with spaces in it";
        let input = IntegratorOptionsInput {
            environment: Some("stage".into()),
            ..IntegratorOptionsInput::default()
        };
        let error = IntegratorConfig::from_input(input, Secret::new(spaced)).unwrap_err();
        assert_eq!(error.field.as_deref(), Some("subscriptionKey"));
        assert!(!error.message.contains(spaced));
    }

    #[test]
    fn a_base_url_with_credentials_is_refused_without_echoing_it() {
        let input = IntegratorOptionsInput {
            base_url: Some("https://integrator:pa55word@api.example.com".into()),
            ..IntegratorOptionsInput::default()
        };
        let error = IntegratorConfig::from_input(input, Secret::new(KEY)).unwrap_err();
        assert_eq!(error.field.as_deref(), Some("baseUrl"));
        assert!(!error.message.contains("pa55word"), "{}", error.message);
    }
}
