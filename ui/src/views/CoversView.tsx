import { Alert, Badge, Button, Checkbox, Group, Modal, MultiSelect, SegmentedControl, Select, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { modals } from "@mantine/modals";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { useDebouncedValue, useHotkeys } from "@mantine/hooks";

import { addCover, cancelCover, editCover, endCover, extendCover, listCovers, previewCover } from "../bindings/commands";
import type { CoverRequest } from "../bindings/CoverRequest";
import type { CoverRow } from "../bindings/CoverRow";
import { JobPanel } from "../components/JobPanel";
import { PlanSummary } from "../components/PlanSummary";
import { errorTitle, toIpcError } from "../ipc";
import { SHORTCUTS } from "../shortcuts";
import { useConnections, usePeople, useStatusBoard, useTeams } from "../queries";

/** This computer's time zone, as the times are entered in. */
const ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;

/** An instant as the cover's manager gave it: in the cover's zone. */
function inZone(ms: number, zone: string): string {
  try {
    return new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZone: zone }).format(ms);
  } catch {
    return new Date(ms).toLocaleString();
  }
}

/** A `datetime-local` value (this computer's time) for an instant, and back. */
function toInput(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
function fromInput(value: string): number | null {
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? null : ms;
}

const STATE_COLOR: Record<string, string> = { active: "green", scheduled: "blue", ended: "gray", cancelled: "gray" };
const STEP_WORDS: Record<string, string> = { start: "Handed over", follow: "New work handed on", end: "Handed back" };

function minutesLate(ms: number | null): string {
  if (ms == null) return "";
  const m = Math.round(ms / 60_000);
  return m >= 60 ? ` (ran ${Math.round(m / 60)} h late: Switchboard was closed)` : ` (ran ${m} min late: Switchboard was closed)`;
}

/** Adding or changing a cover: who is away, when, and who covers. */
function CoverForm({ row, onClose }: { row: CoverRow | null; onClose: () => void }) {
  const queryClient = useQueryClient();
  const people = usePeople().data ?? [];
  const teams = useTeams().data ?? [];
  const connections = useConnections().data ?? [];
  const c = row?.cover;
  const started = c?.state === "active";
  const hour = 3_600_000;
  const [person, setPerson] = useState<string | null>(c ? String(c.person_id) : null);
  const [from, setFrom] = useState(toInput(c?.starts_at ?? Math.ceil(Date.now() / hour) * hour));
  const [until, setUntil] = useState(toInput(c?.ends_at ?? Math.ceil(Date.now() / hour) * hour + 8 * hour));
  const [mode, setMode] = useState<"people" | "team">(c?.to_team != null ? "team" : "people");
  const [to, setTo] = useState<string[]>((c?.to_people ?? []).map(String));
  const [team, setTeam] = useState<string | null>(c?.to_team != null ? String(c.to_team) : null);
  const [strategy, setStrategy] = useState(c?.strategy ?? "round_robin");
  const [only, setOnly] = useState<string[]>(c?.connections ?? []);
  const [follow, setFollow] = useState(c?.follow_new ?? true);
  const [pingupUntil, setPingupUntil] = useState(c?.pingup_until ?? false);
  const [note, setNote] = useState(c?.note ?? "");
  const save = useMutation({
    mutationFn: (request: CoverRequest) => (row ? editCover({ id: row.cover.id, cover: request }) : addCover(request)),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["covers"] });
      onClose();
    },
  });
  const starts = fromInput(from);
  const ends = fromInput(until);
  const request: CoverRequest | null =
    person == null || starts == null || ends == null
      ? null
      : {
          person: Number(person),
          starts_at: starts,
          ends_at: ends,
          zone: c?.zone ?? ZONE,
          to: mode === "team" && team ? { kind: "team", id: Number(team) } : { kind: "people", ids: to.map(Number) },
          strategy: strategy as CoverRequest["strategy"],
          connections: only,
          follow_new: follow,
          pingup_until: pingupUntil,
          note: note.trim() || null,
        };
  // What the start would move now (a cover under way has moved it already).
  const chosen = mode === "people" ? to.length > 0 : team != null;
  const [asked] = useDebouncedValue(chosen ? request : null, 200);
  const preview = useQuery({
    queryKey: ["cover-preview", row?.cover.id ?? null, asked],
    queryFn: () => previewCover({ id: row?.cover.id ?? null, cover: asked! }),
    enabled: asked !== null && !started,
    retry: false,
  });
  const submit = () => request && save.mutate(request);
  const err = save.error ? toIpcError(save.error) : null;
  const choices = people.filter((p) => String(p.id) !== person).map((p) => ({ value: String(p.id), label: p.display_name }));
  return (
    <Modal opened onClose={onClose} title={row ? `Change the cover of ${row.person_name}` : "Someone is away"} size="lg" data-testid="cover-form">
      <Stack gap="sm">
        <Select label="Who is away" searchable data={people.map((p) => ({ value: String(p.id), label: p.display_name }))} value={person} onChange={setPerson} disabled={started} data-testid="cover-person" />
        <Group grow>
          <TextInput type="datetime-local" label="From" value={from} onChange={(e) => setFrom(e.currentTarget.value)} disabled={started} data-testid="cover-from" />
          <TextInput type="datetime-local" label="Until" value={until} onChange={(e) => setUntil(e.currentTarget.value)} data-testid="cover-until" />
        </Group>
        {!started && (
          <Group gap="xs" mt={-6}>
            <Button size="compact-xs" variant="subtle" onClick={() => setFrom(toInput(Date.now()))} data-testid="cover-from-now">
              From now
            </Button>
            <Text size="xs" c="dimmed">
              (gone home sick: the work moves at once)
            </Text>
          </Group>
        )}
        <Text size="xs" c="dimmed">
          Times in {c?.zone ?? ZONE}
          {c && c.zone !== ZONE ? ` (this computer is in ${ZONE}; the fields show its time)` : " (this computer's time zone)"}.
        </Text>
        <SegmentedControl
          value={mode}
          onChange={(v) => setMode(v as "people" | "team")}
          data={[
            { value: "people", label: "People cover" },
            { value: "team", label: "A team covers" },
          ]}
          disabled={started}
        />
        {mode === "people" ? (
          <MultiSelect label="Who covers" searchable data={choices} value={to} onChange={setTo} disabled={started} data-testid="cover-to" />
        ) : (
          <Select label="Team" searchable data={teams.map((t) => ({ value: String(t.id), label: `${t.name} (${t.connection_name})` }))} value={team} onChange={setTeam} disabled={started} />
        )}
        <Group>
          <SegmentedControl
            value={strategy}
            onChange={setStrategy}
            data={[
              { value: "round_robin", label: "In turn" },
              { value: "least_loaded", label: "Least loaded" },
            ]}
            disabled={started}
          />
          <Checkbox label="New work that arrives for them follows" checked={follow} onChange={(e) => setFollow(e.currentTarget.checked)} data-testid="cover-follow" />
        </Group>
        <Checkbox
          label="On Pingup, the cover's assignments end with the cover (Pingup takes them back even if no Switchboard is running)"
          checked={pingupUntil}
          onChange={(e) => setPingupUntil(e.currentTarget.checked)}
          disabled={started}
        />
        <MultiSelect label="Only on" placeholder="every platform" data={connections.map((s) => ({ value: s.connection.id, label: s.connection.display_name }))} value={only} onChange={setOnly} clearable disabled={started} />
        <TextInput label="Note" value={note} onChange={(e) => setNote(e.currentTarget.value)} placeholder="optional" />
        {err && (
          <Alert color="red" title={errorTitle(err.code)} data-testid="cover-error">
            {err.message}
          </Alert>
        )}
        {!err && preview.error && (
          <Alert color="orange" title={errorTitle(toIpcError(preview.error).code)} data-testid="cover-preview-error">
            {toIpcError(preview.error).message}
          </Alert>
        )}
        {preview.data && !started && (
          <Stack gap={4} data-testid="cover-preview">
            <Text size="sm" fw={500}>
              If it started now:
            </Text>
            <PlanSummary plan={preview.data} />
          </Stack>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={submit} loading={save.isPending} disabled={person == null || starts == null || ends == null} data-testid="cover-save">
            {row ? "Save" : "Add cover"}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** Covers: who is away and who covers, with each step's job and results. */
export function CoversView() {
  const queryClient = useQueryClient();
  const covers = useQuery({ queryKey: ["covers"], queryFn: listCovers, refetchInterval: 15_000 });
  const board = useStatusBoard();
  const [editing, setEditing] = useState<CoverRow | "new" | null>(null);
  useHotkeys([[SHORTCUTS.add.keys, () => setEditing((e) => e ?? "new")]]);
  const [results, setResults] = useState<string | null>(null);
  const [extending, setExtending] = useState<CoverRow | null>(null);
  const [newEnd, setNewEnd] = useState("");
  const done = () => void queryClient.invalidateQueries({ queryKey: ["covers"] });
  const failed = (e: unknown) => {
    const err = toIpcError(e);
    notifications.show({ color: "red", title: errorTitle(err.code), message: err.message });
  };
  const cancel = useMutation({ mutationFn: (id: number) => cancelCover({ id }), onSuccess: done, onError: failed });
  const end = useMutation({ mutationFn: (id: number) => endCover({ id }), onSuccess: done, onError: failed });
  const extend = useMutation({ mutationFn: (r: { id: number; ends_at: number }) => extendCover(r), onSuccess: () => (done(), setExtending(null)), onError: failed });
  // Is the person still away? Their CCAI Platform status now, where they have one.
  const statusOf = (person: number) => board.data?.agents.find((a) => a.person_id === person && a.status)?.status?.name ?? null;
  const rows = covers.data ?? [];
  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Title order={3}>Covers</Title>
        <Button onClick={() => setEditing("new")} data-testid="cover-add">
          Someone is away…
        </Button>
      </Group>
      <Text size="sm" c="dimmed">
        While someone is away their work goes to the people covering; when they are back, what the cover still holds goes back to them by itself. What someone else changed meanwhile stays, and the results say why.
      </Text>
      {covers.error && <Alert color="red">{toIpcError(covers.error).message}</Alert>}
      {rows.length === 0 && !covers.isPending && <Text c="dimmed">No covers yet.</Text>}
      <Table verticalSpacing="sm" data-testid="covers-table">
        <Table.Tbody>
          {rows.map((r) => {
            const c = r.cover;
            const status = c.state === "active" ? statusOf(c.person_id) : null;
            return (
              <Table.Tr key={c.id} data-testid="cover-row">
                <Table.Td>
                  <Group gap="xs">
                    <Badge color={STATE_COLOR[c.state]} variant="light">
                      {c.state === "active" ? "under way" : c.state}
                    </Badge>
                    <Text fw={500}>{r.person_name}</Text>
                    <Text size="sm">
                      away {inZone(c.starts_at, c.zone)} – {inZone(c.ends_at, c.zone)} <Text span c="dimmed" size="xs">({c.zone})</Text>
                    </Text>
                  </Group>
                  <Text size="sm">
                    {r.to_names.join(", ")} cover{r.to_names.length === 1 ? "s" : ""}
                    {c.follow_new ? "; new work follows" : ""}
                    {c.note ? ` · ${c.note}` : ""}
                  </Text>
                  {(r.started_late_ms != null || r.ended_late_ms != null) && (
                    <Text size="xs" c="orange" data-testid="cover-late">
                      {r.started_late_ms != null ? `Started${minutesLate(r.started_late_ms)}. ` : ""}
                      {r.ended_late_ms != null ? `Handed back${minutesLate(r.ended_late_ms)}.` : ""}
                    </Text>
                  )}
                  {status && (
                    <Text size="xs" c="dimmed" data-testid="cover-status">
                      {r.person_name} is {status} on CCAI Platform now{/offline|unavailable|away/i.test(status) ? ": still away? Extend the cover." : "."}
                    </Text>
                  )}
                  {c.skipped.length > 0 && (
                    <Text size="xs" c="orange" data-testid="cover-skipped">
                      Left as they were: {c.skipped
                        .slice(0, 3)
                        .map((s) => `${s.target} (${s.reason})`)
                        .join("; ")}
                      {c.skipped.length > 3 ? `; and ${c.skipped.length - 3} more` : ""}
                    </Text>
                  )}
                  {r.jobs.map((j) => {
                    const n = (s: string) => j.summary.by_state[s] ?? 0;
                    return (
                      <Group key={j.summary.job.id} gap="xs">
                        <Text size="xs">
                          {STEP_WORDS[j.step]}: {n("done")} done{n("failed") + n("conflict") ? `, ${n("failed") + n("conflict")} need you` : ""}
                          {n("queued") + n("sending") ? `, ${n("queued") + n("sending")} waiting` : ""}
                          {n("cancelled") ? `, ${n("cancelled")} cancelled` : ""}
                        </Text>
                        <Button size="compact-xs" variant="subtle" onClick={() => setResults(j.summary.job.id)} data-testid="cover-results">
                          Results
                        </Button>
                      </Group>
                    );
                  })}
                </Table.Td>
                <Table.Td w={260}>
                  <Group gap={4} justify="flex-end">
                    {(c.state === "scheduled" || c.state === "active") && (
                      <Button size="compact-sm" variant="default" onClick={() => setEditing(r)} data-testid="cover-edit">
                        Change
                      </Button>
                    )}
                    {c.state === "active" && (
                      <>
                        <Button size="compact-sm" variant="default" onClick={() => (setExtending(r), setNewEnd(toInput(c.ends_at + 86_400_000)))} data-testid="cover-extend">
                          Extend
                        </Button>
                        <Button
                          size="compact-sm"
                          color="orange"
                          onClick={() =>
                            modals.openConfirmModal({
                              title: `End the cover of ${r.person_name} now?`,
                              children: <Text size="sm">What the cover still holds goes back to {r.person_name} now.</Text>,
                              labels: { confirm: "Hand it back now", cancel: "Keep the cover" },
                              confirmProps: { "data-testid": "cover-end-confirm" } as never,
                              onConfirm: () => end.mutate(c.id),
                            })
                          }
                          data-testid="cover-end"
                        >
                          End now
                        </Button>
                      </>
                    )}
                    {c.state === "scheduled" && (
                      <Button size="compact-sm" color="red" variant="light" onClick={() => cancel.mutate(c.id)} data-testid="cover-cancel">
                        Cancel
                      </Button>
                    )}
                  </Group>
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
      {editing && <CoverForm row={editing === "new" ? null : editing} onClose={() => setEditing(null)} />}
      {extending && (
        <Modal opened onClose={() => setExtending(null)} title={`Extend the cover of ${extending.person_name}`}>
          <Stack>
            <TextInput type="datetime-local" label="Until" value={newEnd} onChange={(e) => setNewEnd(e.currentTarget.value)} data-testid="cover-new-end" />
            <Button onClick={() => fromInput(newEnd) != null && extend.mutate({ id: extending.cover.id, ends_at: fromInput(newEnd)! })} loading={extend.isPending} data-testid="cover-extend-save">
              Extend
            </Button>
          </Stack>
        </Modal>
      )}
      {results && (
        <Modal opened onClose={() => setResults(null)} title="The cover's job" size="xl">
          {/* A cover is undone by ending it: its hand-back is the undo. */}
          <JobPanel jobId={results} isUndo onUndo={() => setResults(null)} />
        </Modal>
      )}
    </Stack>
  );
}
