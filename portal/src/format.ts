// Formatting for people: dates, times and numbers in the browser's locale.

const dayFmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
const fullDayFmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
const dateTimeFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** parseDay reads a local date YYYY-MM-DD as that calendar day (no time-zone shift). */
function parseDay(d: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(d);
  return m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : null;
}

export function shortDate(d: string): string {
  const x = parseDay(d);
  return x ? dayFmt.format(x) : d;
}

export function longDate(d: string): string {
  const x = parseDay(d);
  return x ? fullDayFmt.format(x) : d;
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const t = new Date(iso);
  return Number.isNaN(t.getTime()) ? iso : dateTimeFmt.format(t);
}

/** ago says how long ago an instant was, roughly ("3 h ago"). */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return iso;
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 90) return 'just now';
  if (s < 90 * 60) return `${Math.round(s / 60)} min ago`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} days ago`;
}

export function num(v: number | null | undefined, digits = 1, unit = ''): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  const s = v.toLocaleString(undefined, { maximumFractionDigits: digits });
  return unit ? `${s} ${unit}` : s;
}

export function signed(v: number | null | undefined, digits = 1, unit = ''): string {
  if (v === null || v === undefined) return '—';
  return (v > 0 ? '+' : v < 0 ? '−' : '±') + num(Math.abs(v), digits, unit);
}

export function plural(n: number, word: string): string {
  return `${n.toLocaleString()} ${word}${n === 1 ? '' : 's'}`;
}
