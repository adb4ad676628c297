// The body of GET /patients/{id}/overview, as pkg/overview/wire.go declares
// it: every field present, a measurement without data null, lists [].

export interface Overview {
  window: { from: string; to: string; days: number };
  lastSyncAt: string | null;
  weight: {
    latest: WeightReading | null;
    changeKg: number | null;
    goal: WeightReading | null;
    toGoalKg: number | null;
    readingCount: number;
  };
  oxygen: {
    latest: { date: string; time?: string; spo2Percent: number } | null;
    meanPercent: number | null;
    minPercent: number | null;
    thresholdPercent: number;
    belowThresholdCount: number;
    readingCount: number;
    daysWithReading: number;
  };
  medications: {
    daily: MedicationUse[];
    exacerbation: { doses: number; daysWithUse: number; dates: string[]; medications: MedicationUse[] };
  };
  exercise: { totalMinutes: number; weeks: ExerciseWeek[] };
  water: { totalMl: number; meanMlPerDay: number; meanMlPerDayWithEntry: number | null; daysWithEntry: number };
  food: { entries: number; meanEntriesPerDay: number; daysWithEntry: number };
  daily: Day[];
}

export interface WeightReading {
  date: string;
  time?: string;
  value: number;
  unit: string;
  weightKg: number;
}

export interface MedicationUse {
  name: string;
  doses: number;
  daysTaken: number;
}

export interface ExerciseWeek {
  week: string;
  weekStart: string;
  minutes: number;
  daysWithExercise: number;
  daysInWindow: number;
}

export interface Day {
  date: string;
  weightKg: number | null;
  spo2MinPercent: number | null;
  spo2MeanPercent: number | null;
  exerciseMinutes: number | null;
  waterMl: number | null;
  foodEntries: number;
  dailyMedicationDoses: number;
  rescueMedicationDoses: number;
}
