/** A request the caller can fix: maps to 400 with the message as `error`. */
export class InputError extends Error {
  /** The request field the error is about, e.g. `amount`. */
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = "InputError";
    this.field = field;
  }
}

/** The named thing does not exist (unknown hash, unknown domain): maps to 404. */
export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotFoundError";
  }
}

/** The request conflicts with the current state (cancelling a sent withdrawal): maps to 409. */
export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConflictError";
  }
}

/** The chain or its node could not answer now: maps to 503, the caller may retry. */
export class UnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnavailableError";
  }
}

/**
 * Runs a node call made for an API request: a node failure becomes an UnavailableError (503)
 * saying that `chain`'s node did not answer the `what` request. The node's own message is
 * dropped: it may carry the endpoint, and with it an API key.
 */
export async function fromNode<T>(chain: string, what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof UnavailableError) throw error;
    throw new UnavailableError(`the ${chain} node did not answer the ${what} request; try again`);
  }
}
