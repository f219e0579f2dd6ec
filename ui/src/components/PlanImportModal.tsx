import { Alert, Button, Group, Modal, ScrollArea, Stack, Table, Text } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";

import { checkPlan, exportPlanErrors, exportPlanTemplate, openCsv, startPlan } from "../bindings/commands";
import type { PlanText } from "../bindings/PlanText";
import { errorTitle, toIpcError } from "../ipc";
import { exported, JobPanel, useJobProgress } from "./JobPanel";
import { PlanSummary } from "./PlanSummary";

/** The errors listed in the window; the downloaded file has every one. */
const SHOWN = 200;

/** An assignment plan from a spreadsheet: choose the CSV, see every error of
 * every row at once (and download the rows with them to fix), or the plan;
 * run it as one bulk job, watched like a reassignment. */
export function PlanImportModal({ onClose }: { onClose: () => void }) {
  const [text, setText] = useState<PlanText | null>(null);
  const check = useMutation({ mutationFn: (t: PlanText) => checkPlan(t) });
  const run = useMutation({ mutationFn: (t: PlanText) => startPlan(t) });
  const [undoJob, setUndoJob] = useState<string | null>(null);
  const jobId = undoJob ?? run.data?.job_id ?? null;
  const progress = useJobProgress(jobId);
  const template = useMutation({ mutationFn: () => exportPlanTemplate(), onSuccess: (r) => exported(r, "example rows of the template") });
  const errorsFile = useMutation({ mutationFn: (t: PlanText) => exportPlanErrors(t), onSuccess: (r) => exported(r, "rows with their errors") });
  // The OS's Open dialog; the engine reads the file (too big, binary or not
  // UTF-8 is refused with the fix) and the window checks every row.
  const open = useMutation({
    mutationFn: () => openCsv({ title: "Open an assignment plan (CSV)" }),
    onSuccess: (t) => {
      if (!t) return;
      setText(t);
      check.reset();
      check.mutate(t);
    },
  });
  const result = check.data;
  const failure = [open.error, check.error, run.error].filter(Boolean).map(toIpcError)[0] ?? null;
  const ready = result && result.errors.length === 0 && !run.data;
  return (
    <Modal opened onClose={onClose} title="Import an assignment plan (CSV)" size="xl" data-testid="plan-modal">
      <Stack gap="sm">
        <Text size="sm" c="dimmed">
          One row per target: connection, target (the vendor's id, a phone, or an email or name only one target has), to (agents, people or a team, several separated by
          &apos;;&apos;, or release), and where the platform has them: from, until and notes (Pingup), replace (Vambe). Every row is checked before anything is sent.
        </Text>
        <Group align="flex-end" gap="sm">
          <Button onClick={() => open.mutate()} loading={open.isPending} disabled={run.isPending || run.isSuccess} data-testid="plan-open">
            Open…
          </Button>
          <Text size="sm" c={text ? undefined : "dimmed"} data-testid="plan-file-name">
            {text ? text.name : "No file chosen"}
          </Text>
          <Button variant="subtle" size="compact-sm" onClick={() => template.mutate()} loading={template.isPending} data-testid="plan-template">
            Save the template
          </Button>
        </Group>
        {failure && (
          <Alert color="red" title={errorTitle(failure.code)} data-testid="plan-error">
            {failure.message}
          </Alert>
        )}
        {check.isPending && <Text size="sm">Checking every row…</Text>}
        {result && result.errors.length > 0 && (
          <Stack gap={6} data-testid="plan-errors">
            <Alert color="red" title={`${result.errors.length} error${result.errors.length === 1 ? "" : "s"} in ${result.rows} rows: nothing is sent until they are fixed`}>
              Fix the rows (or download them with their errors, fix them in the spreadsheet) and choose the file again.
            </Alert>
            <Group gap="xs">
              <Button size="compact-xs" variant="light" onClick={() => text && errorsFile.mutate(text)} loading={errorsFile.isPending} data-testid="plan-errors-export">
                Download the rows with their errors (CSV)
              </Button>
              <Button size="compact-xs" variant="subtle" onClick={() => text && check.mutate(text)} data-testid="plan-recheck">
                Check again
              </Button>
            </Group>
            <ScrollArea.Autosize mah={300} type="auto">
              <Table verticalSpacing={4} fz="sm" data-testid="plan-error-rows">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th w={50}>Row</Table.Th>
                    <Table.Th w={90}>Column</Table.Th>
                    <Table.Th w={150}>Written</Table.Th>
                    <Table.Th>What is wrong, and the fix</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {result.errors.slice(0, SHOWN).map((e, i) => (
                    <Table.Tr key={i}>
                      <Table.Td>{e.row}</Table.Td>
                      <Table.Td>{e.column}</Table.Td>
                      <Table.Td style={{ wordBreak: "break-all" }}>{e.value}</Table.Td>
                      <Table.Td>
                        {e.message}; {e.fix}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </ScrollArea.Autosize>
            {result.errors.length > SHOWN && (
              <Text size="sm" c="dimmed">
                and {(result.errors.length - SHOWN).toLocaleString()} more: download the rows with their errors to see them all.
              </Text>
            )}
          </Stack>
        )}
        {ready && (
          <PlanSummary plan={result.plan}>
            {result.left_out > 0 && (
              <Text size="sm" c="dimmed">
                {result.left_out} rows the export marked skipped were left out.
              </Text>
            )}
          </PlanSummary>
        )}
        {jobId && <JobPanel jobId={jobId} isUndo={undoJob !== null} onUndo={setUndoJob} />}
        <Group justify="flex-end" py="xs" style={{ position: "sticky", bottom: 0, background: "var(--mantine-color-body)", borderTop: "1px solid var(--mantine-color-gray-3)", zIndex: 2 }}>
          <Button variant="default" onClick={onClose}>
            {run.data ? (progress.data?.remaining === 0 ? "Close" : "Close (it goes on)") : "Cancel"}
          </Button>
          {!run.data && (
            <Button onClick={() => text && run.mutate(text)} loading={run.isPending} disabled={!ready || result.plan.items.length + result.plan.status.length === 0} data-testid="plan-run">
              {ready ? `Run ${result.plan.items.length + result.plan.status.length} items` : "Run"}
            </Button>
          )}
        </Group>
      </Stack>
    </Modal>
  );
}
