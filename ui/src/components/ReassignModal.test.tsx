import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { App } from "../App";
import type { PersonRow } from "../bindings/PersonRow";
import type { ReassignPlan } from "../bindings/ReassignPlan";
import { mockBackend } from "../test/backend";
import { duration } from "./ReassignModal";

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
  seconds: 1,
  planned_at: 0,
};

describe("Reassign everything", () => {
  it("previews from the cache, then runs and says how every item ended", async () => {
    const user = userEvent.setup();
    const backend = mockBackend({
      list_connections: () => [],
      list_people: () => PEOPLE,
      preview_reassign: () => PLAN,
      start_reassign: () => ({ job_id: "j", plan: PLAN }),
      job_progress: () => ({
        summary: { job: { id: "j", kind: "reassign", title: "Reassign", state: "done", origin: "app", created_at: 0, updated_at: 0, finished_at: 0 }, items: 1, by_state: { done: 1 } },
        trouble: [],
        remaining: 0,
      }),
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
    await waitFor(() => expect(backend.calls.find((c) => c.cmd === "job_progress")?.args).toEqual({ request: { job_id: "j" } }));
  });

  it("says how long at each vendor's limit", () => {
    expect([duration(null), duration(30), duration(1260)]).toEqual(["no documented limit", "about 30 s", "about 21 min"]);
  });
});
