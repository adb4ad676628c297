// A patient's COPD overview for 7/30/90/365 days: latest values, charts, and
// the exports (CSV, FHIR).
import { useEffect, useState } from 'preact/hooks';
import type { Api, PatientRow } from '../api';
import { describeError } from '../api';
import { ExerciseChart, OxygenChart, RescueChart, WaterChart, WeightChart } from '../charts';
import { fetchExport, saveFile, type ExportFormat } from '../export';
import { ago, dateTime, longDate, num, plural, signed } from '../format';
import { knownPatient, rememberPatients } from '../patients';
import { RANGES, href } from '../router';
import type { Overview } from '../types';
import { ErrorPanel, Loading, useTitle } from '../ui';
import { Flags } from './Patients';

function Stat({ label, value, sub, tone }: { label: string; value: string; sub?: string; tone?: 'alert' | 'ok' }) {
  return (
    <div class={`stat ${tone ? 'stat-' + tone : ''}`}>
      <dt>{label}</dt>
      <dd>
        <span class="stat-value">{value}</span>
        {sub && <span class="stat-sub">{sub}</span>}
      </dd>
    </div>
  );
}

function Latest({ o }: { o: Overview }) {
  const w = o.weight;
  const ox = o.oxygen;
  const ex = o.medications.exacerbation;
  return (
    <dl class="stats" aria-label="Latest values">
      <Stat label="Last sync" value={ago(o.lastSyncAt)} sub={dateTime(o.lastSyncAt)} />
      <Stat
        label="Weight"
        value={w.latest ? `${num(w.latest.value, 1)} ${w.latest.unit}` : '—'}
        sub={[w.latest ? longDate(w.latest.date) : 'no reading', w.changeKg !== null ? `${signed(w.changeKg, 1, 'kg')} in period` : ''].filter(Boolean).join(' · ')}
      />
      <Stat label="Goal weight" value={w.goal ? `${num(w.goal.value, 1)} ${w.goal.unit}` : '—'} sub={w.toGoalKg !== null ? `${signed(w.toGoalKg, 1, 'kg')} to goal` : 'no goal set'} />
      <Stat
        label="SpO₂ latest"
        value={ox.latest ? `${num(ox.latest.spo2Percent, 0)}%` : '—'}
        sub={`mean ${num(ox.meanPercent, 1, '%')} · lowest ${num(ox.minPercent, 0, '%')}`}
        tone={ox.latest && ox.latest.spo2Percent < ox.thresholdPercent ? 'alert' : undefined}
      />
      <Stat label={`Readings below ${ox.thresholdPercent}%`} value={String(ox.belowThresholdCount)} sub={`of ${ox.readingCount} readings`} tone={ox.belowThresholdCount > 0 ? 'alert' : undefined} />
      <Stat label="Exacerbation medication" value={plural(ex.doses, 'dose')} sub={`on ${plural(ex.daysWithUse, 'day')}`} tone={ex.doses > 0 ? 'alert' : undefined} />
      <Stat label="Exercise" value={`${num(o.exercise.totalMinutes, 0)} min`} sub={plural(o.exercise.weeks.length, 'week')} />
      <Stat label="Water" value={`${num(o.water.meanMlPerDay, 0)} ml/day`} sub={`${plural(o.water.daysWithEntry, 'day')} logged`} />
      <Stat label="Food entries" value={String(o.food.entries)} sub={`${num(o.food.meanEntriesPerDay, 1)} per day`} />
    </dl>
  );
}

function Medications({ o }: { o: Overview }) {
  const daily = o.medications.daily;
  const rescue = o.medications.exacerbation.medications;
  return (
    <div class="meds">
      <div>
        <h3>Daily medications</h3>
        {daily.length === 0 ? (
          <p class="muted">None logged in this period.</p>
        ) : (
          <ul>
            {daily.map((m) => (
              <li key={m.name}>
                <strong>{m.name}</strong>: {plural(m.doses, 'dose')} on {m.daysTaken} of {o.window.days} days
              </li>
            ))}
          </ul>
        )}
      </div>
      <div>
        <h3>Exacerbation (rescue) medications</h3>
        {rescue.length === 0 ? (
          <p class="muted">None logged in this period.</p>
        ) : (
          <ul>
            {rescue.map((m) => (
              <li key={m.name}>
                <strong>{m.name}</strong>: {plural(m.doses, 'dose')} on {plural(m.daysTaken, 'day')}
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}

function Exports({ api, patientId, name }: { api: Api; patientId: string; name: string }) {
  const [busy, setBusy] = useState<ExportFormat | null>(null);
  const [msg, setMsg] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const run = async (format: ExportFormat) => {
    setBusy(format);
    setMsg(null);
    try {
      const out = await fetchExport(api, patientId, format);
      const stamp = new Date().toISOString().slice(0, 10);
      const file = `copdfuel-${(name || patientId).replace(/[^A-Za-z0-9._-]+/g, '-')}-${stamp}.${format === 'csv' ? 'csv' : 'fhir.json'}`;
      saveFile(file, out.body, out.type);
      setMsg({ kind: 'ok', text: `Downloaded ${file}.` });
    } catch (e) {
      const d = describeError(e, 'the export');
      setMsg({ kind: 'error', text: `${d.title}. ${d.detail}` });
    } finally {
      setBusy(null);
    }
  };
  return (
    <div class="exports">
      <button type="button" class="btn" onClick={() => run('csv')} disabled={busy !== null} data-export="csv">
        {busy === 'csv' ? 'Exporting…' : 'Export CSV'}
      </button>
      <button type="button" class="btn" onClick={() => run('fhir')} disabled={busy !== null} data-export="fhir">
        {busy === 'fhir' ? 'Exporting…' : 'Export FHIR'}
      </button>
      <span role="status" aria-live="polite" class={msg?.kind === 'error' ? 'export-msg error-text' : 'export-msg muted small'}>
        {msg?.text}
      </span>
    </div>
  );
}

export function PatientPage({ api, id, days }: { api: Api; id: string; days: number }) {
  const [patient, setPatient] = useState<PatientRow | undefined>(() => knownPatient(id));
  const [overview, setOverview] = useState<Overview | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  const name = patient?.displayName || patient?.email || 'Patient';
  useTitle(name);

  useEffect(() => {
    if (patient) return;
    // Opened directly (a reload): find the name in the list (best effort).
    api.patients().then(
      (p) => {
        rememberPatients(p.patients);
        setPatient(p.patients.find((x) => x.patientId === id));
      },
      () => undefined,
    );
  }, [api, id]);

  useEffect(() => {
    let live = true;
    setOverview(null);
    setError(null);
    api.overview(id, days).then(
      (o) => live && setOverview(o),
      (e) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [api, id, days, attempt]);

  return (
    <main id="main" tabIndex={-1} class="page">
      <nav aria-label="Breadcrumb" class="crumbs">
        <a href={href({ page: 'patients' })}>← Patients</a>
      </nav>
      <div class="page-head">
        <div>
          <h1>{name}</h1>
          {patient?.displayName && <p class="muted">{patient.email}</p>}
          {patient && <Flags p={patient} />}
        </div>
        <Exports api={api} patientId={id} name={name} />
      </div>
      <div class="range" role="group" aria-label="Period">
        {RANGES.map((d) => (
          <a key={d} class={`range-btn ${d === days ? 'active' : ''}`} aria-current={d === days ? 'page' : undefined} href={href({ page: 'patient', id, days: d })}>
            {d === 365 ? '1 year' : `${d} days`}
          </a>
        ))}
      </div>
      {!overview && !error && <Loading what="the overview" />}
      {error !== null && <ErrorPanel error={error} what="the overview" onRetry={() => setAttempt((n) => n + 1)} />}
      {overview && (
        <div data-overview-days={overview.window.days}>
          <p class="muted small">
            {longDate(overview.window.from)} – {longDate(overview.window.to)} ({overview.window.days} days, the patient's local dates)
          </p>
          <section aria-labelledby="latest-h">
            <h2 id="latest-h">Latest values</h2>
            <Latest o={overview} />
          </section>
          <div class="charts">
            <section class="card" aria-labelledby="c-weight">
              <h2 id="c-weight">Weight and goal</h2>
              <WeightChart o={overview} />
            </section>
            <section class="card" aria-labelledby="c-oxygen">
              <h2 id="c-oxygen">Oxygen saturation (SpO₂)</h2>
              <OxygenChart o={overview} />
            </section>
            <section class="card" aria-labelledby="c-exercise">
              <h2 id="c-exercise">Exercise minutes per week</h2>
              <ExerciseChart o={overview} />
              <p class="muted small">* partial week (not all its days are in the period)</p>
            </section>
            <section class="card" aria-labelledby="c-rescue">
              <h2 id="c-rescue">Exacerbation-medication use</h2>
              <RescueChart o={overview} />
            </section>
            <section class="card" aria-labelledby="c-water">
              <h2 id="c-water">Water per day</h2>
              <WaterChart o={overview} />
            </section>
            <section class="card" aria-labelledby="c-meds">
              <h2 id="c-meds">Medications</h2>
              <Medications o={overview} />
            </section>
          </div>
        </div>
      )}
    </main>
  );
}
