// Every request kind's module, keyed by kind: a kind declared in protocol/methods/requests.ts without a
// module here does not compile.
import type { AskedKind, RequestKind } from '../../../protocol/methods/requests.js';
import { commandKind } from './command.js';
import { fileKind } from './file.js';
import type { AskedKindModule, KindModule } from './kind.js';
import { screenshareKind } from './screenshare.js';
import { writeKind } from './write.js';

export const kindModules = {
  command: commandKind,
  file: fileKind,
  write: writeKind,
  screenshare: screenshareKind,
} as const satisfies { [K in RequestKind]: KindModule<K> };

/** The module of an asked kind, typed by that kind. */
export function askedModule<K extends AskedKind>(kind: K): AskedKindModule<K> {
  return kindModules[kind] as unknown as AskedKindModule<K>;
}
