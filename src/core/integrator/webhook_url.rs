//! The integrator's webhook URL template: one URL per integrator and
//! environment, with `{siteId}`, `{queryId}` and `{source}` filled in per
//! delivery. Expanding it shows which URL a given notification goes to.

use crate::core::encoding::push_percent_escape;
use crate::core::error::HaloError;

/// The placeholders Halo documents.
pub const PLACEHOLDERS: [&str; 3] = ["{siteId}", "{queryId}", "{source}"];

/// Fills in the template. Values are percent-encoded (RFC 3986 unreserved
/// characters kept) so that no value can add a path segment, a query or a
/// fragment. Any other `{…}` or a lone brace is refused: a typo such as
/// `{siteID}` would otherwise reach Halo's support as a literal URL.
#[expect(
    clippy::string_slice,
    reason = "integrator only: no device export reaches it; every index is a brace `find` returned or one past it, so a char boundary"
)]
pub fn expand_webhook_url(
    template: &str,
    site_id: &str,
    query_id: &str,
    source: &str,
) -> Result<String, HaloError> {
    if template.trim().is_empty() {
        return Err(HaloError::validation(
            "template",
            "template is required: the webhook URL, e.g. https://example.com/webhooks/{siteId}",
        ));
    }
    let invalid = |message: String| HaloError::validation("template", message);
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(brace) = rest.find(['{', '}']) {
        out.push_str(&rest[..brace]);
        let tail = &rest[brace..];
        let Some(opened) = tail.strip_prefix('{') else {
            return Err(invalid(format!(
                "template has a '}}' without a matching '{{' at \"{tail}\""
            )));
        };
        let end = opened.find(['{', '}']).unwrap_or(opened.len());
        if !opened[end..].starts_with('}') {
            return Err(invalid(format!(
                "template has an unclosed placeholder \"{}\"",
                &tail[..=end]
            )));
        }
        let value = match &opened[..end] {
            "siteId" => site_id,
            "queryId" => query_id,
            "source" => source,
            other => {
                return Err(invalid(format!(
                    "template has an unknown placeholder {{{other}}}; use {}",
                    PLACEHOLDERS.join(", ")
                )))
            }
        };
        push_percent_encoded(&mut out, value);
        rest = &opened[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// RFC 3986 §2.3: keeps `A-Z a-z 0-9 - . _ ~`, encodes every other byte.
/// Not `form_encode`: that one turns spaces into `+`, which means a space
/// only in a query string.
fn push_percent_encoded(out: &mut String, value: &str) {
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            push_percent_escape(out, byte);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SITE: &str = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
    const QUERY: &str = "0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d";

    #[test]
    fn every_placeholder_is_filled_in_wherever_it_appears() {
        let url = expand_webhook_url(
            "https://example.com/hooks/{siteId}/{source}?q={queryId}&again={siteId}",
            SITE,
            QUERY,
            "async",
        )
        .unwrap();
        assert_eq!(
            url,
            format!("https://example.com/hooks/{SITE}/async?q={QUERY}&again={SITE}")
        );
    }

    #[test]
    fn a_template_without_placeholders_is_kept_as_is() {
        let url = expand_webhook_url("myintegration.com/webhooks", SITE, QUERY, "registered");
        assert_eq!(url.unwrap(), "myintegration.com/webhooks");
    }

    #[test]
    fn the_documented_example_expands() {
        let url = expand_webhook_url(
            "myintegration.com/webhooks/{siteId}",
            "12345",
            QUERY,
            "async",
        );
        assert_eq!(url.unwrap(), "myintegration.com/webhooks/12345");
    }

    #[test]
    fn values_cannot_escape_their_segment() {
        let url = expand_webhook_url(
            "https://h/{siteId}/{source}",
            "../a b/c?d#e&f+g",
            QUERY,
            "ü~",
        )
        .unwrap();
        assert_eq!(url, "https://h/..%2Fa%20b%2Fc%3Fd%23e%26f%2Bg/%C3%BC~");
    }

    #[test]
    fn unknown_placeholders_are_named() {
        for (template, named) in [
            ("https://h/{siteID}", "{siteID}"),
            ("https://h/{}", "{}"),
            ("https://h/{query id}", "{query id}"),
        ] {
            let error = expand_webhook_url(template, SITE, QUERY, "async").unwrap_err();
            assert_eq!(error.field.as_deref(), Some("template"));
            assert!(error.message.contains(named), "{}", error.message);
            assert!(error.message.contains("{siteId}, {queryId}, {source}"));
        }
    }

    #[test]
    fn unbalanced_braces_are_refused() {
        for (template, shown) in [
            ("https://h/{siteId", "\"{siteId\""),
            ("https://h/{site{queryId}", "\"{site\""),
            ("https://h/siteId}", "\"}\""),
            ("https://h/{siteId}}", "\"}\""),
            ("https://h/{", "\"{\""),
        ] {
            let error = expand_webhook_url(template, SITE, QUERY, "async").unwrap_err();
            assert_eq!(error.field.as_deref(), Some("template"), "{template}");
            assert!(
                error.message.contains(shown),
                "{template}: {}",
                error.message
            );
        }
    }

    #[test]
    fn an_empty_template_is_refused() {
        let error = expand_webhook_url(" ", SITE, QUERY, "async").unwrap_err();
        assert_eq!(error.field.as_deref(), Some("template"));
    }
}
