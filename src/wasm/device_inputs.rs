//! The device client's arguments and options, read from JavaScript into the
//! core's input types (the core validates them).

use super::fields::{js_string, Fields};
use crate::core::command::{
    check_parameter_count, CommandInput, CommandObjectInput, ParameterInput, SqlCommand,
};
use crate::core::config::{call_timeout, ClientOptionsInput};
use crate::core::error::HaloError;
use crate::core::requests::{check_search_count, QueryOptions};
use crate::core::token::IssuedTokenInput;
use js_sys::Array;
use wasm_bindgen::{JsCast, JsValue};

pub fn client_options(settings: JsValue) -> Result<ClientOptionsInput, HaloError> {
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
    })
}

/// A SQL string or the API's command object, validated by the core.
pub fn command(value: JsValue) -> Result<SqlCommand, HaloError> {
    if let Some(text) = js_string("command.text", &value)? {
        return SqlCommand::from_input(CommandInput::Text(text));
    }
    let fields = Fields::of(value, "command", "command")?;
    let parameters = match fields.array("parameters")? {
        None => None,
        Some(items) => {
            check_parameter_count(items.length() as usize)?;
            Some(
                items
                    .iter()
                    .enumerate()
                    .map(|(index, item)| {
                        let path = format!("command.parameters[{index}]");
                        let parameter = Fields::of(item, &path, &path)?;
                        Ok(ParameterInput {
                            name: parameter.string("name")?,
                            direction: parameter.string("direction")?,
                            sql_type: parameter.string("type")?,
                            value: parameter.string("value")?,
                            size: parameter.number("size")?,
                        })
                    })
                    .collect::<Result<Vec<_>, HaloError>>()?,
            )
        }
    };
    SqlCommand::from_input(CommandInput::Object(CommandObjectInput {
        text: fields.string("text")?,
        execution_mode: fields.string("executionMode")?,
        command_type: fields.string("type")?,
        parameters,
    }))
}

/// A call's `timeoutMs`, checked by the core.
fn timeout_ms(fields: &Fields) -> Result<Option<f64>, HaloError> {
    Ok(call_timeout(fields.number("timeoutMs")?)?.map(|ms| ms as f64))
}

/// `{ catalogue?, maxTimeInQueueMs?, timeoutMs? }` of the query methods.
pub fn query_options(options: JsValue) -> Result<(QueryOptions, Option<f64>), HaloError> {
    let fields = Fields::of(options, "options", "")?;
    let query = QueryOptions {
        catalogue: fields.string("catalogue")?,
        max_time_in_queue_ms: fields.number("maxTimeInQueueMs")?,
    };
    Ok((query, timeout_ms(&fields)?))
}

/// `{ timeoutMs?, method? }` of the other methods.
pub struct CallOptions {
    pub timeout_ms: Option<f64>,
    pub method: Option<String>,
}

pub fn call_options(options: JsValue) -> Result<CallOptions, HaloError> {
    let fields = Fields::of(options, "options", "")?;
    Ok(CallOptions {
        timeout_ms: timeout_ms(&fields)?,
        method: fields.string("method")?,
    })
}

/// `{ pollIntervalMs?, timeoutMs? }` of `waitForQuery` (the core's wait
/// plan checks both).
pub fn wait_options(options: JsValue) -> Result<(Option<f64>, Option<f64>), HaloError> {
    let fields = Fields::of(options, "options", "")?;
    Ok((
        fields.number("pollIntervalMs")?,
        fields.number("timeoutMs")?,
    ))
}

/// `{ name, command, frequencySeconds, durationSeconds }`; absent numbers
/// are NaN, which the core refuses naming the field.
pub struct RegistrationInput {
    pub name: String,
    pub command: JsValue,
    pub frequency_seconds: f64,
    pub duration_seconds: f64,
}

pub fn registration(value: JsValue) -> Result<RegistrationInput, HaloError> {
    let fields = Fields::of(value, "registration", "")?;
    Ok(RegistrationInput {
        name: fields.string("name")?.unwrap_or_default(),
        command: fields.value("command"),
        frequency_seconds: fields.number("frequencySeconds")?.unwrap_or(f64::NAN),
        duration_seconds: fields.number("durationSeconds")?.unwrap_or(f64::NAN),
    })
}

/// FHIR search parameters as `[name, value]` pairs.
pub fn search_pairs(params: JsValue) -> Result<Vec<(String, String)>, HaloError> {
    let invalid =
        || HaloError::validation("params", "params must be [name, value] pairs of strings");
    let params = params.dyn_into::<Array>().map_err(|_| invalid())?;
    check_search_count(params.length() as usize)?;
    params
        .iter()
        .map(|pair| {
            let pair = pair.dyn_into::<Array>().map_err(|_| invalid())?;
            match (
                pair.length(),
                js_string("params", &pair.get(0))?,
                js_string("params", &pair.get(1))?,
            ) {
                (2, Some(name), Some(value)) => Ok((name, value)),
                _ => Err(invalid()),
            }
        })
        .collect()
}

/// What `getToken` resolved with; the core checks it.
pub fn issued_token(value: JsValue) -> IssuedTokenInput {
    let fields = Fields::lenient(value);
    IssuedTokenInput {
        access_token: fields.text("accessToken"),
        expires_in: fields.float("expiresIn"),
    }
}
