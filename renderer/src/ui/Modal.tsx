import { type ReactNode, useEffect, useId, useRef } from 'react';

interface ModalProps {
  title: string;
  onClose: () => void;
  children: ReactNode;
  className?: string;
  /** Describes the dialog for screen readers (keyboard hints). */
  description?: string;
}

/**
 * A native modal <dialog>: the browser keeps focus inside, makes the page behind it inert and closes
 * it on Escape; we only mirror that into the store (onClose) and return focus where it was.
 */
export function Modal({ title, onClose, children, className, description }: ModalProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const descriptionId = useId();
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const before = document.activeElement as HTMLElement | null;
    dialog.showModal();
    // showModal focuses the first focusable element (the close button); the dialog's own field wins.
    dialog.querySelector<HTMLElement>('[data-autofocus]')?.focus();
    const closed = () => onCloseRef.current();
    dialog.addEventListener('close', closed);
    return () => {
      dialog.removeEventListener('close', closed);
      if (dialog.open) dialog.close();
      before?.focus?.();
    };
  }, []);

  return (
    <dialog
      ref={ref}
      className={`modal ${className ?? ''}`}
      aria-labelledby={titleId}
      aria-describedby={description ? descriptionId : undefined}
    >
      <header className="modal-header">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="icon-button" aria-label={`Close ${title}`} onClick={() => onClose()}>
          ×
        </button>
      </header>
      {description && (
        <p id={descriptionId} className="modal-description">
          {description}
        </p>
      )}
      {children}
    </dialog>
  );
}
