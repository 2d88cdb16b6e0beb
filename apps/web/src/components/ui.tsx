// Small pieces every page uses: loading and error states, empty states that say what to do next,
// a progress bar, and a page heading that moves focus (so screen readers hear the new page).
import { type DependencyList, type ReactNode, useCallback, useEffect, useRef, useState } from 'react';
import { errorText } from '../lib/api';

export function PageHeading({ children, title }: { children: ReactNode; title: string }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · Lockbox`;
    heading.current?.focus({ preventScroll: true });
  }, [title]);
  return (
    <h1 ref={heading} tabIndex={-1} className="page-heading">
      {children}
    </h1>
  );
}

/** An error the API returned, in words, where it happened. `id` lets a field point at it (aria-describedby). */
export function ErrorMessage({ error, id }: { error: unknown; id?: string }) {
  if (error === undefined || error === null) return null;
  return (
    <p className="error" role="alert" id={id}>
      {typeof error === 'string' ? error : errorText(error)}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function EmptyState({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="empty" aria-label={title}>
      <h2>{title}</h2>
      <div>{children}</div>
    </section>
  );
}

/** A determinate bar when `fraction` is known, an indeterminate one otherwise. */
export function ProgressBar({ fraction, label }: { fraction: number | null; label: string }) {
  const percent = fraction === null ? undefined : Math.round(Math.min(1, Math.max(0, fraction)) * 100);
  return (
    <div className="progress">
      <progress max={100} value={percent} aria-label={label} />
      <span aria-hidden="true">{percent === undefined ? '' : `${percent}%`}</span>
    </div>
  );
}

export interface AsyncState<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
  setData: (data: T) => void;
}

/** Loads `load()` when the dependencies change; `reload` loads again (after a live event, say). */
export function useAsync<T>(load: () => Promise<T>, dependencies: DependencyList): AsyncState<T> {
  const [data, setData] = useState<T | undefined>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  const loader = useCallback(load, dependencies);
  useEffect(() => {
    let current = true;
    setLoading(true);
    loader().then(
      (value) => {
        if (!current) return;
        setData(value);
        setError(undefined);
        setLoading(false);
      },
      (failure: unknown) => {
        if (!current) return;
        setError(failure);
        setLoading(false);
      },
    );
    return () => {
      current = false;
    };
  }, [loader, generation]);
  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  return { data, error, loading, reload, setData };
}
