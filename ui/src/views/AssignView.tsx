import { Alert, Badge, Button, Card, Checkbox, Group, MultiSelect, Select, Stack, Table, Text, Textarea, TextInput, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { assign, listAgents, listTargets, vendors } from "../bindings/commands";
import type { JobOutcome } from "../bindings/JobOutcome";
import type { TargetRow } from "../bindings/TargetRow";
import { VendorBadge } from "../components/Badges";
import { phone, VENDOR_NAMES } from "../format";
import { errorTitle, toIpcError } from "../ipc";

const STATE_COLORS: Record<string, string> = { done: "green", failed: "red", queued: "yellow", conflict: "orange" };

/** Assign agents to one client, contact, chat or conversation, with the options
 * its platform has. Every change is journaled before it is sent. */
export function AssignView() {
  const queryClient = useQueryClient();
  const [search, setSearch] = useState("");
  const [debounced] = useDebouncedValue(search, 200);
  const [target, setTarget] = useState<TargetRow | null>(null);
  const [agents, setAgents] = useState<string[]>([]);
  const [until, setUntil] = useState("");
  const [notes, setNotes] = useState("");
  const [replace, setReplace] = useState(false);
  const [outcome, setOutcome] = useState<JobOutcome | null>(null);
  const vendorList = useQuery({ queryKey: ["vendors"], queryFn: vendors, staleTime: Infinity });
  const found = useQuery({
    queryKey: ["assign-targets", debounced],
    queryFn: () => listTargets({ search: debounced.trim() || null, connection_id: null, unassigned: null, agent_id: null, offset: 0, limit: 20 }),
    placeholderData: keepPreviousData,
  });
  const candidates = useQuery({
    queryKey: ["agents", target?.target.connection_id ?? null, null],
    queryFn: () => listAgents({ connection_id: target?.target.connection_id ?? null, search: null }),
    enabled: target !== null,
  });
  const caps = vendorList.data?.find((v) => v.vendor === target?.vendor)?.capabilities;
  const agentOptions = (candidates.data ?? [])
    .filter((a) => a.agent.active)
    .map((a) => ({ value: String(a.agent.id), label: `${a.agent.name}${a.agent.email ? ` <${a.agent.email}>` : ""}` }));
  const run = useMutation({
    mutationFn: () =>
      assign({
        target_id: target!.target.id,
        agents: agents.map(Number),
        until: caps?.expiry && until ? new Date(`${until}T23:59:59`).getTime() : null,
        notes: caps?.notes && notes.trim() ? notes.trim() : null,
        replace: Boolean(caps?.replace && replace),
      }),
    onMutate: () => setOutcome(null),
    onSuccess: async (o) => {
      setOutcome(o);
      await queryClient.invalidateQueries();
    },
  });
  const pick = (row: TargetRow) => {
    setTarget(row);
    setAgents([]);
    setOutcome(null);
    run.reset();
  };
  const error = run.error ? toIpcError(run.error) : null;
  return (
    <Stack gap="md" maw={1100}>
      <Title order={2}>Assign</Title>
      <Card withBorder>
        <Stack gap="xs">
          <Text fw={600}>1. Find the customer</Text>
          <TextInput placeholder="Name, phone, email or id" value={search} onChange={(e) => setSearch(e.currentTarget.value)} data-testid="assign-search" data-autofocus />
          <Table highlightOnHover>
            <Table.Tbody>
              {(found.data?.rows ?? []).map((row) => (
                <Table.Tr
                  key={row.target.id}
                  onClick={() => pick(row)}
                  style={{ cursor: "pointer" }}
                  bg={target?.target.id === row.target.id ? "var(--mantine-color-indigo-light)" : undefined}
                  data-testid="assign-target"
                >
                  <Table.Td>{row.target.name ?? row.target.vendor_id}</Table.Td>
                  <Table.Td>{row.target.phone ? phone(row.target.phone) : (row.target.email ?? "")}</Table.Td>
                  <Table.Td>
                    <VendorBadge vendor={row.vendor} demo={row.is_demo} />
                  </Table.Td>
                  <Table.Td>{row.assignees.length ? row.assignees.map((a) => a.name ?? a.agent_vendor_id).join(", ") : <Text c="dimmed" fs="italic" size="sm">Unassigned</Text>}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Stack>
      </Card>
      {target && caps && (
        <Card withBorder>
          <Stack gap="xs">
            <Text fw={600}>
              2. Choose agents for {target.target.name ?? target.target.vendor_id} on {target.connection_name}
            </Text>
            {!caps.several_assignees && (
              <Text size="sm" c="dimmed" data-testid="single-assignee-note">
                A {VENDOR_NAMES[target.vendor]} {target.target.kind} holds one agent: the one you choose replaces
                {target.assignees.length ? ` ${target.assignees.map((a) => a.name ?? a.agent_vendor_id).join(", ")}` : " nobody (it is unassigned)"}.
              </Text>
            )}
            {caps.several_assignees ? (
              <MultiSelect label="Agents" searchable value={agents} onChange={setAgents} data={agentOptions} data-testid="assign-agents" />
            ) : (
              <Select
                label="Agent"
                searchable
                value={agents[0] ?? null}
                onChange={(v) => setAgents(v ? [v] : [])}
                data={agentOptions}
                data-testid="assign-agents"
              />
            )}
            {caps.expiry && (
              <TextInput
                type="date"
                label="Expires on"
                description="Empty means Pingup's default: 23 June 2143."
                value={until}
                onChange={(e) => setUntil(e.currentTarget.value)}
                data-testid="assign-until"
              />
            )}
            {caps.notes && <Textarea label="Notes" autosize minRows={2} maxLength={2000} value={notes} onChange={(e) => setNotes(e.currentTarget.value)} />}
            {caps.replace && (
              <Checkbox label="Replace the contact's current agents (instead of adding)" checked={replace} onChange={(e) => setReplace(e.currentTarget.checked)} />
            )}
            <Group justify="flex-end">
              <Button onClick={() => run.mutate()} loading={run.isPending} disabled={agents.length === 0} data-testid="assign-submit">
                Assign
              </Button>
            </Group>
            {error && (
              <Alert color="red" title={errorTitle(error.code)} data-testid="assign-error">
                {error.message}
              </Alert>
            )}
          </Stack>
        </Card>
      )}
      {outcome && (
        <Card withBorder data-testid="assign-results">
          <Text fw={600} mb="xs">
            Result: {outcome.state}
          </Text>
          <Stack gap="xs">
            {outcome.results.map((r) => (
              <Group key={r.operation_id} gap="xs" align="flex-start" wrap="nowrap">
                <Badge color={STATE_COLORS[r.state] ?? "gray"} variant="light" data-testid="assign-result-state">
                  {r.state === "queued" ? "waiting" : r.state}
                </Badge>
                <Stack gap={0}>
                  <Text size="sm">{r.agent_names.join(", ")}</Text>
                  {r.message && (
                    <Text size="sm" c="red">
                      {r.message}
                    </Text>
                  )}
                  {r.hint && (
                    <Text size="sm" c="dimmed" data-testid="assign-hint">
                      {r.hint}
                    </Text>
                  )}
                  {r.state === "queued" && (
                    <Text size="sm" c="dimmed">
                      The vendor cannot be reached; the change is saved and goes out when it can.
                    </Text>
                  )}
                </Stack>
              </Group>
            ))}
          </Stack>
        </Card>
      )}
    </Stack>
  );
}
