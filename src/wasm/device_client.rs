//! `DeviceClient`, the wasm export behind the facade's `HaloDeviceClient`.
//! Each method validates through the core, then runs the core's call loop:
//! token, fetch, classify, and retry, renew or fail as the core decides.

use super::events::Events;
use super::host::{
    monotonic_ms, random_bytes, random_unit, sleep, wall_clock_ms, AbortSignal, Interrupted,
    GLOBAL_FETCH,
};
use super::js_error::{to_js, Failure};
use super::token_driver::TokenDriver;
use super::transport::{send, AttemptError, HttpResponse};
use crate::core::call::{Call, Next};
use crate::core::command::{CommandInput, SqlCommand};
use crate::core::config::{ClientConfig, ClientOptionsInput};
use crate::core::error::{ErrorKind, HaloError};
use crate::core::headers::auth_headers;
use crate::core::ids::format_device_id;
use crate::core::requests::{DeviceRequests, QueryOptions, RequestSpec};
use crate::core::responses::{classify_failure, query_state, ErrorBody, QueryState, QueryStatus};
use js_sys::{Function, Object, Promise, Reflect};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::future::Future;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

/// 128 random bits from `crypto.getRandomValues`, as 32 hex characters.
#[wasm_bindgen(js_name = generateDeviceId)]
pub fn generate_device_id() -> String {
    format_device_id(&random_bytes::<16>())
}

struct Shared {
    config: ClientConfig,
    requests: DeviceRequests,
    tokens: Rc<TokenDriver>,
    fetch: Function,
    events: Rc<Events>,
}

#[wasm_bindgen]
pub struct DeviceClient {
    shared: Rc<Shared>,
}

/// Per-call options shared by the query methods.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct CallOptionsInput {
    catalogue: Option<String>,
    max_time_in_queue_ms: Option<f64>,
    /// Total time for the call, all attempts and waits included.
    timeout_ms: Option<f64>,
}

fn from_js<T: DeserializeOwned + Default>(field: &str, value: JsValue) -> Result<T, HaloError> {
    if value.is_undefined() || value.is_null() {
        return Ok(T::default());
    }
    serde_wasm_bindgen::from_value(value).map_err(|error| {
        HaloError::validation(field, format!("{field} has the wrong shape: {error}"))
    })
}

#[wasm_bindgen]
impl DeviceClient {
    /// `settings` is the plain-data part of the options; the facade passes
    /// the callbacks separately.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "object")] settings: JsValue,
        get_token: Function,
        fetch: Option<Function>,
        on_event: Option<Function>,
    ) -> Result<DeviceClient, JsValue> {
        let reject = |error: HaloError| to_js(Failure::from(error), &[]);
        let input: ClientOptionsInput = from_js("options", settings).map_err(reject)?;
        let config = ClientConfig::from_input(input).map_err(reject)?;
        let fetch = fetch
            .or_else(|| GLOBAL_FETCH.with(Clone::clone))
            .ok_or_else(|| {
                reject(HaloError::validation(
                    "fetch",
                    "no fetch: this runtime has no global fetch, so pass one in the options",
                ))
            })?;
        let events = Rc::new(Events::new(on_event));
        let tokens = Rc::new(TokenDriver::new(
            config.token,
            get_token,
            config.site_id.as_str(),
            config.device_id.expose(),
            config.token_timeout_ms,
            events.clone(),
        ));
        let requests = DeviceRequests::new(config.endpoint.clone(), config.site_id.clone());
        Ok(DeviceClient {
            shared: Rc::new(Shared {
                config,
                requests,
                tokens,
                fetch,
                events,
            }),
        })
    }

    /// Runs SQL now; resolves with the query object (status `successful`).
    #[wasm_bindgen(js_name = immediateQuery, unchecked_return_type = "Promise<unknown>")]
    pub fn immediate_query(
        &self,
        #[wasm_bindgen(unchecked_param_type = "unknown")] command: JsValue,
        #[wasm_bindgen(unchecked_param_type = "object | undefined")] options: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        let shared = self.shared.clone();
        self.run(async move {
            let command =
                SqlCommand::from_input(from_js::<CommandOrDefault>("command", command)?.0)?;
            let options: CallOptionsInput = from_js("options", options)?;
            let query_options = QueryOptions {
                catalogue: options.catalogue,
                max_time_in_queue_ms: options.max_time_in_queue_ms,
            };
            let spec = shared.requests.immediate_query(&command, &query_options)?;
            let response = shared
                .execute(spec, signal.as_ref(), options.timeout_ms)
                .await?;
            finished_query(response.body)
        })
    }

    /// `{ hasToken, expiresAt, renewals }`; never the token itself.
    #[wasm_bindgen(js_name = tokenInfo, unchecked_return_type = "{ hasToken: boolean; expiresAt: Date | null; renewals: number }")]
    pub fn token_info(&self) -> JsValue {
        let info = self.shared.tokens.info();
        let object = Object::new();
        let expires_at = match info.expires_at_ms {
            Some(ms) => js_sys::Date::new(&ms.into()).into(),
            None => JsValue::NULL,
        };
        let _ = Reflect::set(&object, &"hasToken".into(), &info.has_token.into());
        let _ = Reflect::set(&object, &"expiresAt".into(), &expires_at);
        let _ = Reflect::set(&object, &"renewals".into(), &(info.renewals as f64).into());
        object.into()
    }
}

impl DeviceClient {
    /// Turns a call into a promise whose rejection is a scrubbed JS error.
    fn run(&self, call: impl Future<Output = Result<JsValue, Failure>> + 'static) -> Promise {
        let shared = self.shared.clone();
        future_to_promise(async move {
            call.await.map_err(|failure| {
                let token = shared.tokens.latest_token();
                let mut secrets = vec![shared.config.device_id.expose()];
                secrets.extend(token.as_deref());
                to_js(failure, &secrets)
            })
        })
    }
}

/// `CommandInput` has no natural default; an absent command is empty text,
/// which validation then names.
struct CommandOrDefault(CommandInput);

impl Default for CommandOrDefault {
    fn default() -> Self {
        Self(CommandInput::Text(String::new()))
    }
}

impl<'de> Deserialize<'de> for CommandOrDefault {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        CommandInput::deserialize(deserializer).map(Self)
    }
}

/// A query object that must have finished successfully.
fn finished_query(body: JsValue) -> Result<JsValue, Failure> {
    let status: QueryStatus = serde_wasm_bindgen::from_value(body.clone()).map_err(|_| {
        HaloError::new(
            ErrorKind::Protocol,
            "Halo Cloud returned a query object of an unexpected shape",
        )
    })?;
    match query_state(&status) {
        QueryState::Succeeded => Ok(body),
        QueryState::Failed(error) => Err(error.into()),
        QueryState::Pending => Err(HaloError::new(
            ErrorKind::Protocol,
            "an immediate query came back unfinished",
        )
        .into()),
    }
}

impl Shared {
    /// The call loop. Each turn: get a token, send once, and let the core
    /// decide whether to finish, retry after a delay, renew, or fail.
    async fn execute(
        self: &Rc<Self>,
        spec: RequestSpec,
        signal: Option<&AbortSignal>,
        timeout_ms: Option<f64>,
    ) -> Result<HttpResponse, Failure> {
        let deadline = timeout_ms.map(|ms| monotonic_ms() + ms);
        let mut call = Call::new(spec.replay, self.config.retry, deadline);
        let mut attempt = 0u32;
        loop {
            if let Some(signal) = signal.filter(|s| s.aborted()) {
                return Err(Failure::Aborted(signal.reason()));
            }
            if let Some(error) = call.expired(monotonic_ms()) {
                return Err(error.into());
            }
            let grant = self.tokens.token(signal).await?;
            attempt += 1;
            let started = monotonic_ms();
            self.events.emit("request", |e| {
                e.field("method", spec.method.as_str())
                    .field("path", spec.path.as_str())
                    .field("attempt", attempt)
            });
            let headers = auth_headers(&grant.token, &self.config.device_id);
            let (error, cause) = match send(
                &self.fetch,
                &spec,
                &headers,
                self.config.attempt_timeout_ms,
                signal,
            )
            .await
            {
                Ok(response) => {
                    self.events.emit("response", |e| {
                        e.field("method", spec.method.as_str())
                            .field("path", spec.path.as_str())
                            .field("status", response.status)
                            .field("attempt", attempt)
                            .field("durationMs", monotonic_ms() - started)
                    });
                    if response.ok() {
                        return Ok(response);
                    }
                    let body: Option<ErrorBody> =
                        serde_wasm_bindgen::from_value(response.body.clone()).ok();
                    (
                        classify_failure(
                            response.status,
                            response.retry_after.as_deref(),
                            body.as_ref(),
                            wall_clock_ms(),
                        ),
                        None,
                    )
                }
                Err(AttemptError::Aborted(reason)) => return Err(Failure::Aborted(reason)),
                Err(AttemptError::Failed(error, cause)) => (error, cause),
            };
            match call.on_failure(error, monotonic_ms(), random_unit()) {
                Next::Retry { delay_ms } => {
                    self.events.emit("retry", |e| {
                        e.field("method", spec.method.as_str())
                            .field("path", spec.path.as_str())
                            .field("attempt", attempt)
                            .field("delayMs", delay_ms as f64)
                    });
                    if let Err(Interrupted::Aborted(reason)) = sleep(delay_ms as f64, signal).await
                    {
                        return Err(Failure::Aborted(reason));
                    }
                }
                Next::RenewToken => self.tokens.rejected(&grant),
                Next::Fail(error) => return Err(Failure::Halo(error, cause)),
            }
        }
    }
}
