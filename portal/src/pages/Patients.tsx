// The patient list: GET /patients pages with their flags; search by name or
// email and sort over the loaded rows; "Load more" follows the cursor.
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Api, PatientRow } from '../api';
import { ago, dateTime, num, signed } from '../format';
import { href } from '../router';
import { Empty, ErrorPanel, Loading, useTitle } from '../ui';
import { rememberPatients } from '../patients';

type SortKey = 'name' | 'lastSync' | 'attention';

function attention(p: PatientRow): number {
  return (p.flags.lowOxygen ? 4 : 0) + (p.flags.rescueMedication ? 2 : 0) + (p.flags.weightChange ? 1 : 0);
}

const sorters: Record<SortKey, (a: PatientRow, b: PatientRow) => number> = {
  name: (a, b) => (a.displayName || a.email).localeCompare(b.displayName || b.email),
  lastSync: (a, b) => (b.flags.lastSyncAt ?? '').localeCompare(a.flags.lastSyncAt ?? ''),
  attention: (a, b) => attention(b) - attention(a) || sorters.name(a, b),
};

export function Flags({ p }: { p: PatientRow }) {
  const f = p.flags;
  const none = !f.lowOxygen && !f.rescueMedication && !f.weightChange;
  return (
    <ul class="flags" aria-label="Flags">
      {f.lowOxygen && (
        <li class="flag flag-red" title={f.lastLowOxygenDate ? `Last low reading ${f.lastLowOxygenDate}` : undefined}>
          Low SpO₂{f.lowestSpo2Percent !== null ? ` (${num(f.lowestSpo2Percent, 0)}%)` : ''}
        </li>
      )}
      {f.rescueMedication && (
        <li class="flag flag-amber" title={f.lastRescueMedicationDate ? `Last taken ${f.lastRescueMedicationDate}` : undefined}>
          Rescue medication
        </li>
      )}
      {f.weightChange && <li class="flag flag-blue">Weight {signed(f.weightChangeKg, 1, 'kg')}</li>}
      {none && <li class="flag flag-none">No flags</li>}
    </ul>
  );
}

export function Patients({ api }: { api: Api }) {
  useTitle('Patients');
  const [rows, setRows] = useState<PatientRow[]>([]);
  const [cursor, setCursor] = useState('');
  const [state, setState] = useState<'loading' | 'ready' | 'error' | 'more'>('loading');
  const [error, setError] = useState<unknown>(null);
  const [query, setQuery] = useState('');
  const [sort, setSort] = useState<SortKey>('attention');
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let live = true;
    setState('loading');
    api.patients().then(
      (p) => {
        if (!live) return;
        setRows(p.patients);
        rememberPatients(p.patients);
        setCursor(p.nextCursor);
        setState('ready');
      },
      (e) => live && (setError(e), setState('error')),
    );
    return () => {
      live = false;
    };
  }, [api, attempt]);

  const loadMore = () => {
    setState('more');
    api.patients(cursor).then(
      (p) => {
        setRows((r) => [...r, ...p.patients.filter((x) => !r.some((y) => y.patientId === x.patientId))]);
        rememberPatients(p.patients);
        setCursor(p.nextCursor);
        setState('ready');
      },
      (e) => (setError(e), setState('error')),
    );
  };

  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    const f = q ? rows.filter((p) => p.displayName.toLowerCase().includes(q) || p.email.toLowerCase().includes(q)) : rows;
    return [...f].sort(sorters[sort]);
  }, [rows, query, sort]);

  return (
    <main id="main" tabIndex={-1} class="page">
      <div class="page-head">
        <h1>Patients</h1>
        <a class="btn btn-primary" href={href({ page: 'invites' })}>
          Invite a patient
        </a>
      </div>
      {state === 'loading' && <Loading what="your patients" />}
      {state === 'error' && <ErrorPanel error={error} what="the patient list" onRetry={() => setAttempt((n) => n + 1)} />}
      {(state === 'ready' || state === 'more') && rows.length === 0 && (
        <Empty title="No patients yet — create an invite">
          <p>Patients appear here once they accept your invite code in the COPD Fuel app and agree to share their data with you.</p>
          <a class="btn btn-primary" href={href({ page: 'invites' })}>
            Create an invite
          </a>
        </Empty>
      )}
      {(state === 'ready' || state === 'more') && rows.length > 0 && (
        <>
          <div class="toolbar">
            <div class="field">
              <label for="search">Search by name or email</label>
              <input id="search" type="search" value={query} onInput={(e) => setQuery(e.currentTarget.value)} placeholder="e.g. Morgan" />
            </div>
            <div class="field">
              <label for="sort">Sort by</label>
              <select id="sort" value={sort} onChange={(e) => setSort(e.currentTarget.value as SortKey)}>
                <option value="attention">Needs attention first</option>
                <option value="name">Name</option>
                <option value="lastSync">Last sync (newest first)</option>
              </select>
            </div>
          </div>
          <p class="muted small" role="status" aria-live="polite">
            {shown.length === rows.length ? `${rows.length} patient${rows.length === 1 ? '' : 's'}` : `${shown.length} of ${rows.length} patients match`}
            {cursor ? ' loaded (more available)' : ''}
          </p>
          <table class="patients">
            <thead>
              <tr>
                <th scope="col" aria-sort={sort === 'name' ? 'ascending' : 'none'}>
                  <button type="button" class="th-sort" onClick={() => setSort('name')}>
                    Patient
                  </button>
                </th>
                <th scope="col" aria-sort={sort === 'lastSync' ? 'descending' : 'none'}>
                  <button type="button" class="th-sort" onClick={() => setSort('lastSync')}>
                    Last sync
                  </button>
                </th>
                <th scope="col" aria-sort={sort === 'attention' ? 'descending' : 'none'}>
                  <button type="button" class="th-sort" onClick={() => setSort('attention')}>
                    Flags
                  </button>
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.map((p) => (
                <tr key={p.patientId} data-patient-id={p.patientId}>
                  <td>
                    <a class="patient-link" href={href({ page: 'patient', id: p.patientId, days: 30 })}>
                      {p.displayName || p.email || p.patientId}
                    </a>
                    {p.displayName && <div class="muted small">{p.email}</div>}
                  </td>
                  <td title={dateTime(p.flags.lastSyncAt)}>{ago(p.flags.lastSyncAt)}</td>
                  <td>
                    <Flags p={p} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {shown.length === 0 && <p class="state state-empty">No patient matches “{query}”.</p>}
          {cursor && (
            <button type="button" class="btn" onClick={loadMore} disabled={state === 'more'}>
              {state === 'more' ? 'Loading…' : 'Load more patients'}
            </button>
          )}
        </>
      )}
    </main>
  );
}
