import { useCallback, useEffect, useRef, useState } from 'react';
import { apiGet, ApiError, type Paged, type Query } from './api.ts';

export interface Loaded<T> {
  data: T | null;
  error: ApiError | Error | null;
  loading: boolean;
  reload: () => void;
}

/** GETs `path` (null: nothing yet) and again whenever the path or query changes; `reload` fetches again. */
export function useApi<T>(path: string | null, query?: Query): Loaded<T> {
  const [state, setState] = useState<{ data: T | null; error: ApiError | Error | null; loading: boolean }>({ data: null, error: null, loading: path !== null });
  const [tick, setTick] = useState(0);
  const key = path === null ? null : `${path}?${JSON.stringify(query ?? {})}`;
  useEffect(() => {
    if (path === null) return;
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    apiGet<T>(path, query).then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error: Error) => live && setState({ data: null, error, loading: false }),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, tick]);
  return { ...state, reload: useCallback(() => setTick((t) => t + 1), []) };
}

export interface PagedList<T> extends Loaded<Paged<T>> {
  items: T[];
  page: number;
  hasNext: boolean;
  hasPrevious: boolean;
  next: () => void;
  previous: () => void;
}

/**
 * A cursor-paged list endpoint, one page at a time (the server paginates; the
 * console never loads a whole population). Changing the query starts again
 * at the first page.
 */
export function usePaged<T>(path: string | null, query: Query = {}, limit = 25): PagedList<T> {
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const queryKey = JSON.stringify([path, query, limit]);
  const last = useRef(queryKey);
  if (last.current !== queryKey) {
    last.current = queryKey;
    if (cursors.length !== 1) setCursors([null]);
  }
  const cursor = cursors[cursors.length - 1];
  const loaded = useApi<Paged<T>>(path, { ...query, limit, cursor: cursor ?? undefined });
  const nextCursor = loaded.data?.nextCursor ?? null;
  return {
    ...loaded,
    items: loaded.data?.items ?? [],
    page: cursors.length,
    hasNext: nextCursor !== null,
    hasPrevious: cursors.length > 1,
    next: () => nextCursor && setCursors((c) => [...c, nextCursor]),
    previous: () => setCursors((c) => (c.length > 1 ? c.slice(0, -1) : c)),
  };
}

export interface Action {
  /** True while a `run` is under way (disable the submit buttons). */
  busy: boolean;
  /** What the last `run` threw (render with ErrorNote), or what `setError` set. */
  error: unknown;
  /** Clears the error, runs `fn` with `busy` set, keeps what it throws in `error` (then answers undefined). */
  run: <T>(fn: () => Promise<T>) => Promise<T | undefined>;
  /** Sets the error by hand (a check that failed before sending anything). */
  setError: (error: unknown) => void;
  /** Forgets the last error. */
  reset: () => void;
}

/** The busy flag and error of a change sent to the API (apiSend), for a form or a button. */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(async <T,>(fn: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await fn();
    } catch (e) {
      setError(e);
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  const reset = useCallback(() => setError(null), []);
  return { busy, error, run, setError, reset };
}
