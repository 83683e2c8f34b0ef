// The one data grid of the workstation (TanStack Table + TanStack Virtual): sortable headers,
// column filters, only the visible rows in the DOM, and an `onEndReached` hook so views can
// page in more rows from the server as the analyst scrolls. Every dock table is one of these.
import { useEffect, useRef, useState, type ReactNode } from 'react';
import {
  FlexRender,
  columnFilteringFeature,
  createColumnHelper,
  createFilteredRowModel,
  createSortedRowModel,
  filterFn_equalsString,
  rowSortingFeature,
  sortFn_alphanumeric,
  sortFn_basic,
  sortFn_datetime,
  sortFn_text,
  tableFeatures,
  useTable,
  type ColumnFiltersState,
  type RowData,
  type TableOptions,
  type SortingState,
} from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import './DataTable.css';

interface ColumnMeta {
  /** Right-aligned tabular figures. */
  numeric?: boolean;
  /** Fixed width in px (the rest share what is left). */
  width?: number;
}

export const gridFeatures = tableFeatures({
  rowSortingFeature,
  sortedRowModel: createSortedRowModel(),
  sortFns: { alphanumeric: sortFn_alphanumeric, basic: sortFn_basic, datetime: sortFn_datetime, text: sortFn_text },
  columnFilteringFeature,
  filteredRowModel: createFilteredRowModel(),
  filterFns: { equalsString: filterFn_equalsString },
  columnMeta: {} as ColumnMeta,
});

export const columnsFor = <T extends RowData>() => createColumnHelper<typeof gridFeatures, T>();

const ROW_HEIGHT = 26;

interface DataTableProps<T extends RowData> {
  /** Accessible name of the table. */
  label: string;
  columns: TableOptions<typeof gridFeatures, T>['columns'];
  data: T[];
  rowId: (row: T) => string;
  initialSorting?: SortingState;
  /** Column filters, owned by the view's toolbar. */
  filters?: ColumnFiltersState;
  onEndReached?: () => void;
  onRowClick?: (row: T) => void;
  selectedId?: string | null;
  /** Shown (inside the table area) when the filtered data has no rows. */
  empty?: ReactNode;
  footer?: ReactNode;
}

export function DataTable<T extends RowData>({ label, columns, data, rowId, initialSorting = [], filters = [], onEndReached, onRowClick, selectedId, empty, footer }: DataTableProps<T>) {
  const [sorting, setSorting] = useState<SortingState>(initialSorting);
  const table = useTable({
    features: gridFeatures,
    columns,
    data,
    getRowId: (row) => rowId(row),
    state: { sorting, columnFilters: filters },
    onSortingChange: setSorting,
  });
  const rows = table.getRowModel().rows;
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.at(-1)?.index ?? -1;

  // Ask for more rows when the last rendered row is close to the end of what is loaded.
  useEffect(() => {
    if (onEndReached && rows.length > 0 && lastIndex >= rows.length - 20) onEndReached();
  }, [lastIndex, rows.length, onEndReached]);

  const padTop = items[0]?.start ?? 0;
  const padBottom = virtualizer.getTotalSize() - (items.at(-1)?.end ?? 0);
  const headerGroups = table.getHeaderGroups();
  const colSpan = headerGroups[0]?.headers.length ?? 1;

  return (
    <div className="data-table">
      <div className="scroll" ref={scrollRef}>
        <table className="grid-table" aria-label={label} aria-rowcount={rows.length + 1}>
          <thead>
            {headerGroups.map((group) => (
              <tr key={group.id}>
                {group.headers.map((header) => {
                  const meta = header.column.columnDef.meta;
                  const sorted = header.column.getIsSorted();
                  return (
                    <th
                      key={header.id}
                      className={meta?.numeric ? 'num' : undefined}
                      style={meta?.width ? { width: meta.width } : undefined}
                      aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : undefined}
                    >
                      {header.column.getCanSort() ? (
                        <button type="button" onClick={header.column.getToggleSortingHandler()}>
                          <FlexRender header={header} />
                          <span className="sort-mark" aria-hidden="true">
                            {sorted === 'asc' ? ' ▲' : sorted === 'desc' ? ' ▼' : ''}
                          </span>
                        </button>
                      ) : (
                        <FlexRender header={header} />
                      )}
                    </th>
                  );
                })}
              </tr>
            ))}
          </thead>
          <tbody>
            {padTop > 0 && (
              <tr aria-hidden="true">
                <td colSpan={colSpan} style={{ height: padTop, padding: 0, border: 0 }} />
              </tr>
            )}
            {items.map((item) => {
              const row = rows[item.index]!;
              const clickable = onRowClick !== undefined;
              return (
                <tr
                  key={row.id}
                  aria-rowindex={item.index + 2}
                  aria-selected={clickable ? row.id === selectedId : undefined}
                  className={`${clickable ? 'clickable' : ''} ${row.id === selectedId ? 'selected' : ''}`}
                  onClick={clickable ? () => onRowClick(row.original) : undefined}
                >
                  {row.getAllCells().map((cell) => (
                    <td key={cell.id} className={cell.column.columnDef.meta?.numeric ? 'num' : undefined}>
                      <FlexRender cell={cell} />
                    </td>
                  ))}
                </tr>
              );
            })}
            {padBottom > 0 && (
              <tr aria-hidden="true">
                <td colSpan={colSpan} style={{ height: padBottom, padding: 0, border: 0 }} />
              </tr>
            )}
          </tbody>
        </table>
        {rows.length === 0 && empty && <div className="table-empty">{empty}</div>}
      </div>
      {footer && <div className="table-footer">{footer}</div>}
    </div>
  );
}
