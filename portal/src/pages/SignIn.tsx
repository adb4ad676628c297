// Sign-in: password, then the TOTP code; on the first sign-in, TOTP
// enrolment (the secret as text and as an otpauth URI); a new password when
// an administrator set a temporary one.
import { useEffect, useRef, useState } from 'preact/hooks';
import { CognitoClient, friendlyAuthError, otpauthURI, type AuthStep, type Challenge, type Tokens } from '../cognito';
import type { PortalConfig } from '../config';
import { sessionFromTokens, type Session, type SignOutReason } from '../session';
import { useTitle } from '../ui';

type Step =
  | { kind: 'password' }
  | { kind: 'totp'; challenge: Challenge }
  | { kind: 'newPassword'; challenge: Challenge }
  // Enrolment in the MFA_SETUP challenge (deployed Cognito), or with the
  // tokens of a sign-in that had no second factor (the local stand-in).
  | { kind: 'enrol'; secret: string; by: { session: string; challenge: Challenge } | { tokens: Tokens } };

const reasons: Record<SignOutReason, string> = {
  user: 'You have signed out.',
  idle: 'You were signed out because the portal was not used for a while.',
  expired: 'Your session has expired. Please sign in again.',
};

export function SignIn({ cfg, cognito, reason, onSignedIn }: { cfg: PortalConfig; cognito: CognitoClient; reason?: SignOutReason; onSignedIn: (s: Session) => void }) {
  useTitle('Sign in');
  const [step, setStep] = useState<Step>({ kind: 'password' });
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const focusRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    setCode('');
    focusRef.current?.focus();
  }, [step]);

  async function finish(tokens: Tokens) {
    // The doctor pool requires TOTP; a sign-in without it enrols first.
    if (!(await cognito.hasTotp(tokens.accessToken))) {
      const { secret } = await cognito.associateSoftwareToken({ accessToken: tokens.accessToken });
      setStep({ kind: 'enrol', secret, by: { tokens } });
      return;
    }
    onSignedIn(sessionFromTokens(tokens, email.trim().toLowerCase()));
  }

  async function next(s: AuthStep) {
    if (s.tokens) return finish(s.tokens);
    const ch = s.challenge!;
    switch (ch.name) {
      case 'SOFTWARE_TOKEN_MFA':
        return setStep({ kind: 'totp', challenge: ch });
      case 'NEW_PASSWORD_REQUIRED':
        return setStep({ kind: 'newPassword', challenge: ch });
      case 'MFA_SETUP': {
        const a = await cognito.associateSoftwareToken({ session: ch.session });
        return setStep({ kind: 'enrol', secret: a.secret, by: { session: a.session ?? ch.session, challenge: ch } });
      }
      default:
        throw new Error(`unsupported challenge ${ch.name}`);
    }
  }

  async function run(fn: () => Promise<void>) {
    setBusy(true);
    setError('');
    try {
      await fn();
    } catch (e) {
      setError(e instanceof Error && e.message.startsWith('unsupported challenge') ? `The sign-in service asked for a step the portal does not support (${e.message.slice(22)}).` : friendlyAuthError(e));
    } finally {
      setBusy(false);
    }
  }

  const onPassword = (e: Event) => {
    e.preventDefault();
    // USER_PASSWORD_AUTH locally, USER_SRP_AUTH deployed: the same challenges follow.
    void run(async () => next(await cognito.signIn(cfg.authFlow, email.trim().toLowerCase(), password)));
  };

  const onCode = (e: Event) => {
    e.preventDefault();
    if (step.kind === 'totp') {
      void run(async () => next(await cognito.respond(step.challenge, { SOFTWARE_TOKEN_MFA_CODE: code.trim() })));
    } else if (step.kind === 'enrol') {
      const by = step.by;
      void run(async () => {
        if ('tokens' in by) {
          await cognito.verifySoftwareToken({ accessToken: by.tokens.accessToken }, code.trim());
          await cognito.preferTotp(by.tokens.accessToken);
          onSignedIn(sessionFromTokens(by.tokens, email.trim().toLowerCase()));
        } else {
          const v = await cognito.verifySoftwareToken({ session: by.session }, code.trim());
          await next(await cognito.respond({ ...by.challenge, session: v.session ?? by.session }, {}));
        }
      });
    }
  };

  const onNewPassword = (e: Event) => {
    e.preventDefault();
    if (step.kind !== 'newPassword') return;
    void run(async () => next(await cognito.respond(step.challenge, { NEW_PASSWORD: newPassword })));
  };

  const restart = () => {
    setStep({ kind: 'password' });
    setPassword('');
    setError('');
  };

  return (
    <main id="main" tabIndex={-1} class="signin">
      <div class="signin-card">
        <p class="brand" aria-hidden="true">
          <span class="brand-mark">◐</span> COPD Fuel
        </p>
        <h1>Doctor portal</h1>
        {reason && step.kind === 'password' && (
          <p class={`notice ${reason === 'user' ? 'notice-info' : 'notice-warn'}`} role="status" data-signout-reason={reason}>
            {reasons[reason]}
          </p>
        )}
        {error && (
          <p class="notice notice-error" role="alert">
            {error}
          </p>
        )}

        {step.kind === 'password' && (
          <form onSubmit={onPassword}>
            <label for="email">Email</label>
            <input id="email" ref={focusRef} type="email" autocomplete="username" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
            <label for="password">Password</label>
            <input id="password" type="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
            <button class="btn btn-primary btn-block" type="submit" disabled={busy}>
              {busy ? 'Signing in…' : 'Sign in'}
            </button>
          </form>
        )}

        {step.kind === 'totp' && (
          <form onSubmit={onCode}>
            <p>Enter the 6-digit code from your authenticator app.</p>
            <label for="totp">Authenticator code</label>
            <input id="totp" ref={focusRef} class="code-input" inputMode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxLength={6} required value={code} onInput={(e) => setCode(e.currentTarget.value.replace(/\D/g, ''))} />
            <button class="btn btn-primary btn-block" type="submit" disabled={busy}>
              {busy ? 'Checking…' : 'Verify'}
            </button>
            <button class="btn btn-link" type="button" onClick={restart}>
              Use another account
            </button>
          </form>
        )}

        {step.kind === 'enrol' && (
          <form onSubmit={onCode}>
            <h2>Set up two-step sign-in</h2>
            <p>Your account needs an authenticator app (for example Google Authenticator, Microsoft Authenticator or 1Password). Add this key to it, then enter the 6-digit code it shows.</p>
            <p class="label-like" id="secret-label">
              Setup key
            </p>
            <p class="secret" aria-labelledby="secret-label" data-totp-secret>
              {step.secret.match(/.{1,4}/g)?.join(' ')}
            </p>
            <details>
              <summary>Setup link (otpauth URI)</summary>
              <p class="uri">
                <a href={otpauthURI(step.secret, email.trim().toLowerCase())}>{otpauthURI(step.secret, email.trim().toLowerCase())}</a>
              </p>
            </details>
            <label for="totp">Code from the app</label>
            <input id="totp" ref={focusRef} class="code-input" inputMode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxLength={6} required value={code} onInput={(e) => setCode(e.currentTarget.value.replace(/\D/g, ''))} />
            <button class="btn btn-primary btn-block" type="submit" disabled={busy}>
              {busy ? 'Checking…' : 'Verify and continue'}
            </button>
            <button class="btn btn-link" type="button" onClick={restart}>
              Cancel
            </button>
          </form>
        )}

        {step.kind === 'newPassword' && (
          <form onSubmit={onNewPassword}>
            <p>Your password was set by an administrator. Choose your own password to continue.</p>
            <label for="new-password">New password</label>
            <input id="new-password" ref={focusRef} type="password" autocomplete="new-password" required minLength={12} value={newPassword} onInput={(e) => setNewPassword(e.currentTarget.value)} />
            <button class="btn btn-primary btn-block" type="submit" disabled={busy}>
              {busy ? 'Saving…' : 'Set password'}
            </button>
          </form>
        )}
        <p class="muted small footnote">For clinicians of practices using COPD Fuel. You will be signed out after {cfg.idleMinutes} minutes without activity.</p>
      </div>
    </main>
  );
}
