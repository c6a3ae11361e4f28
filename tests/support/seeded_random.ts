/**
 * A seeded PRNG (mulberry32) for tests that choose at random and must print how to replay
 * the choice: the seed comes from the environment when given, and is fresh otherwise.
 *
 * @module
 */

/** A source of reproducible choices. */
export interface SeededRandom {
  readonly seed: number;
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number;
  /** One of `items`. */
  pick<T>(items: readonly T[]): T;
}

/** A PRNG seeded with `seed`, or with the integer in env `name`, or with a fresh seed. */
export function seededRandom(name: string, seed?: number): SeededRandom {
  const given = Deno.env.get(name);
  const s = seed ?? (given ? Number(given) : crypto.getRandomValues(new Uint32Array(1))[0]);
  if (!Number.isSafeInteger(s)) throw new Error(`${name} must be an integer`);
  let a = s >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return { seed: s, next, int, pick: (items) => items[int(0, items.length - 1)] };
}
