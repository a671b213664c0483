import type http from 'node:http';
import {
  STREAM_PATH,
  STREAM_TOKEN_HEADER,
  type StreamRecord,
  StreamRecordParser,
} from '../../broker/sources/api-stream-format.js';
import { getJson, openGet, withQuery } from '../inventory/api-request.js';
import type { KubeconfigClient } from '../kubeconfig/connection.js';
import { COMPONENT_LABEL, sessionNames, sessionSelector } from './session.js';

export interface AgentStreamsOptions {
  kubeConfig: KubeconfigClient;
  sessionId: string;
  /** The agents' health port, which also serves the stream (session config `healthPort`). */
  port: number;
  token: string;
  /** `nodeIP` is the agent's (host network) address: the peer the node status labels are keyed by. */
  onFrame: (nodeIP: string, record: StreamRecord) => void;
  onEvent: (message: string) => void;
  /** How often the agent pods are listed to (re)connect; default 2000 ms. */
  intervalMs?: number;
}

interface AgentPod {
  metadata: { name: string };
  spec?: { nodeName?: string };
  status?: { phase?: string; podIP?: string };
}

export interface AgentStreams {
  /** Nodes whose stream is open. */
  connected(): string[];
  stop(): void;
}

/**
 * The desktop's end of the api transport: one HTTP stream per agent, through the API server's
 * pods/proxy (authenticated and encrypted by the kubeconfig's TLS connection to the API server),
 * reconnected whenever an agent restarts or the connection drops.
 */
export function followAgentStreams(options: AgentStreamsOptions): AgentStreams {
  const { kubeConfig, sessionId } = options;
  const namespace = sessionNames(sessionId).namespace;
  const stop = new AbortController();
  const open = new Map<string, { node: string; response?: http.IncomingMessage }>();
  const complained = new Set<string>();

  const connect = async (pod: AgentPod) => {
    const name = pod.metadata.name;
    const node = pod.spec?.nodeName ?? name;
    const nodeIP = pod.status?.podIP as string;
    open.set(name, { node });
    const path = `/api/v1/namespaces/${namespace}/pods/${encodeURIComponent(`${name}:${options.port}`)}/proxy${STREAM_PATH}`;
    try {
      const response = await openGet(
        kubeConfig,
        path,
        `open the packet stream of the agent on ${node} (pods/proxy)`,
        stop.signal,
        { [STREAM_TOKEN_HEADER]: options.token },
      );
      open.set(name, { node, response });
      complained.delete(name);
      options.onEvent(`api transport: streaming from ${node}`);
      const parser = new StreamRecordParser();
      response.on('data', (chunk: Buffer) => {
        try {
          parser.push(chunk, (record) => options.onFrame(nodeIP, record));
        } catch (error) {
          options.onEvent(`api transport: ${node}: ${(error as Error).message}`);
          response.destroy();
        }
      });
      await new Promise<void>((resolve) => {
        response.once('close', resolve);
        response.once('error', () => resolve());
      });
      if (!stop.signal.aborted) options.onEvent(`api transport: the stream from ${node} ended; reconnecting`);
    } catch (error) {
      if (!stop.signal.aborted && !complained.has(name)) {
        complained.add(name);
        options.onEvent(`api transport: ${(error as Error).message}`);
      }
    } finally {
      open.delete(name);
    }
  };

  const poll = async () => {
    while (!stop.signal.aborted) {
      try {
        const list = await getJson<{ items: AgentPod[] }>(
          kubeConfig,
          withQuery(`/api/v1/namespaces/${namespace}/pods`, {
            labelSelector: `${sessionSelector(sessionId)},${COMPONENT_LABEL}=agent`,
          }),
          'list the agent pods',
          stop.signal,
        );
        for (const pod of list.items)
          if (pod.status?.phase === 'Running' && pod.status.podIP && !open.has(pod.metadata.name))
            void connect(pod);
      } catch (error) {
        if (!stop.signal.aborted) options.onEvent(`api transport: ${(error as Error).message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 2000).unref());
    }
  };
  void poll();

  return {
    connected: () => [...open.values()].filter((o) => o.response).map((o) => o.node),
    stop: () => {
      stop.abort();
      for (const o of open.values()) o.response?.destroy();
    },
  };
}
