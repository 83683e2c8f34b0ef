// Dialogs on the native <dialog> element: focus trapping, Escape and the backdrop come from the
// browser, and it is exposed as role "dialog" with the title as its accessible name.
import { useEffect, useId, useRef, type ReactNode } from 'react';
import { InlineError } from './states';

interface ModalProps {
  title: string;
  onClose: () => void;
  children: ReactNode;
  footer?: ReactNode;
}

export function Modal({ title, onClose, children, footer }: ModalProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    dialog.showModal();
    return () => dialog.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className="modal"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
      onClick={(event) => event.target === ref.current && onClose()}
    >
      <div className="modal-head" id={titleId}>
        {title}
      </div>
      <div className="modal-body">{children}</div>
      <div className="modal-foot">
        {footer ?? (
          <button type="button" className="btn" onClick={onClose}>
            Close
          </button>
        )}
      </div>
    </dialog>
  );
}

interface ConfirmProps {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  busy?: boolean;
  error?: ReactNode;
  danger?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}

/** A yes/no question for actions that change shared state (deploy, roll back, revoke, orders). */
export function ConfirmDialog({ title, children, confirmLabel, busy, error, danger, onConfirm, onCancel }: ConfirmProps) {
  return (
    <Modal
      title={title}
      onClose={onCancel}
      footer={
        <>
          <button type="button" className="btn" onClick={onCancel} disabled={busy}>
            Cancel
          </button>
          <button type="button" className={`btn ${danger ? 'danger' : 'primary'}`} onClick={onConfirm} disabled={busy}>
            {busy ? 'Working…' : confirmLabel}
          </button>
        </>
      }
    >
      {children}
      {error && <InlineError block>{error}</InlineError>}
    </Modal>
  );
}
