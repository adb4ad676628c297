// The RFC 6238 appendix B vectors (SHA-1, 8 digits; the secret is ASCII
// "12345678901234567890").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { totp } from './totp.mjs';

const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
for (const [t, want] of [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
]) {
  test(`totp at ${t}`, () => assert.equal(totp(secret, t * 1000, 30, 8), want));
}
