import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { App, areaFromHash } from "./App";
import type { Diagnostics } from "./bindings/Diagnostics";
import { mockBackend } from "./test/backend";

const DIAGNOSTICS: Diagnostics = {
  app_version: "0.1.0",
  build_profile: "debug",
  platform: "linux x86_64",
  data_dir: "/tmp/sb",
  database_path: "/tmp/sb/switchboard.db",
  schema_version: 1,
  schema_version_supported: 1,
  sqlite_version: "3.50.0",
  database_error: null,
  keychain: {
    backend: "Secret Service (D-Bus)",
    namespace: "io.switchboard.desktop.dev",
    state: "working",
    message: "A test entry was written, read back and deleted.",
    fix: null,
  },
};

describe("Start-up", () => {
  it("opens on the view the address names, and says once when its first data is on screen", async () => {
    expect([areaFromHash("#status"), areaFromHash("#history"), areaFromHash("#nope"), areaFromHash("")]).toEqual(["status", "history", "connections", "connections"]);
    const backend = mockBackend({ diagnostics: () => DIAGNOSTICS });
    render(<App initialArea="diagnostics" />);
    expect(await screen.findByTestId("schema-version")).toBeInTheDocument();
    await waitFor(() => expect(backend.commands()).toContain("window_ready"));
    const ready = backend.commands().indexOf("window_ready");
    expect(backend.commands().slice(0, ready)).toContain("diagnostics");
    await userEvent.click(screen.getByTestId("recheck"));
    await waitFor(() => expect(backend.commands().filter((c) => c === "diagnostics")).toHaveLength(2));
    expect(backend.commands().filter((c) => c === "window_ready")).toHaveLength(1);
  });
});

describe("About & diagnostics", () => {
  it("shows what the backend reports", async () => {
    const backend = mockBackend({ diagnostics: () => DIAGNOSTICS });
    render(<App initialArea="diagnostics" />);
    expect(await screen.findByTestId("schema-version")).toHaveTextContent("1 (this version supports up to 1)");
    expect(screen.getByTestId("database-path")).toHaveTextContent("/tmp/sb/switchboard.db");
    expect(within(screen.getByTestId("keychain-state")).getByText("Working")).toBeInTheDocument();
    expect(screen.queryByTestId("keychain-fix")).not.toBeInTheDocument();
    // The shell always asks how many changes wait (for the History badge).
    expect(backend.commands().filter((c) => c !== "window_ready").sort()).toEqual(["diagnostics", "queue_counts"]);
  });

  it("checks for updates when asked, shows the newer version and installs it on request", async () => {
    let answer: unknown = { configured: false, current_version: "0.1.0", available: null };
    const backend = mockBackend({
      diagnostics: () => DIAGNOSTICS,
      check_update: () => answer,
      install_update: () => {
        throw { code: "update_failed", message: "the update to 0.2.0 was not installed: The signature verification failed", field: null };
      },
    });
    render(<App initialArea="diagnostics" />);
    const user = userEvent.setup();
    await user.click(await screen.findByTestId("check-update"));
    expect(await screen.findByText(/This build has no update source/)).toBeInTheDocument();
    answer = { configured: true, current_version: "0.1.0", available: { version: "0.2.0", notes: "Faster bulk jobs.", published: null } };
    await user.click(screen.getByTestId("check-update"));
    expect(await screen.findByTestId("update-available")).toHaveTextContent("Switchboard 0.2.0 is available (you have 0.1.0)Faster bulk jobs.");
    await user.click(screen.getByTestId("install-update"));
    expect(await screen.findByTestId("update-error")).toHaveTextContent("The update did not go through: the update to 0.2.0 was not installed: The signature verification failed");
    expect(backend.commands()).toContain("install_update");
  });

  it("says how to fix a missing keychain", async () => {
    mockBackend({
      diagnostics: () => ({
        ...DIAGNOSTICS,
        keychain: { ...DIAGNOSTICS.keychain, state: "unavailable", message: "no Secret Service", fix: "Install gnome-keyring" },
      }),
    });
    render(<App initialArea="diagnostics" />);
    expect(await screen.findByTestId("keychain-fix")).toHaveTextContent("Install gnome-keyring");
    expect(within(screen.getByTestId("keychain-state")).getByText("Unavailable")).toBeInTheDocument();
  });

  it("shows a database that could not be opened", async () => {
    mockBackend({ diagnostics: () => ({ ...DIAGNOSTICS, schema_version: null, database_error: "written by a newer version" }) });
    render(<App initialArea="diagnostics" />);
    expect(await screen.findByTestId("database-error")).toHaveTextContent("written by a newer version");
    expect(screen.getByTestId("schema-version")).toHaveTextContent("not open");
  });

  it("shows an IPC error's title and message", async () => {
    mockBackend({
      diagnostics: () => {
        throw { code: "startup", message: "cannot create the data folder /nope", field: null };
      },
    });
    render(<App initialArea="diagnostics" />);
    const alert = await screen.findByTestId("error");
    expect(alert).toHaveTextContent("Switchboard could not start");
    expect(alert).toHaveTextContent("cannot create the data folder /nope");
  });

  it("checks again on demand", async () => {
    let count = 0;
    mockBackend({
      diagnostics: () => {
        count += 1;
        return { ...DIAGNOSTICS, app_version: `0.1.${count}` };
      },
    });
    render(<App initialArea="diagnostics" />);
    expect(await screen.findByTestId("app-version")).toHaveTextContent("0.1.1");
    await userEvent.click(screen.getByTestId("recheck"));
    expect(await screen.findByText("0.1.2")).toBeInTheDocument();
  });
});

describe("Colours", () => {
  it("follow the system by default and can be set light or dark", async () => {
    mockBackend({ list_connections: () => [] });
    render(<App />);
    const html = document.documentElement;
    expect(await screen.findByTestId("color-scheme")).toBeInTheDocument();
    // The test's system prefers light (matchMedia answers no to "dark").
    expect(html).toHaveAttribute("data-mantine-color-scheme", "light");
    await userEvent.click(screen.getByRole("radio", { name: "Dark" }));
    expect(html).toHaveAttribute("data-mantine-color-scheme", "dark");
    await userEvent.click(screen.getByRole("radio", { name: "As the system" }));
    expect(html).toHaveAttribute("data-mantine-color-scheme", "light");
  });
});
