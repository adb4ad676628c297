// The signed-in doctor's session: tokens in sessionStorage (gone when the tab
// closes, never in localStorage), refresh before expiry, and the idle
// sign-out (HIPAA automatic log-off).
import { CognitoClient, jwtClaims, type Tokens } from './cognito';

const PREFIX = 'copdfuel.';
const KEY = PREFIX + 'session';
const ACTIVITY_KEY = PREFIX + 'lastActivity';

export interface Session extends Tokens {
  email: string;
  /** When the ID token expires (ms since epoch). */
  expiresAt: number;
}

/** Why the doctor is signed out: shown on the sign-in page. */
export type SignOutReason = 'user' | 'idle' | 'expired';

type Listener = (s: Session | null, reason?: SignOutReason) => void;

export function sessionFromTokens(t: Tokens, fallbackEmail = ''): Session {
  const c = jwtClaims(t.idToken);
  const exp = typeof c.exp === 'number' ? c.exp * 1000 : Date.now() + 5 * 60_000;
  const email = typeof c.email === 'string' ? c.email : fallbackEmail;
  return { ...t, email, expiresAt: exp };
}

export class SessionStore {
  private current: Session | null = null;
  private listeners = new Set<Listener>();
  private refreshing: Promise<Session | null> | null = null;
  private idleTimer: number | undefined;

  constructor(
    private readonly cognito: CognitoClient,
    private readonly idleMs: number,
    private readonly storage: Storage = window.sessionStorage,
  ) {
    try {
      const raw = this.storage.getItem(KEY);
      if (raw) this.current = JSON.parse(raw) as Session;
    } catch {
      this.current = null;
    }
    if (this.current && this.idleExpired()) this.clear('idle');
  }

  get session(): Session | null {
    return this.current;
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private emit(reason?: SignOutReason) {
    for (const l of this.listeners) l(this.current, reason);
  }

  /** start stores a new session (after sign-in and, if needed, TOTP). */
  start(s: Session) {
    this.current = s;
    this.storage.setItem(KEY, JSON.stringify(s));
    this.touch();
    this.emit();
  }

  /** idToken returns a valid ID token, refreshing it first when it is about to expire. */
  async idToken(): Promise<string | null> {
    const s = this.current;
    if (!s) return null;
    if (s.expiresAt - Date.now() > 60_000) return s.idToken;
    const r = await this.refresh();
    return r?.idToken ?? null;
  }

  /** refresh gets new tokens with the refresh token; on failure the session has expired. */
  refresh(): Promise<Session | null> {
    if (this.refreshing) return this.refreshing;
    const s = this.current;
    if (!s) return Promise.resolve(null);
    this.refreshing = (async () => {
      try {
        const t = await this.cognito.refresh(s.refreshToken);
        if (this.current !== s) return this.current; // signed out meanwhile
        const next = sessionFromTokens({ ...t, refreshToken: t.refreshToken || s.refreshToken }, s.email);
        this.current = next;
        this.storage.setItem(KEY, JSON.stringify(next));
        return next;
      } catch {
        if (this.current === s) this.clear('expired');
        return null;
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  /** expire ends the session because the API no longer accepts it. */
  expire() {
    if (this.current) this.clear('expired');
  }

  /** signOut clears every token and revokes the refresh token (best effort). */
  signOut(reason: SignOutReason = 'user') {
    const s = this.current;
    this.clear(reason);
    if (s?.refreshToken) void this.cognito.revoke(s.refreshToken).catch(() => undefined);
  }

  private clear(reason: SignOutReason) {
    this.current = null;
    for (const st of [this.storage, window.localStorage]) {
      try {
        for (let i = st.length - 1; i >= 0; i--) {
          const k = st.key(i);
          if (k?.startsWith(PREFIX)) st.removeItem(k);
        }
      } catch {
        /* storage unavailable */
      }
    }
    this.emit(reason);
  }

  // Idle sign-out. Activity is any input in the tab; the last one is kept in
  // sessionStorage so a reload does not reset the clock.

  /** touch records activity now. */
  touch() {
    if (this.current) this.storage.setItem(ACTIVITY_KEY, String(Date.now()));
  }

  lastActivity(): number {
    return Number(this.storage.getItem(ACTIVITY_KEY)) || Date.now();
  }

  /** idleRemainingMs is the time left before the idle sign-out. */
  idleRemainingMs(): number {
    return this.lastActivity() + this.idleMs - Date.now();
  }

  private idleExpired(): boolean {
    return this.storage.getItem(ACTIVITY_KEY) !== null && this.idleRemainingMs() <= 0;
  }

  /** watchIdle listens for activity and signs out after idleMs without any. */
  watchIdle(onTick: (remainingMs: number) => void): () => void {
    let last = 0;
    const activity = () => {
      const now = Date.now();
      if (now - last > 1000) {
        last = now;
        this.touch();
      }
    };
    const events = ['pointerdown', 'keydown', 'wheel', 'touchstart', 'mousemove', 'scroll'];
    for (const e of events) window.addEventListener(e, activity, { passive: true, capture: true });
    const check = () => {
      if (!this.current) return;
      const left = this.idleRemainingMs();
      if (left <= 0) this.signOut('idle');
      else onTick(left);
    };
    this.idleTimer = window.setInterval(check, 1000);
    document.addEventListener('visibilitychange', check);
    return () => {
      for (const e of events) window.removeEventListener(e, activity, { capture: true });
      window.clearInterval(this.idleTimer);
      document.removeEventListener('visibilitychange', check);
    };
  }
}
