// The kinds of access token, and the one word each is shown as in the CLI and on the web page.
import * as z from 'zod';

export const TokenKind = z.enum(['pat', 'access', 'refresh'])
  .describe('`pat`: a personal access token made by hand; `access` / `refresh`: issued by a sign-in (codevf login).');
export type TokenKind = z.output<typeof TokenKind>;

export const TOKEN_KIND_LABEL = {
  pat: 'personal',
  access: 'login',
  refresh: 'refresh',
} as const satisfies Record<TokenKind, string>;
