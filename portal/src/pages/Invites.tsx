// Invites: create a code for a patient to type in the app (shown large and
// copyable with its expiry) and list the open ones.
import { useEffect, useState } from 'preact/hooks';
import type { Api, Invite, InviteCreated } from '../api';
import { describeError } from '../api';
import { dateTime } from '../format';
import { Empty, ErrorPanel, Loading, useTitle } from '../ui';

export function Invites({ api }: { api: Api }) {
  useTitle('Invite a patient');
  const [created, setCreated] = useState<InviteCreated | null>(null);
  const [createError, setCreateError] = useState('');
  const [creating, setCreating] = useState(false);
  const [copied, setCopied] = useState(false);
  const [list, setList] = useState<Invite[] | null>(null);
  const [listError, setListError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let live = true;
    setList(null);
    setListError(null);
    api.invites().then(
      (l) => live && setList(l),
      (e) => live && setListError(e),
    );
    return () => {
      live = false;
    };
  }, [api, attempt]);

  const create = async () => {
    setCreating(true);
    setCreateError('');
    setCopied(false);
    try {
      const inv = await api.createInvite();
      setCreated(inv);
      setAttempt((n) => n + 1);
    } catch (e) {
      const d = describeError(e, 'invites');
      const conflict = (e as { code?: string }).code;
      setCreateError(
        conflict === 'too_many_open_invites'
          ? 'You have too many open invites. Wait until one is used or expires.'
          : conflict === 'doctor_without_practice'
            ? 'Your account is not attached to a practice yet. Contact your practice administrator.'
            : `Could not create an invite. ${d.detail}`,
      );
    } finally {
      setCreating(false);
    }
  };

  const copy = async () => {
    if (!created) return;
    try {
      await navigator.clipboard.writeText(created.code);
      setCopied(true);
    } catch {
      // Clipboard refused (e.g. not a secure context): select the code instead.
      const el = document.getElementById('invite-code');
      if (el) window.getSelection()?.selectAllChildren(el);
    }
  };

  return (
    <main id="main" tabIndex={-1} class="page">
      <div class="page-head">
        <h1>Invite a patient</h1>
      </div>
      <section class="card invite-card" aria-labelledby="new-invite-h">
        <h2 id="new-invite-h">New invite code</h2>
        <p>Give the patient this code. They enter it in the COPD Fuel app, see your practice's name and agree to share their data with you. Each code works once.</p>
        <button type="button" class="btn btn-primary" onClick={create} disabled={creating}>
          {creating ? 'Creating…' : created ? 'Create another code' : 'Create invite code'}
        </button>
        {createError && (
          <p class="notice notice-error" role="alert">
            {createError}
          </p>
        )}
        {created && (
          <div class="invite-result" role="status" aria-live="polite">
            <p class="muted small">Invite code for {created.practiceName}</p>
            <p id="invite-code" class="invite-code" data-invite-code={created.code}>
              {created.code}
            </p>
            <p>
              Expires <strong>{dateTime(created.expiresAt)}</strong>
            </p>
            <button type="button" class="btn" onClick={copy}>
              {copied ? 'Copied ✓' : 'Copy code'}
            </button>
          </div>
        )}
      </section>
      <section aria-labelledby="open-h">
        <h2 id="open-h">Open invites</h2>
        {list === null && !listError && <Loading what="open invites" />}
        {listError !== null && <ErrorPanel error={listError} what="open invites" onRetry={() => setAttempt((n) => n + 1)} />}
        {list && list.length === 0 && (
          <Empty title="No open invites">
            <p>Codes that were used or have expired are not listed.</p>
          </Empty>
        )}
        {list && list.length > 0 && (
          <table class="invites">
            <thead>
              <tr>
                <th scope="col">Code</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
              </tr>
            </thead>
            <tbody>
              {list.map((i) => (
                <tr key={i.code} data-invite={i.code}>
                  <td>
                    <code class="code-cell">{i.code}</code>
                  </td>
                  <td>{dateTime(i.createdAt)}</td>
                  <td>{dateTime(i.expiresAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </main>
  );
}
