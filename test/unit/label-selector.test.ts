import { describe, expect, it } from 'vitest';
import { LabelSelectorError, parseLabelSelector } from '../../main/kube/label-selector.js';

describe('label selectors as the API server reads them', () => {
  const pod = { app: 'web', tier: 'front', env: 'prod' };
  const cases: [string | undefined, boolean][] = [
    [undefined, true],
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app=db', false],
    ['app!=db', true],
    ['app!=web', false],
    ['missing!=x', true],
    ['app=web,tier=front', true],
    ['app=web,tier=back', false],
    ['env in (prod, qa)', true],
    ['env in (qa)', false],
    ['env notin (qa,dev)', true],
    ['env notin (prod)', false],
    ['tier', true],
    ['!tier', false],
    ['!legacy', true],
    ['app=web,env in (prod,qa),!legacy', true],
  ];
  for (const [selector, expected] of cases)
    it(`${JSON.stringify(selector)} → ${expected}`, () =>
      expect(parseLabelSelector(selector)(pod)).toBe(expected));

  it('refuses what it cannot read, naming the clause', () => {
    expect(() => parseLabelSelector('app=web,=x')).toThrow(LabelSelectorError);
    expect(() => parseLabelSelector('a b')).toThrow('cannot read "a b"');
  });
});
