import { Alert, Button, FileInput, Group, Modal, ScrollArea, Stack, Table, Text } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";

import { checkPlan, exportPlanErrors, exportPlanTemplate, startPlan } from "../bindings/commands";
import type { PlanText } from "../bindings/PlanText";
import { errorTitle, toIpcError } from "../ipc";
import { exported, JobPanel, useJobProgress } from "./JobPanel";
import { PlanSummary } from "./PlanSummary";

/** The largest plan the engine reads (`plans::MAX_PLAN_BYTES`): a bigger file
 * is refused before it is read. */
export const MAX_PLAN_BYTES = 64 * 1024 * 1024;

/** The errors listed in the window; the downloaded file has every one. */
const SHOWN = 200;

/** The file's text, or why it is not UTF-8 text (an Excel "CSV" saved in the
 * machine's code page, for example), said as the engine says it. */
function readText(file: File): Promise<string | { refused: string }> {
  return new Promise((resolve) => {
    const reader = new FileReader();
    reader.onerror = () => resolve({ refused: `cannot read ${file.name}: ${reader.error?.message ?? "unknown error"}` });
    reader.onload = () => {
      try {
        resolve(new TextDecoder("utf-8", { fatal: true }).decode(reader.result as ArrayBuffer));
      } catch {
        resolve({ refused: `${file.name} is not UTF-8 text; save it as CSV UTF-8 (in Excel: Save As, CSV UTF-8) and choose it again.` });
      }
    };
    reader.readAsArrayBuffer(file);
  });
}

/** An assignment plan from a spreadsheet: choose the CSV, see every error of
 * every row at once (and download the rows with them to fix), or the plan;
 * run it as one bulk job, watched like a reassignment. */
export function PlanImportModal({ onClose }: { onClose: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [text, setText] = useState<PlanText | null>(null);
  const [tooBig, setTooBig] = useState<string | null>(null);
  const check = useMutation({ mutationFn: (t: PlanText) => checkPlan(t) });
  const run = useMutation({ mutationFn: (t: PlanText) => startPlan(t) });
  const [undoJob, setUndoJob] = useState<string | null>(null);
  const jobId = undoJob ?? run.data?.job_id ?? null;
  const progress = useJobProgress(jobId);
  const template = useMutation({ mutationFn: () => exportPlanTemplate(), onSuccess: (r) => exported(r, "example rows of the template") });
  const errorsFile = useMutation({ mutationFn: (t: PlanText) => exportPlanErrors(t), onSuccess: (r) => exported(r, "rows with their errors") });
  const choose = async (chosen: File | null) => {
    setFile(chosen);
    setTooBig(null);
    setText(null);
    check.reset();
    if (!chosen) return;
    if (chosen.size > MAX_PLAN_BYTES) {
      setTooBig(`${chosen.name} is ${Math.round(chosen.size / 1024 / 1024)} MB; a plan can be at most 64 MB (about 500,000 rows). Split it into several plans.`);
      return;
    }
    const read = await readText(chosen);
    if (typeof read !== "string") {
      setTooBig(read.refused);
      return;
    }
    const t = { name: chosen.name, text: read };
    setText(t);
    check.mutate(t);
  };
  const result = check.data;
  const failure = check.error ? toIpcError(check.error) : run.error ? toIpcError(run.error) : null;
  const ready = result && result.errors.length === 0 && !run.data;
  return (
    <Modal opened onClose={onClose} title="Import an assignment plan (CSV)" size="xl" data-testid="plan-modal">
      <Stack gap="sm">
        <Text size="sm" c="dimmed">
          One row per target: connection, target (the vendor's id, a phone, or an email or name only one target has), to (agents, people or a team, several separated by
          &apos;;&apos;, or release), and where the platform has them: from, until and notes (Pingup), replace (Vambe). Every row is checked before anything is sent.
        </Text>
        <Group align="flex-end" gap="sm">
          <FileInput
            label="Plan file"
            placeholder="Choose a .csv file"
            accept=".csv,text/csv"
            value={file}
            onChange={choose}
            clearable
            w={360}
            disabled={run.isPending || run.isSuccess}
            data-testid="plan-file"
          />
          <Button variant="subtle" size="compact-sm" onClick={() => template.mutate()} loading={template.isPending} data-testid="plan-template">
            Save the template
          </Button>
        </Group>
        {tooBig && (
          <Alert color="red" title="This file cannot be a plan" data-testid="plan-too-big">
            {tooBig}
          </Alert>
        )}
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
