import { Alert, Button, Drawer, Group, Stack, Table, Text, Textarea, TextInput, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { addAgent, importAgentsCsv, openCsv } from "../bindings/commands";
import type { ConnectionSummary } from "../bindings/ConnectionSummary";
import type { ImportReport } from "../bindings/ImportReport";
import { toIpcError } from "../ipc";

/** Agents by hand or from CSV, for vendors that have no endpoint listing them. */
export function AgentsDrawer({ summary, onClose }: { summary: ConnectionSummary; onClose: () => void }) {
  const queryClient = useQueryClient();
  const byEmail = summary.capabilities.agents_by_email;
  const id = summary.connection.id;
  const form = useForm({ initialValues: { vendor_id: "", name: "", email: "" } });
  const [csv, setCsv] = useState("");
  const [report, setReport] = useState<ImportReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries();

  const add = useMutation({
    mutationFn: () =>
      addAgent({
        connection_id: id,
        agent: {
          vendor_id: byEmail ? form.values.email : form.values.vendor_id,
          name: form.values.name,
          email: form.values.email.trim() === "" ? null : form.values.email,
          active: true,
        },
      }),
    onSuccess: async () => {
      form.reset();
      setError(null);
      await refresh();
    },
    onError: (e) => setError(toIpcError(e).message),
  });
  const importCsv = useMutation({
    mutationFn: () => importAgentsCsv({ connection_id: id, csv }),
    onSuccess: async (r) => {
      setReport(r);
      if (r.errors.length === 0) setCsv("");
      await refresh();
    },
    onError: (e) => setError(toIpcError(e).message),
  });

  // The OS's Open dialog puts a file's text in the box, to read before importing.
  const openFile = useMutation({
    mutationFn: () => openCsv({ title: "Open agents to import (CSV)" }),
    onSuccess: (t) => {
      if (t) setCsv(t.text);
    },
    onError: (e) => setError(toIpcError(e).message),
  });

  return (
    <Drawer opened onClose={onClose} position="right" size="lg" title={`Agents of ${summary.connection.display_name}`}>
      <Stack>
        <Text size="sm" c="dimmed">
          {summary.connection.vendor === "splashify" ? "Splashify Pro" : "Pingup"} has no endpoint that lists agents. Add them as they appear in its
          dashboard{byEmail ? " (by email)" : " (by id)"}; {summary.agents} are known now.
        </Text>
        <Title order={5}>Add one</Title>
        <form onSubmit={form.onSubmit(() => add.mutate())}>
          <Group align="flex-end" grow>
            {!byEmail && <TextInput label="Agent id" placeholder="6650…" {...form.getInputProps("vendor_id")} />}
            <TextInput label="Name" {...form.getInputProps("name")} />
            <TextInput label={byEmail ? "Email" : "Email (to link people)"} {...form.getInputProps("email")} />
          </Group>
          <Group justify="flex-end" mt="xs">
            <Button type="submit" loading={add.isPending}>
              Add agent
            </Button>
          </Group>
        </form>
        <Title order={5}>Import CSV</Title>
        <Textarea
          minRows={5}
          autosize
          placeholder={byEmail ? "email,name\nana.lima@acme.example,Ana Lima" : "id,name,email\n6650…,Ana Lima,ana.lima@acme.example"}
          value={csv}
          onChange={(e) => setCsv(e.currentTarget.value)}
          data-testid="csv-input"
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={() => openFile.mutate()} loading={openFile.isPending} data-testid="csv-open">
            Open…
          </Button>
          <Button onClick={() => importCsv.mutate()} loading={importCsv.isPending} disabled={csv.trim() === ""} data-testid="csv-import">
            Import
          </Button>
        </Group>
        {error && <Alert color="red">{error}</Alert>}
        {report && report.errors.length === 0 && (
          <Alert color="green" data-testid="csv-report">
            Imported: {report.added} added, {report.updated} updated.
          </Alert>
        )}
        {report && report.errors.length > 0 && (
          <Alert color="red" title="Nothing was imported: fix these rows and import again" data-testid="csv-report">
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Row</Table.Th>
                  <Table.Th>Field</Table.Th>
                  <Table.Th>Problem</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {report.errors.map((e) => (
                  <Table.Tr key={`${e.row}-${e.field}`}>
                    <Table.Td>{e.row}</Table.Td>
                    <Table.Td>{e.field}</Table.Td>
                    <Table.Td>{e.message}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Alert>
        )}
      </Stack>
    </Drawer>
  );
}
