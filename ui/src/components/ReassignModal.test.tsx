import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { App } from "../App";
import type { JobProgress } from "../bindings/JobProgress";
import type { PersonRow } from "../bindings/PersonRow";
import type { ReassignPlan } from "../bindings/ReassignPlan";
import { mockBackend } from "../test/backend";
import { duration } from "../format";

function person(id: number, name: string, assignments: number): PersonRow {
  const email = `${name.split(" ")[0]!.toLowerCase()}@x.example`;
  return {
    id,
    display_name: name,
    email,
    assignments,
    agents: [{ id: id * 10, connection_id: "hc", connection_name: "Demo HelpCrunch", vendor: "helpcrunch", is_demo: true, vendor_id: String(id), name, email, active: true, link: "auto", assignments }],
  };
}

const PEOPLE = [person(1, "Ana Lima", 2), person(2, "Bruno Costa", 0), person(3, "Carla Reis", 0)];

const PLAN: ReassignPlan = {
  from_name: "Ana Lima",
  items: [
    { target_id: 7, connection_id: "hc", vendor: "helpcrunch", target_label: "Chat with Mia", from_agent: 10, from_name: "Ana Lima", to_person: 2, to_agent: 20, to_name: "Bruno Costa", calls: 1 },
  ],
  skipped: [{ target_id: 8, connection_id: "sp", target_label: "+91 98765 43210", reason: "no agent on Splashify Pro among Bruno Costa" }],
  connections: [{ connection_id: "hc", name: "Demo HelpCrunch", vendor: "helpcrunch", items: 1, calls: 1, skipped: 0, seconds: 1, synced_at: null }],
  people: [{ person_id: 2, name: "Bruno Costa", items: 1 }],
  status: [],
  seconds: 1,
  planned_at: 0,
};

const failedOp: JobProgress["trouble"][number]["operation"] = {
  id: 9,
  job_id: "j",
  connection_id: "hc",
  kind: "move",
  target_id: 7,
  target_vendor_id: "5214007",
  target_label: "Chat with Mia",
  agent_names: ["Bruno Costa"],
  request: { type: "move", from: "10", to: "20", keep: [], until: null, notes: null },
  before: ["10"],
  state: "failed",
  attempts: 1,
  response: null,
  error_code: "not_found",
  error_message: "Chat not found",
  not_after: null,
  next_attempt_at: null,
  created_at: 0,
  updated_at: 0,
  finished_at: 0,
};

/** A job's progress as the engine reports it: the counts, what waits, paused or not. */
function progress(by: Record<string, number>, remaining: number, paused = false, stalled: JobProgress["stalled"] = null): JobProgress {
  const items = Object.values(by).reduce((a, b) => a + b, 0);
  const ended = remaining === 0;
  const state = !ended ? "queued" : (by["cancelled"] ?? 0) > 0 ? "partial" : "done";
  return {
    summary: {
      job: { id: "j", kind: "reassign", title: "Reassign everything Ana Lima holds to Bruno Costa", state, origin: "app", created_at: 0, updated_at: 0, finished_at: ended ? 1 : null, paused_at: paused ? 1 : null },
      items,
      by_state: by,
    },
    trouble: (by["failed"] ?? 0) > 0 ? [{ operation: failedOp, fix: "Sync HelpCrunch, then retry" }] : [],
    remaining,
    connections: [{ connection_id: "hc", name: "Demo HelpCrunch", vendor: "helpcrunch", by_state: by, remaining, waiting: paused ? "paused" : null }],
    per_second: paused || ended ? 0 : 2,
    seconds_left: paused || ended || stalled ? null : Math.ceil(remaining / 2),
    stalled,
  };
}

describe("Reassign everything", () => {
  it("previews from the cache, then runs and says how every item ended", async () => {
    const user = userEvent.setup();
    const backend = mockBackend({
      list_connections: () => [],
      list_people: () => PEOPLE,
      preview_reassign: () => PLAN,
      start_reassign: () => ({ job_id: "j", plan: PLAN }),
      job_progress: () => progress({ done: 1 }, 0),
      export_job: () => ({ path: "/tmp/switchboard-job.csv", rows: 1, note: null }),
    });
    render(<App initialArea="people" />);
    const buttons = await screen.findAllByTestId("reassign-person");
    expect(buttons).toHaveLength(1); // only people who hold something
    await user.click(buttons[0]!);
    expect(screen.getByTestId("reassign-confirm")).toBeDisabled();
    await user.click(screen.getByTestId("reassign-to"));
    await user.click(await screen.findByRole("option", { name: "Bruno Costa" }));
    const plan = await screen.findByTestId("reassign-plan");
    expect(plan).toHaveTextContent("1 move, 1 skipped");
    expect(screen.getByTestId("reassign-skipped")).toHaveTextContent("no agent on Splashify Pro among Bruno Costa");
    const asked = backend.calls.find((c) => c.cmd === "preview_reassign")?.args as { request: { from: number; to: unknown; strategy: string } };
    expect(asked.request).toMatchObject({ from: 1, to: { kind: "people", ids: [2] }, strategy: "least_loaded" });
    expect(backend.commands()).not.toContain("start_reassign");
    await user.click(screen.getByTestId("reassign-confirm"));
    expect(await screen.findByTestId("reassign-results")).toHaveTextContent("1 done, 0 failed");
    expect(screen.getByTestId("reassign-skipped-after")).toHaveTextContent("1 left as they were (not in the job): +91 98765 43210: no agent on Splashify Pro among Bruno Costa");
    await waitFor(() => expect(backend.calls.find((c) => c.cmd === "job_progress")?.args).toEqual({ request: { job_id: "j" } }));
    expect(screen.getByTestId("job-standing")).toHaveTextContent("Done");
    expect(screen.getByTestId("job-platforms")).toHaveTextContent("Demo HelpCrunch1 done");
    expect(screen.queryByTestId("job-pause")).toBeNull(); // nothing left to pause
    await user.click(screen.getByTestId("job-export"));
    await waitFor(() => expect(backend.calls.find((c) => c.cmd === "export_job")?.args).toEqual({ request: { job_id: "j", only: [] } }));
    expect(await screen.findByText("/tmp/switchboard-job.csv")).toBeInTheDocument();
  });

  it("exports the plan, then pauses, resumes and cancels the running job", async () => {
    const user = userEvent.setup();
    let state: { paused: boolean; by: Record<string, number>; remaining: number; full?: boolean } = { paused: false, by: { done: 3, queued: 5 }, remaining: 5 };
    const backend = mockBackend({
      list_connections: () => [],
      list_people: () => PEOPLE,
      preview_reassign: () => PLAN,
      export_reassign_plan: () => ({ path: "/tmp/switchboard-plan.csv", rows: 2, note: null }),
      start_reassign: () => ({ job_id: "j", plan: PLAN }),
      job_progress: () =>
        progress(
          state.by,
          state.remaining,
          state.paused,
          state.full ? { code: "disk_full", message: "the disk holding Switchboard's data folder is full, so nothing more can be saved; free some space and Switchboard goes on where it stopped" } : null,
        ),
      pause_job: () => {
        state = { ...state, paused: true };
        return progress(state.by, state.remaining, true).summary;
      },
      resume_job: () => {
        state = { ...state, paused: false };
        return progress(state.by, state.remaining).summary;
      },
      cancel_job: () => {
        state = { paused: false, by: { done: 2, failed: 1, cancelled: 5 }, remaining: 0 };
        return progress(state.by, 0).summary;
      },
    });
    render(<App initialArea="people" />);
    await user.click((await screen.findAllByTestId("reassign-person"))[0]!);
    await user.click(screen.getByTestId("reassign-to"));
    await user.click(await screen.findByRole("option", { name: "Bruno Costa" }));
    await screen.findByTestId("reassign-plan");
    await user.click(screen.getByTestId("reassign-export-plan"));
    expect(await screen.findByText("/tmp/switchboard-plan.csv")).toBeInTheDocument();
    expect(backend.commands()).not.toContain("start_reassign");

    await user.click(screen.getByTestId("reassign-confirm"));
    expect(await screen.findByTestId("job-standing")).toHaveTextContent("Running");
    expect(screen.getByTestId("job-pace")).toHaveTextContent("2.0 items a second; about 3 s left.");
    expect(screen.getByTestId("job-platforms")).toHaveTextContent("5 waiting");
    // The disk fills up: the job says so, and goes on once there is room.
    state = { ...state, full: true };
    await waitFor(() => expect(screen.getByTestId("job-standing")).toHaveTextContent("Waiting for disk space"));
    expect(screen.getByTestId("job-stalled")).toHaveTextContent("The disk is full");
    expect(screen.getByTestId("job-stalled")).toHaveTextContent("free some space and Switchboard goes on");
    state = { ...state, full: false };
    await waitFor(() => expect(screen.getByTestId("job-standing")).toHaveTextContent("Running"));
    expect(screen.queryByTestId("job-stalled")).toBeNull();
    await user.click(screen.getByTestId("job-pause"));
    await waitFor(() => expect(screen.getByTestId("job-standing")).toHaveTextContent("Paused"));
    expect(screen.getByTestId("job-pace")).toHaveTextContent("nothing more goes out until you resume");
    await user.click(screen.getByTestId("job-resume"));
    await waitFor(() => expect(screen.getByTestId("job-standing")).toHaveTextContent("Running"));
    await user.click(screen.getByTestId("job-cancel"));
    expect(backend.commands()).not.toContain("cancel_job"); // asked first
    await user.click(screen.getByTestId("job-cancel-confirm"));
    await waitFor(() => expect(screen.getByTestId("job-standing")).toHaveTextContent("Done with problems"));
    expect(screen.getByTestId("reassign-results")).toHaveTextContent("2 done, 1 failed, 0 in conflict, 0 not confirmed, 5 cancelled, 0 waiting, of 8.");
    // The failed item, with the vendor's words and what to do; filtered by outcome.
    expect(screen.getByTestId("job-trouble")).toHaveTextContent("Chat with Mia: failed: Chat not found — Sync HelpCrunch, then retry");
    await user.click(screen.getByRole("radio", { name: "Conflict" }));
    expect(screen.queryByTestId("job-trouble")).toBeNull();
    expect(screen.getByTestId("reassign-retry")).toHaveTextContent("Retry 1 failed");
    const order = backend.commands().filter((c) => ["pause_job", "resume_job", "cancel_job"].includes(c));
    expect(order).toEqual(["pause_job", "resume_job", "cancel_job"]);
  });

  it("sets the person's CCAI Platform status in the same job when asked", async () => {
    const user = userEvent.setup();
    const ana = person(1, "Ana Lima", 2);
    ana.agents.push({ ...ana.agents[0]!, id: 11, connection_id: "cc", connection_name: "Demo CCAI Platform", vendor: "ccai_platform", vendor_id: "70001" });
    const status = (vendor_id: string, name: string, offered: boolean, system: boolean) => ({ connection_id: "cc", vendor_id, name, color: null, system, offered });
    const backend = mockBackend({
      list_connections: () => [],
      list_people: () => [ana, PEOPLE[1]!, PEOPLE[2]!],
      status_board: () => ({ agents: [], teams: [], polls: [], now: 0, statuses: [status("1", "Available", true, true), status("7", "Lunch", true, false), status("-2", "On call", false, true)] }),
      preview_reassign: (args) => {
        const r = (args as { request: { status: string | null } }).request;
        return r.status === null ? PLAN : { ...PLAN, status: [{ connection_id: "cc", name: "Demo CCAI Platform", agent_id: 11, agent_name: "Ana Lima", status_id: "7", status_name: "Lunch" }] };
      },
    });
    render(<App initialArea="people" />);
    await user.click((await screen.findAllByTestId("reassign-person"))[0]!);
    await user.click(screen.getByTestId("reassign-to"));
    await user.click(await screen.findByRole("option", { name: "Bruno Costa" }));
    await screen.findByTestId("reassign-plan");
    await user.click(screen.getByTestId("reassign-status"));
    expect(screen.queryByRole("option", { name: "On call" })).toBeNull(); // a status Switchboard cannot set is not offered
    await user.click(await screen.findByRole("option", { name: "Lunch" }));
    expect(await screen.findByTestId("reassign-status-step")).toHaveTextContent("Demo CCAI Platform: Ana Lima is set Lunch, in the same job.");
    const asked = backend.calls.filter((c) => c.cmd === "preview_reassign").at(-1)?.args as { request: { status: string } };
    expect(asked.request.status).toBe("7");
  });

  it("says how long at each vendor's limit", () => {
    expect([duration(null), duration(30), duration(1260)]).toEqual(["no documented limit", "about 30 s", "about 21 min"]);
  });
});
