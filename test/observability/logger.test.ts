import { createJsonLogger, redact } from '../../lib/observability/logger';

describe('logger', () => {
  it('never writes personal keys, project secrets, passwords or authorization headers', () => {
    const lines: string[] = [];
    const logger = createJsonLogger({ write: (l) => lines.push(l) });
    logger.error('request with phx_abcdefghijklmnop failed', {
      headers: { authorization: 'Bearer phx_secretvalue123', 'content-type': 'application/json' },
      password: 'hunter2',
      secret_api_token: 'phs_projectsecret',
      nested: { detail: 'key phs_zzzzzz9 rejected', list: ['phx_inlist1'] },
      error: new Error('bad key phx_fromerror'),
      token: 'phc_public_project_token',
    });
    const out = lines.join('\n');
    for (const secret of ['phx_abcdefghijklmnop', 'phx_secretvalue123', 'hunter2', 'phs_projectsecret', 'phs_zzzzzz9', 'phx_inlist1', 'phx_fromerror']) {
      expect(out).not.toContain(secret);
    }
    // Project tokens are public (they ship in every web page): they stay readable for debugging.
    expect(out).toContain('phc_public_project_token');
    expect(JSON.parse(lines[0])).toMatchObject({ level: 'error', headers: { 'content-type': 'application/json' } });
  });

  it('respects the level and redacts deeply without throwing on cycles of depth', () => {
    const lines: string[] = [];
    const logger = createJsonLogger({ level: 'warn', write: (l) => lines.push(l) });
    logger.info('hidden');
    logger.warn('shown');
    expect(lines).toHaveLength(1);
    const deep: Record<string, unknown> = {};
    let cur = deep;
    for (let i = 0; i < 20; i++) cur = (cur.next = {}) as Record<string, unknown>;
    expect(() => JSON.stringify(redact(deep))).not.toThrow();
  });
});
