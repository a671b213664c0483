import { useState } from 'react';
import type { Which } from '../store/capture-slice.js';
import { useApp } from '../store/react.js';
import { count } from '../ui/format.js';
import { Modal } from '../ui/Modal.js';

/** Ctrl+S: which packets to save as pcapng (or hand to Wireshark). */
export function SaveDialog() {
  const stats = useApp((s) => s.packets.stats);
  const marked = useApp((s) => s.packets.marked.size);
  const selected = useApp((s) => s.packets.selected);
  const { save, openInWireshark } = useApp((s) => s.capture);
  const close = useApp((s) => s.ui.closeDialog);
  const nativeDialogs = useApp((s) => s.connection.info?.features.nativeDialogs ?? false);
  const [which, setWhich] = useState<Which>(stats && stats.displayed < stats.count ? 'displayed' : 'all');
  const selectedCount = marked > 0 ? marked : selected ? 1 : 0;

  const options: { value: Which; label: string; n: number }[] = [
    { value: 'all', label: 'All packets', n: stats?.count ?? 0 },
    {
      value: 'displayed',
      label: `Displayed packets${stats?.displayFilter ? ` (${stats.displayFilter})` : ''}`,
      n: stats?.displayed ?? 0,
    },
    { value: 'selected', label: marked > 0 ? 'Marked packets' : 'Selected packet', n: selectedCount },
  ];
  const run = (action: (w: Which) => Promise<void>) => {
    close();
    void action(which);
  };

  return (
    <Modal
      title="Save packets"
      onClose={close}
      description={
        nativeDialogs
          ? 'pcapng with one interface per tapped pod; you choose the file next.'
          : 'pcapng with one interface per tapped pod; your browser downloads it.'
      }
    >
      <form
        className="save-form"
        onSubmit={(e) => {
          e.preventDefault();
          run(save);
        }}
      >
        <fieldset>
          <legend>Packets</legend>
          {options.map((o) => (
            <label key={o.value} className="radio-row">
              <input
                type="radio"
                name="which"
                value={o.value}
                checked={which === o.value}
                disabled={o.n === 0}
                onChange={() => setWhich(o.value)}
              />
              {o.label} <span className="hint">{count(o.n)}</span>
            </label>
          ))}
        </fieldset>
        <footer className="modal-actions">
          <button type="button" className="button" onClick={() => run(openInWireshark)}>
            Open in Wireshark
          </button>
          <button type="submit" className="button primary">
            Save as pcapng…
          </button>
        </footer>
      </form>
    </Modal>
  );
}
