import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { App } from "../App";
import type { PlanCheck } from "../bindings/PlanCheck";
import type { ReassignPlan } from "../bindings/ReassignPlan";
import { mockBackend } from "../test/backend";

const PLAN: ReassignPlan = {
  from_name: "rota.csv",
  items: [{ target_id: 7, connection_id: "hc", vendor: "helpcrunch", target_label: "Chat with Mia", from_agent: 10, from_name: "Ana Lima", to_person: 2, to_agent: 20, to_name: "Bruno Costa", calls: 1 }],
  skipped: [],
  connections: [{ connection_id: "hc", name: "Demo HelpCrunch", vendor: "helpcrunch", items: 1, calls: 1, skipped: 0, seconds: 1, synced_at: null }],
  people: [{ person_id: 2, name: "Bruno Costa", items: 1 }],
  status: [],
  seconds: 1,
  planned_at: 0,
};

const WRONG: PlanCheck = {
  name: "rota.csv",
  rows: 3,
  left_out: 0,
  plan: PLAN,
  errors: [
    { row: 2, column: "connection", value: "Nope", message: "no connection is named 'Nope'", fix: "use one of: Demo HelpCrunch" },
    { row: 4, column: "until", value: "31/12/2030", message: "'31/12/2030' is not an ISO 8601 date", fix: "write it as 2026-12-31 or 2026-12-31T18:00:00Z" },
  ],
};

describe("Importing an assignment plan", () => {
  it("shows every error of a wrong file and sends nothing, then runs the fixed one", async () => {
    const user = userEvent.setup();
    let fixed = false;
    const csv = "connection,target,to,until\nNope,1,ana@x.example,\nDemo HelpCrunch,7,bruno@x.example,\nDemo HelpCrunch,8,bruno@x.example,31/12/2030\n";
    const backend = mockBackend({
      list_connections: () => [],
      list_people: () => [],
      list_targets: () => ({ rows: [], total: 0 }),
      open_csv: () => ({ name: "rota.csv", text: csv }),
      check_plan: () => (fixed ? { ...WRONG, errors: [] } : WRONG),
      export_plan_errors: () => ({ path: "/tmp/switchboard-plan-errors.csv", rows: 3, note: null }),
      export_plan_template: () => ({ path: "/tmp/switchboard-plan-template.csv", rows: 5, note: null }),
      start_plan: () => ({ job_id: "j", plan: PLAN }),
      job_progress: () => ({
        summary: { job: { id: "j", kind: "plan", title: "Plan from rota.csv: 1 items", state: "done", origin: "app", created_at: 0, updated_at: 0, finished_at: 1, paused_at: null }, items: 1, by_state: { done: 1 } },
        trouble: [],
        remaining: 0,
        connections: [{ connection_id: "hc", name: "Demo HelpCrunch", vendor: "helpcrunch", by_state: { done: 1 }, remaining: 0, waiting: null }],
        per_second: 0,
        seconds_left: null,
        stalled: null,
      }),
    });
    render(<App initialArea="targets" />);
    await user.click(await screen.findByTestId("targets-import-plan"));
    await user.click(screen.getByTestId("plan-template"));
    expect(await screen.findByText("/tmp/switchboard-plan-template.csv")).toBeInTheDocument();

    await user.click(screen.getByTestId("plan-open"));
    expect(await screen.findByTestId("plan-file-name")).toHaveTextContent("rota.csv");
    expect(backend.calls.find((c) => c.cmd === "open_csv")?.args).toEqual({ request: { title: "Open an assignment plan (CSV)" } });
    const errors = await screen.findByTestId("plan-errors");
    expect(errors).toHaveTextContent("2 errors in 3 rows: nothing is sent until they are fixed");
    expect(errors).toHaveTextContent("no connection is named 'Nope'; use one of: Demo HelpCrunch");
    expect(errors).toHaveTextContent("31/12/2030");
    expect(backend.calls.find((c) => c.cmd === "check_plan")?.args).toEqual({ request: { name: "rota.csv", text: csv } });
    expect(screen.getByTestId("plan-run")).toBeDisabled();
    await user.click(screen.getByTestId("plan-errors-export"));
    expect(await screen.findByText("/tmp/switchboard-plan-errors.csv")).toBeInTheDocument();
    expect(backend.commands()).not.toContain("start_plan");

    fixed = true;
    await user.click(screen.getByTestId("plan-recheck"));
    expect(await screen.findByTestId("reassign-plan")).toHaveTextContent("1 move, 0 skipped");
    await user.click(screen.getByTestId("plan-run"));
    expect(await screen.findByTestId("job-standing")).toHaveTextContent("Done");
    await waitFor(() => expect(backend.calls.find((c) => c.cmd === "start_plan")?.args).toEqual({ request: { name: "rota.csv", text: csv } }));
  });

  it("says why a file cannot be a plan, and does nothing when the dialog is cancelled", async () => {
    const user = userEvent.setup();
    let answer: unknown = null;
    const backend = mockBackend({
      list_connections: () => [],
      list_people: () => [],
      list_targets: () => ({ rows: [], total: 0 }),
      open_csv: () => {
        if (answer) throw answer;
        return null;
      },
    });
    render(<App initialArea="targets" />);
    await user.click(await screen.findByTestId("targets-import-plan"));
    await user.click(screen.getByTestId("plan-open"));
    await waitFor(() => expect(backend.commands()).toContain("open_csv"));
    expect(screen.getByTestId("plan-file-name")).toHaveTextContent("No file chosen");
    expect(screen.queryByTestId("plan-error")).toBeNull();
    // The engine refuses a spreadsheet saved in a code page: its words are shown.
    answer = { code: "invalid_input", message: "line 1 is not UTF-8 text; save the file as CSV UTF-8 (in Excel: Save As, CSV UTF-8)", field: "file" };
    await user.click(screen.getByTestId("plan-open"));
    expect(await screen.findByTestId("plan-error")).toHaveTextContent("line 1 is not UTF-8 text; save the file as CSV UTF-8");
    expect(backend.commands()).not.toContain("check_plan");
  });
});
