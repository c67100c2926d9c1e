// Where the other bins are: beside the bundled entry (dist/), one level up from a split chunk (dist/chunks/),
// or, running from the sources, the built ones in dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function binPath(file: 'codevf-agent.js' | 'sandbox.js'): string {
  const candidates = [`./${file}`, `../${file}`, `../../../dist/${file}`].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  return candidates.find((p) => existsSync(p)) ?? candidates[candidates.length - 1];
}
