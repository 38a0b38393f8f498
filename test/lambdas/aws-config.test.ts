import { LambdaConfigError, busSpec } from '../../lambdas/shared/aws-config';

/** Which bus a Lambda opens, from the environment its stack gives it. */
describe('busSpec', () => {
  const streams = { HEDGEROW_STREAM_EVENTS: 'hedgerow-events', HEDGEROW_STREAM_RECORDINGS: 'hedgerow-recordings' };

  it('opens Kinesis streams by default', () => {
    expect(busSpec(['events', 'recordings'], streams)).toEqual({ kind: 'kinesis', streams: { events: 'hedgerow-events', recordings: 'hedgerow-recordings' } });
  });

  it("opens MSK topics with IAM authentication in the function's region when HEDGEROW_KAFKA_BROKERS is set", () => {
    const env = { ...streams, HEDGEROW_KAFKA_BROKERS: 'b-1.msk:9098, b-2.msk:9098', AWS_REGION: 'eu-west-1' };
    expect(busSpec(['events'], env)).toEqual({ kind: 'kafka', topics: { events: 'hedgerow-events' }, brokers: ['b-1.msk:9098', 'b-2.msk:9098'], iamRegion: 'eu-west-1' });
    expect(busSpec(['events'], { ...env, HEDGEROW_KAFKA_AUTH: 'none' })).toMatchObject({ kind: 'kafka', iamRegion: undefined });
  });

  it('fails the cold start naming the variable that is missing or wrong', () => {
    expect(() => busSpec(['events_processed'], streams)).toThrow(/HEDGEROW_STREAM_EVENTS_PROCESSED is required/);
    expect(() => busSpec(['events'], { ...streams, HEDGEROW_KAFKA_BROKERS: 'b:9098' })).toThrow(/AWS_REGION is required/);
    expect(() => busSpec(['events'], { ...streams, HEDGEROW_KAFKA_BROKERS: 'b:9098', HEDGEROW_KAFKA_AUTH: 'scram' })).toThrow(LambdaConfigError);
    expect(() => busSpec(['events'], { ...streams, HEDGEROW_KAFKA_BROKERS: 'b-1:9098,', AWS_REGION: 'eu-west-1' })).toThrow(/HEDGEROW_KAFKA_BROKERS must be host:port/);
    expect(() => busSpec(['events'], { ...streams, HEDGEROW_KAFKA_AUTH: 'none' })).toThrow(/HEDGEROW_KAFKA_AUTH is set but HEDGEROW_KAFKA_BROKERS is not/);
  });
});
