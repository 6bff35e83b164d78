//! Resolving a practice's Halo GUID from its PMS ID, and noticing when the
//! practice behind a GUID is no longer the one the integrator onboarded.
//!
//! Halo's "Fetching a Halo GUID" steps: trade the PMS ID for sites, take the
//! authoritative one, check the secondary identifiers recorded at onboarding.
//! When a device call gets a 403, do the same from the stored PMS ID and see
//! whether the GUID moved (server migration) or the practice changed (split,
//! merger).

use super::pms::{PmsId, PmsName};
use super::responses::Site;
use crate::core::error::{ErrorKind, HaloError};
use crate::core::ids::SiteId;

/// Picks the site queries are routed to among those `find_sites` returned.
///
/// `pms_id` and `pms_name` are the ones the sites were looked up with; they
/// only make the messages useful.
pub fn choose_authoritative(
    sites: Vec<Site>,
    pms_id: &PmsId,
    pms_name: PmsName,
) -> Result<Site, HaloError> {
    if sites.is_empty() {
        return Err(HaloError::new(
            ErrorKind::NotFound,
            format!("no site for PMS ID {pms_id} ({pms_name}) (is Halo Link installed and the practice paired?)"),
        ));
    }
    let total = sites.len();
    let mut authoritative: Vec<Site> = sites.into_iter().filter(Site::is_authoritative).collect();
    match authoritative.len() {
        0 => Err(HaloError::new(
            ErrorKind::Forbidden,
            format!(
                "PMS ID {pms_id} ({pms_name}) has {total} site(s) but none is authoritative; Halo Cloud sends queries only to the authoritative site (the others are backups, test copies or servers mid-migration): ask the practice which server is live, or Halo Connect support"
            ),
        )),
        1 => {
            let site = authoritative.remove(0);
            // Callers route by its GUID next; a site without one is no answer.
            site.site_id()?;
            Ok(site)
        }
        many => Err(HaloError::new(
            ErrorKind::Protocol,
            format!("Halo Cloud returned {many} authoritative sites for PMS ID {pms_id} ({pms_name}); there should be exactly one"),
        )),
    }
}

/// What an integrator records about a practice at onboarding, besides its
/// PMS ID, to recognise the same practice later. `None` means not recorded,
/// and is not checked.
///
/// @example
/// const recorded: SecondaryIdentifiers = { practiceName: "Halo Clinic North", practiceManagementVersion: "1.13.2.948" };
/// const { siteId } = await integrator.resolveSite({ pmsId: "12345", pmsName: "Best Practice", expect: recorded });
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all = "camelCase", optional_fields))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecondaryIdentifiers {
    /// The PMS the practice uses (JavaScript passes it beside these, as `pmsName`).
    #[cfg_attr(test, ts(skip))]
    pub pms_name: PmsName,
    /// The practice's business name as its database has it.
    pub practice_name: Option<String>,
    /// The PMS version. It changes on every PMS upgrade, so record it only
    /// to notice upgrades too.
    pub practice_management_version: Option<String>,
}

/// One recorded identifier that the site does not report the same way.
struct Mismatch {
    /// The identifier's API name, e.g. `practiceName`.
    identifier: &'static str,
    expected: String,
    actual: Option<String>,
}

/// Compares trimmed, case-insensitively: `HALO CLINIC ` is `Halo Clinic`.
/// An identifier the site does not report at all counts as a mismatch: the
/// practice can no longer be recognised by it.
fn mismatches(site: &Site, expected: &SecondaryIdentifiers) -> Vec<Mismatch> {
    let mut found = Vec::new();
    let reported_pms = site.reported_pms_name();
    if reported_pms.and_then(PmsName::from_reported) != Some(expected.pms_name) {
        found.push(Mismatch {
            identifier: "pmsName",
            expected: expected.pms_name.as_str().to_owned(),
            actual: reported_pms.map(str::to_owned),
        });
    }
    let texts = [
        (
            "practiceName",
            &expected.practice_name,
            site.practice_name(),
        ),
        (
            "practiceManagementVersion",
            &expected.practice_management_version,
            site.practice_management_version(),
        ),
    ];
    for (identifier, expected, actual) in texts {
        if let Some(expected) = expected {
            if !actual.is_some_and(|actual| same_text(actual, expected)) {
                found.push(Mismatch {
                    identifier,
                    expected: expected.clone(),
                    actual: actual.map(str::to_owned),
                });
            }
        }
    }
    found
}

fn same_text(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// Checks the site is the practice the integrator onboarded.
///
/// A mismatch is a validation error: the recorded identifiers (the caller's
/// input) no longer describe this site. Its `field` names the first
/// mismatched identifier and the message lists every one with both values;
/// practice names are not secrets.
pub fn check_secondary(site: &Site, expected: &SecondaryIdentifiers) -> Result<(), HaloError> {
    let found = mismatches(site, expected);
    let Some(first) = found.first() else {
        return Ok(());
    };
    let details: Vec<String> = found
        .iter()
        .map(|m| {
            let actual = m
                .actual
                .as_deref()
                .map_or_else(|| "nothing".to_owned(), |a| format!("\"{a}\""));
            format!(
                "{} was recorded as \"{}\" but Halo Cloud reports {actual}",
                m.identifier, m.expected
            )
        })
        .collect();
    let site_name = site.id.as_deref().unwrap_or("the site");
    Err(HaloError::validation(
        first.identifier,
        format!(
            "{site_name} does not match the practice recorded at onboarding: {}; the practice may have split or merged, or this is another practice: confirm with the practice before using this Halo GUID",
            details.join("; ")
        ),
    ))
}

/// The outcome of re-resolving a practice's Halo GUID after a 403.
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all = "camelCase"))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuidChange {
    /// The GUID the integrator had stored.
    #[cfg_attr(test, ts(as = "String"))]
    pub old_site_id: SiteId,
    /// The GUID the PMS ID resolves to now.
    #[cfg_attr(test, ts(as = "String"))]
    pub new_site_id: SiteId,
    /// Whether the two differ. When they do not, the 403 had another cause
    /// (IP allowlist, quota) and re-resolving will not help.
    pub changed: bool,
    /// The API names (`pmsName`, `practiceName`, …) of the recorded
    /// identifiers the resolved site no longer matches.
    pub secondary_changed: Vec<String>,
}

impl GuidChange {
    /// A new GUID for what is still recognisably the same practice, e.g.
    /// after a server migration: the stored GUID can be replaced without
    /// asking anyone. Otherwise a person should confirm first.
    pub fn can_switch_automatically(&self) -> bool {
        self.changed && self.secondary_changed.is_empty()
    }
}

/// Compares the stored GUID and recorded identifiers with the site the
/// stored PMS ID resolves to now (see [`choose_authoritative`]). Fails only
/// if the resolved site has no valid GUID.
pub fn detect_guid_change(
    old_site_id: &SiteId,
    recorded: &SecondaryIdentifiers,
    resolved: &Site,
) -> Result<GuidChange, HaloError> {
    let new_site_id = resolved.site_id()?;
    Ok(GuidChange {
        changed: new_site_id != *old_site_id,
        old_site_id: old_site_id.clone(),
        new_site_id,
        secondary_changed: mismatches(resolved, recorded)
            .into_iter()
            .map(|m| m.identifier.to_owned())
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::integrator::responses::PracticeMetadata;

    const OLD: &str = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
    const NEW: &str = "9a7b1c2d-0e1f-4a2b-8c3d-4e5f6a7b8c9d";

    fn site(id: &str, authoritative: Option<bool>) -> Site {
        Site {
            id: Some(id.to_owned()),
            authoritative,
            practice_management_name: Some("Best Practice".to_owned()),
            practice_metadata: Some(PracticeMetadata {
                pms_type: Some("BestPractice".to_owned()),
                practice_name: Some("Halo Clinic South".to_owned()),
                practice_management_site_id: Some("12345".to_owned()),
                practice_management_version: Some("3.4.1".to_owned()),
            }),
            ..Site::default()
        }
    }

    fn pms_id() -> PmsId {
        PmsId::parse("12345").unwrap()
    }

    fn recorded() -> SecondaryIdentifiers {
        SecondaryIdentifiers {
            pms_name: PmsName::BestPractice,
            practice_name: Some("Halo Clinic South".to_owned()),
            practice_management_version: None,
        }
    }

    #[test]
    fn the_authoritative_site_is_chosen() {
        let sites = vec![
            site(NEW, Some(false)),
            site(OLD, Some(true)),
            site(NEW, None),
        ];
        let chosen = choose_authoritative(sites, &pms_id(), PmsName::BestPractice).unwrap();
        assert_eq!(chosen.id.as_deref(), Some(OLD));
    }

    #[test]
    fn no_site_at_all_is_not_found_with_a_hint() {
        let error = choose_authoritative(vec![], &pms_id(), PmsName::BestPractice).unwrap_err();
        assert_eq!(error.kind, ErrorKind::NotFound);
        assert!(error
            .message
            .contains("no site for PMS ID 12345 (Best Practice)"));
        assert!(error
            .message
            .contains("Halo Link installed and the practice paired"));
    }

    #[test]
    fn only_non_authoritative_sites_is_forbidden_and_says_why() {
        let sites = vec![site(OLD, Some(false)), site(NEW, None)];
        let error = choose_authoritative(sites, &pms_id(), PmsName::BestPractice).unwrap_err();
        assert_eq!(error.kind, ErrorKind::Forbidden);
        assert!(error.message.contains("2 site(s)"));
        assert!(error.message.contains("only to the authoritative site"));
    }

    #[test]
    fn several_authoritative_sites_is_a_protocol_error() {
        let sites = vec![site(OLD, Some(true)), site(NEW, Some(true))];
        let error = choose_authoritative(sites, &pms_id(), PmsName::Zedmed).unwrap_err();
        assert_eq!(error.kind, ErrorKind::Protocol);
        assert!(error.message.contains("2 authoritative sites"));
    }

    #[test]
    fn an_authoritative_site_without_a_guid_is_a_protocol_error() {
        let sites = vec![site("not-a-guid", Some(true))];
        let error = choose_authoritative(sites, &pms_id(), PmsName::D4w).unwrap_err();
        assert_eq!(error.kind, ErrorKind::Protocol);
    }

    #[test]
    fn a_staging_fake_pms_id_resolves_like_any_other() {
        let fake = PmsId::parse(&OLD[..8]).unwrap();
        let chosen =
            choose_authoritative(vec![site(OLD, Some(true))], &fake, PmsName::BestPractice);
        assert!(chosen.is_ok());
    }

    #[test]
    fn matching_identifiers_pass_regardless_of_case_and_spacing() {
        let mut expected = recorded();
        expected.practice_name = Some("  HALO clinic south ".to_owned());
        expected.practice_management_version = Some("3.4.1".to_owned());
        assert!(check_secondary(&site(OLD, Some(true)), &expected).is_ok());
        let unrecorded = SecondaryIdentifiers {
            pms_name: PmsName::BestPractice,
            practice_name: None,
            practice_management_version: None,
        };
        assert!(check_secondary(&site(OLD, Some(true)), &unrecorded).is_ok());
    }

    #[test]
    fn pms_names_match_in_either_reported_spelling() {
        let mut only_pms_type = site(OLD, Some(true));
        only_pms_type.practice_management_name = None;
        assert!(check_secondary(&only_pms_type, &recorded()).is_ok());
    }

    #[test]
    fn a_changed_practice_name_names_the_identifier_and_both_values() {
        let mut expected = recorded();
        expected.practice_name = Some("Halo Clinic North".to_owned());
        let error = check_secondary(&site(OLD, Some(true)), &expected).unwrap_err();
        assert_eq!(error.kind, ErrorKind::Validation);
        assert_eq!(error.field.as_deref(), Some("practiceName"));
        assert!(error.message.contains(
            r#"practiceName was recorded as "Halo Clinic North" but Halo Cloud reports "Halo Clinic South""#
        ), "{}", error.message);
        assert!(error.message.contains("split or merged"));
        assert!(error.message.contains(OLD));
    }

    #[test]
    fn every_mismatch_is_listed_and_the_first_is_the_field() {
        let expected = SecondaryIdentifiers {
            pms_name: PmsName::Zedmed,
            practice_name: Some("Other Practice".to_owned()),
            practice_management_version: Some("2.0".to_owned()),
        };
        let error = check_secondary(&site(OLD, Some(true)), &expected).unwrap_err();
        assert_eq!(error.field.as_deref(), Some("pmsName"));
        for part in [
            r#"pmsName was recorded as "Zedmed" but Halo Cloud reports "Best Practice""#,
            "practiceName was recorded as",
            r#"practiceManagementVersion was recorded as "2.0" but Halo Cloud reports "3.4.1""#,
        ] {
            assert!(error.message.contains(part), "{}", error.message);
        }
    }

    #[test]
    fn an_identifier_the_site_no_longer_reports_is_a_mismatch() {
        let bare = Site {
            id: Some(OLD.to_owned()),
            ..Site::default()
        };
        let error = check_secondary(&bare, &recorded()).unwrap_err();
        assert_eq!(error.field.as_deref(), Some("pmsName"));
        assert!(error.message.contains("Halo Cloud reports nothing"));
        assert!(error.message.contains("practiceName"));
    }

    #[test]
    fn an_unknown_reported_pms_is_a_mismatch() {
        let mut other = site(OLD, Some(true));
        other.practice_management_name = Some("Medical Director".to_owned());
        let error = check_secondary(&other, &recorded()).unwrap_err();
        assert!(error.message.contains("\"Medical Director\""));
    }

    #[test]
    fn a_migrated_practice_can_switch_guid_automatically() {
        let old = SiteId::parse(OLD).unwrap();
        let change = detect_guid_change(&old, &recorded(), &site(NEW, Some(true))).unwrap();
        assert!(change.changed);
        assert_eq!(change.old_site_id, old);
        assert_eq!(change.new_site_id.as_str(), NEW);
        assert!(change.secondary_changed.is_empty());
        assert!(change.can_switch_automatically());
    }

    #[test]
    fn a_split_practice_needs_a_person() {
        let old = SiteId::parse(OLD).unwrap();
        let mut split = site(NEW, Some(true));
        if let Some(metadata) = split.practice_metadata.as_mut() {
            metadata.practice_name = Some("Halo Clinic South West".to_owned());
        }
        let change = detect_guid_change(&old, &recorded(), &split).unwrap();
        assert!(change.changed);
        assert_eq!(change.secondary_changed, vec!["practiceName".to_owned()]);
        assert!(!change.can_switch_automatically());
    }

    #[test]
    fn an_unchanged_guid_means_the_403_had_another_cause() {
        let old = SiteId::parse(&OLD.to_uppercase()).unwrap();
        let change = detect_guid_change(&old, &recorded(), &site(OLD, Some(true))).unwrap();
        assert!(!change.changed);
        assert!(!change.can_switch_automatically());
    }

    #[test]
    fn a_resolved_site_without_a_guid_cannot_be_compared() {
        let old = SiteId::parse(OLD).unwrap();
        let error = detect_guid_change(&old, &recorded(), &Site::default()).unwrap_err();
        assert_eq!(error.kind, ErrorKind::Protocol);
    }
}
