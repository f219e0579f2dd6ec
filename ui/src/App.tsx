import "@mantine/notifications/styles.css";

import { AppShell, Group, MantineProvider, NavLink, Text, Title, createTheme } from "@mantine/core";
import { ModalsProvider } from "@mantine/modals";
import { Notifications } from "@mantine/notifications";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState } from "react";

import { SyncProgressProvider } from "./sync";
import { AgentsView } from "./views/AgentsView";
import { AssignView } from "./views/AssignView";
import { ConnectionsView } from "./views/ConnectionsView";
import { DiagnosticsView } from "./views/DiagnosticsView";
import { PeopleView } from "./views/PeopleView";
import { TargetsView } from "./views/TargetsView";
import { TeamsView } from "./views/TeamsView";

const theme = createTheme({ primaryColor: "indigo", defaultRadius: "md" });

/** The product's areas. Only areas that work are listed: no placeholder screens. */
const AREAS = [
  { id: "assign", label: "Assign", view: AssignView },
  { id: "connections", label: "Connections", view: ConnectionsView },
  { id: "people", label: "People", view: PeopleView },
  { id: "agents", label: "Agents", view: AgentsView },
  { id: "teams", label: "Teams", view: TeamsView },
  { id: "targets", label: "Targets", view: TargetsView },
  { id: "diagnostics", label: "About & diagnostics", view: DiagnosticsView },
] as const;
export type AreaId = (typeof AREAS)[number]["id"];

export function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      // IPC answers are local: retrying a failed command only delays the error.
      queries: { retry: false, refetchOnWindowFocus: false },
    },
  });
}

export function App({ queryClient = makeQueryClient(), initialArea = "connections" }: { queryClient?: QueryClient; initialArea?: AreaId }) {
  const [area, setArea] = useState<AreaId>(initialArea);
  const current = AREAS.find((a) => a.id === area) ?? AREAS[0];
  const View = current.view;
  return (
    <MantineProvider theme={theme} defaultColorScheme="light">
      <QueryClientProvider client={queryClient}>
        <ModalsProvider>
        <Notifications position="bottom-right" />
        <SyncProgressProvider>
        <AppShell header={{ height: 52 }} navbar={{ width: 232, breakpoint: 0 }} padding="lg">
          <AppShell.Header>
            <Group h="100%" px="md" gap="xs">
              <Title order={4}>Switchboard</Title>
              <Text size="sm" c="dimmed">
                one window for every contact-center platform
              </Text>
            </Group>
          </AppShell.Header>
          <AppShell.Navbar p="xs" aria-label="Areas">
            {AREAS.map((a) => (
              <NavLink
                key={a.id}
                label={a.label}
                active={a.id === area}
                onClick={() => setArea(a.id)}
                data-testid={`nav-${a.id}`}
              />
            ))}
          </AppShell.Navbar>
          <AppShell.Main>
            <View />
          </AppShell.Main>
        </AppShell>
        </SyncProgressProvider>
        </ModalsProvider>
      </QueryClientProvider>
    </MantineProvider>
  );
}
