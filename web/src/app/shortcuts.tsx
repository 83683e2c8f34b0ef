// Keyboard shortcuts: one table drives both the key handling and the `?` help dialog, so the
// help can never list a key that does nothing (or miss one that does something).
import { useEffect, useRef } from 'react';
import { Modal } from './Modal';

export interface Shortcut {
  /** `KeyboardEvent.key` values that trigger it. */
  keys: readonly string[];
  /** How the help dialog shows the keys. */
  label: string;
  description: string;
  run: (event: KeyboardEvent) => void;
}

const isTyping = (target: EventTarget | null) =>
  target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));

export function useShortcuts(shortcuts: readonly Shortcut[]) {
  // The latest table, read at key time, so callers need not memoise it.
  const current = useRef(shortcuts);
  current.current = shortcuts;
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented || isTyping(event.target)) return;
      if (document.querySelector('dialog[open]')) return; // a dialog owns the keyboard
      const shortcut = current.current.find((s) => s.keys.includes(event.key));
      if (!shortcut) return;
      event.preventDefault();
      shortcut.run(event);
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
}

export function ShortcutHelp({ shortcuts, onClose }: { shortcuts: readonly Shortcut[]; onClose: () => void }) {
  return (
    <Modal title="Keyboard shortcuts" onClose={onClose}>
      <table className="shortcut-table">
        <tbody>
          {shortcuts.map((s) => (
            <tr key={s.label}>
              <td>
                <kbd>{s.label}</kbd>
              </td>
              <td>{s.description}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Modal>
  );
}
