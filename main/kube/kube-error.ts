/**
 * One error type for everything the cluster layer reports to a user. `kind` lets the CLI and UI
 * react (exit code, which panel to show); `message` is a whole sentence that says what happened
 * and what to do, never a raw HTTP dump.
 */
export type KubeErrorKind =
  | 'kubeconfig' // no/invalid kubeconfig, unknown context
  | 'unreachable' // connection refused, DNS, TLS handshake, timeout
  | 'unauthorized' // 401: bad or expired credentials
  | 'forbidden' // 403 from RBAC, or a failed SelfSubjectAccessReview preflight
  | 'admission' // rejected by an admission plugin (Pod Security and friends)
  | 'terminating' // namespace is being deleted
  | 'not-found'
  | 'conflict'
  | 'invalid'
  | 'timeout' // we waited for a condition that did not come
  | 'server'; // 5xx and anything else the server said

export class KubeError extends Error {
  constructor(
    readonly kind: KubeErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'KubeError';
  }
}

interface StatusBody {
  message?: string;
  reason?: string;
  code?: number;
}

function statusBody(body: unknown): StatusBody {
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as StatusBody;
    } catch {
      return { message: body };
    }
  }
  return body && typeof body === 'object' ? (body as StatusBody) : {};
}

const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_HEADERS_TIMEOUT',
  'ECONNABORTED',
  'EPROTO',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The errno-like code of a network failure, looking through fetch's `cause` chain. */
export function networkErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && networkCodes.has(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Classifies any error from @kubernetes/client-node, fetch or our own raw requests.
 * `doing` is the user's view of the operation ("list pods in shop"); `server` names the cluster.
 */
export function toKubeError(error: unknown, doing: string, server?: string): KubeError {
  if (error instanceof KubeError) return error;
  const where = server ? ` at ${server}` : '';
  const netCode = networkErrorCode(error);
  if (netCode) {
    const tls = /CERT|SELF_SIGNED|ALTNAME|SSL/.test(netCode);
    const hint = tls
      ? "the server's TLS certificate was not accepted; check certificate-authority in the kubeconfig"
      : 'check the network/VPN and that the cluster is running';
    return new KubeError(
      'unreachable',
      `cannot ${doing}: API server${where} unreachable (${netCode}); ${hint}`,
    );
  }
  const code =
    (error as { code?: unknown; statusCode?: unknown }).code ??
    (error as { statusCode?: unknown }).statusCode;
  if (typeof code === 'number') {
    const body = statusBody((error as { body?: unknown }).body);
    const said = body.message ? `: ${body.message}` : '';
    if (code === 401)
      return new KubeError(
        'unauthorized',
        `cannot ${doing}: the API server${where} rejected the credentials (401 Unauthorized); log in again or refresh the kubeconfig's user`,
        code,
      );
    if (code === 403) {
      if (/being terminated/.test(body.message ?? ''))
        return new KubeError(
          'terminating',
          `cannot ${doing}${said}; wait until the namespace is gone and retry`,
          code,
        );
      if (/violates PodSecurity|admission webhook|denied the request/.test(body.message ?? ''))
        return new KubeError('admission', `cannot ${doing}: rejected by admission${said}`, code);
      return new KubeError('forbidden', `cannot ${doing}: forbidden${said}`, code);
    }
    if (code === 404) return new KubeError('not-found', `cannot ${doing}: not found${said}`, code);
    if (code === 409) return new KubeError('conflict', `cannot ${doing}: conflict${said}`, code);
    if (code === 422 || code === 400)
      return new KubeError('invalid', `cannot ${doing}: invalid${said}`, code);
    return new KubeError('server', `cannot ${doing}: API server answered ${code}${said}`, code);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new KubeError('server', `cannot ${doing}: ${message}`);
}
