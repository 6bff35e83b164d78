//! Identifiers: Halo GUIDs (site and query ids) and device ids.

use super::error::HaloError;
use super::header_value::is_plain_header_value;
use super::secret::Secret;
use core::fmt;

/// Device ids shorter than this are guessable enough to refuse by default.
pub const MIN_STRONG_DEVICE_ID_LEN: usize = 16;
/// Headers this long are already suspicious; Halo documents no limit.
pub const MAX_DEVICE_ID_LEN: usize = 256;

/// Whether `value` is a hyphenated 8-4-4-4-12 hexadecimal UUID.
pub fn is_uuid(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// A practice database's Halo GUID, which routes every query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteId(String);

impl SiteId {
    /// Accepts only the hyphenated UUID form, in either case; stores it lower-cased.
    pub fn parse(value: &str) -> Result<Self, HaloError> {
        if is_uuid(value) {
            Ok(Self(value.to_ascii_lowercase()))
        } else {
            Err(HaloError::validation(
                "siteId",
                "siteId must be a Halo GUID (a UUID such as 3f2504e0-4f89-41d3-9a0c-0305e82c3301)",
            ))
        }
    }

    /// Lower-case, as it goes into every `/sites/{siteId}/…` path.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SiteId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The id Halo gives an immediate, async or registered query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryId(String);

impl QueryId {
    /// Accepts only the hyphenated UUID form; `field` names the argument in the error.
    pub fn parse(field: &str, value: &str) -> Result<Self, HaloError> {
        if is_uuid(value) {
            Ok(Self(value.to_ascii_lowercase()))
        } else {
            Err(HaloError::validation(
                field,
                format!("{field} must be a query id (a UUID)"),
            ))
        }
    }

    /// Lower-case, as it goes into `/queries/{queryId}/…` paths.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The integrator's identifier for one device. Treated as a secret: together
/// with a token it authenticates the device, so it never appears in messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceId(Secret);

impl DeviceId {
    /// Halo asks integrators to avoid "enumerable or easily guessable" device
    /// ids; we refuse all-digit ids and short ids unless `allow_weak` is set.
    pub fn parse(value: &str, allow_weak: bool) -> Result<Self, HaloError> {
        let reject = |why: &str| Err(HaloError::validation("deviceId", format!("deviceId {why}")));
        if value.is_empty() {
            return reject("is required");
        }
        if value.len() > MAX_DEVICE_ID_LEN {
            return reject("must be at most 256 characters");
        }
        // It travels as an HTTP header value: visible ASCII only.
        if !is_plain_header_value(value) {
            return reject("may contain only visible ASCII characters (no spaces)");
        }
        if !allow_weak {
            if value.bytes().all(|b| b.is_ascii_digit()) {
                return reject("is all digits, which is guessable; use generateDeviceId() or pass allowWeakDeviceId: true");
            }
            if value.len() < MIN_STRONG_DEVICE_ID_LEN {
                return reject("is shorter than 16 characters, which is guessable; use generateDeviceId() or pass allowWeakDeviceId: true");
            }
        }
        Ok(Self(Secret::new(value)))
    }

    /// The raw id, for the `DeviceId` header only; never put it in a message or log.
    pub fn expose(&self) -> &str {
        self.0.expose()
    }
}

/// Formats 16 random bytes as a device id: 32 lowercase hex characters.
/// The randomness comes from the host (`crypto.getRandomValues`).
pub fn format_device_id(random: &[u8; 16]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(32);
    for byte in random {
        out.push(HEX[usize::from(byte >> 4)] as char);
        out.push(HEX[usize::from(byte & 0x0f)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::error::ErrorKind;

    #[test]
    fn site_ids_must_be_hyphenated_uuids() {
        assert!(SiteId::parse("3F2504E0-4F89-41D3-9A0C-0305E82C3301").is_ok());
        for bad in [
            "",
            "3f2504e04f8941d39a0c0305e82c3301",
            "3f2504e0-4f89-41d3-9a0c-0305e82c330",
            "3f2504e0-4f89-41d3-9a0c-0305e82c330g",
            "3f2504e0/4f89-41d3-9a0c-0305e82c3301",
            "../../integrator/token-0305e82c33011",
        ] {
            let error = SiteId::parse(bad).unwrap_err();
            assert_eq!(error.kind, ErrorKind::Validation, "{bad}");
            assert_eq!(error.field.as_deref(), Some("siteId"));
        }
    }

    #[test]
    fn site_ids_are_normalised_to_lowercase() {
        let id = SiteId::parse("3F2504E0-4F89-41D3-9A0C-0305E82C3301").unwrap();
        assert_eq!(id.as_str(), "3f2504e0-4f89-41d3-9a0c-0305e82c3301");
    }

    #[test]
    fn weak_device_ids_are_refused_unless_allowed() {
        for weak in ["12345678901234567890", "short-id"] {
            let error = DeviceId::parse(weak, false).unwrap_err();
            assert_eq!(error.field.as_deref(), Some("deviceId"));
            assert!(error.message.contains("allowWeakDeviceId"));
            assert!(!error.message.contains(weak), "the id itself is not echoed");
            assert!(DeviceId::parse(weak, true).is_ok());
        }
    }

    #[test]
    fn device_ids_must_be_header_safe_even_when_weak_ids_are_allowed() {
        for bad in [
            "",
            "has space in it!!",
            "line\nbreak-device-id",
            "ünïcødé-device-id",
        ] {
            assert!(DeviceId::parse(bad, true).is_err(), "{bad:?}");
        }
        assert!(DeviceId::parse(&"x".repeat(257), true).is_err());
    }

    #[test]
    fn device_id_debug_is_redacted() {
        let id = DeviceId::parse("workstation-7f3a9c21d4e5", false).unwrap();
        assert!(!format!("{id:?}").contains("7f3a9c"));
    }

    #[test]
    fn generated_device_ids_are_32_hex_characters_and_strong() {
        let id = format_device_id(&[0xab; 16]);
        assert_eq!(id, "ab".repeat(16));
        assert!(DeviceId::parse(&id, false).is_ok());
    }
}
