//! Fuzz target: everything a caller passes to a request builder (ids, page
//! numbers, FHIR types, ids and search parameters, PMS ids, pairing codes,
//! endpoints). Each input is either refused with a validation error that
//! names its field, or confined to its own path segment or form value: no
//! input adds a segment, a `..`, a query or a fragment.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use halo_device::core::command::SqlCommand;
use halo_device::core::config::Endpoint;
use halo_device::core::encoding::form_encode;
use halo_device::core::error::{ErrorKind, HaloError};
use halo_device::core::ids::{is_uuid, DeviceId, QueryId, SiteId};
use halo_device::core::integrator::pms::{PmsId, PmsName};
use halo_device::core::integrator::requests::{GrantType, IntegratorRequests};
use halo_device::core::numbers::whole_number;
use halo_device::core::requests::{Method, QueryOptions, Registration, RequestSpec, SiteRequests};
use percent_encoding::percent_decode_str;
use proptest::prelude::*;
use support::{secret_value, text, text_or, uuid, uuid_like};
use url::Url;

const BASE_URLS: &[&str] = &[
    "https://api.haloconnect.io",
    "http://127.0.0.1:4010",
    "http://localhost:4010/proxy/halo",
];
const PATH_PREFIXES: &[&str] = &["/desktop", "", "/device/v1", "/a_b-c/"];

fn endpoint() -> impl Strategy<Value = Endpoint> {
    (
        prop::sample::select(BASE_URLS),
        prop::sample::select(PATH_PREFIXES),
    )
        .prop_map(|(base, prefix)| Endpoint::from_parts(None, Some(base), Some(prefix)).unwrap())
}

/// A builder that takes a query id, and nothing else.
type QueryIdCall = fn(&SiteRequests, &str) -> Result<RequestSpec, HaloError>;

/// A site's requests through either door: the builders are the same, only
/// the prefix differs, and neither door may let an input out of its segment.
fn site_requests() -> impl Strategy<Value = SiteRequests> {
    (endpoint(), uuid(), any::<bool>()).prop_map(|(endpoint, site, integrator)| {
        let site = SiteId::parse(&site).unwrap();
        if integrator {
            SiteRequests::integrator(&endpoint.base_url, site)
        } else {
            SiteRequests::device(endpoint, site)
        }
    })
}

/// Numbers as JavaScript hands them over: whole, fractional, negative,
/// huge, NaN and the infinities.
fn js_number() -> impl Strategy<Value = f64> {
    prop_oneof![
        (0u32..100).prop_map(f64::from),
        prop::sample::select(
            &[
                -0.0,
                0.5,
                4_294_967_295.0,
                4_294_967_296.0,
                9.007_199_254_740_993e15,
                1e300
            ][..]
        ),
        prop::num::f64::ANY,
    ]
}

fn fhir_resource_type() -> impl Strategy<Value = String> {
    text_or(&[
        "Patient",
        "Observation",
        "../x",
        "patient",
        "Patient?x=1",
        "Pat#ient",
    ])
}

fn fhir_id() -> impl Strategy<Value = String> {
    text_or(&["123-a.b", "..", ".", "a/b", "%2e%2e", "..."])
}

fn params() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec((text_or(&["given", "", "_count"]), text()), 0..4)
}

/// Refused inputs are validation errors that say which field.
fn assert_names_a_field(error: &HaloError) -> Result<(), TestCaseError> {
    prop_assert_eq!(error.kind, ErrorKind::Validation, "{}", error.message);
    prop_assert!(error.field.as_deref().is_some_and(|f| !f.is_empty()));
    Ok(())
}

/// The request goes exactly where the template says: a WHATWG URL parser
/// (the `url` crate, as `fetch` would) finds the same path with the
/// expected number of segments, the expected query and no fragment.
fn assert_confined(
    spec: &RequestSpec,
    tail_segments: usize,
    query: Option<&str>,
) -> Result<(), TestCaseError> {
    let url =
        Url::parse(&spec.url).map_err(|e| TestCaseError::fail(format!("{e}: {}", spec.url)))?;
    // The query (a GET search's patient details) is in the URL alone:
    // the path is what events and messages show.
    prop_assert!(!spec.path.contains('?'), "{}", spec.path);
    let path = spec.path.as_str();
    prop_assert!(
        url.path().ends_with(path),
        "{} vs {}",
        url.path(),
        spec.path
    );
    prop_assert_eq!(url.query(), query);
    prop_assert_eq!(url.fragment(), None);
    let segments: Vec<&str> = path.split('/').collect();
    let sites = segments
        .iter()
        .position(|s| *s == "sites")
        .expect("/sites/{siteId}/");
    prop_assert_eq!(segments.len() - sites - 2, tail_segments, "{}", spec.path);
    prop_assert!(
        segments.iter().all(|s| *s != "." && *s != ".."),
        "{}",
        spec.path
    );
    Ok(())
}

proptest! {
    #![proptest_config(support::config())]

    #[test]
    fn ids_are_uuids_or_validation_errors(value in uuid_like()) {
        match SiteId::parse(&value) {
            Ok(id) => prop_assert_eq!(id.as_str(), value.to_ascii_lowercase()),
            Err(error) => {
                prop_assert!(!is_uuid(&value));
                prop_assert_eq!(error.field.as_deref(), Some("siteId"));
            }
        }
        match QueryId::parse("registeredQueryId", &value) {
            Ok(id) => prop_assert_eq!(id.as_str(), value.to_ascii_lowercase()),
            Err(error) => {
                prop_assert!(!is_uuid(&value));
                prop_assert_eq!(error.field.as_deref(), Some("registeredQueryId"));
            }
        }
    }

    #[test]
    fn device_ids_follow_the_strength_rules_and_are_never_echoed(
        value in prop_oneof![secret_value(), text(), "[0-9]{1,30}", (secret_value(), text()).prop_map(|(a, b)| a + &b)],
        allow_weak in any::<bool>(),
    ) {
        let header_safe = !value.is_empty()
            && value.len() <= 256
            && value.bytes().all(|b| (0x21..=0x7e).contains(&b));
        let strong = value.len() >= 16 && !value.bytes().all(|b| b.is_ascii_digit());
        match DeviceId::parse(&value, allow_weak) {
            Ok(id) => {
                prop_assert!(header_safe && (allow_weak || strong));
                prop_assert_eq!(id.expose(), value.as_str());
                if value.len() >= 16 {
                    let shown = format!("{id:?}");
                    prop_assert!(!shown.contains(&value), "{}", shown);
                }
            }
            Err(error) => {
                prop_assert!(!(header_safe && (allow_weak || strong)));
                prop_assert_eq!(error.field.as_deref(), Some("deviceId"));
                if value.len() >= 16 {
                    prop_assert!(!error.message.contains(&value), "{}", error.message);
                }
            }
        }
    }

    #[test]
    fn whole_numbers_are_exact_and_in_range(value in js_number(), min in 0u64..100, span in 0u64..u64::MAX / 2) {
        let max = min + span;
        match whole_number("n", value, min, max) {
            Ok(n) => {
                prop_assert!(value.fract() == 0.0);
                prop_assert_eq!(n as f64, value);
                prop_assert!(min <= n && n <= max);
            }
            Err(error) => {
                prop_assert_eq!(error.field.as_deref(), Some("n"));
                let in_range = value >= min as f64 && value <= max as f64;
                prop_assert!(value.fract() != 0.0 || !in_range || value.is_nan(), "{value} refused");
            }
        }
    }

    #[test]
    fn endpoints_are_http_urls_and_plain_path_prefixes(
        environment in prop::option::of(text_or(&["production", "stage"])),
        base_url in prop::option::of(prop_oneof![
            text_or(&["http://127.0.0.1:4010", "https://h/", "http://", "ftp://x"]),
            text().prop_map(|t| format!("https://{t}")),
        ]),
        path_prefix in prop::option::of(text_or(&["/desktop", "/a/../b", "desktop", "/", "/a//b"])),
    ) {
        match Endpoint::from_parts(environment.as_deref(), base_url.as_deref(), path_prefix.as_deref()) {
            Ok(endpoint) => {
                let base = &endpoint.base_url;
                prop_assert!(base.starts_with("https://") || base.starts_with("http://"), "{base}");
                prop_assert!(!base.ends_with('/'));
                prop_assert!(base.bytes().all(|b| b.is_ascii_graphic() && b != b'?' && b != b'#'), "{base}");
                // Whatever path the base URL has, a URL parser keeps it as
                // written (up to percent-encoding): no dot segment or
                // backslash walks it elsewhere.
                if let Ok(parsed) = Url::parse(base) {
                    let written = base.splitn(4, '/').nth(3).map_or("/".to_owned(), |p| format!("/{p}"));
                    let decode = |path: &str| percent_decode_str(path).decode_utf8_lossy().into_owned();
                    prop_assert_eq!(decode(parsed.path()), decode(&written), "{} became {}", base, parsed);
                }
                let prefix = &endpoint.path_prefix;
                prop_assert!(prefix.is_empty() || prefix.starts_with('/'));
                for segment in prefix.split('/').skip(1) {
                    prop_assert!(
                        !segment.is_empty()
                            && segment.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                        "{prefix}"
                    );
                }
            }
            Err(error) => {
                assert_names_a_field(&error)?;
                let field = error.field.as_deref().unwrap_or_default();
                prop_assert!(["environment", "baseUrl", "pathPrefix"].contains(&field));
            }
        }
    }

    #[test]
    fn form_encoding_round_trips_through_a_url_form_decoder(pairs in prop::collection::vec((text(), text()), 0..5)) {
        let encoded = form_encode(&pairs);
        prop_assert!(
            encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"*-._+%&=".contains(&b)),
            "{encoded}"
        );
        let decoded: Vec<(String, String)> = url::form_urlencoded::parse(encoded.as_bytes()).into_owned().collect();
        prop_assert_eq!(decoded, pairs);
    }

    #[test]
    fn query_id_endpoints_confine_the_id(
        requests in site_requests(),
        query_id in uuid_like(),
        page in js_number(),
    ) {
        let id_calls: [(QueryIdCall, usize); 4] = [
            (SiteRequests::get_query, 2),
            (SiteRequests::get_registered_query, 3),
            (SiteRequests::cancel_registered_query, 3),
            (SiteRequests::registered_query_result, 4),
        ];
        for (call, segments) in id_calls {
            match call(&requests, &query_id) {
                Ok(spec) => assert_confined(&spec, segments, None)?,
                Err(error) => assert_names_a_field(&error)?,
            }
        }
        match requests.result_page(&query_id, page) {
            Ok(spec) => assert_confined(&spec, 4, None)?,
            Err(error) => assert_names_a_field(&error)?,
        }
    }

    #[test]
    fn batch_status_sends_exactly_the_valid_ids_or_names_the_bad_one(
        requests in site_requests(),
        ids in prop::collection::vec(uuid_like(), 0..5),
    ) {
        match requests.query_statuses(&ids) {
            Ok(spec) => {
                assert_confined(&spec, 2, None)?;
                let body: serde_json::Value = serde_json::from_str(&spec.body.unwrap().text).unwrap();
                let sent: Vec<String> = ids.iter().map(|id| QueryId::parse("q", id).unwrap().as_str().to_owned()).collect();
                prop_assert_eq!(body, serde_json::json!({ "queryIds": sent }));
            }
            Err(error) => {
                assert_names_a_field(&error)?;
                prop_assert!(error.field.as_deref().unwrap_or_default().starts_with("queryIds["));
            }
        }
    }

    #[test]
    fn fhir_reads_and_searches_confine_their_inputs(
        requests in site_requests(),
        resource_type in fhir_resource_type(),
        id in fhir_id(),
        params in params(),
        method in prop::sample::select(&[Method::Get, Method::Post, Method::Delete][..]),
    ) {
        match requests.fhir_read(&resource_type, &id) {
            Ok(spec) => assert_confined(&spec, 4, None)?,
            Err(error) => assert_names_a_field(&error)?,
        }
        match requests.fhir_search(&resource_type, &params, method) {
            Ok(spec) if method == Method::Get => {
                let form = form_encode(&params);
                let query = (!form.is_empty()).then_some(form.as_str());
                assert_confined(&spec, 3, query)?;
            }
            Ok(spec) => {
                assert_confined(&spec, 4, None)?;
                let body = spec.body.expect("a POST search sends a form");
                let decoded: Vec<(String, String)> =
                    url::form_urlencoded::parse(body.text.as_bytes()).into_owned().collect();
                prop_assert_eq!(decoded, params);
            }
            Err(error) => assert_names_a_field(&error)?,
        }
    }

    #[test]
    fn query_bodies_validate_their_options(
        requests in site_requests(),
        catalogue in prop::option::of(text_or(&["Patients", " "])),
        max_time_in_queue_ms in prop::option::of(js_number()),
        name in text_or(&["daily", " "]),
        frequency_s in js_number(),
        duration_s in js_number(),
    ) {
        let command = SqlCommand::reader("SELECT 1").unwrap();
        let options = QueryOptions { catalogue, max_time_in_queue_ms };
        for result in [
            requests.immediate_query(&command, &options),
            requests.async_query(&command, &options),
        ] {
            match result {
                Ok(spec) => {
                    assert_confined(&spec, 2, None)?;
                    let body: serde_json::Value = serde_json::from_str(&spec.body.unwrap().text).unwrap();
                    prop_assert_eq!(body["catalogue"].as_str(), options.catalogue.as_deref());
                }
                Err(error) => assert_names_a_field(&error)?,
            }
        }
        match Registration::new(&name, command, frequency_s, duration_s) {
            Ok(registration) => {
                let spec = requests.create_registered_query(&registration).unwrap();
                assert_confined(&spec, 2, None)?;
                let body: serde_json::Value = serde_json::from_str(&spec.body.unwrap().text).unwrap();
                prop_assert_eq!(body["name"].as_str(), Some(name.as_str()));
            }
            Err(error) => assert_names_a_field(&error)?,
        }
    }

    #[test]
    fn integrator_requests_carry_their_inputs_only_as_form_values(
        base in prop::sample::select(BASE_URLS),
        pms_id in text_or(&["12345", " 12345 "]),
        pms_name in prop::sample::select(&[PmsName::BestPractice, PmsName::Zedmed, PmsName::D4w][..]),
        pairing_code in prop::option::of(text_or(&["ABC-123", " "])),
        site in uuid(),
        device in secret_value(),
    ) {
        let requests = IntegratorRequests::new(Endpoint::from_parts(None, Some(base), None).unwrap());
        let site = SiteId::parse(&site).unwrap();
        let device = DeviceId::parse(&device, false).unwrap();
        let token = requests.issue_device_token(&site, &device, GrantType::Device);
        let form: Vec<(String, String)> =
            url::form_urlencoded::parse(token.body.as_ref().unwrap().text.as_bytes()).into_owned().collect();
        prop_assert_eq!(form[1].1.as_str(), device.expose());
        let shown = format!("{token:?}");
        prop_assert!(!shown.contains(device.expose()), "Debug hides the body: {}", shown);
        let get_site = Url::parse(&requests.get_site(&site).url).unwrap();
        let site_path = format!("/integrator/sites/{site}");
        prop_assert!(get_site.path().ends_with(&site_path), "{}", get_site);
        let pms_id = match PmsId::parse(&pms_id) {
            Ok(id) => id,
            Err(error) => return assert_names_a_field(&error),
        };
        let find = Url::parse(&requests.find_sites(&pms_id, pms_name).url).unwrap();
        prop_assert!(find.path().ends_with("/integrator/sites"));
        let query: Vec<(String, String)> = find.query_pairs().into_owned().collect();
        prop_assert_eq!(query[0].1.as_str(), pms_id.as_str());
        match requests.pair_site(&pms_id, pms_name, pairing_code.as_deref()) {
            Ok(spec) => {
                let url = Url::parse(&spec.url).unwrap();
                prop_assert!(url.path().ends_with("/integrator/pair-site"));
                prop_assert_eq!(url.fragment(), None);
                let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
                prop_assert_eq!(query[0].1.as_str(), pms_id.as_str());
                prop_assert_eq!(query[1].1.as_str(), pms_name.as_str());
                if let Some(code) = query.get(2) {
                    prop_assert_eq!(Some(code.1.as_str()), pairing_code.as_deref().map(str::trim));
                }
            }
            Err(error) => assert_names_a_field(&error)?,
        }
    }
}

/// A path assembled from FHIR-like and hostile segments.
fn fhir_path() -> impl Strategy<Value = String> {
    let segment = text_or(&[
        "Patient",
        "1",
        "$summary",
        "$find",
        "Encounter",
        "_history",
        "..",
        ".",
        "%2e%2e",
        "",
        "a?b",
        "a#b",
        "a\\b",
        "metadata",
    ]);
    prop_oneof![
        prop::collection::vec(segment, 1..8).prop_map(|s| s.join("/")),
        text(),
    ]
}

proptest! {
    #![proptest_config(support::config())]

    #[test]
    fn fhir_paths_stay_below_the_fhir_base(
        requests in site_requests(),
        path in fhir_path(),
        params in params(),
    ) {
        match requests.fhir_get(&path, &params) {
            Ok(spec) => {
                let form = form_encode(&params);
                let query = (!form.is_empty()).then_some(form.as_str());
                assert_confined(&spec, 2 + path.split('/').count(), query)?;
                let below = format!("/fhir/R4/{path}");
                prop_assert!(spec.path.ends_with(&below), "{}", spec.path);
            }
            Err(error) => assert_names_a_field(&error)?,
        }
    }

    #[test]
    fn next_links_are_followed_only_below_the_same_fhir_base(
        requests in site_requests(),
        other in site_requests(),
        same_base in any::<bool>(),
        tail in prop_oneof![
            fhir_path().prop_map(|p| format!("/{p}")),
            text(),
            text_or(&["", "?_getpages=x", "/Patient?a=1&b=%2F", "@evil.test/", "/../x", "#f"]),
        ],
    ) {
        let base_of = |r: &SiteRequests| {
            r.fhir_capabilities().url.trim_end_matches("/metadata").to_owned()
        };
        let base = base_of(if same_base { &requests } else { &other });
        let link = format!("{base}{tail}");
        let own_base = base_of(&requests);
        match requests.fhir_next_page(&link) {
            Ok(spec) => {
                let url = Url::parse(&spec.url)
                    .map_err(|e| TestCaseError::fail(format!("{e}: {}", spec.url)))?;
                let expected = Url::parse(&own_base).unwrap();
                prop_assert_eq!(url.origin(), expected.origin());
                prop_assert_eq!((url.username(), url.password()), ("", None));
                prop_assert!(url.path().starts_with(expected.path()), "{}", spec.url);
                prop_assert!(spec.url.starts_with(&own_base));
                prop_assert_eq!(url.fragment(), None);
                prop_assert!(!spec.path.contains('?'));
                prop_assert!(spec.path.split('/').all(|s| s != "." && s != ".."));
            }
            Err(error) => prop_assert_eq!(error.kind, ErrorKind::Protocol),
        }
    }
}
