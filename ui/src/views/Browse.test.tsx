import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { App } from "../App";
import type { TargetRow } from "../bindings/TargetRow";
import { mockBackend } from "../test/backend";
import { summary } from "../test/fixtures";

function target(i: number, assigned: boolean): TargetRow {
  return {
    target: { id: i, connection_id: "c", kind: "chat", vendor_id: `${5214000 + i}`, name: `Customer ${i}`, phone: "919876543210", email: null, status: "opened", last_activity_at: Date.now(), synced_at: 1 },
    connection_name: "Demo HelpCrunch",
    vendor: "helpcrunch",
    is_demo: true,
    assignees: assigned ? [{ agent_vendor_id: "4100", agent_id: 1, name: "Ana Lima", until: null }] : [],
  };
}

describe("Browsing the cache", () => {
  it("lists targets with assignees and passes search and filters", async () => {
    const backend = mockBackend({
      list_connections: () => [summary("Demo HelpCrunch", "helpcrunch", { unreachable: true, last_check: { id: 1, connection_id: "c", at: 1, outcome: "unreachable", message: "down", latency_ms: null } })],
      list_targets: ({ request }) => {
        const q = request as { search: string | null; unassigned: boolean | null };
        const rows = [target(1, true), target(2, false)].filter((r) => q.unassigned === null || (r.assignees.length === 0) === q.unassigned);
        return { rows, total: rows.length };
      },
    });
    render(<App initialArea="targets" />);
    expect(await screen.findByText("Customer 1")).toBeInTheDocument();
    expect(screen.getByText("Ana Lima")).toBeInTheDocument();
    expect(screen.getByText("Unassigned", { selector: "p" })).toBeInTheDocument();
    expect(screen.getByTestId("targets-count")).toHaveTextContent("2 match");
    expect(screen.getByTestId("freshness-badge")).toHaveAttribute("data-unreachable", "true");

    await userEvent.click(screen.getByRole("radio", { name: "Unassigned" }));
    await waitFor(() => expect(screen.queryByText("Customer 1")).not.toBeInTheDocument());
    await userEvent.type(screen.getByTestId("targets-search"), "+91 98765");
    await waitFor(() => {
      const last = backend.calls.filter((c) => c.cmd === "list_targets").at(-1)?.args as { request: { search: string; unassigned: boolean } };
      expect(last.request).toMatchObject({ search: "+91 98765", unassigned: true, offset: 0, limit: 200 });
    });
  });

  it("selects by ticks, Shift-click ranges and all matching, then reassigns that scope", async () => {
    const user = userEvent.setup();
    const bruno = { id: 2, display_name: "Bruno Costa", email: "bruno@x.example", assignments: 0, agents: [] };
    const backend = mockBackend({
      list_connections: () => [],
      list_people: () => [bruno],
      // The first of five pages of 50.
      list_targets: ({ request }) => ({ rows: (request as { offset: number }).offset === 0 ? Array.from({ length: 50 }, (_, i) => target(i + 1, true)) : [], total: 250 }),
      preview_reassign: () => ({ from_name: "the chosen targets", items: [], skipped: [], connections: [], people: [], status: [], seconds: null, planned_at: 0 }),
    });
    render(<App initialArea="targets" />);
    expect(await screen.findByText("Customer 4")).toBeInTheDocument();
    expect(screen.getByTestId("targets-count")).toHaveTextContent("250 match");
    await user.click(screen.getAllByTestId("target-pick")[0]!);
    await user.keyboard("{Shift>}");
    await user.click(screen.getAllByTestId("target-pick")[2]!);
    await user.keyboard("{/Shift}");
    expect(screen.getByTestId("targets-selection")).toHaveTextContent("3 selected");
    await user.click(screen.getByTestId("targets-reassign"));
    expect(await screen.findByText("Reassign 3 targets")).toBeInTheDocument();
    await user.click(screen.getByTestId("reassign-to"));
    await user.click(await screen.findByRole("option", { name: "Bruno Costa" }));
    await waitFor(() => expect(backend.commands()).toContain("preview_reassign"));
    const chosen = backend.calls.filter((c) => c.cmd === "preview_reassign").at(-1)?.args as { request: { from: unknown; targets: unknown } };
    expect(chosen.request).toMatchObject({ from: null, targets: { kind: "chosen", ids: [1, 2, 3] } });
    await user.click(screen.getByRole("button", { name: "Cancel" }));

    await user.click(screen.getAllByTestId("select-all-matching")[0]!);
    expect(screen.getByTestId("targets-selection")).toHaveTextContent("All 250 matching selected");
    await user.click(screen.getByTestId("targets-reassign"));
    expect(await screen.findByText("Reassign 250 targets")).toBeInTheDocument();
    await user.click(screen.getByTestId("reassign-to"));
    await user.click(await screen.findByRole("option", { name: "Bruno Costa" }));
    await waitFor(() => {
      const all = backend.calls.filter((c) => c.cmd === "preview_reassign").at(-1)?.args as { request: { targets: { kind: string; query: { limit: number } } } };
      expect(all.request.targets.kind).toBe("matching");
    });
  });

  it("shows people with an agent per platform", async () => {
    mockBackend({
      list_connections: () => [],
      list_people: () => [
        {
          id: 1,
          display_name: "Ana Lima",
          email: "ana.lima@acme-support.example",
          assignments: 7,
          agents: [
            { id: 1, connection_id: "a", connection_name: "Demo Vambe", vendor: "vambe", is_demo: true, vendor_id: "u", name: "Ana Lima", email: "ana.lima@acme-support.example", active: true, link: "auto", assignments: 3 },
            { id: 2, connection_id: "b", connection_name: "Demo HelpCrunch", vendor: "helpcrunch", is_demo: true, vendor_id: "4100", name: "Ana Lima", email: "ana.lima@acme-support.example", active: true, link: "auto", assignments: 4 },
          ],
        },
      ],
    });
    render(<App initialArea="people" />);
    expect(await screen.findByText("ana.lima@acme-support.example")).toBeInTheDocument();
    expect(screen.getByText("Vambe (demo)")).toBeInTheDocument();
    expect(screen.getByText("HelpCrunch (demo)")).toBeInTheDocument();
    expect(screen.getByTestId("people-count")).toHaveTextContent("1 people");
  });

  it("unlinks an agent from its person by hand", async () => {
    const ana = {
      id: 1,
      display_name: "Ana Lima",
      email: "ana.lima@acme-support.example",
      assignments: 7,
      agents: [
        { id: 11, connection_id: "a", connection_name: "Demo Vambe", vendor: "vambe", is_demo: true, vendor_id: "u", name: "Ana Lima", email: "ana.lima@acme-support.example", active: true, link: "auto", assignments: 3 },
        { id: 12, connection_id: "b", connection_name: "Demo HelpCrunch", vendor: "helpcrunch", is_demo: true, vendor_id: "4100", name: "Ana L.", email: "ana.lima@acme-support.example", active: true, link: "auto", assignments: 4 },
      ],
    };
    const backend = mockBackend({ list_connections: () => [], list_people: () => [ana], unlink_agent: () => 99 });
    render(<App initialArea="people" />);
    const badges = await screen.findAllByTestId("agent-badge");
    await userEvent.click(badges[1]!);
    await userEvent.click(await screen.findByText("Unlink from Ana Lima"));
    await waitFor(() => expect(backend.calls.find((c) => c.cmd === "unlink_agent")?.args).toEqual({ request: { agent_id: 12 } }));
  });

  it("lists agents with their person and how they were linked", async () => {
    mockBackend({
      list_connections: () => [],
      list_agents: () => [
        {
          agent: { id: 12, connection_id: "b", connection_name: "Demo HelpCrunch", vendor: "helpcrunch", is_demo: true, vendor_id: "4100", name: "Ana L.", email: null, active: false, link: "manual", assignments: 4 },
          person_id: 1,
          person_name: "Ana Lima",
        },
      ],
    });
    render(<App initialArea="agents" />);
    expect(await screen.findByText("Ana L. (inactive)")).toBeInTheDocument();
    expect(screen.getByText("by hand")).toBeInTheDocument();
    expect(screen.getByTestId("agents-count")).toHaveTextContent("1 agents");
  });
});
