import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { App } from "../App";
import type { TargetRow } from "../bindings/TargetRow";
import { mockBackend } from "../test/backend";
import { VENDORS } from "../test/fixtures";

const SPLASHIFY = {
  ...VENDORS[0]!,
  vendor: "splashify" as const,
  name: "Splashify Pro",
  capabilities: { ...VENDORS[0]!.capabilities, several_assignees: false, release: true, agents_by_email: true, replace: false },
};

const CONVERSATION: TargetRow = {
  target: { id: 7, connection_id: "s", kind: "conversation", vendor_id: "919876543210", name: "Noah Lima", phone: "919876543210", email: null, status: null, last_activity_at: 1, synced_at: 1 },
  connection_name: "Demo Splashify Pro",
  vendor: "splashify",
  is_demo: true,
  assignees: [],
};

describe("Assign", () => {
  it("assigns one agent and shows the vendor's reason with what to do", async () => {
    const backend = mockBackend({
      vendors: () => [SPLASHIFY],
      list_targets: () => ({ rows: [CONVERSATION], total: 1 }),
      list_people: () => [],
      list_teams: () => [],
      list_agents: () => [
        {
          agent: { id: 41, connection_id: "s", connection_name: "Demo Splashify Pro", vendor: "splashify", is_demo: true, vendor_id: "ana@x.example", name: "Ana Lima", email: "ana@x.example", active: true, link: "auto", assignments: 0 },
          person_id: 1,
          person_name: "Ana Lima",
        },
      ],
      assign: () => ({
        job_id: "j",
        state: "failed",
        skipped: [],
        results: [
          {
            operation_id: 1,
            agent_names: ["Ana Lima"],
            state: "failed",
            error_code: "not_found",
            message: "Conversation not found",
            hint: "The customer has not written yet: once they message your WhatsApp number, assign again.",
          },
        ],
      }),
    });
    render(<App initialArea="assign" />);
    await userEvent.click(await screen.findByTestId("assign-target"));
    expect(await screen.findByTestId("single-assignee-note")).toHaveTextContent("holds one agent");
    await userEvent.click(screen.getByTestId("assign-agents"));
    await userEvent.click(await screen.findByRole("option", { name: "Ana Lima <ana@x.example>" }));
    await userEvent.click(screen.getByTestId("assign-submit"));
    expect(await screen.findByTestId("assign-hint")).toHaveTextContent("has not written yet");
    expect(screen.getByText("Conversation not found")).toBeInTheDocument();
    await waitFor(() =>
      expect(backend.calls.find((c) => c.cmd === "assign")?.args).toEqual({ request: { target_id: 7, agents: [41], people: [], teams: [], until: null, notes: null, replace: false, replaces: null } }),
    );
  });

  it("is driven from the keyboard, reads assignees live and assigns a team", async () => {
    const VAMBE = {
      ...VENDORS[0]!,
      vendor: "vambe" as const,
      name: "Vambe",
      capabilities: { ...VENDORS[0]!.capabilities, several_assignees: true, read_assignees: true, replace: true, release: false, expiry: false, notes: false },
    };
    const contact: TargetRow = { ...CONVERSATION, connection_name: "Demo Vambe", vendor: "vambe", target: { ...CONVERSATION.target, id: 9, kind: "contact", name: "Mia Rossi", phone: null } };
    const backend = mockBackend({
      vendors: () => [VAMBE],
      list_targets: () => ({ rows: [CONVERSATION, contact], total: 2 }),
      refresh_target: () => ({ ...contact, assignees: [{ agent_vendor_id: "u1", agent_id: 3, name: "Bo Berg", until: null }] }),
      list_agents: () => [],
      list_people: () => [],
      list_teams: () => [{ id: 5, connection_id: "h", connection_name: "Demo HelpCrunch", vendor: "helpcrunch", vendor_id: "1", name: "Support", parent_vendor_id: null, members: [1, 2] }],
      assign: () => ({ job_id: "j", state: "done", results: [{ operation_id: 2, agent_names: ["Ana"], state: "done", error_code: null, message: null, hint: null }], skipped: ["Cy Dorn (no agent on Demo Vambe)"] }),
    });
    render(<App initialArea="assign" />);
    const search = await screen.findByTestId("assign-search");
    await screen.findAllByTestId("assign-target");
    await userEvent.type(search, "{arrowdown}{enter}");
    expect(await screen.findByTestId("current-assignees")).toHaveTextContent("Now: Bo Berg");
    expect(screen.getByTestId("assignees-freshness")).toHaveTextContent("Read from Vambe");
    expect(backend.calls.find((c) => c.cmd === "refresh_target")?.args).toEqual({ request: { target_id: 9 } });
    expect(screen.queryByTestId("release")).not.toBeInTheDocument();
    await userEvent.click(screen.getByTestId("assign-teams"));
    await userEvent.click(await screen.findByRole("option", { name: "Support (Demo HelpCrunch, 2)" }));
    await userEvent.keyboard("{Escape}{Control>}{Enter}{/Control}");
    expect(await screen.findByTestId("assign-skipped")).toHaveTextContent("Cy Dorn (no agent on Demo Vambe)");
    expect(backend.calls.find((c) => c.cmd === "assign")?.args).toMatchObject({ request: { target_id: 9, agents: [], teams: [5] } });
  });
});
