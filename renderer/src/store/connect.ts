import type { Connection } from '../api/create-api.js';
import type { MenuCommand } from '../api/dto.js';
import type { AppStore } from './types.js';

/**
 * Subscribes the store to every event of the core and loads the first state; returns the function
 * that ends every subscription. After a lost WebSocket comes back the client re-subscribes by
 * itself; the snapshots (contexts, inventory, tap, packets) are asked for again here.
 */
export function connectStore(store: AppStore, connection: Connection): () => void {
  const { api } = connection;
  const state = store.getState;
  const menu = (command: MenuCommand) => {
    if (command === 'open-capture') void state().capture.open();
    else if (command === 'save-capture') state().ui.openDialog('save');
    else void state().capture.exportFlows();
  };
  const stops = [
    api.subscribe('contexts.changed', (s) => state().contexts.receive(s)),
    api.subscribe('inventory.changed', (u) => state().inventory.receive(u)),
    api.subscribe('tap.changed', (s) => state().tap.receive(s)),
    api.subscribe('packets.changed', (s) => state().packets.receive(s)),
    api.subscribe('capture.progress', (p) => state().capture.receiveProgress(p)),
    api.subscribe('counters.changed', (c) => state().flows.receiveCounters(c)),
    api.subscribe('menu.command', ({ command }) => menu(command)),
  ];

  const reload = async () => {
    const s = state();
    await Promise.all([s.connection.loadInfo(), loadSettings(store, connection), s.contexts.load()]);
    await Promise.all([s.inventory.subscribe(), s.tap.load(), s.packets.load()]);
  };

  let previous = connection.state();
  state().connection.setTransport(previous);
  stops.push(
    connection.onState((next) => {
      state().connection.setTransport(next);
      // Back after a lost connection: the core may have moved on; take fresh snapshots.
      if (next === 'open' && previous === 'closed') void reload();
      previous = next;
    }),
  );
  // A column change still waiting for its debounced save goes out before the page does.
  const flush = () => state().columns.flush();
  window.addEventListener('pagehide', flush);
  stops.push(() => window.removeEventListener('pagehide', flush));
  void reload();
  return () => {
    for (const stop of stops) stop();
  };
}

async function loadSettings(store: AppStore, { api }: Connection): Promise<void> {
  const result = await api.request('settings.get', {});
  if (!result.ok) {
    store.getState().notices.error(result.error, 'Reading the remembered settings');
    return;
  }
  store.getState().selection.receiveSaved(result.value.selections);
  store.getState().policy.receiveSaved(result.value.policy);
  store.getState().columns.receiveSaved(result.value.columns);
}
