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
      preview_assign: () => ({ agents: ["Ana Lima"], skipped: [] }),
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
    // Ctrl+Enter with nobody chosen says why nothing happens.
    await userEvent.keyboard("{Control>}{Enter}{/Control}");
    expect(await screen.findByTestId("assign-nudge")).toHaveTextContent("Choose an agent");
    // Typing a name and Enter picks the first match, without ↓.
    await userEvent.type(screen.getByTestId("assign-agents"), "ana{enter}");
    expect(await screen.findByTestId("assign-preview")).toHaveTextContent("Goes to Ana Lima");
    expect(screen.queryByTestId("assign-nudge")).not.toBeInTheDocument();
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
      preview_assign: () => ({ agents: ["Ana"], skipped: ["Cy Dorn (no agent on Demo Vambe)"] }),
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
    // Who is left out is said before anything is sent.
    expect(await screen.findByTestId("assign-preview-skipped")).toHaveTextContent("Not sent to 1: Cy Dorn (no agent on Demo Vambe)");
    expect(backend.commands()).not.toContain("assign");
    await userEvent.keyboard("{Escape}{Control>}{Enter}{/Control}");
    expect(await screen.findByTestId("assign-skipped")).toHaveTextContent("Cy Dorn (no agent on Demo Vambe)");
    expect(backend.calls.find((c) => c.cmd === "assign")?.args).toMatchObject({ request: { target_id: 9, agents: [], teams: [5] } });
    expect(screen.getByTestId("assign-headline")).toHaveTextContent("partial: 1 of 2 assigned, 1 skipped");
  });

  it("says why a search found nothing", async () => {
    mockBackend({ vendors: () => [SPLASHIFY], list_targets: (a) => ({ rows: (a.request as { search: string | null }).search ? [] : [CONVERSATION], total: 0 }) });
    render(<App initialArea="assign" />);
    await userEvent.type(await screen.findByTestId("assign-search"), "+91 98");
    expect(await screen.findByTestId("assign-no-match")).toHaveTextContent("a phone needs at least 6 digits");
    await userEvent.clear(screen.getByTestId("assign-search"));
    await userEvent.type(screen.getByTestId("assign-search"), "zzz");
    await waitFor(() => expect(screen.getByTestId("assign-no-match")).toHaveTextContent('matches "zzz"'));
  });

  it("asks before releasing and says who was released", async () => {
    const held: TargetRow = { ...CONVERSATION, assignees: [{ agent_vendor_id: "ana@x.example", agent_id: 41, name: "Ana Lima", until: null }] };
    const backend = mockBackend({
      vendors: () => [SPLASHIFY],
      list_targets: () => ({ rows: [held], total: 1 }),
      list_people: () => [],
      list_teams: () => [],
      list_agents: () => [],
      release: () => ({ job_id: "j", state: "done", skipped: [], results: [{ operation_id: 3, agent_names: ["Ana Lima"], state: "done", error_code: null, message: null, hint: null }] }),
    });
    render(<App initialArea="assign" />);
    await userEvent.click(await screen.findByTestId("assign-target"));
    await userEvent.click(await screen.findByTestId("release"));
    expect(await screen.findByText(/is held by Ana Lima/)).toBeInTheDocument();
    expect(backend.commands()).not.toContain("release");
    await userEvent.click(screen.getByTestId("confirm-release"));
    expect(await screen.findByTestId("assign-results")).toHaveTextContent("Released Ana Lima");
  });
});
