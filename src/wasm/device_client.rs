//! `DeviceClient`, the wasm export behind the facade's `HaloDeviceClient`.
//! Each method validates its input through the core, builds the request
//! with the core, runs the shared call loop, and checks the answer with the
//! core. Bodies come back as parsed JS values; the facade decodes rows.

use super::bodies::query_status;
use super::call_loop::{Credentials, Limits, Transport};
use super::convert::{number_arg, run, string_arg, Secrets};
use super::device_inputs as inputs;
use super::events::Events;
use super::host::{fetch_or_global, monotonic_ms, random_bytes, sleep, AbortSignal, Interrupted};
use super::js_error::{to_js, Failure};
use super::token_driver::TokenDriver;
use crate::core::config::ClientConfig;
use crate::core::error::{ErrorKind, HaloError};
use crate::core::headers::auth_headers;
use crate::core::ids::{format_device_id, DeviceId};
use crate::core::polling::{PollStep, WaitPlan};
use crate::core::requests::{DeviceRequests, Method, Registration, RequestSpec};
use crate::core::responses::{query_state, QueryState};
use crate::core::token::Grant;
use js_sys::{Function, Object, Promise, Reflect};
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// 128 random bits from `crypto.getRandomValues`, as 32 hex characters.
#[wasm_bindgen(js_name = generateDeviceId)]
pub fn generate_device_id() -> String {
    format_device_id(&random_bytes::<16>())
}

/// A device token from the engine, sent with the device id.
struct DeviceCredentials {
    tokens: Rc<TokenDriver>,
    device_id: DeviceId,
}

impl Credentials for DeviceCredentials {
    type Used = Grant;

    async fn attempt(
        &self,
        signal: Option<&AbortSignal>,
    ) -> Result<(Vec<(&'static str, String)>, Grant), Failure> {
        let grant = self.tokens.token(signal).await?;
        let headers = auth_headers(&grant.token, &self.device_id).into();
        Ok((headers, grant))
    }

    fn rejected(&self, grant: &Grant) {
        self.tokens.rejected(grant);
    }

    fn renewable(&self) -> bool {
        true
    }
}

struct Shared {
    transport: Transport,
    credentials: DeviceCredentials,
    requests: DeviceRequests,
}

impl Secrets for Shared {
    /// The device id and the newest token.
    fn secrets(&self) -> Vec<String> {
        let mut secrets = vec![self.credentials.device_id.expose().to_owned()];
        secrets.extend(self.credentials.tokens.latest_token());
        secrets
    }
}

impl Shared {
    async fn execute(
        &self,
        spec: RequestSpec,
        limits: &Limits,
    ) -> Result<super::transport::HttpResponse, Failure> {
        self.transport
            .execute(&self.credentials, spec, limits)
            .await
    }
}

#[wasm_bindgen]
pub struct DeviceClient {
    shared: Rc<Shared>,
}

/// Where a query object stands, as the core sees it.
fn query_state_of(body: &JsValue) -> QueryState {
    query_state(&query_status(body))
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
        let input = inputs::client_options(settings).map_err(reject)?;
        let config = ClientConfig::from_input(input).map_err(reject)?;
        let fetch = fetch_or_global(fetch).map_err(reject)?;
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
        let transport = Transport {
            fetch,
            events,
            attempt_timeout_ms: config.attempt_timeout_ms,
            retry: config.retry,
        };
        let credentials = DeviceCredentials {
            tokens,
            device_id: config.device_id,
        };
        let shared = Rc::new(Shared {
            transport,
            credentials,
            requests,
        });
        Ok(DeviceClient { shared })
    }

    /// Runs SQL now; resolves with the query object (status `successful`).
    #[wasm_bindgen(js_name = immediateQuery, unchecked_return_type = "Promise<unknown>")]
    pub fn immediate_query(
        &self,
        command: JsValue,
        options: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        run(&self.shared, move |shared| async move {
            let command = inputs::command(command)?;
            let (options, timeout_ms) = inputs::query_options(options)?;
            let spec = shared.requests.immediate_query(&command, &options)?;
            let body = shared
                .execute(spec, &Limits { signal, timeout_ms })
                .await?
                .body;
            match query_state_of(&body) {
                QueryState::Succeeded => Ok(body),
                QueryState::Failed(error) => Err(error.into()),
                QueryState::Pending => Err(HaloError::new(
                    ErrorKind::Protocol,
                    "an immediate query came back unfinished",
                )
                .into()),
            }
        })
    }

    /// Queues SQL; resolves with the new query object (`mode: "async"`).
    #[wasm_bindgen(js_name = startAsyncQuery, unchecked_return_type = "Promise<unknown>")]
    pub fn start_async_query(
        &self,
        command: JsValue,
        options: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        run(&self.shared, move |shared| async move {
            let command = inputs::command(command)?;
            let (options, timeout_ms) = inputs::query_options(options)?;
            let spec = shared.requests.async_query(&command, &options)?;
            let body = shared
                .execute(spec, &Limits { signal, timeout_ms })
                .await?
                .body;
            match query_state_of(&body) {
                QueryState::Failed(error) => Err(error.into()),
                QueryState::Succeeded | QueryState::Pending => Ok(body),
            }
        })
    }

    /// The query object as it is now, whatever its status.
    #[wasm_bindgen(js_name = getQuery, unchecked_return_type = "Promise<unknown>")]
    pub fn get_query(
        &self,
        query_id: JsValue,
        options: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        self.run_read(options, signal, move |requests| {
            requests.get_query(&string_arg("queryId", query_id)?)
        })
    }

    /// Polls until the query is in a terminal state; rejects with a
    /// `HaloQueryFailedError` when that state is a failure.
    #[wasm_bindgen(js_name = waitForQuery, unchecked_return_type = "Promise<unknown>")]
    pub fn wait_for_query(
        &self,
        query_id: JsValue,
        options: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        run(&self.shared, move |shared| async move {
            let spec = shared
                .requests
                .get_query(&string_arg("queryId", query_id)?)?;
            let (poll_interval_ms, timeout_ms) = inputs::wait_options(options)?;
            let plan = WaitPlan::new(poll_interval_ms, timeout_ms, monotonic_ms())?;
            let limits = Limits {
                signal,
                timeout_ms: None,
            };
            loop {
                let body = shared.execute(spec.clone(), &limits).await?.body;
                match query_state_of(&body) {
                    QueryState::Succeeded => return Ok(body),
                    QueryState::Failed(error) => return Err(error.into()),
                    QueryState::Pending => match plan.after_pending(monotonic_ms()) {
                        PollStep::GiveUp(error) => return Err(error.into()),
                        PollStep::Wait(ms) => {
                            if let Err(Interrupted::Aborted(reason)) =
                                sleep(ms as f64, limits.signal.as_ref()).await
                            {
                                return Err(Failure::Aborted(reason));
                            }
                        }
                    },
                }
            }
        })
    }

    /// One page of an async query's results: `{ data, parameters }`.
    #[wasm_bindgen(js_name = getResultPage, unchecked_return_type = "Promise<unknown>")]
    pub fn get_result_page(
        &self,
        query_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] page_number: JsValue,
        options: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        self.run_read(options, signal, move |requests| {
            requests.result_page(
                &string_arg("queryId", query_id)?,
                number_arg("pageNumber", &page_number)?,
            )
        })
    }

    /// Registers a query that Halo re-runs every `frequencySeconds`; resolves with `{ id }`.
    #[wasm_bindgen(js_name = createRegisteredQuery, unchecked_return_type = "Promise<unknown>")]
    pub fn create_registered_query(
        &self,
        registration: JsValue,
        options: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        self.run_read(options, signal, move |requests| {
            let input = inputs::registration(registration)?;
            let command = inputs::command(input.command)?;
            let registration = Registration::new(
                &input.name,
                command,
                input.frequency_seconds,
                input.duration_seconds,
            )?;
            requests.create_registered_query(&registration)
        })
    }

    #[wasm_bindgen(js_name = listRegisteredQueries, unchecked_return_type = "Promise<unknown>")]
    pub fn list_registered_queries(
        &self,
        options: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        self.run_read(options, signal, |requests| {
            Ok(requests.list_registered_queries())
        })
    }

    #[wasm_bindgen(js_name = getRegisteredQuery, unchecked_return_type = "Promise<unknown>")]
    pub fn get_registered_query(
        &self,
        query_id: JsValue,
        options: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        self.run_read(options, signal, move |requests| {
            requests.get_registered_query(&string_arg("registeredQueryId", query_id)?)
        })
    }

    #[wasm_bindgen(js_name = cancelRegisteredQuery, unchecked_return_type = "Promise<unknown>")]
    pub fn cancel_registered_query(
        &self,
        query_id: JsValue,
        options: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        self.run_read(options, signal, move |requests| {
            requests.cancel_registered_query(&string_arg("registeredQueryId", query_id)?)
        })
    }

    /// The latest result: `{ data, parameters, rows, size }`.
    #[wasm_bindgen(js_name = getRegisteredQueryResult, unchecked_return_type = "Promise<unknown>")]
    pub fn get_registered_query_result(
        &self,
        query_id: JsValue,
        options: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        self.run_read(options, signal, move |requests| {
            requests.registered_query_result(&string_arg("registeredQueryId", query_id)?)
        })
    }

    #[wasm_bindgen(js_name = fhirRead, unchecked_return_type = "Promise<unknown>")]
    pub fn fhir_read(
        &self,
        resource_type: JsValue,
        id: JsValue,
        options: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        self.run_read(options, signal, move |requests| {
            requests.fhir_read(
                &string_arg("resourceType", resource_type)?,
                &string_arg("id", id)?,
            )
        })
    }

    /// `params` is an array of `[name, value]` pairs (the facade flattens
    /// objects and `URLSearchParams` into it).
    #[wasm_bindgen(js_name = fhirSearch, unchecked_return_type = "Promise<unknown>")]
    pub fn fhir_search(
        &self,
        resource_type: JsValue,
        params: JsValue,
        options: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        let method = inputs::call_options(options.clone()).map(|o| o.method);
        self.run_read(options, signal, move |requests| {
            let params = inputs::search_pairs(params)?;
            let method = match method?.as_deref() {
                None | Some("POST") => Method::Post,
                Some("GET") => Method::Get,
                Some(other) => {
                    return Err(HaloError::validation(
                        "method",
                        format!("method must be \"POST\" or \"GET\"; got \"{other}\""),
                    ))
                }
            };
            requests.fhir_search(&string_arg("resourceType", resource_type)?, &params, method)
        })
    }

    #[wasm_bindgen(js_name = fhirCapabilities, unchecked_return_type = "Promise<unknown>")]
    pub fn fhir_capabilities(&self, options: JsValue, signal: Option<AbortSignal>) -> Promise {
        self.run_read(options, signal, |requests| Ok(requests.fhir_capabilities()))
    }

    /// `{ hasToken, expiresAt, renewals }`; never the token itself.
    #[wasm_bindgen(js_name = tokenInfo, unchecked_return_type = "{ hasToken: boolean; expiresAt: Date | null; renewals: number }")]
    pub fn token_info(&self) -> JsValue {
        let info = self.shared.credentials.tokens.info();
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
    /// A call that sends one request built by `build` and resolves with
    /// its parsed body (`undefined` for 204).
    fn run_read<B>(&self, options: JsValue, signal: Option<AbortSignal>, build: B) -> Promise
    where
        B: FnOnce(&DeviceRequests) -> Result<RequestSpec, HaloError> + 'static,
    {
        run(&self.shared, move |shared| async move {
            let options = inputs::call_options(options)?;
            let spec = build(&shared.requests)?;
            let limits = Limits {
                signal,
                timeout_ms: options.timeout_ms,
            };
            Ok(shared.execute(spec, &limits).await?.body)
        })
    }
}
