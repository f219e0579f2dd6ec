import "@mantine/notifications/styles.css";
import "@mantine/charts/styles.css";
import "@mantine/spotlight/styles.css";

import { AppShell, Badge, type CSSVariablesResolver, darken, Group, MantineProvider, type MantineColorScheme, NavLink, SegmentedControl, Text, Title, UnstyledButton, createTheme, useMantineColorScheme } from "@mantine/core";
import { useHotkeys } from "@mantine/hooks";
import { ModalsProvider } from "@mantine/modals";
import { Notifications, notifications } from "@mantine/notifications";
import { QueryClient, QueryClientProvider, useIsFetching, useQueryClient } from "@tanstack/react-query";
import { lazy, Suspense, useCallback, useEffect, useRef, useState } from "react";

import { onCoversRan, onJobFinished, onQueueChanged, windowReady } from "./bindings/commands";
import { CommandPalette, Keys, palette } from "./components/CommandPalette";
import { ShortcutsSheet, useShellCommands } from "./components/ShellCommands";
import { useBackendEvent } from "./events";
import { type AreaParams, NavigationContext } from "./navigation";
import { useQueueCounts } from "./queries";
import { areaKeys, SHORTCUTS } from "./shortcuts";
import { SyncProgressProvider } from "./sync";
import { AgentsView } from "./views/AgentsView";
import { AssignView } from "./views/AssignView";
import { ConnectionsView } from "./views/ConnectionsView";
import { CoversView } from "./views/CoversView";
import { DiagnosticsView } from "./views/DiagnosticsView";
import { HistoryView } from "./views/HistoryView";
import { PeopleView } from "./views/PeopleView";
import { StatusView } from "./views/StatusView";
import { TargetsView } from "./views/TargetsView";
import { TeamsView } from "./views/TeamsView";

// The charts (Recharts) are most of the bundle's weight: loaded when first shown.
const DashboardsView = lazy(() => import("./views/DashboardsView").then((m) => ({ default: m.DashboardsView })));

// Filled buttons one shade deeper than Mantine's default, and their text black
// or white as the colour needs: both read at WCAG AA (4.5:1).
const theme = createTheme({ primaryColor: "indigo", defaultRadius: "md", primaryShade: { light: 7, dark: 8 }, autoContrast: true });

/** Text that reads at WCAG AA (4.5:1) in the light scheme: dimmed text one
 * grey darker, and coloured text and light badges in a deeper shade than
 * Mantine's (its green, orange and yellow ones fall to 2.4-3.8:1). */
const readable: CSSVariablesResolver = (t) => {
  const light: Record<string, string> = { "--mantine-color-dimmed": "var(--mantine-color-gray-7)" };
  for (const [name, shades] of Object.entries(t.colors)) {
    if (name === "dark") continue;
    const deep = darken(shades[9], 0.3);
    light[`--mantine-color-${name}-text`] = deep;
    light[`--mantine-color-${name}-light-color`] = deep;
  }
  return { variables: {}, light, dark: {} };
};

/** The product's areas. Only areas that work are listed: no placeholder screens. */
const AREAS = [
  { id: "assign", label: "Assign", view: AssignView },
  { id: "status", label: "Status board", view: StatusView },
  { id: "dashboards", label: "Dashboards", view: DashboardsView },
  { id: "history", label: "History", view: HistoryView },
  { id: "covers", label: "Covers", view: CoversView },
  { id: "connections", label: "Connections", view: ConnectionsView },
  { id: "people", label: "People", view: PeopleView },
  { id: "agents", label: "Agents", view: AgentsView },
  { id: "teams", label: "Teams", view: TeamsView },
  { id: "targets", label: "Targets", view: TargetsView },
  { id: "diagnostics", label: "About & diagnostics", view: DiagnosticsView },
] as const;
export type AreaId = (typeof AREAS)[number]["id"];

/** The view a window opens on: `#status` (from `switchboard --view status`), else Connections. */
export function areaFromHash(hash: string): AreaId {
  const id = hash.replace(/^#/, "");
  return AREAS.find((a) => a.id === id)?.id ?? "connections";
}

/** Tells the backend, once, that the first view's data is on screen (its
 * start-up figure), when the window's first reads have all settled. */
function useFirstDataShown() {
  const fetching = useIsFetching();
  const seen = useRef<"waiting" | "fetching" | "told">("waiting");
  useEffect(() => {
    if (seen.current === "waiting" && fetching > 0) seen.current = "fetching";
    else if (seen.current === "fetching" && fetching === 0) {
      seen.current = "told";
      void windowReady().catch(() => {});
    }
  }, [fetching]);
}

export function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      // IPC answers are local: retrying a failed command only delays the error.
      queries: { retry: false, refetchOnWindowFocus: false },
    },
  });
}

/** How many changes wait for a vendor or for the manager, kept fresh by the
 * background sender's events. */
function WaitingBadge() {
  const queryClient = useQueryClient();
  const counts = useQueueCounts(30_000);
  useBackendEvent(onQueueChanged, () => void queryClient.invalidateQueries());
  // A job sent in the background ended (the window may have been closed on it).
  useBackendEvent(onJobFinished, (s) => {
    void queryClient.invalidateQueries();
    const n = (state: string) => s.by_state[state] ?? 0;
    const trouble = n("failed") + n("unknown") + n("conflict");
    notifications.show({
      color: trouble > 0 ? "orange" : "green",
      title: `Finished: ${s.job.title}`,
      message: `${n("done")} done${trouble > 0 ? `, ${trouble} need you (History, or the job's results)` : ""}${n("cancelled") ? `, ${n("cancelled")} cancelled` : ""}.`,
      autoClose: 12_000,
    });
  });
  // The window's scheduler (or an early end) took cover steps.
  useBackendEvent(onCoversRan, (runs) => {
    void queryClient.invalidateQueries();
    const words = { start: "handed over", follow: "new work handed on", end: "handed back" } as const;
    for (const r of runs) {
      const late = r.late_ms >= 60_000 ? ` It ran ${Math.round(r.late_ms / 60_000)} min late (Switchboard was closed).` : "";
      notifications.show({
        color: r.problem ? "orange" : "green",
        title: `Cover of ${r.person_name}: ${words[r.step]}`,
        message: r.problem ?? `${r.items} items, ${r.skipped} left as they were.${late}`,
        autoClose: 12_000,
      });
    }
  });
  const c = counts.data;
  if (!c) return null;
  const waiting = c.queued + c.sending;
  return (
    <Group gap={4}>
      {waiting > 0 && (
        <Badge size="sm" color="yellow" data-testid="waiting-count" title="Changes waiting for their vendor">
          {waiting}
        </Badge>
      )}
      {c.conflict + c.unknown > 0 && (
        <Badge
          size="sm"
          color="orange"
          data-testid="conflict-count"
          title="Changes that need your decision: in conflict, or sent but not confirmed"
        >
          {c.conflict + c.unknown}
        </Badge>
      )}
    </Group>
  );
}

/** Light, dark, or as the OS is (the default); remembered across starts. */
function ColorSchemeSwitch() {
  const { colorScheme, setColorScheme } = useMantineColorScheme();
  return (
    <SegmentedControl
      size="xs"
      value={colorScheme}
      onChange={(v) => setColorScheme(v as MantineColorScheme)}
      data={[
        { value: "auto", label: "As the system" },
        { value: "light", label: "Light" },
        { value: "dark", label: "Dark" },
      ]}
      aria-label="Colours"
      data-testid="color-scheme"
    />
  );
}

function Shell({ initialArea }: { initialArea: AreaId }) {
  const [area, setArea] = useState<AreaId>(initialArea);
  const [params, setParams] = useState<AreaParams>({});
  // Each navigation mounts the view afresh, even to the same area.
  const [visit, setVisit] = useState(0);
  const navigate = useCallback((to: string, p: AreaParams = {}) => {
    // A toast is about the view it came from: it does not follow the manager.
    notifications.clean();
    // A new view starts at its top, not where the last one was scrolled to.
    window.scrollTo({ top: 0 });
    setArea(to as AreaId);
    setParams(p);
    setVisit((n) => n + 1);
  }, []);
  const [sheet, setSheet] = useState(false);
  useFirstDataShown();
  const shell = useShellCommands({ areas: AREAS, navigate, showShortcuts: () => setSheet(true) });
  // Chords work from a text box too (they type nothing); single keys do not.
  useHotkeys(
    [
      [SHORTCUTS.assign.keys, () => navigate("assign")],
      [SHORTCUTS.syncAll.keys, shell.syncAll],
      [SHORTCUTS.sendQueued.keys, shell.sendQueued],
      ...AREAS.flatMap((a, i) => {
        const keys = areaKeys(i);
        return keys ? [[keys, () => navigate(a.id)] as [string, () => void]] : [];
      }),
    ],
    [],
  );
  useHotkeys([
    // "?" is typed with Shift on most layouts, without on some.
    [SHORTCUTS.help.keys, () => setSheet(true)],
    [`shift+${SHORTCUTS.help.keys}`, () => setSheet(true)],
    // Every view's search box is named "<view>-search".
    [SHORTCUTS.search.keys, () => document.querySelector<HTMLInputElement>("main input[data-testid$='-search']")?.focus()],
  ]);
  const current = AREAS.find((a) => a.id === area) ?? AREAS[0];
  const View = current.view;
  return (
    <NavigationContext.Provider value={{ navigate, params }}>
      <AppShell header={{ height: 52 }} navbar={{ width: 232, breakpoint: 0 }} padding="lg">
        <AppShell.Header>
          <Group h="100%" px="md" justify="space-between">
            <Group gap="xs">
              <Title order={4}>Switchboard</Title>
              <Text size="sm" c="dimmed">
                one window for every contact-center platform
              </Text>
            </Group>
            <Group gap="md">
              <ColorSchemeSwitch />
              <UnstyledButton onClick={() => palette.open()} title="Open the command palette" data-testid="open-palette">
                <Group gap={6} wrap="nowrap">
                  <Text size="xs" c="dimmed">
                    Commands
                  </Text>
                  <Keys keys={SHORTCUTS.palette.keys} />
                </Group>
              </UnstyledButton>
            </Group>
          </Group>
        </AppShell.Header>
        <AppShell.Navbar p="xs" aria-label="Areas">
          {AREAS.map((a) => (
            <NavLink
              key={a.id}
              label={a.label}
              active={a.id === area}
              onClick={() => navigate(a.id)}
              rightSection={a.id === "history" ? <WaitingBadge /> : undefined}
              data-testid={`nav-${a.id}`}
            />
          ))}
        </AppShell.Navbar>
        <AppShell.Main>
          <Suspense fallback={<Text c="dimmed">Loading…</Text>}>
            <View key={visit} />
          </Suspense>
        </AppShell.Main>
      </AppShell>
      <CommandPalette
        commands={shell.commands}
        openPerson={shell.openPerson}
        openTeam={shell.openTeam}
        openTarget={shell.openTarget}
        syncConnection={shell.syncConnection}
      />
      <ShortcutsSheet opened={sheet} onClose={() => setSheet(false)} areas={AREAS} />
    </NavigationContext.Provider>
  );
}

export function App({ queryClient = makeQueryClient(), initialArea = "connections" }: { queryClient?: QueryClient; initialArea?: AreaId }) {
  return (
    <MantineProvider theme={theme} defaultColorScheme="auto" cssVariablesResolver={readable}>
      <QueryClientProvider client={queryClient}>
        <ModalsProvider>
          <Notifications position="bottom-right" autoClose={8_000} />
          <SyncProgressProvider>
            <Shell initialArea={initialArea} />
          </SyncProgressProvider>
        </ModalsProvider>
      </QueryClientProvider>
    </MantineProvider>
  );
}
