import { Agent, Pool } from 'undici';

type PoolOptions = ConstructorParameters<typeof Pool>[1];

/**
 * One balanced endpoint's dispatcher: its own origin goes straight to a `Pool` (the fast path — an
 * `Agent` would add a lookup and a second layer of handler wrapping to every request); any other
 * origin — a cross-origin redirect's next hop — goes to an `Agent` made on first use, so a
 * redirect to origin B is sent to B over B's own connections, never down endpoint A's pool.
 */
export class EndpointDispatcher {
  private readonly pool: Pool;
  private others: Agent | undefined;

  constructor(
    readonly origin: string,
    private readonly options: PoolOptions,
  ) {
    this.pool = new Pool(origin, options);
  }

  dispatch(opts: { origin?: string | URL | null }, handler: object): boolean {
    const o = opts.origin;
    const same =
      typeof o === 'string'
        ? o === this.origin || o === `${this.origin}/`
        : o instanceof URL && o.origin === this.origin;
    if (same)
      return this.pool.dispatch(opts as Parameters<Pool['dispatch']>[0], handler as Parameters<Pool['dispatch']>[1]);
    this.others ??= new Agent(this.options);
    return this.others.dispatch(opts as Parameters<Agent['dispatch']>[0], handler as Parameters<Agent['dispatch']>[1]);
  }

  /** Closes both (in-flight requests finish first). */
  async close(): Promise<void> {
    await Promise.all([this.pool.close(), this.others?.close()]);
  }
}
