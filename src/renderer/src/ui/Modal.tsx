import * as Dialog from '@radix-ui/react-dialog';
import { X } from 'lucide-react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useReturnFocus } from './useReturnFocus';
import { gridTabStop } from '../lib/grid-focus';

interface ModalProps {
  open: boolean;
  onOpenChange(open: boolean): void;
  title: string;
  description?: ReactNode;
  children: ReactNode;
  /** `alertdialog` for confirmations of destructive actions. */
  role?: 'dialog' | 'alertdialog';
  className?: string;
  /**
   * Where focus lands when the dialog opens. Unless this calls `e.preventDefault()`, focus goes to the dialog's
   * first field (input, select, textarea), else to its first control after the title bar, never to the close
   * button first (so typing goes into the form and Enter submits it).
   */
  onOpenAutoFocus?: (e: Event) => void;
  /**
   * Where focus goes on close when the element that had it before is gone (default: the grid's tab stop, as when the
   * bulk bar that opened the dialog went with the selection).
   */
  returnFocusFallback?: () => HTMLElement | null;
}

const FIELDS = 'input:not([type="hidden"]):not([disabled]), select:not([disabled]), textarea:not([disabled])';
const CONTROLS = `${FIELDS}, button:not([disabled]), a[href], [tabindex]:not([tabindex="-1"])`;

/**
 * The element a dialog's focus should start on: its first visible field, else its first visible control outside
 * the title bar (the close button comes last); null when it has neither (Radix then focuses the close button).
 */
export function firstControl(root: EventTarget | null): HTMLElement | null {
  if (!(root instanceof HTMLElement)) return null;
  const visible = (el: HTMLElement): boolean => el.getClientRects().length > 0 && !el.closest('.modal-head');
  const pick = (sel: string): HTMLElement | null =>
    Array.from(root.querySelectorAll<HTMLElement>(sel)).find(visible) ?? null;
  return pick(FIELDS) ?? pick(CONTROLS);
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
  const focus = useReturnFocus(returnFocusFallback ?? gridTabStop);
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
            if (e.defaultPrevented) return;
            const first = firstControl(e.currentTarget);
            if (first) {
              e.preventDefault();
              first.focus();
            }
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
