import { QueryConcurrencyError } from './errors';

/**
 * Queries running at once in this process, per team and in all: a query takes a slot of its team
 * and of the process or is refused with 429, and gives both back once it settles.
 */
export class ConcurrencySlots {
  private readonly byTeam = new Map<number, number>();
  private total = 0;

  constructor(
    private readonly perTeam: number,
    private readonly max: number,
  ) {}

  /** Takes a slot of the team and of the process; 429 when either is full. The result frees it (once). */
  acquire(teamId: number): () => void {
    const team = this.byTeam.get(teamId) ?? 0;
    if (team >= this.perTeam) throw new QueryConcurrencyError();
    if (this.total >= this.max) throw new QueryConcurrencyError('Too many queries are running. Try again when some have finished.');
    this.byTeam.set(teamId, team + 1);
    this.total += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total -= 1;
      const left = (this.byTeam.get(teamId) ?? 1) - 1;
      if (left > 0) this.byTeam.set(teamId, left);
      else this.byTeam.delete(teamId);
    };
  }
}
