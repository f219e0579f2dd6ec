import { Anchor, Badge, Button, Checkbox, CloseButton, Group, SegmentedControl, Select, Stack, Text, TextInput, Title } from "@mantine/core";
import { useDebouncedValue, useHotkeys } from "@mantine/hooks";
import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import type { ColumnDef } from "@tanstack/react-table";
import { useCallback, useEffect, useMemo, useState } from "react";

import { listTargets } from "../bindings/commands";
import type { TargetQuery } from "../bindings/TargetQuery";
import type { TargetRow } from "../bindings/TargetRow";
import { VendorBadge } from "../components/Badges";
import { SHORTCUTS } from "../shortcuts";
import { CacheFreshness } from "../components/CacheFreshness";
import { PlanImportModal } from "../components/PlanImportModal";
import { ReassignModal, type TargetChoice } from "../components/ReassignModal";
import { VirtualTable } from "../components/VirtualTable";
import { ago, dayStart, phone } from "../format";
import { useAreaParams } from "../navigation";
import { ALL_TARGETS, keys, useConnections, usePeople } from "../queries";

const PAGE = 200;


const DAY = 24 * 3600 * 1000;

/** Every client, contact, chat and conversation, searchable, from the cache;
 * a selection (or every target the filters match) can be handed to others. */
export function TargetsView() {
  const [search, setSearch] = useState("");
  const [debounced] = useDebouncedValue(search, 200);
  const [connection, setConnection] = useState<string | null>(null);
  const [assigned, setAssigned] = useState("all");
  const [heldBy, setHeldBy] = useState<string | null>(null);
  const [activeFrom, setActiveFrom] = useState("");
  const [activeTo, setActiveTo] = useState("");
  const [expiring, setExpiring] = useState<string | null>(null);
  // Opened for one agent's targets (from an alert): until the manager clears it.
  const [agent, setAgent] = useState<number | null>(useAreaParams().agent ?? null);
  const connections = useConnections();
  const people = usePeople();
  // Today, to the minute: "expiring within 7 days" counts from now.
  const [now] = useState(() => Date.now());
  const query: TargetQuery = useMemo(
    () => ({
      ...ALL_TARGETS,
      search: debounced.trim() || null,
      connection_id: connection,
      unassigned: assigned === "all" ? null : assigned === "unassigned",
      agent_id: agent,
      person_id: heldBy === null ? null : Number(heldBy),
      active_after: dayStart(activeFrom),
      // "to" takes in the whole day picked.
      active_before: dayStart(activeTo) === null ? null : (dayStart(activeTo) as number) + DAY,
      expiring_before: expiring === null ? null : now + Number(expiring) * DAY,
      limit: PAGE,
    }),
    [debounced, connection, assigned, agent, heldBy, activeFrom, activeTo, expiring, now],
  );
  const targets = useInfiniteQuery({
    queryKey: keys.targets(query),
    queryFn: ({ pageParam }) => listTargets({ ...query, offset: pageParam }),
    initialPageParam: 0,
    getNextPageParam: (last, pages) => {
      const loaded = pages.reduce((n, p) => n + p.rows.length, 0);
      return loaded < last.total ? loaded : undefined;
    },
    placeholderData: keepPreviousData,
  });
  const rows = useMemo(() => targets.data?.pages.flatMap((p) => p.rows) ?? [], [targets.data]);
  const agentName = agent === null ? null : rows[0]?.assignees.find((a) => a.agent_id === agent)?.name;
  const total = targets.data?.pages[0]?.total;
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = targets;
  const more = useCallback(() => {
    if (hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);

  // The selection: rows ticked (Shift-click ticks a range, Ctrl/⌘+A every row
  // loaded), or every target the filters match, however many pages.
  const [picked, setPicked] = useState<Set<number>>(new Set());
  const [allMatching, setAllMatching] = useState(false);
  const [anchor, setAnchor] = useState<number | null>(null);
  const [moving, setMoving] = useState(false);
  const [importing, setImporting] = useState(false);
  useEffect(() => {
    setPicked(new Set());
    setAllMatching(false);
    setAnchor(null);
  }, [query]);
  const tick = useCallback(
    (index: number, shift: boolean) => {
      setAllMatching(false);
      setPicked((was) => {
        const next = new Set(was);
        const id = Number(rows[index]!.target.id);
        const on = !was.has(id);
        const [from, to] = shift && anchor !== null ? [Math.min(anchor, index), Math.max(anchor, index)] : [index, index];
        for (let i = from; i <= to; i++) {
          const each = Number(rows[i]!.target.id);
          if (on) next.add(each);
          else next.delete(each);
        }
        return next;
      });
      setAnchor(index);
    },
    [rows, anchor],
  );
  useHotkeys([[SHORTCUTS.selectAll.keys, () => setPicked(new Set(rows.map((r) => Number(r.target.id))))]]);
  const count = allMatching ? (total ?? 0) : picked.size;
  const holder = heldBy === null ? null : (people.data ?? []).find((p) => String(p.id) === heldBy);
  const choice: TargetChoice | null =
    count === 0
      ? null
      : {
          scope: allMatching ? { kind: "matching", query } : { kind: "chosen", ids: [...picked] },
          count,
          from: holder ? { id: holder.id, display_name: holder.display_name } : null,
        };

  const columns = useMemo<ColumnDef<TargetRow, unknown>[]>(
    () => [
      {
        id: "pick",
        header: "",
        size: 36,
        cell: ({ row }) => (
          <Checkbox
            size="xs"
            checked={allMatching || picked.has(Number(row.original.target.id))}
            onChange={() => undefined}
            onClick={(e) => tick(row.index, e.shiftKey)}
            aria-label={`Select ${row.original.target.name ?? row.original.target.vendor_id}`}
            data-testid="target-pick"
          />
        ),
      },
      {
        header: "Customer",
        size: 200,
        cell: ({ row }) => (
          <Stack gap={0}>
            <Text size="sm" fw={500} truncate>
              {row.original.target.name ?? row.original.target.vendor_id}
            </Text>
            <Text size="xs" c="dimmed" truncate>
              {row.original.target.kind} {row.original.target.vendor_id}
            </Text>
          </Stack>
        ),
      },
      {
        header: "Phone / email",
        size: 180,
        cell: ({ row }) => (
          <Text size="sm" truncate>
            {row.original.target.phone ? phone(row.original.target.phone) : (row.original.target.email ?? "—")}
          </Text>
        ),
      },
      {
        header: "Platform",
        size: 190,
        cell: ({ row }) => (
          <Stack gap={0}>
            <VendorBadge vendor={row.original.vendor} demo={row.original.is_demo} />
            <Text size="xs" c="dimmed" truncate>
              {row.original.connection_name}
            </Text>
          </Stack>
        ),
      },
      { header: "Status", size: 100, cell: ({ row }) => <Text size="sm">{row.original.target.status ?? "—"}</Text> },
      { header: "Last activity", size: 120, cell: ({ row }) => <Text size="sm">{ago(row.original.target.last_activity_at)}</Text> },
      {
        header: "Assigned to",
        size: 200,
        cell: ({ row }) =>
          row.original.assignees.length === 0 ? (
            <Text size="sm" c="dimmed" fs="italic">
              Unassigned
            </Text>
          ) : (
            <Text size="sm" truncate>
              {row.original.assignees.map((a) => a.name ?? a.agent_vendor_id).join(", ")}
            </Text>
          ),
      },
    ],
    [allMatching, picked, tick],
  );
  const peopleOptions = (people.data ?? []).filter((p) => p.assignments > 0).map((p) => ({ value: String(p.id), label: p.display_name }));
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Title order={2}>Targets</Title>
        <Text c="dimmed" size="sm" data-testid="targets-count">
          {total === undefined ? "" : `${total.toLocaleString()} match`}
        </Text>
      </Group>
      <CacheFreshness />
      {agent !== null && (
        <Group gap="xs">
          <Badge variant="light" size="lg" rightSection={<CloseButton size="xs" onClick={() => setAgent(null)} aria-label="Show every agent's targets" />} data-testid="agent-filter">
            Only the targets of {agentName ?? "one agent"}
          </Badge>
        </Group>
      )}
      <Group grow>
        <TextInput placeholder="Search by name, phone, email or id" value={search} onChange={(e) => setSearch(e.currentTarget.value)} data-testid="targets-search" />
        <Select
          placeholder="All connections"
          clearable
          value={connection}
          onChange={setConnection}
          data={(connections.data ?? []).filter((s) => s.capabilities.list_targets).map((s) => ({ value: s.connection.id, label: s.connection.display_name }))}
        />
        <SegmentedControl
          value={assigned}
          onChange={setAssigned}
          data={[
            { value: "all", label: "All" },
            { value: "assigned", label: "Assigned" },
            { value: "unassigned", label: "Unassigned" },
          ]}
        />
      </Group>
      <Group gap="xs" align="flex-end">
        <Select label="Held by" placeholder="Anyone" clearable searchable data={peopleOptions} value={heldBy} onChange={setHeldBy} w={200} data-testid="targets-held-by" />
        <TextInput type="date" label="Last active from" value={activeFrom} onChange={(e) => setActiveFrom(e.currentTarget.value)} w={150} />
        <TextInput type="date" label="to" value={activeTo} onChange={(e) => setActiveTo(e.currentTarget.value)} w={150} />
        <Select
          label="Assignment ends (Pingup)"
          placeholder="any time"
          clearable
          value={expiring}
          onChange={setExpiring}
          data={[
            { value: "1", label: "within a day" },
            { value: "7", label: "within 7 days" },
            { value: "30", label: "within 30 days" },
          ]}
          w={190}
          data-testid="targets-expiring"
        />
        <Button variant="light" ml="auto" onClick={() => setImporting(true)} data-testid="targets-import-plan">
          Import plan (CSV)…
        </Button>
      </Group>
      <Group gap="xs" mih={30} data-testid="targets-selection">
        {count > 0 ? (
          <>
            <Text size="sm" fw={500}>
              {allMatching ? `All ${count.toLocaleString()} matching selected` : `${count.toLocaleString()} selected`}
            </Text>
            {!allMatching && total !== undefined && total > count && (
              <Button size="compact-sm" variant="subtle" onClick={() => setAllMatching(true)} data-testid="select-all-matching">
                Select all {total.toLocaleString()} matching
              </Button>
            )}
            <Button size="compact-sm" onClick={() => setMoving(true)} data-testid="targets-reassign">
              Reassign…
            </Button>
            <Button
              size="compact-sm"
              variant="default"
              onClick={() => {
                setPicked(new Set());
                setAllMatching(false);
              }}
            >
              Clear
            </Button>
          </>
        ) : (
          <Text size="sm" c="dimmed">
            Tick targets to hand them to others (Shift-click for a range, Ctrl/⌘+A for every row shown){total ? `, or ` : "."}
            {total ? (
              <Anchor size="sm" component="button" onClick={() => setAllMatching(true)} data-testid="select-all-matching">
                select all {total.toLocaleString()} matching
              </Anchor>
            ) : null}
          </Text>
        )}
      </Group>
      {moving && choice && <ReassignModal targets={choice} onClose={() => setMoving(false)} />}
      {importing && <PlanImportModal onClose={() => setImporting(false)} />}
      <VirtualTable data={rows} columns={columns} rowHeight={52} onEndReached={more} empty={targets.isPending ? "Loading…" : "No targets match."} testId="targets-table" />
    </Stack>
  );
}
