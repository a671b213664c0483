import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { type BpfProgram, loadProgram, runFilter } from './bpf-vm.js';

/**
 * The capture filter (`-f EXPR`): tcpdump/libpcap syntax applied to the inner frame.
 *
 * libpcap compiles the expression (native/bpf_compile.c: its own grammar, code generator and
 * optimizer, so expressions and error messages are exactly tcpdump's); bpf-vm.ts runs the
 * program with pcap_filter()'s semantics. Together the verdicts are the ones tcpdump gives.
 */
export interface CaptureFilter {
  readonly expression: string;
  /**
   * Whether the frame passes: `data` is the captured bytes, `originalLength` the length on the
   * wire (`greater`/`less` test that one). `linkType` defaults to the one the filter was
   * compiled for; frames of a link type the expression cannot apply to never match (errorFor).
   */
  matches(data: Uint8Array, originalLength: number, linkType?: number): boolean;
  /** Why the expression does not compile for this link type, if it does not. */
  errorFor(linkType: number): FilterSyntaxError | undefined;
}

/** The expression is not valid libpcap syntax (or not for this link type); the message is libpcap's. */
export class FilterSyntaxError extends Error {
  override name = 'FilterSyntaxError';
  constructor(
    readonly expression: string,
    /** pcap_geterr()'s text, as tcpdump prints it after "tcpdump: ". */
    readonly reason: string,
  ) {
    super(`-f "${expression}": ${reason}`);
  }
}

interface BpfCompileModule {
  compile(linkType: number, snapLength: number, expression: string, optimize: boolean): Uint32Array;
}

const ADDON_HERE = 'native/build/Release/bpf_compile.node';
const ADDON = `main/broker/filter/${ADDON_HERE}`;
/** tcpdump's snap length (MAXIMUM_SNAPLEN): it only sets the value `ret` accepts with. */
const SNAP_LENGTH = 262144;

/**
 * Compiles `expression` for frames of `linkType` (pcap LINKTYPE_: Ethernet 1 and raw IP 101 are
 * what the broker produces). Throws FilterSyntaxError when libpcap rejects it.
 */
export function compileCaptureFilter(expression: string, linkType: number): CaptureFilter {
  const addon = loadBpfCompile();
  const programs = new Map<number, BpfProgram | FilterSyntaxError>();
  const programFor = (type: number): BpfProgram | FilterSyntaxError => {
    let program = programs.get(type);
    if (program === undefined) {
      const words = compileWith(addon, expression, type);
      program = words instanceof FilterSyntaxError ? words : loadProgram(words);
      programs.set(type, program);
    }
    return program;
  };
  const first = programFor(linkType);
  if (first instanceof FilterSyntaxError) throw first;
  return {
    expression,
    matches(data, originalLength, type = linkType) {
      if (type === linkType) return runFilter(first, data, originalLength) !== 0;
      const program = programFor(type);
      return !(program instanceof FilterSyntaxError) && runFilter(program, data, originalLength) !== 0;
    },
    errorFor(type) {
      const program = programFor(type);
      return program instanceof FilterSyntaxError ? program : undefined;
    },
  };
}

/**
 * The classic BPF program libpcap compiles `expression` to, optimized as tcpdump does: 4 words
 * (code, jt, jf, k) per instruction, what `tcpdump -dd` prints. Throws FilterSyntaxError.
 */
export function compileBpfProgram(expression: string, linkType: number): Uint32Array {
  const words = compileWith(loadBpfCompile(), expression, linkType);
  if (words instanceof FilterSyntaxError) throw words;
  return words;
}

function compileWith(
  addon: BpfCompileModule,
  expression: string,
  linkType: number,
): Uint32Array | FilterSyntaxError {
  // C strings end at NUL: libpcap would silently compile only the part before it.
  if (expression.includes('\0'))
    return new FilterSyntaxError(expression, 'expression contains a NUL character');
  try {
    return addon.compile(linkType, SNAP_LENGTH, expression, true);
  } catch (error) {
    return new FilterSyntaxError(expression, (error as Error).message);
  }
}

let cached: BpfCompileModule | undefined;

/** The addon; throws when it was not built, since no filter can be compiled without libpcap. */
function loadBpfCompile(): BpfCompileModule {
  if (cached) return cached;
  // Built: dist/main/broker/filter → four levels up to the root. Tests run the sources, next to native/.
  const file = [
    path.resolve(import.meta.dirname, '../../../..', ADDON),
    path.resolve(import.meta.dirname, ADDON_HERE),
  ].find((candidate) => fs.existsSync(candidate));
  if (file === undefined)
    throw new Error(
      `capture filters (-f) need the libpcap binding ${ADDON}, which is not built: ` +
        'install libpcap-dev and run npm run build',
    );
  cached = createRequire(import.meta.url)(file) as BpfCompileModule;
  return cached;
}
