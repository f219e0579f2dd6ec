import { Box, Table, Text } from "@mantine/core";
import { type ColumnDef, flexRender, getCoreRowModel, useReactTable } from "@tanstack/react-table";
import { useVirtualizer } from "@tanstack/react-virtual";
import { type ReactNode, useEffect, useRef } from "react";

type Props<T> = {
  data: T[];
  columns: ColumnDef<T, unknown>[];
  /** Height of one row in pixels (rows are fixed-height for smooth scrolling). */
  rowHeight?: number;
  height?: number | string;
  empty: string;
  /** Called when the last rows come into view (to load the next page). */
  onEndReached?: () => void;
  testId?: string;
  /** What the table holds, for screen readers ("People", "History"). */
  label?: string;
};

/** A cell's content. A cell renderer is called as a function, not mounted as a
 * component: the views rebuild their column definitions when data or time
 * changes, and as components every cell of every row would be unmounted and
 * mounted again on each refresh (new function, new component type). That DOM
 * churn made WebKitGTK's web process grow by ~40 MB a minute on the polling
 * status board. Cell renderers use no hooks. */
function renderCell<C>(def: ColumnDef<unknown, unknown>["cell"] | ((ctx: C) => ReactNode) | undefined, ctx: C): ReactNode {
  return typeof def === "function" ? (def as (ctx: C) => ReactNode)(ctx) : flexRender(def as never, ctx as never);
}

/** A table of any length: only the rows in view are in the DOM. */
export function VirtualTable<T>({ data, columns, rowHeight = 44, height = "calc(100vh - 260px)", empty, onEndReached, testId, label }: Props<T>) {
  const table = useReactTable({ data, columns, getCoreRowModel: getCoreRowModel() });
  // Column sizes are proportions: the table always fits its container, from a
  // 1024-pixel laptop to a wide monitor, without scrolling sideways.
  const total = table.getVisibleLeafColumns().reduce((n, c) => n + c.getSize(), 0) || 1;
  const scroller = useRef<HTMLDivElement>(null);
  const rows = table.getRowModel().rows;
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => rowHeight,
    overscan: 12,
    // Until the container is measured (first frame), assume a window-sized view.
    initialRect: { width: 1200, height: 900 },
  });
  const items = virtualizer.getVirtualItems();
  const last = items.at(-1)?.index ?? -1;
  useEffect(() => {
    if (onEndReached && rows.length > 0 && last >= rows.length - 20) onEndReached();
  }, [last, rows.length, onEndReached]);

  const top = items[0]?.start ?? 0;
  const bottom = virtualizer.getTotalSize() - (items.at(-1)?.end ?? 0);
  return (
    // The scroller takes the focus, so the arrow keys and Page Up/Down scroll it.
    <Box ref={scroller} h={height} style={{ overflow: "auto" }} tabIndex={0} role="region" aria-label={label ?? "Rows"} data-testid={testId}>
      <Table stickyHeader highlightOnHover verticalSpacing={6} style={{ tableLayout: "fixed" }}>
        <Table.Thead>
          {table.getHeaderGroups().map((group) => (
            <Table.Tr key={group.id}>
              {group.headers.map((header) => (
                <Table.Th key={header.id} style={{ width: `${(100 * header.getSize()) / total}%` }}>
                  {flexRender(header.column.columnDef.header, header.getContext())}
                </Table.Th>
              ))}
            </Table.Tr>
          ))}
        </Table.Thead>
        <Table.Tbody>
          {top > 0 && (
            <tr>
              <td style={{ height: top, padding: 0 }} colSpan={columns.length} />
            </tr>
          )}
          {items.map((item) => {
            const row = rows[item.index];
            if (!row) return null;
            return (
              <Table.Tr key={row.id} style={{ height: rowHeight }} data-testid="row">
                {row.getVisibleCells().map((cell) => (
                  <Table.Td key={cell.id} style={{ overflow: "hidden", whiteSpace: "nowrap", textOverflow: "ellipsis" }}>
                    {renderCell(cell.column.columnDef.cell, cell.getContext())}
                  </Table.Td>
                ))}
              </Table.Tr>
            );
          })}
          {bottom > 0 && (
            <tr>
              <td style={{ height: bottom, padding: 0 }} colSpan={columns.length} />
            </tr>
          )}
        </Table.Tbody>
      </Table>
      {rows.length === 0 && (
        <Text c="dimmed" ta="center" py="xl" data-testid="empty">
          {empty}
        </Text>
      )}
    </Box>
  );
}
