//! What may follow a site's FHIR base (`…/sites/{siteId}/fhir/R4/`): the
//! one rule for the paths a caller names (reads, compartments, operations)
//! and for the `next` links a server hands back. A path is segments that
//! cannot leave their place: no empty, dot or percent-encoded segment, no
//! query, fragment or backslash, so URL parsers cannot rewrite it.

use super::chars::is;
use super::error::{ErrorKind, HaloError};
use super::limits::MAX_FHIR_SEARCH_QUERY_BYTES;

/// The most segments a path may have (`Patient/1/_history/2` has four).
pub const MAX_FHIR_PATH_SEGMENTS: usize = 6;
const MAX_SEGMENT_BYTES: usize = 64;

/// `[A-Z][A-Za-z0-9]*`, as FHIR names resource types (`Patient`).
pub fn is_resource_type(value: &str) -> bool {
    value.len() <= MAX_SEGMENT_BYTES
        && value.starts_with(|c: char| c.is_ascii_uppercase())
        && value.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A FHIR id, `[A-Za-z0-9\-.]{1,64}`; `.` and `..` alone would walk the path.
pub fn is_id(value: &str) -> bool {
    (1..=MAX_SEGMENT_BYTES).contains(&value.len())
        && value != "."
        && value != ".."
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

/// An operation, `$` and a name: `$summary`, `$everything`, `$find`.
fn is_operation(value: &str) -> bool {
    value.strip_prefix('$').is_some_and(|name| {
        name.len() < MAX_SEGMENT_BYTES
            && name.starts_with(|c: char| c.is_ascii_alphabetic())
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    })
}

/// Whether `path` (below the FHIR base, no leading `/`) is a FHIR path:
/// `metadata`, a resource type or an operation first, then ids (which
/// include compartment types), operations or `_history`.
pub fn is_path(path: &str) -> bool {
    let mut segments = path.split(is('/'));
    let first_ok = segments
        .next()
        .is_some_and(|first| first == "metadata" || is_resource_type(first) || is_operation(first));
    first_ok
        && path.split(is('/')).count() <= MAX_FHIR_PATH_SEGMENTS
        && segments.all(|s| is_id(s) || is_operation(s) || s == "_history")
}

/// `path` checked as a caller's argument (`field`), or a validation error.
pub fn path(field: &str, path: &str) -> Result<(), HaloError> {
    if is_path(path) {
        Ok(())
    } else {
        Err(HaloError::validation(
            field,
            "path must be a FHIR path such as Patient/1/$summary: no empty, '.' or '..' segment, no '%', '?' or '#'",
        ))
    }
}

/// The part of a `next` link below the site's FHIR base `fhir_base`
/// (`{baseUrl}{prefix}/sites/{siteId}/fhir/R4`, no trailing slash): the
/// path tail (empty, or `/` and a FHIR path) and the query, so the request
/// is rebuilt on the client's own base. A link is server data: anything
/// that could reach another origin, site, door or path (userinfo, another
/// scheme or port, dot or encoded segments, a fragment, unprintable
/// characters) is a protocol error that never quotes the link, whose query
/// may name a patient.
pub fn next_link<'a>(fhir_base: &str, link: &'a str) -> Result<(&'a str, &'a str), HaloError> {
    let refuse = |why: &'static str| HaloError::new(ErrorKind::Protocol, why);
    let plain = link.len() <= fhir_base.len() + MAX_FHIR_SEARCH_QUERY_BYTES
        && link
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'#' && b != b'\\');
    if !plain {
        return Err(refuse(
            "the FHIR Bundle's next link was not followed: too long, or characters a URL parser rewrites",
        ));
    }
    // Case-blind: the request goes to the client's own spelling of the base.
    let rest = link
        .get(..fhir_base.len())
        .filter(|start| start.eq_ignore_ascii_case(fhir_base))
        .and_then(|_| link.get(fhir_base.len()..))
        .filter(|rest| rest.is_empty() || rest.starts_with(['/', '?']))
        .ok_or_else(|| {
            refuse("the FHIR Bundle's next link was not followed: it leaves this site's FHIR base")
        })?;
    let (tail, query) = rest.split_once(is('?')).unwrap_or((rest, ""));
    let below = tail.strip_prefix('/').unwrap_or(tail);
    if !(below.is_empty() || is_path(below)) {
        return Err(refuse(
            "the FHIR Bundle's next link was not followed: it names no FHIR path",
        ));
    }
    let tail = if below.is_empty() { "" } else { tail };
    Ok((tail, query))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str =
        "http://127.0.0.1:4010/desktop/sites/3f2504e0-4f89-41d3-9a0c-0305e82c3301/fhir/R4";

    #[test]
    fn reads_compartments_and_operations_are_paths() {
        for good in [
            "metadata",
            "Patient",
            "Patient/1",
            "Patient/1/$summary",
            "Patient/1/$everything",
            "Appointment/$find",
            "Patient/1/Encounter",
            "Patient/a-b.c/_history/2",
            "$export",
        ] {
            assert!(is_path(good), "{good}");
        }
    }

    #[test]
    fn traversal_and_anything_a_parser_rewrites_are_refused() {
        for bad in [
            "",
            "/Patient",
            "Patient/",
            "Patient//1",
            "../integrator/token",
            "Patient/../../integrator/token",
            "Patient/1/..",
            "Patient/./1",
            "Patient/%2e%2e",
            "Patient/%2E%2E/x",
            "Patient/1?x=1",
            "Patient/1#x",
            "Patient\\..\\x",
            "patient/1",
            "Patient/1 2",
            "Patient/$",
            "Patient/$sum mary",
            "Patient/$1",
            "Patient/1/Encounter/2/x/y/z",
            "Patient/ü",
            "metadata/..",
        ] {
            assert!(!is_path(bad), "{bad}");
            let error = path("path", bad).unwrap_err();
            assert_eq!(error.field.as_deref(), Some("path"));
        }
        let long = format!("Patient/{}", "1".repeat(65));
        assert!(!is_path(&long));
    }

    #[test]
    fn a_next_link_below_the_same_fhir_base_is_followed() {
        let link = format!("{BASE}/Patient?family=Smith&_getpagesoffset=10");
        assert_eq!(
            next_link(BASE, &link).unwrap(),
            ("/Patient", "family=Smith&_getpagesoffset=10")
        );
        let hapi = format!("{BASE}?_getpages=abc&_getpagesoffset=20");
        assert_eq!(
            next_link(BASE, &hapi).unwrap(),
            ("", "_getpages=abc&_getpagesoffset=20")
        );
        let upper = format!("HTTP://127.0.0.1:4010{}", &BASE[21..]).replace("3f25", "3F25");
        assert_eq!(next_link(BASE, &upper).unwrap(), ("", ""));
        assert_eq!(next_link(BASE, &format!("{BASE}/")).unwrap(), ("", ""));
    }

    #[test]
    fn a_next_link_anywhere_else_is_a_protocol_error_that_quotes_nothing() {
        let other_site = BASE.replace("3f2504e0", "6f9619ff");
        let other_door = BASE.replace("/desktop/", "/integrator/");
        for bad in [
            "https://evil.test/desktop/sites/3f2504e0-4f89-41d3-9a0c-0305e82c3301/fhir/R4/Patient?family=Smith".to_owned(),
            BASE.replace("http://", "https://"),
            BASE.replace("http://", "http://user:pw@"),
            BASE.replace(":4010", ":4011"),
            BASE.replace(":4010", ":4010@evil.test"),
            BASE.replace(":4010", ":40100"),
            format!("{other_site}/Patient?family=Smith"),
            format!("{other_door}/Patient?family=Smith"),
            format!("{BASE}/../../../integrator/token?family=Smith"),
            format!("{BASE}/Patient/%2e%2e/%2e%2e?family=Smith"),
            format!("{BASE}/Patient/./x?family=Smith"),
            format!("{BASE}//evil.test/x?family=Smith"),
            format!("{BASE}\\..\\x?family=Smith"),
            format!("{BASE}/Patient?family=Smith#x"),
            format!("{BASE}/Patient?family=Sm ith"),
            format!("{BASE}x/Patient?family=Smith"),
            format!("{BASE}/Patient?{}", "x".repeat(MAX_FHIR_SEARCH_QUERY_BYTES + 1)),
            "javascript:alert(1)//?family=Smith".to_owned(),
            "/desktop/sites/3f2504e0-4f89-41d3-9a0c-0305e82c3301/fhir/R4/Patient?family=Smith".to_owned(),
            String::new(),
        ] {
            let error = next_link(BASE, &bad).unwrap_err();
            assert_eq!(error.kind, ErrorKind::Protocol, "{bad}");
            assert!(!error.message.contains("Smith"), "{}", error.message);
            assert!(!error.message.contains("evil"), "{}", error.message);
        }
    }
}
