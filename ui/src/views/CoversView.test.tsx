import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { App } from "../App";
import type { CoverRow } from "../bindings/CoverRow";
import type { PersonRow } from "../bindings/PersonRow";
import { mockBackend } from "../test/backend";

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 11, 7, 8, 0);

function person(id: number, name: string): PersonRow {
  return { id, display_name: name, email: `${name.split(" ")[0]!.toLowerCase()}@x.example`, assignments: 0, agents: [] };
}

const PEOPLE = [person(1, "Ana Lima"), person(2, "Bruno Costa"), person(3, "Carla Reis")];

function row(id: number, state: CoverRow["cover"]["state"], extra: Partial<CoverRow> = {}): CoverRow {
  return {
    cover: {
      id,
      person_id: 1,
      starts_at: T0,
      ends_at: T0 + 4 * 24 * HOUR + 10 * HOUR,
      zone: "Europe/Lisbon",
      to_people: [2],
      to_team: null,
      strategy: "round_robin",
      connections: [],
      follow_new: true,
      pingup_until: false,
      note: "flu",
      state,
      started_at: state === "scheduled" ? null : T0 + 12 * 60_000,
      ended_at: null,
      skipped: state === "scheduled" ? [] : [{ step: "start", target: "Chat with Mia", reason: "no agent on Vambe among Bruno Costa" }],
      created_at: T0 - HOUR,
      updated_at: T0,
    },
    person_name: "Ana Lima",
    to_names: ["Bruno Costa"],
    jobs:
      state === "scheduled"
        ? []
        : [{ step: "start", summary: { job: { id: "j1", kind: "cover", title: "Cover: Ana Lima away", state: "done", origin: "app", created_at: T0, updated_at: T0, finished_at: T0, paused_at: null }, items: 14, by_state: { done: 13, conflict: 1 } } }],
    started_late_ms: state === "scheduled" ? null : 12 * 60_000,
    ended_late_ms: null,
    ...extra,
  };
}

const BOARD = {
  agents: [
    {
      agent_id: 9, connection_id: "ccai", connection_name: "Demo CCAI Platform", vendor: "ccai_platform", is_demo: true, name: "Ana Lima", email: "ana@x.example", active: true, role: null, assignments: 0,
      person_id: 1, person_name: "Ana Lima", team_ids: [], status: { status_vendor_id: "-1", name: "Offline", since: T0, seen_at: T0, source: "poll" },
    },
  ],
  teams: [],
  statuses: [],
  polls: [],
  now: T0,
};

describe("Covers", () => {
  it("lists a cover under way with its lateness, its job and whether the person is still away, and ends it", async () => {
    const user = userEvent.setup();
    let covers = [row(1, "active")];
    const backend = mockBackend({
      list_covers: () => covers,
      status_board: () => BOARD,
      end_cover: () => {
        covers = [row(1, "ended", { ended_late_ms: null })];
        return covers[0];
      },
    });
    render(<App initialArea="covers" />);
    const line = await screen.findByTestId("cover-row");
    expect(line).toHaveTextContent("under way");
    expect(line).toHaveTextContent("Ana Lima");
    expect(line).toHaveTextContent("(Europe/Lisbon)");
    expect(line).toHaveTextContent("Bruno Costa covers; new work follows · flu");
    expect(within(line).getByTestId("cover-late")).toHaveTextContent("Started (ran 12 min late: Switchboard was closed).");
    expect(line).toHaveTextContent("Handed over: 13 done, 1 need you");
    expect(within(line).getByTestId("cover-skipped")).toHaveTextContent("Left as they were: Chat with Mia (no agent on Vambe among Bruno Costa)");
    await waitFor(() => expect(within(line).getByTestId("cover-status")).toHaveTextContent("Ana Lima is Offline on CCAI Platform now: still away? Extend the cover."));
    await user.click(within(line).getByTestId("cover-end"));
    expect(backend.commands()).not.toContain("end_cover"); // asked first
    await user.click(await screen.findByTestId("cover-end-confirm"));
    await waitFor(() => expect(backend.calls.find((c) => c.cmd === "end_cover")?.args).toEqual({ request: { id: 1 } }));
    await waitFor(() => expect(screen.getByTestId("cover-row")).toHaveTextContent("ended"));
  });

  it("adds a cover in this computer's time and says what the engine refused", async () => {
    const user = userEvent.setup();
    let refuse = true;
    const backend = mockBackend({
      list_covers: () => [],
      status_board: () => BOARD,
      list_people: () => PEOPLE,
      list_teams: () => [],
      list_connections: () => [],
      preview_cover: () => ({
        from_name: "Ana Lima",
        items: [{ target_id: 7, connection_id: "hc", vendor: "helpcrunch", target_label: "Chat with Mia", from_agent: 10, from_name: "Ana Lima", to_person: 2, to_agent: 20, to_name: "Bruno Costa", calls: 1 }],
        skipped: [{ target_id: 8, connection_id: "sp", target_label: "+91 98765 43210", reason: "no agent on Splashify Pro among Bruno Costa" }],
        connections: [],
        people: [{ person_id: 2, name: "Bruno Costa", items: 1 }],
        status: [],
        seconds: 1,
        planned_at: 0,
      }),
      add_cover: () => {
        if (refuse) throw { code: "invalid", message: "Bruno Costa is away themselves from Mon 7 Dec 2026 08:00 (UTC+00:00) to Fri 11 Dec 2026 18:00 (UTC+00:00) (cover 4); choose someone else", field: "to" };
        return row(2, "scheduled");
      },
    });
    render(<App initialArea="covers" />);
    // N sets up a cover, as the button does.
    await screen.findByTestId("cover-add");
    await user.keyboard("n");
    await user.click(await screen.findByTestId("cover-person"));
    await user.click(await screen.findByRole("option", { name: "Ana Lima" }));
    await user.clear(screen.getByTestId("cover-from"));
    await user.type(screen.getByTestId("cover-from"), "2026-12-07T08:00");
    await user.clear(screen.getByTestId("cover-until"));
    await user.type(screen.getByTestId("cover-until"), "2026-12-11T18:00");
    await user.click(screen.getByTestId("cover-to"));
    await user.click(await screen.findByRole("option", { name: "Bruno Costa" }));
    // What the start would move, before anything is saved.
    expect(await screen.findByTestId("cover-preview")).toHaveTextContent("1 move, 1 skipped");
    expect(screen.getByTestId("cover-preview")).toHaveTextContent("no agent on Splashify Pro among Bruno Costa");
    const previewed = backend.calls.find((c) => c.cmd === "preview_cover")?.args as { request: { id: unknown; cover: { person: number } } };
    expect(previewed.request).toMatchObject({ id: null, cover: { person: 1 } });
    expect(backend.commands()).not.toContain("add_cover");
    await user.click(screen.getByTestId("cover-save"));
    expect(await screen.findByTestId("cover-error")).toHaveTextContent("Bruno Costa is away themselves");
    const asked = backend.calls.find((c) => c.cmd === "add_cover")?.args as { request: Record<string, unknown> };
    expect(asked.request).toMatchObject({
      person: 1,
      starts_at: new Date("2026-12-07T08:00").getTime(),
      ends_at: new Date("2026-12-11T18:00").getTime(),
      zone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      to: { kind: "people", ids: [2] },
      follow_new: true,
    });
    refuse = false;
    await user.click(screen.getByTestId("cover-save"));
    await waitFor(() => expect(screen.queryByTestId("cover-form")).toBeNull());
  });
});
