//! The integrator's subscription key header: the one credential of the
//! Integrator API (Azure API Management).

use crate::core::error::HaloError;
use crate::core::header_value::is_plain_header_value;
use crate::core::secret::Secret;

/// The header every Integrator API call carries, the token call included.
pub const SUBSCRIPTION_KEY_HEADER: &str = "Ocp-Apim-Subscription-Key";

/// `Ocp-Apim-Subscription-Key: <key>`.
///
/// Refuses an empty key or one that is not a valid header value before
/// `fetch` does: its own error quotes the value, which would leak the key.
pub fn subscription_key_header(key: &Secret) -> Result<(&'static str, String), HaloError> {
    let value = key.expose();
    if value.is_empty() {
        return Err(HaloError::validation(
            "subscriptionKey",
            "subscriptionKey is required: the Integrator API key from the Integrator Portal",
        ));
    }
    if !is_plain_header_value(value) {
        return Err(HaloError::validation(
            "subscriptionKey",
            "subscriptionKey may contain only visible ASCII characters (no spaces or line breaks)",
        ));
    }
    Ok((SUBSCRIPTION_KEY_HEADER, value.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn the_header_carries_the_key() {
        let header = subscription_key_header(&Secret::new(KEY)).unwrap();
        assert_eq!(header, ("Ocp-Apim-Subscription-Key", KEY.to_owned()));
    }

    #[test]
    fn bad_keys_are_refused_without_quoting_them() {
        for bad in [
            "",
            "with space 0123456789",
            "line\r\nX-Injected: 1",
            "ключ-0123456789",
        ] {
            let error = subscription_key_header(&Secret::new(bad)).unwrap_err();
            assert_eq!(error.field.as_deref(), Some("subscriptionKey"), "{bad:?}");
            if !bad.is_empty() {
                assert!(!error.message.contains(bad));
                assert!(!format!("{error:?}").contains(bad));
            }
        }
    }

    #[test]
    fn the_key_never_shows_in_debug_output() {
        let key = Secret::new(KEY);
        assert!(!format!("{key:?} {:?}", Some(&key)).contains("0123456789"));
    }
}
