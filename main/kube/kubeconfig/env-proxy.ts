import net from 'node:net';

/**
 * The proxy Go's http.ProxyFromEnvironment picks for the API server when the kubeconfig sets no
 * proxy-url (kubectl honours HTTPS_PROXY/HTTP_PROXY/NO_PROXY; Node's fetch does not): upper-case
 * names first, localhost and loopback never proxied, NO_PROXY entries are `*`, IPs, CIDRs, or
 * domains ("foo.com" matches it and its subdomains, ".foo.com" only subdomains), each with an
 * optional port.
 */
export function proxyFromEnvironment(server: string, env: NodeJS.ProcessEnv): string | undefined {
  const url = new URL(server);
  const https = url.protocol === 'https:';
  const proxy = https ? env.HTTPS_PROXY || env.https_proxy : env.HTTP_PROXY || env.http_proxy;
  if (!proxy) return undefined;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  const port = url.port || (https ? '443' : '80');
  if (host === 'localhost' || isLoopback(host)) return undefined;
  if (excluded(host, port, env.NO_PROXY || env.no_proxy || '')) return undefined;
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(proxy) ? proxy : `http://${proxy}`;
}

function isLoopback(host: string): boolean {
  if (net.isIPv4(host)) return host.startsWith('127.');
  if (net.isIPv6(host)) return host === '::1' || /^::ffff:127\./.test(host);
  return false;
}

function excluded(host: string, port: string, noProxy: string): boolean {
  const family = net.isIP(host);
  for (const raw of noProxy.split(',')) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    const cidr = /^(.+)\/(\d+)$/.exec(entry);
    if (cidr?.[1] && net.isIP(cidr[1])) {
      if (family === 0) continue;
      const list = new net.BlockList();
      const type = net.isIPv4(cidr[1]) ? 'ipv4' : 'ipv6';
      list.addSubnet(cidr[1], Number(cidr[2]), type);
      if (list.check(host, family === 4 ? 'ipv4' : 'ipv6')) return true;
      continue;
    }
    const [entryHost, entryPort] = splitHostPort(entry);
    if (!entryHost) continue;
    if (entryPort && entryPort !== port) continue;
    if (net.isIP(entryHost)) {
      if (family !== 0 && sameIp(entryHost, host)) return true;
      continue;
    }
    const domain = entryHost.startsWith('*.') ? entryHost.slice(1) : entryHost;
    if (domain.startsWith('.') ? host.endsWith(domain) : host === domain || host.endsWith(`.${domain}`))
      return true;
  }
  return false;
}

function splitHostPort(entry: string): [string, string | undefined] {
  const bracketed = /^\[(.*)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return [bracketed[1] ?? '', bracketed[2]];
  if (net.isIPv6(entry)) return [entry, undefined];
  const withPort = /^(.*):(\d+)$/.exec(entry);
  return withPort ? [withPort[1] ?? '', withPort[2]] : [entry, undefined];
}

function sameIp(a: string, b: string): boolean {
  const list = new net.BlockList();
  list.addAddress(a, net.isIPv4(a) ? 'ipv4' : 'ipv6');
  return list.check(b, net.isIPv4(b) ? 'ipv4' : 'ipv6');
}
