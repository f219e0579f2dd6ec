import { Stack, Text, Title } from "@mantine/core";
import type { ColumnDef } from "@tanstack/react-table";
import { useMemo } from "react";

import type { TeamRow } from "../bindings/TeamRow";
import { VendorBadge } from "../components/Badges";
import { CacheFreshness } from "../components/CacheFreshness";
import { VirtualTable } from "../components/VirtualTable";
import { useTeams } from "../queries";

/** CCAI Platform teams and HelpCrunch departments, with their members. */
export function TeamsView() {
  const teams = useTeams();
  const byId = useMemo(() => new Map((teams.data ?? []).map((t) => [`${t.connection_id}/${t.vendor_id}`, t.name])), [teams.data]);
  const columns = useMemo<ColumnDef<TeamRow, unknown>[]>(
    () => [
      { header: "Team", size: 280, cell: ({ row }) => <Text size="sm" fw={500}>{row.original.name}</Text> },
      {
        header: "Platform",
        size: 300,
        cell: ({ row }) => (
          <Stack gap={0}>
            <VendorBadge vendor={row.original.vendor} />
            <Text size="xs" c="dimmed">
              {row.original.connection_name}
            </Text>
          </Stack>
        ),
      },
      { header: "Members", size: 110, cell: ({ row }) => <Text size="sm">{row.original.members.length}</Text> },
      {
        header: "Part of",
        size: 220,
        cell: ({ row }) => (
          <Text size="sm" c="dimmed">
            {row.original.parent_vendor_id ? (byId.get(`${row.original.connection_id}/${row.original.parent_vendor_id}`) ?? row.original.parent_vendor_id) : "—"}
          </Text>
        ),
      },
    ],
    [byId],
  );
  return (
    <Stack gap="sm">
      <Title order={2}>Teams</Title>
      <CacheFreshness />
      <VirtualTable data={teams.data ?? []} columns={columns} rowHeight={56} empty={teams.isPending ? "Loading…" : "No teams: CCAI Platform teams and HelpCrunch departments appear after a sync."} testId="teams-table" />
    </Stack>
  );
}
