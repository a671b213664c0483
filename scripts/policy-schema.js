// Writes main/policy/policy.schema.json from the zod schema (the one source of truth).
//   node scripts/policy-schema.js          write it
//   node scripts/policy-schema.js --check  exit 1 if the committed file is out of date
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { PolicySchema } from '../dist/main/policy/policy-schema.js';

const file = path.resolve(import.meta.dirname, '../main/policy/policy.schema.json');
const schema = {
  ...z.toJSONSchema(PolicySchema, { io: 'input' }),
  $id: 'https://clustertap.io/schemas/policy-v1.json',
  title: 'ClusterTap capture policy',
};
const text = `${JSON.stringify(schema, null, 2)}\n`;
if (process.argv.includes('--check')) {
  // Compared as JSON: the committed file is formatted by Biome.
  const current = fs.existsSync(file) ? JSON.stringify(JSON.parse(fs.readFileSync(file, 'utf8'))) : '';
  if (current !== JSON.stringify(schema)) {
    console.error(`${path.relative(process.cwd(), file)} is out of date: run node scripts/policy-schema.js`);
    process.exit(1);
  }
} else {
  fs.writeFileSync(file, text);
}
