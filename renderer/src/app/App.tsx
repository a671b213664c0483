import { useEffect } from 'react';
import { SaveDialog } from '../capture/SaveDialog.js';
import { ContextSwitcher } from '../contexts/ContextSwitcher.js';
import { DetailPane } from '../detail/DetailPane.js';
import { CountersStrip } from '../flows/CountersStrip.js';
import { FlowsView } from '../flows/FlowsView.js';
import { installShortcuts } from '../keyboard/keymap.js';
import { ShortcutsDialog } from '../keyboard/ShortcutsDialog.js';
import { DisplayFilterBar } from '../packets/DisplayFilterBar.js';
import { GoToDialog } from '../packets/GoToDialog.js';
import { PacketList } from '../packets/PacketList.js';
import { PolicyPanel } from '../policy/PolicyPanel.js';
import { SelectionPanel } from '../selection/SelectionPanel.js';
import { useApp, useAppStore } from '../store/react.js';
import { TapPanel } from '../tap/TapPanel.js';
import { Notices } from '../ui/Notices.js';
import { StatusBar } from './StatusBar.js';
import { TopBar } from './TopBar.js';
import { ViewTabs } from './ViewTabs.js';

export function App() {
  const store = useAppStore();
  const view = useApp((s) => s.ui.view);
  const dialog = useApp((s) => s.ui.dialog);
  useEffect(() => installShortcuts(store), [store]);

  return (
    <div className="app">
      <TopBar />
      <aside className="sidebar" aria-label="What to tap and how">
        <SelectionPanel />
        <PolicyPanel />
        <TapPanel />
      </aside>
      <main className="workspace">
        <DisplayFilterBar />
        <div className="workspace-bar">
          <ViewTabs />
          <CountersStrip />
        </div>
        {view === 'packets' ? (
          <div className="packets-split" id="view-packets" role="tabpanel" aria-labelledby="tab-packets">
            <PacketList />
            <DetailPane />
          </div>
        ) : (
          <div className="flows-split" id="view-flows" role="tabpanel" aria-labelledby="tab-flows">
            <FlowsView />
          </div>
        )}
      </main>
      <StatusBar />
      <Notices />
      {dialog === 'contexts' && <ContextSwitcher />}
      {dialog === 'save' && <SaveDialog />}
      {dialog === 'goto' && <GoToDialog />}
      {dialog === 'shortcuts' && <ShortcutsDialog />}
    </div>
  );
}
