// English messages for zod's mini API. The declarations the agent needs before it answers `initialize`
// (methods/lifecycle.ts, errors.ts) are written with zod/mini: classic's ~150 KB would be most of what the agent
// parses at startup. Mini sets no locale by itself (classic does, on its first schema), so without this its
// messages would be a bare "Invalid input" until classic loads. Import it for its effect, next to zod/mini.
import { config } from 'zod/mini';
import { en } from 'zod/locales';

config(en());
