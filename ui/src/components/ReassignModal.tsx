import { Alert, Button, Checkbox, Group, Modal, MultiSelect, NumberInput, SegmentedControl, Select, Stack, Text } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";

import { exportReassignPlan, previewReassign, startReassign } from "../bindings/commands";
import type { PersonId } from "../bindings/PersonId";
import type { ReassignRequest } from "../bindings/ReassignRequest";
import type { TargetScope } from "../bindings/TargetScope";
import { errorTitle, toIpcError } from "../ipc";
import { usePeople, useStatusBoard } from "../queries";
import { exported, JobPanel, useJobProgress } from "./JobPanel";
import { PlanSummary } from "./PlanSummary";

/** Whose work moves: a person as any view knows them. */
export type Mover = { id: PersonId; display_name: string };

/** Targets instead of (or besides) a person's: all a filter matches, or a selection. */
export type TargetChoice = { scope: TargetScope; count: number; from: Mover | null };

type Props = { person?: Mover; targets?: TargetChoice; onClose: () => void };

/** Everything one person holds, on every platform, handed to others: the plan
 * first (from the cache, nothing sent), then the run and every item's fate. */
export function ReassignModal({ person: given, targets, onClose }: Props) {
  // Whose work moves: the person, or the filter's "held by" person, if any.
  const person = given ?? targets?.from ?? null;
  const people = usePeople().data ?? [];
  const [mode, setMode] = useState<"people" | "release">("people");
  const [to, setTo] = useState<string[]>([]);
  const [strategy, setStrategy] = useState<"round_robin" | "least_loaded">("least_loaded");
  const [cap, setCap] = useState<number | string>("");
  const [onlyAvailable, setOnlyAvailable] = useState(false);
  const [status, setStatus] = useState<string | null>(null);
  // The person's status can be set where they have a CCAI Platform agent.
  const ccai = new Set((people.find((x) => x.id === person?.id)?.agents ?? []).filter((a) => a.vendor === "ccai_platform").map((a) => a.connection_id));
  const board = useStatusBoard();
  const statuses = (board.data?.statuses ?? []).filter((s) => s.offered && ccai.has(s.connection_id));
  const statusChoices = [...new Map(statuses.map((s) => [s.name, { value: s.vendor_id, label: s.name }])).values()];
  const request: ReassignRequest | null = useMemo(() => {
    if (mode === "people" && to.length === 0) return null;
    return {
      from: person?.id ?? null,
      targets: targets?.scope ?? null,
      connections: [],
      to: mode === "release" ? { kind: "release" } : { kind: "people", ids: to.map(Number) },
      strategy,
      max_per_person: typeof cap === "number" ? cap : null,
      only_available: onlyAvailable,
      status,
    };
  }, [person?.id, targets?.scope, mode, to, strategy, cap, onlyAvailable, status]);
  const [asked] = useDebouncedValue(request, 150);
  const run = useMutation({ mutationFn: (r: ReassignRequest) => startReassign(r) });
  // The job watched: the reassignment, then its undo if the manager asks.
  const [undoJob, setUndoJob] = useState<string | null>(null);
  const jobId = undoJob ?? run.data?.job_id ?? null;
  // The job runs in the background; the window watches it (and may close).
  const progress = useJobProgress(jobId);
  const exporting = useMutation({
    mutationFn: (r: ReassignRequest) => exportReassignPlan(r),
    onSuccess: (r) => exported(r, "rows of the plan"),
  });
  // Once it has run, the plan is what was run: it is not planned again.
  const planning = !run.isPending && !run.isSuccess;
  const plan = useQuery({
    queryKey: ["reassign-plan", asked],
    queryFn: () => previewReassign(asked!),
    enabled: asked !== null && planning,
    retry: false,
  });
  const err = run.error ? toIpcError(run.error) : plan.error && planning ? toIpcError(plan.error) : null;
  const choices = people.filter((p) => p.id !== person?.id).map((p) => ({ value: String(p.id), label: p.display_name }));
  const p = plan.data;
  return (
    <Modal
      opened
      onClose={onClose}
      title={targets ? `Reassign ${targets.count.toLocaleString()} target${targets.count === 1 ? "" : "s"}${person ? ` (${person.display_name}'s share)` : ""}` : `Reassign everything ${person?.display_name ?? ""} holds`}
      size="xl"
      data-testid="reassign-modal"
    >
      <Stack gap="sm">
        <SegmentedControl
          value={mode}
          onChange={(v) => setMode(v as "people" | "release")}
          data={[
            { value: "people", label: "Hand it to people" },
            { value: "release", label: "Release it" },
          ]}
          disabled={run.isPending || run.isSuccess}
        />
        {mode === "people" && (
          <Group align="flex-end" gap="sm">
            <MultiSelect label="To" placeholder="Choose people" searchable data={choices} value={to} onChange={setTo} w={320} data-testid="reassign-to" />
            <SegmentedControl
              value={strategy}
              onChange={(v) => setStrategy(v as "round_robin" | "least_loaded")}
              data={[
                { value: "least_loaded", label: "Least loaded" },
                { value: "round_robin", label: "In turn" },
              ]}
            />
            <NumberInput label="At most each" placeholder="no cap" min={1} value={cap} onChange={setCap} w={110} />
            <Checkbox label="Only if Available" checked={onlyAvailable} onChange={(e) => setOnlyAvailable(e.currentTarget.checked)} />
          </Group>
        )}
        {person && statusChoices.length > 0 && (
          <Select
            label="And set their CCAI Platform status"
            placeholder="leave it as it is"
            data={statusChoices}
            value={status}
            onChange={setStatus}
            clearable
            w={320}
            disabled={run.isPending || run.isSuccess}
            data-testid="reassign-status"
          />
        )}
        {err && (
          <Alert color="red" title={errorTitle(err.code)} data-testid="reassign-error">
            {err.message}
          </Alert>
        )}
        {p && !run.data && (
          <PlanSummary plan={p}>
            <Group gap="xs">
              <Button size="compact-xs" variant="subtle" onClick={() => request && exporting.mutate(request)} loading={exporting.isPending} data-testid="reassign-export-plan">
                Export plan (CSV)
              </Button>
              {exporting.error && (
                <Text size="xs" c="red">
                  {toIpcError(exporting.error).message}
                </Text>
              )}
            </Group>
          </PlanSummary>
        )}
        {jobId && <JobPanel jobId={jobId} isUndo={undoJob !== null} onUndo={setUndoJob} />}
        {run.data && undoJob === null && run.data.plan.skipped.length > 0 && (
          <Text size="sm" c="orange" data-testid="reassign-skipped-after">
            {run.data.plan.skipped.length} left as they were (not in the job): {run.data.plan.skipped
              .slice(0, 3)
              .map((s) => `${s.target_label}: ${s.reason}`)
              .join("; ")}
            {run.data.plan.skipped.length > 3 ? "; and more (Export plan before running lists them all)" : ""}
          </Text>
        )}
        {/* Always in view, however long the plan: the modal's body scrolls under it. */}
        <Group justify="flex-end" py="xs" style={{ position: "sticky", bottom: 0, background: "var(--mantine-color-body)", borderTop: "1px solid var(--mantine-color-gray-3)", zIndex: 2 }}>
          <Button variant="default" onClick={onClose}>
            {run.data ? (progress.data?.remaining === 0 ? "Close" : "Close (it goes on)") : "Cancel"}
          </Button>
          {!run.data && (
            <Button onClick={() => request && run.mutate(request)} loading={run.isPending} disabled={!p || p.items.length + p.status.length === 0 || plan.isFetching} data-testid="reassign-confirm">
              Move {p ? p.items.length : ""} items
            </Button>
          )}
        </Group>
      </Stack>
    </Modal>
  );
}

