import { AreaChart, BarChart } from "@mantine/charts";
import { Anchor, Badge, Box, Button, Card, Group, ScrollArea, SegmentedControl, SimpleGrid, Stack, Switch, Table, Tabs, Text, Title, Tooltip } from "@mantine/core";
import { useViewportSize } from "@mantine/hooks";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import dayjs from "dayjs";
import { useMemo, useRef, useState } from "react";

import { onStatusPolled, statusChart, statusTimelines, workload } from "../bindings/commands";
import { useBackendEvent } from "../events";
import { useWatchStatuses } from "../watch";
import type { StatusSource } from "../bindings/StatusSource";
import type { TenantStatus } from "../bindings/TenantStatus";
import { ago, when } from "../format";
import { useNavigate } from "../navigation";
import { type Mover, ReassignModal } from "../components/ReassignModal";
import { ActivityTab } from "./ActivityTab";
import { chartRows, UNKNOWN } from "./dashboardData";
import { ExportButton, ScopePicker, toScope } from "./dashboardParts";
import { keys, useMismatches, useStatusBoard, useVendorLook } from "../queries";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const REFRESH_AT_MOST_EVERY_MS = 15_000;

/** A chart's height that uses the window: taller on a big screen, never cramped
 * on a small one. */
function useChartHeight(): number {
  const { height } = useViewportSize();
  return Math.round(Math.min(760, Math.max(240, (height || 820) - 360)));
}

function useStatuses(): TenantStatus[] {
  return useStatusBoard().data?.statuses ?? [];
}

/** Time in each status per day, for the last week. */
function TimePerDay({ scope }: { scope: string }) {
  const statuses = useStatuses();
  const from = dayjs().startOf("day").subtract(6, "day").valueOf();
  const chart = useQuery({
    queryKey: keys.chart("days", scope, from),
    queryFn: () => statusChart({ scope: toScope(scope), from, to: from + 7 * DAY, bucket_ms: DAY }),
  });
  const { rows, series } = useMemo(() => (chart.data ? chartRows(chart.data, statuses, (t) => dayjs(t).format("ddd D MMM")) : { rows: [], series: [] }), [chart.data, statuses]);
  // Unwatched time can dwarf the rest (a week with the app closed most of it):
  // it is counted and said, and drawn on request.
  const [withUnknown, setWithUnknown] = useState(false);
  const h = useChartHeight();
  const unwatched = rows.reduce((n, r) => n + Number(r[UNKNOWN] ?? 0), 0);
  const fromLog = (chart.data?.buckets ?? []).reduce((n, b) => n + b.from_log_ms, 0) / HOUR;
  return (
    <Card withBorder>
      <Group justify="space-between" mb="xs">
        <Text fw={600}>Hours in each status per day{chart.data ? ` (${chart.data.agents} agents)` : ""}</Text>
        <ExportButton name="time-in-status" columns={["bucket", ...series.map((s) => s.name)]} rows={rows} />
      </Group>
      <BarChart h={h} data={rows} dataKey="bucket" type="stacked" series={withUnknown ? series : series.filter((s) => s.name !== UNKNOWN)} withLegend unit=" h" data-testid="chart-days" />
      <Group justify="space-between" mt={4}>
        <Stack gap={0}>
          <Text size="xs" c="dimmed" data-testid="unwatched">
            Not known this week: {Math.round(unwatched).toLocaleString()} agent-hours (Switchboard closed or the vendor unreachable, and no activity log that covers it). Shown, never guessed.
          </Text>
          {fromLog > 0 && (
            <Text size="xs" c="dimmed" data-testid="from-log">
              From CCAI Platform's activity log: {Math.round(fromLog).toLocaleString()} agent-hours (time Switchboard did not watch, filled in from the vendor's own record).
            </Text>
          )}
        </Stack>
        <Tooltip label="Add the hours nobody knows (neither watched nor in a vendor log) to the bars, in grey. Off by default: a week with Switchboard closed would dwarf the rest." multiline w={300}>
          <Switch size="xs" label="Show unknown hours" checked={withUnknown} onChange={(e) => setWithUnknown(e.currentTarget.checked)} data-testid="draw-unwatched" />
        </Tooltip>
      </Group>
    </Card>
  );
}

/** Share of the scope in each status over one day, by 30 minutes. */
function ShareOverTime({ scope }: { scope: string }) {
  const statuses = useStatuses();
  const from = dayjs().startOf("day").valueOf();
  const chart = useQuery({
    queryKey: keys.chart("share", scope, from),
    queryFn: () => statusChart({ scope: toScope(scope), from, to: from + DAY, bucket_ms: HOUR / 2 }),
  });
  const { rows, series } = useMemo(() => (chart.data ? chartRows(chart.data, statuses, (t) => dayjs(t).format("HH:mm"), true) : { rows: [], series: [] }), [chart.data, statuses]);
  const upToNow = rows.filter((_, i) => from + i * (HOUR / 2) <= Date.now());
  const h = useChartHeight();
  return (
    <Card withBorder>
      <Group justify="space-between" mb="xs">
        <Text fw={600}>Share in each status today</Text>
        <ExportButton name="status-share" columns={["bucket", ...series.map((s) => s.name)]} rows={upToNow} />
      </Group>
      {/* In the day's first half hour there is one point: an area needs two, so one bar. */}
      {upToNow.length < 2 ? (
        <BarChart h={h} data={upToNow} dataKey="bucket" type="percent" series={series} withLegend data-testid="chart-share" data-kind="bar" />
      ) : (
        <AreaChart h={h} data={upToNow} dataKey="bucket" type="percent" series={series} withLegend withDots={false} data-testid="chart-share" data-kind="area" />
      )}
    </Card>
  );
}

const HATCH = "repeating-linear-gradient(45deg, #e9ecef, #e9ecef 4px, #fff 4px, #fff 8px)";
/** Drawn over a status's colour where the stretch is from the vendor's log. */
const FROM_LOG = "repeating-linear-gradient(-45deg, rgba(255,255,255,0.55) 0 2px, transparent 2px 6px)";
const SOURCE = { log: "from the vendor's activity log", watched: "watched by Switchboard" };
/** Where a stretch came from, as the timeline says it: the log, or watched (polled, synced, or the app's own change). */
const origin = (source: StatusSource) => (source === "log" ? "log" : "watched");

/** Each agent's day as a strip of statuses; hatched where nobody watched. */
function Timeline({ scope }: { scope: string }) {
  const statuses = useStatuses();
  const [day, setDay] = useState("today");
  const from = dayjs().startOf("day").subtract(day === "today" ? 0 : 1, "day").valueOf();
  const to = from + DAY;
  const lines = useQuery({ queryKey: keys.chart("timelines", scope, from), queryFn: () => statusTimelines({ scope: toScope(scope), from, to, bucket_ms: DAY }) });
  const colour = (id: string | null) => statuses.find((s) => s.vendor_id === id)?.color ?? "#4c6ef5";
  const rows = (lines.data ?? []).flatMap((l) => l.segments.map((s) => ({ agent: l.name, status: s.name, start: dayjs(s.start).format(), end: dayjs(s.end).format(), source: origin(s.source) })));
  const anyFromLog = rows.some((r) => r.source === "log");
  // The part of the day still to come is not "unwatched": it has not happened.
  const past = Math.min(1, Math.max(0, (Date.now() - from) / DAY));
  const shown = new Map<string, string>();
  for (const l of lines.data ?? []) for (const s of l.segments) shown.set(s.name, colour(s.status_vendor_id));
  return (
    <Card withBorder>
      <Group justify="space-between" mb="xs">
        <Group gap="xs">
          <Text fw={600}>Timeline</Text>
          <SegmentedControl size="xs" value={day} onChange={setDay} data={[{ value: "today", label: "Today" }, { value: "yesterday", label: "Yesterday" }]} />
        </Group>
        <ExportButton name="timeline" columns={["agent", "status", "start", "end", "source"]} rows={rows} />
      </Group>
      <Group gap="md" mb={8} data-testid="timeline-legend">
        {[...shown.entries()].map(([name, color]) => (
          <Group key={name} gap={4}>
            <Box w={12} h={12} style={{ background: color, borderRadius: 2 }} />
            <Text size="xs">{name}</Text>
          </Group>
        ))}
        {anyFromLog && (
          <Group gap={4} data-testid="legend-from-log">
            <Box w={12} h={12} style={{ backgroundColor: "#868e96", backgroundImage: FROM_LOG, borderRadius: 2 }} />
            <Text size="xs">from CCAI Platform's activity log</Text>
          </Group>
        )}
        <Group gap={4}>
          <Box w={12} h={12} style={{ background: HATCH, borderRadius: 2, border: "1px solid #dee2e6" }} />
          <Text size="xs">nobody knows</Text>
        </Group>
        {past < 1 && (
          <Group gap={4}>
            <Box w={12} h={12} style={{ borderRadius: 2, border: "1px solid #dee2e6" }} />
            <Text size="xs">still to come</Text>
          </Group>
        )}
      </Group>
      <Group gap={0} ml={180} mb={4} justify="space-between">
        {[0, 6, 12, 18, 24].map((h) => (
          <Text key={h} size="xs" c="dimmed">
            {String(h).padStart(2, "0")}:00
          </Text>
        ))}
      </Group>
      <Stack gap={4} data-testid="timelines">
        {(lines.data ?? []).slice(0, 60).map((l) => (
          <Group key={l.agent_id} gap="xs" wrap="nowrap" data-testid="timeline-agent" data-agent={l.name}>
            <Text size="xs" w={172} truncate>
              {l.name}
            </Text>
            <Box pos="relative" h={16} style={{ flex: 1, borderRadius: 3, overflow: "hidden", border: "1px solid #f1f3f5" }}>
              <Box pos="absolute" top={0} left={0} h={16} w={`${past * 100}%`} style={{ background: HATCH }} data-testid="timeline-unwatched" />
              {l.segments.map((s, i) => (
                <Tooltip key={i} label={`${s.name}: ${dayjs(s.start).format("HH:mm")}–${dayjs(s.end).format("HH:mm")}, ${SOURCE[origin(s.source)]}`}>
                  <Box
                    pos="absolute"
                    top={0}
                    h={16}
                    data-testid="timeline-segment"
                    data-source={origin(s.source)}
                    data-status={s.name}
                    style={{
                      left: `${((s.start - from) / DAY) * 100}%`,
                      width: `${Math.max(0.2, ((s.end - s.start) / DAY) * 100)}%`,
                      backgroundColor: colour(s.status_vendor_id),
                      backgroundImage: s.source === "log" ? FROM_LOG : undefined,
                      borderRadius: 2,
                    }}
                  />
                </Tooltip>
              ))}
            </Box>
          </Group>
        ))}
      </Stack>
      {(lines.data?.length ?? 0) > 60 && (
        <Text size="xs" c="dimmed" mt={4}>
          The first 60 agents are shown; choose a team for the rest.
        </Text>
      )}
    </Card>
  );
}

function WorkloadTab() {
  const look = useVendorLook();
  const navigate = useNavigate();
  const load = useQuery({ queryKey: keys.workload, queryFn: () => workload({ expiring_within_ms: 7 * DAY, health_window_ms: HOUR }) });
  const data = load.data;
  const vendors = [...new Set((data?.people ?? []).flatMap((p) => p.by_vendor.map(([v]) => v)))];
  const people = (data?.people ?? []).slice(0, 20).map((p) => {
    const row: Record<string, string | number> = { name: p.name, waiting: p.waiting };
    for (const v of vendors) row[look.name(v)] = p.by_vendor.find(([x]) => x === v)?.[1] ?? 0;
    return row;
  });
  const unassigned = (data?.unassigned ?? []).map((u) => ({ connection: u.connection_name, assigned: u.targets - u.unassigned, unassigned: u.unassigned }));
  return (
    <Stack>
      <SimpleGrid cols={{ base: 1, lg: 2 }}>
        <Card withBorder>
          <Group justify="space-between" mb="xs">
            <Text fw={600}>Open assignments per person (busiest 20)</Text>
            <ExportButton name="workload" columns={["name", ...vendors.map((v) => look.name(v)), "waiting"]} rows={(data?.people ?? []).map((p) => ({ name: p.name, waiting: p.waiting, ...Object.fromEntries(vendors.map((v) => [look.name(v), p.by_vendor.find(([x]) => x === v)?.[1] ?? 0])) }))} />
          </Group>
          <BarChart h={Math.max(200, people.length * 26)} data={people} dataKey="name" orientation="vertical" yAxisProps={{ width: 130, interval: 0 }} type="stacked" series={vendors.map((v) => ({ name: look.name(v), color: `${look.color(v)}.6` }))} withLegend data-testid="chart-workload" />
        </Card>
        <Stack>
          <Card withBorder>
            <Group justify="space-between" mb="xs">
              <Text fw={600}>Unassigned per connection</Text>
              <ExportButton name="unassigned" columns={["connection", "assigned", "unassigned"]} rows={unassigned} />
            </Group>
            <BarChart
              h={Math.max(140, unassigned.length * 34 + 50)}
              data={unassigned}
              dataKey="connection"
              orientation="vertical"
              yAxisProps={{ width: 150, interval: 0 }}
              type="stacked"
              series={[
                { name: "unassigned", color: "orange.6" },
                { name: "assigned", color: "gray.4" },
              ]}
              withLegend
              data-testid="chart-unassigned"
            />
          </Card>
          <Card withBorder>
            <Group justify="space-between" mb="xs">
              <Text fw={600}>Connection health (last hour)</Text>
              <ExportButton name="health" columns={["connection_name", "calls", "errors", "p50_ms", "p95_ms", "last_sync_state"]} rows={(data?.health ?? []) as unknown as Record<string, unknown>[]} />
            </Group>
            <Table verticalSpacing={4} data-testid="health">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Connection</Table.Th>
                  <Table.Th>Last sync</Table.Th>
                  <Table.Th>Calls</Table.Th>
                  <Table.Th>Errors</Table.Th>
                  <Table.Th>p50 / p95</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {(data?.health ?? []).map((h) => (
                  <Table.Tr key={h.connection_id}>
                    <Table.Td>{h.connection_name}</Table.Td>
                    <Table.Td>
                      {ago(h.last_sync_at)}
                      {h.last_sync_state && h.last_sync_state !== "done" ? ` (${h.last_sync_state})` : ""}
                    </Table.Td>
                    <Table.Td>{h.calls}</Table.Td>
                    <Table.Td>
                      <Badge size="sm" color={h.errors === 0 ? "green" : h.errors / Math.max(1, h.calls) > 0.1 ? "red" : "yellow"} variant="light">
                        {h.calls ? `${Math.round((100 * h.errors) / h.calls)}%` : "—"}
                      </Badge>
                    </Table.Td>
                    <Table.Td>{h.p50_ms === null ? "—" : `${h.p50_ms} / ${h.p95_ms} ms`}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Card>
        </Stack>
      </SimpleGrid>
      <Card withBorder>
        <Group justify="space-between" mb="xs">
          <Text fw={600}>
            Expiring within a week ({(data?.expiring.length ?? 0) >= 500 ? "the first 500" : (data?.expiring.length ?? 0)})
          </Text>
          <ExportButton name="expiring" columns={["target_name", "connection_name", "agent_name", "until"]} rows={(data?.expiring ?? []).map((e) => ({ ...e, until: dayjs(e.until).format() }))} />
        </Group>
        <ScrollArea.Autosize mah={360} type="auto">
          <Table verticalSpacing={4} data-testid="expiring" stickyHeader>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Customer</Table.Th>
                <Table.Th>Connection</Table.Th>
                <Table.Th>Agent</Table.Th>
                <Table.Th>Expires</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(data?.expiring ?? []).map((e) => (
                <Table.Tr key={`${e.target_id}-${e.agent_name}`}>
                  <Table.Td>
                    <Anchor size="sm" component="button" onClick={() => navigate("assign", { target: Number(e.target_id) })}>
                      {e.target_name}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>{e.connection_name}</Table.Td>
                  <Table.Td>{e.agent_name}</Table.Td>
                  <Table.Td>{when(e.until)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollArea.Autosize>
      </Card>
    </Stack>
  );
}

function AlertsTab() {
  const navigate = useNavigate();
  const found = useMismatches();
  const [moving, setMoving] = useState<Mover | null>(null);
  const rows = (found.data ?? []).map((m) => ({ name: m.name, status: m.status, since: dayjs(m.since).format(), open: m.open, owners: m.owners.map(([, n, c]) => `${n}: ${c}`).join("; ") }));
  return (
    <Card withBorder>
      {moving && <ReassignModal person={moving} onClose={() => setMoving(null)} />}
      <Group justify="space-between" mb="xs">
        <Text fw={600}>Away on CCAI Platform, still owning open work elsewhere ({found.data?.length ?? 0})</Text>
        <ExportButton name="mismatches" columns={["name", "status", "since", "open", "owners"]} rows={rows} />
      </Group>
      {found.data?.length === 0 && <Text c="dimmed">Nobody: everyone away has handed over their work.</Text>}
      <Table verticalSpacing={4} data-testid="mismatches">
        <Table.Tbody>
          {(found.data ?? []).map((m) => (
            <Table.Tr key={`${m.person_id}`} data-testid="mismatch">
              <Table.Td fw={500}>{m.name}</Table.Td>
              <Table.Td>
                <Badge color="red" variant="light">
                  {m.status}
                </Badge>{" "}
                <Text span size="xs" c="dimmed">
                  since {when(m.since)}
                </Text>
              </Table.Td>
              <Table.Td>
                <Group gap={6}>
                  {m.person_id !== null && (
                    <Button size="compact-xs" variant="light" onClick={() => setMoving({ id: m.person_id!, display_name: m.name })} data-testid="mismatch-reassign">
                      Reassign {m.open}…
                    </Button>
                  )}
                  {m.owners.map(([agent, name, count]) => (
                    <Anchor key={agent} size="sm" component="button" onClick={() => navigate("targets", { agent: Number(agent) })} data-testid="mismatch-link">
                      {name}: {count} open
                    </Anchor>
                  ))}
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Card>
  );
}

/** Time in status, the day's timeline, team shares, workload, health and
 * mismatch alerts, from this computer's cache and journal (they work offline). */
export function DashboardsView() {
  const [scope, setScope] = useState("everyone");
  const [tab, setTab] = useState<string | null>("status");
  // Live: statuses are polled while the dashboards are open, and the charts
  // read again after a poll (at most every 15 s: a week of a large team is
  // not read anew every few seconds).
  useWatchStatuses();
  const queryClient = useQueryClient();
  const lastRefresh = useRef(Date.now());
  useBackendEvent(onStatusPolled, () => {
    if (Date.now() - lastRefresh.current < REFRESH_AT_MOST_EVERY_MS) return;
    lastRefresh.current = Date.now();
    void queryClient.invalidateQueries({ queryKey: ["chart"] });
  });
  return (
    <Stack gap="sm">
      <Group justify="space-between" align="flex-end">
        <Title order={2}>Dashboards</Title>
        {(tab === "status" || tab === "timeline" || tab === "activity") && <ScopePicker value={scope} onChange={setScope} />}
      </Group>
      <Tabs value={tab} onChange={setTab} keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="status" data-testid="tab-status">
            Time in status
          </Tabs.Tab>
          <Tabs.Tab value="timeline" data-testid="tab-timeline">
            Timeline
          </Tabs.Tab>
          <Tabs.Tab value="activity" data-testid="tab-activity">
            Logins & pick-ups
          </Tabs.Tab>
          <Tabs.Tab value="workload" data-testid="tab-workload">
            Workload & health
          </Tabs.Tab>
          <Tabs.Tab value="alerts" data-testid="tab-alerts">
            Alerts
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="status" pt="sm">
          <SimpleGrid cols={{ base: 1, lg: 2 }}>
            <TimePerDay scope={scope} />
            <ShareOverTime scope={scope} />
          </SimpleGrid>
        </Tabs.Panel>
        <Tabs.Panel value="timeline" pt="sm">
          <Timeline scope={scope} />
        </Tabs.Panel>
        <Tabs.Panel value="activity" pt="sm">
          <ActivityTab scope={scope} />
        </Tabs.Panel>
        <Tabs.Panel value="workload" pt="sm">
          <WorkloadTab />
        </Tabs.Panel>
        <Tabs.Panel value="alerts" pt="sm">
          <AlertsTab />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
