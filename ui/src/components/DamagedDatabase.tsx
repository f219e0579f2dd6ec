import { Alert, Button, Code, Group, List, Stack, Text } from "@mantine/core";
import { useMutation, useQuery } from "@tanstack/react-query";

import { databaseReport, restoreBackup, startFresh } from "../bindings/commands";
import { ago } from "../format";
import { errorTitle, toIpcError } from "../ipc";

/**
 * Shown instead of the workspace when the database failed its check at start:
 * what happened, where the damaged file was kept, and the two ways on (an
 * empty database, or a backup); either restarts the app on the result.
 */
export function DamagedDatabase({ message }: { message: string }) {
  const report = useQuery({ queryKey: ["database-report"], queryFn: databaseReport });
  const fresh = useMutation({ mutationFn: startFresh });
  const restore = useMutation({ mutationFn: (path: string | null) => restoreBackup({ path }) });
  const failure = fresh.error ?? restore.error;
  const backups = report.data?.backups ?? [];
  const restarting = fresh.isSuccess || restore.data === true;
  return (
    <Alert color="red" title={errorTitle("database_damaged")} data-testid="database-damaged">
      <Stack gap="sm">
        <Text size="sm">{message}</Text>
        {report.data?.damaged && (
          <Text size="sm">
            Kept aside, untouched: <Code>{report.data.damaged.kept_at}</Code>
          </Text>
        )}
        <Text size="sm">
          Start fresh with an empty database (add your connections again; their secrets are still in the keychain), or restore a backup. Switchboard
          backs the database up before every upgrade.
        </Text>
        {backups.length > 0 && (
          <List size="sm" spacing={4} data-testid="database-backups">
            {backups.slice(0, 5).map((b) => (
              <List.Item key={b.path}>
                <Group gap="xs">
                  <Code>{b.path.split(/[\\/]/).pop()}</Code>
                  <Text size="xs" c="dimmed">
                    {ago(b.modified)}, {Math.max(1, Math.round(b.bytes / 1024))} KB
                  </Text>
                  <Button size="compact-xs" variant="light" onClick={() => restore.mutate(b.path)} loading={restore.isPending} disabled={restarting}>
                    Restore this one
                  </Button>
                </Group>
              </List.Item>
            ))}
          </List>
        )}
        <Group>
          <Button color="red" variant="light" onClick={() => fresh.mutate()} loading={fresh.isPending} disabled={restarting} data-testid="start-fresh">
            Start fresh
          </Button>
          <Button variant="default" onClick={() => restore.mutate(null)} loading={restore.isPending} disabled={restarting} data-testid="open-backup">
            Open a backup…
          </Button>
        </Group>
        {restarting && <Text size="sm">Restarting Switchboard…</Text>}
        {failure && (
          <Text size="sm" c="red" data-testid="recovery-error">
            {toIpcError(failure).message}
          </Text>
        )}
      </Stack>
    </Alert>
  );
}
