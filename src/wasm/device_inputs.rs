//! The device client's own options and its `getToken`'s answer, read from
//! JavaScript into the core's input types (the core validates them). The
//! operations' arguments, which both doors share, are in `operation_inputs.rs`.

use super::fields::Fields;
use crate::core::config::ClientOptionsInput;
use crate::core::error::HaloError;
use crate::core::token::IssuedTokenInput;
use wasm_bindgen::JsValue;

pub(super) fn client_options(settings: JsValue) -> Result<ClientOptionsInput, HaloError> {
    let fields = Fields::of(settings, "options", "")?;
    Ok(ClientOptionsInput {
        environment: fields.string("environment")?,
        base_url: fields.string("baseUrl")?,
        path_prefix: fields.string("pathPrefix")?,
        site_id: fields.string("siteId")?,
        device_id: fields.string("deviceId")?,
        allow_weak_device_id: fields.boolean("allowWeakDeviceId")?,
        renew_margin_ms: fields.number("renewMarginMs")?,
        attempt_timeout_ms: fields.number("attemptTimeoutMs")?,
        token_timeout_ms: fields.number("tokenTimeoutMs")?,
        max_retries: fields.number("maxRetries")?,
        max_response_bytes: fields.number("maxResponseBytes")?,
    })
}

/// What `getToken` resolved with; the core checks it.
pub(super) fn issued_token(value: JsValue) -> IssuedTokenInput {
    let fields = Fields::lenient(value);
    let access_token = fields.text("accessToken");
    IssuedTokenInput {
        snake_case: access_token.is_none() && fields.text("access_token").is_some(),
        access_token,
        expires_in: fields.float("expiresIn"),
    }
}
