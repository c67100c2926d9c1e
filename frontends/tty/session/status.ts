// The status line of a live session: who, rate, minutes, credits used, balance, connection, open questions.
// A pure function of the state and the width: the narrowest terminal drops the least useful parts first.
import type { ParamsOf } from '../../../protocol/define.js';
import type { EngineerConnectedNote } from '../../../protocol/methods/session.js';
import type { Colors } from '../cli/io.js';
import { fitSegments } from './layout.js';

export interface SessionState {
  /** Spinner frame and time waited, while no engineer has joined. */
  waiting: { frame: string; waited: string } | null;
  /** Who joined (name and title as shown: neutralised). */
  engineer: Pick<ParamsOf<typeof EngineerConnectedNote>['engineer'], 'name' | 'title'> | null;
  /** While an AI agent works (AI and hybrid modes): who it is and its state. */
  ai?: string | null;
  away: boolean;
  perMinute: number | null;
  minutes: number;
  creditsUsed: number;
  balance: number | null;
  lowBalance: boolean;
  connection: 'connecting' | 'connected' | 'reconnecting' | 'polling' | 'closed' | 'auth_required';
  attempt?: number;
  ending: boolean;
  /** The summary is shown: only the rating is left. */
  ended?: boolean;
}

const CONNECTION: Record<SessionState['connection'], string> = {
  connecting: 'connecting', connected: 'connected', reconnecting: 'reconnecting', polling: 'connected (long-polling)', closed: 'offline',
  auth_required: 'signed out',
};

export function statusLine(c: Colors, s: SessionState, cols: number, open: number): string {
  if (s.ending) return c.dim(s.ended ? 'session ended' : 'ending the session...');
  const who = s.engineer
    ? c.bold(`${s.engineer.name}${s.engineer.title ? ` (${s.engineer.title})` : ''}${s.away ? ' (away)' : ''}`)
    : s.ai ? c.blue(s.ai) : `${s.waiting?.frame ?? ''} waiting for an engineer ${s.waiting?.waited ?? ''}`.trim();
  const short = s.engineer ? c.bold(`${s.engineer.name}${s.away ? ' (away)' : ''}`) : `${s.waiting?.frame ?? ''} waiting ${s.waiting?.waited ?? ''}`.trim();
  const net = `${CONNECTION[s.connection]}${s.connection === 'reconnecting' && s.attempt ? ` (attempt ${s.attempt})` : ''}`;
  const balance = s.balance === null ? '' : s.lowBalance ? c.bold(c.red(`balance ${s.balance} LOW`)) : `balance ${s.balance}`;
  const ok = s.connection === 'connected';
  return fitSegments([
    { text: open ? c.bold(c.yellow(`${open} to answer`)) : '', priority: 10, short: c.bold(c.yellow(`${open} open`)) },
    { text: who, priority: 9, short },
    { text: s.perMinute === null ? '' : `${s.perMinute} credit${s.perMinute === 1 ? '' : 's'}/min`, priority: 4 },
    { text: s.engineer ? `${s.minutes} min` : '', priority: 5 },
    { text: s.engineer ? `Credits used: ${s.creditsUsed}` : '', priority: 7, short: `used ${s.creditsUsed}` },
    { text: balance, priority: s.lowBalance ? 8 : 6, short: s.lowBalance ? c.bold(c.red(`LOW ${s.balance}`)) : undefined },
    { text: ok ? c.green(net) : c.yellow(net), priority: ok ? 2 : 8, short: ok ? undefined : c.yellow(CONNECTION[s.connection]) },
  ], cols);
}
