import type { AnalyticsStore } from '../../../lib/ports/analytics-store';
import { runTrendsQuery } from '../../../lib/query/insights/trends';
import type { ActionDefinition } from '../../../lib/query/types';
import { openTestStore } from '../../support/chdb';
import { insertEvents, makeContext, TEAM, type FixtureEvent } from './fixtures';

let store: AnalyticsStore;

/*
 * Autocapture clicks on Jan 1–3, 2024 (chains in posthog-js format, clicked element first):
 *   Jan 1: p1 clicks "Buy" (a span in button.buy.btn inside div.checkout), p2 the same button
 *   Jan 2: p1 a button.buy-later (class only shares a prefix), p3 a#pricing link in nav
 *   Jan 3: p2 button.buy directly inside a form (not div.checkout), p3 a $pageview (no chain)
 */
const SPAN_IN_BUY = 'span:nth-child="1"nth-of-type="1"text="Buy";button.btn.buy:attr__class="buy btn"attr__data-attr="buy"nth-child="2"nth-of-type="1";div.checkout:attr__class="checkout"nth-child="1"nth-of-type="1";body:nth-child="2"nth-of-type="1"';
const BUY_LATER = 'button.buy-later:attr__class="buy-later"nth-child="1"nth-of-type="1"text="Later";div.checkout:attr__class="checkout"nth-child="1"nth-of-type="1";body:nth-child="2"nth-of-type="1"';
const PRICING = 'a:attr__href="/pricing"attr__id="pricing"attr_id="pricing"href="/pricing"nth-child="3"nth-of-type="1"text="Pricing";nav:nth-child="1"nth-of-type="1";body:nth-child="2"nth-of-type="1"';
const BUY_IN_FORM = 'button.buy:attr__class="buy"nth-child="1"nth-of-type="1"text="Buy";form:nth-child="1"nth-of-type="1";body:nth-child="2"nth-of-type="1"';
const EVENTS: FixtureEvent[] = [
  { event: '$autocapture', person: 1, at: '2024-01-01 09:00:00', elementsChain: SPAN_IN_BUY },
  { event: '$autocapture', person: 2, at: '2024-01-01 10:00:00', elementsChain: SPAN_IN_BUY },
  { event: '$autocapture', person: 1, at: '2024-01-02 09:00:00', elementsChain: BUY_LATER },
  { event: '$autocapture', person: 3, at: '2024-01-02 10:00:00', elementsChain: PRICING },
  { event: '$autocapture', person: 2, at: '2024-01-03 09:00:00', elementsChain: BUY_IN_FORM },
  { event: '$pageview', person: 3, at: '2024-01-03 10:00:00' },
];
const action = (id: number, steps: ActionDefinition['steps']): ActionDefinition => ({ id, team_id: TEAM, name: `action ${id}`, steps });
const ACTIONS = [
  action(1, [{ event: '$autocapture', selector: 'button.buy' }]),
  action(2, [{ event: '$autocapture', selector: 'div.checkout > button.buy' }]),
  action(3, [{ event: '$autocapture', selector: 'nav a#pricing' }, { event: '$pageview' }]),
  action(4, [{ event: '$autocapture', selector: '[data-attr="buy"]', text: 'Buy' }]),
  action(5, [{ event: '$autocapture', selector: 'button:hover' }]),
];

beforeAll(async () => {
  store = await openTestStore();
  await insertEvents(store, EVENTS);
});
afterAll(async () => {
  await store.close();
});

const ctx = () => makeContext(store, { now: '2024-01-03T12:00:00Z', actions: ACTIONS });
const counts = async (series: Record<string, unknown>, properties?: unknown) => {
  const { results } = (await runTrendsQuery({ kind: 'TrendsQuery', dateRange: { date_from: '2024-01-01', date_to: '2024-01-03' }, series: [series], properties }, ctx())) as { results: { data: number[] }[] };
  return results[0].data;
};

describe('CSS selectors on $autocapture', () => {
  it('an action step with a selector counts only the clicks whose chain matches it', async () => {
    // button.buy: the span in it (Jan 1 ×2) and the one in the form (Jan 3); not button.buy-later.
    expect(await counts({ kind: 'ActionsNode', id: 1 })).toEqual([2, 0, 1]);
    // Only the button that is a child of div.checkout.
    expect(await counts({ kind: 'ActionsNode', id: 2 })).toEqual([2, 0, 0]);
    // Steps OR: the link clicked in nav (Jan 2) or any pageview (Jan 3).
    expect(await counts({ kind: 'ActionsNode', id: 3 })).toEqual([0, 1, 1]);
    // Selector AND text: the element text "Buy" is the span's, the attribute its parent button's.
    expect(await counts({ kind: 'ActionsNode', id: 4 })).toEqual([2, 0, 0]);
  });

  it('element property filters on selector: exact (any of a list) and is_not', async () => {
    const autocapture = { kind: 'EventsNode', event: '$autocapture' };
    expect(await counts(autocapture, [{ type: 'element', key: 'selector', value: 'div.checkout button', operator: 'exact' }])).toEqual([2, 1, 0]);
    expect(await counts(autocapture, [{ type: 'element', key: 'selector', value: ['form > .buy', '#pricing'], operator: 'exact' }])).toEqual([0, 1, 1]);
    expect(await counts(autocapture, [{ type: 'element', key: 'selector', value: 'button.buy', operator: 'is_not' }])).toEqual([0, 2, 0]);
  });

  it('refuses a selector it cannot express with a 400 naming the step', async () => {
    await expect(counts({ kind: 'ActionsNode', id: 5 })).rejects.toMatchObject({ status: 400, message: expect.stringContaining(':hover') });
    await expect(counts({ kind: 'EventsNode', event: '$autocapture' }, [{ type: 'element', key: 'selector', value: 'a', operator: 'icontains' }])).rejects.toMatchObject({ status: 400 });
  });
});
