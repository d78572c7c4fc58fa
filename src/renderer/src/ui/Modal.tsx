import * as Dialog from '@radix-ui/react-dialog';
import { X } from 'lucide-react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useReturnFocus } from './useReturnFocus';

interface ModalProps {
  open: boolean;
  onOpenChange(open: boolean): void;
  title: string;
  description?: ReactNode;
  children: ReactNode;
  /** `alertdialog` for confirmations of destructive actions. */
  role?: 'dialog' | 'alertdialog';
  className?: string;
  /** Where focus lands when the dialog opens (default: the first focusable element). */
  onOpenAutoFocus?: (e: Event) => void;
  /** Where focus goes on close when the element that had it before is gone. */
  returnFocusFallback?: () => HTMLElement | null;
}

/** A centred modal dialog (Radix): focus trapped, Escape closes, named by its title. */
export function Modal({
  open,
  onOpenChange,
  title,
  description,
  children,
  role = 'dialog',
  className,
  onOpenAutoFocus,
  returnFocusFallback,
}: ModalProps) {
  const { t } = useTranslation();
  const focus = useReturnFocus(returnFocusFallback);
  return (
    <Dialog.Root open={open} onOpenChange={onOpenChange}>
      <Dialog.Portal>
        <Dialog.Overlay className="overlay" />
        <Dialog.Content
          role={role}
          className={`modal${className ? ` ${className}` : ''}`}
          {...(description ? {} : { 'aria-describedby': undefined })}
          onOpenAutoFocus={(e) => {
            focus.onOpenAutoFocus(e);
            onOpenAutoFocus?.(e);
          }}
          onCloseAutoFocus={focus.onCloseAutoFocus}
        >
          <div className="modal-head">
            <Dialog.Title className="modal-title">{title}</Dialog.Title>
            <Dialog.Close asChild>
              <button type="button" className="btn btn-ghost btn-icon" aria-label={t('app.close')}>
                <X size={16} aria-hidden="true" />
              </button>
            </Dialog.Close>
          </div>
          {description ? <Dialog.Description className="modal-desc">{description}</Dialog.Description> : null}
          {children}
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
