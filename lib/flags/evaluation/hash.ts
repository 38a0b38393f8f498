import { hash } from 'node:crypto';
import type { FlagVariant } from '../types';

/**
 * PostHog's bucketing hash (contract §3.5): SHA1 of `key.identifier+salt`, the first 15 hex
 * digits (60 bits) read as an integer, converted to a double *before* dividing by
 * 0xFFFFFFFFFFFFFFF (which itself rounds to 2^60). Every SDK and the flags service do exactly this.
 */
const LONG_SCALE = 0xfffffffffffffff;

function hashHex(input: string): number {
  // The one-shot crypto.hash: no Hash object per call (4× faster, and /flags hashes ~100 times a request).
  const hex = hash('sha1', input, 'hex');
  return parseInt(hex.slice(0, 15), 16) / LONG_SCALE;
}

/** `hash(key, identifier, salt)` in [0, 1]. */
export function flagHash(key: string, identifier: string, salt = ''): number {
  return hashHex(`${key}.${identifier}${salt}`);
}

/** Holdout hash: SHA1 of `holdout-<identifier>` (no key, no dot). */
export function holdoutHash(identifier: string): number {
  return hashHex(`holdout-${identifier}`);
}

/** In rollout ⇔ hash ≤ percentage/100 (100 % always passes; 0 % only for a hash of exactly 0). */
export function isInRollout(key: string, identifier: string, rolloutPercentage: number): boolean {
  return flagHash(key, identifier) <= rolloutPercentage / 100;
}

/** Held out ⇔ holdout hash ≤ exclusion/100; the percentage is clamped to 0–100 and 100 always holds out. */
export function isHeldOut(identifier: string, exclusionPercentage: number): boolean {
  const pct = Math.min(Math.max(Number(exclusionPercentage), 0), 100);
  if (!Number.isFinite(pct)) return false;
  return pct === 100 || holdoutHash(identifier) <= pct / 100;
}

/** The variant whose cumulative range [min, min + pct/100) holds `hash(key, id, "variant")`, or null. */
export function variantFor(key: string, identifier: string, variants: readonly FlagVariant[]): string | null {
  return variantForHash(flagHash(key, identifier, 'variant'), variants);
}

export function variantForHash(hash: number, variants: readonly FlagVariant[]): string | null {
  let min = 0;
  for (const variant of variants) {
    const max = min + variant.rollout_percentage / 100;
    if (hash >= min && hash < max) return variant.key;
    min = max;
  }
  return null;
}
