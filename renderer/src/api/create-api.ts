import {
  bridgeTransport,
  createClient,
  type Transport,
  type TransportState,
} from '../../../main/ipc/client.js';
import type { ContractShape } from '../../../main/ipc/contract/define.js';
import { apiUrl, webSocketTransport } from '../../../main/ipc/websocket-transport.js';
import type { Api } from './contract.js';

/**
 * The page's one connection to the core: the Electron preload bridge when there is one, else the
 * `/api` WebSocket of `clustertap serve` (same origin, so serve's access cookie goes along).
 */
export interface Connection {
  readonly api: Api;
  /** 'open' for the Electron bridge (it cannot drop); the WebSocket's state otherwise. */
  readonly state: () => TransportState;
  readonly onState: (listener: (state: TransportState) => void) => () => void;
  readonly close: () => void;
}

export function createConnection(options: { validateWith?: ContractShape } = {}): Connection {
  const bridge = window.clustertap;
  let transport: Transport;
  let state: () => TransportState;
  let stop = () => {};
  if (bridge) {
    transport = bridgeTransport(bridge);
    state = () => 'open';
  } else {
    const socket = webSocketTransport({ url: apiUrl(location) });
    transport = socket;
    state = () => socket.state;
    stop = () => socket.close();
  }
  const client = createClient(transport, {
    ...(options.validateWith && { validateWith: options.validateWith }),
    // Requests that take longer than this are stuck, not slow: the user is told so.
    timeoutMs: 120_000,
  });
  return {
    api: client,
    state,
    onState: (listener) => transport.onState?.(listener) ?? (() => {}),
    close: () => {
      client.close();
      stop();
    },
  };
}

/** Development bundles check every answer and event against the schemas (and bring zod along). */
export async function developmentContract(): Promise<ContractShape> {
  const { contract } = await import('../../../main/ipc/contract/index.js');
  return contract;
}
