import { Badge, Group, Kbd, Text } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { createSpotlight, Spotlight, type SpotlightActionData, type SpotlightActionGroupData, useSpotlight } from "@mantine/spotlight";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";

import { listPeople, listTargets } from "../bindings/commands";
import { ALL_TARGETS, useConnections, useTeams } from "../queries";
import { keyLabels } from "../shortcuts";

/** One thing the palette can do, with its shortcut when it has one. */
export type PaletteCommand = { id: string; group: string; label: string; description?: string; keys?: string | null; run: () => void };

/** A shortcut drawn as keys. */
export function Keys({ keys }: { keys: string }) {
  return (
    <Group gap={2} wrap="nowrap">
      {keyLabels(keys).map((k, i) => (
        <Kbd key={i} size="xs">
          {k}
        </Kbd>
      ))}
    </Group>
  );
}

/** The palette's own store: `palette.open()` opens it from a button. */
const [paletteStore, palette] = createSpotlight();
export { palette };

/** How many people and targets the palette finds at most for a query. */
const FOUND = 6;

/**
 * The command palette (Ctrl/⌘+K, Mantine's Spotlight): every action by name,
 * and as the manager types, the people, teams and targets that match, each
 * opening where it can be worked on.
 */
export function CommandPalette({
  commands,
  openPerson,
  openTeam,
  openTarget,
  syncConnection,
}: {
  commands: PaletteCommand[];
  openPerson: (name: string) => void;
  openTeam: (id: number) => void;
  openTarget: (id: number) => void;
  syncConnection: (id: string, name: string) => void;
}) {
  const [query, setQuery] = useState("");
  const [debounced] = useDebouncedValue(query.trim(), 150);
  // Nothing is read until the palette opens.
  const opened = useSpotlight(paletteStore).opened;
  const searching = opened && debounced.length >= 2;
  const people = useQuery({
    queryKey: ["palette", "people", debounced],
    queryFn: () => listPeople({ search: debounced }),
    enabled: searching,
  });
  const targets = useQuery({
    queryKey: ["palette", "targets", debounced],
    queryFn: () => listTargets({ ...ALL_TARGETS, search: debounced, limit: FOUND }),
    enabled: searching,
  });
  // Spotlight's dialog has no title to name it: name it for screen readers.
  useEffect(() => {
    if (!opened) return;
    const frame = requestAnimationFrame(() => document.querySelector(".mantine-Spotlight-content")?.setAttribute("aria-label", "Command palette"));
    return () => cancelAnimationFrame(frame);
  }, [opened]);
  const teams = useTeams(null, opened);
  const connections = useConnections(opened);

  const actions = useMemo(() => {
    const groups = new Map<string, SpotlightActionData[]>();
    const add = (group: string, action: SpotlightActionData) => groups.set(group, [...(groups.get(group) ?? []), action]);
    for (const c of commands) {
      add(c.group, {
        id: c.id,
        label: c.label,
        description: c.description,
        onClick: c.run,
        rightSection: c.keys ? <Keys keys={c.keys} /> : undefined,
      });
    }
    for (const c of connections.data ?? []) {
      add("Sync", {
        id: `sync-${c.connection.id}`,
        label: `Sync ${c.connection.display_name}`,
        description: "Read its agents, teams and targets again",
        keywords: ["sync", "refresh", c.connection.vendor],
        onClick: () => syncConnection(c.connection.id, c.connection.display_name),
      });
    }
    if (searching) {
      for (const p of (people.data ?? []).slice(0, FOUND)) {
        add("People", {
          id: `person-${p.id}`,
          label: p.display_name,
          description: [p.email, `${p.agents.length} account${p.agents.length === 1 ? "" : "s"}`].filter(Boolean).join(" · "),
          keywords: [debounced],
          onClick: () => openPerson(p.display_name),
        });
      }
      for (const t of targets.data?.rows ?? []) {
        add("Targets", {
          id: `target-${t.target.id}`,
          label: t.target.name ?? `${t.target.kind} ${t.target.vendor_id}`,
          description: [t.connection_name, t.target.phone ?? t.target.email].filter(Boolean).join(" · "),
          keywords: [debounced],
          onClick: () => openTarget(t.target.id),
        });
      }
    }
    for (const t of teams.data ?? []) {
      add("Teams", {
        id: `team-${t.connection_id}-${t.vendor_id}`,
        label: t.name,
        description: `${t.connection_name} · ${t.members.length} members`,
        keywords: ["team"],
        rightSection: <Badge size="xs" variant="light">team</Badge>,
        onClick: () => openTeam(t.id),
      });
    }
    return [...groups].map(([group, list]): SpotlightActionGroupData => ({ group, actions: list }));
  }, [commands, connections.data, searching, people.data, targets.data, teams.data, debounced, openPerson, openTeam, openTarget, syncConnection]);

  return (
    <Spotlight
      store={paletteStore}
      actions={actions}
      query={query}
      onQueryChange={setQuery}
      shortcut={["mod + K"]}
      // The palette opens from a text box too, as in every editor.
      tagsToIgnore={[]}
      limit={40}
      highlightQuery
      nothingFound={
        <Text size="sm" c="dimmed">
          {searching && (people.isFetching || targets.isFetching) ? "Searching…" : "Nothing matches: try a name, an email, a phone or a view"}
        </Text>
      }
      searchProps={{ placeholder: "Type a command, a view, a person, a team or a target…", "aria-label": "Command palette" }}
      scrollAreaProps={{ mah: 460 }}
      data-testid="palette"
    />
  );
}
