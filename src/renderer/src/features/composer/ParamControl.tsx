import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ParamControl as Control } from '@shared/capabilities';
import { paramLabel, paramValueLabel } from '../../i18n/format';

interface ParamControlProps {
  control: Control;
  value: unknown;
  /** The model's schema refuses the current value. */
  invalid?: boolean;
  onChange(value: unknown): void;
}

/** One model parameter: an enum as a select, an integer as a number field bounded by the model's range. */
export function ParamControl({ control, value, invalid = false, onChange }: ParamControlProps) {
  const { t } = useTranslation();
  const id = useId();
  const label = paramLabel(t, control.name);
  if (control.kind === 'enum') {
    const current = typeof value === 'string' && control.options.includes(value) ? value : control.default;
    return (
      <div className="field">
        <label htmlFor={id} className="field-label">
          {label}
        </label>
        <select id={id} className="select" value={current} onChange={(e) => onChange(e.target.value)}>
          {control.options.map((o) => (
            <option key={o} value={o}>
              {paramValueLabel(t, control.name, o)}
            </option>
          ))}
        </select>
      </div>
    );
  }
  if (control.kind === 'int') return <IntField id={id} label={label} control={control} value={value} onChange={onChange} />;
  return <SizeField id={id} label={label} control={control} value={value} invalid={invalid} onChange={onChange} />;
}

/** A size: pick a preset or type `WxH`; the model's schema says whether it is accepted. */
function SizeField({
  id,
  label,
  control,
  value,
  invalid,
  onChange,
}: {
  id: string;
  label: string;
  control: { name: string; presets: readonly string[]; default: string };
  value: unknown;
  invalid: boolean;
  onChange(value: unknown): void;
}) {
  const { t } = useTranslation();
  const current = typeof value === 'string' ? value : control.default;
  return (
    <div className="field">
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      <input
        id={id}
        className="input"
        list={`${id}-presets`}
        value={current}
        spellCheck={false}
        autoComplete="off"
        aria-invalid={invalid}
        aria-describedby={`${id}-hint`}
        title={t('composer.sizeHint')}
        onChange={(e) => onChange(e.target.value.trim().toLowerCase().replace('×', 'x'))}
      />
      <datalist id={`${id}-presets`}>
        {control.presets.map((p) => (
          <option key={p} value={p} label={paramValueLabel(t, control.name, p)} />
        ))}
      </datalist>
      <span id={`${id}-hint`} className={invalid ? 'error-text small' : 'sr-only'}>
        {invalid ? t('composer.invalidValue') : t('composer.sizeHint')}
      </span>
    </div>
  );
}

/**
 * A whole number within the model's range. What is typed stays as typed: a value out of range, a fraction or an
 * empty field is refused with the range next to the field (and goes to the store as is, so the model's schema
 * refuses it and Generate stays disabled) — never clamped behind the user's back.
 */
function IntField({
  id,
  label,
  control,
  value,
  onChange,
}: {
  id: string;
  label: string;
  control: Extract<Control, { kind: 'int' }>;
  value: unknown;
  onChange(value: unknown): void;
}) {
  const { t } = useTranslation();
  const current = typeof value === 'number' ? value : control.default;
  // The text being typed; the store holds the number it reads as (NaN when empty), valid or not.
  const [text, setText] = useState(Number.isNaN(current) ? '' : String(current));
  // When the value changes from outside (model switch, carried params), show it.
  const [shown, setShown] = useState(current);
  if (!Object.is(shown, current)) {
    setShown(current);
    if (!Object.is(Number(text === '' ? NaN : text), current)) setText(Number.isNaN(current) ? '' : String(current));
  }
  const n = text.trim() === '' ? NaN : Number(text);
  const ok = Number.isInteger(n) && n >= control.min && n <= control.max;
  return (
    <div className="field field-narrow">
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      <input
        id={id}
        className={`input${ok ? '' : ' is-invalid'}`}
        type="number"
        inputMode="numeric"
        min={control.min}
        max={control.max}
        step={1}
        value={text}
        aria-invalid={!ok}
        aria-describedby={ok ? undefined : `${id}-range`}
        onChange={(e) => {
          setText(e.target.value);
          const next = e.target.value.trim() === '' ? NaN : Number(e.target.value);
          setShown(next);
          onChange(next);
        }}
      />
      {ok ? null : (
        <span id={`${id}-range`} className="error-text small" role="alert">
          {t('composer.intRange', { label, min: control.min, max: control.max })}
        </span>
      )}
    </div>
  );
}
