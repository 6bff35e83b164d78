//! The arguments and options of the table's operations, read from
//! JavaScript into the core's input types (the core validates them). Both
//! doors' wasms compile this once: the device client and the integrator's
//! site handle take the same arguments.

use super::convert::{number_arg, string_arg};
use super::fields::{js_string, Fields};
use crate::core::command::{CommandInput, SqlCommand};
use crate::core::config::call_timeout;
use crate::core::error::HaloError;
use crate::core::json_source::InputSource;
use crate::core::operations::{Arguments, Input};
use crate::core::polling::{start_page, WaitPlan};
use crate::core::requests::{check_query_id_count, check_search_count, QueryOptions, Registration};
use js_sys::{Array, Function};
use wasm_bindgen::{JsCast, JsValue};

/// A command or one of its parameters being read, with the path its
/// fields are named under in errors (`command.parameters[2].size`).
struct InputValue {
    value: JsValue,
    path: String,
}

impl InputValue {
    fn fields(&self) -> Result<Fields<'_>, HaloError> {
        Fields::of(self.value.clone(), &self.path, &self.path)
    }
}

impl InputSource for InputValue {
    fn as_text(&self, field: &str) -> Result<Option<String>, HaloError> {
        js_string(field, &self.value)
    }

    fn string(&self, key: &str) -> Result<Option<String>, HaloError> {
        self.fields()?.string(key)
    }

    fn number(&self, key: &str) -> Result<Option<f64>, HaloError> {
        self.fields()?.number(key)
    }

    fn objects(
        &self,
        key: &str,
        check_count: fn(usize) -> Result<(), HaloError>,
    ) -> Result<Option<Vec<Self>>, HaloError> {
        let Some(items) = self.fields()?.array(key)? else {
            return Ok(None);
        };
        check_count(items.length() as usize)?;
        let path = &self.path;
        let read = items.iter().enumerate().map(|(index, value)| InputValue {
            value,
            path: format!("{path}.{key}[{index}]"),
        });
        Ok(Some(read.collect()))
    }
}

/// A SQL string or the API's command object, read and validated by the core.
pub(super) fn command(value: JsValue) -> Result<SqlCommand, HaloError> {
    let input = InputValue {
        value,
        path: "command".to_owned(),
    };
    SqlCommand::from_input(CommandInput::read(&input)?)
}

/// A call's `timeoutMs`, checked by the core.
fn timeout_ms(fields: &Fields) -> Result<Option<f64>, HaloError> {
    Ok(call_timeout(fields.number("timeoutMs")?)?.map(|ms| ms as f64))
}

/// `{ catalogue?, maxTimeInQueueMs?, timeoutMs? }` of the query methods.
pub(super) fn query_options(options: JsValue) -> Result<(QueryOptions, Option<f64>), HaloError> {
    let fields = Fields::of(options, "options", "")?;
    let query = QueryOptions {
        catalogue: fields.string("catalogue")?,
        max_time_in_queue_ms: fields.number("maxTimeInQueueMs")?,
    };
    Ok((query, timeout_ms(&fields)?))
}

/// `{ timeoutMs?, method? }` of the other methods.
pub(super) struct CallOptions {
    pub timeout_ms: Option<f64>,
    pub method: Option<String>,
}

pub(super) fn call_options(options: JsValue) -> Result<CallOptions, HaloError> {
    let fields = Fields::of(options, "options", "")?;
    Ok(CallOptions {
        timeout_ms: timeout_ms(&fields)?,
        method: fields.string("method")?,
    })
}

/// A wait's options, checked: its plan (`pollIntervalMs`,
/// `maxPollIntervalMs`, `timeoutMs`) and its `onProgress` listener.
pub(super) struct WaitInput {
    pub plan: WaitPlan,
    pub on_progress: Option<Function>,
}

/// The options of `waitForQuery` and `waitForQueries`; `startPage`, which
/// `resultPages` passes through, is checked here too, before any poll.
pub(super) fn wait_options(options: JsValue, now_ms: f64) -> Result<WaitInput, HaloError> {
    let fields = Fields::of(options, "options", "")?;
    start_page(fields.number("startPage")?)?;
    let listener = fields.value("onProgress");
    let on_progress =
        if listener.is_undefined() || listener.is_null() {
            None
        } else {
            Some(listener.dyn_into::<Function>().map_err(|_| {
                HaloError::validation("onProgress", "onProgress must be a function")
            })?)
        };
    let plan = WaitPlan::new(
        fields.number("pollIntervalMs")?,
        fields.number("maxPollIntervalMs")?,
        fields.number("timeoutMs")?,
        now_ms,
    )?;
    Ok(WaitInput { plan, on_progress })
}

/// `{ name, command, frequencySeconds, durationSeconds }`; absent numbers
/// are NaN, which the core refuses naming the field.
pub(super) struct RegistrationInput {
    pub name: String,
    pub command: JsValue,
    pub frequency_seconds: f64,
    pub duration_seconds: f64,
}

pub(super) fn registration(value: JsValue) -> Result<RegistrationInput, HaloError> {
    let fields = Fields::of(value, "registration", "")?;
    Ok(RegistrationInput {
        name: fields.string("name")?.unwrap_or_default(),
        command: fields.value("command"),
        frequency_seconds: fields.number("frequencySeconds")?.unwrap_or(f64::NAN),
        duration_seconds: fields.number("durationSeconds")?.unwrap_or(f64::NAN),
    })
}

/// FHIR search parameters as `[name, value]` pairs.
pub(super) fn search_pairs(params: JsValue) -> Result<Vec<(String, String)>, HaloError> {
    let invalid =
        || HaloError::validation("params", "params must be [name, value] pairs of strings");
    let params = params.dyn_into::<Array>().map_err(|_| invalid())?;
    check_search_count(params.length() as usize)?;
    // A loop, not `collect::<Result<..>>()`: a copy of `GenericShunt` less.
    let mut pairs = Vec::with_capacity(params.length() as usize);
    for pair in params.iter() {
        let pair = pair.dyn_into::<Array>().map_err(|_| invalid())?;
        match (
            pair.length(),
            js_string("params", &pair.get(0))?,
            js_string("params", &pair.get(1))?,
        ) {
            (2, Some(name), Some(value)) => pairs.push((name, value)),
            _ => return Err(invalid()),
        }
    }
    Ok(pairs)
}

/// Query ids as an array of strings, counted before they are read.
pub(super) fn query_ids(value: JsValue) -> Result<Vec<String>, HaloError> {
    let ids = value
        .dyn_into::<Array>()
        .map_err(|_| HaloError::validation("queryIds", "queryIds must be an array of query ids"))?;
    check_query_id_count(ids.length() as usize)?;
    let mut read = Vec::with_capacity(ids.length() as usize);
    for (index, id) in ids.iter().enumerate() {
        read.push(string_arg(&format!("queryIds[{index}]"), id)?);
    }
    Ok(read)
}

/// The arguments of `call` for an operation taking `arguments`, and the
/// call's `timeoutMs`.
pub(super) fn operation_input(
    arguments: Arguments,
    args: JsValue,
    options: JsValue,
) -> Result<(Input, Option<f64>), HaloError> {
    if !Array::is_array(&args) {
        return Err(HaloError::validation(
            "arguments",
            "arguments must be an array",
        ));
    }
    let args = Array::from(&args);
    let text = |index: u32, field: &str| string_arg(field, args.get(index));
    let options = match arguments {
        Arguments::Command => {
            let command = command(args.get(0))?;
            let (options, timeout_ms) = query_options(options)?;
            return Ok((Input::Command(command, options), timeout_ms));
        }
        _ => call_options(options)?,
    };
    let input = match arguments {
        // Read above, with the query options only commands take.
        Arguments::Command => Input::Nothing,
        Arguments::QueryId => Input::QueryId(text(0, "queryId")?),
        Arguments::QueryIds => Input::QueryIds(query_ids(args.get(0))?),
        Arguments::Page => {
            Input::Page(text(0, "queryId")?, number_arg("pageNumber", &args.get(1))?)
        }
        Arguments::Registration => {
            let input = registration(args.get(0))?;
            Input::Registration(Registration::new(
                &input.name,
                command(input.command)?,
                input.frequency_seconds,
                input.duration_seconds,
            )?)
        }
        Arguments::RegisteredQueryId => Input::RegisteredQueryId(text(0, "registeredQueryId")?),
        Arguments::FhirResource => Input::FhirResource(text(0, "resourceType")?, text(1, "id")?),
        Arguments::FhirSearch => Input::FhirSearch(
            text(0, "resourceType")?,
            search_pairs(args.get(1))?,
            options.method,
        ),
        Arguments::FhirPath => Input::FhirPath(text(0, "path")?, search_pairs(args.get(1))?),
        Arguments::Link => Input::Link(text(0, "link")?),
        Arguments::Nothing => Input::Nothing,
    };
    Ok((input, options.timeout_ms))
}
