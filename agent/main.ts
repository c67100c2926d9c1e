// codevf-agent's entry: the code cache first (it applies only to modules loaded after it), then the agent.
import { enableCompileCache } from './compile-cache.js';

enableCompileCache();
void import('./cli.js'); // not awaited: the build makes this entry CommonJS
