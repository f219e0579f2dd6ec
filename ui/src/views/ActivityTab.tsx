import { Card, Group, ScrollArea, SegmentedControl, SimpleGrid, Table, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import dayjs from "dayjs";
import { useState } from "react";

import { activitySummary } from "../bindings/commands";
import type { PickupTimes } from "../bindings/PickupTimes";
import { keys } from "../queries";
import { ExportButton, toScope } from "./dashboardParts";

const DAY = 24 * 3_600_000;

/** A wait in plain words: "8 s", "1 min 05 s", "—" for none. */
export function wait(ms: number | null): string {
  if (ms === null) return "—";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
}

function PickupTable({ rows, testId }: { rows: PickupTimes[]; testId: string }) {
  return (
    <ScrollArea.Autosize mah={420} type="auto">
      <Table verticalSpacing={4} stickyHeader data-testid={testId} style={{ whiteSpace: "nowrap" }}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            <Table.Th>Channel</Table.Th>
            <Table.Th>Offered</Table.Th>
            <Table.Th>Picked up</Table.Th>
            <Table.Th>Median wait</Table.Th>
            <Table.Th>90% within</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((p) => (
            <Table.Tr key={`${p.agent_id ?? ""}-${p.team_id ?? ""}-${p.channel}`} data-testid={`${testId}-row`}>
              <Table.Td>{p.name}</Table.Td>
              <Table.Td>{p.channel}</Table.Td>
              <Table.Td>{p.offered}</Table.Td>
              <Table.Td>{p.picked_up}</Table.Td>
              <Table.Td>{wait(p.median_ms)}</Table.Td>
              <Table.Td>{wait(p.p90_ms)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollArea.Autosize>
  );
}

const pickupRows = (rows: PickupTimes[]) =>
  rows.map((p) => ({ name: p.name, channel: p.channel, offered: p.offered, picked_up: p.picked_up, median_seconds: p.median_ms === null ? null : p.median_ms / 1000, p90_seconds: p.p90_ms === null ? null : p.p90_ms / 1000 }));
const PICKUP_COLUMNS = ["name", "channel", "offered", "picked_up", "median_seconds", "p90_seconds"];

/** Logins and logouts per person per day, and how long offered chats and calls
 * waited to be picked up, per person and team: from CCAI Platform's activity
 * log as last read (from when Switchboard starts, and at each sync). */
export function ActivityTab({ scope }: { scope: string }) {
  const [range, setRange] = useState("week");
  const from = dayjs()
    .startOf("day")
    .subtract(range === "week" ? 6 : 0, "day")
    .valueOf();
  const to = dayjs().startOf("day").add(1, "day").valueOf();
  const summary = useQuery({
    queryKey: keys.chart("activity", scope, from),
    queryFn: () => activitySummary({ scope: toScope(scope), from, to, bucket_ms: DAY }),
  });
  const data = summary.data;
  const [who, setWho] = useState("people");
  const days = (data?.days ?? []).map((d) => ({
    agent: d.name,
    day: dayjs(d.day).format("YYYY-MM-DD"),
    logins: d.logins,
    logouts: d.logouts,
    first_login: d.first_login === null ? "" : dayjs(d.first_login).format("HH:mm"),
    last_logout: d.last_logout === null ? "" : dayjs(d.last_logout).format("HH:mm"),
  }));
  const pickups = who === "people" ? (data?.agents ?? []) : (data?.teams ?? []);
  return (
    <Card withBorder>
      <Group justify="space-between" mb="xs">
        <SegmentedControl
          size="xs"
          value={range}
          onChange={setRange}
          data={[
            { value: "today", label: "Today" },
            { value: "week", label: "Last 7 days" },
          ]}
          data-testid="activity-range"
        />
        <Text size="xs" c="dimmed">
          From CCAI Platform's activity log, read from when Switchboard starts and at each sync.
        </Text>
      </Group>
      {data && data.agents_with_log === 0 ? (
        <Text c="dimmed" data-testid="activity-empty">
          No activity log covers these people in this range. CCAI Platform keeps one; the other platforms do not. Switchboard reads it from when it starts, and at each sync of a CCAI Platform connection.
        </Text>
      ) : (
        <SimpleGrid cols={{ base: 1, xl: 2 }}>
          <Card withBorder>
            <Group justify="space-between" mb="xs">
              <Text fw={600}>Logins and logouts per day</Text>
              <ExportButton name="logins" columns={["agent", "day", "logins", "logouts", "first_login", "last_logout"]} rows={days} />
            </Group>
            <ScrollArea.Autosize mah={420} type="auto">
              <Table verticalSpacing={4} stickyHeader data-testid="logins" style={{ whiteSpace: "nowrap" }}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Person</Table.Th>
                    <Table.Th>Day</Table.Th>
                    <Table.Th>Logins</Table.Th>
                    <Table.Th>Logouts</Table.Th>
                    <Table.Th>First in</Table.Th>
                    <Table.Th>Last out</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {days.map((d) => (
                    <Table.Tr key={`${d.agent}-${d.day}`} data-testid="login-day">
                      <Table.Td>{d.agent}</Table.Td>
                      <Table.Td>{dayjs(d.day).format("ddd D MMM")}</Table.Td>
                      <Table.Td>{d.logins}</Table.Td>
                      <Table.Td>{d.logouts}</Table.Td>
                      <Table.Td>{d.first_login || "—"}</Table.Td>
                      <Table.Td>{d.last_logout || "—"}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </ScrollArea.Autosize>
          </Card>
          <Card withBorder>
            <Group justify="space-between" mb="xs">
              <Group gap="xs">
                <Text fw={600}>Time to pick up</Text>
                <SegmentedControl
                  size="xs"
                  value={who}
                  onChange={setWho}
                  data={[
                    { value: "people", label: "Per person" },
                    { value: "teams", label: "Per team" },
                  ]}
                  data-testid="pickup-who"
                />
              </Group>
              <ExportButton name={who === "people" ? "pickups-people" : "pickups-teams"} columns={PICKUP_COLUMNS} rows={pickupRows(pickups)} />
            </Group>
            <PickupTable rows={pickups} testId="pickups" />
            <Text size="xs" c="dimmed" mt={4}>
              From a chat or call being offered to being picked up. Offers never picked up count as offered only.
            </Text>
          </Card>
        </SimpleGrid>
      )}
    </Card>
  );
}
