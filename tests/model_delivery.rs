//! Property test: result delivery's reconciliation plan. Whatever the
//! tracked queries, their sites, ages and last checks, the plan asks about
//! every overdue query exactly once and nothing else, never more than the
//! status endpoint's limit in one call, one site per call, and its calls go
//! out in order, `batch_spacing_ms` apart, none before a 429's end.
#![cfg(not(target_arch = "wasm32"))]

use halo_device::core::integrator::delivery::{
    is_overdue, plan_status_batches, ReconcilePolicy, TrackedQuery,
};
use halo_device::core::limits::MAX_QUERY_STATUS_IDS;
use proptest::prelude::*;

fn tracked() -> impl Strategy<Value = Vec<TrackedQuery>> {
    // Few sites and a long list, so some site needs more than one call.
    let one = (
        0..3u8,
        0.0..10_000.0f64,
        proptest::option::of(0.0..10_000.0f64),
    )
        .prop_map(|(site, started, checked)| TrackedQuery {
            site_id: format!("site-{site}"),
            started_at_ms: started,
            last_checked_ms: checked,
        });
    proptest::collection::vec(one, 0..(MAX_QUERY_STATUS_IDS * 2 + 50))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn the_plan_covers_every_overdue_query_once_within_limits(
        queries in tracked(),
        now in 0.0..20_000.0f64,
        overdue_after in 0.0..5_000.0f64,
        recheck in 0.0..5_000.0f64,
        spacing in 0.0..1_000.0f64,
        not_before in 0.0..30_000.0f64,
    ) {
        let policy = ReconcilePolicy { overdue_after_ms: overdue_after, recheck_every_ms: recheck, batch_spacing_ms: spacing };
        let batches = plan_status_batches(now, &queries, &policy, not_before);
        let mut asked = vec![0u32; queries.len()];
        let mut previous: Option<f64> = None;
        for batch in &batches {
            prop_assert!(!batch.indices.is_empty() && batch.indices.len() <= MAX_QUERY_STATUS_IDS);
            prop_assert!(batch.send_at_ms >= now.max(not_before));
            if let Some(before) = previous {
                prop_assert!((batch.send_at_ms - before - spacing).abs() < 1e-6);
            }
            previous = Some(batch.send_at_ms);
            for &index in &batch.indices {
                prop_assert_eq!(&queries[index].site_id, &batch.site_id);
                asked[index] += 1;
            }
        }
        for (index, query) in queries.iter().enumerate() {
            prop_assert_eq!(asked[index], u32::from(is_overdue(now, query, &policy)));
        }
    }
}
