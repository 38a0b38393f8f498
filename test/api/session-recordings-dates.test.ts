import { dateOf } from '../../lib/api/session-recordings-filters';
import { BadRequestError } from '../../lib/http/errors';

describe('session recording filters: date_from / date_to', () => {
  const now = new Date('2024-03-31T12:30:00.000Z');

  it.each([
    ['-30M', '2024-03-31T12:00:00.000Z'],
    ['-2h', '2024-03-31T10:30:00.000Z'],
    ['-3d', '2024-03-28T12:30:00.000Z'],
    ['-1w', '2024-03-24T12:30:00.000Z'],
    // Months and years by the calendar, clamped to the month's last day.
    ['-1m', '2024-02-29T12:30:00.000Z'],
    ['-1y', '2023-03-31T12:30:00.000Z'],
    [' -0d ', '2024-03-31T12:30:00.000Z'],
    ['2024-01-02T03:04:05Z', '2024-01-02T03:04:05.000Z'],
  ])('%s is %s', (value, expected) => {
    expect(dateOf(value, 'date_from', now).toISOString()).toBe(expected);
  });

  it.each(['-3x', 'yesterday-ish', '-1234567d'])('refuses %s with a 400 naming the field', (value) => {
    expect(() => dateOf(value, 'date_to', now)).toThrow(BadRequestError);
    expect(() => dateOf(value, 'date_to', now)).toThrow(/date_to/);
  });
});
