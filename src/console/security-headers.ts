/**
 * The headers on every response: the contract's Content-Security-Policy
 * (no inline script or style, bundle and worker from self, blob: for the
 * decrypted audio), no framing, no sniffing, no referrer to other sites, HSTS over TLS, and
 * no caching of pages that carry personal data or a CSRF token.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'", "script-src 'self'", "worker-src 'self' blob:", "media-src 'self' blob:", "connect-src 'self'",
  "style-src 'self'", "img-src 'self' data: blob:", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'",
].join('; ');

export function securityHeaders(tls: boolean): Record<string, string> {
  const h: Record<string, string> = {
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    // Not no-referrer: with it, browsers send `Origin: null` on same-origin form posts
    // (Fetch, "serializing a request origin"), and the Origin check refuses them.
    // same-origin sends no referrer to other sites and a true Origin to us.
    'referrer-policy': 'same-origin',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
  };
  if (tls) h['strict-transport-security'] = 'max-age=31536000';
  return h;
}
