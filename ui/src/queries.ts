/**
 * The query layer: every key the views cache backend answers under, and a hook
 * per shared read, over the generated bindings. Views use these instead of
 * writing keys by hand, so two views asking for the same thing share one cache
 * entry, and an invalidation reaches all of them.
 */
import type { TargetQuery } from "./bindings/TargetQuery";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useMemo } from "react";

import {
  diagnostics,
  listAgents,
  listConnections,
  listPeople,
  listTeams,
  mismatches,
  queueCounts,
  startupNotices,
  statusBoard,
  vendors,
} from "./bindings/commands";
import type { BoardFilter } from "./bindings/BoardFilter";
import type { ConnectionId } from "./bindings/ConnectionId";
import type { Vendor } from "./bindings/Vendor";

/** Search text as the backend takes it: trimmed, and empty means none. */
const searchOf = (text: string | null) => text?.trim() || null;

export const keys = {
  connections: ["connections"] as const,
  vendors: ["vendors"] as const,
  diagnostics: ["diagnostics"] as const,
  startupNotices: ["startup-notices"] as const,
  queueCounts: ["queue-counts"] as const,
  statusBoard: ["status-board"] as const,
  mismatches: ["mismatches"] as const,
  workload: ["workload"] as const,
  people: (search: string | null) => ["people", searchOf(search)] as const,
  agents: (connection: ConnectionId | null, search: string | null) => ["agents", connection, searchOf(search)] as const,
  teams: (connection: ConnectionId | null) => ["teams", connection] as const,
  history: (query: unknown) => ["history", query] as const,
  targets: (...filters: unknown[]) => ["targets", ...filters] as const,
  assignTargets: (search: string) => ["assign-targets", search] as const,
  assignPreview: (...choice: unknown[]) => ["assign-preview", ...choice] as const,
  chart: (name: string, ...args: unknown[]) => ["chart", name, ...args] as const,
};

export function useConnections(enabled = true) {
  return useQuery({ queryKey: keys.connections, queryFn: listConnections, enabled });
}

/** The vendors with their form fields and capabilities: fixed while the app runs. */
export function useVendors() {
  return useQuery({ queryKey: keys.vendors, queryFn: vendors, staleTime: Infinity });
}

/** How the UI shows a vendor: its name and colour, from its descriptor (the id
 * and grey until the list has loaded), and every vendor in order. */
export function useVendorLook() {
  const { data } = useVendors();
  return useMemo(() => {
    const byVendor = new Map((data ?? []).map((v) => [v.vendor, v]));
    return {
      name: (v: Vendor): string => byVendor.get(v)?.name ?? v,
      color: (v: Vendor): string => byVendor.get(v)?.color ?? "gray",
      all: (data ?? []).map((v) => v.vendor),
    };
  }, [data]);
}

export function useDiagnostics() {
  return useQuery({ queryKey: keys.diagnostics, queryFn: diagnostics });
}

/** What went wrong while the app started; asked again every few seconds. */
export function useStartupNotices() {
  return useQuery({ queryKey: keys.startupNotices, queryFn: startupNotices, refetchInterval: 5_000 });
}

/** How many changes wait; kept fresh by the background sender's events too. */
export function useQueueCounts(refetchInterval?: number) {
  return useQuery({ queryKey: keys.queueCounts, queryFn: queueCounts, refetchInterval });
}

/** The board with no filter: everyone. */
export const WHOLE_BOARD: BoardFilter = { search: null, vendor: null, connection: null, team: null, status: null, with_status: false };

/** The status board, filtered by the engine's one rule; the last answer stays
 * shown while a new filter's is on its way. */
export function useStatusBoard(filter: BoardFilter = WHOLE_BOARD) {
  return useQuery({ queryKey: [...keys.statusBoard, filter], queryFn: () => statusBoard(filter), placeholderData: keepPreviousData });
}

export function useMismatches() {
  return useQuery({ queryKey: keys.mismatches, queryFn: mismatches });
}

export function usePeople(search: string | null = null, enabled = true) {
  return useQuery({ queryKey: keys.people(search), queryFn: () => listPeople({ search: searchOf(search) }), enabled });
}

export function useAgents(connection: ConnectionId | null, search: string | null = null, enabled = true) {
  return useQuery({
    queryKey: keys.agents(connection, search),
    queryFn: () => listAgents({ connection_id: connection, search: searchOf(search) }),
    enabled,
  });
}

export function useTeams(connection: ConnectionId | null = null, enabled = true) {
  return useQuery({ queryKey: keys.teams(connection), queryFn: () => listTeams({ connection_id: connection }), enabled });
}

/** The Targets view's query with no filter: every target, first page. */
export const ALL_TARGETS: TargetQuery = {
  search: null,
  connection_id: null,
  unassigned: null,
  agent_id: null,
  person_id: null,
  active_after: null,
  active_before: null,
  expiring_before: null,
  target_id: null,
  offset: 0,
  limit: 200,
};
