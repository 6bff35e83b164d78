//! The two doors to a site's queries. Halo serves the same query and FHIR
//! operations twice: the Device API (`/desktop/sites/{siteId}/…`, a device
//! token and `DeviceId`) and the Integrator API (`/integrator/sites/{siteId}/…`,
//! the subscription key). A door is a path prefix plus credentials, nothing
//! more: the builders in `requests.rs` and the table in `operations.rs`
//! serve both, so validation and retry rules exist once.

/// Which API a site's requests go through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Door {
    /// `Authorization: Bearer` + `DeviceId`; prefix `/desktop` unless the
    /// client sets `pathPrefix` (the older Device API's is unpublished).
    Device,
    /// `Ocp-Apim-Subscription-Key`, no device headers; prefix fixed.
    Integrator,
}

/// The Integrator API's prefix, from Halo's published OpenAPI document.
pub const INTEGRATOR_PATH_PREFIX: &str = "/integrator";

impl Door {
    /// The name used in messages (the API's own name).
    pub fn api_name(self) -> &'static str {
        match self {
            Door::Device => "the Device API",
            Door::Integrator => "the Integrator API",
        }
    }
}
