import { Badge, Stack, Table, Text } from "@mantine/core";
import type { ColumnDef } from "@tanstack/react-table";
import { type ReactNode, useMemo } from "react";

import type { PlanItem } from "../bindings/PlanItem";
import type { ReassignPlan } from "../bindings/ReassignPlan";
import { ago, duration } from "../format";
import { useVendorLook } from "../queries";
import { VirtualTable } from "./VirtualTable";

/** A bulk job's plan before it runs: the counts and time per platform, who is
 * given how much, what is skipped and why, and every item. `children` sit
 * under the counts (the plan's own buttons). */
export function PlanSummary({ plan: p, children }: { plan: ReassignPlan; children?: ReactNode }) {
  const look = useVendorLook();
  const columns = useMemo<ColumnDef<PlanItem, unknown>[]>(
    () => [
      { header: "Target", size: 220, cell: ({ row }) => <Text size="sm" truncate>{row.original.target_label}</Text> },
      {
        header: "Platform",
        size: 130,
        cell: ({ row }) => (
          <Badge color={look.color(row.original.vendor)} variant="light" radius="sm">
            {look.name(row.original.vendor)}
          </Badge>
        ),
      },
      { header: "From", size: 160, cell: ({ row }) => <Text size="sm" truncate c={row.original.from_name ? undefined : "dimmed"}>{row.original.from_name ?? "nobody"}</Text> },
      { header: "To", size: 180, cell: ({ row }) => <Text size="sm" truncate>{row.original.to_name ?? "nobody (released)"}</Text> },
      { header: "Calls", size: 60, cell: ({ row }) => <Text size="sm">{row.original.calls}</Text> },
    ],
    [look],
  );
  return (
    <Stack gap={6} data-testid="reassign-plan">
      <Text fw={500}>
        {p.items.length} move, {p.skipped.length} skipped; the slowest vendor takes {duration(p.seconds)}.
      </Text>
      <Table withRowBorders={false} verticalSpacing={2}>
        <Table.Tbody>
          {p.connections.map((c) => (
            <Table.Tr key={c.connection_id}>
              <Table.Td>{c.name}</Table.Td>
              <Table.Td>{c.items} items</Table.Td>
              <Table.Td>{c.calls} calls</Table.Td>
              <Table.Td>{c.skipped ? `${c.skipped} skipped` : ""}</Table.Td>
              <Table.Td>{duration(c.seconds)}</Table.Td>
              <Table.Td c="dimmed">synced {ago(c.synced_at)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {children}
      {p.status.map((st) => (
        <Text key={st.connection_id} size="sm" data-testid="reassign-status-step">
          {st.name}: {st.agent_name} is set {st.status_name}, in the same job.
        </Text>
      ))}
      {p.people.length > 0 && <Text size="sm">{p.people.map((s) => `${s.name}: ${s.items}`).join(" · ")}</Text>}
      {p.skipped.slice(0, 5).map((s) => (
        <Text key={`${s.connection_id}-${s.target_id}`} size="sm" c="orange" data-testid="reassign-skipped">
          Skipped {s.target_label}: {s.reason}
        </Text>
      ))}
      {p.skipped.length > 5 && <Text size="sm" c="dimmed">and {p.skipped.length - 5} more skipped</Text>}
      <VirtualTable data={p.items} columns={columns} rowHeight={36} height={240} empty="Nothing to move." testId="reassign-items" />
    </Stack>
  );
}
