// Small shared pieces: loading, error and empty states, and the page title.
import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import { describeError } from './api';

export function Loading({ what }: { what: string }) {
  return (
    <div class="state state-loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" /> Loading {what}…
    </div>
  );
}

export function ErrorPanel({ error, what, onRetry }: { error: unknown; what: string; onRetry?: () => void }) {
  const d = describeError(error, what);
  return (
    <div class="state state-error" role="alert" data-state="error">
      <h2>{d.title}</h2>
      <p>{d.detail}</p>
      {d.requestId && (
        <p class="muted small">
          Request id: <code>{d.requestId}</code>
        </p>
      )}
      {onRetry && (
        <button type="button" class="btn" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="state state-empty" data-state="empty">
      <h2>{title}</h2>
      {children}
    </div>
  );
}

/** useTitle sets the document title and moves focus to the page's heading for screen readers. */
export function useTitle(title: string) {
  useEffect(() => {
    document.title = `${title} · COPD Fuel portal`;
  }, [title]);
}
