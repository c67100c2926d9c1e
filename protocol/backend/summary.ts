// How a session's time and bill read, defined once for every side (terminal, console, editors), so what
// the customer and the engineer see agrees with the bill. Pure: no I/O.

/** `45 seconds`, `1 minute`, `12 minutes`: whole minutes rounded down, like billing counts them. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const m = Math.floor(seconds / 60);
  return `${m} minute${m === 1 ? '' : 's'}`;
}

/** The summary's two figures as text: the time the session ran, and what was billed. Billing counts full
 *  minutes while an engineer was connected, so it can be less than the time, never more. */
export function summaryFigures(s: { durationSeconds: number; minutes: number; creditsUsed: number }): { time: string; billed: string } {
  return {
    time: formatDuration(s.durationSeconds),
    billed: `${s.minutes} minute${s.minutes === 1 ? '' : 's'} with an engineer, ${s.creditsUsed} credit${s.creditsUsed === 1 ? '' : 's'}`,
  };
}
