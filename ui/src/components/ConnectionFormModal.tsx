import { Alert, Button, Collapse, Group, Modal, Select, Stack, Text, TextInput, UnstyledButton } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import type { CheckOutcome } from "../bindings/CheckOutcome";
import { createConnection, testConnection, testConnectionForm, updateConnection } from "../bindings/commands";
import type { ConnectionForm } from "../bindings/ConnectionForm";
import type { ConnectionSummary } from "../bindings/ConnectionSummary";
import type { Vendor } from "../bindings/Vendor";
import type { VendorInfo } from "../bindings/VendorInfo";
import { SecretInput } from "./SecretInput";
import { toIpcError } from "../ipc";
import { keys } from "../queries";

type Values = {
  vendor: Vendor;
  display_name: string;
  host: string;
  base_url: string;
  business_name: string;
  subdomain: string;
  domain: string;
  username: string;
  secret: string;
};

/** The form's keys; vendor-side names of the secret map onto `secret`. */
const FIELD_ALIASES: Record<string, keyof Values> = { secret_key: "secret", api_key: "secret", api_token: "secret" };

function toForm(v: Values): ConnectionForm {
  const orNull = (s: string) => (s.trim() === "" ? null : s.trim());
  return {
    display_name: v.display_name,
    host: orNull(v.host),
    base_url: orNull(v.base_url),
    business_name: orNull(v.business_name),
    subdomain: orNull(v.subdomain),
    domain: orNull(v.domain),
    username: orNull(v.username),
    secret: v.secret === "" ? null : v.secret,
  };
}

function initial(summary: ConnectionSummary | undefined, firstVendor: Vendor): Values {
  const c = summary?.connection;
  const setting = (key: string) => (typeof c?.settings[key] === "string" ? (c.settings[key] as string) : "");
  return {
    vendor: c?.vendor ?? firstVendor,
    display_name: c?.display_name ?? "",
    host: setting("host"),
    base_url: c ? c.base_url : "",
    business_name: setting("business_name"),
    subdomain: setting("subdomain"),
    domain: setting("domain"),
    username: setting("username"),
    secret: "",
  };
}

type Props = { vendors: VendorInfo[]; editing?: ConnectionSummary; onClose: () => void };

/** Add or edit a connection, with exactly the fields its vendor needs. */
export function ConnectionFormModal({ vendors, editing, onClose }: Props) {
  const queryClient = useQueryClient();
  const form = useForm<Values>({ initialValues: initial(editing, vendors[0]?.vendor ?? "pingup") });
  const [advanced, setAdvanced] = useState(Boolean(editing));
  const [outcome, setOutcome] = useState<CheckOutcome | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const info = vendors.find((v) => v.vendor === form.values.vendor);

  const showError = (error: unknown) => {
    const e = toIpcError(error);
    const key = e.field ? (FIELD_ALIASES[e.field] ?? (e.field as keyof Values)) : null;
    if (key && key in form.values) {
      form.setFieldError(key, e.message.replace(/^[a-z_]+: /, ""));
      if (key === "base_url") setAdvanced(true);
    } else {
      setFailure(e.message);
    }
  };

  const test = useMutation({
    mutationFn: () => testConnectionForm({ vendor: form.values.vendor, form: toForm(form.values) }),
    onMutate: () => {
      setOutcome(null);
      setFailure(null);
    },
    onSuccess: setOutcome,
    onError: showError,
  });
  const save = useMutation({
    mutationFn: () =>
      editing
        ? updateConnection({ connection_id: editing.connection.id, form: toForm(form.values) })
        : createConnection({ vendor: form.values.vendor, form: toForm(form.values) }),
    onMutate: () => setFailure(null),
    onSuccess: async (saved) => {
      await queryClient.invalidateQueries({ queryKey: keys.connections });
      onClose();
      // The card's badge described the connection as it was: check it as saved
      // (a new key that works turns "Key refused" into "Connected" at once).
      void testConnection({ connection_id: saved.id })
        .catch(() => undefined)
        .finally(() => void queryClient.invalidateQueries({ queryKey: keys.connections }));
    },
    onError: showError,
  });

  const fieldInput = (key: keyof Values, f: VendorInfo["fields"][number]) => {
    const props = {
      label: f.label,
      description: f.help,
      placeholder: editing && f.secret ? "Leave empty to keep the stored one" : f.placeholder,
      withAsterisk: f.required && !(editing && f.secret),
      "data-testid": `field-${key}`,
      ...form.getInputProps(key),
    };
    if (f.secret) {
      return (
        <SecretInput
          key={key}
          label={f.label}
          description={f.help}
          placeholder={props.placeholder}
          withAsterisk={props.withAsterisk}
          error={form.errors[key]}
          data-testid={`field-${key}`}
          onChange={(v) => form.setFieldValue(key, v)}
        />
      );
    }
    return <TextInput key={key} {...props} />;
  };

  return (
    <Modal opened onClose={onClose} title={editing ? `Edit ${editing.connection.display_name}` : "Add a connection"} size="lg">
      <form onSubmit={form.onSubmit(() => save.mutate())}>
        <Stack gap="sm">
          {!editing && (
            <Select
              label="Vendor"
              data={vendors.map((v) => ({ value: v.vendor, label: v.name }))}
              allowDeselect={false}
              data-testid="field-vendor"
              {...form.getInputProps("vendor")}
            />
          )}
          <TextInput label="Name" withAsterisk placeholder="e.g. Support EU" data-testid="field-display_name" {...form.getInputProps("display_name")} />
          {info?.fields.map((f) => fieldInput(f.key as keyof Values, f))}
          <UnstyledButton onClick={() => setAdvanced((a) => !a)} data-testid="toggle-advanced">
            <Text size="sm" c="dimmed">
              {advanced ? "▾" : "▸"} Advanced: base URL
            </Text>
          </UnstyledButton>
          <Collapse expanded={advanced}>
            <TextInput
              label="Base URL"
              description={`Leave empty for ${info?.default_base_url ?? "the vendor's default"}. http:// only for this computer.`}
              placeholder={info?.default_base_url}
              data-testid="field-base_url"
              {...form.getInputProps("base_url")}
            />
          </Collapse>
          {outcome && (
            <Alert color={outcome.ok ? "green" : "red"} title={outcome.ok ? "Connection works" : "Connection failed"} data-testid="test-outcome" data-ok={outcome.ok}>
              {outcome.message}
            </Alert>
          )}
          {failure && (
            <Alert color="red" title="Not saved" data-testid="form-error">
              {failure}
            </Alert>
          )}
          <Group justify="flex-end" mt="sm">
            <Button variant="default" onClick={() => test.mutate()} loading={test.isPending} data-testid="form-test">
              Test
            </Button>
            <Button type="submit" loading={save.isPending} data-testid="form-save">
              {editing ? "Save" : "Add connection"}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
