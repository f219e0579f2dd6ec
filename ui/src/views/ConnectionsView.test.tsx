import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { App } from "../App";
import { mockBackend } from "../test/backend";
import { summary, VENDORS } from "../test/fixtures";
import { render } from "@testing-library/react";

describe("Connections", () => {
  it("offers the demo workspace when there is nothing yet, and syncs it", async () => {
    let created = false;
    const backend = mockBackend({
      vendors: () => VENDORS,
      list_connections: () => (created ? [summary("Demo Vambe", "vambe")] : []),
      create_demo: () => {
        created = true;
        return [summary("Demo Vambe", "vambe").connection];
      },
      sync_connection: () => ({ id: 1, connection_id: "x", mode: "full", state: "done", started_at: 1, finished_at: 2, agents: 3, teams: 0, targets: 9, high_water: null, error_code: null, error_message: null }),
    });
    render(<App />);
    await userEvent.click(await screen.findByTestId("start-demo"));
    expect(await screen.findByText("Demo Vambe")).toBeInTheDocument();
    await waitFor(() => expect(backend.commands()).toContain("sync_connection"));
    expect(backend.calls.find((c) => c.cmd === "sync_connection")?.args).toEqual({ request: { connection_id: summary("Demo Vambe", "vambe").connection.id, mode: "incremental" } });
  });

  it("opens a CSV of agents through the OS's dialog into the box, and imports it", async () => {
    const csv = "id,name,email\n6650a1,Ana Lima,ana.lima@acme.example\n";
    const backend = mockBackend({
      vendors: () => VENDORS,
      list_connections: () => [summary("Pingup", "pingup", { capabilities: { ...summary("x", "pingup").capabilities, list_agents: false } })],
      open_csv: () => ({ name: "agents.csv", text: csv }),
      import_agents_csv: () => ({ added: 1, updated: 0, errors: [] }),
    });
    render(<App />);
    await userEvent.click(await screen.findByTestId("connection-agents"));
    await userEvent.click(await screen.findByTestId("csv-open"));
    await waitFor(() => expect(screen.getByTestId("csv-input")).toHaveValue(csv));
    await userEvent.click(screen.getByTestId("csv-import"));
    expect(await screen.findByTestId("csv-report")).toHaveTextContent("Imported: 1 added, 0 updated.");
    expect(backend.calls.find((c) => c.cmd === "import_agents_csv")?.args).toEqual({ request: { connection_id: summary("Pingup", "pingup").connection.id, csv } });
  });

  it("says in the window what went wrong while starting", async () => {
    mockBackend({
      vendors: () => VENDORS,
      list_connections: () => [],
      startup_notices: () => ["The demo workspace could not start: cannot listen on 127.0.0.1:7999 for control"],
    });
    render(<App />);
    expect(await screen.findByTestId("startup-notices")).toHaveTextContent("cannot listen on 127.0.0.1:7999");
  });

  it("after damage, says where the file was kept and restores a backup", async () => {
    const damaged = { code: "database_damaged", message: "the database at /d/switchboard.db is damaged (file is not a database). It was kept aside, untouched, as /d/switchboard.db.damaged-20261130T020000Z. Start fresh, or restore a backup", field: null };
    const backend = mockBackend({
      vendors: () => VENDORS,
      list_connections: () => {
        throw damaged;
      },
      database_report: () => ({
        path: "/d/switchboard.db",
        sound: false,
        problems: [],
        damaged: { kept_at: "/d/switchboard.db.damaged-20261130T020000Z", detail: "file is not a database", found_at: 1 },
        backups: [{ path: "/d/backups/switchboard-schema15-20261129T100000Z.db", bytes: 90_112, modified: Date.now() - 3_600_000 }],
      }),
      restore_backup: () => true,
      start_fresh: () => null,
    });
    render(<App />);
    const panel = await screen.findByTestId("database-damaged");
    expect(panel).toHaveTextContent("The database is damaged");
    expect(panel).toHaveTextContent("file is not a database");
    expect(await within(panel).findByText("/d/switchboard.db.damaged-20261130T020000Z")).toBeInTheDocument();
    expect(within(screen.getByTestId("database-backups")).getByText("switchboard-schema15-20261129T100000Z.db")).toBeInTheDocument();
    await userEvent.click(within(panel).getByRole("button", { name: "Restore this one" }));
    await waitFor(() => expect(backend.calls.find((c) => c.cmd === "restore_backup")?.args).toEqual({ request: { path: "/d/backups/switchboard-schema15-20261129T100000Z.db" } }));
    expect(await within(panel).findByText("Restarting Switchboard…")).toBeInTheDocument();
    expect(screen.getByTestId("start-fresh")).toBeDisabled();
  });

  it("shows each connection with its health, DEMO mark and last sync", async () => {
    mockBackend({
      vendors: () => VENDORS,
      list_connections: () => [
        summary("Demo Vambe", "vambe", {
          last_check: { id: 1, connection_id: "x", at: Date.now(), outcome: "unreachable", message: "Cannot reach 127.0.0.1", latency_ms: null },
          unreachable: true,
          agents: 30,
          targets: 300,
          last_sync: { id: 1, connection_id: "x", mode: "full", state: "done", started_at: 1, finished_at: Date.now() - 60_000, agents: 30, teams: 0, targets: 300, high_water: null, error_code: null, error_message: null },
        }),
      ],
    });
    render(<App />);
    const card = await screen.findByTestId("connection-card");
    expect(within(card).getByTestId("demo-badge")).toHaveTextContent("DEMO");
    expect(within(card).getByTestId("health-badge")).toHaveAttribute("data-state", "unreachable");
    expect(within(card).getByTestId("sync-line")).toHaveTextContent("Synced a minute ago: 30 agents, 300 targets");
  });

  it("puts a refused value under its field and keeps the dialog open", async () => {
    const backend = mockBackend({
      vendors: () => VENDORS,
      list_connections: () => [],
      create_connection: () => {
        throw { code: "invalid_input", message: "base_url: plain http:// is only allowed for this computer", field: "base_url" };
      },
    });
    render(<App />);
    // N adds a connection, once the vendors are known.
    await waitFor(() => expect(screen.getByTestId("add-connection")).toBeEnabled());
    await userEvent.keyboard("n");
    await userEvent.type(await screen.findByTestId("field-display_name"), "Vambe Chile");
    await userEvent.type(screen.getByTestId("field-secret"), "vmb_key");
    await userEvent.click(screen.getByTestId("form-save"));
    expect(await screen.findByText("plain http:// is only allowed for this computer")).toBeInTheDocument();
    const sent = backend.calls.find((c) => c.cmd === "create_connection")?.args as { request: { vendor: string; form: Record<string, unknown> } };
    expect(sent.request.vendor).toBe("vambe");
    expect(sent.request.form).toMatchObject({ display_name: "Vambe Chile", secret: "vmb_key", base_url: null });
  });

  it("shows what a test of the typed values found", async () => {
    mockBackend({
      vendors: () => VENDORS,
      list_connections: () => [],
      test_connection_form: () => ({ ok: false, outcome: "unauthorized", message: "Vambe refused the key.", account_name: null, latency_ms: 12 }),
    });
    render(<App />);
    await userEvent.click(await screen.findByTestId("add-connection"));
    await userEvent.type(screen.getByTestId("field-display_name"), "V");
    await userEvent.click(screen.getByTestId("form-test"));
    const outcome = await screen.findByTestId("test-outcome");
    expect(outcome).toHaveAttribute("data-ok", "false");
    expect(outcome).toHaveTextContent("Vambe refused the key.");
  });

  it("removes only after the manager confirms, saying what goes", async () => {
    let removed = false;
    mockBackend({
      vendors: () => VENDORS,
      list_connections: () => (removed ? [] : [summary("Demo Vambe", "vambe", { agents: 30, targets: 300 })]),
      remove_connection: () => {
        removed = true;
        return null;
      },
    });
    render(<App />);
    const card = await screen.findByTestId("connection-card");
    await userEvent.click(within(card).getByText("Remove"));
    expect(await screen.findByText(/30 agents and 300 targets/)).toBeInTheDocument();
    expect(removed).toBe(false);
    await userEvent.click(screen.getByTestId("confirm-remove"));
    await waitFor(() => expect(removed).toBe(true));
    expect(await screen.findByTestId("empty-connections")).toBeInTheDocument();
  });
});
