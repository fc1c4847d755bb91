// The management API's bearer token: loaded once from a file (the operator mounts it from a Secret)
// and checked in constant time. Both sides are hashed to a fixed length first, so neither the
// token's content nor its length leaks through timing.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Disk } from '../../io/index.ts';
import { AUTH_SCHEME, TOKEN_CHARS_MAX, TOKEN_CHARS_MIN } from '../contract/index.ts';

export class ManagementTokenError extends Error {
  override readonly name = 'ManagementTokenError';
}

/** Reads and validates the token file (surrounding whitespace, e.g. a final newline, is ignored). */
export function loadManagementToken(disk: Disk, path: string): string {
  let text: string;
  try {
    text = disk.readFile(path).toString('utf8');
  } catch (error) {
    throw new ManagementTokenError(`cannot read the management token file ${path}: ${(error as Error).message}`);
  }
  const token = text.trim();
  if (token.length < TOKEN_CHARS_MIN || token.length > TOKEN_CHARS_MAX) {
    throw new ManagementTokenError(`the management token in ${path} has ${token.length} characters; expected ${TOKEN_CHARS_MIN}..${TOKEN_CHARS_MAX}`);
  }
  if (/\s/.test(token)) throw new ManagementTokenError(`the management token in ${path} contains whitespace`);
  return token;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Checks `Authorization: Bearer <token>` headers against one expected token. */
export class BearerTokenCheck {
  private readonly expectedDigest: Buffer | null;

  /** With no token configured every check fails: protected routes stay closed, never open. */
  constructor(token: string | null) {
    this.expectedDigest = token === null ? null : digest(token);
  }

  get configured(): boolean {
    return this.expectedDigest !== null;
  }

  matches(authorization: string | undefined): boolean {
    if (this.expectedDigest === null || authorization === undefined) return false;
    const prefix = `${AUTH_SCHEME} `;
    if (authorization.length > prefix.length + TOKEN_CHARS_MAX) return false;
    // The scheme is case-insensitive (RFC 9110); the token is not.
    if (authorization.slice(0, prefix.length).toLowerCase() !== prefix.toLowerCase()) return false;
    return timingSafeEqual(digest(authorization.slice(prefix.length)), this.expectedDigest);
  }
}
