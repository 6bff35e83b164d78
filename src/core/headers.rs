//! The headers that authenticate a Device API call. This is the only place
//! the token and the device id are turned into text that leaves the client.

use super::ids::DeviceId;
use super::secret::Secret;

/// Carries `Bearer <access token>` on every Device API call but the token call.
pub const AUTHORIZATION: &str = "Authorization";
/// Halo's `DeviceIdHeader` scheme: the device id, spelled exactly so.
pub const DEVICE_ID: &str = "DeviceId";
/// Sent only with a body: JSON for queries, form-encoded for the token and FHIR `_search` calls.
pub const CONTENT_TYPE: &str = "Content-Type";
/// Always `application/json`: every answer the client reads is JSON.
pub const ACCEPT: &str = "Accept";

/// `Authorization: Bearer <token>` and `DeviceId: <device id>`.
pub fn auth_headers(token: &Secret, device_id: &DeviceId) -> [(&'static str, String); 2] {
    [
        (AUTHORIZATION, format!("Bearer {}", token.expose())),
        (DEVICE_ID, device_id.expose().to_owned()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_token_and_device_id_headers() {
        let device = DeviceId::parse("device-0123456789abcdef", false).unwrap();
        let headers = auth_headers(&Secret::new("tok"), &device);
        assert_eq!(headers[0], ("Authorization", "Bearer tok".to_owned()));
        assert_eq!(
            headers[1],
            ("DeviceId", "device-0123456789abcdef".to_owned())
        );
    }
}
