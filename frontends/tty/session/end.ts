// The end of a session: the summary of spec 4.3, then the 1-5 rating (Enter skips it).
import type * as z from 'zod';
import type { SessionSummary } from '../../../protocol/backend/events.js';
import { summaryFigures } from '../../../protocol/backend/summary.js';
import { RateSession } from '../../../protocol/methods/session.js';
import { neutralize, neutralizeLine } from '../../../protocol/terminal-text.js';
import type { AgentClient } from '../cli/client.js';
import type { Io } from '../cli/io.js';
import type { Screen } from './screen.js';

export type Summary = Omit<z.output<typeof SessionSummary>, 'taskId'>;

const REASONS: Record<Summary['reason'], string> = {
  customer_ended: 'you ended the session',
  engineer_ended: 'the engineer ended the session',
  credits_exhausted: 'your credits ran out (run: codevf topup 10)',
};

export function summaryText(io: Io, s: Summary): string {
  const c = io.out;
  return [
    '',
    c.bold('Session Summary'),
    '───────────────',
    `Engineer: ${s.engineer ? neutralizeLine(s.engineer.name) : 'none joined'}`,
    `Time: ${summaryFigures(s).time}`,
    // As the backend bills them; the console words them alike (both from protocol/backend/summary.ts).
    `Billed: ${summaryFigures(s).billed}`,
    c.dim(`Ended: ${REASONS[s.reason]}`),
    '',
  ].join('\n');
}

/** Asks for the rating on the screen; resolves once rated or skipped. */
export function askRating(io: Io, agent: AgentClient, screen: Screen, taskId: string, engineer: string): Promise<number | null> {
  return new Promise((resolve) => {
    screen.ask({
      key: 'rating', prompt: `Rate ${engineer} (1-5, Enter to skip):`, label: `rate ${engineer}`, keys: '1 to 5 · Enter skips',
      answer: async (a) => {
        if (!a) { resolve(null); return true; }
        if (!/^[1-5]$/.test(a)) { screen.print('Please type a number from 1 to 5, or press Enter to skip.'); return false; }
        try {
          await agent.request(RateSession, { taskId, rating: Number(a) });
          screen.print(`${io.out.green('✓')} Thanks! You rated ${engineer} ${a}/5.`);
        } catch (e) {
          screen.print(io.out.red(`Could not send the rating: ${neutralize((e as Error).message)}`));
        }
        resolve(Number(a));
        return true;
      },
    });
  });
}
