/**
 * The dispatcher: the one place where contract calls are validated and routed to their handlers. Both
 * transports (Electron IPC in src/main/ipc.ts, the local web host in src/main/web) sit on top of it.
 */
import { EventEmitter } from 'node:events';
import type { FileHandle } from 'node:fs/promises';
import {
  contract,
  events as eventSchemas,
  type AnyEvent,
  type CallContext,
  type CallName,
  type CallResult,
  type EventName,
  type EventPayload,
  type Handlers,
  type MediaVariant,
} from '@shared/contract';
import { AppError, toAppError } from '@shared/errors';
import { tooBigParams } from '@shared/limits';
import { issueParams } from '@shared/validation-issue';
import { z } from 'zod';

/** What a transport needs from the app. */
export interface Dispatcher {
  /** Validates `input` against the contract, runs the handler, and wraps the outcome in the envelope. */
  call(name: string, input: unknown, ctx: CallContext): Promise<CallResult<unknown>>;
  /** Subscribes to events for the renderer; returns the unsubscribe function. */
  subscribe(listener: (event: AnyEvent) => void): () => void;
  /**
   * The file behind a media URL, or null when the blob is unknown. Only ids from the library resolve. `open`, when
   * given, opens it through the library's containment check (`openInside`: no symbolic link is followed); a
   * transport uses it rather than opening `path` itself.
   */
  mediaFile(blobId: string, variant: MediaVariant): Promise<{ path: string; mime: string; open?: () => Promise<FileHandle> } | null>;
}

/** Typed event sink the services publish to. */
export class EventBus {
  private readonly emitter = new EventEmitter();
  constructor() {
    this.emitter.setMaxListeners(100);
  }
  /** Publishes an event; the payload is validated against the contract's event schema. */
  emit<E extends EventName>(name: E, payload: EventPayload<E>): void {
    const parsed = eventSchemas[name].parse(payload) as EventPayload<E>;
    this.emitter.emit('event', { name, payload: parsed } as AnyEvent);
  }
  subscribe(listener: (event: AnyEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}

export function isCallName(name: string): name is CallName {
  return Object.prototype.hasOwnProperty.call(contract, name);
}

/**
 * Builds a dispatcher over `handlers`.
 * @param log receives internal errors (with stacks) so they are not lost; never given the inputs (they may hold keys)
 */
export function createDispatcher(
  handlers: Handlers,
  bus: EventBus,
  mediaFile: Dispatcher['mediaFile'],
  log: (msg: string, err: unknown) => void = () => {},
): Dispatcher {
  return {
    async call(name, input, ctx) {
      if (!isCallName(name)) {
        return { ok: false, error: new AppError('not_found', `unknown call ${name}`).toShape() };
      }
      const spec = contract[name];
      const parsed = spec.input.safeParse(input ?? {});
      if (!parsed.success) {
        // A limit of src/shared/limits.ts (too long, too many) is reported first, with the limit (`max`, `unit`).
        const issue = parsed.error.issues.find((i) => tooBigParams(i) !== null) ?? parsed.error.issues[0];
        const field = issue?.path.join('.') ?? '';
        const limit = issue ? tooBigParams(issue) : null;
        return {
          ok: false,
          error: new AppError('validation', `${name}: ${field ? field + ': ' : ''}${issue?.message ?? 'invalid input'}`, {
            // Else the issue's code and facts (validation-issue.ts), which the renderer says in the user's language.
            params: limit ? { field, ...limit } : issue ? issueParams(issue) : { field, reason: 'invalid' },
          }).toShape(),
        };
      }
      try {
        const handler = handlers[name] as (i: unknown, c: CallContext) => Promise<unknown> | unknown;
        const value = await handler(parsed.data, ctx);
        return { ok: true, value: (spec.output as z.ZodType).parse(value) };
      } catch (err) {
        const e = toAppError(err);
        if (e.code === 'internal') log(`call ${name} failed`, err);
        return { ok: false, error: e.toShape() };
      }
    },
    subscribe: (listener) => bus.subscribe(listener),
    mediaFile,
  };
}
