// Charts of the overview (Chart.js, only the parts used are registered so the
// bundle stays small). Each chart is a canvas with a text summary for screen
// readers; the same numbers are in the "latest values" cards.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';
import type { Overview } from './types';
import { shortDate } from './format';

Chart.register(LineController, BarController, LineElement, BarElement, PointElement, CategoryScale, LinearScale, Tooltip, Legend, Filler);
Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
Chart.defaults.color = '#3b4351';

const C = { blue: '#1d5fbf', teal: '#0f766e', red: '#b42318', amber: '#b54708', grey: '#667085', water: '#0369a1' };

function ChartCanvas({ config, label, id }: { config: ChartConfiguration; label: string; id: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!ref.current) return;
    const chart = new Chart(ref.current, config);
    return () => chart.destroy();
  }, [config]);
  return (
    <div class="chart-box">
      <canvas ref={ref} role="img" aria-label={label} data-chart={id} />
    </div>
  );
}

const baseOptions = {
  animation: false as const,
  responsive: true,
  maintainAspectRatio: false,
  interaction: { mode: 'index' as const, intersect: false },
  plugins: { legend: { position: 'bottom' as const, labels: { boxWidth: 14 } } },
  scales: { x: { ticks: { maxTicksLimit: 8, maxRotation: 0 }, grid: { display: false } } },
};

export function WeightChart({ o }: { o: Overview }) {
  const labels = o.daily.map((d) => shortDate(d.date));
  const goal = o.weight.goal?.weightKg ?? null;
  const values = o.daily.map((d) => d.weightKg).filter((v): v is number => v !== null);
  const all = goal !== null ? [...values, goal] : values;
  const min = all.length ? Math.floor(Math.min(...all) - 1) : undefined;
  const max = all.length ? Math.ceil(Math.max(...all) + 1) : undefined;
  const config: ChartConfiguration = {
    type: 'line',
    data: {
      labels,
      datasets: [
        { label: 'Weight (kg)', data: o.daily.map((d) => d.weightKg), borderColor: C.blue, backgroundColor: C.blue, spanGaps: true, pointRadius: 2, borderWidth: 2 },
        ...(goal !== null
          ? [{ label: `Goal ${goal} kg`, data: o.daily.map(() => goal), borderColor: C.teal, borderDash: [6, 4], pointRadius: 0, borderWidth: 2 }]
          : []),
      ],
    },
    options: { ...baseOptions, scales: { ...baseOptions.scales, y: { min, max, title: { display: true, text: 'kg' } } } },
  };
  const label = `Weight over ${o.window.days} days: ${values.length} readings` + (goal !== null ? `, goal ${goal} kg` : ', no goal set');
  return <ChartCanvas id="weight" config={config} label={label} />;
}

export function OxygenChart({ o }: { o: Overview }) {
  const th = o.oxygen.thresholdPercent;
  const config: ChartConfiguration = {
    type: 'line',
    data: {
      labels: o.daily.map((d) => shortDate(d.date)),
      datasets: [
        { label: 'Daily mean SpO₂ (%)', data: o.daily.map((d) => d.spo2MeanPercent), borderColor: C.blue, backgroundColor: C.blue, spanGaps: true, pointRadius: 2, borderWidth: 2 },
        { label: 'Daily lowest SpO₂ (%)', data: o.daily.map((d) => d.spo2MinPercent), borderColor: C.amber, backgroundColor: C.amber, showLine: false, pointRadius: 3, pointStyle: 'triangle' },
        { label: `Threshold ${th}%`, data: o.daily.map(() => th), borderColor: C.red, borderDash: [6, 4], pointRadius: 0, borderWidth: 2 },
      ],
    },
    options: { ...baseOptions, scales: { ...baseOptions.scales, y: { suggestedMin: Math.min(84, th - 2), suggestedMax: 100, max: 100, title: { display: true, text: '%' } } } },
  };
  const label = `Oxygen saturation over ${o.window.days} days: ${o.oxygen.readingCount} readings, ${o.oxygen.belowThresholdCount} below ${th}%`;
  return <ChartCanvas id="oxygen" config={config} label={label} />;
}

export function ExerciseChart({ o }: { o: Overview }) {
  const config: ChartConfiguration = {
    type: 'bar',
    data: {
      labels: o.exercise.weeks.map((w) => `${shortDate(w.weekStart)}${w.daysInWindow < 7 ? ' *' : ''}`),
      datasets: [{ label: 'Exercise minutes per week', data: o.exercise.weeks.map((w) => w.minutes), backgroundColor: C.teal, borderRadius: 3 }],
    },
    options: {
      ...baseOptions,
      plugins: { ...baseOptions.plugins, legend: { display: false } },
      scales: { ...baseOptions.scales, y: { beginAtZero: true, title: { display: true, text: 'minutes' } } },
    },
  };
  const label = `Exercise: ${o.exercise.totalMinutes} minutes over ${o.exercise.weeks.length} weeks`;
  return <ChartCanvas id="exercise" config={config} label={label} />;
}

export function RescueChart({ o }: { o: Overview }) {
  const config: ChartConfiguration = {
    type: 'bar',
    data: {
      labels: o.daily.map((d) => shortDate(d.date)),
      datasets: [{ label: 'Exacerbation-medication doses', data: o.daily.map((d) => d.rescueMedicationDoses || null), backgroundColor: C.red, barThickness: 6 }],
    },
    options: {
      ...baseOptions,
      plugins: { ...baseOptions.plugins, legend: { display: false } },
      scales: { ...baseOptions.scales, y: { beginAtZero: true, suggestedMax: 3, ticks: { stepSize: 1 }, title: { display: true, text: 'doses' } } },
    },
  };
  const dates = o.medications.exacerbation.dates;
  const label = dates.length ? `Exacerbation medication on ${dates.length} days: ${dates.join(', ')}` : 'No exacerbation medication in this period';
  return <ChartCanvas id="rescue" config={config} label={label} />;
}

export function WaterChart({ o }: { o: Overview }) {
  const config: ChartConfiguration = {
    type: 'bar',
    data: {
      labels: o.daily.map((d) => shortDate(d.date)),
      datasets: [{ label: 'Water (ml per day)', data: o.daily.map((d) => d.waterMl), backgroundColor: C.water }],
    },
    options: {
      ...baseOptions,
      plugins: { ...baseOptions.plugins, legend: { display: false } },
      scales: { ...baseOptions.scales, y: { beginAtZero: true, title: { display: true, text: 'ml' } } },
    },
  };
  return <ChartCanvas id="water" config={config} label={`Water: mean ${Math.round(o.water.meanMlPerDay)} ml per day`} />;
}
