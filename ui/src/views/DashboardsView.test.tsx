import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";

import { App } from "../App";
import type { StatusChart } from "../bindings/StatusChart";
import { mockBackend } from "../test/backend";
import { chartRows, tableRows, UNKNOWN } from "./dashboardData";

const H = 3_600_000;
const CHART: StatusChart = {
  agents: 2,
  buckets: [
    { start: 0, statuses: [{ status_vendor_id: "0", name: "Available", ms: 3 * H }, { status_vendor_id: "1", name: "Lunch", ms: H }], unknown_ms: 4 * H, from_log_ms: H },
    { start: 24 * H, statuses: [{ status_vendor_id: "0", name: "Available", ms: 2 * H }], unknown_ms: 0, from_log_ms: 0 },
  ],
};
const STATUSES = [
  { connection_id: "c", vendor_id: "0", name: "Available", color: "#2ecc71", system: true, offered: true },
  { connection_id: "c", vendor_id: "1", name: "Lunch", color: "#f1c40f", system: false, offered: true },
];

afterEach(() => vi.useRealTimers());

describe("dashboard data", () => {
  it("turns buckets into chart rows in hours or shares, unknown time included", () => {
    const { rows, series } = chartRows(CHART, STATUSES, (t) => `day ${t / (24 * H)}`);
    expect(series).toEqual([
      { name: "Available", color: "#2ecc71" },
      { name: "Lunch", color: "#f1c40f" },
      { name: UNKNOWN, color: "#adb5bd" },
    ]);
    expect(rows).toEqual([
      { bucket: "day 0", Available: 3, Lunch: 1, [UNKNOWN]: 4 },
      { bucket: "day 1", Available: 2, Lunch: 0, [UNKNOWN]: 0 },
    ]);
    const shares = chartRows(CHART, STATUSES, String, true).rows;
    expect(shares[0]).toMatchObject({ Available: 37.5, Lunch: 12.5, [UNKNOWN]: 50 });
  });

  it("hands the engine's CSV writer the rows as text cells", () => {
    // Quoting and neutralising what a spreadsheet would run are the engine's (export::table tests).
    expect(tableRows(["name", "note", "n"], [{ name: "Ana", note: 'says "hi"', n: -2.5 }, { name: "Bo" }])).toEqual([
      ["Ana", 'says "hi"', "-2.5"],
      ["Bo", "", ""],
    ]);
  });
});

describe("Dashboards", () => {
  it("draws today's share as one bar in the day's first half hour, and as an area after", async () => {
    const backend = () =>
      mockBackend({
        status_board: () => ({ agents: [], teams: [], statuses: STATUSES, polls: [], now: 0 }),
        status_chart: () => CHART,
      });
    for (const [time, kind] of [
      ["2026-11-30T00:10:00", "bar"],
      ["2026-11-30T12:00:00", "area"],
    ] as const) {
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(new Date(time));
      backend();
      const { unmount } = render(<App initialArea="dashboards" />);
      await waitFor(() => expect(screen.getByTestId("chart-share")).toHaveAttribute("data-kind", kind));
      unmount();
      vi.useRealTimers();
    }
  });

  it("lists mismatches with links to the work, and exports the data behind them", async () => {
    const backend = mockBackend({
      status_board: () => ({ agents: [], teams: [], statuses: STATUSES, polls: [], now: 0 }),
      status_chart: () => CHART,
      mismatches: () => [{ person_id: 3, name: "Ana Lima", status: "Offline", since: 1_763_700_000_000, owners: [[41, "Ana Lima (Demo HelpCrunch)", 4]], open: 4 }],
      save_export: () => ({ path: "/tmp/x/switchboard-mismatches.csv", rows: 1, note: "This system has no Downloads folder, so exports go to /tmp/x." }),
      list_targets: () => ({ rows: [], total: 0 }),
      list_connections: () => [],
    });
    render(<App initialArea="dashboards" />);
    await waitFor(() => expect(backend.commands()).toContain("status_chart"));
    await userEvent.click(screen.getByTestId("tab-alerts"));
    expect(await screen.findByTestId("mismatch")).toHaveTextContent("Ana Lima");
    await userEvent.click(screen.getByTestId("export-mismatches"));
    await waitFor(() => expect(backend.calls.find((c) => c.cmd === "save_export")?.args).toMatchObject({ request: { name: "mismatches" } }));
    const table = (backend.calls.find((c) => c.cmd === "save_export")?.args as { request: { rows: string[][] } }).request.rows;
    expect(table[0]?.slice(0, 2)).toEqual(["Ana Lima", "Offline"]);
    // Where the file went, and why there, is said.
    expect(await screen.findByText(/no Downloads folder, so exports go to/)).toBeInTheDocument();
    await userEvent.click(screen.getByTestId("mismatch-link"));
    expect(await screen.findByTestId("agent-filter")).toBeInTheDocument();
    await waitFor(() => expect(backend.calls.filter((c) => c.cmd === "list_targets").at(-1)?.args).toMatchObject({ request: { agent_id: 41 } }));
  });

  it("opens Assign on an expiring assignment's target", async () => {
    const row = {
      target: { id: 77, connection_id: "p", kind: "client", vendor_id: "c77", name: "Mia Rossi", phone: null, email: null, status: null, last_activity_at: 1, synced_at: 1 },
      connection_name: "Demo Pingup",
      vendor: "pingup",
      is_demo: true,
      assignees: [],
    };
    const backend = mockBackend({
      status_board: () => ({ agents: [], teams: [], statuses: [], polls: [], now: 0 }),
      status_chart: () => CHART,
      workload: () => ({
        people: [],
        unassigned: [],
        // More than a screenful: every one is listed, and the count says so.
        expiring: [
          { target_id: 77, target_name: "Mia Rossi", connection_name: "Demo Pingup", agent_name: "Ana Lima", until: 1_763_800_000_000 },
          ...Array.from({ length: 40 }, (_, i) => ({ target_id: 100 + i, target_name: `Client ${i}`, connection_name: "Demo Pingup", agent_name: "Bo Berg", until: 1_763_800_000_000 + i })),
        ],
        health: [],
      }),
      list_targets: () => ({ rows: [row], total: 1 }),
      vendors: () => [],
      list_agents: () => [],
      list_people: () => [],
      list_teams: () => [],
    });
    render(<App initialArea="dashboards" />);
    await userEvent.click(await screen.findByTestId("tab-workload"));
    expect(await screen.findByText("Expiring within a week (41)")).toBeInTheDocument();
    expect(within(screen.getByTestId("expiring")).getAllByRole("button")).toHaveLength(41);
    await userEvent.click(await screen.findByRole("button", { name: "Mia Rossi" }));
    await waitFor(() => expect(backend.calls.filter((c) => c.cmd === "list_targets").some((c) => (c.args as { request: { target_id: number | null } }).request.target_id === 77)).toBe(true));
    // Assign shows that customer in its list, and opens no dropdown by itself.
    await waitFor(() => expect(screen.getByTestId("assign-search")).toHaveValue("Mia Rossi"));
    expect(screen.queryByRole("listbox")).not.toBeInTheDocument();
  });

  it("draws the day's timeline with a legend, and leaves the rest of the day blank", async () => {
    const start = new Date();
    start.setHours(0, 0, 0, 0);
    mockBackend({
      status_board: () => ({ agents: [], teams: [], statuses: STATUSES, polls: [], now: 0 }),
      status_chart: () => CHART,
      status_timelines: () => [
        {
          agent_id: 1,
          name: "Ana Lima",
          segments: [
            { status_vendor_id: STATUSES[0]!.vendor_id, name: STATUSES[0]!.name, start: start.getTime() + 60_000, end: start.getTime() + 120_000, source: "log" },
            { status_vendor_id: STATUSES[1]!.vendor_id, name: STATUSES[1]!.name, start: start.getTime() + 120_000, end: start.getTime() + 180_000, source: "poll" },
          ],
        },
      ],
    });
    render(<App initialArea="dashboards" />);
    await userEvent.click(await screen.findByTestId("tab-timeline"));
    expect(await screen.findByTestId("timeline-legend")).toHaveTextContent(STATUSES[0]!.name);
    expect(screen.getByTestId("timeline-legend")).toHaveTextContent("nobody knows");
    // Where the stretch came from is drawn, and said in the legend.
    expect(screen.getByTestId("legend-from-log")).toHaveTextContent("activity log");
    const segments = screen.getAllByTestId("timeline-segment");
    expect(segments.map((s) => s.dataset.source)).toEqual(["log", "watched"]);
    expect(segments[0]!.style.backgroundImage).toContain("repeating-linear-gradient");
    expect(segments[1]!.style.backgroundImage).toBe("");
    const unwatched = screen.getByTestId("timeline-unwatched");
    const width = parseFloat(unwatched.style.width);
    expect(width).toBeGreaterThan(0);
    expect(width).toBeLessThanOrEqual(100);
  });

  it("shows logins per day and pick-up times per person and per team from the activity log", async () => {
    const day = new Date();
    day.setHours(0, 0, 0, 0);
    const backend = mockBackend({
      status_board: () => ({ agents: [], teams: [], statuses: STATUSES, polls: [], now: 0 }),
      status_chart: () => CHART,
      watch_statuses: () => null,
      activity_summary: () => ({
        agents_with_log: 2,
        days: [{ agent_id: 1, name: "Ana Lima", day: day.getTime(), logins: 2, logouts: 1, first_login: day.getTime() + 8 * H, last_logout: day.getTime() + 17 * H }],
        agents: [{ name: "Ana Lima", agent_id: 1, team_id: null, channel: "chat", offered: 12, picked_up: 11, median_ms: 8_400, p90_ms: 65_000 }],
        teams: [{ name: "Tier 1", agent_id: null, team_id: 3, channel: "chat", offered: 30, picked_up: 27, median_ms: 9_000, p90_ms: 40_000 }],
      }),
    });
    render(<App initialArea="dashboards" />);
    await userEvent.click(await screen.findByTestId("tab-activity"));
    const login = await screen.findByTestId("login-day");
    expect(login).toHaveTextContent("Ana Lima");
    expect(login).toHaveTextContent("08:00");
    expect(login).toHaveTextContent("17:00");
    expect(screen.getByTestId("pickups-row")).toHaveTextContent("8 s");
    expect(screen.getByTestId("pickups-row")).toHaveTextContent("1 min 05 s");
    await userEvent.click(screen.getByText("Per team"));
    await waitFor(() => expect(screen.getByTestId("pickups-row")).toHaveTextContent("Tier 1"));
    // The week is asked for by whole days, from the scope chosen.
    const asked = backend.calls.find((c) => c.cmd === "activity_summary")!.args as { request: { bucket_ms: number; scope: { kind: string } } };
    expect(asked.request).toMatchObject({ bucket_ms: 24 * H, scope: { kind: "everyone" } });
    // Open dashboards are live: statuses are polled while they show.
    expect(backend.calls.find((c) => c.cmd === "watch_statuses")?.args).toEqual({ request: { watching: true } });
  });

  it("says when no activity log covers the people chosen", async () => {
    mockBackend({
      status_board: () => ({ agents: [], teams: [], statuses: STATUSES, polls: [], now: 0 }),
      status_chart: () => CHART,
      activity_summary: () => ({ agents_with_log: 0, days: [], agents: [], teams: [] }),
    });
    render(<App initialArea="dashboards" />);
    await userEvent.click(await screen.findByTestId("tab-activity"));
    expect(await screen.findByTestId("activity-empty")).toHaveTextContent("CCAI Platform keeps one");
  });
});
