/**
 * OpenID Connect sign-in through openid-client: authorization code flow with
 * PKCE (S256), state and nonce, the provider found by discovery on first use.
 * The provider only says who the person is; the local user of that name
 * carries the role and scope. Plain http is accepted only for a provider on
 * loopback (config check), as for the console itself.
 */
import * as client from 'openid-client';
import type { ConsoleConfig } from '../config/schema.js';
import { readSecret } from '../config/index.js';

export type OidcSettings = NonNullable<ConsoleConfig['oidc']>;

export class OidcClient {
  readonly settings: OidcSettings;
  readonly redirectUri: string;
  #config: Promise<client.Configuration> | null = null;

  constructor(settings: OidcSettings, origin: string) {
    this.settings = settings;
    this.redirectUri = `${origin}/login/oidc/callback`;
  }

  #discover(): Promise<client.Configuration> {
    if (this.#config === null) {
      const s = this.settings;
      const secret = s.clientSecret !== undefined || s.clientSecretFile !== undefined ? readSecret(s.clientSecret, s.clientSecretFile, 'console.oidc.clientSecret') : undefined;
      const insecure = new URL(s.issuer).protocol === 'http:';
      this.#config = client.discovery(new URL(s.issuer), s.clientId, secret, undefined, insecure ? { execute: [client.allowInsecureRequests] } : undefined);
      // A provider down at the first sign-in must not stay "down" for the life of the process.
      this.#config.catch(() => { this.#config = null; });
    }
    return this.#config;
  }

  async start(): Promise<{ url: string; state: string; nonce: string; codeVerifier: string }> {
    const config = await this.#discover();
    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri, scope: 'openid profile', state, nonce,
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier), code_challenge_method: 'S256',
    });
    return { url: url.href, state, nonce, codeVerifier };
  }

  /** The username claim of the signed-in person, or a thrown error (bad state, refused code, bad ID token). */
  async finish(callbackUrl: URL, expected: { state: string; nonce: string; codeVerifier: string }): Promise<{ username: string; subject: string }> {
    const config = await this.#discover();
    const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: expected.codeVerifier, expectedState: expected.state, expectedNonce: expected.nonce, idTokenExpected: true,
    });
    const claims = tokens.claims();
    if (claims === undefined) throw new Error('no ID token claims');
    let name = claims[this.settings.usernameClaim];
    // Providers that follow the spec strictly put profile claims in the UserInfo answer only.
    if (name === undefined) name = (await client.fetchUserInfo(config, tokens.access_token, claims.sub))[this.settings.usernameClaim];
    if (typeof name !== 'string' || name.length === 0) throw new Error(`neither the ID token nor UserInfo has a ${this.settings.usernameClaim} claim`);
    return { username: name.trim().toLowerCase(), subject: claims.sub };
  }
}
