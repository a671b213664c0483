/**
 * A classic BPF interpreter with the semantics of libpcap's pcap_filter() (bpf_filter.c), so a
 * program compiled by pcap_compile() gives here the verdict it gives in tcpdump.
 *
 * Rules carried over from libpcap, because verdicts depend on them:
 * - A, X and the 16 scratch words are unsigned 32-bit; arithmetic wraps.
 * - A load that reaches past the captured bytes ends the program with 0 (reject); BPF_LEN is the
 *   original (wire) length, so `greater`/`less` see the real size of a truncated capture.
 * - Division or modulo by a zero X returns 0; shifts by X ≥ 32 give 0.
 * - Linux SKF_AD_* loads (k ≥ 0xfffff000) are just out of range: pcap_offline_filter() runs
 *   without kernel auxiliary data and rejects them the same way. pcap_compile() on a dead
 *   handle never emits them (the kernel VLAN-offload code path needs a live Linux handle).
 * - "ip6 protochain" loops with backward BPF_JA; as in current libpcap a jump to itself is
 *   invalid and the 65th backward jump for one packet rejects it, so every run terminates.
 *
 * The program is checked once by loadProgram (opcodes, jump targets, scratch indexes, RET at
 * the end), so runFilter's loop trusts it and only bounds-checks packet loads.
 */

/** Opcode fields (pcap/bpf.h), OR-ed together: e.g. BPF.LD | BPF.H | BPF.ABS. */
export const BPF = {
  LD: 0x00,
  LDX: 0x01,
  ST: 0x02,
  STX: 0x03,
  ALU: 0x04,
  JMP: 0x05,
  RET: 0x06,
  MISC: 0x07,
  W: 0x00,
  H: 0x08,
  B: 0x10,
  IMM: 0x00,
  ABS: 0x20,
  IND: 0x40,
  MEM: 0x60,
  LEN: 0x80,
  MSH: 0xa0,
  ADD: 0x00,
  SUB: 0x10,
  MUL: 0x20,
  DIV: 0x30,
  OR: 0x40,
  AND: 0x50,
  LSH: 0x60,
  RSH: 0x70,
  NEG: 0x80,
  MOD: 0x90,
  XOR: 0xa0,
  JA: 0x00,
  JEQ: 0x10,
  JGT: 0x20,
  JGE: 0x30,
  JSET: 0x40,
  K: 0x00,
  X: 0x08,
  A: 0x10,
  TAX: 0x00,
  TXA: 0x80,
} as const;

export interface BpfInstruction {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

/** A validated program, decoded into flat arrays with absolute jump targets. */
export interface BpfProgram {
  readonly length: number;
  readonly code: Uint16Array;
  readonly k: Uint32Array;
  /** Target when the condition holds (for BPF_JA: the only target). */
  readonly jt: Uint32Array;
  /** Target when it does not (for BPF_JA: 1 when the jump goes backward). */
  readonly jf: Uint32Array;
  /** Scratch memory, zeroed before each run (pcap_filter's mem[BPF_MEMWORDS] = {0}). */
  readonly mem: Uint32Array;
  /** Whether any instruction reads scratch memory: zeroing it costs as much as a short program. */
  readonly readsMemory: boolean;
}

export class BpfProgramError extends Error {
  override name = 'BpfProgramError';
}

export const MEMWORDS = 16;
const MAX_BACKWARD_JUMPS = 64;
/** pcap_filter's BPF_MAXINSNS for userland. */
const MAX_INSTRUCTIONS = 3_060_000;

/** Every opcode pcap_filter() executes; anything else is rejected at load (libpcap: abort/0). */
// biome-ignore format: one line per instruction group reads better than one opcode per line
const VALID_OPCODES = new Set([
  0x06, 0x16, // ret #k, ret a
  0x20, 0x28, 0x30, // ld/ldh/ldb [k]
  0x40, 0x48, 0x50, // ld/ldh/ldb [x + k]
  0x80, 0x81, 0xb1, // ld #len, ldx #len, ldx 4*([k]&0xf)
  0x00, 0x01, 0x60, 0x61, 0x02, 0x03, // ld #k, ldx #k, ld M[k], ldx M[k], st, stx
  0x05, 0x15, 0x25, 0x35, 0x45, 0x1d, 0x2d, 0x3d, 0x4d, // ja; jeq/jgt/jge/jset #k, then x
  0x04, 0x14, 0x24, 0x34, 0x44, 0x54, 0x64, 0x74, 0x94, 0xa4, // add sub mul div or and lsh rsh mod xor #k
  0x0c, 0x1c, 0x2c, 0x3c, 0x4c, 0x5c, 0x6c, 0x7c, 0x9c, 0xac, // the same with x
  0x84, 0x07, 0x87, // neg, tax, txa
]);

/** Decodes and validates a program: 4 words (code, jt, jf, k) per instruction, or objects. */
export function loadProgram(source: Uint32Array | readonly BpfInstruction[]): BpfProgram {
  const instructions = Array.isArray(source) ? source : fromWords(source as Uint32Array);
  const length = instructions.length;
  if (length < 1 || length > MAX_INSTRUCTIONS)
    throw new BpfProgramError(`a BPF program has 1 to ${MAX_INSTRUCTIONS} instructions, not ${length}`);
  const program: BpfProgram = {
    length,
    code: new Uint16Array(length),
    k: new Uint32Array(length),
    jt: new Uint32Array(length),
    jf: new Uint32Array(length),
    mem: new Uint32Array(MEMWORDS),
    readsMemory: instructions.some((insn) => insn.code === 0x60 || insn.code === 0x61),
  };
  instructions.forEach((insn, i) => {
    const { code, jt, jf } = insn;
    const k = insn.k >>> 0;
    const where = `instruction ${i} (code 0x${code.toString(16)})`;
    if (!VALID_OPCODES.has(code)) throw new BpfProgramError(`${where}: unknown opcode`);
    const mode = code & 0xe0;
    const cls = code & 0x07;
    if ((cls === BPF.ST || cls === BPF.STX || (cls <= BPF.LDX && mode === BPF.MEM)) && k >= MEMWORDS)
      throw new BpfProgramError(`${where}: scratch word ${k} does not exist (0 to ${MEMWORDS - 1})`);
    if (cls === BPF.ALU && (code === 0x34 || code === 0x94) && k === 0)
      throw new BpfProgramError(`${where}: constant division by zero`);
    if (cls === BPF.ALU && (code === 0x64 || code === 0x74) && k >= 32)
      throw new BpfProgramError(`${where}: constant shift by ${k} bits`);
    program.code[i] = code;
    program.k[i] = k;
    if (cls !== BPF.JMP) return;
    if (code === 0x05) {
      // (i + 1 + k) mod 2^32, as the C validator computes it: negative k means a backward jump.
      const target = (i + 1 + k) >>> 0;
      if (k === 0xffffffff) throw new BpfProgramError(`${where}: jumps to itself, an endless loop`);
      if (target >= length)
        throw new BpfProgramError(`${where}: jump to ${target | 0} is outside the program`);
      program.jt[i] = target;
      program.jf[i] = (k | 0) < 0 ? 1 : 0;
      return;
    }
    if (jt > 255 || jf > 255 || i + 1 + jt >= length || i + 1 + jf >= length)
      throw new BpfProgramError(`${where}: jump (jt ${jt}, jf ${jf}) is outside the program`);
    program.jt[i] = i + 1 + jt;
    program.jf[i] = i + 1 + jf;
  });
  if (((program.code[length - 1] as number) & 0x07) !== BPF.RET)
    throw new BpfProgramError('a BPF program must end with a return instruction');
  return program;
}

function fromWords(words: Uint32Array): BpfInstruction[] {
  if (words.length % 4 !== 0) throw new BpfProgramError('BPF program words come in fours');
  const out: BpfInstruction[] = [];
  for (let i = 0; i < words.length; i += 4)
    out.push({
      code: words[i] as number,
      jt: words[i + 1] as number,
      jf: words[i + 2] as number,
      k: words[i + 3] as number,
    });
  return out;
}

/**
 * Runs the program over one packet: `packet` holds the captured bytes, `wireLength` is the
 * original length. Returns what the program returns (0 = reject; else the snap length).
 */
export function runFilter(program: BpfProgram, packet: Uint8Array, wireLength: number): number {
  const { code, k: ks, jt, jf, mem } = program;
  if (program.readsMemory) for (let i = 0; i < MEMWORDS; i++) mem[i] = 0;
  const buflen = packet.length;
  let a = 0;
  let x = 0;
  let backwardJumps = 0;
  let pc = 0;
  for (;;) {
    const k = ks[pc] as number;
    switch (code[pc]) {
      case 0x06: // ret #k
        return k;
      case 0x16: // ret a
        return a;
      case 0x20: // ld [k]
        if (k + 4 > buflen) return 0;
        a = word(packet, k);
        break;
      case 0x28: // ldh [k]
        if (k + 2 > buflen) return 0;
        a = ((packet[k] as number) << 8) | (packet[k + 1] as number);
        break;
      case 0x30: // ldb [k]
        if (k >= buflen) return 0;
        a = packet[k] as number;
        break;
      case 0x80: // ld #len
        a = wireLength >>> 0;
        break;
      case 0x81: // ldx #len
        x = wireLength >>> 0;
        break;
      case 0x40: // ld [x + k]; x and k are each < 2^32, so the sum is exact in a double
        if (x + k + 4 > buflen) return 0;
        a = word(packet, x + k);
        break;
      case 0x48: // ldh [x + k]
        if (x + k + 2 > buflen) return 0;
        a = ((packet[x + k] as number) << 8) | (packet[x + k + 1] as number);
        break;
      case 0x50: // ldb [x + k]
        if (x + k >= buflen) return 0;
        a = packet[x + k] as number;
        break;
      case 0xb1: // ldx 4*([k]&0xf)
        if (k >= buflen) return 0;
        x = ((packet[k] as number) & 0xf) << 2;
        break;
      case 0x00: // ld #k
        a = k;
        break;
      case 0x01: // ldx #k
        x = k;
        break;
      case 0x60: // ld M[k]
        a = mem[k] as number;
        break;
      case 0x61: // ldx M[k]
        x = mem[k] as number;
        break;
      case 0x02: // st M[k]
        mem[k] = a;
        break;
      case 0x03: // stx M[k]
        mem[k] = x;
        break;
      case 0x05: // ja
        if (jf[pc] === 1 && backwardJumps++ >= MAX_BACKWARD_JUMPS) return 0;
        pc = jt[pc] as number;
        continue;
      case 0x15: // jeq #k
        pc = (a === k ? jt[pc] : jf[pc]) as number;
        continue;
      case 0x25: // jgt #k
        pc = (a > k ? jt[pc] : jf[pc]) as number;
        continue;
      case 0x35: // jge #k
        pc = (a >= k ? jt[pc] : jf[pc]) as number;
        continue;
      case 0x45: // jset #k
        pc = ((a & k) !== 0 ? jt[pc] : jf[pc]) as number;
        continue;
      case 0x1d: // jeq x
        pc = (a === x ? jt[pc] : jf[pc]) as number;
        continue;
      case 0x2d: // jgt x
        pc = (a > x ? jt[pc] : jf[pc]) as number;
        continue;
      case 0x3d: // jge x
        pc = (a >= x ? jt[pc] : jf[pc]) as number;
        continue;
      case 0x4d: // jset x
        pc = ((a & x) !== 0 ? jt[pc] : jf[pc]) as number;
        continue;
      case 0x04: // add #k
        a = (a + k) >>> 0;
        break;
      case 0x0c: // add x
        a = (a + x) >>> 0;
        break;
      case 0x14: // sub #k
        a = (a - k) >>> 0;
        break;
      case 0x1c: // sub x
        a = (a - x) >>> 0;
        break;
      case 0x24: // mul #k
        a = Math.imul(a, k) >>> 0;
        break;
      case 0x2c: // mul x
        a = Math.imul(a, x) >>> 0;
        break;
      case 0x34: // div #k (k ≠ 0, checked at load)
        a = (a / k) >>> 0;
        break;
      case 0x3c: // div x
        if (x === 0) return 0;
        a = (a / x) >>> 0;
        break;
      case 0x94: // mod #k
        a = a % k;
        break;
      case 0x9c: // mod x
        if (x === 0) return 0;
        a = a % x;
        break;
      case 0x44: // or #k
        a = (a | k) >>> 0;
        break;
      case 0x4c: // or x
        a = (a | x) >>> 0;
        break;
      case 0x54: // and #k
        a = (a & k) >>> 0;
        break;
      case 0x5c: // and x
        a = (a & x) >>> 0;
        break;
      case 0xa4: // xor #k
        a = (a ^ k) >>> 0;
        break;
      case 0xac: // xor x
        a = (a ^ x) >>> 0;
        break;
      case 0x64: // lsh #k (k < 32, checked at load)
        a = (a << k) >>> 0;
        break;
      case 0x6c: // lsh x: JS masks the count to 5 bits, BPF gives 0 from 32 on
        a = x < 32 ? (a << x) >>> 0 : 0;
        break;
      case 0x74: // rsh #k
        a = a >>> k;
        break;
      case 0x7c: // rsh x
        a = x < 32 ? a >>> x : 0;
        break;
      case 0x84: // neg
        a = -a >>> 0;
        break;
      case 0x07: // tax
        x = a;
        break;
      case 0x87: // txa
        a = x;
        break;
      default: // unreachable after loadProgram; pcap_filter returns 0 too
        return 0;
    }
    pc++;
  }
}

function word(packet: Uint8Array, at: number): number {
  return (
    (((packet[at] as number) << 24) |
      ((packet[at + 1] as number) << 16) |
      ((packet[at + 2] as number) << 8) |
      (packet[at + 3] as number)) >>>
    0
  );
}
