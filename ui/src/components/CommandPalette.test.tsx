import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";

import { App } from "../App";
import { mockBackend } from "../test/backend";
import { palette } from "./CommandPalette";
import { summary } from "../test/fixtures";

const PEOPLE = [{ id: 7, display_name: "Ana Lima", email: "ana.lima@acme.example", agents: [], assignments: 3 }];

function backend(extra: Record<string, (args: Record<string, unknown>) => unknown> = {}) {
  return mockBackend({
    diagnostics: () => {
      throw { code: "internal", message: "not in this test", field: null };
    },
    list_connections: () => [summary("Demo Vambe", "vambe")],
    list_teams: () => [{ id: 4, connection_id: "c", connection_name: "Demo CCAI Platform", vendor: "ccai", vendor_id: "12", name: "Tier 1", parent_vendor_id: null, members: [1, 2] }],
    list_people: () => PEOPLE,
    list_targets: () => ({ rows: [], total: 0 }),
    ...extra,
  });
}

describe("The command palette", () => {
  // The palette's store outlives a test.
  afterEach(() => palette.close());

  it("opens on Ctrl+K, reads nothing before, and goes to a view by name with the keyboard", async () => {
    const b = backend({ history: () => ({ rows: [], next: null }) });
    const user = userEvent.setup();
    render(<App initialArea="diagnostics" />);
    await screen.findByTestId("open-palette");
    expect(b.commands()).not.toContain("list_teams");
    await user.keyboard("{Control>}k{/Control}");
    const search = await screen.findByRole("textbox", { name: "Command palette" });
    await user.type(search, "History");
    // The first match is chosen already; Enter runs it.
    await user.keyboard("{Enter}");
    expect(await screen.findByTestId("history-search")).toBeInTheDocument();
  });

  it("finds a person as it is typed and opens People on them", async () => {
    const b = backend({ list_people: (args) => ((args.request as { search: string | null }).search ? PEOPLE : [...PEOPLE, { ...PEOPLE[0], id: 8, display_name: "Bo Berg" }]) });
    const user = userEvent.setup();
    render(<App initialArea="diagnostics" />);
    await user.click(await screen.findByTestId("open-palette"));
    await user.type(await screen.findByRole("textbox", { name: "Command palette" }), "Ana");
    await user.click(await screen.findByText("ana.lima@acme.example · 0 accounts"));
    await waitFor(() => expect(screen.getByTestId("people-search")).toHaveValue("Ana Lima"));
    expect(b.calls.filter((c) => c.cmd === "list_people").map((c) => c.args)).toContainEqual({ request: { search: "Ana Lima" } });
  });

  it("lists every shortcut on ? and shows each action's shortcut in the palette", async () => {
    backend();
    const user = userEvent.setup();
    render(<App initialArea="diagnostics" />);
    await screen.findByTestId("open-palette");
    await user.keyboard("?");
    const sheet = await screen.findByRole("dialog", { name: "Keyboard shortcuts" });
    await waitFor(() => expect(sheet).toHaveTextContent("Open the command palette"));
    expect(sheet).toHaveTextContent("Go to History");
    await user.keyboard("{Escape}");
    await user.keyboard("{Control>}k{/Control}");
    await user.type(await screen.findByRole("textbox", { name: "Command palette" }), "Sync every");
    const action = await screen.findByRole("button", { name: /Sync every connection/ });
    expect(action).toHaveTextContent(/Sync every connection\s*CtrlShiftS/);
  });

  it("opens Assign on Ctrl+Shift+A", async () => {
    backend({ list_agents: () => [], list_people: () => [] });
    const user = userEvent.setup();
    render(<App initialArea="diagnostics" />);
    await screen.findByTestId("open-palette");
    await user.keyboard("{Control>}{Shift>}A{/Shift}{/Control}");
    expect(await screen.findByTestId("assign-search")).toBeInTheDocument();
  });
});
