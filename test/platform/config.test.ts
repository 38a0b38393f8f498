import path from 'node:path';
import { ConfigError, loadLocalConfig } from '../../lib/platform/config';

describe('local configuration', () => {
  it('has defaults that need nothing', () => {
    const config = loadLocalConfig([], {});
    expect(config).toMatchObject({ port: 8010, host: '127.0.0.1', dataDir: path.resolve('.hedgerow'), shards: 2, logLevel: 'info' });
    expect(config.databaseUrl).toBeUndefined();
  });

  it('reads flags and environment', () => {
    const config = loadLocalConfig(['--port', '9000', '--data-dir=/tmp/x'], {
      HEDGEROW_PROJECT_TOKEN: 'phc_abc',
      HEDGEROW_PERSONAL_API_KEY: 'phx_def',
      DATABASE_URL: 'postgres://u@h/db',
      S3_ENDPOINT: 'http://127.0.0.1:4569',
      S3_BUCKET: 'b',
    });
    expect(config).toMatchObject({ port: 9000, dataDir: '/tmp/x', projectToken: 'phc_abc', personalApiKey: 'phx_def', databaseUrl: 'postgres://u@h/db', s3: { endpoint: 'http://127.0.0.1:4569', bucket: 'b' } });
  });

  it('switches the bus to Kinesis with KINESIS_ENDPOINT, with default stream names', () => {
    expect(loadLocalConfig([], {}).kinesis).toBeUndefined();
    expect(loadLocalConfig([], { KINESIS_ENDPOINT: 'http://127.0.0.1:4567' }).kinesis).toEqual({
      endpoint: 'http://127.0.0.1:4567',
      region: 'us-east-1',
      streams: { events: 'hedgerow-events', events_processed: 'hedgerow-events-processed', recordings: 'hedgerow-recordings' },
      createStreams: true,
    });
    const named = loadLocalConfig([], {
      KINESIS_ENDPOINT: 'https://kinesis.eu-west-1.amazonaws.com',
      AWS_REGION: 'eu-west-1',
      KINESIS_STREAM_EVENTS: 'prod-events',
      KINESIS_STREAM_RECORDINGS: 'prod.recordings',
      KINESIS_CREATE_STREAMS: 'false',
    }).kinesis;
    expect(named).toMatchObject({ region: 'eu-west-1', createStreams: false, streams: { events: 'prod-events', events_processed: 'hedgerow-events-processed', recordings: 'prod.recordings' } });
  });

  it('switches the bus to Kafka with KAFKA_BROKERS, plaintext unless KAFKA_MSK_IAM, with default topic names', () => {
    expect(loadLocalConfig([], {}).kafka).toBeUndefined();
    expect(loadLocalConfig([], { KAFKA_BROKERS: '127.0.0.1:9092, kafka-2:9092' }).kafka).toEqual({
      brokers: ['127.0.0.1:9092', 'kafka-2:9092'],
      topics: { events: 'hedgerow-events', events_processed: 'hedgerow-events-processed', recordings: 'hedgerow-recordings' },
      iamRegion: undefined,
    });
    const msk = loadLocalConfig([], { KAFKA_BROKERS: 'b-1.msk:9098', KAFKA_MSK_IAM: 'true', AWS_REGION: 'eu-west-1', KAFKA_TOPIC_EVENTS: 'prod.events' }).kafka;
    expect(msk).toMatchObject({ iamRegion: 'eu-west-1', topics: { events: 'prod.events', events_processed: 'hedgerow-events-processed' } });
  });

  it.each([
    [['--port', 'abc'], {}, /--port/],
    [['--port'], {}, /--port needs a value/],
    [[], { HEDGEROW_PROJECT_TOKEN: 'phx_wrong' }, /HEDGEROW_PROJECT_TOKEN must start with phc_/],
    [[], { HEDGEROW_PERSONAL_API_KEY: 'phc_wrong' }, /HEDGEROW_PERSONAL_API_KEY must start with phx_/],
    [[], { DATABASE_URL: 'not a url' }, /DATABASE_URL is not a URL/],
    [[], { S3_ENDPOINT: 'http://x' }, /S3_BUCKET is required/],
    [[], { LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    [[], { HEDGEROW_SHARDS: '0' }, /HEDGEROW_SHARDS/],
    [[], { KINESIS_ENDPOINT: 'kinesis here' }, /KINESIS_ENDPOINT is not a URL/],
    [[], { KINESIS_STREAM_EVENTS: 'events' }, /KINESIS_STREAM_EVENTS is set but KINESIS_ENDPOINT is not/],
    [[], { KINESIS_CREATE_STREAMS: 'false' }, /KINESIS_CREATE_STREAMS is set but KINESIS_ENDPOINT is not/],
    [[], { KINESIS_ENDPOINT: 'http://k', KINESIS_STREAM_RECORDINGS: 'bad name!' }, /KINESIS_STREAM_RECORDINGS must be 1 to 128 letters/],
    [[], { KINESIS_ENDPOINT: 'http://k', KINESIS_STREAM_EVENTS_PROCESSED: 'hedgerow-events' }, /KINESIS_STREAM_EVENTS_PROCESSED must differ from KINESIS_STREAM_EVENTS/],
    [[], { KINESIS_ENDPOINT: 'http://k', KINESIS_CREATE_STREAMS: 'maybe' }, /KINESIS_CREATE_STREAMS must be true or false/],
    [[], { KAFKA_BROKERS: 'localhost' }, /KAFKA_BROKERS must be host:port/],
    [[], { KAFKA_BROKERS: 'a:1', KINESIS_ENDPOINT: 'http://k' }, /KAFKA_BROKERS and KINESIS_ENDPOINT choose two different buses/],
    [[], { KAFKA_TOPIC_EVENTS: 'events' }, /KAFKA_TOPIC_EVENTS is set but KAFKA_BROKERS is not/],
    [[], { KAFKA_BROKERS: 'a:1', KAFKA_TOPIC_RECORDINGS: 'hedgerow-events' }, /KAFKA_TOPIC_RECORDINGS must differ from KAFKA_TOPIC_EVENTS/],
    [[], { KAFKA_BROKERS: 'a:1', KAFKA_MSK_IAM: 'sometimes' }, /KAFKA_MSK_IAM must be true or false/],
    [[], { KAFKA_BROKERS: 'b-1.msk:9098', KAFKA_MSK_IAM: 'true' }, /AWS_REGION is required with KAFKA_MSK_IAM/],
  ])('refuses %j %j loudly, naming the variable', (argv, env, message) => {
    expect(() => loadLocalConfig(argv as string[], env as NodeJS.ProcessEnv)).toThrow(ConfigError);
    expect(() => loadLocalConfig(argv as string[], env as NodeJS.ProcessEnv)).toThrow(message as RegExp);
  });
});
