// The portal's USER_SRP_AUTH sign-in (portal/src/cognito.ts) against a fake
// Cognito endpoint. No server here speaks SRP (cognito-local has none), so
// this test implements Cognito's server side of SRP-6a itself, independently
// of the library the portal uses: the RFC 5054 3072-bit group, g = 2,
// k = H(N | g), u = H(A | B), x = H(salt | H(poolName userId ":" password)),
// the session key by HKDF ("Caldera Derived Key", 16 bytes), and the
// PASSWORD_CLAIM_SIGNATURE = HMAC-SHA256(key, poolName | userId |
// SECRET_BLOCK | TIMESTAMP). The portal's code is bundled with Vite into a
// temporary directory and imported here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'vite';

const portalDir = join(dirname(fileURLToPath(import.meta.url)), '..');

// ---- the server side of Cognito's SRP (test only) ----

const N = BigInt(
  '0x' +
    'FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD' +
    'EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED' +
    'EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F' +
    '83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B' +
    'E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510' +
    '15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7' +
    'ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C' +
    'BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF',
);
const g = 2n;

/** padHex is Cognito's big-endian hex with a leading 00 when the top bit is set. */
function padHex(n) {
  let h = n.toString(16);
  if (h.length % 2) h = '0' + h;
  return /^[89a-f]/i.test(h) ? '00' + h : h;
}
const sha256 = (buf) => createHash('sha256').update(buf).digest();
const hexHash = (hex) => sha256(Buffer.from(hex, 'hex')).toString('hex');
const big = (hex) => BigInt('0x' + hex);
function modPow(b, e, m) {
  let r = 1n;
  b %= m;
  for (; e > 0n; e >>= 1n, b = (b * b) % m) if (e & 1n) r = (r * b) % m;
  return r;
}
const k = big(hexHash(padHex(N) + padHex(g)));

function verifierFor(poolName, userId, password, saltHex) {
  const inner = sha256(Buffer.from(`${poolName}${userId}:${password}`, 'utf8')).toString('hex');
  const x = big(hexHash(padHex(big(saltHex)) + inner));
  return modPow(g, x, N);
}

function sessionKey(A, B, b, v) {
  const u = big(hexHash(padHex(A) + padHex(B)));
  assert.notEqual(u, 0n);
  const S = modPow((A * modPow(v, u, N)) % N, b, N);
  const prk = createHmac('sha256', Buffer.from(padHex(u), 'hex')).update(Buffer.from(padHex(S), 'hex')).digest();
  return createHmac('sha256', prk).update(Buffer.concat([Buffer.from('Caldera Derived Key', 'utf8'), Buffer.from([1])])).digest().subarray(0, 16);
}

// ---- the fake Cognito endpoint ----

const POOL_ID = 'eu-west-1_TestPool42';
const POOL_NAME = 'TestPool42';
const CLIENT_ID = 'portal-client';
const TOTP_CODE = '123456';

function fakeJwt(claims) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'none' })}.${b64({ exp: Math.floor(Date.now() / 1000) + 3600, ...claims })}.sig`;
}

class FakeCognito {
  users = new Map(); // lower-case email -> user
  sessions = new Map(); // session -> state
  calls = []; // [op, body]

  addUser(email, password, { mfa = true, temporary = false } = {}) {
    const userId = randomUUID(); // Cognito's USER_ID_FOR_SRP: the sub-like username, not the email
    const salt = randomBytes(16).toString('hex');
    this.users.set(email, { email, userId, salt, v: verifierFor(POOL_NAME, userId, password, salt), mfa, temporary });
  }

  newSession(state) {
    const id = randomBytes(24).toString('base64');
    this.sessions.set(id, state);
    return id;
  }

  tokens(user) {
    return {
      AuthenticationResult: {
        IdToken: fakeJwt({ email: user.email, token_use: 'id' }),
        AccessToken: fakeJwt({ username: user.userId, token_use: 'access' }),
        RefreshToken: 'refresh-' + user.userId,
      },
    };
  }

  /** next issues the challenge after a verified password (or a new password). */
  afterPassword(user) {
    if (user.temporary) {
      return { ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: this.newSession({ user, expect: 'NEW_PASSWORD_REQUIRED' }), ChallengeParameters: { USER_ID_FOR_SRP: user.userId, requiredAttributes: '[]', userAttributes: JSON.stringify({ email: user.email }) } };
    }
    if (!user.mfa) {
      return { ChallengeName: 'MFA_SETUP', Session: this.newSession({ user, expect: 'MFA_SETUP' }), ChallengeParameters: { MFAS_CAN_SETUP: '["SOFTWARE_TOKEN_MFA"]' } };
    }
    return { ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: this.newSession({ user, expect: 'SOFTWARE_TOKEN_MFA' }), ChallengeParameters: { USER_ID_FOR_SRP: user.userId } };
  }

  handle(op, body) {
    this.calls.push([op, body]);
    const fail = (type, message) => ({ status: 400, body: { __type: type, message } });
    if (op !== 'AssociateSoftwareToken' && op !== 'VerifySoftwareToken' && body.ClientId !== CLIENT_ID) return fail('ResourceNotFoundException', 'bad client');
    if (op === 'InitiateAuth') {
      if (body.AuthFlow !== 'USER_SRP_AUTH') return fail('InvalidParameterException', `${body.AuthFlow} is not enabled for the client.`);
      const { USERNAME, SRP_A } = body.AuthParameters ?? {};
      const user = this.users.get(String(USERNAME).toLowerCase());
      if (!user) return fail('NotAuthorizedException', 'Incorrect username or password.');
      const A = big(SRP_A);
      if (A % N === 0n) return fail('InvalidParameterException', 'A mod N is 0');
      const b = big(randomBytes(128).toString('hex'));
      const B = (k * user.v + modPow(g, b, N)) % N;
      const secretBlock = randomBytes(64).toString('base64');
      const session = this.newSession({ user, expect: 'PASSWORD_VERIFIER', key: sessionKey(A, B, b, user.v), secretBlock });
      return {
        status: 200,
        body: {
          ChallengeName: 'PASSWORD_VERIFIER',
          Session: session,
          ChallengeParameters: { SALT: user.salt, SECRET_BLOCK: secretBlock, SRP_B: B.toString(16), USERNAME: user.userId, USER_ID_FOR_SRP: user.userId },
        },
      };
    }
    if (op === 'RespondToAuthChallenge') {
      const st = this.sessions.get(body.Session);
      this.sessions.delete(body.Session);
      if (!st || st.expect !== body.ChallengeName) return fail('NotAuthorizedException', 'Invalid session for the user.');
      const r = body.ChallengeResponses ?? {};
      if (r.USERNAME !== st.user.userId) return fail('NotAuthorizedException', 'Incorrect username or password.');
      switch (body.ChallengeName) {
        case 'PASSWORD_VERIFIER': {
          if (r.PASSWORD_CLAIM_SECRET_BLOCK !== st.secretBlock) return fail('NotAuthorizedException', 'Incorrect username or password.');
          if (!/^[A-Z][a-z]{2} [A-Z][a-z]{2} \d{1,2} \d{2}:\d{2}:\d{2} UTC \d{4}$/.test(r.TIMESTAMP ?? '')) return fail('InvalidParameterException', `bad TIMESTAMP ${r.TIMESTAMP}`);
          if (Math.abs(Date.parse(r.TIMESTAMP.replace(' UTC', '') + ' UTC') - Date.now()) > 5 * 60_000) return fail('NotAuthorizedException', 'TIMESTAMP too far off');
          const want = createHmac('sha256', st.key)
            .update(Buffer.concat([Buffer.from(POOL_NAME), Buffer.from(st.user.userId), Buffer.from(st.secretBlock, 'base64'), Buffer.from(r.TIMESTAMP)]))
            .digest('base64');
          if (r.PASSWORD_CLAIM_SIGNATURE !== want) return fail('NotAuthorizedException', 'Incorrect username or password.');
          return { status: 200, body: this.afterPassword(st.user) };
        }
        case 'NEW_PASSWORD_REQUIRED':
          if (!r.NEW_PASSWORD || r.NEW_PASSWORD.length < 12) return fail('InvalidPasswordException', 'Password does not conform to policy.');
          st.user.temporary = false;
          st.user.salt = randomBytes(16).toString('hex');
          st.user.v = verifierFor(POOL_NAME, st.user.userId, r.NEW_PASSWORD, st.user.salt);
          return { status: 200, body: this.afterPassword(st.user) };
        case 'SOFTWARE_TOKEN_MFA':
          if (r.SOFTWARE_TOKEN_MFA_CODE !== TOTP_CODE) {
            this.sessions.set(body.Session, st); // Cognito lets the user retry within the session
            return fail('CodeMismatchException', 'Invalid code received for user');
          }
          return { status: 200, body: this.tokens(st.user) };
        case 'MFA_SETUP':
          if (!st.verified) return fail('NotAuthorizedException', 'Invalid session for the user.');
          st.user.mfa = true;
          return { status: 200, body: this.tokens(st.user) };
      }
    }
    if (op === 'AssociateSoftwareToken') {
      const st = this.sessions.get(body.Session);
      this.sessions.delete(body.Session);
      if (!st || st.expect !== 'MFA_SETUP') return fail('NotAuthorizedException', 'Invalid session');
      return { status: 200, body: { SecretCode: 'JBSWY3DPEHPK3PXP', Session: this.newSession({ ...st, associated: true }) } };
    }
    if (op === 'VerifySoftwareToken') {
      const st = this.sessions.get(body.Session);
      this.sessions.delete(body.Session);
      if (!st?.associated) return fail('NotAuthorizedException', 'Invalid session');
      if (body.UserCode !== TOTP_CODE) return fail('EnableSoftwareTokenMFAException', 'Code mismatch');
      return { status: 200, body: { Status: 'SUCCESS', Session: this.newSession({ ...st, verified: true }) } };
    }
    return fail('UnknownOperationException', op);
  }
}

// ---- set-up: the fake on a free port, the portal's modules bundled ----

let server;
let endpoint;
let fake;
let outDir;
let mod; // portal/src/cognito.ts
let config; // portal/src/config.ts

before(async () => {
  fake = new FakeCognito();
  server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      const op = String(req.headers['x-amz-target'] ?? '').replace('AWSCognitoIdentityProviderService.', '');
      let out;
      try {
        out = fake.handle(op, JSON.parse(data || '{}'));
      } catch (e) {
        out = { status: 500, body: { __type: 'InternalErrorException', message: String(e) } };
      }
      res.writeHead(out.status, { 'Content-Type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(out.body));
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${server.address().port}/`;

  outDir = mkdtempSync(join(tmpdir(), 'portal-srp-'));
  await build({
    configFile: false,
    root: portalDir,
    logLevel: 'silent',
    build: {
      outDir,
      emptyOutDir: true,
      minify: false,
      target: 'es2022',
      lib: { entry: { cognito: join(portalDir, 'src/cognito.ts'), config: join(portalDir, 'src/config.ts') }, formats: ['es'] },
    },
  });
  mod = await import(pathToFileURL(join(outDir, 'cognito.js')).href);
  config = await import(pathToFileURL(join(outDir, 'config.js')).href);
});

after(async () => {
  await new Promise((r) => server?.close(r));
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

const client = () => new mod.CognitoClient(endpoint, CLIENT_ID, POOL_ID, 10_000);

test('SRP: the right password verifies, then SOFTWARE_TOKEN_MFA, then tokens', async () => {
  fake.addUser('doctor@example.org', 'Correct-Horse-9!');
  const c = client();
  const s1 = await c.signIn('USER_SRP_AUTH', 'doctor@example.org', 'Correct-Horse-9!');
  assert.equal(s1.tokens, undefined);
  assert.equal(s1.challenge.name, 'SOFTWARE_TOKEN_MFA');
  const userId = fake.users.get('doctor@example.org').userId;
  assert.equal(s1.challenge.username, userId, 'later challenges answer as USER_ID_FOR_SRP');
  const [initiate, verifier] = fake.calls.slice(-2);
  assert.equal(initiate[0], 'InitiateAuth');
  assert.equal(initiate[1].AuthFlow, 'USER_SRP_AUTH');
  assert.equal(initiate[1].AuthParameters.PASSWORD, undefined, 'the password is never sent');
  assert.equal(verifier[0], 'RespondToAuthChallenge');
  assert.equal(verifier[1].ChallengeName, 'PASSWORD_VERIFIER');
  assert.ok(!JSON.stringify(fake.calls).includes('Correct-Horse-9!'), 'the password appears in no request');

  await assert.rejects(c.respond(s1.challenge, { SOFTWARE_TOKEN_MFA_CODE: '000000' }), (e) => e.type === 'CodeMismatchException');
  const s2 = await c.respond(s1.challenge, { SOFTWARE_TOKEN_MFA_CODE: TOTP_CODE });
  assert.ok(s2.tokens, 'tokens after the code');
  assert.equal(mod.jwtClaims(s2.tokens.idToken).email, 'doctor@example.org');
  assert.equal(s2.tokens.refreshToken, 'refresh-' + userId);
});

test('SRP: a wrong password fails the signature check', async () => {
  fake.addUser('other@example.org', 'Right-Password-1!');
  const c = client();
  await assert.rejects(c.signIn('USER_SRP_AUTH', 'other@example.org', 'Wrong-Password-1!'), (e) => {
    assert.equal(e.type, 'NotAuthorizedException');
    assert.equal(mod.friendlyAuthError(e), 'Email or password is not correct.');
    return true;
  });
  const [op, body] = fake.calls.at(-1);
  assert.equal(op, 'RespondToAuthChallenge', 'the failure is the verifier, not the user lookup');
  assert.equal(body.ChallengeName, 'PASSWORD_VERIFIER');
  // and the same client still signs in with the right one (a fresh SRP exchange)
  const ok = await c.signIn('USER_SRP_AUTH', 'other@example.org', 'Right-Password-1!');
  assert.equal(ok.challenge?.name, 'SOFTWARE_TOKEN_MFA');
});

test('SRP: an admin-created doctor: NEW_PASSWORD_REQUIRED, then MFA_SETUP enrolment, then tokens', async () => {
  fake.addUser('new@example.org', 'Temporary-Pass-1!', { temporary: true, mfa: false });
  const c = client();
  const s1 = await c.signIn('USER_SRP_AUTH', 'new@example.org', 'Temporary-Pass-1!');
  assert.equal(s1.challenge?.name, 'NEW_PASSWORD_REQUIRED');
  const s2 = await c.respond(s1.challenge, { NEW_PASSWORD: 'My-Own-Password-2!' });
  assert.equal(s2.challenge?.name, 'MFA_SETUP');
  // what SignIn.tsx does for MFA_SETUP
  const a = await c.associateSoftwareToken({ session: s2.challenge.session });
  assert.equal(a.secret, 'JBSWY3DPEHPK3PXP');
  await assert.rejects(c.verifySoftwareToken({ session: a.session }, '999999'), (e) => e.type === 'EnableSoftwareTokenMFAException');
  const a2 = await c.associateSoftwareToken({ session: s2.challenge.session }).catch((e) => e);
  assert.equal(a2.type, 'NotAuthorizedException', 'a session is single-use');
  // start over (a fresh sign-in with the new password goes straight to MFA_SETUP)
  const t1 = await c.signIn('USER_SRP_AUTH', 'new@example.org', 'My-Own-Password-2!');
  assert.equal(t1.challenge?.name, 'MFA_SETUP');
  const b = await c.associateSoftwareToken({ session: t1.challenge.session });
  const v = await c.verifySoftwareToken({ session: b.session }, TOTP_CODE);
  const done = await c.respond({ ...t1.challenge, session: v.session }, {});
  assert.ok(done.tokens);
  assert.equal(mod.jwtClaims(done.tokens.idToken).email, 'new@example.org');
  // from now on: the code prompt
  const again = await c.signIn('USER_SRP_AUTH', 'new@example.org', 'My-Own-Password-2!');
  assert.equal(again.challenge?.name, 'SOFTWARE_TOKEN_MFA');
});

test('the deployed client refuses USER_PASSWORD_AUTH; the local flow still sends it unchanged', async () => {
  const c = client();
  await assert.rejects(c.signIn('USER_PASSWORD_AUTH', 'doctor@example.org', 'Correct-Horse-9!'), (e) => e.type === 'InvalidParameterException');
  const [op, body] = fake.calls.at(-1);
  assert.equal(op, 'InitiateAuth');
  assert.deepEqual(body, { AuthFlow: 'USER_PASSWORD_AUTH', ClientId: CLIENT_ID, AuthParameters: { USERNAME: 'doctor@example.org', PASSWORD: 'Correct-Horse-9!' } });
});

test('SRP needs the pool id', async () => {
  const c = new mod.CognitoClient(endpoint, CLIENT_ID, '', 10_000);
  await assert.rejects(c.signIn('USER_SRP_AUTH', 'doctor@example.org', 'x'), (e) => e.type === 'ConfigError');
  assert.throws(() => config.parseConfig({ apiUrl: 'https://a', clientId: 'c', authFlow: 'USER_SRP_AUTH' }), /userPoolId/);
  const cfg = config.parseConfig({ apiUrl: 'https://a', clientId: 'c', authFlow: 'USER_SRP_AUTH', userPoolId: POOL_ID });
  assert.equal(cfg.userPoolId, POOL_ID);
  assert.equal(config.parseConfig({ apiUrl: 'https://a', clientId: 'c' }).authFlow, 'USER_PASSWORD_AUTH');
});
