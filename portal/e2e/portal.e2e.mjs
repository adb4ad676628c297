// Browser checks of the doctor portal, run by scripts/portale2e against a
// seeded local stack: node portal.e2e.mjs <params.json>. Drives Debian's
// Chromium through playwright-core; every wait has a timeout, and a watchdog
// ends the run (and Chromium) if anything still hangs.
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { totp } from './totp.mjs';

const P = JSON.parse(readFileSync(process.argv[2], 'utf8'));
mkdirSync(P.artifacts, { recursive: true });

let browser;
const watchdog = setTimeout(async () => {
  console.error('FAIL watchdog: the run took longer than 90 s');
  try {
    await browser?.close();
  } finally {
    process.exit(3);
  }
}, 90_000);

let step = 0;
const t0 = Date.now();
function ok(msg) {
  console.log(`ok   ${String(Date.now() - t0).padStart(6)} ms  ${msg}`);
}
function check(cond, msg) {
  if (!cond) throw new Error(msg);
  ok(msg);
}
async function shot(page, name, fullPage = true) {
  const file = join(P.artifacts, `${String(++step).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage });
  ok(`screenshot ${file}`);
}

/** canvasInk counts the non-transparent pixels of a canvas. */
async function canvasInk(page, id) {
  return page.locator(`canvas[data-chart="${id}"]`).evaluate((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
    return n;
  });
}

async function storageDump(page) {
  return page.evaluate(() => {
    const all = {};
    for (const st of [sessionStorage, localStorage]) for (let i = 0; i < st.length; i++) all[st.key(i)] = st.getItem(st.key(i));
    return all;
  });
}

async function signIn(page) {
  await page.goto(P.portalUrl);
  await page.getByLabel('Email').fill(P.doctor.email);
  await page.getByLabel('Password').fill(P.doctor.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('Authenticator code').waitFor();
}

async function answerTotp(page) {
  await page.getByLabel('Authenticator code').fill(totp(P.doctor.totpSecret));
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

async function main() {
  browser = await chromium.launch({
    executablePath: P.chromium,
    headless: true,
    timeout: 20_000,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
  // A landscape tablet: the portal's smallest supported layout with a table.
  const ctx = await browser.newContext({ viewport: { width: 1024, height: 768 }, acceptDownloads: true, locale: 'en-GB', timezoneId: 'UTC' });
  ctx.setDefaultTimeout(P.timeoutMs);
  ctx.setDefaultNavigationTimeout(P.timeoutMs);
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));

  // Sign-in with TOTP.
  await page.goto(P.portalUrl);
  await page.getByRole('heading', { name: 'Doctor portal' }).waitFor();
  await page.getByLabel('Email').fill(P.doctor.email);
  await page.getByLabel('Password').fill(P.doctor.password);
  await shot(page, 'sign-in');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('Authenticator code').waitFor();
  await page.getByLabel('Authenticator code').fill(totp(P.doctor.totpSecret));
  await shot(page, 'totp');
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  ok('signed in with password and TOTP');
  const stored = await storageDump(page);
  check(Object.keys(await page.evaluate(() => Object.keys(localStorage))).length === 0, 'nothing in localStorage');
  check(Object.keys(stored).some((k) => k === 'copdfuel.session'), 'session kept in sessionStorage');

  // The patient list.
  await page.getByRole('heading', { name: 'Patients' }).waitFor();
  if (P.available.patients) {
    const demoRow = page.locator(`tr[data-patient-id="${P.demoPatient.id}"]`);
    await demoRow.waitFor();
    check(await page.locator(`tr[data-patient-id="${P.revoking.id}"]`).count() === 1, 'the linked patient who will revoke is listed');
    check(await page.locator(`tr[data-patient-id="${P.unlinked.id}"]`).count() === 0, 'the unlinked patient is not listed');
    check(!(await page.content()).includes(P.unlinked.email), "the unlinked patient's email is nowhere on the page");
    await shot(page, 'patients');
    await page.getByLabel('Search by name or email').fill('revoking');
    check((await page.locator('tbody tr').count()) === 1 && (await page.locator(`tr[data-patient-id="${P.revoking.id}"]`).count()) === 1, 'search by email narrows the list');
    await page.getByLabel('Search by name or email').fill('');
    await page.getByLabel('Sort by').selectOption('name');
    ok('sorted by name');
  } else {
    await page.locator('[data-state="error"]').waitFor();
    check(await page.locator('[data-state="error"]').count() === 1, 'GET /patients not available: the list shows an error state, no crash');
    await shot(page, 'patients-unavailable');
  }

  // The overview of the demo patient.
  if (P.available.patients) {
    await page.locator(`tr[data-patient-id="${P.demoPatient.id}"] a`).click();
  } else {
    await page.goto(`${P.portalUrl}#/patients/${P.demoPatient.id}?days=30`);
  }
  if (P.available.overview) {
    await page.locator('[data-overview-days="30"]').waitFor();
    for (const id of ['weight', 'oxygen', 'exercise', 'rescue', 'water']) {
      const ink = await canvasInk(page, id);
      check(ink > 500, `chart ${id} is drawn (${ink} pixels)`);
    }
    await shot(page, 'overview-30');
    await page.getByRole('link', { name: '90 days' }).click();
    await page.locator('[data-overview-days="90"]').waitFor();
    check((await canvasInk(page, 'oxygen')) > 500, '90-day overview drawn');
    await shot(page, 'overview-90');
  } else {
    await page.locator('[data-state="error"]').waitFor();
    check(await page.locator('[data-state="error"]').count() === 1, 'overview not available: the page shows an error state, no crash');
    await shot(page, 'overview-unavailable');
  }

  // Exports. Both follow every page (the seed holds more records than one
  // page), so the CSV's data rows and the Bundle's entries must agree.
  const exported = {};
  for (const format of ['csv', 'fhir']) {
    const button = page.locator(`button[data-export="${format}"]`);
    if (P.available.export) {
      const [dl] = await Promise.all([page.waitForEvent('download'), button.click()]);
      const file = join(P.artifacts, dl.suggestedFilename());
      await dl.saveAs(file);
      const body = readFileSync(file, 'utf8');
      if (format === 'csv') {
        exported.csv = body.split('\n').filter((l) => l.trim() !== '').length - 1;
        check(exported.csv > 10, `CSV export downloaded (${exported.csv} rows, ${body.length} bytes)`);
      } else {
        exported.fhir = JSON.parse(body).entry.length;
        check(JSON.parse(body).resourceType === 'Bundle' && exported.fhir > 10, `FHIR export downloaded (${exported.fhir} entries, ${body.length} bytes)`);
      }
    } else {
      await button.click();
      await page.locator('.export-msg.error-text').waitFor();
      ok(`export ${format} missing: a clear error message, no crash`);
    }
  }

  if (P.available.export) {
    check(exported.csv === exported.fhir, `CSV rows (${exported.csv}) equal FHIR entries (${exported.fhir}): every page of both exports`);
  }

  // An unlinked patient's page: nothing about them.
  await page.goto(`${P.portalUrl}#/patients/${P.unlinked.id}?days=30`);
  await page.locator('[data-state="error"]').waitFor();
  const unlinkedText = await page.locator('main').innerText();
  check(!unlinkedText.includes(P.unlinked.email) && (await page.locator('canvas').count()) === 0, "an unlinked patient's page shows an error and no data");

  // Invites.
  await page.getByRole('link', { name: 'Invites' }).click();
  await page.getByRole('button', { name: 'Create invite code' }).click();
  const codeEl = page.locator('[data-invite-code]');
  await codeEl.waitFor();
  const code = await codeEl.getAttribute('data-invite-code');
  check(/^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{2}$/.test(code), `invite code ${code} shown`);
  await page.locator(`tr[data-invite="${code}"]`).waitFor();
  ok('the new code is in the open invites list');
  await shot(page, 'invites');

  // A revoked patient disappears on reload.
  const res = await fetch(`${P.apiUrl}/links/${encodeURIComponent(P.doctor.userId)}`, { method: 'DELETE', headers: { Authorization: P.revoking.idToken }, signal: AbortSignal.timeout(10_000) });
  check(res.ok, `the patient revoked the link (HTTP ${res.status})`);
  await page.goto(`${P.portalUrl}#/patients`);
  await page.reload();
  if (P.available.patients) {
    await page.locator(`tr[data-patient-id="${P.demoPatient.id}"]`).waitFor();
    check((await page.locator(`tr[data-patient-id="${P.revoking.id}"]`).count()) === 0, 'the revoked patient is gone after a reload');
  }
  if (P.available.overview) {
    await page.goto(`${P.portalUrl}#/patients/${P.revoking.id}?days=30`);
    await page.locator('[data-state="error"]').waitFor();
    check((await page.locator('canvas').count()) === 0, "the revoked patient's overview is refused");
  }

  // A tablet in portrait.
  await page.setViewportSize({ width: 768, height: 1024 });
  await page.goto(`${P.portalUrl}#/patients/${P.demoPatient.id}?days=7`);
  await page.locator(P.available.overview ? '[data-overview-days="7"]' : '[data-state="error"]').waitFor();
  await shot(page, 'overview-7-tablet-portrait');
  await page.setViewportSize({ width: 1024, height: 768 });

  // Keyboard: the sign-out button is reachable with Tab.
  await page.goto(`${P.portalUrl}#/invites`);
  await page.getByRole('button', { name: 'Create invite code' }).waitFor();
  let reached = false;
  for (let i = 0; i < 12 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => document.activeElement?.textContent?.trim() === 'Sign out');
  }
  check(reached, 'Sign out is reachable with the keyboard');

  // Sign out: every token gone.
  await page.keyboard.press('Enter');
  await page.locator('[data-signout-reason="user"]').waitFor();
  const after = await storageDump(page);
  check(Object.keys(after).length === 0, `sign-out left nothing in storage (${JSON.stringify(Object.keys(after))})`);
  await page.reload();
  await page.getByLabel('Email').waitFor();
  ok('after a reload the portal asks to sign in again');
  await shot(page, 'signed-out');

  // Idle sign-out: the last activity is pushed into the past.
  await signIn(page);
  await answerTotp(page);
  await page.evaluate((mins) => sessionStorage.setItem('copdfuel.lastActivity', String(Date.now() - mins * 60_000)), 24 * 60);
  await page.locator('[data-signout-reason="idle"]').waitFor({ timeout: 5000 });
  check(Object.keys(await storageDump(page)).length === 0, 'idle sign-out cleared the tokens');
  await shot(page, 'idle-signed-out');

  check(errors.length === 0, `no uncaught page errors ${errors.length ? JSON.stringify(errors) : ''}`);
  writeFileSync(join(P.artifacts, 'result.txt'), 'pass\n');
}

try {
  await main();
  ok('all browser checks passed');
} catch (e) {
  console.error(`FAIL ${e?.stack ?? e}`);
  process.exitCode = 1;
} finally {
  clearTimeout(watchdog);
  await browser?.close().catch(() => undefined);
}
