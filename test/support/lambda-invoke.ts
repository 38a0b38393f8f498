import { lambdaContext } from './lambda-events';

type Emf = { _aws: { CloudWatchMetrics: { Metrics: { Name: string }[] }[] } } & Record<string, unknown>;

/** Invokes a handler with its EMF metric lines (stdout) taken and summed, anything else passed through. */
export async function invoke<E, R>(handler: (event: E, context: ReturnType<typeof lambdaContext>) => Promise<R>, event: E, name: string) {
  const emf: Emf[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    for (const line of String(chunk).split('\n').filter(Boolean)) {
      if (line.startsWith('{"_aws"')) emf.push(JSON.parse(line) as Emf);
      else write(`${line}\n`);
    }
    return true;
  });
  try {
    const result = await handler(event, lambdaContext(name));
    const metrics: Record<string, number> = {};
    for (const line of emf) for (const m of line._aws.CloudWatchMetrics[0].Metrics) metrics[m.Name] = (metrics[m.Name] ?? 0) + Number(line[m.Name]);
    return { result, metrics };
  } finally {
    spy.mockRestore();
  }
}

/** An HTTP result's status, headers and body (decoded from base64 when binary). */
export function httpOf(result: unknown): { status: number; headers: Record<string, string>; body: Buffer; json: () => any } {
  const r = result as { statusCode: number; headers?: Record<string, string>; body?: string; isBase64Encoded?: boolean };
  const body = Buffer.from(r.body ?? '', r.isBase64Encoded ? 'base64' : 'utf8');
  return { status: r.statusCode, headers: r.headers ?? {}, body, json: () => JSON.parse(body.toString('utf8')) };
}
