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
      expect(backend.calls.find((c) => c.cmd === "assign")?.args).toEqual({ request: { target_id: 7, agents: [41], until: null, notes: null, replace: false } }),
    );
  });
});
