// Hash routes (#/patients/ID?days=30): work from any static host and from a
// file path, with no server rewrite rules.
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { page: 'patients' }
  | { page: 'patient'; id: string; days: number }
  | { page: 'invites' }
  | { page: 'notFound' };

export const RANGES = [7, 30, 90, 365] as const;

export function parseRoute(hash: string): Route {
  const [path, query = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'patients')) return { page: 'patients' };
  if (parts.length === 2 && parts[0] === 'patients') {
    const d = Number(new URLSearchParams(query).get('days'));
    return { page: 'patient', id: parts[1], days: (RANGES as readonly number[]).includes(d) ? d : 30 };
  }
  if (parts.length === 1 && parts[0] === 'invites') return { page: 'invites' };
  return { page: 'notFound' };
}

export function href(r: Route): string {
  switch (r.page) {
    case 'patients':
      return '#/patients';
    case 'patient':
      return `#/patients/${encodeURIComponent(r.id)}?days=${r.days}`;
    case 'invites':
      return '#/invites';
    default:
      return '#/';
  }
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
