import dayjs from "dayjs";
import relativeTime from "dayjs/plugin/relativeTime";

import type { Timestamp } from "./bindings/Timestamp";

dayjs.extend(relativeTime);

/** "3 minutes ago"; "never" for no time. */
export function ago(ms: Timestamp | null | undefined): string {
  return ms == null ? "never" : dayjs(ms).fromNow();
}

/** "21 Nov 2026, 14:05". */
export function when(ms: Timestamp | null | undefined): string {
  return ms == null ? "—" : dayjs(ms).format("D MMM YYYY, HH:mm");
}

/** "21 Nov, 14:05" this year, "21 Nov 2025" before: for narrow columns. */
export function shortWhen(ms: Timestamp | null | undefined): string {
  if (ms == null) return "—";
  const d = dayjs(ms);
  return d.year() === dayjs().year() ? d.format("D MMM, HH:mm") : d.format("D MMM YYYY");
}

/** A phone as digits with a leading +, or "—". */
export function phone(digits: string | null): string {
  return digits ? `+${digits}` : "—";
}

/** Why a change waits, in plain words: the transport's own words (addresses,
 *  socket errors) stay in History's tooltip; the reasons Switchboard writes for
 *  managers (rate limits, vendor errors, the keychain) are shown as they are. */
export function waitingReason(code: string | null, message: string | null, vendor: string): string {
  if (!message || code === "unreachable" || code === "waiting" || code === "elsewhere") {
    return `${vendor} cannot be reached right now.`;
  }
  return message.endsWith(".") ? message : `${message}.`;
}

/** "about 21 min" at a vendor's documented limit. */
export function duration(seconds: number | null): string {
  if (seconds === null) return "no documented limit";
  if (seconds < 90) return `about ${Math.max(1, seconds)} s`;
  return `about ${Math.ceil(seconds / 60)} min`;
}

/** Start of a `YYYY-MM-DD` day in local time, as epoch ms. */
export function dayStart(date: string): number | null {
  if (!date) return null;
  const ms = new Date(`${date}T00:00:00`).getTime();
  return Number.isNaN(ms) ? null : ms;
}
