import fc from 'fast-check';
import { BadRequestError } from '../../../lib/http/errors';
import { parseSelector } from '../../../lib/query/filters/css-selector';
import { selectorRegex } from '../../../lib/query/filters/selector-regex';

/** Chains as posthog-js autocapture writes them (clicked element first, then its ancestors). */
const BUTTON = 'button:attr__id="b"attr_id="b"nth-child="2"nth-of-type="1"text="Click me";body:nth-child="2"nth-of-type="1"';
const LINK =
  'a.link.nav-item:attr__class="nav-item link"attr__data-attr="pricing"attr__href="/pricing"href="/pricing"nth-child="1"nth-of-type="1"text="Pricing";' +
  'li.item:attr__class="item"nth-child="3"nth-of-type="3";ul.menu:attr__class="menu"nth-child="1"nth-of-type="1";nav:attr__id="top"attr_id="top"nth-child="1"nth-of-type="1";body:nth-child="2"nth-of-type="1"';
const PRIMARY = 'span:nth-child="1"nth-of-type="1"text="Buy now";button.btn-primary.hover:bg-blue:attr__class="btn-primary hover:bg-blue"attr__title="say \\"hi\\""nth-child="1"nth-of-type="1";div.card:nth-child="2"nth-of-type="1"';
const ABBR = 'abbr.btnx:attr__title="a;button.buy:x=\\"1\\""nth-child="1"nth-of-type="1"';

const matches = (selector: string, chain: string) => new RegExp(selectorRegex(parseSelector(selector, 'selector'))).test(chain);

describe('selectorRegex on elements chains', () => {
  it.each([
    ['button', BUTTON, true],
    ['#b', BUTTON, true],
    ['button#b', BUTTON, true],
    ['button#c', BUTTON, false],
    ['body > button', BUTTON, true],
    ['body button', BUTTON, true],
    ['button > body', BUTTON, false],
    ['button:nth-child(2)', BUTTON, true],
    ['button:nth-child(1)', BUTTON, false],
    ['button:first-of-type', BUTTON, true],
    ['[id="b"]', BUTTON, true],
    ['input', BUTTON, false],
    ['a.link', LINK, true],
    ['a.nav-item.link', LINK, true],
    ['a.nav', LINK, false],
    ['a.link.missing', LINK, false],
    ['nav#top a', LINK, true],
    ['nav#top > a', LINK, false],
    ['nav > ul > li > a', LINK, true],
    ['nav > li > a', LINK, false],
    ['ul.menu > li a.link', LINK, true],
    ['nav a[data-attr="pricing"]', LINK, true],
    ["a[data-attr='pricing']", LINK, true],
    ['a[data-attr=pricing][href="/pricing"]', LINK, true],
    ['[data-attr="pric"]', LINK, false],
    ['[data-attr^="pric"]', LINK, true],
    ['[data-attr$="cing"]', LINK, true],
    ['[data-attr*="ici"]', LINK, true],
    ['[data-attr*="x"]', LINK, false],
    ['a[data-attr]', LINK, true],
    ['li[data-attr]', LINK, false],
    ['li.item', LINK, true],
    ['*.menu > *', LINK, true],
    ['body > li', LINK, false],
    ['button.btn-primary', PRIMARY, true],
    ['button.btn', PRIMARY, false],
    ['.hover\\:bg-blue', PRIMARY, true],
    ['.hover', PRIMARY, false],
    ['div.card > button span', PRIMARY, true],
    ['div.card > span', PRIMARY, false],
    ['button[title=\'say "hi"\']', PRIMARY, true],
    ['button[title="say \\"hi\\""]', PRIMARY, true],
    ['span', PRIMARY, true],
    // CSS.escape writes an id starting with a digit as a hex escape and a space.
    ['#\\31 23', 'div:attr__id="123"attr_id="123"nth-child="1"nth-of-type="1"', true],
    ['#\\31', 'div:attr__id="123"attr_id="123"nth-child="1"nth-of-type="1"', false],
    ['.md\\:w-1\\/2', 'div.md:w-1/2:nth-child="1"nth-of-type="1"', true],
    // The tag must be the whole tag; text inside a quoted value is never an element.
    ['a', ABBR, false],
    ['button.buy', ABBR, false],
    ['abbr.btnx', ABBR, true],
    // Attribute names that every object inherits are attributes like any other.
    ['[constructor="x"]', 'div:attr__constructor="x"nth-child="1"nth-of-type="1"', true],
    ['[toString]', BUTTON, false],
  ])('%s on %#', (selector, chain, expected) => {
    expect(matches(selector, chain)).toBe(expected);
  });

  it('accepts attribute tests in either order (chains sort keys, SDKs disagree on how)', () => {
    const chain = 'div:attr__data-a="1"attr__data_a="2"nth-child="1"nth-of-type="1"';
    const reversed = 'div:attr__data_a="2"attr__data-a="1"nth-child="1"nth-of-type="1"';
    expect(matches('div[data-a="1"][data_a="2"]', chain)).toBe(true);
    expect(matches('div[data-a="1"][data_a="2"]', reversed)).toBe(true);
    expect(matches('div[data-a="2"]', chain)).toBe(false);
  });

  it('reads the parts of a selector', () => {
    expect(parseSelector('DIV.a.b > a#x[data-k^="v w"]:nth-child(2)  span', 'f')).toEqual({
      compounds: [
        { tag: 'div', classes: ['a', 'b'], attributes: [] },
        { tag: 'a', classes: [], attributes: [{ key: 'attr_id', operator: '=', value: 'x' }, { key: 'attr__data-k', operator: '^=', value: 'v w' }, { key: 'nth-child', operator: '=', value: '2' }] },
        { tag: 'span', classes: [], attributes: [] },
      ],
      combinators: ['child', 'descendant'],
    });
  });

  it.each(['', 'a + b', 'a ~ b', 'a, b', 'a:hover', 'a:constructor', 'a:tostring', 'a >', '> a', 'a[x', 'a[x~="y"]', 'a:nth-child(odd)', 'a[x="y]'])('refuses %p with a 400', (selector) => {
    expect(() => parseSelector(selector, 'steps[0].selector')).toThrow(BadRequestError);
  });

  it('either parses any text into a regex JavaScript compiles, or refuses it with a 400', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'ab.#[]=:>~+*^$"\'\\ (1)-,'.split('')), maxLength: 24 }), (text) => {
        let regex: string;
        try {
          regex = selectorRegex(parseSelector(text, 'f'));
        } catch (error) {
          expect(error).toBeInstanceOf(BadRequestError);
          return;
        }
        expect(() => new RegExp(regex)).not.toThrow();
      }),
    );
  });
});
