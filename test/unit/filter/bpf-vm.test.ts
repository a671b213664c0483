import { describe, expect, it } from 'vitest';
import {
  BPF,
  type BpfInstruction,
  BpfProgramError,
  loadProgram,
  runFilter,
} from '../../../main/broker/filter/bpf-vm.js';

/** Hand-written programs, one instruction per line like `tcpdump -d` prints them. */
const op = (code: number, k = 0, jt = 0, jf = 0): BpfInstruction => ({ code, jt, jf, k });
const run = (insns: BpfInstruction[], packet: number[] | Uint8Array = [], wireLength?: number) => {
  const bytes = packet instanceof Uint8Array ? packet : Uint8Array.from(packet);
  return runFilter(loadProgram(insns), bytes, wireLength ?? bytes.length);
};
const RET_A = op(BPF.RET | BPF.A);
/** A = a; X = x; A = A <op> X; return A */
const aluX = (alu: number, a: number, x: number) =>
  run([op(BPF.LD | BPF.IMM, a), op(BPF.LDX | BPF.IMM, x), op(BPF.ALU | alu | BPF.X), RET_A]);
/** A = a; A = A <op> k; return A */
const aluK = (alu: number, a: number, k: number) =>
  run([op(BPF.LD | BPF.IMM, a), op(BPF.ALU | alu | BPF.K, k), RET_A]);

const PACKET = [0x01, 0x02, 0x03, 0x04, 0x45, 0x06, 0x87, 0x08];

describe('BPF loads', () => {
  it('reads words, halves and bytes big-endian at absolute offsets', () => {
    expect(run([op(BPF.LD | BPF.W | BPF.ABS, 0), RET_A], PACKET)).toBe(0x01020304);
    expect(run([op(BPF.LD | BPF.W | BPF.ABS, 4), RET_A], PACKET)).toBe(0x45068708);
    expect(run([op(BPF.LD | BPF.H | BPF.ABS, 6), RET_A], PACKET)).toBe(0x8708);
    expect(run([op(BPF.LD | BPF.B | BPF.ABS, 7), RET_A], PACKET)).toBe(0x08);
  });

  it('rejects the packet (returns 0) when a load reaches past the captured bytes', () => {
    const ret1 = op(BPF.RET | BPF.K, 1);
    expect(run([op(BPF.LD | BPF.W | BPF.ABS, 4), ret1], PACKET)).toBe(1);
    expect(run([op(BPF.LD | BPF.W | BPF.ABS, 5), ret1], PACKET)).toBe(0);
    expect(run([op(BPF.LD | BPF.H | BPF.ABS, 7), ret1], PACKET)).toBe(0);
    expect(run([op(BPF.LD | BPF.B | BPF.ABS, 8), ret1], PACKET)).toBe(0);
    expect(run([op(BPF.LD | BPF.W | BPF.ABS, 0xfffffffe), ret1], PACKET)).toBe(0);
    // Linux SKF_AD_OFF + SKF_AD_VLAN_TAG_PRESENT: offline libpcap has no aux data and rejects
    expect(run([op(BPF.LD | BPF.B | BPF.ABS, 0xfffff000 + 48), ret1], PACKET)).toBe(0);
  });

  it('bounds loads by the captured length, even when the wire length is larger', () => {
    const ret1 = op(BPF.RET | BPF.K, 1);
    expect(run([op(BPF.LD | BPF.B | BPF.ABS, 20), ret1], PACKET, 1500)).toBe(0);
  });

  it('BPF_LEN is the original (wire) length, not the captured length', () => {
    expect(run([op(BPF.LD | BPF.W | BPF.LEN), RET_A], PACKET, 1514)).toBe(1514);
    expect(run([op(BPF.LDX | BPF.W | BPF.LEN), op(BPF.MISC | BPF.TXA), RET_A], PACKET, 60)).toBe(60);
  });

  it('indexed loads add X, with the same bounds and no 32-bit wrap-around', () => {
    const ldx = (x: number) => op(BPF.LDX | BPF.IMM, x);
    expect(run([ldx(2), op(BPF.LD | BPF.W | BPF.IND, 2), RET_A], PACKET)).toBe(0x45068708);
    expect(run([ldx(3), op(BPF.LD | BPF.H | BPF.IND, 3), RET_A], PACKET)).toBe(0x8708);
    expect(run([ldx(7), op(BPF.LD | BPF.B | BPF.IND, 0), RET_A], PACKET)).toBe(0x08);
    expect(run([ldx(3), op(BPF.LD | BPF.W | BPF.IND, 2), op(BPF.RET | BPF.K, 1)], PACKET)).toBe(0);
    expect(run([ldx(7), op(BPF.LD | BPF.H | BPF.IND, 0), op(BPF.RET | BPF.K, 1)], PACKET)).toBe(0);
    expect(run([ldx(8), op(BPF.LD | BPF.B | BPF.IND, 0), op(BPF.RET | BPF.K, 1)], PACKET)).toBe(0);
    // 0xffffffff + 1 wraps to 0 in C; libpcap checks before adding, and so do we
    expect(run([ldx(0xffffffff), op(BPF.LD | BPF.B | BPF.IND, 1), op(BPF.RET | BPF.K, 1)], PACKET)).toBe(0);
  });

  it('MSH loads the IPv4 header length: X = 4 * (byte & 0x0f)', () => {
    const msh = (k: number) => [op(BPF.LDX | BPF.MSH | BPF.B, k), op(BPF.MISC | BPF.TXA), RET_A];
    expect(run(msh(4), PACKET)).toBe(20); // 0x45
    expect(run(msh(6), PACKET)).toBe(28); // 0x87
    expect(run(msh(8), PACKET)).toBe(0); // out of range: reject
  });

  it('immediates, scratch memory and register moves', () => {
    expect(run([op(BPF.LD | BPF.IMM, 0xdeadbeef), RET_A])).toBe(0xdeadbeef);
    const viaMemory = [
      op(BPF.LD | BPF.IMM, 7),
      op(BPF.ST, 15),
      op(BPF.LDX | BPF.IMM, 9),
      op(BPF.STX, 0),
      op(BPF.LD | BPF.MEM, 0), // A = 9
      op(BPF.LDX | BPF.MEM, 15), // X = 7
      op(BPF.ALU | BPF.SUB | BPF.X), // A = 2
      RET_A,
    ];
    expect(run(viaMemory)).toBe(2);
    expect(run([op(BPF.LDX | BPF.IMM, 5), op(BPF.MISC | BPF.TXA), RET_A])).toBe(5);
    expect(run([op(BPF.LD | BPF.IMM, 6), op(BPF.MISC | BPF.TAX), op(BPF.ALU | BPF.ADD | BPF.X), RET_A])).toBe(
      12,
    );
  });

  it('scratch memory starts at zero on every packet', () => {
    const program = loadProgram([
      op(BPF.LD | BPF.MEM, 3),
      op(BPF.ST, 4),
      op(BPF.LD | BPF.IMM, 42),
      op(BPF.ST, 3),
      op(BPF.LD | BPF.MEM, 4),
      RET_A,
    ]);
    expect(runFilter(program, new Uint8Array(0), 0)).toBe(0);
    expect(runFilter(program, new Uint8Array(0), 0)).toBe(0); // M[3] = 42 from the first run is gone
  });
});

describe('BPF arithmetic is unsigned 32-bit', () => {
  it('wraps on add, subtract and multiply', () => {
    expect(aluK(BPF.ADD, 0xffffffff, 1)).toBe(0);
    expect(aluX(BPF.SUB, 0, 1)).toBe(0xffffffff);
    expect(aluK(BPF.MUL, 0x10000, 0x10000)).toBe(0);
    expect(aluX(BPF.MUL, 0xffffffff, 0xffffffff)).toBe(1);
    expect(aluX(BPF.ADD, 0x80000000, 0x80000001)).toBe(1);
  });

  it('divides and takes remainders as unsigned numbers', () => {
    expect(aluK(BPF.DIV, 0xffffffff, 2)).toBe(0x7fffffff);
    expect(aluX(BPF.DIV, 7, 2)).toBe(3);
    expect(aluK(BPF.MOD, 0xffffffff, 10)).toBe(5);
    expect(aluX(BPF.MOD, 17, 5)).toBe(2);
  });

  it('returns 0 for division or modulo by a zero X, whatever the program would return', () => {
    const divide = (alu: number) => [
      op(BPF.LD | BPF.IMM, 10),
      op(BPF.LDX | BPF.IMM, 0),
      op(BPF.ALU | alu | BPF.X),
      op(BPF.RET | BPF.K, 262144),
    ];
    expect(run(divide(BPF.DIV))).toBe(0);
    expect(run(divide(BPF.MOD))).toBe(0);
  });

  it('bitwise operations keep the top bit unsigned', () => {
    expect(aluK(BPF.AND, 0xf0f0f0f0, 0xff00ff00)).toBe(0xf000f000);
    expect(aluX(BPF.OR, 0x80000000, 1)).toBe(0x80000001);
    expect(aluK(BPF.XOR, 0xffffffff, 0x0f)).toBe(0xfffffff0);
    expect(run([op(BPF.LD | BPF.IMM, 1), op(BPF.ALU | BPF.NEG), RET_A])).toBe(0xffffffff);
    expect(run([op(BPF.LD | BPF.IMM, 0), op(BPF.ALU | BPF.NEG), RET_A])).toBe(0);
  });

  it('shifts logically; a shift by X of 32 or more gives 0', () => {
    expect(aluK(BPF.LSH, 1, 31)).toBe(0x80000000);
    expect(aluK(BPF.RSH, 0x80000000, 31)).toBe(1);
    expect(aluX(BPF.LSH, 0xf0, 2)).toBe(0x3c0);
    expect(aluX(BPF.RSH, 0xf0, 4)).toBe(0x0f);
    expect(aluX(BPF.LSH, 1, 32)).toBe(0); // JS alone would shift by 32 & 31 = 0 and give 1
    expect(aluX(BPF.RSH, 0x80000000, 33)).toBe(0);
  });
});

describe('BPF jumps and returns', () => {
  /** if (A <cond> operand) return 1 else return 2 */
  const branch = (jump: number, a: number, operand: number) =>
    run([
      op(BPF.LD | BPF.IMM, a),
      op(BPF.LDX | BPF.IMM, operand),
      op(BPF.JMP | jump, operand, 0, 1),
      op(BPF.RET | BPF.K, 1),
      op(BPF.RET | BPF.K, 2),
    ]);

  it('compares unsigned, with #k and with X', () => {
    for (const src of [BPF.K, BPF.X]) {
      expect(branch(BPF.JEQ | src, 5, 5)).toBe(1);
      expect(branch(BPF.JEQ | src, 5, 6)).toBe(2);
      expect(branch(BPF.JGT | src, 0x80000000, 1)).toBe(1); // would be negative if signed
      expect(branch(BPF.JGT | src, 1, 1)).toBe(2);
      expect(branch(BPF.JGE | src, 1, 1)).toBe(1);
      expect(branch(BPF.JGE | src, 0, 0xffffffff)).toBe(2);
      expect(branch(BPF.JSET | src, 0x80000002, 0x80000000)).toBe(1);
      expect(branch(BPF.JSET | src, 0x12, 0x01)).toBe(2);
    }
  });

  it('jumps forward unconditionally and returns A or #k', () => {
    const program = [op(BPF.LD | BPF.IMM, 3), op(BPF.JMP | BPF.JA, 1), op(BPF.RET | BPF.K, 99), RET_A];
    expect(run(program)).toBe(3);
  });

  /** A counts up by one per backward jump until it equals `rounds` (protochain loops this way). */
  const loop = (rounds: number) => [
    op(BPF.LD | BPF.IMM, 0),
    op(BPF.ALU | BPF.ADD | BPF.K, 1), // 1:
    op(BPF.JMP | BPF.JEQ | BPF.K, rounds, 1, 0),
    op(BPF.JMP | BPF.JA, -3 >>> 0), // back to 1
    RET_A,
  ];

  it('allows backward jumps, up to 64 for one packet (libpcap stops loops there)', () => {
    expect(run(loop(10))).toBe(10);
    expect(run(loop(65))).toBe(65); // 64 backward jumps
    expect(run(loop(66))).toBe(0); // the 65th rejects
  });
});

describe('BPF program validation', () => {
  const rejects = (insns: BpfInstruction[] | Uint32Array, why: RegExp) =>
    expect(() => loadProgram(insns)).toThrow(why);

  it('accepts the 4-words-per-instruction form libpcap produces', () => {
    const program = loadProgram(
      Uint32Array.of(0x28, 0, 0, 12, 0x15, 0, 1, 0x800, 0x06, 0, 0, 1, 0x06, 0, 0, 0),
    );
    expect(runFilter(program, Uint8Array.from([...new Array(12).fill(0), 0x08, 0x00]), 14)).toBe(1);
    expect(runFilter(program, Uint8Array.from([...new Array(12).fill(0), 0x86, 0xdd]), 14)).toBe(0);
    rejects(Uint32Array.of(0x06, 0, 0), /in fours/);
  });

  it('rejects programs that are empty or do not end with a return', () => {
    rejects([], /1 to/);
    rejects([op(BPF.LD | BPF.IMM, 1)], /must end with a return/);
    rejects([RET_A, op(BPF.LD | BPF.IMM, 1)], /must end with a return/);
  });

  it('rejects jumps outside the program and a jump to itself', () => {
    rejects([op(BPF.JMP | BPF.JEQ | BPF.K, 0, 1, 0), RET_A], /outside the program/);
    rejects([op(BPF.JMP | BPF.JEQ | BPF.K, 0, 0, 2), RET_A, RET_A], /outside the program/);
    rejects([op(BPF.JMP | BPF.JA, 1), RET_A], /outside the program/);
    rejects([RET_A, op(BPF.JMP | BPF.JA, -3 >>> 0), RET_A], /outside the program/);
    rejects([op(BPF.JMP | BPF.JA, 0xffffffff), RET_A], /jumps to itself/);
  });

  it('rejects scratch indexes beyond 15, unknown opcodes, constant division by 0 and wide shifts', () => {
    for (const code of [BPF.ST, BPF.STX, BPF.LD | BPF.MEM, BPF.LDX | BPF.MEM])
      rejects([op(code, 16), RET_A], /scratch word 16/);
    expect(run([op(BPF.ST, 15), op(BPF.RET | BPF.K, 1)])).toBe(1);
    rejects([op(BPF.RET | BPF.X)], /unknown opcode/); // no such return in pcap_filter
    rejects([op(BPF.LD | BPF.H | BPF.IMM), RET_A], /unknown opcode/);
    rejects([op(0xff), RET_A], /unknown opcode/);
    rejects([op(BPF.ALU | BPF.DIV | BPF.K, 0), RET_A], /division by zero/);
    rejects([op(BPF.ALU | BPF.MOD | BPF.K, 0), RET_A], /division by zero/);
    rejects([op(BPF.ALU | BPF.LSH | BPF.K, 32), RET_A], /shift by 32/);
  });

  it('says which instruction is wrong', () => {
    expect(() => loadProgram([op(BPF.LD | BPF.IMM, 1), op(0xff), RET_A])).toThrow(BpfProgramError);
    expect(() => loadProgram([op(BPF.LD | BPF.IMM, 1), op(0xff), RET_A])).toThrow(
      /instruction 1 \(code 0xff\)/,
    );
  });
});
