import type { StatusChart } from "../bindings/StatusChart";
import type { TenantStatus } from "../bindings/TenantStatus";

export const UNKNOWN = "Unknown";
const UNKNOWN_COLOR = "#adb5bd";

/** A chart series: a status by name, its tenant colour where it has one. */
export type Series = { name: string; color: string };

/** Rows for a stacked chart: one per bucket, one key per status (in hours, or
 * as shares when `share` is set), plus unknown time; and the series to draw. */
export function chartRows(chart: StatusChart, statuses: TenantStatus[], label: (start: number) => string, share = false) {
  const names = new Map<string, string>();
  for (const b of chart.buckets) {
    for (const s of b.statuses) {
      const color = statuses.find((t) => t.vendor_id === s.status_vendor_id)?.color;
      if (!names.has(s.name)) names.set(s.name, color ?? "#4c6ef5");
    }
  }
  const rows = chart.buckets.map((b) => {
    const total = b.statuses.reduce((n, s) => n + s.ms, 0) + b.unknown_ms;
    const value = (ms: number) => (share ? (total > 0 ? (100 * ms) / total : 0) : ms / 3_600_000);
    const row: Record<string, number | string> = { bucket: label(b.start) };
    for (const n of names.keys()) row[n] = 0;
    for (const s of b.statuses) row[s.name] = Math.round(((row[s.name] as number) + value(s.ms)) * 100) / 100;
    row[UNKNOWN] = Math.round(value(b.unknown_ms) * 100) / 100;
    return row;
  });
  const series: Series[] = [...names.entries()].map(([name, color]) => ({ name, color }));
  series.push({ name: UNKNOWN, color: UNKNOWN_COLOR });
  return { rows, series };
}

/** The rows as text cells in the columns' order (nothing for a missing value),
 * for the engine's CSV writer. */
export function tableRows(columns: string[], rows: Record<string, unknown>[]): string[][] {
  return rows.map((r) => columns.map((c) => (r[c] === null || r[c] === undefined ? "" : String(r[c]))));
}
