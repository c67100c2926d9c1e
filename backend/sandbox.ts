// `npm start`: the reference CodeVF backend with demo accounts. `--json` prints one ready line for scripts.
import { pages, routes } from '../protocol/backend/index.js';
import { parseConfig } from './config.js';
import { DEMO_CUSTOMER, DEMO_ENGINEER, seed } from './seed.js';
import { startServer } from './server.js';

async function main(): Promise<void> {
  const config = parseConfig(process.argv.slice(2));
  const running = await startServer(config);
  // Handlers go in before the ready line: a script may send SIGTERM the moment it reads it.
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`sandbox: ${signal}, closing\n`);
    running.close().then(() => process.exit(0), () => process.exit(1));
  };
  // A parent that went away leaves broken pipes; writing to them must not keep the process alive.
  process.stdout.on('error', () => {});
  process.stderr.on('error', () => {});
  // One failing request must not take every session down; the bug is still logged.
  process.on('uncaughtException', (e) => process.stderr.write(`sandbox: uncaught: ${e.stack ?? e}\n`));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  if (config.exitWithStdin) process.stdin.on('end', () => stop('stdin closed')).on('error', () => stop('stdin closed')).resume();
  const demo = seed(running.services);
  const { url } = running;
  if (config.json) {
    process.stdout.write(JSON.stringify({ url, customerToken: demo.customerToken, engineerToken: demo.engineerToken }) + '\n');
  } else {
    const lines = [
      `CodeVF sandbox running at ${url}  (data: ${config.dataDir})`,
      '',
      `Engineer console: ${url}${pages.console.path()}  sign in as ${DEMO_ENGINEER.email} / ${DEMO_ENGINEER.password}`,
      `Customer pages:   ${url}${pages.signIn.path()}  sign in as ${DEMO_CUSTOMER.email} / ${DEMO_CUSTOMER.password}`,
      '',
      'Demo customer token (shown once; create more on the CLI access page):',
      `  export CODEVF_TOKEN=${demo.customerToken}`,
      `  export CODEVF_HOST=${url}`,
      `  curl -H "Authorization: Bearer $CODEVF_TOKEN" ${url}${routes.account.me.path()}`,
      '  node dist/codevf.js fix "users cannot log in"    # or `codevf login` for the device flow',
      '',
      'Press Ctrl+C to stop.',
    ];
    process.stdout.write(lines.join('\n') + '\n');
  }
}

main().catch((e) => {
  process.stderr.write(`sandbox: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
