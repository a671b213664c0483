import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/** The Wireshark tools the file-format tests compare against (DESIGN.md: "tshark and capinfos must read every file we write"). */
function tool(name: 'tshark' | 'capinfos'): string {
  const file = `/usr/bin/${name}`;
  if (!fs.existsSync(file))
    throw new Error(
      `${file} is missing: these tests compare our files with Wireshark's reading (apt-get install tshark)`,
    );
  return file;
}

function run(name: 'tshark' | 'capinfos', args: string[]): string {
  try {
    return execFileSync(tool(name), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${name} ${args.join(' ')} failed: ${e.stderr || e.message}`);
  }
}

/** One row per packet, one string per requested field (tshark -T fields). */
export function tsharkFields(file: string, fields: string[]): string[][] {
  const out = run('tshark', [
    '-r',
    file,
    '-T',
    'fields',
    '-E',
    'separator=/t',
    ...fields.flatMap((f) => ['-e', f]),
  ]);
  return out
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split('\t'));
}

/** capinfos -T -M: one row per file, keyed by the column titles capinfos prints. */
export function capinfosTable(files: string[]): Array<Record<string, string>> {
  const [titles = '', ...rows] = run('capinfos', ['-T', '-M', ...files])
    .split('\n')
    .filter((line) => line !== '');
  const keys = titles.split('\t');
  return rows.map((row) =>
    Object.fromEntries(row.split('\t').map((value, i) => [keys[i] ?? `#${i}`, value])),
  );
}

/** capinfos -M long report (interfaces and their statistics entries). */
export function capinfosReport(file: string): string {
  return run('capinfos', ['-M', file]);
}
