// Names of patients seen in the list, so the patient page can show who it is
// about (the overview itself carries no identity). Memory only.
import type { PatientRow } from './api';

const known = new Map<string, PatientRow>();

export function rememberPatients(rows: PatientRow[]) {
  for (const r of rows) known.set(r.patientId, r);
}

export function knownPatient(id: string): PatientRow | undefined {
  return known.get(id);
}

export function forgetPatients() {
  known.clear();
}
