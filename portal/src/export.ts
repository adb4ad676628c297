// Exports: GET /patients/{id}/export pages, joined into one file and saved.
// The API pages its answer (no response nears API Gateway's limits): CSV
// names the next page in a header, FHIR in the Bundle's "next" link.
import type { Api } from './api';

export type ExportFormat = 'csv' | 'fhir';

const MAX_PAGES = 500;

function nextFromHeaders(h: Headers): string {
  const direct = h.get('X-Next-Cursor') ?? h.get('X-Cursor-Next');
  if (direct) return direct;
  const link = h.get('Link');
  const m = link?.match(/<([^>]+)>\s*;\s*rel="?next"?/);
  if (m) return new URL(m[1], location.href).searchParams.get('cursor') ?? '';
  return '';
}

/** fetchExport reads every page of a patient's export and returns one file's content. */
export async function fetchExport(api: Api, patientId: string, format: ExportFormat): Promise<{ body: string; type: string; pages: number }> {
  const base = `/patients/${encodeURIComponent(patientId)}/export?format=${format}`;
  if (format === 'csv') {
    let out = '';
    let cursor = '';
    let pages = 0;
    do {
      const res = await api.request(base + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
      let text = await res.text();
      if (pages > 0) text = text.slice(text.indexOf('\n') + 1); // each page repeats the header row
      out += text;
      cursor = nextFromHeaders(res.headers);
      pages++;
    } while (cursor && pages < MAX_PAGES);
    return { body: out, type: 'text/csv;charset=utf-8', pages };
  }
  type Bundle = { resourceType: string; type?: string; total?: number; link?: { relation: string; url: string }[]; entry?: unknown[] };
  let url: string = base;
  let first: Bundle | null = null;
  const entries: unknown[] = [];
  let pages = 0;
  while (url && pages < MAX_PAGES) {
    const b = await api.json<Bundle>(url);
    first ??= b;
    entries.push(...(b.entry ?? []));
    const next = b.link?.find((l) => l.relation === 'next')?.url ?? '';
    url = next;
    pages++;
  }
  const bundle: Bundle = { ...(first ?? { resourceType: 'Bundle' }), entry: entries, link: first?.link?.filter((l) => l.relation === 'self') };
  if (typeof bundle.total === 'number') bundle.total = entries.length;
  return { body: JSON.stringify(bundle, null, 2), type: 'application/fhir+json', pages };
}

/** saveFile hands content to the browser as a download. */
export function saveFile(name: string, body: string, type: string) {
  const url = URL.createObjectURL(new Blob([body], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
