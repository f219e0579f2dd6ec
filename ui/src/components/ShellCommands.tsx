import { Group, Modal, Table, Text, useMantineColorScheme } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useMemo } from "react";

import { exportHistory, listConnections, sendQueued, syncConnection } from "../bindings/commands";
import type { HistoryQuery } from "../bindings/HistoryQuery";
import { errorTitle, toIpcError } from "../ipc";
import type { AreaParams } from "../navigation";
import { areaKeys, SHORTCUTS } from "../shortcuts";
import type { PaletteCommand } from "./CommandPalette";
import { Keys } from "./CommandPalette";
import { exported } from "./exported";

type Area = { id: string; label: string };

/** All of History, as the History view exports it with no filter. */
const ALL_HISTORY: HistoryQuery = {
  connection_id: null,
  agent_id: null,
  person_id: null,
  target_id: null,
  job_id: null,
  states: [],
  from: null,
  to: null,
  search: null,
  after: null,
  limit: 0,
  group_jobs: false,
};

function failed(title: string, e: unknown) {
  const err = toIpcError(e);
  notifications.show({ color: "red", title: `${title}: ${errorTitle(err.code)}`, message: err.message, autoClose: 12_000 });
}

/**
 * The shell's actions, for the palette, the shortcuts and the `?` sheet: going
 * to each view, opening a person, a team or a target, syncing, sending what
 * waits, exporting History, and the window's colours.
 */
export function useShellCommands({
  areas,
  navigate,
  showShortcuts,
}: {
  areas: readonly Area[];
  navigate: (area: string, params?: AreaParams) => void;
  showShortcuts: () => void;
}) {
  const queryClient = useQueryClient();
  const { setColorScheme } = useMantineColorScheme();

  const syncOne = useCallback(
    async (id: string, name: string) => {
      try {
        const run = await syncConnection({ connection_id: id, mode: "incremental" });
        notifications.show({ color: "green", title: `Synced ${name}`, message: `${run.agents} agents, ${run.targets} targets.` });
      } catch (e) {
        failed(`${name} was not synced`, e);
      } finally {
        void queryClient.invalidateQueries();
      }
    },
    [queryClient],
  );

  const syncAll = useCallback(async () => {
    try {
      const connections = await listConnections();
      if (connections.length === 0) {
        notifications.show({ title: "Nothing to sync", message: "Add a connection first (Connections)." });
        return;
      }
      await Promise.all(connections.map((c) => syncOne(c.connection.id, c.connection.display_name)));
    } catch (e) {
      failed("Not synced", e);
    }
  }, [syncOne]);

  const sendWaiting = useCallback(async () => {
    try {
      const results = await sendQueued();
      const done = results.filter((r) => r.state === "done").length;
      notifications.show({
        color: done === results.length ? "green" : "orange",
        title: results.length === 0 ? "Nothing was waiting" : `Sent ${results.length} waiting change${results.length === 1 ? "" : "s"}`,
        message: results.length === 0 ? "Every change has reached its vendor." : `${done} done; the rest are in History.`,
      });
    } catch (e) {
      failed("The waiting changes were not sent", e);
    } finally {
      void queryClient.invalidateQueries();
    }
  }, [queryClient]);

  const commands = useMemo<PaletteCommand[]>(() => {
    const go = areas.map((a, i) => ({ id: `go-${a.id}`, group: "Go to", label: a.label, keys: areaKeys(i), run: () => navigate(a.id) }));
    const act: PaletteCommand[] = [
      { id: "assign", group: "Actions", label: "Assign…", description: "Assign a target to agents, people or a team", keys: SHORTCUTS.assign.keys, run: () => navigate("assign") },
      { id: "team-status", group: "Actions", label: "Set a team's status…", description: "On the status board: tick the team, choose the status", run: () => navigate("status") },
      { id: "reassign", group: "Actions", label: "Hand over everything a person owns…", description: "People: choose the person, then Reassign", run: () => navigate("people") },
      { id: "plan", group: "Actions", label: "Import an assignment plan (CSV)…", description: "Targets: Import plan", run: () => navigate("targets") },
      { id: "cover", group: "Actions", label: "Set up cover for someone away…", run: () => navigate("covers") },
      { id: "sync-all", group: "Actions", label: "Sync every connection", keys: SHORTCUTS.syncAll.keys, run: () => void syncAll() },
      { id: "send", group: "Actions", label: "Send the changes that wait", description: "Those queued while a vendor was unreachable", keys: SHORTCUTS.sendQueued.keys, run: () => void sendWaiting() },
      {
        id: "export-history",
        group: "Actions",
        label: "Export History (CSV)…",
        description: "Every change; choose where to save",
        run: () => void exportHistory(ALL_HISTORY).then((r) => exported(r, "changes"), (e) => failed("Not exported", e)),
      },
      { id: "updates", group: "Actions", label: "Check for updates", description: "About & diagnostics", run: () => navigate("diagnostics") },
      { id: "shortcuts", group: "Help", label: "Keyboard shortcuts", keys: SHORTCUTS.help.keys, run: showShortcuts },
      { id: "scheme-auto", group: "Colours", label: "Colours as the system", run: () => setColorScheme("auto") },
      { id: "scheme-light", group: "Colours", label: "Light colours", run: () => setColorScheme("light") },
      { id: "scheme-dark", group: "Colours", label: "Dark colours", run: () => setColorScheme("dark") },
    ];
    return [...go, ...act];
  }, [areas, navigate, syncAll, sendWaiting, showShortcuts, setColorScheme]);

  return {
    commands,
    syncAll: () => void syncAll(),
    sendQueued: () => void sendWaiting(),
    syncConnection: (id: string, name: string) => void syncOne(id, name),
    openPerson: useCallback((name: string) => navigate("people", { search: name }), [navigate]),
    openTeam: useCallback((id: number) => navigate("status", { team: id }), [navigate]),
    openTarget: useCallback((id: number) => navigate("assign", { target: id }), [navigate]),
  };
}

/** The `?` sheet: every shortcut, with where it works. */
export function ShortcutsSheet({ opened, onClose, areas }: { opened: boolean; onClose: () => void; areas: readonly Area[] }) {
  const rows = [
    ...Object.values(SHORTCUTS),
    ...areas.flatMap((a, i) => {
      const keys = areaKeys(i);
      return keys ? [{ keys, label: `Go to ${a.label}`, where: "Everywhere" }] : [];
    }),
  ];
  return (
    <Modal opened={opened} onClose={onClose} title="Keyboard shortcuts" size="lg" data-testid="shortcuts-sheet">
      <Text size="sm" c="dimmed" mb="xs">
        Every action is also in the command palette, by name.
      </Text>
      <Table verticalSpacing={4} fz="sm">
        <Table.Tbody>
          {rows.map((r) => (
            <Table.Tr key={r.keys + r.label}>
              <Table.Td w={170}>
                <Group gap={4}>
                  <Keys keys={r.keys} />
                </Group>
              </Table.Td>
              <Table.Td>{r.label}</Table.Td>
              <Table.Td c="dimmed">{r.where}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Modal>
  );
}
