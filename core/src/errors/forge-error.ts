// Typed errors thrown by every layer; one HTTP middleware turns them into responses.
import { ERROR_TEXTS, type ErrorCode } from './codes.js';

/** What went wrong, which implies the HTTP status. */
export type ErrorKind =
  'invalid' | 'unauthorized' | 'forbidden' | 'not-found' | 'method-not-allowed' | 'conflict' | 'too-large' | 'rate-limited' | 'unavailable';

export const STATUS_OF_KIND: Readonly<Record<ErrorKind, number>> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  'method-not-allowed': 405,
  conflict: 409,
  'too-large': 413,
  'rate-limited': 429,
  unavailable: 503,
};

/**
 * Pagure's `errors` key: field messages from forms (`{field: ["message"]}`), or a reason
 * string (token checks), or a list of one message (group membership).
 */
export type FieldErrors = Record<string, string[]> | string[] | string;

export interface ForgeErrorOptions {
  /** Defaults to the code's standard text. */
  message?: string;
  errors?: FieldErrors;
  cause?: unknown;
}

// Errors are recognised by a registered symbol, not instanceof: a plugin may load its
// own copy of @pagurus/core, and its errors must still be understood.
const FORGE_ERROR = Symbol.for('pagurus.ForgeError');

export class ForgeError extends Error {
  override readonly name = 'ForgeError';
  readonly [FORGE_ERROR] = true;
  readonly kind: ErrorKind;
  readonly code: ErrorCode;
  readonly errors: FieldErrors | undefined;

  constructor(kind: ErrorKind, code: ErrorCode, options: ForgeErrorOptions = {}) {
    super(options.message ?? ERROR_TEXTS[code], { cause: options.cause });
    this.kind = kind;
    this.code = code;
    this.errors = options.errors;
  }

  get status(): number {
    return STATUS_OF_KIND[this.kind];
  }
}

type Factory = (code: ErrorCode, options?: ForgeErrorOptions | string) => ForgeError;

function factory(kind: ErrorKind): Factory {
  return (code, options) => new ForgeError(kind, code, typeof options === 'string' ? { message: options } : options);
}

export const Invalid = factory('invalid');
export const Unauthorized = factory('unauthorized');
export const Forbidden = factory('forbidden');
export const NotFound = factory('not-found');
export const Conflict = factory('conflict');
export const TooLarge = factory('too-large');
export const RateLimited = factory('rate-limited');
export const Unavailable = factory('unavailable');

export function isForgeError(value: unknown): value is ForgeError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[FORGE_ERROR] === true;
}
