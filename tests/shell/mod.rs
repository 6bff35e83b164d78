//! Tests of the shell's call loop against a scripted `fetch` and `getToken`:
//! what the core decides must actually happen in a JS runtime.

use halo_device::wasm::DeviceClient;
use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen(inline_js = r#"
export function scripted(codes) {
  const statuses = Array.from(codes);
  const state = { fetches: 0, tokens: 0, headers: [] };
  state.fetch = async (url, init) => {
    state.fetches += 1;
    const headers = new Headers(init.headers);
    state.headers.push({ Authorization: headers.get("Authorization"), DeviceId: headers.get("DeviceId") });
    const status = statuses.length > 0 ? statuses.shift() : 200;
    const body = status === 200
      ? { id: "0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d", status: "successful", result: { rows: 0, data: "", parameters: [] } }
      : { error: { statusCode: status, message: status === 401 ? "Invalid token" : "nope" } };
    return new Response(JSON.stringify(body), { status, headers: { "Retry-After": "0" } });
  };
  state.getToken = async () => { state.tokens += 1; return { accessToken: "token-" + state.tokens, expiresIn: 3600 }; };
  return state;
}
export function settings() {
  return { baseUrl: "http://127.0.0.1:9", siteId: "3f2504e0-4f89-41d3-9a0c-0305e82c3301", deviceId: "device-0123456789abcdef" };
}
export function abortedSignal() {
  const controller = new AbortController();
  controller.abort(new Error("stopped by the test"));
  return controller.signal;
}
"#)]
extern "C" {
    fn scripted(statuses: Vec<u16>) -> Object;
    fn settings() -> JsValue;
    #[wasm_bindgen(js_name = abortedSignal)]
    fn aborted_signal() -> halo_device::wasm::AbortSignal;
}

fn get(object: &JsValue, key: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(key)).unwrap()
}

fn count(state: &Object, key: &str) -> f64 {
    get(state, key).as_f64().unwrap()
}

fn client(state: &Object) -> DeviceClient {
    let get_token: Function = get(state, "getToken").into();
    let fetch: Function = get(state, "fetch").into();
    DeviceClient::new(settings(), get_token, Some(fetch), None).unwrap()
}

/// `client.call("immediateQuery", [command], {}, signal)`, as the facade makes it.
fn immediate_query(
    client: &DeviceClient,
    command: JsValue,
    signal: Option<halo_device::wasm::AbortSignal>,
) -> Promise {
    let args = js_sys::Array::of1(&command);
    client.call(
        "immediateQuery".into(),
        args.into(),
        Object::new().into(),
        signal,
    )
}

async fn query(client: &DeviceClient) -> Result<JsValue, JsValue> {
    JsFuture::from(immediate_query(client, "SELECT 1".into(), None)).await
}

#[wasm_bindgen_test]
async fn sends_bearer_and_device_id_headers() {
    let state = scripted(vec![]);
    let body = query(&client(&state)).await.unwrap();
    assert_eq!(get(&body, "status").as_string().unwrap(), "successful");
    let headers = get(&get(&state, "headers"), "0");
    assert_eq!(
        get(&headers, "Authorization").as_string().unwrap(),
        "Bearer token-1"
    );
    assert_eq!(
        get(&headers, "DeviceId").as_string().unwrap(),
        "device-0123456789abcdef"
    );
}

#[wasm_bindgen_test]
async fn a_401_renews_once_and_retries_once() {
    let state = scripted(vec![401]);
    query(&client(&state)).await.unwrap();
    assert_eq!(count(&state, "tokens"), 2.0);
    assert_eq!(count(&state, "fetches"), 2.0);
}

#[wasm_bindgen_test]
async fn a_second_401_fails_without_looping() {
    let state = scripted(vec![401, 401, 401]);
    let error = query(&client(&state)).await.unwrap_err();
    assert_eq!(get(&error, "name").as_string().unwrap(), "HaloAuthError");
    assert_eq!(get(&error, "code").as_string().unwrap(), "HALO_AUTH");
    assert_eq!(count(&state, "fetches"), 2.0);
    let message = get(&error, "message").as_string().unwrap();
    assert!(
        !message.contains("token-") && !message.contains("device-0123"),
        "{message}"
    );
}

#[wasm_bindgen_test]
async fn creating_a_query_is_retried_after_503_but_not_after_504() {
    let state = scripted(vec![503]);
    query(&client(&state)).await.unwrap();
    assert_eq!(count(&state, "fetches"), 2.0);

    let state = scripted(vec![504]);
    let error = query(&client(&state)).await.unwrap_err();
    assert_eq!(
        get(&error, "name").as_string().unwrap(),
        "HaloUnavailableError"
    );
    assert_eq!(count(&state, "fetches"), 1.0);
}

#[wasm_bindgen_test]
async fn concurrent_calls_share_one_token_request() {
    let state = scripted(vec![]);
    let client = client(&state);
    let calls: Vec<Promise> = (0..50)
        .map(|_| immediate_query(&client, "SELECT 1".into(), None))
        .collect();
    for call in calls {
        JsFuture::from(call).await.unwrap();
    }
    assert_eq!(count(&state, "tokens"), 1.0);
    assert_eq!(count(&state, "fetches"), 50.0);
}

#[wasm_bindgen_test]
async fn invalid_commands_are_refused_before_anything_is_sent() {
    let state = scripted(vec![]);
    let promise = immediate_query(&client(&state), JsValue::from_str("  "), None);
    let error = JsFuture::from(promise).await.unwrap_err();
    assert_eq!(
        get(&error, "name").as_string().unwrap(),
        "HaloValidationError"
    );
    assert_eq!(get(&error, "field").as_string().unwrap(), "command.text");
    assert_eq!(count(&state, "fetches"), 0.0);
    assert_eq!(count(&state, "tokens"), 0.0);
}

#[wasm_bindgen_test]
async fn an_aborted_call_rejects_with_the_signal_reason() {
    let state = scripted(vec![]);
    let promise = immediate_query(&client(&state), "SELECT 1".into(), Some(aborted_signal()));
    let error = JsFuture::from(promise).await.unwrap_err();
    assert_eq!(
        get(&error, "message").as_string().unwrap(),
        "stopped by the test"
    );
    assert_eq!(count(&state, "fetches"), 0.0);
}
