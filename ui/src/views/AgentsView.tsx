import { Badge, Group, Select, Stack, Text, TextInput, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import type { ColumnDef } from "@tanstack/react-table";
import { useMemo, useState } from "react";

import type { AgentRow } from "../bindings/AgentRow";
import { listAgents } from "../bindings/commands";
import { VendorBadge } from "../components/Badges";
import { CacheFreshness } from "../components/CacheFreshness";
import { VirtualTable } from "../components/VirtualTable";
import { useConnections } from "../queries";

/** Every agent account on every connection, with the person it belongs to. */
export function AgentsView() {
  const [search, setSearch] = useState("");
  const [debounced] = useDebouncedValue(search, 200);
  const [connection, setConnection] = useState<string | null>(null);
  const connections = useConnections();
  const agents = useQuery({
    queryKey: ["agents", connection, debounced],
    queryFn: () => listAgents({ connection_id: connection, search: debounced.trim() || null }),
    placeholderData: keepPreviousData,
  });
  const columns = useMemo<ColumnDef<AgentRow, unknown>[]>(
    () => [
      {
        header: "Agent",
        size: 240,
        cell: ({ row }) => (
          <Stack gap={0}>
            <Text size="sm" fw={500} truncate c={row.original.agent.active ? undefined : "dimmed"}>
              {row.original.agent.name}
              {row.original.agent.active ? "" : " (inactive)"}
            </Text>
            <Text size="xs" c="dimmed" truncate>
              {row.original.agent.email ?? "no email"}
            </Text>
          </Stack>
        ),
      },
      {
        header: "Platform",
        size: 220,
        cell: ({ row }) => (
          <Stack gap={0}>
            <VendorBadge vendor={row.original.agent.vendor} demo={row.original.agent.is_demo} />
            <Text size="xs" c="dimmed" truncate>
              {row.original.agent.connection_name}
            </Text>
          </Stack>
        ),
      },
      { header: "Vendor id", size: 220, cell: ({ row }) => <Text size="xs" ff="monospace" truncate>{row.original.agent.vendor_id}</Text> },
      {
        header: "Person",
        size: 200,
        cell: ({ row }) => (
          <Group gap={4} wrap="nowrap">
            <Text size="sm" truncate>
              {row.original.person_name}
            </Text>
            {row.original.agent.link !== "auto" && (
              <Badge size="xs" variant="outline" color="gray">
                {row.original.agent.link === "manual" ? "by hand" : "unlinked"}
              </Badge>
            )}
          </Group>
        ),
      },
      { header: "Assigned", size: 90, cell: ({ row }) => <Text size="sm">{row.original.agent.assignments}</Text> },
    ],
    [],
  );
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Title order={2}>Agents</Title>
        <Text c="dimmed" size="sm" data-testid="agents-count">
          {agents.data ? `${agents.data.length} agents` : ""}
        </Text>
      </Group>
      <CacheFreshness />
      <Group grow>
        <TextInput placeholder="Search by name, email or vendor id" value={search} onChange={(e) => setSearch(e.currentTarget.value)} />
        <Select
          placeholder="All connections"
          clearable
          value={connection}
          onChange={setConnection}
          data={(connections.data ?? []).map((s) => ({ value: s.connection.id, label: s.connection.display_name }))}
        />
      </Group>
      <VirtualTable data={agents.data ?? []} columns={columns} rowHeight={52} empty={agents.isPending ? "Loading…" : "No agents: add a connection and sync it."} testId="agents-table" />
    </Stack>
  );
}
