import { Alert, Anchor, Badge, Button, CloseButton, Group, MultiSelect, Select, Stack, Text, TextInput, Title, Tooltip } from "@mantine/core";
import { useDebouncedValue, useHotkeys } from "@mantine/hooks";
import { notifications } from "@mantine/notifications";
import { keepPreviousData, useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import type { ColumnDef } from "@tanstack/react-table";
import { useCallback, useMemo, useState } from "react";

import { cancelOperation, exportHistory, history, retryOperation, sendQueued } from "../bindings/commands";
import { exported } from "../components/exported";
import { SHORTCUTS } from "../shortcuts";
import type { HistoryQuery } from "../bindings/HistoryQuery";
import type { HistoryRow } from "../bindings/HistoryRow";
import type { OperationState } from "../bindings/OperationState";
import { VendorBadge } from "../components/Badges";
import { VirtualTable } from "../components/VirtualTable";
import { dayStart, shortWhen, waitingReason, when } from "../format";
import { STATE_COLORS, STATE_LABELS } from "../components/states";
import { errorTitle, toIpcError } from "../ipc";
import { useNavigate } from "../navigation";
import { keys, useAgents, useConnections, usePeople, useQueueCounts, useVendorLook } from "../queries";

const PAGE = 200;


/** Every change Switchboard sent or will send, newest first, from SQLite only:
 * filterable, exportable, and where a change waits, settled from here. */
export function HistoryView() {
  const look = useVendorLook();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [search, setSearch] = useState("");
  const [debounced] = useDebouncedValue(search, 200);
  const [connection, setConnection] = useState<string | null>(null);
  const [person, setPerson] = useState<string | null>(null);
  const [agent, setAgent] = useState<string | null>(null);
  const [target, setTarget] = useState<{ id: number; label: string } | null>(null);
  // A bulk job opened into its items.
  const [job, setJob] = useState<{ id: string; title: string } | null>(null);
  const [states, setStates] = useState<string[]>([]);
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const connections = useConnections();
  const people = usePeople();
  const waiting = useQueueCounts();
  const agents = useAgents(connection);

  const query: HistoryQuery = {
    connection_id: connection,
    agent_id: agent === null ? null : Number(agent),
    person_id: person === null ? null : Number(person),
    target_id: target?.id ?? null,
    job_id: job?.id ?? null,
    states: states as OperationState[],
    from: dayStart(from),
    // "to" is inclusive of the whole day the manager picked.
    to: dayStart(to) === null ? null : (dayStart(to) as number) + 24 * 3600 * 1000,
    search: debounced.trim() || null,
    after: null,
    limit: PAGE,
    group_jobs: true,
  };
  const pages = useInfiniteQuery({
    queryKey: keys.history(query),
    queryFn: ({ pageParam }) => history({ ...query, after: pageParam }),
    initialPageParam: null as number | null,
    getNextPageParam: (last) => last.next ?? undefined,
    placeholderData: keepPreviousData,
  });
  const rows = useMemo(() => pages.data?.pages.flatMap((p) => p.rows) ?? [], [pages.data]);
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = pages;
  const more = useCallback(() => {
    if (hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);

  const refresh = () => queryClient.invalidateQueries();
  const failure = (title: string) => (e: unknown) => {
    const err = toIpcError(e);
    notifications.show({ color: "red", title: `${title}: ${errorTitle(err.code)}`, message: err.message });
  };
  const cancel = useMutation({ mutationFn: (id: number) => cancelOperation({ operation_id: id }), onSettled: refresh, onError: failure("Not cancelled") });
  const retry = useMutation({
    mutationFn: ({ id, anyway }: { id: number; anyway: boolean }) => retryOperation({ operation_id: id, apply_anyway: anyway }),
    onSuccess: (r) =>
      notifications.show({
        color: r.state === "done" ? "green" : "yellow",
        title: `Change ${STATE_LABELS[r.state]}`,
        message: r.message ?? (r.state === "done" ? "The vendor confirmed it." : ""),
      }),
    onSettled: refresh,
    onError: failure("Not sent"),
  });
  const sendAll = useMutation({
    mutationFn: sendQueued,
    onSuccess: (results) => {
      const done = results.filter((r) => r.state === "done").length;
      notifications.show({ title: "Waiting changes", message: `${done} sent, ${results.length - done} still waiting or need you.` });
    },
    onSettled: refresh,
    onError: failure("Not sent"),
  });
  const exporting = useMutation({
    mutationFn: () => exportHistory({ ...query, limit: 0 }),
    onSuccess: (r) => exported(r, "changes", "export-done"),
    onError: failure("Export failed"),
  });

  const columns = useMemo<ColumnDef<HistoryRow, unknown>[]>(
    () => [
      { header: "When", size: 130, cell: ({ row }) => <Text size="sm" title={when(row.original.operation.created_at)}>{shortWhen(row.original.operation.created_at)}</Text> },
      {
        header: "Change",
        size: 220,
        cell: ({ row }) => {
          const op = row.original.operation;
          const group = row.original.group;
          if (group)
            return (
              <Stack gap={0}>
                <Text size="sm" fw={500} truncate data-testid="history-change">
                  {row.original.job_title}
                </Text>
                <Text size="xs" c="dimmed" truncate>
                  <Anchor size="xs" component="button" onClick={() => setJob({ id: op.job_id, title: row.original.job_title })} data-testid="open-job">
                    Open its {group.items} items
                  </Anchor>{" "}
                  · {row.original.origin === "cli" ? "command line" : "app"}
                </Text>
              </Stack>
            );
          return (
            <Stack gap={0}>
              <Text size="sm" fw={500} truncate data-testid="history-change">
                {changeHeadline(op)}
              </Text>
              <Text size="xs" c="dimmed" truncate>
                {op.kind === "set_status" ? (
                  `for ${op.agent_names.join(", ")}`
                ) : op.target_id !== null ? (
                  <Anchor
                    size="xs"
                    component="button"
                    title="Only this target"
                    onClick={() => setTarget({ id: Number(op.target_id), label: op.target_label ?? op.target_vendor_id ?? "" })}
                    data-testid="filter-target"
                  >
                    {op.target_label ?? op.target_vendor_id}
                  </Anchor>
                ) : (
                  (op.target_label ?? op.target_vendor_id)
                )}{" "}
                · {row.original.origin === "cli" ? "command line" : "app"}
              </Text>
            </Stack>
          );
        },
      },
      {
        header: "Connection",
        size: 140,
        cell: ({ row }) =>
          row.original.group ? (
            <Text size="xs" c="dimmed">
              one job, every platform
            </Text>
          ) : row.original.vendor ? (
            <Tooltip label={row.original.connection_name}>
              <span>
                <VendorBadge vendor={row.original.vendor} />
              </span>
            </Tooltip>
          ) : (
            <Text size="xs" c="dimmed">
              removed
            </Text>
          ),
      },
      {
        header: "State",
        size: 100,
        cell: ({ row }) => {
          const group = row.original.group;
          if (group) {
            const n = (state: string) => group.by_state[state] ?? 0;
            const trouble = n("failed") + n("conflict") + n("unknown");
            const waiting = n("queued") + n("sending");
            return (
              <Badge color={trouble > 0 ? "red" : waiting > 0 ? "yellow" : "green"} variant="light" data-testid="history-state">
                {trouble > 0 ? "Needs you" : waiting > 0 ? "Waiting" : "Done"}
              </Badge>
            );
          }
          return (
            <Badge color={STATE_COLORS[row.original.operation.state]} variant="light" data-testid="history-state">
              {STATE_LABELS[row.original.operation.state]}
            </Badge>
          );
        },
      },
      {
        header: "Vendor's answer",
        size: 220,
        cell: ({ row }) => {
          const op = row.original.operation;
          const group = row.original.group;
          if (group)
            return (
              <Text size="sm" c="dimmed" data-testid="history-job-counts">
                {(Object.keys(STATE_LABELS) as OperationState[])
                  .filter((s) => (group.by_state[s] ?? 0) > 0)
                  .map((s) => `${group.by_state[s]} ${STATE_LABELS[s].toLowerCase()}`)
                  .join(", ")}
              </Text>
            );
          const vendor = row.original.vendor ? look.name(row.original.vendor) : "the vendor";
          const shown =
            op.state === "queued"
              ? `Waiting: ${waitingReason(op.error_code, op.error_message, vendor)} Sent when it can be.`
              : op.state === "done"
                ? `confirmed${op.attempts > 1 ? ` after ${op.attempts} attempts` : ""}`
                : (op.error_message ?? "");
          return (
            <Tooltip label={op.error_message} disabled={!op.error_message} multiline w={360}>
              <Text size="sm" c={op.state === "failed" || op.state === "conflict" || op.state === "unknown" ? "red" : "dimmed"} lineClamp={2} style={{ whiteSpace: "normal" }}>
                {shown}
              </Text>
            </Tooltip>
          );
        },
      },
      {
        header: "",
        id: "actions",
        size: 180,
        cell: ({ row }) => {
          const op = row.original.operation;
          const id = Number(op.id);
          if (row.original.group) return null;
          return (
            <Group gap={4} wrap="nowrap">
              {op.state === "conflict" && (
                <>
                  <Button size="compact-xs" onClick={() => retry.mutate({ id, anyway: true })} data-testid="apply-anyway">
                    Apply anyway
                  </Button>
                  <Button size="compact-xs" variant="default" onClick={() => cancel.mutate(id)} data-testid="drop-change">
                    Drop
                  </Button>
                </>
              )}
              {(op.state === "queued" || op.state === "failed" || op.state === "unknown") && (
                <Button size="compact-xs" variant="light" onClick={() => retry.mutate({ id, anyway: false })} data-testid="retry-change">
                  {op.state === "failed" ? "Retry" : op.state === "unknown" ? "Send again" : "Send now"}
                </Button>
              )}
              {op.state === "unknown" && (
                <Button size="compact-xs" variant="subtle" color="gray" onClick={() => cancel.mutate(id)} data-testid="dismiss-change" title="You checked it at the vendor: stop asking">
                  Dismiss
                </Button>
              )}
              {op.state === "queued" && (
                <>
                  <Button size="compact-xs" variant="default" onClick={() => navigate("assign", { edit: id })} data-testid="edit-change">
                    Edit
                  </Button>
                  <Button size="compact-xs" variant="subtle" color="red" onClick={() => cancel.mutate(id)} data-testid="cancel-change">
                    Cancel
                  </Button>
                </>
              )}
            </Group>
          );
        },
      },
    ],
    [cancel, retry, navigate, look],
  );

  const connectionOptions = (connections.data ?? []).map((c) => ({ value: c.connection.id, label: c.connection.display_name }));
  const peopleOptions = (people.data ?? []).map((p) => ({ value: String(p.id), label: p.display_name }));
  const agentOptions = (agents.data ?? []).map((a) => ({ value: String(a.agent.id), label: `${a.agent.name} (${a.agent.connection_name})` }));
  // Works in the search box too: a chord, not a letter.
  useHotkeys([[SHORTCUTS.exportView.keys, () => exporting.isPending || exporting.mutate()]], []);
  const stateOptions = (Object.keys(STATE_LABELS) as OperationState[]).map((s) => ({ value: s, label: STATE_LABELS[s] }));
  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Title order={2}>History</Title>
        <Group gap="xs">
          <Button variant="default" onClick={() => sendAll.mutate()} loading={sendAll.isPending} data-testid="send-waiting">
            Send waiting changes now
          </Button>
          <Button onClick={() => exporting.mutate()} loading={exporting.isPending} data-testid="export-history">
            Export CSV
          </Button>
        </Group>
      </Group>
      <Group gap="xs" align="flex-end">
        <TextInput label="Search" placeholder="Customer, agent or vendor message" value={search} onChange={(e) => setSearch(e.currentTarget.value)} w={260} data-testid="history-search" />
        <Select label="Connection" placeholder="All" clearable data={connectionOptions} value={connection} onChange={setConnection} w={180} />
        <Select label="Person" placeholder="Anyone" clearable searchable data={peopleOptions} value={person} onChange={setPerson} w={180} />
        <Select label="Agent" placeholder="Any" clearable searchable limit={50} data={agentOptions} value={agent} onChange={setAgent} w={180} data-testid="history-agent" />
        <MultiSelect label="State" placeholder="Any" clearable data={stateOptions} value={states} onChange={setStates} w={220} data-testid="history-states" />
        <TextInput type="date" label="From" value={from} onChange={(e) => setFrom(e.currentTarget.value)} w={150} />
        <TextInput type="date" label="To" value={to} onChange={(e) => setTo(e.currentTarget.value)} w={150} />
      </Group>
      {waiting.data && waiting.data.queued + waiting.data.sending + waiting.data.conflict + waiting.data.unknown > 0 && states.length === 0 && (
        <Alert color={waiting.data.conflict + waiting.data.unknown > 0 ? "orange" : "yellow"} py="xs" data-testid="waiting-banner">
          <Group justify="space-between">
            <Text size="sm">
              {waiting.data.queued + waiting.data.sending} change{waiting.data.queued + waiting.data.sending === 1 ? "" : "s"} waiting for a vendor
              {waiting.data.conflict > 0 && `, ${waiting.data.conflict} need${waiting.data.conflict === 1 ? "s" : ""} your decision (the target changed since you asked)`}
              {waiting.data.unknown > 0 &&
                `, ${waiting.data.unknown} sent but not confirmed by the vendor (check the target, then send again or dismiss)`}
              .
            </Text>
            <Button size="compact-sm" variant="white" onClick={() => setStates(["queued", "sending", "conflict", "unknown"])} data-testid="show-waiting">
              Show them
            </Button>
          </Group>
        </Alert>
      )}
      {job && (
        <Group gap="xs">
          <Badge variant="light" color="grape" rightSection={<CloseButton size="xs" onClick={() => setJob(null)} aria-label="Back to all of History" />} data-testid="job-filter">
            Only the job: {job.title}
          </Badge>
        </Group>
      )}
      {target && (
        <Group gap="xs">
          <Badge variant="light" rightSection={<CloseButton size="xs" onClick={() => setTarget(null)} aria-label="Show every target" />} data-testid="target-filter">
            Only {target.label}
          </Badge>
        </Group>
      )}
      <Text size="sm" c="dimmed">
        Read from this computer's journal: it works offline. {rows.length} shown{hasNextPage ? ", scroll for more" : ""}.
      </Text>
      <VirtualTable data={rows} columns={columns} rowHeight={52} empty={pages.isLoading ? "Loading…" : "No changes match."} onEndReached={more} testId="history-table" />
    </Stack>
  );
}

/** What a change did, in a manager's words: "Assign Ana Lima", "Release",
 * "Set status Training", "Move to Bruno Lima". */
function changeHeadline(op: HistoryRow["operation"]): string {
  if (op.request.type === "set_status") return `Set status ${op.request.status_name}`;
  if (op.request.type === "move") return op.request.to === null ? "Take off (released)" : `Move to ${op.agent_names.join(", ")}`;
  if (op.kind === "release") return `Release ${op.agent_names.join(", ")}`.trim();
  return `Assign ${op.agent_names.join(", ")}`;
}
