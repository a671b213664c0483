import { useState } from 'react';
import { useApp } from '../store/react.js';
import { Modal } from '../ui/Modal.js';

/** Ctrl+G: go to a packet by its number (Wireshark's Go to Packet). */
export function GoToDialog() {
  const close = useApp((s) => s.ui.closeDialog);
  const goTo = useApp((s) => s.packets.goTo);
  const notify = useApp((s) => s.notices.push);
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const go = async () => {
    const number = Number(text);
    if (!Number.isInteger(number) || number < 1) {
      setProblem('A packet number is a whole number from 1.');
      return;
    }
    // Close first: the list takes the focus when it gets there, which a modal dialog would refuse.
    close();
    const why = await goTo(number);
    if (why) notify('error', `Cannot go to packet ${number}: ${why}`);
  };
  return (
    <Modal title="Go to packet" onClose={close}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void go();
        }}
      >
        <input
          type="number"
          className="field"
          min={1}
          aria-label="Packet number"
          aria-invalid={problem ? true : undefined}
          data-autofocus
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setProblem(null);
          }}
        />
        {problem && <p className="inline-error">{problem}</p>}
        <footer className="modal-actions">
          <button type="submit" className="button primary">
            Go
          </button>
        </footer>
      </form>
    </Modal>
  );
}
