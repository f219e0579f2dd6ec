import { Badge, Group, Stack, Text, TextInput, Title, Tooltip } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import type { ColumnDef } from "@tanstack/react-table";
import { useMemo, useState } from "react";

import { listPeople } from "../bindings/commands";
import type { PersonRow } from "../bindings/PersonRow";
import { CacheFreshness } from "../components/CacheFreshness";
import { VirtualTable } from "../components/VirtualTable";
import { VENDOR_COLORS, VENDOR_NAMES } from "../format";

/** One roster across platforms: each person with their agent on every connection. */
export function PeopleView() {
  const [search, setSearch] = useState("");
  const [debounced] = useDebouncedValue(search, 200);
  const people = useQuery({
    queryKey: ["people", debounced],
    queryFn: () => listPeople({ search: debounced.trim() || null }),
    placeholderData: keepPreviousData,
  });
  const columns = useMemo<ColumnDef<PersonRow, unknown>[]>(
    () => [
      {
        header: "Person",
        size: 260,
        cell: ({ row }) => (
          <Stack gap={0}>
            <Text size="sm" fw={500} truncate>
              {row.original.display_name}
            </Text>
            <Text size="xs" c="dimmed" truncate>
              {row.original.email ?? "no email: not linked by email"}
            </Text>
          </Stack>
        ),
      },
      {
        header: "Agents",
        size: 520,
        cell: ({ row }) => (
          <Group gap={4} wrap="nowrap">
            {row.original.agents.map((a) => (
              <Tooltip key={a.id} label={`${a.connection_name}: ${a.name}${a.email ? ` <${a.email}>` : ""}${a.active ? "" : " (inactive)"}${a.link === "manual" ? " · linked by hand" : ""}`}>
                <Badge color={VENDOR_COLORS[a.vendor]} variant={a.active ? "light" : "outline"} radius="sm">
                  {VENDOR_NAMES[a.vendor]}
                  {a.is_demo ? " (demo)" : ""}
                </Badge>
              </Tooltip>
            ))}
          </Group>
        ),
      },
      { header: "Assigned", size: 100, cell: ({ row }) => <Text size="sm">{row.original.assignments}</Text> },
    ],
    [],
  );
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Title order={2}>People</Title>
        <Text c="dimmed" size="sm" data-testid="people-count">
          {people.data ? `${people.data.length} people` : ""}
        </Text>
      </Group>
      <CacheFreshness />
      <TextInput placeholder="Search by name or email" value={search} onChange={(e) => setSearch(e.currentTarget.value)} data-testid="people-search" />
      <VirtualTable data={people.data ?? []} columns={columns} rowHeight={52} empty={people.isPending ? "Loading…" : "No people: add a connection and sync it."} testId="people-table" />
    </Stack>
  );
}
