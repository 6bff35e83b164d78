//! `IntegratorClient`, the wasm export behind `halo-device/integrator`'s
//! `HaloIntegratorClient`: the integrator's cloud side, authenticated by the
//! subscription key. Same call loop as the device client; no token engine.
//! `IntegratorSite` is its door onto one site's operations: the same table
//! and dispatch (`site_calls.rs`) as the device client, below `/integrator`.

use super::call_loop::{Credentials, Limits, Transport};
use super::convert::{from_js, run, string_arg, Secrets};
use super::events::Events;
use super::host::{fetch_or_global, wall_clock_ms, AbortSignal};
use super::js_error::{to_js, Failure};
use super::site_calls::SiteDoor;
use crate::core::config::call_timeout;
use crate::core::error::{ErrorKind, HaloError};
use crate::core::ids::{DeviceId, SiteId};
use crate::core::integrator::config::{IntegratorConfig, IntegratorOptionsInput};
use crate::core::integrator::pms::{PmsId, PmsName};
use crate::core::integrator::requests::{GrantType, IntegratorRequests};
use crate::core::integrator::responses::{Site, SitesResponse, TokenResponse};
use crate::core::integrator::sites::{
    check_secondary, choose_authoritative, detect_guid_change, SecondaryIdentifiers,
};
use crate::core::requests::SiteRequests;
use crate::core::secret::Secret;
use js_sys::{Array, Function, Object, Promise, Reflect};
use serde::Deserialize;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

struct KeyCredentials {
    header: (&'static str, Secret),
}

impl Credentials for KeyCredentials {
    type Used = ();

    async fn attempt(
        &self,
        _signal: Option<&AbortSignal>,
    ) -> Result<(Vec<(&'static str, String)>, ()), Failure> {
        let (name, value) = &self.header;
        Ok((vec![(*name, value.expose().to_owned())], ()))
    }

    fn rejected(&self, _used: &()) {}

    fn renewable(&self) -> bool {
        false
    }
}

struct Shared {
    transport: Transport,
    credentials: KeyCredentials,
    requests: IntegratorRequests,
}

#[wasm_bindgen(typescript_custom_section)]
const RESULT_TYPES: &str = r#"import type { DeviceToken, DeviceTokenRequest, GuidChange, HaloSite, IntegratorCallOptions, Practice, ResolvedSite, SecondaryIdentifiers } from "../integrator-types.js";
import type { IntegratorSiteOperations, OperationCall } from "../generated/operations.js";
import type { HaloQuery, QueryStatusResult, WaitOptions } from "../types.js";
export interface IntegratorSite extends OperationCall<IntegratorSiteOperations> {}"#;

/// The integrator's wasm object behind `HaloIntegratorClient`: the
/// subscription key, the transport, and the site handles it hands out.
#[wasm_bindgen]
pub struct IntegratorClient {
    shared: Rc<Shared>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct TokenRequestInput {
    site_id: Option<String>,
    device_id: Option<String>,
    grant_type: Option<String>,
    allow_weak_device_id: Option<bool>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct PracticeInput {
    pms_id: Option<String>,
    pms_name: Option<String>,
    pairing_code: Option<String>,
    /// resolveSite: the identifiers recorded at onboarding.
    expect: Option<RecordedInput>,
    /// recoverFromGuidChange: the GUID that got a 403, and what was recorded.
    site_id: Option<String>,
    recorded: Option<RecordedInput>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct RecordedInput {
    practice_name: Option<String>,
    practice_management_version: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct CallOptions {
    timeout_ms: Option<f64>,
}

fn set(target: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

impl PracticeInput {
    fn practice(&self) -> Result<(PmsId, PmsName), HaloError> {
        let pms_id = PmsId::parse(self.pms_id.as_deref().unwrap_or_default())?;
        let pms_name = PmsName::parse(self.pms_name.as_deref().unwrap_or_default())?;
        Ok((pms_id, pms_name))
    }

    fn identifiers(recorded: Option<&RecordedInput>, pms_name: PmsName) -> SecondaryIdentifiers {
        SecondaryIdentifiers {
            pms_name,
            practice_name: recorded.and_then(|r| r.practice_name.clone()),
            practice_management_version: recorded
                .and_then(|r| r.practice_management_version.clone()),
        }
    }
}

/// The raw site object (as Halo sent it) with the given id.
fn raw_site(sites: &JsValue, site_id: &SiteId) -> JsValue {
    Array::from(sites)
        .iter()
        .find(|site| {
            Reflect::get(site, &"id".into())
                .ok()
                .and_then(|id| id.as_string())
                .is_some_and(|id| id.eq_ignore_ascii_case(site_id.as_str()))
        })
        .unwrap_or(JsValue::UNDEFINED)
}

impl Secrets for Shared {
    /// The subscription key.
    fn secrets(&self) -> Vec<String> {
        vec![self.credentials.header.1.expose().to_owned()]
    }
}

impl Shared {
    /// Sends `spec` for the method named `operation` (for the deadline's error).
    async fn send(
        &self,
        (operation, spec): (&'static str, crate::core::requests::RequestSpec),
        options: JsValue,
        signal: Option<AbortSignal>,
    ) -> Result<JsValue, Failure> {
        let options: CallOptions = from_js("options", options)?;
        let limits = Limits {
            signal,
            timeout_ms: call_timeout(options.timeout_ms)?.map(|ms| ms as f64),
            operation,
        };
        let path = spec.path.clone();
        Ok(self
            .transport
            .execute(&self.credentials, spec, &limits)
            .await
            .map_err(|failure| failure.explained_integrator(&self.requests.endpoint, &path))?
            .body)
    }

    /// The authoritative site for a practice: its parsed form and Halo's object.
    async fn authoritative(
        &self,
        pms_id: &PmsId,
        pms_name: PmsName,
        options: JsValue,
        signal: Option<AbortSignal>,
    ) -> Result<(Site, JsValue), Failure> {
        let body = self
            .send(
                ("findSites", self.requests.find_sites(pms_id, pms_name)),
                options,
                signal,
            )
            .await?;
        let parsed: SitesResponse = serde_wasm_bindgen::from_value(body.clone()).map_err(|_| {
            HaloError::new(
                ErrorKind::Protocol,
                "Halo Cloud returned a site list of an unexpected shape",
            )
        })?;
        let site = choose_authoritative(parsed.sites, pms_id, pms_name)?;
        let raw = raw_site(
            &Reflect::get(&body, &"sites".into()).unwrap_or(JsValue::UNDEFINED),
            &site.site_id()?,
        );
        Ok((site, raw))
    }
}

#[wasm_bindgen]
impl IntegratorClient {
    /// The base URL requests go to, e.g. `https://api.stage.haloconnect.io`.
    #[wasm_bindgen(getter, js_name = baseUrl)]
    pub fn base_url(&self) -> String {
        self.shared.requests.endpoint.base_url.clone()
    }

    /// `settings` is the plain-data part of the options; the key and the
    /// callbacks come separately so the key is a `Secret` from the start.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "object")] settings: JsValue,
        subscription_key: String,
        fetch: Option<Function>,
        on_event: Option<Function>,
    ) -> Result<IntegratorClient, JsValue> {
        let key = Secret::new(subscription_key);
        let reject = |error: HaloError| to_js(Failure::from(error), &[key.expose()]);
        let input: IntegratorOptionsInput = from_js("options", settings).map_err(reject)?;
        let config = IntegratorConfig::from_input(input, key.clone()).map_err(reject)?;
        let fetch = fetch_or_global(fetch).map_err(reject)?;
        let transport = Transport {
            fetch,
            events: Rc::new(Events::new(on_event)),
            attempt_timeout_ms: config.attempt_timeout_ms,
            max_response_bytes: config.max_response_bytes,
            retry: config.retry,
            spare: Default::default(),
        };
        let shared = Rc::new(Shared {
            transport,
            credentials: KeyCredentials {
                header: config.key_header,
            },
            requests: IntegratorRequests::new(config.endpoint),
        });
        Ok(IntegratorClient { shared })
    }

    /// The Integrator API's door onto one site's queries and FHIR; the site
    /// id is checked here, once.
    pub fn site(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] site_id: JsValue,
    ) -> Result<IntegratorSite, JsValue> {
        let secrets = self.shared.secrets();
        let reject = |error: HaloError| {
            let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
            to_js(Failure::from(error), &secrets)
        };
        let site_id =
            SiteId::parse(&string_arg("siteId", site_id).map_err(reject)?).map_err(reject)?;
        let requests = SiteRequests::integrator(&self.shared.requests.endpoint.base_url, site_id);
        Ok(IntegratorSite {
            shared: self.shared.clone(),
            requests: Rc::new(requests),
        })
    }

    /// `POST /integrator/token`: `{ accessToken, tokenType, expiresIn, expiresAt }`.
    #[wasm_bindgen(js_name = issueDeviceToken, unchecked_return_type = "Promise<DeviceToken>")]
    pub fn issue_device_token(
        &self,
        #[wasm_bindgen(unchecked_param_type = "DeviceTokenRequest")] request: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Omit<IntegratorCallOptions, \"signal\">")]
        options: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        run(&self.shared, move |shared| async move {
            let input: TokenRequestInput = from_js("request", request)?;
            let site_id = SiteId::parse(input.site_id.as_deref().unwrap_or_default())?;
            let device_id = DeviceId::parse(
                input.device_id.as_deref().unwrap_or_default(),
                input.allow_weak_device_id.unwrap_or(false),
            )?;
            let grant = GrantType::parse(input.grant_type.as_deref())?;
            let body = shared
                .send(
                    (
                        "issueDeviceToken",
                        shared
                            .requests
                            .issue_device_token(&site_id, &device_id, grant),
                    ),
                    options,
                    signal,
                )
                .await?;
            let parsed: TokenResponse = serde_wasm_bindgen::from_value(body).map_err(|_| {
                HaloError::new(
                    ErrorKind::Protocol,
                    "the token endpoint answered with an unexpected shape",
                )
            })?;
            let token = parsed.validate()?;
            let result = Object::new();
            set(&result, "accessToken", &token.access_token.expose().into());
            set(&result, "tokenType", &token.token_type.as_str().into());
            set(&result, "expiresIn", &token.expires_in_s.into());
            let expires_at = wall_clock_ms() + token.expires_in_s * 1000.0;
            set(
                &result,
                "expiresAt",
                &js_sys::Date::new(&expires_at.into()).into(),
            );
            Ok(result.into())
        })
    }

    /// `GET /integrator/sites?…`: every site Halo knows for a PMS ID.
    #[wasm_bindgen(js_name = findSites, unchecked_return_type = "Promise<HaloSite[] | undefined>")]
    pub fn find_sites(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Practice")] practice: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Omit<IntegratorCallOptions, \"signal\">")]
        options: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        run(&self.shared, move |shared| async move {
            let (pms_id, pms_name) = from_js::<PracticeInput>("practice", practice)?.practice()?;
            let body = shared
                .send(
                    ("findSites", shared.requests.find_sites(&pms_id, pms_name)),
                    options,
                    signal,
                )
                .await?;
            Ok(Reflect::get(&body, &"sites".into()).unwrap_or(JsValue::UNDEFINED))
        })
    }

    /// `GET /integrator/sites/{siteId}`.
    #[wasm_bindgen(js_name = getSite, unchecked_return_type = "Promise<HaloSite>")]
    pub fn get_site(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] site_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Omit<IntegratorCallOptions, \"signal\">")]
        options: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        run(&self.shared, move |shared| async move {
            let site_id = SiteId::parse(&string_arg("siteId", site_id)?)?;
            shared
                .send(
                    ("getSite", shared.requests.get_site(&site_id)),
                    options,
                    signal,
                )
                .await
        })
    }

    /// `POST /integrator/pair-site?…`.
    #[wasm_bindgen(js_name = pairSite, unchecked_return_type = "Promise<HaloSite>")]
    pub fn pair_site(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Practice & { pairingCode?: string }")]
        practice: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Omit<IntegratorCallOptions, \"signal\">")]
        options: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        run(&self.shared, move |shared| async move {
            let input: PracticeInput = from_js("practice", practice)?;
            let (pms_id, pms_name) = input.practice()?;
            let spec =
                shared
                    .requests
                    .pair_site(&pms_id, pms_name, input.pairing_code.as_deref())?;
            shared.send(("pairSite", spec), options, signal).await
        })
    }

    /// The getting-started workflow: PMS ID → the authoritative site, whose
    /// identifiers must match what was recorded. `{ siteId, site }`.
    #[wasm_bindgen(js_name = resolveSite, unchecked_return_type = "Promise<ResolvedSite>")]
    pub fn resolve_site(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Practice & { expect?: SecondaryIdentifiers }")]
        practice: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Omit<IntegratorCallOptions, \"signal\">")]
        options: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        run(&self.shared, move |shared| async move {
            let input: PracticeInput = from_js("practice", practice)?;
            let (pms_id, pms_name) = input.practice()?;
            let (site, raw) = shared
                .authoritative(&pms_id, pms_name, options, signal)
                .await?;
            check_secondary(
                &site,
                &PracticeInput::identifiers(input.expect.as_ref(), pms_name),
            )?;
            let result = Object::new();
            set(&result, "siteId", &site.site_id()?.as_str().into());
            set(&result, "site", &raw);
            Ok(result.into())
        })
    }

    /// After a device call got 403: re-resolve from the stored PMS ID and
    /// report old → new GUID and which recorded identifiers changed.
    #[wasm_bindgen(js_name = recoverFromGuidChange, unchecked_return_type = "Promise<GuidChange>")]
    pub fn recover_from_guid_change(
        &self,
        #[wasm_bindgen(
            unchecked_param_type = "Practice & { siteId: string; recorded?: SecondaryIdentifiers }"
        )]
        practice: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Omit<IntegratorCallOptions, \"signal\">")]
        options: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        run(&self.shared, move |shared| async move {
            let input: PracticeInput = from_js("practice", practice)?;
            let old_site_id = SiteId::parse(input.site_id.as_deref().unwrap_or_default())?;
            let (pms_id, pms_name) = input.practice()?;
            let (site, raw) = shared
                .authoritative(&pms_id, pms_name, options, signal)
                .await?;
            let change = detect_guid_change(
                &old_site_id,
                &PracticeInput::identifiers(input.recorded.as_ref(), pms_name),
                &site,
            )?;
            let result = Object::new();
            set(&result, "oldSiteId", &change.old_site_id.as_str().into());
            set(&result, "newSiteId", &change.new_site_id.as_str().into());
            set(&result, "changed", &change.changed.into());
            set(
                &result,
                "canSwitchAutomatically",
                &change.can_switch_automatically().into(),
            );
            let changed: Array = change
                .secondary_changed
                .iter()
                .map(|name| JsValue::from_str(name))
                .collect();
            set(&result, "secondaryChanged", &changed);
            set(&result, "site", &raw);
            Ok(result.into())
        })
    }
}

/// One site through the Integrator API: the operation table's `call` and
/// `waitForQuery`, with the subscription key and no device headers.
#[wasm_bindgen]
pub struct IntegratorSite {
    shared: Rc<Shared>,
    requests: Rc<SiteRequests>,
}

impl Shared {
    fn door<'a>(self: &'a Rc<Self>, requests: &'a SiteRequests) -> SiteDoor<'a, KeyCredentials> {
        SiteDoor {
            transport: &self.transport,
            credentials: &self.credentials,
            requests,
            secrets: self.clone(),
        }
    }
}

#[wasm_bindgen]
impl IntegratorSite {
    /// Runs one operation of the core's table (see `IntegratorSiteOperations`
    /// for each one's arguments and result); typed by the custom section above.
    #[wasm_bindgen(skip_typescript)]
    pub fn call(
        &self,
        operation: JsValue,
        args: JsValue,
        options: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        let requests = self.requests.clone();
        run(&self.shared, move |shared| async move {
            shared
                .door(&requests)
                .call(operation, args, options, signal)
                .await
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
        let requests = self.requests.clone();
        run(&self.shared, move |shared| async move {
            shared
                .door(&requests)
                .wait_for_query(query_id, options, signal)
                .await
        })
    }

    /// Polls many queries with one batch status call per poll until each
    /// is finished; resolves with their entries in the caller's order.
    #[wasm_bindgen(js_name = waitForQueries, unchecked_return_type = "Promise<QueryStatusResult[]>")]
    pub fn wait_for_queries(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string[]")] query_ids: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Omit<WaitOptions, \"signal\">")] options: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        let requests = self.requests.clone();
        run(&self.shared, move |shared| async move {
            shared
                .door(&requests)
                .wait_for_queries(query_ids, options, signal)
                .await
        })
    }
}
