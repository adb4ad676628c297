// Types for the three modules of amazon-cognito-identity-js the SRP sign-in
// uses (the package's index.d.ts does not declare them). Deep imports keep
// its CognitoUser, storage and HTTP client out of the bundle.

declare module 'amazon-cognito-identity-js/es/BigInteger' {
  /** jsbn's BigInteger, as the library uses it. */
  export default class BigInteger {
    constructor(value: string, radix: number);
    toString(radix?: number): string;
  }
}

declare module 'amazon-cognito-identity-js/es/AuthenticationHelper' {
  import type BigInteger from 'amazon-cognito-identity-js/es/BigInteger';
  /** Uint8Array-compatible (the library's Buffer polyfill). */
  type Bytes = Uint8Array;
  /** The client side of Cognito's SRP-6a (3072-bit group, SHA-256, HKDF). */
  export default class AuthenticationHelper {
    /** poolName is the part of the user pool id after the underscore. */
    constructor(poolName: string);
    getLargeAValue(callback: (err: unknown, largeA: BigInteger) => void): void;
    getPasswordAuthenticationKey(
      username: string,
      password: string,
      serverBValue: BigInteger,
      salt: BigInteger,
      callback: (err: unknown, hkdf: Bytes) => void,
    ): void;
  }
}

declare module 'amazon-cognito-identity-js/es/DateHelper' {
  /** Cognito's TIMESTAMP format, e.g. "Tue Sep 3 04:31:02 UTC 2026". */
  export default class DateHelper {
    getNowString(): string;
  }
}
