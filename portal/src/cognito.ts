// A small client of the Cognito Identity Provider JSON API (plain fetch, no
// SDK): the calls a doctor's sign-in needs. Deployed Cognito and the local
// stand-in (cognito-local) answer the same requests.

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
