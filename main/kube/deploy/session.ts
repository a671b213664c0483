import crypto from 'node:crypto';
import type { Policy } from '../../policy/policy-schema.js';
import type { SessionConfig, Transport } from './session-config.js';

/** A tap session: what the user chose, before it becomes Kubernetes objects. */
export interface TapSession {
  id: string;
  selection: Policy['selection'];
  collector: { address: string; port: number };
  transport: Transport;
  filter?: string;
  agentImage: string;
  leaseTtlSeconds: number;
  /** Registry credentials for a private agent image: `namespace/name` of dockerconfigjson Secrets, copied into the session namespace. */
  imagePullSecrets?: string[];
  /** Guards the agents' api-transport stream (a Secret of the session); absent = no stream. */
  streamToken?: string;
}

export const PART_OF_LABEL = 'app.kubernetes.io/part-of';
export const PART_OF = 'clustertap';
export const SESSION_LABEL = 'clustertap.io/session';
export const COMPONENT_LABEL = 'app.kubernetes.io/component';
export const DEFAULT_AGENT_IMAGE = 'ghcr.io/clustertap/clustertap-agent:0.1.0';
export const DEFAULT_LEASE_TTL_SECONDS = 15;

/** 32 random bytes: the agents answer the stream only to its holder. */
export const newStreamToken = () => crypto.randomBytes(32).toString('base64url');
export const STREAM_TOKEN_KEY = 'token';

export function newSessionId(): string {
  return crypto.randomBytes(4).toString('hex');
}

/** Names of the session's objects. One namespace per session keeps teardown exact. */
export function sessionNames(id: string) {
  return {
    namespace: `clustertap-${id}`,
    serviceAccount: 'clustertap-agent',
    daemonSet: 'clustertap-agent',
    configMap: 'clustertap-session',
    lease: 'clustertap-session',
    agentRole: 'clustertap-agent',
    podReader: `clustertap-${id}-pod-reader`,
    streamSecret: 'clustertap-stream',
    podReaderBinding: `clustertap-${id}-pod-reader`,
  };
}

export function sessionLabels(id: string): Record<string, string> {
  return { [PART_OF_LABEL]: PART_OF, [SESSION_LABEL]: id };
}

export const sessionSelector = (id: string) => `${PART_OF_LABEL}=${PART_OF},${SESSION_LABEL}=${id}`;
export const allSessionsSelector = `${PART_OF_LABEL}=${PART_OF}`;

function hash32(text: string): number {
  return crypto.createHash('sha1').update(text).digest().readUInt32BE(0);
}

/**
 * Tunnel IDs and the health port derive from the session id, so two sessions on one cluster
 * do not share either. VNIs stay far above Flannel's 1 and Calico's 4096.
 */
export function sessionConfig(session: TapSession): SessionConfig {
  const h = hash32(session.id);
  return {
    version: 1,
    sessionId: session.id,
    selection: session.selection,
    collector: session.collector,
    transport: session.transport,
    tunnelIdBase: 0x100000 + (h % 0xe00) * 0x1000,
    ...(session.filter ? { filter: session.filter } : {}),
    lease: { name: sessionNames(session.id).lease, ttlSeconds: session.leaseTtlSeconds },
    healthPort: healthPortOf(session.id),
  };
}

/** The agents' health port on the node (host network): per session, so sessions do not collide. */
export function healthPortOf(sessionId: string): number {
  return 19100 + (hash32(sessionId) % 800);
}
