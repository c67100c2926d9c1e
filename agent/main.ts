// codevf-agent's entry: the code cache first (it applies only to modules loaded after it), the young generation's
// cap (heap.ts), then the agent.
import { enableCompileCache } from './compile-cache.js';
import { capYoungGeneration } from './heap.js';

enableCompileCache();
capYoungGeneration();
void import('./cli.js'); // not awaited: the build makes this entry CommonJS
