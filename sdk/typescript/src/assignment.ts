/**
 * Pier's experiment assignment, the same in the server, the OpenFeature provider, the Python SDK and this one.
 *
 * A unit's arm is a pure function of the experiment's `seed` (in its JSON) and the unit id: the 64-bit FNV-1a hash of
 * `utf8(seed) + "\0" + utf8(unit)`, finalized with SplitMix64's mixer; the unit's position `(h >> 11) / 2**53` in
 * [0, 1) falls into the arms' weights laid out in order. Clients that assign themselves report exposures with
 * `POST /api/v1/experiments/{id}/exposures`.
 *
 * ```ts
 * const exp = await (await fetch(`${url}/api/v1/experiments/${id}`)).json();
 * arm(exp.seed, "user-42", exp.arms.map((a) => a.name), exp.arms.map((a) => a.weight));
 * ```
 */

const MASK = (1n << 64n) - 1n;
const UTF8 = new TextEncoder();

/** The unit's 64-bit hash under `seed` (unsigned). */
export function unitHash(seed: string, unit: string): bigint {
  let h = 0xcbf29ce484222325n;
  const bytes = [...UTF8.encode(seed), 0, ...UTF8.encode(unit)];
  for (const b of bytes) {
    h = ((h ^ BigInt(b)) * 0x100000001b3n) & MASK;
  }
  h = ((h ^ (h >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK;
  h = ((h ^ (h >> 27n)) * 0x94d049bb133111ebn) & MASK;
  return h ^ (h >> 31n);
}

/** The unit's position in [0, 1) under `seed`. */
export function position(seed: string, unit: string): number {
  return Number(unitHash(seed, unit) >> 11n) * 2 ** -53;
}

/** The arm (of `arms`, weights summing to 1, control first) the unit falls into. */
export function arm(seed: string, unit: string, arms: string[], weights: number[]): string {
  if (arms.length === 0 || arms.length !== weights.length) {
    throw new RangeError("arms and weights must be non-empty arrays of the same length");
  }
  const u = position(seed, unit);
  let upper = 0;
  for (let i = 0; i < arms.length - 1; i++) {
    upper += weights[i];
    if (u < upper) {
      return arms[i];
    }
  }
  return arms[arms.length - 1];
}
