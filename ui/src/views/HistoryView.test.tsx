import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { App } from "../App";
import type { HistoryRow } from "../bindings/HistoryRow";
import { mockBackend } from "../test/backend";

function row(id: number, state: HistoryRow["operation"]["state"], message: string | null): HistoryRow {
  return {
    operation: {
      id,
      job_id: `job-${id}`,
      connection_id: "v",
      kind: "assign",
      target_id: 9,
      target_vendor_id: "c-9",
      target_label: "Mia Rossi",
      agent_names: ["Ana Lima"],
      request: { type: "assign", agents: ["u1"], until: null, notes: null, replace: false },
      before: [],
      state,
      attempts: 1,
      response: null,
      error_code: null,
      error_message: message,
      not_after: null,
      next_attempt_at: null,
      created_at: 1_763_700_000_000 + id,
      updated_at: 1,
      finished_at: null,
    },
    job_title: "Assign Ana Lima to Mia Rossi",
    origin: "app",
    connection_name: "Demo Vambe",
    vendor: "vambe",
  };
}

function statusChange(id: number): HistoryRow {
  const base = row(id, "done", "1 changed");
  return {
    ...base,
    operation: { ...base.operation, kind: "set_status", target_id: null, target_vendor_id: null, target_label: "Training", agent_names: ["team Tier 1 Support"], request: { type: "set_status", status_id: "2", status_name: "Training", agents: [], teams: ["1"] } },
    job_title: "Set Training for Tier 1 Support",
    connection_name: "Demo CCAI Platform",
    vendor: "ccai_platform",
  };
}

describe("History", () => {
  it("lists changes newest first, filters, settles a conflict and exports", async () => {
    const backend = mockBackend({
      list_connections: () => [],
      vendors: () => [],
      list_people: () => [],
      list_agents: () => [],
      queue_counts: () => ({ queued: 0, sending: 0, conflict: 1, unknown: 0 }),
      history: () => ({ rows: [row(2, "conflict", "Assignees changed at the vendor since you asked: then nobody, now Bo Berg."), row(1, "done", null), statusChange(0)], next: null }),
      retry_operation: () => ({ operation_id: 2, agent_names: ["Ana Lima"], state: "done", error_code: null, message: null, hint: null }),
      export_history: () => ({ path: "/tmp/exports/switchboard-history.csv", rows: 2, note: null }),
    });
    render(<App initialArea="history" />);
    const states = await screen.findAllByTestId("history-state");
    expect(states.map((s) => s.textContent)).toEqual(["conflict", "done", "done"]);
    // A status change reads as one, not as an assignment.
    expect(screen.getAllByTestId("history-change").map((c) => c.textContent)).toEqual(["Assign Ana Lima", "Assign Ana Lima", "Set status Training"]);
    expect(await screen.findByTestId("conflict-count")).toHaveTextContent("1");
    expect(screen.getByText(/now Bo Berg/)).toBeInTheDocument();
    expect(screen.getByTestId("waiting-banner")).toHaveTextContent("1 needs your decision");

    await userEvent.click(screen.getByTestId("apply-anyway"));
    await waitFor(() => expect(backend.calls.find((c) => c.cmd === "retry_operation")?.args).toEqual({ request: { operation_id: 2, apply_anyway: true } }));

    await userEvent.click(screen.getByTestId("history-states"));
    await userEvent.click(await screen.findByRole("option", { name: "failed" }));
    await waitFor(() => expect(backend.calls.filter((c) => c.cmd === "history").at(-1)?.args).toMatchObject({ request: { states: ["failed"], after: null } }));

    await userEvent.click(screen.getAllByTestId("filter-target")[0]!);
    expect(await screen.findByTestId("target-filter")).toHaveTextContent("Only Mia Rossi");
    await waitFor(() => expect(backend.calls.filter((c) => c.cmd === "history").at(-1)?.args).toMatchObject({ request: { target_id: 9 } }));

    await userEvent.click(screen.getByTestId("export-history"));
    const note = await screen.findByText("Exported 2 changes");
    expect(within(note.closest(".mantine-Notification-root") as HTMLElement).getByText("/tmp/exports/switchboard-history.csv")).toBeInTheDocument();
    // A toast belongs to its view: it does not follow the manager elsewhere.
    await userEvent.click(screen.getByTestId("nav-connections"));
    await waitFor(() => expect(screen.queryByText("Exported 2 changes")).not.toBeInTheDocument());
  });
});
