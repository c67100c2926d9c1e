// Replaced by the build (scripts/build.mjs) with the package version, commit and commit date; absent
// when the sources run directly (tests, schema generation).
declare const __CODEVF_BUILD__: { version: string; commit: string; date: string } | undefined;
const BUILD = typeof __CODEVF_BUILD__ === 'object' ? __CODEVF_BUILD__ : undefined;

/** The package version; a test keeps it equal to package.json's. */
export const VERSION: string = BUILD?.version ?? '0.1.0';
/** The commit this build came from (`source` when not built) and that commit's date. */
export const BUILD_COMMIT: string = BUILD?.commit ?? 'source';
export const BUILD_DATE: string | null = BUILD?.date ?? null;
/** The wire protocol's version, answered by `initialize`. */
export const PROTOCOL_VERSION = '2026-11-23';
