import { mockIPC } from "@tauri-apps/api/mocks";

import { ALL_VENDORS } from "./fixtures";

type Handler = (args: Record<string, unknown>) => unknown;

/**
 * A fake backend for UI tests: answers the named commands, records every call,
 * and fails loudly on any command a test did not expect. Events are mocked too,
 * so `listen` works.
 */
export function mockBackend(given: Record<string, Handler>) {
  // Every screen shows the waiting-changes badge: nothing waits unless a test says so.
  // Connections asks what went wrong at start: nothing unless a test says so.
  // Vendor names and colours come from the vendors' descriptors.
  const handlers: Record<string, Handler> = {
    vendors: () => ALL_VENDORS,
    queue_counts: () => ({ queued: 0, sending: 0, conflict: 0, unknown: 0 }),
    startup_notices: () => [],
    // The window says once when its first data is on screen (start-up timing).
    window_ready: () => null,
    ...given,
  };
  const calls: { cmd: string; args: Record<string, unknown> }[] = [];
  mockIPC(
    (cmd, args) => {
      if (cmd.startsWith("plugin:event|")) return 0;
      calls.push({ cmd, args: (args ?? {}) as Record<string, unknown> });
      const handler = handlers[cmd];
      if (!handler) throw new Error(`unexpected command ${cmd}`);
      return handler((args ?? {}) as Record<string, unknown>);
    },
    { shouldMockEvents: true },
  );
  return { calls, commands: () => calls.map((c) => c.cmd) };
}

