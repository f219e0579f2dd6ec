import { AppShell, Group, MantineProvider, NavLink, Text, Title, createTheme } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState } from "react";

import { DiagnosticsView } from "./views/DiagnosticsView";

const theme = createTheme({ primaryColor: "indigo", defaultRadius: "md" });

/** The product's areas. Only areas that work are listed: no placeholder screens. */
const AREAS = [{ id: "diagnostics", label: "About & diagnostics", view: DiagnosticsView }] as const;
type AreaId = (typeof AREAS)[number]["id"];

export function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      // IPC answers are local: retrying a failed command only delays the error.
      queries: { retry: false, refetchOnWindowFocus: false },
    },
  });
}

export function App({ queryClient = makeQueryClient() }: { queryClient?: QueryClient }) {
  const [area, setArea] = useState<AreaId>("diagnostics");
  const current = AREAS.find((a) => a.id === area) ?? AREAS[0];
  const View = current.view;
  return (
    <MantineProvider theme={theme} defaultColorScheme="light">
      <QueryClientProvider client={queryClient}>
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
      </QueryClientProvider>
    </MantineProvider>
  );
}
