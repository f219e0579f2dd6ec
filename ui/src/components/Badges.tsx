import { Badge, Group, Tooltip } from "@mantine/core";

import type { ConnectionSummary } from "../bindings/ConnectionSummary";
import type { Vendor } from "../bindings/Vendor";
import { ago } from "../format";
import { useVendorLook } from "../queries";

export function VendorBadge({ vendor, demo }: { vendor: Vendor; demo?: boolean }) {
  const look = useVendorLook();
  return (
    <Group gap={4} wrap="nowrap">
      <Badge color={look.color(vendor)} variant="light" radius="sm">
        {look.name(vendor)}
      </Badge>
      {demo && <DemoBadge />}
    </Group>
  );
}

export function DemoBadge() {
  return (
    <Tooltip label="Served by the built-in vendor simulator, not a real account">
      <Badge color="yellow" variant="filled" radius="sm" size="sm" data-testid="demo-badge">
        DEMO
      </Badge>
    </Tooltip>
  );
}

/** Whether the vendor answered lately, in a word. */
export function HealthBadge({ summary }: { summary: ConnectionSummary }) {
  const check = summary.last_check;
  if (!check) {
    return (
      <Badge color="gray" variant="light" data-state="untested">
        Not tested
      </Badge>
    );
  }
  const [color, label, state] = summary.unreachable
    ? ["red", "Unreachable", "unreachable"]
    : check.outcome === "ok"
      ? ["green", "Connected", "ok"]
      : check.outcome === "unauthorized"
        ? ["red", "Key refused", "unauthorized"]
        : ["orange", "Problem", check.outcome];
  return (
    <Tooltip label={`${check.message} (${ago(check.at)})`} multiline w={360}>
      <Badge color={color} variant="light" data-state={state} data-testid="health-badge">
        {label}
      </Badge>
    </Tooltip>
  );
}
