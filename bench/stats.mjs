// Order statistics and number formatting for the bench table.

/** Nearest-rank percentile (p in 0..100) of unsorted samples. */
export function percentile(samples, p) {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const median = (samples) => percentile(samples, 50);

export const KIB = 1024;
export const MIB = 1024 * KIB;

export function bytes(n) {
  if (Math.abs(n) >= MIB) return `${(n / MIB).toFixed(2)} MiB`;
  if (Math.abs(n) >= KIB) return `${(n / KIB).toFixed(1)} KiB`;
  return `${n} B`;
}

/** Signed byte change, e.g. "+0 B", "-1.2 KiB". */
export const delta = (n) => (n >= 0 ? "+" : "-") + bytes(Math.abs(n));

export function ms(n) {
  if (n >= 100) return `${n.toFixed(0)} ms`;
  if (n >= 1) return `${n.toFixed(2)} ms`;
  return `${(n * 1000).toFixed(0)} µs`;
}

export const ratio = (value, baseline) => (baseline > 0 ? `${(value / baseline).toFixed(2)}×` : "n/a");
