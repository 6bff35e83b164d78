//! One function per Integrator API endpoint the integrator's cloud needs for
//! devices: a validated call in, a request description out. The shell adds
//! the `Ocp-Apim-Subscription-Key` header (see `subscription_key`).

use super::pms::{PmsId, PmsName};
use super::text::{present, single_line_text};
use crate::core::config::Endpoint;
use crate::core::encoding::form_encode;
use crate::core::error::HaloError;
use crate::core::ids::{DeviceId, SiteId};
use crate::core::requests::{Body, Method, RequestSpec, FORM};
use crate::core::retry::Replay;

/// Pairing codes this long are already suspicious; Halo documents no format.
pub const MAX_PAIRING_CODE_CHARS: usize = 128;

/// The `grant_type` of the token request, which decides which API the device
/// token is good for.
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all = "lowercase"))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum GrantType {
    /// `urn:halo-connect:oauth:desktop-token`: the Desktop API (v26.x), the
    /// newest published and the one the device client speaks by default.
    #[default]
    Desktop,
    /// `urn:halo-connect:oauth:device-token`: the older Device API (v25.x).
    Device,
}

impl GrantType {
    /// The value sent as `grant_type`.
    pub fn as_str(self) -> &'static str {
        match self {
            GrantType::Desktop => "urn:halo-connect:oauth:desktop-token",
            GrantType::Device => "urn:halo-connect:oauth:device-token",
        }
    }

    /// Reads the `grantType` option: `"desktop"` or `"device"`, or either URN
    /// as Halo's reference spells it; absent means [`GrantType::Desktop`].
    pub fn parse(value: Option<&str>) -> Result<Self, HaloError> {
        match value {
            None => Ok(GrantType::default()),
            Some(value) => [GrantType::Desktop, GrantType::Device]
                .into_iter()
                .find(|grant| value == grant.short_name() || value == grant.as_str())
                .ok_or_else(|| {
                    HaloError::validation(
                        "grantType",
                        format!("grantType must be \"desktop\" or \"device\"; got \"{value}\""),
                    )
                }),
        }
    }

    fn short_name(self) -> &'static str {
        match self {
            GrantType::Desktop => "desktop",
            GrantType::Device => "device",
        }
    }
}

/// Builds the Integrator API requests. Paths are fixed at `/integrator/…`:
/// the endpoint's `path_prefix` belongs to the device side and is not used.
#[derive(Clone, Debug)]
pub struct IntegratorRequests {
    /// Where Halo Cloud is; only `base_url` is used.
    pub endpoint: Endpoint,
}

impl IntegratorRequests {
    /// Requests against `endpoint.base_url`.
    pub fn new(endpoint: Endpoint) -> Self {
        Self { endpoint }
    }

    /// `path` is the path alone, without the query string: events show it,
    /// and a pairing code has no business in them.
    fn spec(
        &self,
        method: Method,
        path: &str,
        query: Option<String>,
        body: Option<Body>,
    ) -> RequestSpec {
        let query = query.map(|q| format!("?{q}")).unwrap_or_default();
        RequestSpec {
            method,
            url: format!("{}{path}{query}", self.endpoint.base_url),
            path: path.to_owned(),
            body,
            // Every Integrator call here reads, or (pairing) converges on the
            // same paired state when repeated, so each may be sent again.
            replay: Replay::Idempotent,
        }
    }

    /// `POST /integrator/token`: a device token for one device at one site.
    ///
    /// The form body carries the device id, which is a secret: log the
    /// request's `path`, never its body.
    pub fn issue_device_token(
        &self,
        site_id: &SiteId,
        device_id: &DeviceId,
        grant_type: GrantType,
    ) -> RequestSpec {
        let form = form_encode(&[
            ("grant_type".to_owned(), grant_type.as_str().to_owned()),
            ("device_id".to_owned(), device_id.expose().to_owned()),
            ("site_id".to_owned(), site_id.as_str().to_owned()),
        ]);
        let body = Body {
            content_type: FORM,
            text: form,
        };
        self.spec(Method::Post, "/integrator/token", None, Some(body))
    }

    /// `GET /integrator/sites?practiceManagementSiteId=…&practiceManagementName=…`:
    /// trades a PMS ID for the sites (Halo GUIDs) registered under it.
    pub fn find_sites(&self, pms_id: &PmsId, pms_name: PmsName) -> RequestSpec {
        let query = pms_query(pms_id, pms_name, None);
        self.spec(Method::Get, "/integrator/sites", Some(query), None)
    }

    /// `GET /integrator/sites/{siteId}`: one site's status and identifiers.
    pub fn get_site(&self, site_id: &SiteId) -> RequestSpec {
        let path = format!("/integrator/sites/{site_id}");
        self.spec(Method::Get, &path, None, None)
    }

    /// `POST /integrator/pair-site?…` (no body): enables API access to a site.
    ///
    /// Best Practice sites need the `pairing_code` the practice generated.
    /// For Zedmed and D4w the spec says no code is needed but still declares
    /// the parameter, so a code given anyway is sent as given rather than
    /// silently dropped; a blank one counts as none.
    pub fn pair_site(
        &self,
        pms_id: &PmsId,
        pms_name: PmsName,
        pairing_code: Option<&str>,
    ) -> Result<RequestSpec, HaloError> {
        let pairing_code = match present(pairing_code) {
            Some(code) => Some(single_line_text(
                "pairingCode",
                code,
                MAX_PAIRING_CODE_CHARS,
            )?),
            None if pms_name == PmsName::BestPractice => {
                return Err(HaloError::validation(
                    "pairingCode",
                    "pairingCode is required for Best Practice sites: the practice generates it in Bp Premier",
                ))
            }
            None => None,
        };
        let query = pms_query(pms_id, pms_name, pairing_code);
        // Idempotent (see `spec`): pairing a paired site again leaves it
        // paired, so resending after a dropped connection does no harm; at
        // worst a spent pairing code is refused with an error.
        Ok(self.spec(Method::Post, "/integrator/pair-site", Some(query), None))
    }
}

fn pms_query(pms_id: &PmsId, pms_name: PmsName, pairing_code: Option<&str>) -> String {
    let mut pairs = vec![
        (
            "practiceManagementSiteId".to_owned(),
            pms_id.as_str().to_owned(),
        ),
        (
            "practiceManagementName".to_owned(),
            pms_name.as_str().to_owned(),
        ),
    ];
    if let Some(code) = pairing_code {
        pairs.push(("pairingCode".to_owned(), code.to_owned()));
    }
    form_encode(&pairs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::error::ErrorKind;

    const BASE: &str = "http://127.0.0.1:4010";
    const SITE: &str = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
    const DEVICE: &str = "device-0123456789abcdef";

    fn requests() -> IntegratorRequests {
        IntegratorRequests::new(Endpoint::from_parts(None, Some(BASE), None).unwrap())
    }

    fn site() -> SiteId {
        SiteId::parse(SITE).unwrap()
    }

    fn form_fields(text: &str) -> Vec<(String, String)> {
        text.split('&')
            .map(|pair| {
                let (name, value) = pair.split_once('=').unwrap();
                (name.to_owned(), value.to_owned())
            })
            .collect()
    }

    #[test]
    fn the_token_request_posts_the_documented_form() {
        let device = DeviceId::parse(DEVICE, false).unwrap();
        let spec = requests().issue_device_token(&site(), &device, GrantType::default());
        assert_eq!(spec.method, Method::Post);
        assert_eq!(spec.url, format!("{BASE}/integrator/token"));
        assert_eq!(spec.path, "/integrator/token");
        assert_eq!(spec.replay, Replay::Idempotent);
        let body = spec.body.unwrap();
        assert_eq!(body.content_type, "application/x-www-form-urlencoded");
        assert_eq!(
            body.text,
            format!(
                "grant_type=urn%3Ahalo-connect%3Aoauth%3Adesktop-token&device_id={DEVICE}&site_id={SITE}"
            )
        );
    }

    #[test]
    fn the_older_device_grant_can_be_chosen_and_values_are_form_encoded() {
        let device = DeviceId::parse("a&b=c+d/0123456789", false).unwrap();
        let spec = requests().issue_device_token(&site(), &device, GrantType::Device);
        let fields = form_fields(&spec.body.unwrap().text);
        assert_eq!(
            fields[0].1,
            "urn%3Ahalo-connect%3Aoauth%3Adevice-token".to_owned()
        );
        assert_eq!(fields[1].1, "a%26b%3Dc%2Bd%2F0123456789".to_owned());
    }

    #[test]
    fn grant_types_parse_from_short_names_and_urns() {
        assert_eq!(GrantType::parse(None).unwrap(), GrantType::Desktop);
        assert_eq!(
            GrantType::parse(Some("desktop")).unwrap(),
            GrantType::Desktop
        );
        assert_eq!(GrantType::parse(Some("device")).unwrap(), GrantType::Device);
        assert_eq!(
            GrantType::parse(Some("urn:halo-connect:oauth:device-token")).unwrap(),
            GrantType::Device
        );
        assert_eq!(
            GrantType::parse(Some("urn:halo-connect:oauth:desktop-token")).unwrap(),
            GrantType::Desktop
        );
        for bad in [
            "",
            "Desktop",
            "client_credentials",
            "urn:halo-connect:oauth:token",
        ] {
            let error = GrantType::parse(Some(bad)).unwrap_err();
            assert_eq!(error.kind, ErrorKind::Validation);
            assert_eq!(error.field.as_deref(), Some("grantType"), "{bad:?}");
            assert!(error.message.contains("\"desktop\" or \"device\""));
        }
    }

    #[test]
    fn find_sites_sends_both_required_parameters_form_encoded() {
        let pms_id = PmsId::parse("12 345&x").unwrap();
        let spec = requests().find_sites(&pms_id, PmsName::BestPractice);
        assert_eq!(spec.method, Method::Get);
        assert_eq!(
            spec.url,
            format!("{BASE}/integrator/sites?practiceManagementSiteId=12+345%26x&practiceManagementName=Best+Practice")
        );
        assert_eq!(spec.path, "/integrator/sites");
        assert!(spec.body.is_none());
        assert_eq!(spec.replay, Replay::Idempotent);
    }

    #[test]
    fn find_sites_accepts_a_staging_fake_pms_id() {
        let pms_id = PmsId::parse(&SITE[..8]).unwrap();
        let spec = requests().find_sites(&pms_id, PmsName::Zedmed);
        assert!(spec
            .url
            .ends_with("?practiceManagementSiteId=3f2504e0&practiceManagementName=Zedmed"));
    }

    #[test]
    fn get_site_names_the_guid_in_the_path() {
        let spec = requests().get_site(&site());
        assert_eq!(spec.method, Method::Get);
        assert_eq!(spec.url, format!("{BASE}/integrator/sites/{SITE}"));
        assert_eq!(spec.replay, Replay::Idempotent);
        assert!(spec.body.is_none());
    }

    #[test]
    fn integrator_paths_ignore_the_device_path_prefix() {
        let endpoint = Endpoint::from_parts(None, Some(BASE), Some("/device")).unwrap();
        let spec = IntegratorRequests::new(endpoint).get_site(&site());
        assert_eq!(spec.url, format!("{BASE}/integrator/sites/{SITE}"));
    }

    #[test]
    fn best_practice_pairing_needs_a_code() {
        let pms_id = PmsId::parse("12345").unwrap();
        for missing in [None, Some(""), Some("  ")] {
            let error = requests()
                .pair_site(&pms_id, PmsName::BestPractice, missing)
                .unwrap_err();
            assert_eq!(error.field.as_deref(), Some("pairingCode"), "{missing:?}");
        }
        let spec = requests()
            .pair_site(&pms_id, PmsName::BestPractice, Some(" ABC123 "))
            .unwrap();
        assert_eq!(spec.method, Method::Post);
        assert_eq!(
            spec.url,
            format!("{BASE}/integrator/pair-site?practiceManagementSiteId=12345&practiceManagementName=Best+Practice&pairingCode=ABC123")
        );
        assert_eq!(spec.path, "/integrator/pair-site", "no code in events");
        assert!(spec.body.is_none());
        assert_eq!(spec.replay, Replay::Idempotent);
    }

    #[test]
    fn other_pms_pair_without_a_code_and_pass_one_through_if_given() {
        let pms_id = PmsId::parse("CRN-77").unwrap();
        let spec = requests().pair_site(&pms_id, PmsName::D4w, None).unwrap();
        assert!(spec.url.ends_with(
            "/integrator/pair-site?practiceManagementSiteId=CRN-77&practiceManagementName=D4w"
        ));
        let blank = requests()
            .pair_site(&pms_id, PmsName::Zedmed, Some(" "))
            .unwrap();
        assert!(!blank.url.contains("pairingCode"));
        let given = requests()
            .pair_site(&pms_id, PmsName::Zedmed, Some("XYZ"))
            .unwrap();
        assert!(given.url.ends_with("&pairingCode=XYZ"));
    }

    #[test]
    fn malformed_pairing_codes_are_refused_without_echo() {
        let pms_id = PmsId::parse("12345").unwrap();
        for bad in ["AB\nC123", &"C".repeat(MAX_PAIRING_CODE_CHARS + 1)] {
            let error = requests()
                .pair_site(&pms_id, PmsName::BestPractice, Some(bad))
                .unwrap_err();
            assert_eq!(error.field.as_deref(), Some("pairingCode"));
            assert!(!error.message.contains(bad));
        }
    }
}
