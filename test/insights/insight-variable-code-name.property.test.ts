/** codeNameOf: PostHog's code name of a variable's name, for any name a user types. */
import fc from 'fast-check';
import { codeNameOf } from '../../lib/insights/insight-variable-repository';

describe('codeNameOf', () => {
  it("keeps letters, digits and underscores, spaces made underscores, lower-cased, as PostHog's serializer does", () => {
    expect(codeNameOf('Event name!')).toBe('event_name');
    expect(codeNameOf('Plan  Tier_2 (EU)')).toBe('plan__tier_2_eu');
    expect(codeNameOf('Größe')).toBe('größe');
    expect(codeNameOf('!!!')).toBe('');
  });

  it('gives a name that is only word characters, is its own code name, and ignores what it drops', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.constantFrom('!', '-', '.', '{', '}', "'", '"', '`', '\\'), (name, junk) => {
        const code = codeNameOf(name);
        expect(code).toMatch(/^[\p{L}\p{N}_]*$/u);
        expect(codeNameOf(code)).toBe(code);
        expect(codeNameOf(`${junk}${name}${junk}`)).toBe(code);
      }),
      { numRuns: 300 },
    );
  });
});
