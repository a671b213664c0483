import { ClusterStatus } from '../contexts/ClusterStatus.js';
import { ContextButton } from '../contexts/ContextButton.js';
import { useApp } from '../store/react.js';
import { TapButton } from '../tap/TapButton.js';

/** Always visible: the context, the cluster's state, Tap/Stop, and the file commands. */
export function TopBar() {
  const openDialog = useApp((s) => s.ui.openDialog);
  const open = useApp((s) => s.capture.open);
  const openInWireshark = useApp((s) => s.capture.openInWireshark);
  const clear = useApp((s) => s.packets.clear);
  const count = useApp((s) => s.packets.stats?.count ?? 0);
  return (
    <header className="top-bar">
      <span className="brand" aria-hidden="true">
        ClusterTap
      </span>
      <ContextButton />
      <ClusterStatus />
      <span className="spacer" />
      <TapButton />
      <nav className="file-commands" aria-label="Capture files">
        <button
          type="button"
          className="button"
          onClick={() => void open()}
          aria-keyshortcuts="Control+O"
          title="Open a pcap or pcapng file (Ctrl+O)"
        >
          Open…
        </button>
        <button
          type="button"
          className="button"
          onClick={() => openDialog('save')}
          disabled={count === 0}
          aria-keyshortcuts="Control+S"
          title="Save packets as pcapng (Ctrl+S)"
        >
          Save…
        </button>
        <button
          type="button"
          className="button"
          onClick={() => void openInWireshark('displayed')}
          disabled={count === 0}
          title="Open the displayed packets in Wireshark"
        >
          Wireshark
        </button>
        <button
          type="button"
          className="button"
          onClick={() => void clear()}
          disabled={count === 0}
          title="Empty the packet list (a running tap goes on)"
        >
          Clear
        </button>
        <button
          type="button"
          className="icon-button"
          onClick={() => openDialog('shortcuts')}
          aria-label="Keyboard shortcuts"
          aria-keyshortcuts="Shift+?"
          title="Keyboard shortcuts (?)"
        >
          ?
        </button>
      </nav>
    </header>
  );
}
