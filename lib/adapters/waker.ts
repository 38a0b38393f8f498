/** Timed waits that another part of the same loop can cut short (new data, a drain, a stop). */
export class Waker {
  private waiters: (() => void)[] = [];
  private closed = false;

  /** Resolves after `ms`, or earlier at the next `wakeAll`; at once after `close`. */
  wait(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.push(done);
    });
  }

  wakeAll(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Wakes every waiter, now and from now on (the loop is stopping). */
  close(): void {
    this.closed = true;
    this.wakeAll();
  }
}
