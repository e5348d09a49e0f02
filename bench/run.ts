// `npm run bench [name ...]`: runs every bench/<name>.bench.ts (compiled to dist/bench) in turn, or the
// ones named. Each writes its figures to bench/results/*.json through `writeResults`.
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.js'))
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.bench\.js$/, '')))
  .sort();
if (files.length === 0) {
  console.error(`no benchmarks matched ${wanted.join(', ')}`);
  process.exit(1);
}
for (const f of files) {
  console.log(`\n== ${f.replace(/\.bench\.js$/, '')} ==`);
  const mod = (await import(pathToFileURL(`${here}/${f}`).href)) as { main?: () => Promise<void> };
  if (typeof mod.main !== 'function') throw new Error(`${f} exports no main()`);
  await mod.main();
}
