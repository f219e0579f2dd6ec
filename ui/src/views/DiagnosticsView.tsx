import { Alert, Badge, Button, Code, Group, Loader, Stack, Table, Text, Title } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";

import { checkUpdate, installUpdate } from "../bindings/commands";
import type { Diagnostics } from "../bindings/Diagnostics";
import type { KeychainState } from "../bindings/KeychainState";
import { errorTitle, toIpcError } from "../ipc";
import { useDiagnostics } from "../queries";

const KEYCHAIN_BADGE: Record<KeychainState, { color: string; label: string }> = {
  working: { color: "green", label: "Working" },
  unavailable: { color: "red", label: "Unavailable" },
  locked: { color: "orange", label: "Locked" },
  failed: { color: "red", label: "Failed" },
};

export function DiagnosticsView() {
  const query = useDiagnostics();

  return (
    <Stack gap="md" maw={900}>
      <Group justify="space-between">
        <Title order={2}>About & diagnostics</Title>
        <Button variant="light" onClick={() => query.refetch()} loading={query.isFetching} data-testid="recheck">
          Check again
        </Button>
      </Group>
      {query.isPending && (
        <Group>
          <Loader size="sm" />
          <Text>Checking the database and the keychain…</Text>
        </Group>
      )}
      {query.isError && <ErrorAlert error={query.error} />}
      {query.data && <DiagnosticsTables d={query.data} />}
    </Stack>
  );
}

function ErrorAlert({ error }: { error: unknown }) {
  const e = toIpcError(error);
  return (
    <Alert color="red" title={errorTitle(e.code)} data-testid="error">
      {e.message}
    </Alert>
  );
}

function Row({ label, children, testId }: { label: string; children: React.ReactNode; testId?: string }) {
  return (
    <Table.Tr>
      <Table.Th w={220}>{label}</Table.Th>
      <Table.Td data-testid={testId}>{children}</Table.Td>
    </Table.Tr>
  );
}

/** A titled table of label/value rows. */
function Section({ id, title, children }: { id: string; title: string; children: React.ReactNode }) {
  return (
    <section aria-labelledby={`${id}-heading`}>
      <Title order={4} id={`${id}-heading`} mb="xs">
        {title}
      </Title>
      <Table withTableBorder variant="vertical">
        <Table.Tbody>{children}</Table.Tbody>
      </Table>
    </section>
  );
}

function DiagnosticsTables({ d }: { d: Diagnostics }) {
  const badge = KEYCHAIN_BADGE[d.keychain.state];
  return (
    <>
      {d.database_error && (
        <Alert color="red" title="The database could not be opened" data-testid="database-error">
          {d.database_error}
        </Alert>
      )}
      <Section id="app" title="Application">
        <Row label="Version" testId="app-version">{d.app_version}</Row>
        <Row label="Build" testId="build-profile">{d.build_profile}</Row>
        <Row label="Platform">{d.platform}</Row>
        <Row label="Updates" testId="updates">
          <Updates />
        </Row>
      </Section>
      <Section id="data" title="Data">
        <Row label="Data folder" testId="data-dir">
          <Code>{d.data_dir}</Code>
        </Row>
        <Row label="Database" testId="database-path">
          <Code>{d.database_path}</Code>
        </Row>
        <Row label="Schema version" testId="schema-version">
          {d.schema_version === null ? (
            <Text c="red">not open</Text>
          ) : (
            <>
              {d.schema_version}
              <Text span c="dimmed" size="sm">
                {" "}
                (this version supports up to {d.schema_version_supported})
              </Text>
            </>
          )}
        </Row>
        <Row label="SQLite">{d.sqlite_version}</Row>
      </Section>
      <Section id="keychain" title="Keychain">
        <Row label="Backend" testId="keychain-backend">{d.keychain.backend}</Row>
        <Row label="Namespace" testId="keychain-namespace">
          <Code>{d.keychain.namespace}</Code>
        </Row>
        <Row label="State" testId="keychain-state">
          <Badge color={badge.color} variant="light" data-state={d.keychain.state}>
            {badge.label}
          </Badge>
        </Row>
        <Row label="Details" testId="keychain-message">{d.keychain.message}</Row>
        {d.keychain.fix && (
          <Row label="How to fix" testId="keychain-fix">
            {d.keychain.fix}
          </Row>
        )}
      </Section>
    </>
  );
}

/** Checks for a newer Switchboard when asked, and installs it (its signature
 * checked against this build's key) on a second click. */
function Updates() {
  const check = useMutation({ mutationFn: checkUpdate });
  const install = useMutation({ mutationFn: installUpdate });
  const failure = check.error ?? install.error;
  const found = check.data;
  return (
    <Stack gap={6}>
      <Group gap="xs">
        <Button size="compact-sm" variant="default" onClick={() => check.mutate()} loading={check.isPending} data-testid="check-update">
          Check for updates
        </Button>
        {found && !found.configured && <Text size="sm">This build has no update source; install new versions from your IT team or the releases page.</Text>}
        {found?.configured && !found.available && <Text size="sm">Switchboard {found.current_version} is the latest version.</Text>}
      </Group>
      {found?.available && (
        <Alert color="blue" title={`Switchboard ${found.available.version} is available (you have ${found.current_version})`} data-testid="update-available">
          {found.available.notes && <Text size="sm" mb="xs">{found.available.notes}</Text>}
          <Button size="compact-sm" onClick={() => install.mutate()} loading={install.isPending} data-testid="install-update">
            Install and restart
          </Button>
        </Alert>
      )}
      {failure && (
        <Text size="sm" c="red" data-testid="update-error">
          {errorTitle(toIpcError(failure).code)}: {toIpcError(failure).message}
        </Text>
      )}
    </Stack>
  );
}
