/** A user as PostHog's API embeds one (`created_by`, `last_modified_by`). */
export interface UserBasic {
  readonly id: number;
  readonly uuid: string;
  readonly email: string;
  readonly first_name: string;
}

/** The columns `userColumns(alias)` selects, as a row has them. */
export type UserColumns<A extends string = 'cu'> = { [K in `${A}_${'id' | 'uuid' | 'email' | 'first_name'}`]: string | number | null };

/** SELECT list of a `posthog_user` joined as `alias` (null columns when the join found none). */
export const userColumns = (alias: string): string =>
  `${alias}.id AS ${alias}_id, ${alias}.uuid::text AS ${alias}_uuid, ${alias}.email AS ${alias}_email, ${alias}.first_name AS ${alias}_first_name`;

/** The user a row's `alias_*` columns name, or null. */
export function userOf<A extends string = 'cu'>(row: UserColumns<A>, alias: A = 'cu' as A): UserBasic | null {
  const r = row as Record<string, string | number | null | undefined>;
  if (r[`${alias}_id`] === null || r[`${alias}_id`] === undefined) return null;
  return { id: Number(r[`${alias}_id`]), uuid: String(r[`${alias}_uuid`]), email: String(r[`${alias}_email`]), first_name: String(r[`${alias}_first_name`] ?? '') };
}
