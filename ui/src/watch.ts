import { useEffect } from "react";

import { watchStatuses } from "./bindings/commands";

/** How often a view renews its watch (the backend's lease lasts 20 s). */
const LEASE_EVERY_MS = 8_000;

/** While the calling view is open and the window visible, statuses are polled
 * (the status board, the dashboards); when it closes, polling stops. */
export function useWatchStatuses() {
  useEffect(() => {
    const renew = () => void watchStatuses({ watching: document.visibilityState === "visible" }).catch(() => {});
    renew();
    const lease = setInterval(renew, LEASE_EVERY_MS);
    document.addEventListener("visibilitychange", renew);
    return () => {
      clearInterval(lease);
      document.removeEventListener("visibilitychange", renew);
      void watchStatuses({ watching: false }).catch(() => {});
    };
  }, []);
}
