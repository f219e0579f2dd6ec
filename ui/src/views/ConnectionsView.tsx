import { Alert, Button, Card, Group, Loader, Progress, Stack, Text, Title } from "@mantine/core";
import { modals } from "@mantine/modals";
import { notifications } from "@mantine/notifications";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useHotkeys } from "@mantine/hooks";
import { useState } from "react";

import {
  cancelSync,
  createDemo,
  removeConnection,
  syncConnection,
  testConnection,
} from "../bindings/commands";
import type { ConnectionId } from "../bindings/ConnectionId";
import type { ConnectionSummary } from "../bindings/ConnectionSummary";
import type { SyncProgress } from "../bindings/SyncProgress";
import { DemoBadge, HealthBadge, VendorBadge } from "../components/Badges";
import { ago } from "../format";
import { errorTitle, toIpcError } from "../ipc";
import { SHORTCUTS } from "../shortcuts";
import { useSyncProgress } from "../sync";
import { AgentsDrawer } from "../components/AgentsDrawer";
import { ConnectionFormModal } from "../components/ConnectionFormModal";
import { DamagedDatabase } from "../components/DamagedDatabase";
import { keys, useConnections, useStartupNotices, useVendors } from "../queries";

function failed(title: string, error: unknown) {
  const e = toIpcError(error);
  notifications.show({ color: "red", title: `${title}: ${errorTitle(e.code)}`, message: e.message, autoClose: 10_000 });
}

/** Syncs one connection and tells the manager how it went. */
function useSync() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: ConnectionId) => syncConnection({ connection_id: id, mode: "incremental" }),
    onSuccess: (run) =>
      notifications.show({ color: "green", title: "Synced", message: `${run.agents} agents, ${run.teams} teams, ${run.targets} targets (${run.mode}).` }),
    onError: (e) => toIpcError(e).code !== "cancelled" && failed("Sync failed", e),
    onSettled: () => queryClient.invalidateQueries(),
  });
}

export function ConnectionsView() {
  const queryClient = useQueryClient();
  const connections = useConnections();
  // What went wrong while the app started (the demo's vendors, its first sync).
  const notices = useStartupNotices();
  const vendorList = useVendors();
  const [form, setForm] = useState<{ editing?: ConnectionSummary } | null>(null);
  const [agentsOf, setAgentsOf] = useState<ConnectionSummary | null>(null);
  const sync = useSync();
  const demo = useMutation({
    mutationFn: createDemo,
    onSuccess: async (created) => {
      await queryClient.invalidateQueries({ queryKey: keys.connections });
      notifications.show({ color: "green", title: "Demo workspace ready", message: `${created.length} demo connections; syncing them now.` });
      for (const c of created) await sync.mutateAsync(c.id).catch(() => undefined);
    },
    onError: (e) => failed("The demo could not start", e),
  });

  useHotkeys([[SHORTCUTS.add.keys, () => vendorList.data && form === null && setForm({})]]);
  const list = connections.data ?? [];
  const hasDemo = list.some((s) => s.connection.is_demo);
  return (
    <Stack gap="md" maw={1100}>
      <Group justify="space-between">
        <Title order={2}>Connections</Title>
        <Group>
          {!hasDemo && list.length > 0 && (
            <Button variant="default" onClick={() => demo.mutate()} loading={demo.isPending}>
              Add demo workspace
            </Button>
          )}
          <Button onClick={() => setForm({})} disabled={!vendorList.data} data-testid="add-connection">
            Add connection
          </Button>
        </Group>
      </Group>
      {(notices.data ?? []).length > 0 && (
        <Alert color="orange" title="While starting" data-testid="startup-notices">
          <Stack gap={4}>
            {notices.data?.map((n) => (
              <Text size="sm" key={n}>
                {n}
              </Text>
            ))}
          </Stack>
        </Alert>
      )}
      {connections.isPending && <Loader />}
      {connections.isError &&
        (toIpcError(connections.error).code === "database_damaged" ? (
          <DamagedDatabase message={toIpcError(connections.error).message} />
        ) : (
          <Alert color="red" title={errorTitle(toIpcError(connections.error).code)}>
            {toIpcError(connections.error).message}
          </Alert>
        ))}
      {connections.isSuccess && list.length === 0 && (
        <Card withBorder padding="xl" data-testid="empty-connections">
          <Stack align="center" gap="sm">
            <Title order={3}>No connections yet</Title>
            <Text c="dimmed" ta="center" maw={560}>
              Connect your Pingup, Vambe, HelpCrunch, CCAI Platform and Splashify Pro accounts, or try everything first on a demo workspace served by the
              built-in vendor simulator.
            </Text>
            <Group>
              <Button onClick={() => demo.mutate()} loading={demo.isPending} data-testid="start-demo">
                Start demo workspace
              </Button>
              <Button variant="default" onClick={() => setForm({})} disabled={!vendorList.data}>
                Add connection
              </Button>
            </Group>
          </Stack>
        </Card>
      )}
      {list.map((s) => (
        <ConnectionCard
          key={s.connection.id}
          summary={s}
          syncing={sync.isPending && sync.variables === s.connection.id}
          onSync={() => sync.mutate(s.connection.id)}
          onEdit={() => setForm({ editing: s })}
          onAgents={() => setAgentsOf(s)}
        />
      ))}
      {form && vendorList.data && <ConnectionFormModal vendors={vendorList.data} editing={form.editing} onClose={() => setForm(null)} />}
      {agentsOf && <AgentsDrawer summary={agentsOf} onClose={() => setAgentsOf(null)} />}
    </Stack>
  );
}

type CardProps = { summary: ConnectionSummary; syncing: boolean; onSync: () => void; onEdit: () => void; onAgents: () => void };

function ConnectionCard({ summary, syncing, onSync, onEdit, onAgents }: CardProps) {
  const queryClient = useQueryClient();
  const c = summary.connection;
  const progress = useSyncProgress(c.id);
  const test = useMutation({
    mutationFn: () => testConnection({ connection_id: c.id }),
    onSuccess: (o) => notifications.show({ color: o.ok ? "green" : "red", title: o.ok ? "Connection works" : "Connection failed", message: o.message }),
    onError: (e) => failed("Test failed", e),
    onSettled: () => queryClient.invalidateQueries({ queryKey: keys.connections }),
  });
  const remove = useMutation({
    mutationFn: () => removeConnection({ connection_id: c.id }),
    onSuccess: () => queryClient.invalidateQueries(),
    onError: (e) => failed("Not removed", e),
  });
  const confirmRemove = () =>
    modals.openConfirmModal({
      title: `Remove ${c.display_name}?`,
      children: (
        <Text size="sm">
          This deletes its key from the keychain and its cached data: {summary.agents} agents and {summary.targets} targets. The history of changes made
          through it is kept.
        </Text>
      ),
      labels: { confirm: "Remove connection and cached data", cancel: "Keep it" },
      confirmProps: { color: "red", "data-testid": "confirm-remove" } as never,
      onConfirm: () => remove.mutate(),
    });
  const run = summary.last_sync;
  const pct = progress && progress.total ? Math.min(100, (progress.done / progress.total) * 100) : undefined;
  return (
    <Card withBorder padding="md" data-testid="connection-card" data-name={c.display_name}>
      <Group justify="space-between" align="flex-start">
        <Stack gap={4}>
          <Group gap="xs">
            <Text fw={600} size="lg">
              {c.display_name}
            </Text>
            {c.is_demo && <DemoBadge />}
            <VendorBadge vendor={c.vendor} />
            <HealthBadge summary={summary} />
          </Group>
          <Text size="sm" c="dimmed" ff="monospace">
            {c.base_url}
          </Text>
          <Text size="sm" data-testid="sync-line">
            {run
              ? run.state === "done"
                ? `Synced ${ago(run.finished_at)}: ${summary.agents} agents${summary.capabilities.list_targets ? `, ${summary.targets} targets` : ""}`
                : run.state === "running"
                  ? "Syncing…"
                  : `Last sync ${run.state} ${ago(run.finished_at)}: ${run.error_message ?? ""}`
              : "Never synced"}
          </Text>
        </Stack>
        <Group gap="xs">
          <Button size="xs" variant="default" onClick={() => test.mutate()} loading={test.isPending} data-testid="test-connection">
            Test
          </Button>
          {syncing ? (
            <Button size="xs" color="red" variant="light" onClick={() => void cancelSync({ connection_id: c.id })}>
              Cancel sync
            </Button>
          ) : (
            <Button size="xs" onClick={onSync} data-testid="sync-connection">
              Sync
            </Button>
          )}
          {!summary.capabilities.list_agents && (
            <Button size="xs" variant="default" onClick={onAgents} data-testid="connection-agents">
              Agents
            </Button>
          )}
          <Button size="xs" variant="default" onClick={onEdit} data-testid="edit-connection">
            Edit
          </Button>
          <Button size="xs" variant="subtle" color="red" onClick={confirmRemove} loading={remove.isPending}>
            Remove
          </Button>
        </Group>
      </Group>
      {syncing && (
        <Stack gap={2} mt="sm">
          <Progress value={pct ?? 100} animated striped={pct === undefined} />
          <Text size="xs" c="dimmed">
            {progress ? syncStep(progress) : "Starting…"}
          </Text>
        </Stack>
      )}
    </Card>
  );
}

const SYNC_STEPS: Record<SyncProgress["phase"], string> = {
  agents: "Reading agents",
  teams: "Reading teams",
  targets: "Reading customers, contacts and chats",
  saving: "Saving to the cache",
  done: "Done",
};

function syncStep(p: SyncProgress): string {
  const count = p.total ? `${p.done.toLocaleString()} of ${p.total.toLocaleString()}` : p.done.toLocaleString();
  return `${SYNC_STEPS[p.phase]}: ${count}`;
}
