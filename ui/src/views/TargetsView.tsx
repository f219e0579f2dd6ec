import { Badge, CloseButton, Group, SegmentedControl, Select, Stack, Text, TextInput, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import type { ColumnDef } from "@tanstack/react-table";
import { useCallback, useMemo, useState } from "react";

import { listTargets } from "../bindings/commands";
import type { TargetRow } from "../bindings/TargetRow";
import { VendorBadge } from "../components/Badges";
import { CacheFreshness } from "../components/CacheFreshness";
import { VirtualTable } from "../components/VirtualTable";
import { ago, phone } from "../format";
import { useAreaParams } from "../navigation";
import { keys, useConnections } from "../queries";

const PAGE = 200;

/** Every client, contact, chat and conversation, searchable, from the cache. */
export function TargetsView() {
  const [search, setSearch] = useState("");
  const [debounced] = useDebouncedValue(search, 200);
  const [connection, setConnection] = useState<string | null>(null);
  const [assigned, setAssigned] = useState("all");
  // Opened for one agent's targets (from an alert): until the manager clears it.
  const [agent, setAgent] = useState<number | null>(useAreaParams().agent ?? null);
  const connections = useConnections();
  const targets = useInfiniteQuery({
    queryKey: keys.targets(debounced, connection, assigned, agent),
    queryFn: ({ pageParam }) =>
      listTargets({
        search: debounced.trim() || null,
        connection_id: connection,
        unassigned: assigned === "all" ? null : assigned === "unassigned",
        agent_id: agent,
        target_id: null,
        offset: pageParam,
        limit: PAGE,
      }),
    initialPageParam: 0,
    getNextPageParam: (last, pages) => {
      const loaded = pages.reduce((n, p) => n + p.rows.length, 0);
      return loaded < last.total ? loaded : undefined;
    },
    placeholderData: keepPreviousData,
  });
  const rows = useMemo(() => targets.data?.pages.flatMap((p) => p.rows) ?? [], [targets.data]);
  const agentName = agent === null ? null : rows[0]?.assignees.find((a) => a.agent_id === agent)?.name;
  const total = targets.data?.pages[0]?.total;
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = targets;
  const more = useCallback(() => {
    if (hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);

  const columns = useMemo<ColumnDef<TargetRow, unknown>[]>(
    () => [
      {
        header: "Customer",
        size: 200,
        cell: ({ row }) => (
          <Stack gap={0}>
            <Text size="sm" fw={500} truncate>
              {row.original.target.name ?? row.original.target.vendor_id}
            </Text>
            <Text size="xs" c="dimmed" truncate>
              {row.original.target.kind} {row.original.target.vendor_id}
            </Text>
          </Stack>
        ),
      },
      {
        header: "Phone / email",
        size: 180,
        cell: ({ row }) => (
          <Text size="sm" truncate>
            {row.original.target.phone ? phone(row.original.target.phone) : (row.original.target.email ?? "—")}
          </Text>
        ),
      },
      {
        header: "Platform",
        size: 190,
        cell: ({ row }) => (
          <Stack gap={0}>
            <VendorBadge vendor={row.original.vendor} demo={row.original.is_demo} />
            <Text size="xs" c="dimmed" truncate>
              {row.original.connection_name}
            </Text>
          </Stack>
        ),
      },
      { header: "Status", size: 100, cell: ({ row }) => <Text size="sm">{row.original.target.status ?? "—"}</Text> },
      { header: "Last activity", size: 120, cell: ({ row }) => <Text size="sm">{ago(row.original.target.last_activity_at)}</Text> },
      {
        header: "Assigned to",
        size: 200,
        cell: ({ row }) =>
          row.original.assignees.length === 0 ? (
            <Text size="sm" c="dimmed" fs="italic">
              Unassigned
            </Text>
          ) : (
            <Text size="sm" truncate>
              {row.original.assignees.map((a) => a.name ?? a.agent_vendor_id).join(", ")}
            </Text>
          ),
      },
    ],
    [],
  );
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Title order={2}>Targets</Title>
        <Text c="dimmed" size="sm" data-testid="targets-count">
          {total === undefined ? "" : `${total.toLocaleString()} targets`}
        </Text>
      </Group>
      <CacheFreshness />
      {agent !== null && (
        <Group gap="xs">
          <Badge variant="light" size="lg" rightSection={<CloseButton size="xs" onClick={() => setAgent(null)} aria-label="Show every agent's targets" />} data-testid="agent-filter">
            Only the targets of {agentName ?? "one agent"}
          </Badge>
        </Group>
      )}
      <Group grow>
        <TextInput placeholder="Search by name, phone, email or id" value={search} onChange={(e) => setSearch(e.currentTarget.value)} data-testid="targets-search" />
        <Select
          placeholder="All connections"
          clearable
          value={connection}
          onChange={setConnection}
          data={(connections.data ?? []).filter((s) => s.capabilities.list_targets).map((s) => ({ value: s.connection.id, label: s.connection.display_name }))}
        />
        <SegmentedControl
          value={assigned}
          onChange={setAssigned}
          data={[
            { value: "all", label: "All" },
            { value: "assigned", label: "Assigned" },
            { value: "unassigned", label: "Unassigned" },
          ]}
        />
      </Group>
      <VirtualTable data={rows} columns={columns} rowHeight={52} onEndReached={more} empty={targets.isPending ? "Loading…" : "No targets match."} testId="targets-table" />
    </Stack>
  );
}
