import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPolicyFile, PolicyError } from '../../../main/policy/load-policy.js';
import { applyPolicyFlags } from '../../../main/policy/policy-flags.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ct-policy-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
};

describe('policy files', () => {
  it('reads YAML and JSON into the same policy, with defaults filled in', () => {
    const yaml = write(
      'p.yaml',
      'version: 1\nfilter: tcp port 80\nslice: 96\ndedup: {}\nmask:\n  regex: ["password=\\\\S+"]\n',
    );
    const json = write(
      'p.json',
      JSON.stringify({
        version: 1,
        filter: 'tcp port 80',
        slice: 96,
        dedup: {},
        mask: { regex: ['password=\\S+'] },
      }),
    );
    const fromYaml = loadPolicyFile(yaml);
    expect(fromYaml).toEqual(loadPolicyFile(json));
    expect(fromYaml.dedup).toEqual({ windowMs: 10 });
    expect(fromYaml.mask).toEqual({ regex: ['password=\\S+'], ranges: [], fill: 0x2a });
  });

  it('names the bad field and why', () => {
    const cases: Array<[string, RegExp]> = [
      ['version: 2\n', /version: Invalid input: expected 1/],
      ['version: 1\nslice: 0\n', /slice: Too small/],
      ['version: 1\nsample: {oneIn: 0}\n', /sample\.oneIn: Too small/],
      ['version: 1\nexport: {ipfix: ["nohost"]}\n', /export\.ipfix\.0: expected HOST:PORT/],
      ['version: 1\nsilce: 64\n', /Unrecognized key: "silce"/],
      ['version: 1\nforward: [{url: "http://x"}]\n', /forward\.0\.url: expected vxlan:\/\/HOST:PORT/],
      ['version: 1\nfilter: [unclosed\n', /not valid YAML/],
    ];
    for (const [text, message] of cases) {
      const file = write('bad.yaml', text);
      expect(() => loadPolicyFile(file)).toThrow(PolicyError);
      expect(() => loadPolicyFile(file)).toThrow(message);
    }
  });
});

describe('policy flags', () => {
  it('override the file part by part', () => {
    const base = loadPolicyFile(
      write('base.yaml', 'version: 1\nslice: 64\nfilter: udp\nmask: {regex: [abc]}\n'),
    );
    const policy = applyPolicyFlags(base, {
      slice: '128',
      dedup: true,
      sample: 'random:1:4',
      sampleRate: '500',
      mask: ['def'],
      maskRange: ['udp-payload:0:16'],
    });
    expect(policy.slice).toBe(128);
    expect(policy.filter).toBe('udp');
    expect(policy.dedup).toEqual({ windowMs: 10 });
    expect(policy.sample).toEqual({ mode: 'random', oneIn: 4, maxPacketsPerSecond: 500 });
    expect(policy.mask?.regex).toEqual(['abc', 'def']);
    expect(policy.mask?.ranges).toEqual([{ anchor: 'udp-payload', offset: 0, length: 16 }]);
  });

  it('refuse bad values with a line that says what to write', () => {
    expect(() => applyPolicyFlags(undefined, { sample: '1/10' })).toThrow(/--sample 1\/10: expected 1:N/);
    expect(() => applyPolicyFlags(undefined, { maskRange: ['ip:0:4'] })).toThrow(
      /--mask-range ip:0:4: expected ANCHOR:OFFSET:LEN/,
    );
    expect(() => applyPolicyFlags(undefined, { mask: ['(unclosed'] })).toThrow(
      /--mask \(unclosed: Invalid regular expression/,
    );
    expect(() => applyPolicyFlags(undefined, { dedup: 'soon' })).toThrow(/--dedup soon: expected a number/);
  });
});
