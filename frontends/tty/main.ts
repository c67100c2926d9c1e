// codevf: the terminal front end. Until the live-session issue lands it prints help and version only.
import { VERSION } from '../../protocol/version.js';

const HELP = `codevf ${VERSION}: a live human engineer at your terminal.

Usage: codevf <command> [options]

Commands (arriving with the terminal front end):
  login, logout, auth, init, fix "<issue>", sync, status, balance, rates, topup, tokens, sandbox

Options:
  --version   print the version
  --help      print this help

Exit codes: 0 ok, 1 error, 2 usage or cancelled, 4 authentication required.
`;

const args = process.argv.slice(2);
if (args.includes('--version') || args.includes('-v')) {
  process.stdout.write(`${VERSION}\n`);
} else if (args.length === 0 || args.includes('--help') || args.includes('-h')) {
  process.stdout.write(HELP);
} else {
  process.stderr.write(`codevf: "${args[0]}" is not available in this build yet. Run: codevf --help\n`);
  process.exit(2);
}
