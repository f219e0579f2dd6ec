import { Alert, Badge, Button, Card, Checkbox, Group, NumberInput, Select, Stack, Text, TextInput, Title, Tooltip } from "@mantine/core";
import { useDebouncedValue, useInterval } from "@mantine/hooks";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { ColumnDef } from "@tanstack/react-table";
import { useEffect, useMemo, useRef, useState } from "react";

import type { BoardAgent } from "../bindings/BoardAgent";
import { onStatusPolled, pollStatuses, setStatus } from "../bindings/commands";
import type { StatusOutcome } from "../bindings/StatusOutcome";
import type { TenantStatus } from "../bindings/TenantStatus";
import type { Vendor } from "../bindings/Vendor";
import { type Mover, ReassignModal } from "../components/ReassignModal";
import { VirtualTable } from "../components/VirtualTable";
import { ago, when } from "../format";
import { useBackendEvent } from "../events";
import { useWatchStatuses } from "../watch";
import { errorTitle, toIpcError } from "../ipc";
import { useAreaParams } from "../navigation";
import { keys, useStatusBoard, useVendorLook } from "../queries";
import { type BoardRow, boardFilter, boardRows, duration, textOn } from "./statusBoard";

/** How often the window tells the backend the board is still watched. */
/** A read older than this is not "live". */
const STALE_AFTER_MS = 60_000;

function StatusChip({ agent, statuses, now }: { agent: BoardAgent; statuses: TenantStatus[]; now: number }) {
  const s = agent.status;
  if (!s) return null;
  const tenant = statuses.find((t) => t.connection_id === agent.connection_id && t.vendor_id === s.status_vendor_id);
  const color = tenant?.color ?? null;
  const stale = now - s.seen_at > STALE_AFTER_MS;
  return (
    <Group gap={6} wrap="nowrap">
      <Badge radius="sm" style={{ background: color ?? undefined, color: textOn(color) }} data-testid="status-chip">
        {s.name}
      </Badge>
      <Tooltip label={`Since ${when(s.since)}; last seen ${when(s.seen_at)}`}>
        <Text size="xs" c={stale ? "orange" : "dimmed"}>
          {duration(now - s.since)}
          {stale ? ` · seen ${ago(s.seen_at)}` : ""}
        </Text>
      </Tooltip>
    </Group>
  );
}

/** Who is available, across platforms, live: statuses from CCAI Platform, what
 * the other platforms know (active, role, open assignments), grouped by team;
 * whole teams and agents moved to a status with honest per-agent results. */
export function StatusView() {
  const look = useVendorLook();
  const queryClient = useQueryClient();
  const [now, setNow] = useState(Date.now());
  const [search, setSearch] = useState("");
  const [debounced] = useDebouncedValue(search, 150);
  const [vendor, setVendor] = useState<string | null>(null);
  // Opened from the palette on one team: shown alone, ticked for a status.
  const openTeam = useAreaParams().team;
  const [team, setTeam] = useState<string | null>(openTeam === undefined ? null : String(openTeam));
  const [statusFilter, setStatusFilter] = useState<string | null>(null);
  const [agents, setAgents] = useState<Set<number>>(new Set());
  const [teams, setTeams] = useState<Set<number>>(new Set(openTeam === undefined ? [] : [openTeam]));
  const [target, setTarget] = useState<string | null>(null);
  const [moving, setMoving] = useState<Mover | null>(null);
  const [dropAfter, setDropAfter] = useState<number | string>(15);
  const [outcome, setOutcome] = useState<StatusOutcome | null>(null);
  const [pollErrors, setPollErrors] = useState<Record<string, string>>({});
  const board = useStatusBoard();
  useBackendEvent(onStatusPolled, (e) => {
    setPollErrors((all) => {
      const next = { ...all };
      if (e.error) next[e.connection_id] = e.error;
      else delete next[e.connection_id];
      return next;
    });
    setNow(Date.now());
    void queryClient.invalidateQueries({ queryKey: keys.statusBoard });
  });
  const tick = useInterval(() => setNow(Date.now()), 15_000);

  // Polling follows the board: watched while it is open and the window visible.
  useWatchStatuses();
  useEffect(() => {
    tick.start();
    return () => tick.stop();
    // Once per visit of the board.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  // A first read right away, so the board is fresh when it opens.
  // (Only platforms with statuses; a team-online flag comes with the next round.)
  const pollIds = [...new Set((board.data?.agents ?? []).filter((a) => a.status).map((a) => a.connection_id))].join(",");
  useEffect(() => {
    for (const id of pollIds.split(",").filter(Boolean)) {
      pollStatuses({ connection_id: id })
        .then(() => setPollErrors((all) => Object.fromEntries(Object.entries(all).filter(([k]) => k !== id))))
        .catch((e) => setPollErrors((all) => ({ ...all, [id]: toIpcError(e).message })))
        .finally(() => void queryClient.invalidateQueries({ queryKey: keys.statusBoard }));
    }
  }, [pollIds, queryClient]);

  const data = board.data;
  const filter = useMemo(() => boardFilter(debounced, vendor as Vendor | null, team, statusFilter), [debounced, vendor, team, statusFilter]);
  const shown = useStatusBoard(filter).data;
  const rows = useMemo(() => (shown ? boardRows(shown, team === null ? null : Number(team)) : []), [shown, team]);
  const statuses = data?.statuses ?? [];
  const statusConnections = new Set((data?.agents ?? []).filter((a) => a.status).map((a) => a.connection_id));
  const selectedAgents = (data?.agents ?? []).filter((a) => agents.has(Number(a.agent_id)));
  const selectedTeams = (data?.teams ?? []).filter((t) => teams.has(Number(t.id)));
  const connection = selectedAgents[0]?.connection_id ?? selectedTeams[0]?.connection_id ?? null;
  const mixed = [...selectedAgents.map((a) => a.connection_id), ...selectedTeams.map((t) => t.connection_id)].some((c) => c !== connection);
  const offered = statuses.filter((s) => s.connection_id === connection && s.offered);

  const run = useMutation({
    mutationFn: () =>
      setStatus({
        connection_id: connection!,
        status_id: target!,
        agents: selectedAgents.map((a) => a.agent_id),
        teams: selectedTeams.map((t) => t.id),
        drop_after_minutes: Number(dropAfter) || null,
      }),
    onMutate: () => setOutcome(null),
    onSuccess: async (o) => {
      setOutcome(o);
      await queryClient.invalidateQueries();
    },
  });

  const apply = () => {
    if (connection && !mixed && target && !run.isPending) run.mutate();
  };
  // Opened on a team (from the palette): once the board knows it, the status
  // picker has the focus, so the keyboard goes on: ↓, Enter, Ctrl+Enter.
  const statusBox = useRef<HTMLInputElement>(null);
  const focused = useRef(false);
  useEffect(() => {
    if (openTeam !== undefined && connection && !focused.current) {
      focused.current = true;
      statusBox.current?.focus();
    }
  }, [openTeam, connection]);

  const toggle = (set: Set<number>, id: number, on: boolean) => {
    const next = new Set(set);
    if (on) next.add(id);
    else next.delete(id);
    return next;
  };
  const columns = useMemo<ColumnDef<BoardRow, unknown>[]>(
    () => [
      {
        id: "select",
        header: "",
        size: 44,
        cell: ({ row }) => {
          const r = row.original;
          if (r.kind === "team") {
            if (!r.team || !statusConnections.has(r.team.connection_id)) return null;
            const id = Number(r.team.id);
            return <Checkbox aria-label={`Select team ${r.team.name}`} checked={teams.has(id)} onChange={(e) => {
                  // Read now: the event is gone by the time React runs the update.
                  const on = e.currentTarget.checked;
                  setTeams((s) => toggle(s, id, on));
                }} data-testid="select-team" />;
          }
          const own = r.person.statusAgents;
          if (!own.length) return null;
          const all = own.every((a) => agents.has(Number(a.agent_id)));
          return (
            <Checkbox
              aria-label={`Select ${r.person.name}`}
              checked={all}
              onChange={(e) => {
                const on = e.currentTarget.checked;
                setAgents((s) => own.reduce((acc, a) => toggle(acc, Number(a.agent_id), on), s));
              }}
              data-testid="select-person"
            />
          );
        },
      },
      {
        header: "Team / person",
        size: 250,
        cell: ({ row }) => {
          const r = row.original;
          if (r.kind === "team")
            return (
              <Stack gap={0} data-testid="team-row">
                <Text fw={700} size="sm" truncate>
                  {r.team?.name ?? "No team"}
                </Text>
                <Text size="xs" c="dimmed">
                  {r.team ? `${r.team.connection_name} · ` : ""}
                  {r.people} {r.people === 1 ? "person" : "people"}
                </Text>
              </Stack>
            );
          return (
            <Stack gap={0} pl="sm">
              <Text size="sm" fw={500} truncate data-testid="board-person">
                {r.person.name}
              </Text>
              <Text size="xs" c="dimmed" truncate>
                {r.person.email ?? ""}
              </Text>
            </Stack>
          );
        },
      },
      {
        header: "Status",
        size: 260,
        cell: ({ row }) => {
          const r = row.original;
          if (r.kind === "team") {
            return (
              <Group gap={4} wrap="wrap">
                {Object.entries(r.counts)
                  .sort((a, b) => b[1] - a[1])
                  .slice(0, 4)
                  .map(([k, n]) => {
                    const [conn, id] = [k.slice(0, k.indexOf(":")), k.slice(k.indexOf(":") + 1)];
                    const s = statuses.find((t) => t.connection_id === conn && t.vendor_id === id);
                    return (
                      <Badge key={k} size="sm" radius="sm" variant="outline" tt="none" style={{ borderColor: s?.color ?? undefined, flexShrink: 0 }} data-testid="team-count">
                        {s?.name ?? id} {n}
                      </Badge>
                    );
                  })}
              </Group>
            );
          }
          return (
            <Stack gap={2}>
              {r.person.statusAgents.map((a) => (
                <StatusChip key={a.agent_id} agent={a} statuses={statuses} now={now} />
              ))}
            </Stack>
          );
        },
      },
      {
        header: "Other platforms",
        size: 330,
        cell: ({ row }) => {
          const r = row.original;
          if (r.kind === "team") return null;
          return (
            <Group gap={4} wrap="wrap">
              {r.person.agents
                .filter((a) => !a.status)
                .map((a) => (
                  <Tooltip key={a.agent_id} label={`${a.connection_name}: ${a.active ? "active" : "inactive"}${a.role ? `, ${a.role}` : ""}, ${a.assignments} open`}>
                    <Badge
                      size="sm"
                      radius="sm"
                      variant="light"
                      color={look.color(a.vendor)}
                      style={{ opacity: a.active ? 1 : 0.45, textTransform: "none", flexShrink: 0 }}
                      data-testid="other-platform"
                    >
                      {look.name(a.vendor)} {a.active ? a.assignments : "off"}
                    </Badge>
                  </Tooltip>
                ))}
            </Group>
          );
        },
      },
      {
        header: "Open",
        size: 130,
        cell: ({ row }) => {
          if (row.original.kind !== "person") return null;
          const p = row.original.person;
          const id = p.agents.find((a) => a.person_id !== null)?.person_id ?? null;
          return (
            <Group gap={6} wrap="nowrap">
              <Text size="sm">{p.assignments}</Text>
              {id !== null && p.assignments > 0 && (
                <Button size="compact-xs" variant="subtle" onClick={() => setMoving({ id, display_name: p.name })} title={`Hand everything ${p.name} holds to others`} data-testid="board-reassign">
                  Reassign…
                </Button>
              )}
            </Group>
          );
        },
      },
    ],
    // Selections and time change what the cells show.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [agents, teams, statuses, now, data],
  );

  const polls = data?.polls ?? [];
  const names = new Map((data?.agents ?? []).map((a) => [a.connection_id, a.connection_name]));
  const statusOptions = statuses.map((s) => ({ value: `${s.connection_id}:${s.vendor_id}`, label: `${s.name}${s.system ? "" : " (custom)"}` }));
  const err = run.error ? toIpcError(run.error) : null;
  return (
    <Stack gap="sm">
      <Group justify="space-between" align="flex-start">
        <Title order={2}>Status board</Title>
        <Stack gap={2} align="flex-end" data-testid="board-freshness">
          {polls.map((p) => {
            const error = pollErrors[p.connection_id];
            const live = p.last_ok_at !== null && now - p.last_ok_at < STALE_AFTER_MS && !error;
            const name = names.get(p.connection_id) ?? "";
            // Vendors that only know whether the whole team is online say just that.
            const what =
              p.team_online !== null
                ? `team ${p.team_online ? "online" : "offline"}`
                : `${p.agents} agents, ${p.requests} request${p.requests === 1 ? "" : "s"}`;
            return (
              <Text key={p.connection_id} size="xs" c={live ? "green" : "orange"} data-live={live}>
                {name}: {live ? `live, read ${ago(p.last_ok_at)} (${what})` : `last known ${p.last_ok_at ? `at ${when(p.last_ok_at)}` : "— never read"}${p.team_online !== null ? ` (${what})` : ""}${error ? `; ${error}` : ""}`}
              </Text>
            );
          })}
        </Stack>
      </Group>
      <Group gap="xs" align="flex-end">
        <TextInput label="Search" placeholder="Name or email" value={search} onChange={(e) => setSearch(e.currentTarget.value)} w={200} data-testid="board-search" />
        <Select label="Platform" placeholder="All" clearable data={look.all.map((v) => ({ value: v, label: look.name(v) }))} value={vendor} onChange={setVendor} w={150} />
        <Select label="Team" placeholder="All" clearable searchable data={(data?.teams ?? []).map((t) => ({ value: String(t.id), label: `${t.name} (${t.connection_name})` }))} value={team} onChange={setTeam} w={210} />
        <Select label="Status" placeholder="Any" clearable data={statusOptions} value={statusFilter} onChange={setStatusFilter} w={150} data-testid="board-status-filter" />
      </Group>
      <Card
        withBorder
        py="xs"
        // Caught before the status picker sees it: Enter would reopen its list.
        onKeyDownCapture={(e) => {
          if ((e.ctrlKey || e.metaKey) && e.key === "Enter") {
            e.preventDefault();
            e.stopPropagation();
            apply();
          }
        }}
      >
        <Group gap="xs" align="flex-end">
          <Text size="sm" fw={500} data-testid="board-selection">
            {selectedTeams.length} team{selectedTeams.length === 1 ? "" : "s"}, {selectedAgents.length} agent{selectedAgents.length === 1 ? "" : "s"} selected
          </Text>
          <Select label="Set status" placeholder={connection ? "Choose a status" : "Select agents or teams"} data={offered.map((s) => ({ value: s.vendor_id, label: s.name }))} value={target} onChange={setTarget} disabled={!connection || mixed} w={200} ref={statusBox} data-testid="board-set-status" />
          <Tooltip label="If CCAI Platform cannot be reached, the change waits this long and is then dropped: statuses go stale.">
            <NumberInput label="Drop after (min)" min={1} max={1440} value={dropAfter} onChange={setDropAfter} w={140} />
          </Tooltip>
          <Button onClick={apply} loading={run.isPending} disabled={!connection || mixed || !target} data-testid="board-apply">
            Apply
          </Button>
          {(agents.size > 0 || teams.size > 0) && (
            <Button variant="subtle" onClick={() => { setAgents(new Set()); setTeams(new Set()); }}>
              Clear selection
            </Button>
          )}
        </Group>
        {mixed && <Text size="xs" c="orange">Choose agents and teams of one connection at a time.</Text>}
      </Card>
      {err && (
        <Alert color="red" title={errorTitle(err.code)} data-testid="board-error">
          {err.message}
        </Alert>
      )}
      {outcome && (
        <Card withBorder data-testid="board-results">
          <Text fw={600} size="sm" mb={4}>
            {outcome.operation.state === "queued"
              ? "Waiting: CCAI Platform cannot be reached; sent when it is back, or dropped when too late."
              : (outcome.operation.message ?? outcome.operation.state)}
          </Text>
          <Stack gap={2}>
            {outcome.agents.map((a) => (
              <Group key={a.agent_vendor_id} gap="xs" wrap="nowrap">
                <Badge size="sm" color={a.changed ? "green" : a.already ? "gray" : "orange"} variant="light" data-testid="board-result">
                  {a.changed ? "changed" : a.already ? "already" : "kept"}
                </Badge>
                <Text size="sm">
                  {a.name}:{" "}
                  {a.changed
                    ? `${a.previous} → ${a.current}`
                    : a.already
                      ? `already ${a.current}`
                      : `still ${a.current}${a.message ? ` — ${a.message}` : ""}`}
                </Text>
              </Group>
            ))}
          </Stack>
        </Card>
      )}
      <VirtualTable data={rows} columns={columns} rowHeight={54} height="calc(100vh - 330px)" empty={board.isLoading ? "Loading…" : "Nobody matches."} testId="board-table" />
      {moving && <ReassignModal person={moving} onClose={() => setMoving(null)} />}
    </Stack>
  );
}
