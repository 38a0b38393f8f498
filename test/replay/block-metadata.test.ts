import { activeMilliseconds, blockMetadata } from '../../lib/replay/block-metadata';
import { decompressEvent } from '../../lib/replay/decompress-events';
import { click, consoleLog, fixtureEvents, input, meta, mouseMove } from './replay-harness';

describe('block metadata', () => {
  test('the real posthog-js batch: 2 clicks, 1 keypress, 13 mouse events, 500 ms active, its URL', () => {
    const events = fixtureEvents().map((e) => decompressEvent(e).event);
    const m = blockMetadata(events, 0);
    expect(m).toEqual({
      firstTimestamp: 1795465235190,
      lastTimestamp: 1795465237875,
      firstUrl: 'http://127.0.0.1:8011/',
      urls: ['http://127.0.0.1:8011/'],
      clickCount: 2,
      keypressCount: 1,
      mouseActivityCount: 13,
      activeMilliseconds: 500,
      firstActiveTimestamp: 1795465237375,
      lastActiveTimestamp: 1795465237875,
      consoleLogCount: 0,
      consoleWarnCount: 0,
      consoleErrorCount: 0,
      eventCount: 20,
    });
  });

  test('console plugin events by level', () => {
    const levels = ['log', 'info', 'debug', 'warn', 'countReset', 'error', 'assert', 'error', 'trace'];
    const m = blockMetadata(levels.map((l, i) => consoleLog(i, l)), 0);
    expect([m.consoleLogCount, m.consoleWarnCount, m.consoleErrorCount]).toEqual([4, 2, 3]);
    // other plugins (network) do not count
    expect(blockMetadata([{ type: 6, timestamp: 1, data: { plugin: 'rrweb/network@1', payload: { level: 'error' } } }], 0).consoleErrorCount).toBe(0);
  });

  test('clicks are click, double click, context menu and touch end; mouse activity is moves, interactions, touch moves', () => {
    const interaction = (type: number) => ({ type: 3, timestamp: 1, data: { source: 2, type } });
    const events: unknown[] = [...[0, 1, 2, 3, 4, 5, 6, 7, 9].map(interaction), mouseMove(2), { type: 3, timestamp: 3, data: { source: 6 } }, { type: 3, timestamp: 3, data: { source: 3 } }];
    const m = blockMetadata(events, 0);
    expect(m.clickCount).toBe(4);
    expect(m.mouseActivityCount).toBe(11);
    expect(m.keypressCount).toBe(0);
  });

  test('URLs from Meta events and Custom payloads, first by time, distinct, in time order', () => {
    const custom = (ts: number, href: string) => ({ type: 5, timestamp: ts, data: { tag: '$pageview', payload: { href } } });
    const m = blockMetadata([meta(30, 'https://b.example/'), custom(20, 'https://a.example/'), meta(10, '  '), meta(40, 'https://a.example/'), click(5)], 0);
    expect(m.firstUrl).toBe('https://a.example/');
    expect(m.urls).toEqual(['https://a.example/', 'https://b.example/']);
    expect(m.firstTimestamp).toBe(5);
    expect(m.lastTimestamp).toBe(40);
  });

  test('no usable timestamp: the fallback time; garbage timestamps are ignored', () => {
    expect(blockMetadata([{ type: 3 }, 'x', null], 777)).toMatchObject({ firstTimestamp: 777, lastTimestamp: 777, eventCount: 3 });
    expect(blockMetadata([click(-5), click(1e20), click(Number.NaN), click(100)], 0)).toMatchObject({ firstTimestamp: 100, lastTimestamp: 100 });
  });

  describe('active time (PostHog segmenter: activity with gaps under 5 s)', () => {
    const at = (...points: [number, boolean][]) => activeMilliseconds(points.map(([ts, active]) => ({ ts, active })));
    test.each<[string, [number, boolean][], number]>([
      ['nothing', [], 0],
      ['only inactive events', [[0, false], [10_000, false]], 0],
      ['one active event counts 1 ms', [[1000, true]], 1],
      ['activity 2 s apart is continuous', [[0, true], [2000, true], [4000, true]], 4000],
      ['a gap over 5 s splits it', [[0, true], [1000, true], [7000, true], [8000, true]], 2000],
      ['inactive events inside an active stretch extend it', [[0, true], [3000, false], [4000, true]], 4000],
      ['an inactive event after 5 s of quiet ends it', [[0, true], [1000, true], [9000, false], [20000, false]], 1000],
    ])('%s', (_name, points, expected) => {
      expect(at(...points)).toBe(expected);
    });
  });

  test('active time runs across blocks: a first activity within 5 s of the previous block’s last one bridges the gap', () => {
    const block = [mouseMove(10_000), click(11_000)];
    expect(blockMetadata(block, 0).activeMilliseconds).toBe(1000);
    expect(blockMetadata(block, 0, [3000, 7000]).activeMilliseconds).toBe(4000);
    expect(blockMetadata(block, 0, [4000]).activeMilliseconds).toBe(1000); // 6 s of quiet: a new segment
    expect(blockMetadata(block, 0, [12_000]).activeMilliseconds).toBe(1000); // later activity elsewhere: no bridge
    expect(blockMetadata([consoleLog(10_000, 'log')], 0, [9000]).activeMilliseconds).toBe(0);
  });

  test('counts keypresses from input events', () => {
    expect(blockMetadata([input(1), input(2)], 0).keypressCount).toBe(2);
  });
});
