import { useQueryClient } from "@tanstack/react-query";
import { createContext, type ReactNode, useContext, useState } from "react";

import { onSyncProgress } from "./bindings/commands";
import type { ConnectionId } from "./bindings/ConnectionId";
import type { SyncProgress } from "./bindings/SyncProgress";
import { useBackendEvent } from "./events";

const Progress = createContext<Record<ConnectionId, SyncProgress>>({});

/** Keeps the latest progress of every running sync, fed by the backend's events. */
export function SyncProgressProvider({ children }: { children: ReactNode }) {
  const [progress, setProgress] = useState<Record<ConnectionId, SyncProgress>>({});
  const queryClient = useQueryClient();
  useBackendEvent(onSyncProgress, (p) => {
    setProgress((all) => ({ ...all, [p.connection_id]: p }));
    if (p.phase === "done") {
      // The cache changed: every view reads it again.
      void queryClient.invalidateQueries();
    }
  });
  return <Progress.Provider value={progress}>{children}</Progress.Provider>;
}

export function useSyncProgress(id: ConnectionId): SyncProgress | undefined {
  return useContext(Progress)[id];
}
