import { Button, Select } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation } from "@tanstack/react-query";

import { saveExport } from "../bindings/commands";
import type { Scope } from "../bindings/Scope";
import { exported } from "../components/exported";
import { errorTitle, toIpcError } from "../ipc";
import { useStatusBoard } from "../queries";
import { tableRows } from "./dashboardData";

// What the dashboards' tabs share: whose figures they show, and saving a
// table the window holds as CSV.

function useExport() {
  return useMutation({
    mutationFn: saveExport,
    onSuccess: (r) => exported(r, "rows"),
    onError: (e) => {
      const err = toIpcError(e);
      notifications.show({ color: "red", title: errorTitle(err.code), message: err.message });
    },
  });
}

/** Everyone, a team or a person: whose statuses a chart covers. */
export function ScopePicker({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  const board = useStatusBoard();
  const statusConnections = new Set((board.data?.agents ?? []).filter((a) => a.status).map((a) => a.connection_id));
  const teams = (board.data?.teams ?? []).filter((t) => statusConnections.has(t.connection_id));
  const people = new Map<string, string>();
  for (const a of board.data?.agents ?? []) {
    if (a.status && a.person_id !== null) people.set(`person:${a.person_id}`, a.person_name ?? a.name);
  }
  const data = [
    { group: "All", items: [{ value: "everyone", label: "Everyone with a status" }] },
    { group: "Teams", items: teams.map((t) => ({ value: `team:${t.id}`, label: t.name })) },
    { group: "People", items: [...people.entries()].sort((a, b) => a[1].localeCompare(b[1])).map(([value, label]) => ({ value, label })) },
  ];
  return <Select label="Whose" searchable data={data} value={value} onChange={(v) => onChange(v ?? "everyone")} w={260} data-testid="dashboard-scope" />;
}

export function toScope(value: string): Scope {
  const [kind, id] = value.split(":");
  if (kind === "team") return { kind: "team", id: Number(id) };
  if (kind === "person") return { kind: "person", id: Number(id) };
  return { kind: "everyone" };
}

export function ExportButton({ name, columns, rows }: { name: string; columns: string[]; rows: Record<string, unknown>[] }) {
  const run = useExport();
  return (
    <Button size="compact-sm" variant="light" onClick={() => run.mutate({ name, columns, rows: tableRows(columns, rows) })} loading={run.isPending} disabled={rows.length === 0} data-testid={`export-${name}`}>
      Export CSV
    </Button>
  );
}

