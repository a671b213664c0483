import { useApp } from '../store/react.js';
import { Modal } from '../ui/Modal.js';
import { LOCAL_KEYS, SHORTCUTS } from './keymap.js';

/** ?: every shortcut, from the same table the handler uses. */
export function ShortcutsDialog() {
  const close = useApp((s) => s.ui.closeDialog);
  return (
    <Modal title="Keyboard shortcuts" onClose={close} className="shortcuts-dialog">
      <table className="dense">
        <caption>Anywhere</caption>
        <tbody>
          {SHORTCUTS.map((s) => (
            <tr key={s.aria}>
              <th scope="row">
                <kbd>{s.keys}</kbd>
              </th>
              <td>{s.description}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <table className="dense">
        <caption>In a pane</caption>
        <tbody>
          {LOCAL_KEYS.map((k) => (
            <tr key={`${k.where}-${k.keys}`}>
              <th scope="row">
                <kbd>{k.keys}</kbd>
              </th>
              <td>
                <strong>{k.where}:</strong> {k.description}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Modal>
  );
}
