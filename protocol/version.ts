/** The package version; a test keeps it equal to package.json's. */
export const VERSION = '0.1.0';
/** The wire protocol's version, answered by `initialize`. */
export const PROTOCOL_VERSION = '2026-11-23';
