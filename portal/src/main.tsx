// The doctor portal: loads config.json, then the sign-in page or the app.
import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { Api, type Me } from './api';
import { CognitoClient } from './cognito';
import { loadConfig, type PortalConfig } from './config';
import { Invites } from './pages/Invites';
import { PatientPage } from './pages/Patient';
import { Patients } from './pages/Patients';
import { SignIn } from './pages/SignIn';
import { forgetPatients } from './patients';
import { href, useRoute } from './router';
import { SessionStore, type Session, type SignOutReason } from './session';
import { Empty } from './ui';
import './styles.css';

function IdleWarning({ remainingMs, onStay }: { remainingMs: number; onStay: () => void }) {
  if (remainingMs > 60_000) return null;
  return (
    <div class="idle-warning" role="alertdialog" aria-live="assertive" aria-label="Inactivity warning">
      You will be signed out in {Math.ceil(remainingMs / 1000)} s because the portal has not been used.
      <button type="button" class="btn" onClick={onStay}>
        Stay signed in
      </button>
    </div>
  );
}

function App({ cfg }: { cfg: PortalConfig }) {
  const cognito = useMemo(() => new CognitoClient(cfg.cognitoEndpoint, cfg.clientId, cfg.userPoolId), [cfg]);
  const store = useMemo(() => new SessionStore(cognito, cfg.idleMinutes * 60_000), [cognito, cfg]);
  const api = useMemo(() => new Api(cfg.apiUrl, store), [cfg, store]);
  const [session, setSession] = useState<Session | null>(store.session);
  const [reason, setReason] = useState<SignOutReason | undefined>();
  const [idleLeft, setIdleLeft] = useState(Infinity);
  const [me, setMe] = useState<Me | null>(null);
  const route = useRoute();

  useEffect(
    () =>
      store.subscribe((s, r) => {
        setSession(s);
        if (!s) {
          setReason(r);
          setMe(null);
          forgetPatients();
        }
      }),
    [store],
  );
  useEffect(() => (session ? store.watchIdle(setIdleLeft) : undefined), [store, session]);
  useEffect(() => {
    if (session) api.me().then(setMe, () => setMe(null));
  }, [api, session?.email]);

  if (!session) {
    return <SignIn cfg={cfg} cognito={cognito} reason={reason} onSignedIn={(s) => store.start(s)} />;
  }
  const nav = (page: 'patients' | 'invites', label: string) => {
    const current = route.page === page || (page === 'patients' && route.page === 'patient');
    return (
      <a href={href({ page } as never)} class={current ? 'active' : ''} aria-current={current ? 'page' : undefined}>
        {label}
      </a>
    );
  };
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href={href({ page: 'patients' })}>
          <span class="brand-mark" aria-hidden="true">
            ◐
          </span>{' '}
          COPD Fuel
        </a>
        <nav aria-label="Main">
          {nav('patients', 'Patients')}
          {nav('invites', 'Invites')}
        </nav>
        <div class="who">
          <span class="who-name">
            {me?.displayName || session.email}
            {me?.practice && <span class="muted small"> · {me.practice.name}</span>}
          </span>
          <button type="button" class="btn btn-small" onClick={() => store.signOut('user')}>
            Sign out
          </button>
        </div>
      </header>
      <IdleWarning remainingMs={idleLeft} onStay={() => (store.touch(), setIdleLeft(store.idleRemainingMs()))} />
      {route.page === 'patients' && <Patients api={api} />}
      {route.page === 'patient' && <PatientPage key={route.id} api={api} id={route.id} days={route.days} />}
      {route.page === 'invites' && <Invites api={api} />}
      {route.page === 'notFound' && (
        <main id="main" tabIndex={-1} class="page">
          <Empty title="Page not found">
            <a href={href({ page: 'patients' })}>Go to your patients</a>
          </Empty>
        </main>
      )}
    </>
  );
}

function ConfigProblem({ message }: { message: string }) {
  return (
    <main id="main" tabIndex={-1} class="signin">
      <div class="signin-card state-error" role="alert">
        <h1>The portal is not configured</h1>
        <p>{message}</p>
        <p class="muted small">An administrator must place config.json next to index.html (see the portal section of the README).</p>
      </div>
    </main>
  );
}

const root = document.getElementById('app')!;
// index.html shows "Loading…" until the config arrives; the app replaces it.
const mount = (app: preact.ComponentChild) => {
  root.textContent = '';
  render(app, root);
};
loadConfig().then(
  (cfg) => mount(<App cfg={cfg} />),
  (e: Error) => mount(<ConfigProblem message={e.message} />),
);
