//! `DeviceClient`, the wasm export behind the facade's `HaloDeviceClient`.
//! It is the device door (token + `DeviceId`) onto the operation table,
//! dispatched by `site_calls.rs` exactly as the integrator's site handle is.
//! Bodies come back as parsed JS values; the facade decodes rows.

use super::call_loop::{Credentials, Transport};
use super::convert::{run, Secrets};
use super::device_inputs as inputs;
use super::events::Events;
use super::host::{fetch_or_global, random_bytes, AbortSignal};
use super::js_error::{to_js, Failure};
use super::site_calls::SiteDoor;
use super::token_driver::TokenDriver;
use crate::core::config::ClientConfig;
use crate::core::error::HaloError;
use crate::core::headers::auth_headers;
use crate::core::ids::{format_device_id, DeviceId};
use crate::core::requests::SiteRequests;
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

    fn accepted(&self, grant: &Grant) {
        self.tokens.accepted(grant);
    }

    fn renewable(&self) -> bool {
        true
    }
}

struct Shared {
    transport: Transport,
    credentials: DeviceCredentials,
    requests: SiteRequests,
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
    /// The device door onto the client's site.
    fn door(&self) -> SiteDoor<'_, DeviceCredentials> {
        SiteDoor {
            transport: &self.transport,
            credentials: &self.credentials,
            requests: &self.requests,
        }
    }
}

#[wasm_bindgen(typescript_custom_section)]
const CALL_TYPES: &str = r#"import type { DeviceOperations, OperationCall } from "../generated/operations.js";
import type { HaloQuery, WaitOptions } from "../types.js";
export interface DeviceClient extends OperationCall<DeviceOperations> {}"#;

/// The device door's wasm object behind `HaloDeviceClient`: one site, one
/// device, its token engine and transport. JavaScript drives it through
/// `call`; the facade owns its lifetime (`close()` frees it).
#[wasm_bindgen]
pub struct DeviceClient {
    shared: Rc<Shared>,
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
        let requests = SiteRequests::device(config.endpoint.clone(), config.site_id.clone());
        let transport = Transport {
            fetch,
            events,
            attempt_timeout_ms: config.attempt_timeout_ms,
            max_response_bytes: config.max_response_bytes,
            retry: config.retry,
            spare: Default::default(),
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

    /// Runs one operation of the core's table (see `DeviceOperations` for
    /// each one's arguments and result); typed by the custom section above.
    #[wasm_bindgen(skip_typescript)]
    pub fn call(
        &self,
        operation: JsValue,
        args: JsValue,
        options: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        run(&self.shared, move |shared| async move {
            shared.door().call(operation, args, options, signal).await
        })
    }

    /// Polls until the query is in a terminal state; rejects with a
    /// `HaloQueryFailedError` when that state is a failure.
    #[wasm_bindgen(js_name = waitForQuery, unchecked_return_type = "Promise<HaloQuery>")]
    pub fn wait_for_query(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] query_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Omit<WaitOptions, \"signal\">")] options: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        run(&self.shared, move |shared| async move {
            shared
                .door()
                .wait_for_query(query_id, options, signal)
                .await
        })
    }

    /// The base URL requests go to, e.g. `https://api.stage.haloconnect.io`.
    #[wasm_bindgen(getter, js_name = baseUrl, unchecked_return_type = "string")]
    pub fn base_url(&self) -> JsValue {
        JsValue::from_str(&self.shared.requests.endpoint().base_url)
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
