import type { ReactNode } from 'react';
import type { PagedList } from '../hooks.ts';
import { EmptyState, ErrorNote, Loading } from './states.tsx';

export interface Column<T> {
  header: string;
  cell: (row: T) => ReactNode;
  className?: string;
}

/** A table with a caption (read by screen readers), header cells, and a clear empty state. */
export function DataTable<T>({ caption, columns, rows, rowKey, empty, onRowKeyDown }: { caption: string; columns: Column<T>[]; rows: T[]; rowKey: (row: T) => string; empty?: ReactNode; onRowKeyDown?: (row: T, e: React.KeyboardEvent) => void }) {
  if (rows.length === 0) return <>{empty ?? <EmptyState title="Nothing here yet" />}</>;
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.header} scope="col" className={c.className}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={rowKey(r)} onKeyDown={onRowKeyDown ? (e) => onRowKeyDown(r, e) : undefined}>
              {columns.map((c) => (
                <td key={c.header} className={c.className} data-label={c.header}>
                  {c.cell(r)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A server-paged list: loading, error, empty and the table, with previous/next page buttons. */
export function PagedTable<T>({ list, caption, columns, rowKey, empty }: { list: PagedList<T>; caption: string; columns: Column<T>[]; rowKey: (row: T) => string; empty?: ReactNode }) {
  if (list.error) return <ErrorNote error={list.error} title="Could not load the list" />;
  if (list.loading && !list.data) return <Loading />;
  return (
    <>
      <DataTable caption={caption} columns={columns} rows={list.items} rowKey={rowKey} empty={empty} />
      {list.hasNext || list.hasPrevious ? (
        <nav className="pager" aria-label={`${caption} pages`}>
          <button type="button" onClick={list.previous} disabled={!list.hasPrevious}>
            Previous
          </button>
          <span className="muted">Page {list.page}</span>
          <button type="button" onClick={list.next} disabled={!list.hasNext}>
            Next
          </button>
        </nav>
      ) : null}
    </>
  );
}
