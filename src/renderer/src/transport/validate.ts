import { contract, events, type AnyEvent, type CallName, type CallOutput, type CallResult } from '@shared/contract';
import { AppError, AppErrorShape } from '@shared/errors';

/**
 * Turns a transport envelope into the call's output: app errors are rethrown as `AppError`, and the value is
 * checked against the contract's output schema (a reply that fails it is a bug on the other side: `internal`).
 */
export function unwrap<N extends CallName>(name: N, result: unknown): CallOutput<N> {
  const envelope = result as CallResult<unknown> | null;
  if (!envelope || typeof envelope !== 'object' || typeof envelope.ok !== 'boolean') {
    throw new AppError('internal', `${name}: the reply is not an envelope`);
  }
  if (!envelope.ok) {
    const shape = AppErrorShape.safeParse(envelope.error);
    if (!shape.success) throw new AppError('internal', `${name}: the error in the reply is malformed`);
    throw AppError.fromShape(shape.data);
  }
  const parsed = contract[name].output.safeParse(envelope.value);
  if (!parsed.success) {
    throw new AppError('internal', `${name}: the reply failed its schema: ${parsed.error.message}`);
  }
  return parsed.data as CallOutput<N>;
}

/** Parses one pushed event; unknown names and malformed payloads are dropped (returns null). */
export function parseEvent(raw: unknown): AnyEvent | null {
  if (!raw || typeof raw !== 'object') return null;
  const { name, payload } = raw as { name?: unknown; payload?: unknown };
  if (typeof name !== 'string' || !Object.hasOwn(events, name)) return null;
  const schema = events[name as keyof typeof events];
  const parsed = schema.safeParse(payload);
  if (!parsed.success) return null;
  return { name, payload: parsed.data } as AnyEvent;
}

/** Reads a File as base64 (no data-URL prefix), for the web transport's `{ name, dataBase64 }` source. */
export function readAsBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onerror = () =>
      reject(new AppError('bad_file', `cannot read ${file.name}`, { params: { name: file.name, reason: 'unreadable' } }));
    reader.onload = () => {
      const url = String(reader.result ?? '');
      const comma = url.indexOf(',');
      resolve(comma >= 0 ? url.slice(comma + 1) : '');
    };
    reader.readAsDataURL(file);
  });
}
