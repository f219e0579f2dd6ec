import { Alert, Badge, Button, Card, Checkbox, Group, Kbd, MultiSelect, Select, Stack, Table, Text, Textarea, TextInput, Title } from "@mantine/core";
import { modals } from "@mantine/modals";
import { getHotkeyHandler, useDebouncedValue } from "@mantine/hooks";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";

import { assign, getOperation, listTargets, previewAssign, refreshTarget, release } from "../bindings/commands";
import type { JobOutcome } from "../bindings/JobOutcome";
import type { OperationState } from "../bindings/OperationState";
import type { TargetRow } from "../bindings/TargetRow";
import { VendorBadge } from "../components/Badges";
import { ago, phone, waitingReason } from "../format";
import { errorTitle, toIpcError } from "../ipc";
import { useAreaParams, useNavigate } from "../navigation";
import { STATE_COLORS, STATE_LABELS } from "../components/states";
import { ALL_TARGETS, keys, useAgents, usePeople, useTeams, useVendors, useVendorLook } from "../queries";

const EMPTY_QUERY = ALL_TARGETS;

function assigneeNames(row: TargetRow): string {
  return row.assignees.map((a) => a.name ?? a.agent_vendor_id).join(", ");
}

/** Live status of the picked target: read from the vendor, or the cache's copy. */
type Freshness = { state: "live"; at: number } | { state: "cached"; why: string } | { state: "reading" };

/** Assign agents, people or teams to one client, contact, chat or conversation,
 * with the options its platform has; release where the platform can. Every
 * change is journaled before it is sent. Keyboard: type, ↓/↑ and Enter to pick,
 * choose, Ctrl+Enter to send. */
export function AssignView() {
  const look = useVendorLook();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const { edit, target: openWith } = useAreaParams();
  const [search, setSearch] = useState("");
  const [debounced] = useDebouncedValue(search, 150);
  const [highlight, setHighlight] = useState(0);
  const [target, setTarget] = useState<TargetRow | null>(null);
  const [fresh, setFresh] = useState<Freshness | null>(null);
  const [agents, setAgents] = useState<string[]>([]);
  const [people, setPeople] = useState<string[]>([]);
  const [teams, setTeams] = useState<string[]>([]);
  const [until, setUntil] = useState("");
  const [notes, setNotes] = useState("");
  const [replace, setReplace] = useState(false);
  const [replaces, setReplaces] = useState<number | null>(null);
  const [outcome, setOutcome] = useState<JobOutcome | null>(null);
  // What the last result was for: an assignment, or a release (and of whom).
  const [lastAction, setLastAction] = useState<"assign" | "release">("assign");
  // Said when Ctrl+Enter is pressed with nobody chosen yet.
  const [nudge, setNudge] = useState<string | null>(null);
  const resultCard = useRef<HTMLDivElement>(null);
  const searchBox = useRef<HTMLInputElement>(null);
  const agentBox = useRef<HTMLInputElement>(null);
  const vendorList = useVendors();
  const found = useQuery({
    queryKey: keys.assignTargets(debounced),
    queryFn: () => listTargets({ ...EMPTY_QUERY, search: debounced.trim() || null, limit: 20 }),
    placeholderData: keepPreviousData,
  });
  const connectionId = target?.target.connection_id ?? null;
  const candidates = useAgents(connectionId, null, target !== null);
  const everyone = usePeople(null, target !== null);
  const allTeams = useTeams(null, target !== null);
  const caps = vendorList.data?.find((v) => v.vendor === target?.vendor)?.capabilities;

  /** Picks a target and reads its assignees live from the vendor where it can. */
  const pick = (row: TargetRow, focus = true) => {
    setTarget(row);
    setAgents([]);
    setPeople([]);
    setTeams([]);
    setOutcome(null);
    setNudge(null);
    run.reset();
    unassign.reset();
    void readLive(row);
    if (focus) setTimeout(() => agentBox.current?.focus(), 0);
  };
  const readLive = async (row: TargetRow) => {
    const capsOf = vendorList.data?.find((v) => v.vendor === row.vendor)?.capabilities;
    if (capsOf && !capsOf.read_assignees) {
      setFresh({ state: "cached", why: `${look.name(row.vendor)} cannot be asked for one ${row.target.kind}; as last synced` });
      return;
    }
    setFresh({ state: "reading" });
    try {
      const live = await refreshTarget({ target_id: row.target.id });
      setTarget((t) => (t && t.target.id === live.target.id ? live : t));
      setFresh({ state: "live", at: Date.now() });
    } catch (e) {
      const err = toIpcError(e);
      const vendor = look.name(row.vendor);
      const why =
        err.code === "unreachable"
          ? `${vendor} cannot be reached right now`
          : err.code === "unauthorized"
            ? `${vendor} refused the key (fix it in Connections)`
            : err.code === "rate_limited"
              ? `${vendor} asks us to wait a moment`
              : `${vendor} could not be read (${errorTitle(err.code).toLowerCase()})`;
      setFresh({ state: "cached", why: `${why}: showing who the cache last saw.` });
    }
  };

  // Opened for one target (from a dashboard): picked, its assignees read live.
  useEffect(() => {
    if (openWith === undefined || edit !== undefined) return;
    void listTargets({ ...EMPTY_QUERY, target_id: openWith, search: null, limit: 1 }).then((page) => {
      const row = page.rows[0];
      if (!row) return;
      // The list shows the customer it was opened for, highlighted; the
      // choice below waits for the manager (no dropdown opens by itself).
      setSearch(row.target.name ?? row.target.vendor_id);
      setHighlight(0);
      pick(row, false);
    });
    // Only when opened for a target.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [openWith]);

  // Editing a waiting change (from History): the form opens filled in.
  useEffect(() => {
    if (edit === undefined) return;
    void (async () => {
      const detail = await getOperation({ operation_id: edit });
      const op = detail.operation;
      if (op.target_id === null) return;
      const page = await listTargets({ ...EMPTY_QUERY, target_id: op.target_id, search: null, limit: 1 });
      const row = page.rows[0];
      if (!row) return;
      setTarget(row);
      void readLive(row);
      setAgents(detail.agent_ids.map(String));
      const req = op.request;
      if (req.type === "assign") {
        setUntil(req.until ? new Date(req.until).toISOString().slice(0, 10) : "");
        setNotes(req.notes ?? "");
        setReplace(req.replace);
      }
      setReplaces(Number(op.id));
    })();
    // Only when opened for an edit.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [edit]);

  const agentOptions = (candidates.data ?? [])
    .filter((a) => a.agent.active)
    .map((a) => ({ value: String(a.agent.id), label: `${a.agent.name}${a.agent.email ? ` <${a.agent.email}>` : ""}` }));
  const personOptions = (everyone.data ?? [])
    .filter((p) => p.agents.some((a) => a.connection_id === connectionId && a.active))
    .map((p) => ({ value: String(p.id), label: p.display_name }));
  const teamOptions = (allTeams.data ?? []).map((t) => ({ value: String(t.id), label: `${t.name} (${t.connection_name}, ${t.members.length})` }));
  const chosen = agents.length + people.length + teams.length;
  useEffect(() => setNudge(null), [chosen]);
  // Who the choice reaches, and who it leaves out, before anything is sent.
  const preview = useQuery({
    queryKey: keys.assignPreview(target?.target.id, agents, people, teams),
    queryFn: () =>
      previewAssign({
        target_id: target!.target.id,
        agents: agents.map(Number),
        people: people.map(Number),
        teams: teams.map(Number),
        until: null,
        notes: null,
        replace: false,
        replaces: null,
      }),
    enabled: target !== null && chosen > 0,
    placeholderData: keepPreviousData,
  });

  const done = async (o: JobOutcome) => {
    setOutcome(o);
    setReplaces(null);
    // The result is what the manager looks for next: bring it into view.
    setTimeout(() => resultCard.current?.scrollIntoView?.({ behavior: "smooth", block: "nearest" }), 0);
    await queryClient.invalidateQueries();
    if (target) void readLive(target);
  };
  const run = useMutation({
    mutationFn: () =>
      assign({
        target_id: target!.target.id,
        agents: agents.map(Number),
        people: people.map(Number),
        teams: teams.map(Number),
        until: caps?.expiry && until ? new Date(`${until}T23:59:59`).getTime() : null,
        notes: caps?.notes && notes.trim() ? notes.trim() : null,
        replace: Boolean(caps?.replace && replace),
        replaces,
      }),
    onMutate: () => {
      setOutcome(null);
      setLastAction("assign");
    },
    onSuccess: done,
  });
  const unassign = useMutation({
    mutationFn: () => release({ target_id: target!.target.id, replaces }),
    onMutate: () => {
      setOutcome(null);
      setLastAction("release");
    },
    onSuccess: done,
  });
  const confirmRelease = () => {
    if (!target) return;
    const who = target.assignees.length ? assigneeNames(target) : "nobody, as far as the cache knows";
    modals.openConfirmModal({
      title: `Release ${target.target.name ?? target.target.vendor_id}?`,
      children: (
        <Text size="sm">
          {target.target.name ?? target.target.vendor_id} on {target.connection_name} is held by {who}. Releasing leaves it unassigned at{" "}
          {look.name(target.vendor)}.
        </Text>
      ),
      labels: { confirm: "Release", cancel: "Keep it" },
      confirmProps: { color: "red", "data-testid": "confirm-release" } as never,
      onConfirm: () => unassign.mutate(),
    });
  };
  const submit = () => {
    if (!target) {
      setNudge("Find and pick a customer first.");
    } else if (chosen === 0) {
      setNudge("Choose an agent, a person or a team first.");
    } else if (!run.isPending) {
      setNudge(null);
      run.mutate();
    }
  };
  const rows = found.data?.rows ?? [];
  const onSearchKey = (e: React.KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "ArrowDown") {
      e.preventDefault();
      setHighlight((h) => Math.min(h + 1, rows.length - 1));
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      setHighlight((h) => Math.max(h - 1, 0));
    } else if (e.key === "Enter" && rows[highlight]) {
      e.preventDefault();
      pick(rows[highlight]);
    }
  };
  const error = run.error ?? unassign.error;
  const err = error ? toIpcError(error) : null;
  const single = caps ? !caps.several_assignees : false;
  return (
    <Stack gap="md" maw={1100} onKeyDown={getHotkeyHandler([["mod+Enter", submit]])}>
      <Group justify="space-between">
        <Title order={2}>Assign</Title>
        <Text size="xs" c="dimmed">
          <Kbd size="xs">↓</Kbd> <Kbd size="xs">↑</Kbd> <Kbd size="xs">Enter</Kbd> pick · <Kbd size="xs">Ctrl</Kbd>+<Kbd size="xs">Enter</Kbd> assign
        </Text>
      </Group>
      <Card withBorder>
        <Stack gap="xs">
          <Text fw={600}>1. Find the customer</Text>
          <TextInput
            ref={searchBox}
            placeholder="Name, phone, email or id"
            value={search}
            onChange={(e) => {
              setSearch(e.currentTarget.value);
              setHighlight(0);
            }}
            onKeyDown={onSearchKey}
            data-testid="assign-search"
            autoFocus
          />
          {found.isSuccess && rows.length === 0 && debounced.trim() !== "" && (
            <Text size="sm" c="dimmed" data-testid="assign-no-match">
              {noMatch(debounced.trim())}
            </Text>
          )}
          <Table highlightOnHover>
            <Table.Tbody>
              {rows.map((row, i) => (
                <Table.Tr
                  key={row.target.id}
                  onClick={() => pick(row)}
                  style={{ cursor: "pointer", outline: i === highlight ? "2px solid var(--mantine-color-indigo-3)" : undefined }}
                  bg={target?.target.id === row.target.id ? "var(--mantine-color-indigo-light)" : undefined}
                  data-testid="assign-target"
                >
                  <Table.Td>{row.target.name ?? row.target.vendor_id}</Table.Td>
                  <Table.Td>{row.target.phone ? phone(row.target.phone) : (row.target.email ?? "")}</Table.Td>
                  <Table.Td>
                    <VendorBadge vendor={row.vendor} demo={row.is_demo} />
                  </Table.Td>
                  <Table.Td>{row.assignees.length ? assigneeNames(row) : <Text c="dimmed" fs="italic" size="sm">Unassigned</Text>}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Stack>
      </Card>
      {target && caps && (
        <Card withBorder>
          <Stack gap="xs">
            <Group justify="space-between" align="flex-start">
              <Stack gap={2}>
                <Text fw={600}>
                  2. {replaces ? "Edit the waiting change for" : "Choose who takes"} {target.target.name ?? target.target.vendor_id} on {target.connection_name}
                </Text>
                <Text size="sm" data-testid="current-assignees">
                  Now: {target.assignees.length ? assigneeNames(target) : "unassigned"}
                </Text>
                <Text size="xs" c="dimmed" data-testid="assignees-freshness">
                  {fresh?.state === "live" && `Read from ${look.name(target.vendor)} ${ago(fresh.at)}`}
                  {fresh?.state === "reading" && `Reading from ${look.name(target.vendor)}…`}
                  {fresh?.state === "cached" && fresh.why}
                </Text>
              </Stack>
              {caps.release && (
                <Button variant="light" color="red" onClick={confirmRelease} loading={unassign.isPending} disabled={target.assignees.length === 0 && fresh?.state === "live"} data-testid="release">
                  Release (unassign)
                </Button>
              )}
            </Group>
            {single && (
              <Text size="sm" c="dimmed" data-testid="single-assignee-note">
                A {look.name(target.vendor)} {target.target.kind} holds one agent: the one you choose replaces
                {target.assignees.length ? ` ${assigneeNames(target)}` : " nobody (it is unassigned)"}.
              </Text>
            )}
            {single ? (
              <Group grow>
                <Select label="Agent" searchable selectFirstOptionOnChange value={agents[0] ?? null} onChange={(v) => { setAgents(v ? [v] : []); setPeople([]); }} data={agentOptions} ref={agentBox} data-testid="assign-agents" />
                <Select label="or a person" searchable clearable selectFirstOptionOnChange value={people[0] ?? null} onChange={(v) => { setPeople(v ? [v] : []); setAgents([]); }} data={personOptions} data-testid="assign-people" />
              </Group>
            ) : (
              <>
                <MultiSelect label="Agents" searchable selectFirstOptionOnChange value={agents} onChange={(v) => { setAgents(v); setNudge(null); }} data={agentOptions} ref={agentBox} data-testid="assign-agents" />
                <Group grow>
                  <MultiSelect label="People" description="Each one's agent on this platform" searchable selectFirstOptionOnChange value={people} onChange={setPeople} data={personOptions} data-testid="assign-people" />
                  <MultiSelect label="Teams" description="From any platform: each member's agent here" searchable selectFirstOptionOnChange value={teams} onChange={setTeams} data={teamOptions} data-testid="assign-teams" />
                </Group>
              </>
            )}
            {caps.expiry && (
              <TextInput type="date" label="Expires on" description="Empty means Pingup's default: 23 June 2143." value={until} onChange={(e) => setUntil(e.currentTarget.value)} data-testid="assign-until" />
            )}
            {caps.notes && <Textarea label="Notes" autosize minRows={2} maxLength={2000} value={notes} onChange={(e) => setNotes(e.currentTarget.value)} />}
            {caps.replace && (
              <Checkbox label="Replace the contact's current agents (instead of adding)" checked={replace} onChange={(e) => setReplace(e.currentTarget.checked)} />
            )}
            {chosen > 0 && preview.data && !preview.isError && (
              <Stack gap={2} data-testid="assign-preview">
                <Text size="sm">
                  Goes to {preview.data.agents.length === 1 ? "" : `${preview.data.agents.length}: `}
                  {preview.data.agents.join(", ")}
                </Text>
                {preview.data.skipped.length > 0 && (
                  <Text size="sm" c="orange.8" data-testid="assign-preview-skipped">
                    Not sent to {preview.data.skipped.length}: {preview.data.skipped.join("; ")}.
                  </Text>
                )}
              </Stack>
            )}
            {chosen > 0 && preview.isError && (
              <Text size="sm" c="red" data-testid="assign-preview-error">
                {toIpcError(preview.error).message}
              </Text>
            )}
            <Group justify="flex-end">
              {nudge && (
                <Text size="sm" c="orange.8" data-testid="assign-nudge">
                  {nudge}
                </Text>
              )}
              {replaces && (
                <Button variant="default" onClick={() => navigate("history")}>
                  Keep the waiting change
                </Button>
              )}
              <Button onClick={submit} loading={run.isPending} disabled={chosen === 0} data-testid="assign-submit">
                {replaces ? "Replace the waiting change" : "Assign"}
              </Button>
            </Group>
            {err && (
              <Alert color="red" title={errorTitle(err.code)} data-testid="assign-error">
                {err.message}
              </Alert>
            )}
          </Stack>
        </Card>
      )}
      {!target && nudge && (
        <Text size="sm" c="orange.8" data-testid="assign-nudge">
          {nudge}
        </Text>
      )}
      {outcome && (
        <Card withBorder data-testid="assign-results" ref={resultCard}>
          <Group justify="space-between" mb="xs">
            <Text fw={600} data-testid="assign-headline">
              Result: {headline(outcome)}
            </Text>
            <Button size="compact-sm" variant="subtle" onClick={() => navigate("history")} data-testid="see-history">
              See in History
            </Button>
          </Group>
          <Stack gap="xs">
            {outcome.results.map((r) => (
              <Group key={r.operation_id} gap="xs" align="flex-start" wrap="nowrap">
                <Badge color={STATE_COLORS[r.state] ?? "gray"} variant="light" data-testid="assign-result-state">
                  {STATE_LABELS[r.state] ?? r.state}
                </Badge>
                <Stack gap={0}>
                  <Text size="sm">
                    {lastAction === "release"
                      ? `Released ${r.agent_names.length ? r.agent_names.join(", ") : "(nobody was assigned)"}`
                      : r.agent_names.join(", ")}
                  </Text>
                  {r.message && r.state !== "queued" && (
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
                      {waitingReason(r.error_code, r.message, look.name(target?.vendor ?? "pingup"))} The change is saved and goes out when it can.
                    </Text>
                  )}
                </Stack>
              </Group>
            ))}
            {outcome.skipped.length > 0 && (
              <Text size="sm" c="dimmed" data-testid="assign-skipped">
                Not sent: {outcome.skipped.join("; ")}.
              </Text>
            )}
          </Stack>
        </Card>
      )}
    </Stack>
  );
}

/** One line for a job's results: partial and unconfirmed outcomes are said as such. */
function headline(outcome: JobOutcome): string {
  const n = outcome.results.length;
  const count = (state: OperationState) => outcome.results.filter((r) => r.state === state).length;
  const done = count("done");
  if (count("unknown") > 0) return `sent, not confirmed for ${count("unknown")} of ${n}: check the target`;
  const skipped = outcome.skipped.length;
  if (outcome.state === "done") return skipped > 0 ? `partial: ${done} of ${done + skipped} assigned, ${skipped} skipped (named below)` : "done";
  if (done > 0 && done < n) return `partial: ${done} of ${n} done`;
  if (outcome.state === "queued") return "waiting";
  return outcome.state;
}

/** Why a search found nothing, and what to try. */
function noMatch(text: string): string {
  const digits = text.replace(/\D/g, "");
  const looksLikePhone = /^[+\d(][\d\s().-]*$/.test(text);
  if (looksLikePhone && digits.length < 6) {
    return `No match for "${text}": a phone needs at least 6 digits (country code first, e.g. +91 98765 43210).`;
  }
  if (looksLikePhone) {
    return `No customer in the cache has the phone ${text}. Check the digits, or sync the connection if the customer is new.`;
  }
  return `No customer, contact or chat in the cache matches "${text}". Search by name, phone, email or the vendor's id; sync the connection if it is new.`;
}
