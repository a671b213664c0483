import { resourceOf } from './preflight.js';

/** REST path of a kind's collection (namespace optional) and of one object. */
export function collectionPath(kind: string, namespace?: string): string {
  const { group, resource } = resourceOf(kind);
  const base = group ? `/apis/${group}/v1` : '/api/v1';
  return namespace
    ? `${base}/namespaces/${encodeURIComponent(namespace)}/${resource}`
    : `${base}/${resource}`;
}

export function objectPath(kind: string, name: string, namespace?: string): string {
  return `${collectionPath(kind, namespace)}/${encodeURIComponent(name)}`;
}
