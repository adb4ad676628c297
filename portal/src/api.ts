// The API client: the doctor's ID token on every call, one refresh and retry
// on 401, and errors in the API's shape ({"error": {code, message, requestId}})
// turned into ApiError.
import type { SessionStore } from './session';
import type { Overview } from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** The API's stable error code, or network / session_expired / bad_response. */
    readonly code: string,
    message: string,
    readonly requestId = '',
  ) {
    super(message);
  }
  /** notAvailable: the route does not exist on this server yet. */
  get notAvailable(): boolean {
    return this.status === 404 && this.code === 'route_not_found';
  }
}

export class Api {
  constructor(
    private readonly base: string,
    private readonly session: SessionStore,
    private readonly timeoutMs = 30000,
  ) {}

  /** request sends one call; a 401 refreshes the tokens once and retries. */
  async request(path: string, init: RequestInit = {}, retried = false): Promise<Response> {
    const token = await this.session.idToken();
    if (!token) throw new ApiError(401, 'session_expired', 'Your session has ended. Sign in again.');
    const url = /^https?:/.test(path) ? path : this.base + path;
    let res: Response;
    try {
      res = await fetch(url, {
        ...init,
        headers: { ...(init.headers as Record<string, string>), Authorization: token },
        cache: 'no-store',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      const timeout = e instanceof DOMException && e.name === 'TimeoutError';
      // A browser cannot tell an offline network from a refused CORS
      // preflight (which is what a route the API lacks gets), so say both.
      throw new ApiError(
        0,
        'network',
        timeout
          ? 'The server took too long to answer. Try again.'
          : 'The server could not be reached. Check your connection and try again; if it persists, this part of the service may not be available here yet.',
      );
    }
    if (res.status === 401) {
      if (!retried && (await this.session.refresh())) return this.request(path, init, true);
      this.session.expire();
      throw new ApiError(401, 'session_expired', 'Your session has ended. Sign in again.');
    }
    if (!res.ok) throw await errorOf(res);
    return res;
  }

  async json<T>(path: string, init?: RequestInit): Promise<T> {
    const res = await this.request(path, init);
    try {
      return (await res.json()) as T;
    } catch {
      throw new ApiError(res.status, 'bad_response', 'The server sent an answer the portal cannot read.');
    }
  }

  me() {
    return this.json<Me>('/me');
  }

  patients(cursor?: string, limit = 50) {
    const q = new URLSearchParams({ limit: String(limit) });
    if (cursor) q.set('cursor', cursor);
    return this.json<unknown>('/patients?' + q).then(parsePatientPage);
  }

  overview(patientId: string, days: number) {
    return this.json<Overview>(`/patients/${encodeURIComponent(patientId)}/overview?days=${days}`);
  }

  createInvite() {
    return this.json<InviteCreated>('/invite', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
  }

  invites() {
    return this.json<{ invites: Invite[] }>('/invites').then((r) => r.invites ?? []);
  }
}

async function errorOf(res: Response): Promise<ApiError> {
  let code = 'http_' + res.status;
  let message = '';
  let requestId = res.headers.get('X-Amzn-Requestid') ?? '';
  try {
    const b = (await res.json()) as { error?: { code?: string; message?: string; requestId?: string } };
    if (b.error?.code) code = b.error.code;
    message = b.error?.message ?? '';
    requestId = b.error?.requestId || requestId;
  } catch {
    /* not the error shape */
  }
  return new ApiError(res.status, code, message || `The server answered HTTP ${res.status}.`, requestId);
}

/** describeError says what went wrong and what to do, for an error panel. */
export function describeError(e: unknown, what: string): { title: string; detail: string; requestId?: string } {
  if (!(e instanceof ApiError)) return { title: `Could not load ${what}`, detail: 'An unexpected error happened. Reload the page; if it persists, contact support.' };
  if (e.notAvailable) {
    return { title: `${cap(what)} is not available on this server yet`, detail: 'This part of the API has not been deployed here. Try again later or contact support.', requestId: e.requestId };
  }
  switch (e.code) {
    case 'network':
      return { title: `Could not load ${what}`, detail: e.message };
    case 'session_expired':
      return { title: 'Session ended', detail: e.message };
    case 'rate_limited':
    case 'too_many_attempts':
    case 'store_unavailable':
      return { title: 'The server is busy', detail: 'Wait a moment and try again.', requestId: e.requestId };
  }
  if (e.status === 404) return { title: `${cap(what)} not found`, detail: 'It does not exist or you do not have access to it. Go back to your patient list.', requestId: e.requestId };
  if (e.status === 403) return { title: 'Not allowed', detail: 'This account may not do that. Sign in with a doctor account.', requestId: e.requestId };
  if (e.status >= 500) return { title: `Could not load ${what}`, detail: 'The server had a problem. Try again; if it persists, contact support and quote the request id.', requestId: e.requestId };
  return { title: `Could not load ${what}`, detail: e.message, requestId: e.requestId };
}

function cap(s: string) {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export interface Me {
  userId: string;
  email: string;
  role: 'patient' | 'doctor';
  displayName?: string;
  practice?: { practiceId: string; name: string };
}

export interface InviteCreated {
  code: string;
  expiresAt: string;
  practiceName: string;
}

export interface Invite {
  code: string;
  createdAt: string;
  expiresAt: string;
}

/** PatientFlags are GET /patients' per-patient flags (pkg/overview.Flags). */
export interface PatientFlags {
  lastSyncAt: string | null;
  lowOxygen: boolean;
  lowestSpo2Percent: number | null;
  lastLowOxygenDate?: string;
  rescueMedication: boolean;
  lastRescueMedicationDate?: string;
  weightChange: boolean;
  weightChangeKg: number | null;
}

export interface PatientRow {
  patientId: string;
  displayName: string;
  email: string;
  linkedAt?: string;
  flags: PatientFlags;
}

export interface PatientPage {
  patients: PatientRow[];
  nextCursor: string;
}

const noFlags: PatientFlags = { lastSyncAt: null, lowOxygen: false, lowestSpo2Percent: null, rescueMedication: false, weightChange: false, weightChangeKg: null };

/** parsePatientPage reads GET /patients tolerantly: the flags may be nested or flat. */
export function parsePatientPage(raw: unknown): PatientPage {
  const o = (raw ?? {}) as Record<string, unknown>;
  const list = (Array.isArray(o.patients) ? o.patients : Array.isArray(o.items) ? o.items : []) as Record<string, unknown>[];
  const patients = list.map((p) => {
    const f = (typeof p.flags === 'object' && p.flags ? p.flags : p) as Record<string, unknown>;
    return {
      patientId: String(p.patientId ?? p.userId ?? p.id ?? ''),
      displayName: String(p.displayName ?? p.name ?? ''),
      email: String(p.email ?? ''),
      linkedAt: typeof p.linkedAt === 'string' ? p.linkedAt : undefined,
      flags: { ...noFlags, ...(f as Partial<PatientFlags>), lastSyncAt: (f.lastSyncAt ?? p.lastSyncAt ?? null) as string | null },
    };
  });
  return { patients: patients.filter((p) => p.patientId), nextCursor: String(o.nextCursor ?? o.cursor ?? '') };
}
