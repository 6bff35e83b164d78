//! Integrator API answers: the token response and the Site object.
//!
//! As on the device side, the host parses the JSON and hands over these
//! structs. Every field is optional so that a field Halo drops or adds never
//! fails the whole answer; what a caller relies on is checked where it is used.

use super::text::present;
use crate::core::error::{ErrorKind, HaloError};
use crate::core::header_value::is_plain_header_value;
use crate::core::ids::SiteId;
use crate::core::secret::Secret;
use crate::core::token::MAX_TOKEN_LIFETIME_S;
use serde::{Deserialize, Deserializer};

/// The body of a 200 from `POST /integrator/token`, snake_case as on the wire.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct TokenResponse {
    /// The device token (a JWT), held as a [`Secret`] from the moment it is read.
    #[serde(deserialize_with = "optional_secret")]
    pub access_token: Option<Secret>,
    /// Halo does not document its value; the Desktop API takes `Bearer` tokens.
    pub token_type: Option<String>,
    /// Lifetime in seconds (the unit is OAuth's convention; Halo does not say).
    pub expires_in: Option<f64>,
}

fn optional_secret<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Secret>, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?.map(Secret::new))
}

/// A device token the integrator's cloud can hand to a device.
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all = "camelCase"))]
#[derive(Clone, Debug, PartialEq)]
pub struct IssuedDeviceToken {
    /// The token itself.
    #[cfg_attr(test, ts(as = "String"))]
    pub access_token: Secret,
    /// As Halo reported it, `Bearer` when it said nothing.
    pub token_type: String,
    /// Seconds the token lives, counted from receipt.
    #[cfg_attr(test, ts(rename = "expiresIn"))]
    pub expires_in_s: f64,
}

/// The longest device token believed, in bytes: Halo's JWTs are about
/// 1 KB, and servers refuse request headers past 8–16 KB, so a larger one
/// could never be sent by the device it is for.
pub const MAX_DEVICE_TOKEN_BYTES: usize = 8 << 10;

impl TokenResponse {
    /// Checks the answer holds a usable token: one a device can send as a
    /// header value (visible ASCII, at most [`MAX_DEVICE_TOKEN_BYTES`]) and
    /// will accept (`expires_in` above 0 and at most a year, as the device's
    /// `getToken` check requires). A bad answer is a protocol error: the
    /// integrator's request was fine, Halo's reply was not.
    pub fn validate(self) -> Result<IssuedDeviceToken, HaloError> {
        let protocol = |message: &str| HaloError::new(ErrorKind::Protocol, message);
        let access_token = self
            .access_token
            .filter(|token| !token.expose().is_empty())
            .ok_or_else(|| protocol("the token endpoint answered without an access_token"))?;
        if !is_plain_header_value(access_token.expose()) {
            return Err(protocol(
                "the token endpoint answered with an access_token that cannot be sent as a header (spaces, line breaks or control characters)",
            ));
        }
        if access_token.expose().len() > MAX_DEVICE_TOKEN_BYTES {
            return Err(protocol(&format!(
                "the token endpoint answered with an access_token longer than {MAX_DEVICE_TOKEN_BYTES} bytes"
            )));
        }
        let expires_in_s = self
            .expires_in
            .filter(|seconds| *seconds > 0.0 && *seconds <= MAX_TOKEN_LIFETIME_S)
            .ok_or_else(|| {
                protocol("the token endpoint answered without an expires_in above 0 and at most a year (seconds)")
            })?;
        // Sent back to the device, which may use it as the scheme.
        let token_type = self
            .token_type
            .filter(|kind| is_plain_header_value(kind))
            .unwrap_or_else(|| "Bearer".to_owned());
        Ok(IssuedDeviceToken {
            access_token,
            token_type,
            expires_in_s,
        })
    }
}

/// A database (catalogue) a site can be queried on.
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all = "camelCase", optional_fields))]
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Catalogue {
    /// The name to pass as a query's `catalogue`, e.g. `Patients`.
    #[cfg_attr(test, ts(optional = false, as = "String"))]
    pub name: Option<String>,
    /// Whether queries without a `catalogue` go to this one.
    pub is_default: Option<bool>,
}

/// What Halo Link last read from the practice's database.
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all = "camelCase", optional_fields))]
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct PracticeMetadata {
    /// `BestPractice` | `Zedmed` | `D4w`.
    pub pms_type: Option<String>,
    /// The practice's business name, from its database.
    pub practice_name: Option<String>,
    /// The PMS ID.
    pub practice_management_site_id: Option<String>,
    /// The PMS version, as last enriched.
    pub practice_management_version: Option<String>,
}

/// A Halo site (one practice database), as the Integrator API returns it
/// from find-sites, get-site and pair-site. Fields the spec marks
/// deprecated are kept: older answers may carry only those.
///
/// @example
/// const site = await integrator.getSite("3f2504e0-4f89-41d3-9a0c-0305e82c3301");
/// if (site.availability !== "online") console.warn(`${site.practiceMetadata?.practiceName} is ${site.availability}`);
#[cfg_attr(
    test,
    derive(ts_rs::TS),
    ts(rename = "HaloSite", rename_all = "camelCase", optional_fields)
)]
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Site {
    /// The Halo GUID.
    #[cfg_attr(test, ts(optional = false, as = "String"))]
    pub id: Option<String>,
    /// `BestPractice` | `Zedmed` | `D4w`.
    #[cfg_attr(test, ts(optional, type = r#""BestPractice" | "Zedmed" | "D4w""#))]
    pub pms_type: Option<String>,
    /// `online` | `offline` | `unreachable`, from when Halo last heard from it.
    #[cfg_attr(test, ts(optional, type = r#""online" | "offline" | "unreachable""#))]
    pub availability: Option<String>,
    /// `initialising` | `active` | `removed` | `uninstalled`.
    #[cfg_attr(
        test,
        ts(
            optional,
            type = r#""initialising" | "active" | "removed" | "uninstalled""#
        )
    )]
    pub status: Option<String>,
    /// Halo Link's CalVer version, e.g. `22.1207.209`.
    pub halo_link_version: Option<String>,
    /// When `practiceMetadata` was last refreshed (UTC date-time).
    #[cfg_attr(test, ts(optional = nullable))]
    pub enriched_at: Option<String>,
    /// The databases the site can be queried on.
    #[cfg_attr(test, ts(inline))]
    pub catalogue: Option<Vec<Catalogue>>,
    /// Identifiers read from the practice's database.
    #[cfg_attr(test, ts(optional = nullable, inline))]
    pub practice_metadata: Option<PracticeMetadata>,
    /// Deprecated: the site's name.
    pub name: Option<String>,
    /// Deprecated: the PMS ID.
    pub practice_management_site_id: Option<String>,
    /// Deprecated: `Best Practice` | `Zedmed` | `D4w`.
    #[cfg_attr(test, ts(as = "Option<crate::core::integrator::pms::PmsName>"))]
    pub practice_management_name: Option<String>,
    /// Deprecated: the PMS version when Halo Link was installed, never updated.
    pub practice_management_version: Option<String>,
    /// Deprecated: when the site was created (UTC date-time).
    pub created_at: Option<String>,
    /// Deprecated: whether this is the one site of its PMS ID that receives
    /// queries; others are backups, test copies or mid-migration servers.
    pub authoritative: Option<bool>,
    /// Deprecated: the site's own last update time (UTC).
    #[cfg_attr(test, ts(rename = "clientTimestampUTC", optional = nullable))]
    #[serde(rename = "clientTimestampUTC")]
    pub client_timestamp_utc: Option<String>,
    /// Deprecated: Halo Cloud's last update time for the site (UTC).
    #[cfg_attr(test, ts(rename = "heartbeatTimestampUTC", optional = nullable))]
    #[serde(rename = "heartbeatTimestampUTC")]
    pub heartbeat_timestamp_utc: Option<String>,
}

/// The body of a 200 from `GET /integrator/sites`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct SitesResponse {
    /// Every site registered under the PMS ID; empty when there is none.
    pub sites: Vec<Site>,
}

impl Site {
    /// The site's Halo GUID; a missing or malformed one is a protocol error.
    pub fn site_id(&self) -> Result<SiteId, HaloError> {
        self.id
            .as_deref()
            .and_then(|id| SiteId::parse(id).ok())
            .ok_or_else(|| {
                let detail = match &self.id {
                    Some(id) => format!("whose id is not a Halo GUID: \"{id}\""),
                    None => "without an id".to_owned(),
                };
                HaloError::new(
                    ErrorKind::Protocol,
                    format!("Halo Cloud returned a site {detail}"),
                )
            })
    }

    /// Only an explicit `true` counts: a site that does not say is not one.
    pub fn is_authoritative(&self) -> bool {
        self.authoritative == Some(true)
    }

    /// The practice's name: the enriched one, else the deprecated site name.
    pub fn practice_name(&self) -> Option<&str> {
        self.metadata(|m| m.practice_name.as_deref())
            .or(present(self.name.as_deref()))
    }

    /// The PMS ID, from the metadata, else the deprecated field.
    pub fn pms_id(&self) -> Option<&str> {
        self.metadata(|m| m.practice_management_site_id.as_deref())
            .or(present(self.practice_management_site_id.as_deref()))
    }

    /// The PMS as reported, in whichever spelling the answer carries.
    pub fn reported_pms_name(&self) -> Option<&str> {
        present(self.practice_management_name.as_deref())
            .or(present(self.pms_type.as_deref()))
            .or(self.metadata(|m| m.pms_type.as_deref()))
    }

    /// The PMS version: the enriched one, which follows upgrades, else the
    /// deprecated one frozen at Halo Link's install.
    pub fn practice_management_version(&self) -> Option<&str> {
        self.metadata(|m| m.practice_management_version.as_deref())
            .or(present(self.practice_management_version.as_deref()))
    }

    fn metadata<'a>(
        &'a self,
        field: impl Fn(&'a PracticeMetadata) -> Option<&'a str>,
    ) -> Option<&'a str> {
        present(self.practice_metadata.as_ref().and_then(field))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.secret-payload.sig";

    fn token(json: &str) -> TokenResponse {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_token_response_validates_into_an_issued_token() {
        let issued = token(&format!(
            r#"{{"access_token":"{TOKEN}","token_type":"Bearer","expires_in":3600,"scope":"x"}}"#
        ))
        .validate()
        .unwrap();
        assert_eq!(issued.access_token.expose(), TOKEN);
        assert_eq!(issued.token_type, "Bearer");
        assert_eq!(issued.expires_in_s, 3600.0);
    }

    #[test]
    fn a_missing_token_type_defaults_to_bearer() {
        let issued = token(&format!(r#"{{"access_token":"{TOKEN}","expires_in":60}}"#))
            .validate()
            .unwrap();
        assert_eq!(issued.token_type, "Bearer");
    }

    #[test]
    fn unusable_token_responses_are_protocol_errors_that_never_show_the_token() {
        for json in [
            "{}".to_owned(),
            r#"{"access_token":null,"expires_in":60}"#.to_owned(),
            r#"{"access_token":"","expires_in":60}"#.to_owned(),
            format!(r#"{{"access_token":"{TOKEN}"}}"#),
            format!(r#"{{"access_token":"{TOKEN}","expires_in":0}}"#),
            format!(r#"{{"access_token":"{TOKEN}","expires_in":-5}}"#),
        ] {
            let error = token(&json).validate().unwrap_err();
            assert_eq!(error.kind, ErrorKind::Protocol, "{json}");
            assert!(!error.message.contains("secret-payload"), "{json}");
        }
        let infinite = TokenResponse {
            access_token: Some(Secret::new(TOKEN)),
            token_type: None,
            expires_in: Some(f64::INFINITY),
        };
        assert_eq!(infinite.validate().unwrap_err().kind, ErrorKind::Protocol);
    }

    #[test]
    fn tokens_a_device_could_not_send_or_believe_are_protocol_errors() {
        let long = "a".repeat(MAX_DEVICE_TOKEN_BYTES + 1);
        for (access_token, expires_in) in [
            ("eyJ.a\r\nX-Injected: 1", 60.0),
            ("eyJ.a b", 60.0),
            ("eyJ.\u{0}", 60.0),
            (long.as_str(), 60.0),
            (TOKEN, 1e300),
            (TOKEN, MAX_TOKEN_LIFETIME_S + 1.0),
            (TOKEN, f64::NAN),
        ] {
            let response = TokenResponse {
                access_token: Some(Secret::new(access_token)),
                token_type: None,
                expires_in: Some(expires_in),
            };
            let error = response.validate().unwrap_err();
            assert_eq!(
                error.kind,
                ErrorKind::Protocol,
                "{access_token:?} {expires_in}"
            );
            assert!(!error.message.contains("eyJ"), "{}", error.message);
        }
        let at_the_bounds = TokenResponse {
            access_token: Some(Secret::new("a".repeat(MAX_DEVICE_TOKEN_BYTES))),
            token_type: Some("Bearer\r\nX: 1".to_owned()),
            expires_in: Some(MAX_TOKEN_LIFETIME_S),
        };
        assert_eq!(at_the_bounds.validate().unwrap().token_type, "Bearer");
    }

    #[test]
    fn token_debug_output_is_redacted() {
        let response = token(&format!(r#"{{"access_token":"{TOKEN}","expires_in":60}}"#));
        assert!(!format!("{response:?}").contains("secret-payload"));
        let issued = response.validate().unwrap();
        assert!(!format!("{issued:?}").contains("secret-payload"));
    }

    #[test]
    fn every_site_field_of_the_schema_is_read() {
        let site: Site = serde_json::from_str(
            r#"{
                "id": "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
                "pmsType": "BestPractice",
                "availability": "online",
                "status": "active",
                "haloLinkVersion": "22.1207.209",
                "enrichedAt": "2024-01-02T03:04:05Z",
                "catalogue": [{"name": "Patients", "isDefault": true}, {"name": "Billing"}],
                "practiceMetadata": {
                    "pmsType": "BestPractice",
                    "practiceName": "Halo Clinic South",
                    "practiceManagementSiteId": "12345",
                    "practiceManagementVersion": "3.4.1"
                },
                "name": "Halo Clinic",
                "practiceManagementSiteId": "12345",
                "practiceManagementName": "Best Practice",
                "practiceManagementVersion": "3.0.0",
                "createdAt": "2022-12-25T12:25:01Z",
                "authoritative": true,
                "clientTimestampUTC": "2022-12-25T12:25:01Z",
                "heartbeatTimestampUTC": "2022-12-25T12:25:02Z",
                "somethingNew": {"nested": [1, 2]}
            }"#,
        )
        .unwrap();
        assert_eq!(
            site.site_id().unwrap().as_str(),
            "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
        );
        assert_eq!(site.availability.as_deref(), Some("online"));
        assert_eq!(site.status.as_deref(), Some("active"));
        assert_eq!(site.halo_link_version.as_deref(), Some("22.1207.209"));
        assert_eq!(site.enriched_at.as_deref(), Some("2024-01-02T03:04:05Z"));
        let catalogue = site.catalogue.as_ref().unwrap();
        assert_eq!(catalogue[0].name.as_deref(), Some("Patients"));
        assert_eq!(catalogue[0].is_default, Some(true));
        assert_eq!(catalogue[1].is_default, None);
        assert_eq!(site.created_at.as_deref(), Some("2022-12-25T12:25:01Z"));
        assert_eq!(
            site.client_timestamp_utc.as_deref(),
            Some("2022-12-25T12:25:01Z")
        );
        assert_eq!(
            site.heartbeat_timestamp_utc.as_deref(),
            Some("2022-12-25T12:25:02Z")
        );
        assert!(site.is_authoritative());
        // The enriched metadata wins over the deprecated fields.
        assert_eq!(site.practice_name(), Some("Halo Clinic South"));
        assert_eq!(site.practice_management_version(), Some("3.4.1"));
        assert_eq!(site.pms_id(), Some("12345"));
        assert_eq!(site.reported_pms_name(), Some("Best Practice"));
    }

    #[test]
    fn deprecated_fields_stand_in_when_the_metadata_is_missing_or_blank() {
        let site: Site = serde_json::from_str(
            r#"{"name":"Halo Clinic","practiceManagementSiteId":"9","pmsType":"Zedmed",
                "practiceManagementVersion":"3.0.0","practiceMetadata":{"practiceName":" "}}"#,
        )
        .unwrap();
        assert_eq!(site.practice_name(), Some("Halo Clinic"));
        assert_eq!(site.pms_id(), Some("9"));
        assert_eq!(site.reported_pms_name(), Some("Zedmed"));
        assert_eq!(site.practice_management_version(), Some("3.0.0"));
        let bare = Site::default();
        assert_eq!(bare.practice_name(), None);
        assert_eq!(bare.reported_pms_name(), None);
        assert!(!bare.is_authoritative());
    }

    #[test]
    fn a_site_without_a_valid_guid_is_a_protocol_error() {
        for id in [None, Some("12345".to_owned())] {
            let site = Site {
                id,
                ..Site::default()
            };
            assert_eq!(site.site_id().unwrap_err().kind, ErrorKind::Protocol);
        }
    }

    #[test]
    fn sites_responses_tolerate_missing_and_null_fields() {
        let empty: SitesResponse = serde_json::from_str("{}").unwrap();
        assert!(empty.sites.is_empty());
        let nulls: SitesResponse = serde_json::from_str(
            r#"{"sites":[{"id":null,"catalogue":null,"practiceMetadata":null,"authoritative":null}, {}]}"#,
        )
        .unwrap();
        assert_eq!(nulls.sites.len(), 2);
        assert_eq!(nulls.sites[0], Site::default());
    }
}
