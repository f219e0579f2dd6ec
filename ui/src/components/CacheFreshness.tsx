import { Badge, Group, Text, Tooltip } from "@mantine/core";

import { ago } from "../format";
import { useConnections, useVendorLook } from "../queries";

/** When each connection last synced, and which cannot be reached: the browse
 * views read the local cache only, so the manager sees how fresh it is. */
export function CacheFreshness() {
  const look = useVendorLook();
  const connections = useConnections();
  if (!connections.data?.length) return null;
  return (
    <Group gap="xs" data-testid="freshness">
      <Text size="xs" c="dimmed">
        From the local cache:
      </Text>
      {connections.data.map((s) => {
        const synced = s.last_sync?.state === "done" ? s.last_sync.finished_at : null;
        const label = `${s.connection.display_name}: ${s.unreachable ? "unreachable" : synced ? `synced ${ago(synced)}` : "not synced"}`;
        return (
          <Tooltip key={s.connection.id} label={`${look.name(s.connection.vendor)} · ${s.last_check?.message ?? "not tested"}`} multiline w={320}>
            <Badge
              size="sm"
              variant={s.unreachable ? "filled" : "light"}
              color={s.unreachable ? "red" : synced ? "gray" : "yellow"}
              data-testid="freshness-badge"
              data-unreachable={s.unreachable}
            >
              {label}
            </Badge>
          </Tooltip>
        );
      })}
    </Group>
  );
}
