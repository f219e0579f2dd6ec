import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { App } from "../App";
import type { BoardAgent } from "../bindings/BoardAgent";
import type { StatusBoard } from "../bindings/StatusBoard";
import { mockBackend } from "../test/backend";
import { boardFilter, boardRows, duration, textOn } from "./statusBoard";

const NOW = 1_763_700_000_000;

function agent(id: number, name: string, person: number | null, extra: Partial<BoardAgent> = {}): BoardAgent {
  return {
    agent_id: id,
    connection_id: "ccai",
    connection_name: "Demo CCAI Platform",
    vendor: "ccai_platform",
    is_demo: true,
    name,
    email: `${name.split(" ")[0]!.toLowerCase()}@x.example`,
    active: true,
    role: null,
    assignments: 0,
    person_id: person,
    person_name: person === null ? null : name,
    team_ids: [1],
    status: { status_vendor_id: "0", name: "Available", since: NOW - 5 * 60_000, seen_at: NOW, source: "poll" },
    ...extra,
  };
}

const BOARD: StatusBoard = {
  agents: [
    agent(1, "Ana Lima", 10),
    agent(2, "Bo Berg", 11, { status: { status_vendor_id: "-7", name: "In-call", since: NOW - 65 * 60_000, seen_at: NOW, source: "poll" } }),
    agent(3, "Cy Dorn", null, { team_ids: [] }),
    { ...agent(4, "Ana Lima", 10), connection_id: "hc", connection_name: "Demo HelpCrunch", vendor: "helpcrunch", team_ids: [], status: null, assignments: 3, role: "agent" },
  ],
  teams: [{ id: 1, connection_id: "ccai", connection_name: "Demo CCAI Platform", vendor: "ccai_platform", vendor_id: "1", name: "Tier 1 Support", parent_vendor_id: null, members: [1, 2] }],
  statuses: [
    { connection_id: "ccai", vendor_id: "0", name: "Available", color: "#2ecc71", system: true, offered: true },
    { connection_id: "ccai", vendor_id: "-7", name: "In-call", color: "#e74c3c", system: true, offered: false },
    { connection_id: "ccai", vendor_id: "1", name: "Lunch", color: "#f1c40f", system: false, offered: true },
  ],
  polls: [{ connection_id: "ccai", last_ok_at: NOW, agents: 3, requests: 1, took_ms: 40, last_error: null, last_error_at: null, team_online: null }],
  now: NOW,
};

describe("the board's rows", () => {
  it("groups people by team, with everyone in no team last", () => {
    const rows = boardRows(BOARD, null);
    expect(rows.map((r) => (r.kind === "team" ? `# ${r.team?.name ?? "No team"}` : r.person.name))).toEqual(["# Tier 1 Support", "Ana Lima", "Bo Berg", "# No team", "Cy Dorn"]);
    const ana = rows.find((r) => r.kind === "person" && r.person.name === "Ana Lima");
    expect(ana?.kind === "person" && ana.person.agents.length).toBe(2);
    expect(ana?.kind === "person" && ana.person.assignments).toBe(3);
    const team = rows[0]!;
    expect(team.kind === "team" && team.counts).toEqual({ "ccai:0": 1, "ccai:-7": 1 });
    expect(boardRows(BOARD, 1).map((r) => (r.kind === "team" ? `# ${r.team?.name}` : r.person.name))).toEqual(["# Tier 1 Support", "Ana Lima", "Bo Berg"]);
  });

  it("asks the engine for the people the controls choose (the engine's board tests cover the rule)", () => {
    expect(boardFilter(" dorn ", "helpcrunch", "1", "ccai:-7")).toEqual({ search: "dorn", vendor: "helpcrunch", connection: "ccai", team: 1, status: "-7", with_status: false });
    expect(boardFilter("", null, null, null)).toEqual({ search: null, vendor: null, connection: null, team: null, status: null, with_status: false });
  });

  it("says durations and picks readable text", () => {
    expect([duration(4 * 60_000), duration(125 * 60_000), duration(50 * 3600_000)]).toEqual(["4 min", "2 h 5 min", "2 d 2 h"]);
    expect([textOn("#f1c40f"), textOn("#2c3e50")]).toEqual(["#000", "#fff"]);
    // CCAI Platform's blue and green: black reads better (4.5:1 or more) than white.
    expect([textOn("#3498db"), textOn("#2ecc71"), textOn("#e74c3c")]).toEqual(["#000", "#000", "#000"]);
  });
});

describe("Status board", () => {
  it("watches while open, shows statuses, and sets a team's status with each agent's result", async () => {
    const backend = mockBackend({
      status_board: () => BOARD,
      poll_statuses: () => ({ connection_id: "ccai", agents: 3, changed: 0, requests: 1, took_ms: 40, changes_only: false }),
      watch_statuses: () => null,
      set_status: () => ({
        job_id: "j",
        state: "done",
        operation: { operation_id: 5, agent_names: ["team Tier 1 Support"], state: "done", error_code: "kept", message: "1 changed; 1 kept: Bo Berg (Agent can't be changed from system status 'In-call')", hint: null },
        agents: [
          { agent_vendor_id: "1", agent_id: 1, name: "Ana Lima", previous: "Available", current: "Lunch", changed: true, already: false, message: null },
          { agent_vendor_id: "2", agent_id: 2, name: "Bo Berg", previous: "In-call", current: "In-call", changed: false, already: false, message: "Agent can't be changed from system status 'In-call'" },
          { agent_vendor_id: "3", agent_id: 3, name: "Cy Dorn", previous: "Lunch", current: "Lunch", changed: false, already: true, message: null },
        ],
      }),
    });
    render(<App initialArea="status" />);
    const chips = await screen.findAllByTestId("status-chip");
    expect(chips.map((c) => c.textContent)).toEqual(["Available", "In-call", "Available"]);
    await waitFor(() => expect(backend.commands()).toContain("poll_statuses"));
    expect(backend.calls.find((c) => c.cmd === "watch_statuses")?.args).toEqual({ request: { watching: true } });

    await userEvent.click(screen.getByTestId("select-team"));
    expect(screen.getByTestId("board-selection")).toHaveTextContent("1 team, 0 agents selected");
    await userEvent.click(screen.getByTestId("board-set-status"));
    const list = await screen.findByRole("listbox");
    expect(within(list).getAllByRole("option").map((o) => o.textContent)).toEqual(["Available", "Lunch"]);
    await userEvent.click(within(list).getByRole("option", { name: "Lunch" }));
    await userEvent.click(screen.getByTestId("board-apply"));
    const results = await screen.findAllByTestId("board-result");
    expect(results.map((r) => r.textContent)).toEqual(["changed", "kept", "already"]);
    expect(screen.getByTestId("board-results")).toHaveTextContent("Cy Dorn: already Lunch");
    expect(screen.getByTestId("board-results")).toHaveTextContent("still In-call — Agent can't be changed from system status 'In-call'");
    expect(backend.calls.find((c) => c.cmd === "set_status")?.args).toEqual({
      request: { connection_id: "ccai", status_id: "1", agents: [], teams: [1], drop_after_minutes: 15 },
    });
  });

  it("opens a reassignment of everything a person holds from their row", async () => {
    const backend = mockBackend({
      status_board: () => BOARD,
      poll_statuses: () => ({ connection_id: "ccai", agents: 3, changed: 0, requests: 1, took_ms: 40, changes_only: false }),
      watch_statuses: () => null,
      list_people: () => [],
    });
    render(<App initialArea="status" />);
    const buttons = await screen.findAllByTestId("board-reassign");
    expect(buttons).toHaveLength(1); // Ana holds 3; Bo and Cy hold nothing
    await userEvent.click(buttons[0]!);
    expect(await screen.findByText("Reassign everything Ana Lima holds")).toBeInTheDocument();
    expect(backend.commands()).not.toContain("start_reassign");
  });
});
