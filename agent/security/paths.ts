// Path containment done with path.relative, never string prefixes (`/srv/app-evil` vs `/srv/app`: CVE-2025-53110).
import path from 'node:path';

/** True when `child` is `parent` itself or lies below it (both absolute, already realpath'd). */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith('..' + path.sep) && !path.isAbsolute(rel));
}
