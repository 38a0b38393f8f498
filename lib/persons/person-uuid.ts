import { v5 as uuidv5 } from 'uuid';

/** PostHog's namespace for deterministic person UUIDs (contract §2.1). */
const PERSON_NAMESPACE = '932979b4-65c3-4424-8467-0b66ec27bc22';

/** The UUID of the person first created for `distinctId`, and of that id's personless events. */
export function personUuidFor(teamId: number, distinctId: string): string {
  return uuidv5(`${teamId}:${distinctId}`, PERSON_NAMESPACE);
}
