/** Property test: any steps value is either accepted as PostHog's ActionStepJSON list or refused with a 400 naming the field. */
import fc from 'fast-check';
import { validateSteps } from '../../lib/api/actions-api';
import { HttpError } from '../../lib/http/errors';

const step = fc.record(
  {
    event: fc.oneof(fc.string(), fc.constant(null), fc.integer()),
    url: fc.oneof(fc.string(), fc.constant(null)),
    url_matching: fc.oneof(fc.constantFrom('contains', 'regex', 'exact', 'fuzzy'), fc.constant(null)),
    text: fc.oneof(fc.string(), fc.constant(null)),
    selector: fc.oneof(fc.string(), fc.boolean()),
    properties: fc.oneof(fc.array(fc.record({ key: fc.string(), value: fc.jsonValue() })), fc.jsonValue()),
  },
  { requiredKeys: [] },
);

it('validateSteps accepts or refuses with an attr under steps', () => {
  fc.assert(
    fc.property(fc.oneof(fc.array(fc.oneof(step, fc.jsonValue())), fc.jsonValue()), (steps) => {
      try {
        const valid = validateSteps(steps);
        for (const s of valid) {
          expect(['contains', 'regex', 'exact', null]).toContain(s.url_matching);
          expect(Array.isArray(s.properties)).toBe(true);
        }
      } catch (error) {
        expect(error).toBeInstanceOf(HttpError);
        expect((error as HttpError).attr).toMatch(/^steps/);
      }
    }),
  );
});
