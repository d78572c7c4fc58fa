import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ParamControl as Control } from '../../../../shared/capabilities';
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
  const current = typeof value === 'number' ? value : control.default;
  // The text being typed, which may be briefly empty or out of range; the store only ever holds valid values.
  const [text, setText] = useState(String(current));
  // When the value changes from outside (model switch, carried params), show it.
  const [shown, setShown] = useState(current);
  if (shown !== current) {
    setShown(current);
    setText(String(current));
  }
  const clamp = (n: number): number => Math.min(control.max, Math.max(control.min, Math.round(n)));
  return (
    <div className="field field-narrow">
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      <input
        id={id}
        className="input"
        type="number"
        inputMode="numeric"
        min={control.min}
        max={control.max}
        step={1}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          const n = Number(e.target.value);
          if (e.target.value !== '' && Number.isInteger(n) && n >= control.min && n <= control.max) onChange(n);
        }}
        onBlur={() => {
          const n = Number(text);
          const fixed = text === '' || !Number.isFinite(n) ? current : clamp(n);
          setText(String(fixed));
          if (fixed !== current) onChange(fixed);
        }}
      />
    </div>
  );
}
