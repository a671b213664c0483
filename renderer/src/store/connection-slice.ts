import type { TransportState } from '../../../main/ipc/client.js';
import type { AppInfo } from '../api/dto.js';
import { patch, type SliceCreator, valueOr } from './types.js';

export interface ConnectionSlice {
  connection: {
    /** The WebSocket's state ('open' for Electron's bridge). */
    transport: TransportState;
    info: AppInfo | null;
    setTransport(state: TransportState): void;
    loadInfo(): Promise<void>;
  };
}

export const createConnectionSlice: SliceCreator<ConnectionSlice> = (set, get, { api }) => ({
  connection: {
    transport: 'connecting',
    info: null,
    setTransport: (transport) => patch(set, 'connection', { transport }),
    loadInfo: async () => {
      const info = valueOr(get, await api.request('app.info', {}));
      if (info) patch(set, 'connection', { info });
    },
  },
});
