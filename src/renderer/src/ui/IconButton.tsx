import * as Tooltip from '@radix-ui/react-tooltip';
import { forwardRef, type ButtonHTMLAttributes, type ReactNode } from 'react';

interface IconButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  /** The accessible name, also shown as the tooltip. */
  label: string;
  icon: ReactNode;
  /** Visible text next to the icon (defaults to none: icon only). */
  text?: string;
  variant?: 'ghost' | 'plain' | 'primary' | 'danger';
}

/** A button with an icon, an accessible name and a tooltip (Radix). */
export const IconButton = forwardRef<HTMLButtonElement, IconButtonProps>(function IconButton(
  { label, icon, text, variant = 'ghost', className, ...rest },
  ref,
) {
  const button = (
    <button
      ref={ref}
      type="button"
      aria-label={text ? undefined : label}
      className={`btn btn-${variant}${text ? '' : ' btn-icon'}${className ? ` ${className}` : ''}`}
      {...rest}
    >
      <span aria-hidden="true" className="btn-glyph">
        {icon}
      </span>
      {text ? <span>{text}</span> : null}
    </button>
  );
  if (text && text === label) return button;
  return (
    <Tooltip.Root>
      <Tooltip.Trigger asChild>{button}</Tooltip.Trigger>
      <Tooltip.Portal>
        <Tooltip.Content className="tooltip" sideOffset={6}>
          {label}
        </Tooltip.Content>
      </Tooltip.Portal>
    </Tooltip.Root>
  );
});
