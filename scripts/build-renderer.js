// Bundles the UI (renderer/src/main.tsx) with esbuild into dist/renderer/: app.js (ESM), app.css
// (every CSS file the components import), their sourcemaps, and renderer/index.html and
// favicon.svg copied as they are.
//
//   node scripts/build-renderer.js           production: minified, no contract validation, no zod
//   node scripts/build-renderer.js --dev     development: readable, every answer checked against the contract
//   node scripts/build-renderer.js --watch   development, rebuilt on every change
import fs from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const outdir = path.join(root, 'dist', 'renderer');
const watch = process.argv.includes('--watch');
const dev = watch || process.argv.includes('--dev');

/** @type {import('esbuild').BuildOptions} */
const options = {
  absWorkingDir: root,
  entryPoints: { app: 'renderer/src/main.tsx' },
  outdir,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome120'],
  jsx: 'automatic',
  minify: !dev,
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'warning',
  // `__DEV__` decides whether the contract (and zod with it) is bundled for validation; in a
  // production build the branch is dead and esbuild drops it.
  define: {
    __DEV__: JSON.stringify(dev),
    'process.env.NODE_ENV': JSON.stringify(dev ? 'development' : 'production'),
  },
  plugins: [
    {
      name: 'copy-static-files',
      setup(build) {
        build.onEnd((result) => {
          if (result.errors.length > 0) return;
          for (const file of ['index.html', 'favicon.svg'])
            fs.copyFileSync(path.join(root, 'renderer', file), path.join(outdir, file));
        });
      },
    },
  ],
};

fs.mkdirSync(outdir, { recursive: true });
if (watch) {
  const context = await esbuild.context(options);
  await context.watch();
  process.stderr.write(`build-renderer: watching renderer/ → ${path.relative(root, outdir)}/\n`);
} else {
  const started = Date.now();
  try {
    await esbuild.build(options);
  } catch {
    // esbuild has printed the errors with their locations.
    process.exit(1);
  }
  const size = (name) => `${Math.round(fs.statSync(path.join(outdir, name)).size / 1024)} KiB`;
  process.stderr.write(
    `build-renderer: ${dev ? 'development' : 'production'} bundle in ${Date.now() - started} ms: ` +
      `app.js ${size('app.js')}, app.css ${size('app.css')} → ${path.relative(root, outdir)}/\n`,
  );
}
