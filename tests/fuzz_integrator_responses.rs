//! Fuzz target: Integrator API answers (the token response, Site objects,
//! find-sites lists) and the decisions taken on them: validating a token,
//! choosing the authoritative site, checking the recorded identifiers and
//! detecting a changed Halo GUID.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use halo_device::core::error::ErrorKind;
use halo_device::core::ids::{is_uuid, SiteId};
use halo_device::core::integrator::pms::{PmsId, PmsName};
use halo_device::core::integrator::responses::{Site, SitesResponse, TokenResponse};
use halo_device::core::integrator::sites::{
    check_secondary, choose_authoritative, detect_guid_change, SecondaryIdentifiers,
};
use proptest::prelude::*;
use support::{shaped, shaped_text, text, text_or, uuid, Shape};

const PMS_NAMES: &[&str] = &["Best Practice", "BestPractice", "Zedmed", "D4w", "D4W"];
const VERSIONS: &[&str] = &["3.4.1", " 3.4.1 ", "22.1207.209"];
const PRACTICES: &[&str] = &["Halo Clinic", "HALO CLINIC ", "Straße Praxis", " "];
const IDENTIFIERS: [&str; 3] = ["pmsName", "practiceName", "practiceManagementVersion"];

static TOKEN_RESPONSE: Shape = Shape::Object(&[
    (
        "access_token",
        Shape::Text(&["eyJhbGciOiJIUzI1NiJ9.e30.sig", ""]),
    ),
    ("token_type", Shape::Text(&["Bearer", ""])),
    ("expires_in", Shape::Number),
]);

const METADATA: Shape = Shape::Object(&[
    ("pmsType", Shape::Text(PMS_NAMES)),
    ("practiceName", Shape::Text(PRACTICES)),
    ("practiceManagementSiteId", Shape::Text(&["12345", ""])),
    ("practiceManagementVersion", Shape::Text(VERSIONS)),
]);

/// Every field of the Site schema, the deprecated ones included.
const SITE: Shape = Shape::Object(&[
    (
        "id",
        Shape::Text(&[
            "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
            "9A7B1C2D-0E1F-4A2B-8C3D-4E5F6A7B8C9D",
            "not-a-guid",
        ]),
    ),
    ("pmsType", Shape::Text(PMS_NAMES)),
    ("availability", Shape::Text(&["online", "offline"])),
    ("status", Shape::Text(&["active", "removed"])),
    ("haloLinkVersion", Shape::Text(VERSIONS)),
    ("enrichedAt", Shape::Text(&["2024-01-02T03:04:05Z"])),
    (
        "catalogue",
        Shape::Array(&Shape::Object(&[
            ("name", Shape::Text(&["Patients"])),
            ("isDefault", Shape::Bool),
        ])),
    ),
    ("practiceMetadata", METADATA),
    ("name", Shape::Text(PRACTICES)),
    ("practiceManagementSiteId", Shape::Text(&["12345"])),
    ("practiceManagementName", Shape::Text(PMS_NAMES)),
    ("practiceManagementVersion", Shape::Text(VERSIONS)),
    ("createdAt", Shape::Text(&["2022-12-25T12:25:01Z"])),
    ("authoritative", Shape::Bool),
    ("clientTimestampUTC", Shape::Text(&["2022-12-25T12:25:01Z"])),
    (
        "heartbeatTimestampUTC",
        Shape::Text(&["2022-12-25T12:25:02Z"]),
    ),
]);

static SITES_RESPONSE: Shape = Shape::Object(&[("sites", Shape::Array(&SITE))]);
static ONE_SITE: Shape = SITE;

fn pms_name() -> impl Strategy<Value = PmsName> {
    prop::sample::select(&[PmsName::BestPractice, PmsName::Zedmed, PmsName::D4w][..])
}

/// A Site object as find-sites returns it: mostly well-formed, so that the
/// choice among several authoritative ones is exercised too.
fn site() -> impl Strategy<Value = Site> {
    (shaped(&ONE_SITE), prop::option::of(any::<bool>()), uuid()).prop_map(
        |(json, authoritative, id)| {
            let mut site: Site = serde_json::from_value(json).unwrap_or_default();
            site.authoritative = authoritative;
            if site.id.is_none() {
                site.id = Some(id);
            }
            site
        },
    )
}

fn sites() -> impl Strategy<Value = Vec<Site>> {
    prop::collection::vec(site(), 0..5)
}

/// What an integrator recorded: mostly what the site reports (padded, in
/// another ASCII case), sometimes anything.
fn recorded_for(site: &Site) -> impl Strategy<Value = SecondaryIdentifiers> {
    let reported = |value: Option<&str>| {
        let value = value.unwrap_or_default().to_owned();
        prop_oneof![
            Just(None),
            Just(Some(value.clone())),
            Just(Some(format!("  {}\t", value.to_ascii_uppercase()))),
            text().prop_map(Some),
        ]
    };
    (
        pms_name(),
        reported(site.practice_name()),
        reported(site.practice_management_version()),
    )
        .prop_map(|(pms_name, practice_name, practice_management_version)| {
            SecondaryIdentifiers {
                pms_name,
                practice_name,
                practice_management_version,
            }
        })
}

fn site_and_recorded() -> impl Strategy<Value = (Site, SecondaryIdentifiers)> {
    site().prop_flat_map(|site| (Just(site.clone()), recorded_for(&site)))
}

proptest! {
    #![proptest_config(support::config())]

    #[test]
    fn token_responses_validate_or_are_protocol_errors(json in shaped_text(&TOKEN_RESPONSE)) {
        let Ok(response) = serde_json::from_str::<TokenResponse>(&json) else {
            return Ok(());
        };
        let token = response.access_token.as_ref().map(|t| t.expose().to_owned());
        let expires_in = response.expires_in;
        match response.validate() {
            Ok(issued) => {
                prop_assert_eq!(Some(issued.access_token.expose().to_owned()), token);
                prop_assert!(!issued.access_token.expose().is_empty());
                prop_assert!(issued.expires_in_s.is_finite() && issued.expires_in_s > 0.0);
                prop_assert_eq!(Some(issued.expires_in_s), expires_in);
                prop_assert!(!issued.token_type.is_empty());
            }
            Err(error) => prop_assert_eq!(error.kind, ErrorKind::Protocol),
        }
    }

    #[test]
    fn sites_responses_decode_or_are_refused(json in shaped_text(&SITES_RESPONSE)) {
        let _ = serde_json::from_str::<SitesResponse>(&json);
    }

    #[test]
    fn site_accessors_report_only_what_is_there(json in shaped(&ONE_SITE)) {
        let Ok(site) = serde_json::from_value::<Site>(json) else {
            return Ok(());
        };
        match site.site_id() {
            Ok(id) => {
                let raw = site.id.as_deref().unwrap_or_default();
                prop_assert!(is_uuid(raw));
                prop_assert_eq!(id.as_str(), raw.to_ascii_lowercase());
            }
            Err(error) => prop_assert_eq!(error.kind, ErrorKind::Protocol),
        }
        prop_assert_eq!(site.is_authoritative(), site.authoritative == Some(true));
        for value in [
            site.practice_name(),
            site.pms_id(),
            site.reported_pms_name(),
            site.practice_management_version(),
        ]
        .into_iter()
        .flatten()
        {
            prop_assert!(!value.trim().is_empty(), "a blank value is no value");
        }
    }

    #[test]
    fn exactly_one_authoritative_site_is_chosen(
        sites in sites(),
        pms_id in text_or(&["12345", "3f2504e0"]),
        pms_name in pms_name(),
    ) {
        let pms_id = match PmsId::parse(&pms_id) {
            Ok(id) => id,
            Err(error) => {
                prop_assert_eq!(error.kind, ErrorKind::Validation);
                prop_assert_eq!(error.field.as_deref(), Some("pmsId"));
                return Ok(());
            }
        };
        let authoritative: Vec<Site> = sites.iter().filter(|s| s.authoritative == Some(true)).cloned().collect();
        let total = sites.len();
        match (choose_authoritative(sites, &pms_id, pms_name), authoritative.as_slice()) {
            (Err(error), []) if total == 0 => prop_assert_eq!(error.kind, ErrorKind::NotFound),
            (Err(error), []) => prop_assert_eq!(error.kind, ErrorKind::Forbidden),
            (Ok(chosen), [only]) => {
                prop_assert_eq!(&chosen, only);
                prop_assert!(chosen.site_id().is_ok());
            }
            (Err(error), [only]) => {
                prop_assert!(only.site_id().is_err());
                prop_assert_eq!(error.kind, ErrorKind::Protocol);
            }
            (Err(error), [_, _, ..]) => prop_assert_eq!(error.kind, ErrorKind::Protocol),
            (result, authoritative) => {
                return Err(TestCaseError::fail(format!(
                    "{} authoritative site(s) gave {result:?}",
                    authoritative.len()
                )));
            }
        }
    }

    #[test]
    fn recorded_identifiers_are_checked_consistently(
        (site, recorded) in site_and_recorded(),
        old_site_id in uuid(),
    ) {
        let checked = check_secondary(&site, &recorded);
        let old = SiteId::parse(&old_site_id).expect("a generated UUID");
        let Ok(change) = detect_guid_change(&old, &recorded, &site) else {
            prop_assert!(site.site_id().is_err());
            return Ok(());
        };
        let new = site.site_id().expect("detect_guid_change succeeded");
        prop_assert_eq!(&change.new_site_id, &new);
        prop_assert_eq!(change.changed, new != old);
        prop_assert_eq!(
            change.can_switch_automatically(),
            change.changed && change.secondary_changed.is_empty()
        );
        match checked {
            Ok(()) => prop_assert!(change.secondary_changed.is_empty()),
            Err(error) => {
                prop_assert_eq!(error.kind, ErrorKind::Validation);
                prop_assert_eq!(error.field.as_ref(), change.secondary_changed.first());
            }
        }
        for identifier in &change.secondary_changed {
            prop_assert!(IDENTIFIERS.contains(&identifier.as_str()));
        }
        // What the site itself reports, padded or in another ASCII case,
        // never counts as a changed practice.
        let texts_match = [
            (&recorded.practice_name, site.practice_name()),
            (&recorded.practice_management_version, site.practice_management_version()),
        ]
        .iter()
        .all(|(recorded, reported)| match (recorded, reported) {
            (None, _) => true,
            (Some(recorded), Some(reported)) => recorded.trim().eq_ignore_ascii_case(reported.trim()),
            (Some(_), None) => false,
        });
        let pms_matches = site
            .reported_pms_name()
            .and_then(PmsName::from_reported)
            == Some(recorded.pms_name);
        if texts_match && pms_matches {
            prop_assert!(change.secondary_changed.is_empty(), "{:?}", change.secondary_changed);
        }
    }
}
