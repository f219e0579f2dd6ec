import { notifications } from "@mantine/notifications";

import type { ExportResult } from "../bindings/ExportResult";

/** Says where an export went; nothing when the manager cancelled the Save dialog. */
export function exported(r: ExportResult | null, what: string, testId?: string) {
  if (!r) return;
  notifications.show({
    color: "green",
    title: `Exported ${r.rows} ${what}`,
    message: r.note ? `${r.path}. ${r.note}` : r.path,
    autoClose: 15_000,
    ...(testId ? { "data-testid": testId } : {}),
  } as never);
}
