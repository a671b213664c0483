import https from 'node:https';
import type net from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { KubeConfigLike } from '../../main/kube/inventory/api-request.js';
import { loadKubeconfig } from '../../main/kube/kubeconfig/index.js';

/** The lab's kubeconfig for a context, loaded the way the app loads the user's. */
export function labKubeConfig(file: string, context: string): KubeConfigLike {
  return loadKubeconfig({ kubeconfig: file, context }).kubeConfig;
}

/**
 * Wraps a kubeconfig so a test can cut this client's connections (a network blip) and refuse
 * new ones (an outage only this client sees), while the cluster itself carries on.
 */
export function interruptible(real: KubeConfigLike) {
  const sockets = new Set<net.Socket>();
  let blocked = false;
  class TrackingAgent extends https.Agent {
    override createConnection(...args: Parameters<https.Agent['createConnection']>) {
      const [options, callback] = args;
      // Blocked: connect to a port nothing listens on, for a genuine ECONNREFUSED.
      const target = blocked ? { ...options, host: '127.0.0.1', port: 1 } : options;
      const socket = super.createConnection(target, callback) as TLSSocket;
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      return socket;
    }
  }
  const agent = new TrackingAgent();
  const kubeConfig: KubeConfigLike = {
    getCurrentCluster: () => real.getCurrentCluster(),
    applyToHTTPSOptions: async (options) => {
      await real.applyToHTTPSOptions(options);
      options.agent = agent;
    },
  };
  return {
    kubeConfig,
    block(on: boolean) {
      blocked = on;
    },
    cut() {
      for (const socket of sockets) socket.destroy();
    },
  };
}
