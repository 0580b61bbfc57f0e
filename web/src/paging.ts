// The lists page through the API's cursors: one page first, the next when the reader asks for it ("load more"),
// so an office with more rows than one page still reaches the last.
import { shallowReactive } from 'vue';

/** One page of rows and the cursor of the page after it (null: this was the last). */
export interface Page<Row> {
  rows: Row[];
  next: string | null;
}

export type ReadPage<Row> = (after: string | null) => Promise<Page<Row>>;

/** A list whose API answers plain rows and continues `after` the last row's key. It asks for one row more than it
 * shows, so it knows whether another page follows without a request that comes back empty. */
export function afterLastRow<Row>(
  size: number,
  read: (first: number, after: string | null) => Promise<Row[]>,
  key: (row: Row) => string,
): ReadPage<Row> {
  return async (after) => {
    const rows = await read(size + 1, after);
    const shown = rows.slice(0, size);
    return { rows: shown, next: rows.length > size ? key(shown[shown.length - 1]) : null };
  };
}

export interface Pages<Row> {
  rows: Row[];
  /** Where the next page starts; null when every row is shown. */
  next: string | null;
  loaded: boolean;
  loading: boolean;
  /** From the first page again: what the list shows has changed (a filter). */
  reload(): Promise<void>;
  /** The next page, after the rows shown. */
  more(): Promise<void>;
  /** The rows shown read again (after a change to one of them), as many pages as were shown. */
  refresh(): Promise<void>;
}

/** A paged list; `fail` hears why a page could not be read. An answer overtaken by a newer read (a filter changed
 * while it was on its way) is dropped. */
export function usePages<Row>(read: ReadPage<Row>, fail: (error: Error) => void): Pages<Row> {
  let reads = 0;

  async function readUntil(after: string | null, kept: Row[], wanted: number): Promise<void> {
    const mine = ++reads;
    list.loading = true;
    try {
      let rows = kept;
      let next = after;
      do {
        const page = await read(next);
        if (mine !== reads) return;
        rows = [...rows, ...page.rows];
        next = page.next;
      } while (next !== null && rows.length < wanted);
      Object.assign(list, { rows, next, loaded: true });
    } catch (error) {
      if (mine === reads) fail(error as Error);
    } finally {
      if (mine === reads) list.loading = false;
    }
  }

  const list: Pages<Row> = shallowReactive({
    rows: [],
    next: null,
    loaded: false,
    loading: false,
    reload: () => readUntil(null, [], 0),
    more: async () => {
      if (!list.loading && list.next !== null) await readUntil(list.next, list.rows, 0);
    },
    refresh: () => readUntil(null, [], list.rows.length),
  });
  return list;
}
