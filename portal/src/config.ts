// The portal's runtime configuration: config.json next to index.html, so one
// build serves every environment. The local stack serves it from the stack's
// own addresses; a deployment writes it beside the build (README.md).

import type { AuthFlow } from './cognito';

/** Sign-in flows the portal knows: USER_PASSWORD_AUTH (the local stack), USER_SRP_AUTH (deployed). */
export type { AuthFlow };

export interface PortalConfig {
  /** The API's base URL, without a trailing slash. */
  apiUrl: string;
  /** The Cognito JSON API endpoint (https://cognito-idp.<region>.amazonaws.com/ deployed). */
  cognitoEndpoint: string;
  region: string;
  /** The doctor pool's app client id (no secret). */
  clientId: string;
  /** The doctor pool's id (region_name); required for USER_SRP_AUTH. */
  userPoolId: string;
  authFlow: AuthFlow;
  /** Minutes without input before the portal signs out (HIPAA automatic log-off). */
  idleMinutes: number;
}

export class ConfigError extends Error {}

/** parseConfig checks a config.json value and fills defaults. */
export function parseConfig(raw: unknown): PortalConfig {
  if (typeof raw !== 'object' || raw === null) throw new ConfigError('config.json is not a JSON object');
  const o = raw as Record<string, unknown>;
  const str = (k: string): string => (typeof o[k] === 'string' ? (o[k] as string).trim() : '');
  const region = str('region') || 'us-east-1';
  const cfg: PortalConfig = {
    apiUrl: str('apiUrl').replace(/\/+$/, ''),
    cognitoEndpoint: str('cognitoEndpoint') || `https://cognito-idp.${region}.amazonaws.com/`,
    region,
    clientId: str('clientId'),
    userPoolId: str('userPoolId'),
    authFlow: (str('authFlow') || 'USER_PASSWORD_AUTH') as AuthFlow,
    idleMinutes: typeof o.idleMinutes === 'number' && o.idleMinutes > 0 ? o.idleMinutes : 15,
  };
  const missing = (['apiUrl', 'clientId'] as const).filter((k) => !cfg[k]);
  if (missing.length) throw new ConfigError(`config.json lacks ${missing.join(' and ')}`);
  if (cfg.authFlow !== 'USER_PASSWORD_AUTH' && cfg.authFlow !== 'USER_SRP_AUTH') {
    throw new ConfigError(`config.json: unknown authFlow ${JSON.stringify(cfg.authFlow)}`);
  }
  if (cfg.authFlow === 'USER_SRP_AUTH' && !/^[\w-]+_[0-9a-zA-Z]+$/.test(cfg.userPoolId)) {
    throw new ConfigError('config.json: authFlow USER_SRP_AUTH needs userPoolId (the doctor pool id, e.g. eu-west-1_AbC123)');
  }
  return cfg;
}

/** loadConfig fetches config.json from beside index.html, never from a cache. */
export async function loadConfig(): Promise<PortalConfig> {
  let res: Response;
  try {
    res = await fetch(new URL('config.json', document.baseURI), { cache: 'no-store' });
  } catch {
    throw new ConfigError('config.json could not be fetched (network error)');
  }
  if (!res.ok) throw new ConfigError(`config.json could not be fetched (HTTP ${res.status})`);
  let raw: unknown;
  try {
    raw = await res.json();
  } catch {
    throw new ConfigError('config.json is not valid JSON');
  }
  return parseConfig(raw);
}
