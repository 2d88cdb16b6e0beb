// The run's parameters as form controls, from lib/params-form.ts. Labels and help are the developer's
// text, shown as text; each control is labelled and its problem is tied to it (aria-describedby).
import { useId } from 'react';
import type { FormValue, FormValues, ParamField } from '../lib/params-form';

interface ParamsFormProps {
  fields: ParamField[];
  values: FormValues;
  errors: Record<string, string>;
  onChange: (name: string, value: FormValue) => void;
}

function Control({
  field,
  value,
  id,
  describedBy,
  onChange,
}: {
  field: ParamField;
  value: FormValue | undefined;
  id: string;
  describedBy: string | undefined;
  onChange: (value: FormValue) => void;
}) {
  const control = field.control;
  const text = typeof value === 'string' ? value : '';
  switch (control.kind) {
    case 'checkbox':
      return <input id={id} type="checkbox" checked={value === true} aria-describedby={describedBy} onChange={(event) => onChange(event.target.checked)} />;
    case 'select':
      return (
        <select id={id} value={text} aria-describedby={describedBy} required={field.required} onChange={(event) => onChange(event.target.value)}>
          {field.required ? null : <option value="">(default)</option>}
          {control.options.map((option) => (
            <option key={String(option)} value={String(option)}>
              {String(option)}
            </option>
          ))}
        </select>
      );
    case 'multi-select': {
      const chosen = Array.isArray(value) ? value : [];
      return (
        <fieldset id={id} aria-describedby={describedBy} className="choices">
          <legend className="visually-hidden">{field.label}</legend>
          {control.options.map((option) => {
            const optionText = String(option);
            return (
              <label key={optionText} className="choice">
                <input
                  type="checkbox"
                  checked={chosen.includes(optionText)}
                  onChange={(event) => onChange(event.target.checked ? [...chosen, optionText] : chosen.filter((item) => item !== optionText))}
                />
                {optionText}
              </label>
            );
          })}
        </fieldset>
      );
    }
    case 'list':
      return <textarea id={id} value={text} rows={3} aria-describedby={describedBy} onChange={(event) => onChange(event.target.value)} />;
    case 'number':
      return (
        <input
          id={id}
          type="number"
          inputMode={control.integer ? 'numeric' : 'decimal'}
          step={control.integer ? 1 : 'any'}
          min={control.minimum}
          max={control.maximum}
          value={text}
          required={field.required}
          aria-describedby={describedBy}
          onChange={(event) => onChange(event.target.value)}
        />
      );
    case 'text':
      return (
        <input
          id={id}
          type="text"
          value={text}
          maxLength={control.maxLength}
          required={field.required}
          aria-describedby={describedBy}
          onChange={(event) => onChange(event.target.value)}
        />
      );
  }
}

export function ParamsForm({ fields, values, errors, onChange }: ParamsFormProps) {
  const baseId = useId();
  if (fields.length === 0) return <p>This analysis has no settings.</p>;
  return (
    <div className="params">
      {fields.map((field) => {
        const id = `${baseId}-${field.name}`;
        const helpId = field.description ? `${id}-help` : undefined;
        const errorId = errors[field.name] ? `${id}-error` : undefined;
        const describedBy = [helpId, errorId].filter(Boolean).join(' ') || undefined;
        const hint =
          field.control.kind === 'list'
            ? ' (one per line)'
            : field.control.kind === 'number' && field.control.minimum !== undefined && field.control.maximum !== undefined
              ? ` (${field.control.minimum} to ${field.control.maximum})`
              : '';
        return (
          <div className={`field${field.control.kind === 'checkbox' ? ' field-inline' : ''}`} key={field.name}>
            <label htmlFor={id}>
              {field.label}
              {field.required ? <span aria-hidden="true"> *</span> : null}
              <span className="muted">{hint}</span>
            </label>
            <Control field={field} value={values[field.name]} id={id} describedBy={describedBy} onChange={(value) => onChange(field.name, value)} />
            {field.description ? (
              <p className="help" id={helpId}>
                {field.description}
              </p>
            ) : null}
            {errorId ? (
              <p className="error" id={errorId} role="alert">
                {errors[field.name]}
              </p>
            ) : null}
          </div>
        );
      })}
    </div>
  );
}
