//! What `onEvent` receives. The shell builds these objects field by field
//! (see `wasm/events.rs`); each event's `type` is its discriminant.

use ts_rs::TS;

/// Emitted before each attempt of a request (`attempt` counts from 1).
///
/// @example
/// const onEvent = (event: HaloEvent) => {
///   if (event.type === "request") console.debug(`${event.method} ${event.path} (attempt ${event.attempt})`);
/// };
#[derive(TS)]
pub struct HaloRequestEvent {
    #[ts(rename = "type", type = r#""request""#)]
    pub kind: (),
    pub method: String,
    /// The path only; it names the site, never a token or device id.
    pub path: String,
    pub attempt: u32,
}

/// Emitted when an attempt gets an HTTP answer, successful or not, with how
/// long it took.
///
/// @example
/// const onEvent = (event: HaloEvent) => {
///   if (event.type === "response") console.debug(`${event.method} ${event.path} -> ${event.status} in ${event.durationMs} ms`);
/// };
#[derive(TS)]
#[ts(rename_all = "camelCase")]
pub struct HaloResponseEvent {
    #[ts(rename = "type", type = r#""response""#)]
    pub kind: (),
    pub method: String,
    pub path: String,
    pub status: u16,
    pub attempt: u32,
    pub duration_ms: f64,
}

/// Emitted when a failed attempt will be retried, after `delayMs`.
///
/// @example
/// const onEvent = (event: HaloEvent) => {
///   if (event.type === "retry") console.warn(`retrying ${event.path} in ${event.delayMs} ms (attempt ${event.attempt} failed)`);
/// };
#[derive(TS)]
#[ts(rename_all = "camelCase")]
pub struct HaloRetryEvent {
    #[ts(rename = "type", type = r#""retry""#)]
    pub kind: (),
    pub method: String,
    pub path: String,
    pub attempt: u32,
    pub delay_ms: f64,
}

/// Emitted when `getToken` supplied a new token: how many so far, how long
/// it lasts, and how long `getToken` took.
///
/// @example
/// const onEvent = (event: HaloEvent) => {
///   if (event.type === "tokenRenewed") console.info(`token #${event.renewals}, valid ${Math.round(event.expiresInMs / 1000)} s`);
/// };
#[derive(TS)]
#[ts(rename_all = "camelCase")]
pub struct HaloTokenRenewedEvent {
    #[ts(rename = "type", type = r#""tokenRenewed""#)]
    pub kind: (),
    pub renewals: u32,
    pub expires_in_ms: f64,
    pub duration_ms: f64,
}

/// Emitted when getting a token failed; `code` is the error's code, e.g.
/// `HALO_AUTH` or `HALO_TIMEOUT`. Calls waiting for the token reject with
/// that error.
///
/// @example
/// const onEvent = (event: HaloEvent) => {
///   if (event.type === "tokenRenewalFailed") console.error(`token renewal failed (${event.code}) after ${event.durationMs} ms`);
/// };
#[derive(TS)]
#[ts(rename_all = "camelCase")]
pub struct HaloTokenRenewalFailedEvent {
    #[ts(rename = "type", type = r#""tokenRenewalFailed""#)]
    pub kind: (),
    pub code: String,
    pub duration_ms: f64,
}

/// What `onEvent` receives, told apart by `type`: a request attempt, its
/// response, a retry, or a token renewal that succeeded or failed. No event
/// carries a token or a device id.
///
/// @example
/// const client = new HaloDeviceClient({
///   environment: "stage", siteId, deviceId, getToken,
///   onEvent: (event: HaloEvent) => {
///     if (event.type === "response" && event.status >= 500) console.warn(`${event.path}: ${event.status}`);
///     if (event.type === "tokenRenewalFailed") console.error(`token renewal failed: ${event.code}`);
///   },
/// });
#[derive(TS)]
#[ts(untagged)]
pub enum HaloEvent {
    Request(HaloRequestEvent),
    Response(HaloResponseEvent),
    Retry(HaloRetryEvent),
    TokenRenewed(HaloTokenRenewedEvent),
    TokenRenewalFailed(HaloTokenRenewalFailedEvent),
}
