//! Practice management systems (PMS) and their ids: how an integrator names a
//! practice before it knows the practice's Halo GUID.

use super::text::single_line_text;
use crate::core::error::HaloError;
use core::fmt;

/// PMS ids this long are already suspicious; Halo documents no limit.
pub const MAX_PMS_ID_CHARS: usize = 128;

/// The practice management systems Halo Cloud supports, as the Integrator
/// API names them.
///
/// @example
/// const sites = await integrator.findSites({ pmsId: "ZM-4417", pmsName: "Zedmed" });
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PmsName {
    /// Bp Premier; its PMS ID is the Bp Site ID, and pairing needs a code.
    #[cfg_attr(test, ts(rename = "Best Practice"))]
    BestPractice,
    /// Zedmed; its PMS ID is the Zedmed Database ID.
    Zedmed,
    /// Dental4Windows, D4W Cloud and Dental4Web; the PMS ID is the Centaur CRN.
    D4w,
}

const ALL: [PmsName; 3] = [PmsName::BestPractice, PmsName::Zedmed, PmsName::D4w];

impl PmsName {
    /// The `practiceManagementName` value on the wire, e.g. `Best Practice`.
    pub fn as_str(self) -> &'static str {
        match self {
            PmsName::BestPractice => "Best Practice",
            PmsName::Zedmed => "Zedmed",
            PmsName::D4w => "D4w",
        }
    }

    /// The Site object's `pmsType` spelling, e.g. `BestPractice`.
    pub fn pms_type(self) -> &'static str {
        match self {
            PmsName::BestPractice => "BestPractice",
            PmsName::Zedmed => "Zedmed",
            PmsName::D4w => "D4w",
        }
    }

    /// Parses the exact wire value: the API matches it as given, so a
    /// near miss such as `BestPractice` or `best practice` is refused here
    /// rather than by Halo Cloud.
    pub fn parse(value: &str) -> Result<Self, HaloError> {
        ALL.into_iter()
            .find(|name| name.as_str() == value)
            .ok_or_else(|| {
                HaloError::validation(
                    "pmsName",
                    format!(
                        "pmsName must be \"Best Practice\", \"Zedmed\" or \"D4w\"; got \"{value}\""
                    ),
                )
            })
    }

    /// Reads a name Halo Cloud reported in either spelling (`practiceManagementName`
    /// or `pmsType`); `None` for a value the API does not document.
    pub fn from_reported(value: &str) -> Option<Self> {
        ALL.into_iter()
            .find(|name| name.as_str() == value || name.pms_type() == value)
    }
}

impl fmt::Display for PmsName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A practice's id in its PMS (`practiceManagementSiteId`). Not a secret:
/// practices read it out to integrators. On stage, Halo Link makes up one
/// from the first 8 characters of the Halo GUID; that is an ordinary PMS ID.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PmsId(String);

impl PmsId {
    /// Trims the value, then requires 1 to 128 characters without control
    /// characters (it travels in a query string and appears in messages).
    pub fn parse(value: &str) -> Result<Self, HaloError> {
        single_line_text("pmsId", value, MAX_PMS_ID_CHARS).map(|id| Self(id.to_owned()))
    }

    /// The id as Halo Cloud expects it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PmsId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::error::ErrorKind;

    #[test]
    fn pms_names_parse_only_their_exact_wire_values() {
        assert_eq!(
            PmsName::parse("Best Practice").unwrap(),
            PmsName::BestPractice
        );
        assert_eq!(PmsName::parse("Zedmed").unwrap(), PmsName::Zedmed);
        assert_eq!(PmsName::parse("D4w").unwrap(), PmsName::D4w);
        for bad in [
            "",
            "BestPractice",
            "best practice",
            "D4W",
            " Zedmed",
            "Medical Director",
        ] {
            let error = PmsName::parse(bad).unwrap_err();
            assert_eq!(error.kind, ErrorKind::Validation, "{bad:?}");
            assert_eq!(error.field.as_deref(), Some("pmsName"));
            for listed in ["\"Best Practice\"", "\"Zedmed\"", "\"D4w\""] {
                assert!(error.message.contains(listed), "{}", error.message);
            }
        }
    }

    #[test]
    fn reported_names_are_read_in_both_spellings() {
        assert_eq!(
            PmsName::from_reported("BestPractice"),
            Some(PmsName::BestPractice)
        );
        assert_eq!(
            PmsName::from_reported("Best Practice"),
            Some(PmsName::BestPractice)
        );
        assert_eq!(PmsName::from_reported("D4w"), Some(PmsName::D4w));
        assert_eq!(PmsName::from_reported("Other"), None);
        assert_eq!(PmsName::Zedmed.to_string(), "Zedmed");
    }

    #[test]
    fn pms_ids_are_trimmed_and_may_be_staging_fakes() {
        assert_eq!(PmsId::parse(" 12345 ").unwrap().as_str(), "12345");
        // Halo Link's stage stand-in: the first 8 characters of the Halo GUID.
        assert_eq!(PmsId::parse("3f2504e0").unwrap().to_string(), "3f2504e0");
        assert!(PmsId::parse("CRN-Ünïcødé 7").is_ok());
        assert!(PmsId::parse(&"é".repeat(MAX_PMS_ID_CHARS)).is_ok());
    }

    #[test]
    fn bad_pms_ids_name_the_field() {
        for (bad, why) in [
            ("", "required"),
            ("   ", "required"),
            ("12\n34", "control"),
            ("12\u{7f}34", "control"),
            (&"x".repeat(MAX_PMS_ID_CHARS + 1), "at most 128"),
        ] {
            let error = PmsId::parse(bad).unwrap_err();
            assert_eq!(error.field.as_deref(), Some("pmsId"), "{bad:?}");
            assert!(error.message.contains(why), "{}", error.message);
        }
    }
}
