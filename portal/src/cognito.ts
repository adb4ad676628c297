// A small client of the Cognito Identity Provider JSON API (plain fetch, no
// SDK): the calls a doctor's sign-in needs. Deployed Cognito and the local
// stand-in (cognito-local) answer the same requests, except the first step:
// deployed app clients allow only USER_SRP_AUTH, whose SRP-6a arithmetic
// comes from amazon-cognito-identity-js (AuthenticationHelper, pinned in
// package.json); cognito-local has no SRP, so locally the portal uses
// USER_PASSWORD_AUTH. Both return the same AuthStep, so the challenges after
// the password (SOFTWARE_TOKEN_MFA, MFA_SETUP, NEW_PASSWORD_REQUIRED) are
// handled once.
import AuthenticationHelper from 'amazon-cognito-identity-js/es/AuthenticationHelper';
import BigInteger from 'amazon-cognito-identity-js/es/BigInteger';
import DateHelper from 'amazon-cognito-identity-js/es/DateHelper';

/** Sign-in flows the portal knows (config.json authFlow). */
export type AuthFlow = 'USER_PASSWORD_AUTH' | 'USER_SRP_AUTH';

export class CognitoError extends Error {
  constructor(
    /** The exception name, e.g. NotAuthorizedException, CodeMismatchException. */
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Tokens {
  idToken: string;
  accessToken: string;
  refreshToken: string;
}

/** A challenge InitiateAuth or RespondToAuthChallenge answered. */
export interface Challenge {
  name: 'SOFTWARE_TOKEN_MFA' | 'MFA_SETUP' | 'NEW_PASSWORD_REQUIRED' | string;
  session: string;
  username: string;
}

export type AuthStep = { tokens: Tokens; challenge?: undefined } | { tokens?: undefined; challenge: Challenge };

interface AuthResult {
  AuthenticationResult?: { IdToken: string; AccessToken: string; RefreshToken?: string };
  ChallengeName?: string;
  Session?: string;
  ChallengeParameters?: Record<string, string>;
}

export class CognitoClient {
  constructor(
    private readonly endpoint: string,
    private readonly clientId: string,
    /** The user pool id (region_name); USER_SRP_AUTH needs its name part. */
    private readonly userPoolId = '',
    private readonly timeoutMs = 15000,
  ) {}

  /** call sends one JSON API request and maps an error answer to CognitoError. */
  async call<T>(op: string, body: Record<string, unknown>): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.endpoint, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-amz-json-1.1',
          'X-Amz-Target': `AWSCognitoIdentityProviderService.${op}`,
        },
        body: JSON.stringify(body),
        cache: 'no-store',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch {
      throw new CognitoError('NetworkError', 'The sign-in service could not be reached. Check your connection and try again.');
    }
    const text = await res.text();
    let data: Record<string, unknown> = {};
    try {
      data = text ? JSON.parse(text) : {};
    } catch {
      /* not JSON: handled below */
    }
    if (!res.ok) {
      const raw = String(data.__type ?? data.code ?? 'UnknownError');
      const type = raw.includes('#') ? raw.slice(raw.lastIndexOf('#') + 1) : raw;
      throw new CognitoError(type, String(data.message ?? data.Message ?? `HTTP ${res.status}`));
    }
    return data as T;
  }

  private step(out: AuthResult, username: string, refreshToken?: string): AuthStep {
    const r = out.AuthenticationResult;
    if (r?.IdToken && r.AccessToken) {
      return { tokens: { idToken: r.IdToken, accessToken: r.AccessToken, refreshToken: r.RefreshToken ?? refreshToken ?? '' } };
    }
    if (out.ChallengeName && out.Session !== undefined) {
      const user = out.ChallengeParameters?.USER_ID_FOR_SRP || out.ChallengeParameters?.USERNAME || username;
      return { challenge: { name: out.ChallengeName, session: out.Session, username: user } };
    }
    throw new CognitoError('UnexpectedResponse', 'The sign-in service gave an unexpected answer.');
  }

  /** passwordAuth starts USER_PASSWORD_AUTH. */
  async passwordAuth(username: string, password: string): Promise<AuthStep> {
    const out = await this.call<AuthResult>('InitiateAuth', {
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: this.clientId,
      AuthParameters: { USERNAME: username, PASSWORD: password },
    });
    return this.step(out, username);
  }

  /** signIn starts the configured flow; both end in tokens or the same challenges. */
  signIn(flow: AuthFlow, username: string, password: string): Promise<AuthStep> {
    return flow === 'USER_SRP_AUTH' ? this.srpAuth(username, password) : this.passwordAuth(username, password);
  }

  /**
   * srpAuth starts USER_SRP_AUTH and answers its PASSWORD_VERIFIER challenge:
   * the password never leaves the browser, only a signature over the pool
   * name, the user id, the server's SECRET_BLOCK and a timestamp, keyed with
   * the SRP session key.
   */
  async srpAuth(username: string, password: string): Promise<AuthStep> {
    const poolName = this.userPoolId.split('_')[1];
    if (!poolName) throw new CognitoError('ConfigError', 'The portal is not configured for this sign-in (config.json lacks userPoolId).');
    const helper = new AuthenticationHelper(poolName);
    const largeA = await srp<BigInteger>((cb) => helper.getLargeAValue(cb));
    const out = await this.call<AuthResult>('InitiateAuth', {
      AuthFlow: 'USER_SRP_AUTH',
      ClientId: this.clientId,
      AuthParameters: { USERNAME: username, SRP_A: largeA.toString(16) },
    });
    if (out.ChallengeName !== 'PASSWORD_VERIFIER') return this.step(out, username);
    const p = out.ChallengeParameters ?? {};
    const userId = p.USER_ID_FOR_SRP;
    if (!userId || !p.SRP_B || !p.SALT || !p.SECRET_BLOCK) {
      throw new CognitoError('UnexpectedResponse', 'The sign-in service gave an unexpected answer.');
    }
    const key = await srp<Uint8Array>((cb) =>
      helper.getPasswordAuthenticationKey(userId, password, new BigInteger(p.SRP_B!, 16), new BigInteger(p.SALT!, 16), cb),
    );
    const timestamp = new DateHelper().getNowString();
    const enc = new TextEncoder();
    const message = concatBytes([enc.encode(poolName), enc.encode(userId), base64Bytes(p.SECRET_BLOCK), enc.encode(timestamp)]);
    const hmacKey = await crypto.subtle.importKey('raw', new Uint8Array(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    const signature = new Uint8Array(await crypto.subtle.sign('HMAC', hmacKey, message));
    const res = await this.call<AuthResult>('RespondToAuthChallenge', {
      ChallengeName: 'PASSWORD_VERIFIER',
      ClientId: this.clientId,
      ...(out.Session ? { Session: out.Session } : {}),
      ChallengeResponses: {
        USERNAME: userId,
        PASSWORD_CLAIM_SECRET_BLOCK: p.SECRET_BLOCK,
        TIMESTAMP: timestamp,
        PASSWORD_CLAIM_SIGNATURE: btoa(String.fromCharCode(...signature)),
      },
    });
    return this.step(res, userId);
  }

  /** respond answers a challenge with the given responses (USERNAME is added). */
  async respond(ch: Challenge, responses: Record<string, string>): Promise<AuthStep> {
    const out = await this.call<AuthResult>('RespondToAuthChallenge', {
      ChallengeName: ch.name,
      ClientId: this.clientId,
      Session: ch.session,
      ChallengeResponses: { USERNAME: ch.username, ...responses },
    });
    return this.step(out, ch.username);
  }

  /** refresh trades a refresh token for new ID and access tokens. */
  async refresh(refreshToken: string): Promise<Tokens> {
    const out = await this.call<AuthResult>('InitiateAuth', {
      AuthFlow: 'REFRESH_TOKEN_AUTH',
      ClientId: this.clientId,
      AuthParameters: { REFRESH_TOKEN: refreshToken },
    });
    const s = this.step(out, '', refreshToken);
    if (!s.tokens) throw new CognitoError('UnexpectedResponse', 'Refreshing the session asked for a challenge.');
    return s.tokens;
  }

  /** associateSoftwareToken starts TOTP enrolment, with a session (MFA_SETUP) or an access token. */
  async associateSoftwareToken(by: { session: string } | { accessToken: string }): Promise<{ secret: string; session?: string }> {
    const body = 'session' in by ? { Session: by.session } : { AccessToken: by.accessToken };
    const out = await this.call<{ SecretCode: string; Session?: string }>('AssociateSoftwareToken', body);
    return { secret: out.SecretCode, session: out.Session };
  }

  /** verifySoftwareToken checks the first code of a new authenticator. */
  async verifySoftwareToken(by: { session: string } | { accessToken: string }, code: string): Promise<{ session?: string }> {
    const body = 'session' in by ? { Session: by.session } : { AccessToken: by.accessToken };
    const out = await this.call<{ Status?: string; Session?: string }>('VerifySoftwareToken', {
      ...body,
      UserCode: code,
      FriendlyDeviceName: 'COPD Fuel portal',
    });
    if (out.Status && out.Status !== 'SUCCESS') throw new CognitoError('EnableSoftwareTokenMFAException', 'The code was not accepted.');
    return { session: out.Session };
  }

  /** preferTotp makes TOTP the user's (required) second factor. */
  async preferTotp(accessToken: string): Promise<void> {
    await this.call('SetUserMFAPreference', {
      AccessToken: accessToken,
      SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true },
    });
  }

  /** hasTotp reports whether the signed-in user has TOTP enrolled. */
  async hasTotp(accessToken: string): Promise<boolean> {
    const out = await this.call<{ UserMFASettingList?: string[]; PreferredMfaSetting?: string }>('GetUser', { AccessToken: accessToken });
    return (out.UserMFASettingList ?? []).includes('SOFTWARE_TOKEN_MFA') || out.PreferredMfaSetting === 'SOFTWARE_TOKEN_MFA';
  }

  /** revoke revokes a refresh token (and the tokens it issued); best effort. */
  async revoke(refreshToken: string): Promise<void> {
    await this.call('RevokeToken', { Token: refreshToken, ClientId: this.clientId });
  }
}

/** srp adapts one of AuthenticationHelper's node-style callbacks (which may also throw). */
function srp<T>(run: (cb: (err: unknown, value: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    run((err, value) => (err ? reject(err) : resolve(value)));
  }).catch((e: unknown) => {
    throw new CognitoError('SrpError', `The sign-in could not be computed: ${e instanceof Error ? e.message : String(e)}`);
  });
}

function base64Bytes(b64: string): Uint8Array {
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

function concatBytes(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** jwtClaims decodes a JWT's payload without verifying it (the API verifies). */
export function jwtClaims(token: string): Record<string, unknown> {
  const part = token.split('.')[1];
  if (!part) return {};
  try {
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
    const json = decodeURIComponent(
      Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (c) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0')).join(''),
    );
    return JSON.parse(json) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** otpauthURI is the URI an authenticator app reads from a QR code or a link. */
export function otpauthURI(secret: string, account: string, issuer = 'COPD Fuel'): string {
  return `otpauth://totp/${encodeURIComponent(issuer)}:${encodeURIComponent(account)}?secret=${encodeURIComponent(secret)}&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=6&period=30`;
}

/** friendlyAuthError turns a Cognito error into words for the sign-in page. */
export function friendlyAuthError(e: unknown): string {
  if (!(e instanceof CognitoError)) return 'Something went wrong. Please try again.';
  switch (e.type) {
    case 'NotAuthorizedException':
    case 'InvalidPasswordException':
    case 'UserNotFoundException':
      return 'Email or password is not correct.';
    case 'CodeMismatchException':
    case 'EnableSoftwareTokenMFAException':
      return 'That code is not correct. Enter the current 6-digit code from your authenticator app.';
    case 'ExpiredCodeException':
      return 'That code has expired. Enter the current code.';
    case 'PasswordResetRequiredException':
      return 'Your password must be reset. Contact your practice administrator.';
    case 'UserNotConfirmedException':
      return 'Your account is not confirmed yet. Contact your practice administrator.';
    case 'TooManyRequestsException':
    case 'LimitExceededException':
      return 'Too many attempts. Wait a minute and try again.';
    case 'NetworkError':
      return e.message;
    default:
      return `Sign-in failed (${e.type}). Please try again.`;
  }
}
