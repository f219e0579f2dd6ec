import type { UnlistenFn } from "@tauri-apps/api/event";
import { useEffect, useRef } from "react";

/**
 * Listens to one backend event while the component is mounted: `subscribe` is
 * one of the generated `on…` listeners. The latest `handler` is always the one
 * called, and the listener is removed on unmount (also when it arrives late).
 */
export function useBackendEvent<T>(subscribe: (handler: (payload: T) => void) => Promise<UnlistenFn>, handler: (payload: T) => void) {
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => {
    let unlisten: UnlistenFn | undefined;
    let cancelled = false;
    subscribe((payload) => latest.current(payload))
      .then((fn) => (cancelled ? fn() : (unlisten = fn)))
      .catch(() => {
        // Outside Tauri (unit tests without event mocks): no events.
      });
    return () => {
      cancelled = true;
      unlisten?.();
    };
  }, [subscribe]);
}
