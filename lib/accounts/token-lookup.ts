/** What capture needs to know about a project token. */
export interface TeamRef {
  readonly teamId: number;
  readonly token: string;
}

/** Resolves a project token (phc_) to its team, or undefined for an unknown token. */
export interface TokenLookup {
  lookup(token: string): Promise<TeamRef | undefined>;
}
