import { Badge, Button, Group, Menu, Modal, Select, Stack, Text, TextInput, Title, UnstyledButton } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { notifications } from "@mantine/notifications";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { ColumnDef } from "@tanstack/react-table";
import { useMemo, useState } from "react";

import type { AgentRef } from "../bindings/AgentRef";
import { linkAgent, listPeople, unlinkAgent } from "../bindings/commands";
import type { PersonRow } from "../bindings/PersonRow";
import { CacheFreshness } from "../components/CacheFreshness";
import { ReassignModal } from "../components/ReassignModal";
import { VirtualTable } from "../components/VirtualTable";
import { toIpcError } from "../ipc";
import { useAreaParams } from "../navigation";
import { keys, useVendorLook } from "../queries";

/** One roster across platforms: each person with their agent on every connection. */
export function PeopleView() {
  const look = useVendorLook();
  const queryClient = useQueryClient();
  const [linking, setLinking] = useState<AgentRef | null>(null);
  const [moving, setMoving] = useState<PersonRow | null>(null);
  const unlink = useMutation({
    mutationFn: (a: AgentRef) => unlinkAgent({ agent_id: a.id }),
    onSuccess: () => queryClient.invalidateQueries(),
    onError: (e) => notifications.show({ color: "red", title: "Not unlinked", message: toIpcError(e).message }),
  });
  // Opened from the palette on one person: their name is the search.
  const [search, setSearch] = useState(useAreaParams().search ?? "");
  const [debounced] = useDebouncedValue(search, 200);
  const people = useQuery({
    queryKey: keys.people(debounced),
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
              <Menu key={a.id} withinPortal position="bottom-start">
                <Menu.Target>
                  <UnstyledButton data-testid="agent-badge">
                    <Badge color={look.color(a.vendor)} variant={a.active ? "light" : "outline"} radius="sm" style={{ cursor: "pointer" }}>
                      {look.name(a.vendor)}
                      {a.is_demo ? " (demo)" : ""}
                    </Badge>
                  </UnstyledButton>
                </Menu.Target>
                <Menu.Dropdown>
                  <Menu.Label>
                    {a.connection_name}: {a.name}
                    {a.email ? ` <${a.email}>` : ""}
                    {a.active ? "" : " (inactive)"}
                    {a.link === "manual" ? " · linked by hand" : ""}
                  </Menu.Label>
                  <Menu.Item onClick={() => setLinking(a)}>Link to another person…</Menu.Item>
                  <Menu.Item disabled={row.original.agents.length < 2} onClick={() => unlink.mutate(a)}>
                    Unlink from {row.original.display_name}
                  </Menu.Item>
                </Menu.Dropdown>
              </Menu>
            ))}
          </Group>
        ),
      },
      { header: "Assigned", size: 100, cell: ({ row }) => <Text size="sm">{row.original.assignments}</Text> },
      {
        header: "",
        id: "actions",
        size: 135,
        cell: ({ row }) =>
          row.original.assignments > 0 && (
            <Button size="compact-sm" variant="light" onClick={() => setMoving(row.original)} title={`Hand everything ${row.original.display_name} holds to others`} data-testid="reassign-person">
              Reassign…
            </Button>
          ),
      },
    ],
    [unlink, look],
  );
  return (
    <Stack gap="sm">
      {linking && <LinkModal agent={linking} people={people.data ?? []} onClose={() => setLinking(null)} />}
      {moving && <ReassignModal person={moving} onClose={() => setMoving(null)} />}
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

/** Moves an agent to another person; kept through every re-sync. */
function LinkModal({ agent, people, onClose }: { agent: AgentRef; people: PersonRow[]; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [person, setPerson] = useState<string | null>(null);
  const link = useMutation({
    mutationFn: () => linkAgent({ agent_id: agent.id, person_id: Number(person) }),
    onSuccess: async () => {
      await queryClient.invalidateQueries();
      onClose();
    },
    onError: (e) => notifications.show({ color: "red", title: "Not linked", message: toIpcError(e).message }),
  });
  return (
    <Modal opened onClose={onClose} title={`Link ${agent.name} (${agent.connection_name})`}>
      <Stack>
        <Text size="sm" c="dimmed">
          The agent joins the person you choose here and stays with them through every sync, whatever its email says.
        </Text>
        <Select
          label="Person"
          searchable
          value={person}
          onChange={setPerson}
          data={people.filter((p) => !p.agents.some((a) => a.id === agent.id)).map((p) => ({ value: String(p.id), label: `${p.display_name}${p.email ? ` <${p.email}>` : ""}` }))}
        />
        <Group justify="flex-end">
          <Button onClick={() => link.mutate()} disabled={person === null} loading={link.isPending}>
            Link
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
