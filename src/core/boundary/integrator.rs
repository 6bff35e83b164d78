//! The integrator client's side of the boundary (`halo-device/integrator`):
//! its options, what its methods take and resolve with, and webhooks.

use crate::core::integrator::config::IntegratorOptionsInput;
use crate::core::integrator::pms::PmsName;
use crate::core::integrator::requests::GrantType;
use crate::core::integrator::responses::{IssuedDeviceToken, Site};
use crate::core::integrator::sites::GuidChange;
use crate::core::integrator::webhooks::WebhookSource;
use ts_rs::TS;

/// The options of `new HaloIntegratorClient(…)`: where Halo Cloud is and your
/// subscription key; the rest tune timing and observability.
///
/// @example
/// const integrator = new HaloIntegratorClient({
///   environment: "production", // or baseUrl: "http://127.0.0.1:4010" for the simulator
///   subscriptionKey: process.env.HALO_SUBSCRIPTION_KEY!,
///   maxRetries: 2,
///   onEvent: (event) => { if (event.type === "retry") console.warn(`retrying ${event.path}`); },
/// });
#[derive(TS)]
#[ts(rename_all = "camelCase")]
pub struct HaloIntegratorClientOptions {
    /// The plain-data options, which the core validates.
    #[ts(flatten)]
    pub options: IntegratorOptionsInput,
    /// Your Integrator API subscription key. It never appears in an error, event or log line.
    pub subscription_key: String,
    /// Default `globalThis.fetch`.
    #[ts(optional, type = "FetchLike")]
    pub fetch: Option<()>,
    /// Request, response and retry events (never the key).
    #[ts(optional, type = "(event: HaloEvent) => void")]
    pub on_event: Option<()>,
    /// The subscription key must stay on your servers, so constructing the
    /// client in a browser (or an Electron renderer) throws unless this is set.
    #[ts(optional)]
    pub dangerously_allow_browser: Option<bool>,
    /// Electron's main process is still the user's machine: a key there
    /// ships inside every install, so constructing the client under
    /// Electron throws unless this is set. Call your token broker instead.
    #[ts(optional)]
    pub dangerously_allow_electron: Option<bool>,
    /// Records each async and registered query started through this client
    /// before the start call returns (a `createResultDelivery` component):
    /// if it fails, the start call rejects with `HALO_UNAVAILABLE` naming
    /// the started query.
    #[ts(
        optional,
        type = "{ track(query: { source: \"async\" | \"registered\"; siteId: string; queryId: string; startedAt: number; startedBy: \"integrator\" }): Promise<void> }"
    )]
    pub tracker: Option<()>,
}

/// What `issueDeviceToken` takes: which practice, and which device the token
/// is for.
///
/// @example
/// const token = await integrator.issueDeviceToken({
///   siteId: "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
///   deviceId: "demo-workstation-4f3a9c21d4e5b6a7",
/// });
#[derive(TS)]
#[ts(rename_all = "camelCase", optional_fields)]
pub struct DeviceTokenRequest {
    /// The practice's Halo GUID.
    pub site_id: String,
    /// The device's id, as the device client sends it.
    pub device_id: String,
    /// `desktop` (default: the Desktop API v26) or `device` (the older Device API).
    #[ts(inline)]
    pub grant_type: Option<GrantType>,
    pub allow_weak_device_id: Option<bool>,
}

/// A device token from `issueDeviceToken`. Send `accessToken` and
/// `expiresIn` to the device, whose `getToken` resolves with them.
///
/// @example
/// const { accessToken, expiresIn } = await integrator.issueDeviceToken({ siteId, deviceId });
/// response.json({ accessToken, expiresIn });
#[derive(TS)]
#[ts(rename_all = "camelCase")]
pub struct DeviceToken {
    /// The token as the core checked it.
    #[ts(flatten)]
    pub token: IssuedDeviceToken,
    /// A wall-clock estimate of the expiry.
    #[ts(type = "Date")]
    pub expires_at: (),
}

/// A practice as its PMS knows it: the PMS's own id for it, and which PMS.
///
/// @example
/// const practice: Practice = { pmsId: "12345", pmsName: "Best Practice" };
/// const { siteId } = await integrator.resolveSite(practice);
#[derive(TS)]
#[ts(rename_all = "camelCase")]
pub struct Practice {
    /// The PMS's own id: Bp Site ID, Zedmed Database ID, or D4W Centaur CRN.
    pub pms_id: String,
    pub pms_name: PmsName,
}

/// What `resolveSite` resolves with: the authoritative site's Halo GUID, and
/// the site.
///
/// @example
/// const { siteId, site } = await integrator.resolveSite({ pmsId: "12345", pmsName: "Best Practice" });
/// // siteId: "3f2504e0-4f89-41d3-9a0c-0305e82c3301", site.authoritative: true
#[derive(TS)]
#[ts(rename_all = "camelCase")]
pub struct ResolvedSite {
    pub site_id: String,
    pub site: Site,
}

/// What `recoverFromGuidChange` reports: the old and the authoritative Halo
/// GUID, whether they differ, and whether the recorded identifiers still
/// match the site.
///
/// @example
/// const change = await integrator.recoverFromGuidChange({ siteId: stored.siteId, pmsId: "12345", pmsName: "Best Practice", recorded: { practiceName: "Halo Clinic North" } });
/// if (change.canSwitchAutomatically) stored.siteId = change.newSiteId;
/// else if (change.changed) console.warn("check the practice by hand:", change.secondaryChanged);
#[derive(TS)]
#[ts(rename = "GuidChange", rename_all = "camelCase")]
pub struct GuidChangeReport {
    /// What the core concluded.
    #[ts(flatten)]
    pub change: GuidChange,
    /// A new GUID for what is still recognisably the same practice, e.g.
    /// after a server migration: the stored GUID can be replaced without
    /// asking anyone.
    // The core's `GuidChange::can_switch_automatically()`.
    pub can_switch_automatically: bool,
    pub site: Site,
}

/// What every `HaloIntegratorClient` method takes last: an `AbortSignal`, and
/// a deadline for the whole call, retries included.
///
/// @example
/// const site = await integrator.getSite(siteId, { signal: request.signal, timeoutMs: 10_000 });
#[derive(TS)]
#[ts(rename_all = "camelCase")]
pub struct IntegratorCallOptions {
    #[ts(flatten)]
    pub call: super::device::CallOptions,
}

/// Remembers webhook ids to refuse replays; plug in Redis or a database.
/// `seen` is bounded by `verifyWebhook`'s `seenTimeoutMs`; its `signal`
/// aborts at that deadline, so a store can drop a write that would land
/// after the delivery was already answered with a 5xx.
///
/// @example
/// // Shared by every server, with node-redis 5: SET NX succeeds only for a new id.
/// // PX (how long, from this server's clock) rather than PXAT (until when,
/// // by Redis's clock, which may disagree with this one).
/// const seen: WebhookSeenStore = {
///   async seen(id, rememberUntil) {
///     const expiration = { type: "PX", value: Math.max(1, Math.ceil(rememberUntil - Date.now())) } as const;
///     return (await redis.set(`halo-webhook:${id}`, "1", { condition: "NX", expiration })) === null;
///   },
/// };
#[derive(TS)]
pub struct WebhookSeenStore {
    /// Whether `id` was seen; records it until `rememberUntil` (ms since the epoch).
    #[ts(
        type = "(id: string, rememberUntil: number, options?: { signal: AbortSignal }) => boolean | Promise<boolean>"
    )]
    pub seen: (),
}

/// What `verifyWebhook` takes: the body exactly as received, the headers and
/// your secret; optionally the allowed clock skew and a shared replay store.
///
/// @example
/// app.post("/halo/webhook", express.raw({ type: "application/json" }), async (req, res) => {
///   const options: VerifyWebhookOptions = { rawBody: req.body, headers: req.headers, secret: process.env.HALO_WEBHOOK_SECRET!, toleranceSeconds: 120 };
///   const hook = await verifyWebhook(options);
///   res.sendStatus(204);
/// });
#[derive(TS)]
#[ts(rename_all = "camelCase", optional_fields)]
pub struct VerifyWebhookOptions {
    /// The body exactly as received, before any JSON parsing (a `Buffer` is a
    /// `Uint8Array`); at most `MAX_WEBHOOK_BODY_BYTES` (64 KiB).
    #[ts(type = "string | Uint8Array | ArrayBuffer | DataView")]
    pub raw_body: (),
    #[ts(type = "WebhookHeaders")]
    pub headers: (),
    /// Your webhook secret. It never appears in an error.
    pub secret: String,
    /// How old (or how far ahead) `X-Halo-Timestamp` may be; default 300 s.
    pub tolerance_seconds: Option<f64>,
    /// Default: an in-memory store shared by this process.
    pub seen: Option<WebhookSeenStore>,
    /// How long `seen` may take before the delivery fails with a retryable
    /// `HaloTimeoutError` (answer 5xx: Halo delivers again); default 5000.
    pub seen_timeout_ms: Option<f64>,
}

/// A webhook that passed every check: the notification's id and time, and
/// the site and query whose results are ready.
///
/// @example
/// const hook = await verifyWebhook({ rawBody, headers, secret });
/// const { rows } = hook.webhookSource === "async"
///   ? await device.getResultPage(hook.queryId, 1)
///   : await device.getRegisteredQueryResult(hook.queryId);
#[derive(TS)]
#[ts(rename_all = "camelCase")]
pub struct VerifiedWebhook {
    pub id: String,
    #[ts(type = "Date")]
    pub occurred_at: (),
    pub site_id: String,
    pub query_id: String,
    #[ts(inline)]
    pub webhook_source: WebhookSource,
    /// `X-Halo-Timestamp`.
    #[ts(type = "Date")]
    pub sent_at: (),
}
