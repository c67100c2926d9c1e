// Step 1 of security.md section 6: refuse a requested path by its text alone, before touching the disk.
// `\` counts as a separator on every platform so `..\\` and `C:\\` are refused the same everywhere.
import path from 'node:path';
import { ErrorCode, RpcError, type ErrorReason } from '../../protocol/errors.js';

const DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$|clock\$)(\..*)?$/i;

function refuse(message: string, reason: ErrorReason): never {
  throw new RpcError(ErrorCode.Forbidden, message, reason);
}

/** The path's components (no `.` or empty ones), or an RpcError(Forbidden) naming what is wrong. */
export function checkPathSyntax(requested: unknown): string[] {
  if (typeof requested !== 'string' || requested.trim() === '') {
    refuse('The file path is empty. Ask for a path relative to the project root.', 'invalid_path');
  }
  if (requested.includes('\0')) refuse('The file path contains a NUL byte.', 'invalid_path');
  if (requested.startsWith('/') || requested.startsWith('\\') || path.isAbsolute(requested)) {
    refuse('Absolute paths are not served. Ask for a path relative to the project root.', 'absolute_path');
  }
  if (/^[a-z]:/i.test(requested)) refuse('Drive paths (C:\\, C:foo) are not served.', 'absolute_path');
  const parts = requested.split(/[\\/]+/).filter((c) => c !== '' && c !== '.');
  if (parts.length === 0) refuse('The path names the project root, not a file.', 'not_a_regular_file');
  for (const c of parts) checkComponent(c);
  return parts;
}

function checkComponent(c: string): void {
  if (c === '..') refuse('Paths with `..` are not served: they could leave the project.', 'path_traversal');
  if (c.includes(':')) {
    refuse(`"${c}" contains ':' (a Windows alternate data stream or drive form).`, 'alternate_data_stream');
  }
  if (DEVICE.test(c) || DEVICE.test(c.replace(/[. ]+$/, ''))) {
    refuse(`"${c}" is a reserved device name on Windows.`, 'reserved_name');
  }
  if (/[. ]$/.test(c)) refuse(`"${c}" ends with a dot or space (Windows strips it and opens another file).`, 'invalid_path');
  if (/[\x00-\x1f]/.test(c)) refuse(`"${JSON.stringify(c)}" contains control characters.`, 'invalid_path');
}
