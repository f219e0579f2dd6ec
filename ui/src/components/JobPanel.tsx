import { Alert, Badge, Button, Group, Progress, SegmentedControl, Stack, Table, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { exported } from "./exported";
export { exported };
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { cancelJob, exportJob, jobProgress, pauseJob, previewUndo, resumeJob, retryJob, startUndo } from "../bindings/commands";
import type { JobProgress } from "../bindings/JobProgress";
import type { OperationState } from "../bindings/OperationState";
import { errorTitle, toIpcError } from "../ipc";
import { useVendorLook } from "../queries";
import { duration } from "../format";

/** A job's items that did not end done, by how they ended. */
const TROUBLE: { value: OperationState | "all"; label: string }[] = [
  { value: "all", label: "All" },
  { value: "failed", label: "Failed" },
  { value: "conflict", label: "Conflict" },
  { value: "unknown", label: "Not confirmed" },
  { value: "cancelled", label: "Cancelled" },
];


function failure(title: string) {
  return (e: unknown) => {
    const err = toIpcError(e);
    notifications.show({ color: "red", title: `${title}: ${errorTitle(err.code)}`, message: err.message });
  };
}

/** The word for where a job stands. */
function standing(p: JobProgress): { label: string; color: string } {
  if (p.stalled !== null && p.remaining > 0) return { label: p.stalled.code === "keychain_locked" ? "Waiting for the keychain" : "Waiting for disk space", color: "red" };
  if (p.summary.job.paused_at !== null && p.remaining > 0) return { label: "Paused", color: "yellow" };
  if (p.remaining > 0) return { label: "Running", color: "blue" };
  const labels: Record<string, [string, string]> = {
    done: ["Done", "green"],
    partial: ["Done with problems", "orange"],
    failed: ["Failed", "red"],
    cancelled: ["Cancelled", "gray"],
    queued: ["Needs you", "orange"],
  };
  const [label, color] = labels[p.summary.job.state] ?? [p.summary.job.state, "gray"];
  return { label, color };
}

/** How a job stands, polled while it runs (slower while paused); once it has
 * ended, everything else the window shows is read again. */
export function useJobProgress(jobId: string | null) {
  const queryClient = useQueryClient();
  return useQuery({
    queryKey: ["job-progress", jobId],
    queryFn: async () => {
      const p = await jobProgress({ job_id: jobId! });
      if (p.remaining === 0) void queryClient.invalidateQueries({ predicate: (q) => q.queryKey[0] !== "job-progress" });
      return p;
    },
    enabled: jobId !== null,
    refetchInterval: (q) => (q.state.data?.remaining === 0 ? false : q.state.data?.summary.job.paused_at ? 2000 : 700),
  });
}

/** A bulk job as it runs and after: progress per platform, the pace and the
 * time left, pause, resume and cancel while it runs; then each troubled
 * item's fate, retry, undo and the results as CSV. */
export function JobPanel({ jobId, isUndo, onUndo }: { jobId: string; isUndo: boolean; onUndo: (job: string) => void }) {
  const queryClient = useQueryClient();
  const look = useVendorLook();
  const [only, setOnly] = useState<OperationState | "all">("all");
  const progress = useJobProgress(jobId);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["job-progress", jobId] });
  const pause = useMutation({ mutationFn: () => pauseJob({ job_id: jobId }), onSettled: refresh, onError: failure("Not paused") });
  const resume = useMutation({ mutationFn: () => resumeJob({ job_id: jobId }), onSettled: refresh, onError: failure("Not resumed") });
  const [cancelling, setCancelling] = useState(false);
  const cancel = useMutation({ mutationFn: () => cancelJob({ job_id: jobId }), onSettled: refresh, onError: failure("Not cancelled") });
  const exporting = useMutation({ mutationFn: () => exportJob({ job_id: jobId, only: [] }), onSuccess: (r) => exported(r, "items"), onError: failure("Not exported") });
  const p = progress.data;
  if (!p) return null;
  const n = (state: string) => p.summary.by_state[state] ?? 0;
  const total = Math.max(1, p.summary.items);
  const pct = (k: number) => (100 * k) / total;
  const troubled = n("failed") + n("conflict") + n("unknown") + n("cancelled");
  const paused = p.summary.job.paused_at !== null;
  const running = p.remaining > 0;
  const where = standing(p);
  const shown = p.trouble.filter((t) => only === "all" || t.operation.state === only);
  return (
    <Stack gap={6} data-testid="reassign-results">
      <Group gap="xs" wrap="nowrap">
        <Badge color={where.color} variant="light" data-testid="job-standing">
          {where.label}
        </Badge>
        <Text size="sm" c="dimmed" truncate>
          {p.summary.job.title}
        </Text>
      </Group>
      <Progress.Root size="lg">
        <Progress.Section value={pct(n("done"))} color="green" />
        <Progress.Section value={pct(troubled)} color="red" />
        <Progress.Section value={pct(p.remaining)} color={paused ? "yellow" : "gray"} />
      </Progress.Root>
      <Text fw={500}>
        {n("done")} done, {n("failed")} failed, {n("conflict")} in conflict, {n("unknown")} not confirmed, {n("cancelled")} cancelled, {p.remaining} waiting, of {p.summary.items}.
      </Text>
      {running && p.stalled !== null && (
        <Alert color="red" title={errorTitle(p.stalled.code)} data-testid="job-stalled">
          {p.stalled.message}
        </Alert>
      )}
      {running && p.stalled === null && (
        <Text size="sm" c="dimmed" data-testid="job-pace">
          {paused ? "Paused: nothing more goes out until you resume." : p.seconds_left !== null ? `${p.per_second.toFixed(1)} items a second; ${duration(p.seconds_left)} left.` : "Waiting for the vendors."}
        </Text>
      )}
      <Table withRowBorders={false} verticalSpacing={2} data-testid="job-platforms">
        <Table.Tbody>
          {p.connections.map((c) => {
            const k = (s: string) => c.by_state[s] ?? 0;
            return (
              <Table.Tr key={c.connection_id}>
                <Table.Td>
                  <Badge color={look.color(c.vendor)} variant="light" radius="sm">
                    {c.name}
                  </Badge>
                </Table.Td>
                <Table.Td>{k("done")} done</Table.Td>
                <Table.Td>{k("failed") + k("unknown") ? `${k("failed") + k("unknown")} failed` : ""}</Table.Td>
                <Table.Td>{k("conflict") ? `${k("conflict")} conflict` : ""}</Table.Td>
                <Table.Td>{k("cancelled") ? `${k("cancelled")} cancelled` : ""}</Table.Td>
                <Table.Td>{c.remaining ? `${c.remaining} waiting` : ""}</Table.Td>
                <Table.Td c="dimmed" maw={260}>
                  <Text size="xs" truncate>
                    {c.waiting ?? ""}
                  </Text>
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
      {running && (
        <Group gap="xs">
          {paused ? (
            <Button size="compact-sm" variant="light" onClick={() => resume.mutate()} loading={resume.isPending} data-testid="job-resume">
              Resume
            </Button>
          ) : p.connections.some((c) => c.remaining > 0 && c.waiting !== null) ? (
            <>
              <Button size="compact-sm" variant="light" onClick={() => resume.mutate()} loading={resume.isPending} data-testid="job-send-now" title="Its vendor is back? Send what waits now instead of at the next try">
                Send waiting now
              </Button>
              <Button size="compact-sm" variant="light" color="yellow" onClick={() => pause.mutate()} loading={pause.isPending} data-testid="job-pause">
                Pause
              </Button>
            </>
          ) : (
            <Button size="compact-sm" variant="light" color="yellow" onClick={() => pause.mutate()} loading={pause.isPending} data-testid="job-pause">
              Pause
            </Button>
          )}
          {cancelling ? (
            <>
              <Text size="sm">Cancel the {p.remaining} not sent yet? What was done stays (undo puts it back).</Text>
              <Button size="compact-sm" color="red" onClick={() => cancel.mutate()} loading={cancel.isPending} data-testid="job-cancel-confirm">
                Cancel them
              </Button>
              <Button size="compact-sm" variant="default" onClick={() => setCancelling(false)}>
                Keep going
              </Button>
            </>
          ) : (
            <Button size="compact-sm" variant="subtle" color="red" onClick={() => setCancelling(true)} data-testid="job-cancel">
              Cancel job…
            </Button>
          )}
        </Group>
      )}
      {troubled > 0 && (
        <SegmentedControl size="xs" value={only} onChange={(v) => setOnly(v as OperationState | "all")} data={TROUBLE} data-testid="job-filter" />
      )}
      {shown.slice(0, 50).map(({ operation: op, fix }) => (
        <Text key={op.id} size="sm" c={op.state === "cancelled" ? "dimmed" : "red"} data-testid="job-trouble">
          {op.target_label}: {op.state}: {op.error_message}
          {fix && (
            <Text span size="sm" c="dimmed">
              {" "}
              — {fix}
            </Text>
          )}
        </Text>
      ))}
      {shown.length > 50 && (
        <Text size="sm" c="dimmed">
          and {shown.length - 50} more; export the results for all of them.
        </Text>
      )}
      {running && !paused && <Text size="sm">What waits goes out when its vendor answers; History shows each item.</Text>}
      {!running && (
        <AfterRun jobId={jobId} failed={n("failed") + n("unknown")} isUndo={isUndo} onUndo={onUndo} onExport={() => exporting.mutate()} exporting={exporting.isPending} />
      )}
    </Stack>
  );
}

/** Once a job has run: send its failed items again, put everything back, or export the results. */
function AfterRun(props: { jobId: string; failed: number; isUndo: boolean; onUndo: (job: string) => void; onExport: () => void; exporting: boolean }) {
  const { jobId, failed, isUndo, onUndo } = props;
  const queryClient = useQueryClient();
  const [asking, setAsking] = useState(false);
  const retry = useMutation({
    mutationFn: () => retryJob({ job_id: jobId }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ["job-progress", jobId] }),
  });
  const plan = useQuery({ queryKey: ["undo-plan", jobId], queryFn: () => previewUndo({ job_id: jobId }), enabled: asking, retry: false });
  const undo = useMutation({ mutationFn: () => startUndo({ job_id: jobId }), onSuccess: (s) => onUndo(s.job_id) });
  const err = retry.error ?? plan.error ?? undo.error;
  return (
    <Stack gap={4}>
      <Group gap="xs">
        {failed > 0 && (
          <Button size="compact-sm" variant="light" onClick={() => retry.mutate()} loading={retry.isPending} data-testid="reassign-retry">
            Retry {failed} failed
          </Button>
        )}
        {!isUndo && (
          <Button size="compact-sm" variant="light" color="orange" onClick={() => setAsking(true)} data-testid="reassign-undo">
            Undo this job…
          </Button>
        )}
        <Button size="compact-sm" variant="subtle" onClick={props.onExport} loading={props.exporting} data-testid="job-export">
          Export results (CSV)
        </Button>
      </Group>
      {asking && plan.data && (
        <Group gap="xs" data-testid="undo-plan">
          <Text size="sm">
            {plan.data.items.length} go back to where they were; {plan.data.skipped.length} changed since and stay as they are.
          </Text>
          <Button size="compact-sm" color="orange" onClick={() => undo.mutate()} loading={undo.isPending} disabled={plan.data.items.length === 0} data-testid="undo-confirm">
            Put them back
          </Button>
        </Group>
      )}
      {err && (
        <Text size="sm" c="red">
          {toIpcError(err).message}
        </Text>
      )}
    </Stack>
  );
}
