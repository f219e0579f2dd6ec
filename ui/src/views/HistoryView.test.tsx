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
    group: null,
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

    // Ctrl+E exports, even from the search box.
    await userEvent.click(screen.getByTestId("history-search"));
    await userEvent.keyboard("{Control>}e{/Control}");
    const note = await screen.findByText("Exported 2 changes");
    expect(within(note.closest(".mantine-Notification-root") as HTMLElement).getByText("/tmp/exports/switchboard-history.csv")).toBeInTheDocument();
    // A toast belongs to its view: it does not follow the manager elsewhere.
    await userEvent.click(screen.getByTestId("nav-connections"));
    await waitFor(() => expect(screen.queryByText("Exported 2 changes")).not.toBeInTheDocument());
  });

  it("shows a bulk job as one row that opens into its items", async () => {
    const item = (id: number, state: HistoryRow["operation"]["state"]) => {
      const r = row(id, state, state === "failed" ? "Chat not found" : null);
      return { ...r, operation: { ...r.operation, job_id: "bulk", kind: "move" as const }, job_title: "Reassign everything Ana Lima holds to Bruno Costa" };
    };
    const backend = mockBackend({
      list_connections: () => [],
      vendors: () => [],
      list_people: () => [],
      list_agents: () => [],
      queue_counts: () => ({ queued: 0, sending: 0, conflict: 0, unknown: 0 }),
      history: (args) => {
        const q = (args as { request: { job_id: string | null; group_jobs: boolean } }).request;
        if (q.job_id === "bulk") return { rows: [item(12, "done"), item(11, "failed"), item(10, "done")], next: null };
        return { rows: [{ ...item(12, "done"), group: { kind: "reassign", items: 3, by_state: { done: 2, failed: 1 } } }, row(1, "done", null)], next: null };
      },
    });
    render(<App initialArea="history" />);
    const changes = await screen.findAllByTestId("history-change");
    expect(changes.map((c) => c.textContent)).toEqual(["Reassign everything Ana Lima holds to Bruno Costa", "Assign Ana Lima"]);
    expect(screen.getByTestId("history-job-counts")).toHaveTextContent("2 done, 1 failed");
    expect(screen.getAllByTestId("history-state")[0]).toHaveTextContent("Needs you");
    expect((backend.calls.find((c) => c.cmd === "history")?.args as { request: { group_jobs: boolean } }).request.group_jobs).toBe(true);
    await userEvent.click(screen.getByTestId("open-job"));
    expect(await screen.findByTestId("job-filter")).toHaveTextContent("Only the job: Reassign everything Ana Lima holds to Bruno Costa");
    await waitFor(() => expect(screen.getAllByTestId("history-change")).toHaveLength(3));
    expect(screen.getAllByTestId("history-state").map((b) => b.textContent)).toEqual(["done", "failed", "done"]);
    await userEvent.click(within(screen.getByTestId("job-filter")).getByRole("button", { name: "Back to all of History" }));
    await waitFor(() => expect(screen.getAllByTestId("history-change")).toHaveLength(2));
  });
});
