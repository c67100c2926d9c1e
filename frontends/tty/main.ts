// codevf: the terminal front end. Flags -> command module; the one error boundary. `--version` and `--help`
// load nothing else: command modules (and the agent) are reached by lazy import().
import { BUILD_COMMIT, BUILD_DATE, VERSION } from '../../protocol/version.js';

const argv = process.argv.slice(2);

async function main(): Promise<number> {
  if (argv.includes('--version') || argv[0] === '-v') {
    process.stdout.write(`codevf version ${VERSION} (commit ${BUILD_COMMIT}${BUILD_DATE ? `, built ${BUILD_DATE}` : ''})\n`);
    return 0;
  }
  const { findCommand, helpFor, words: wordsOf } = await import('./cli/commands.js');
  const { splitJsonFields } = await import('./cli/json-fields.js');
  const words = wordsOf(splitJsonFields(argv).argv);
  if (words[0] === 'help') {
    process.stdout.write(helpFor(findCommand(words.slice(1))));
    return 0;
  }
  const spec = findCommand(words);
  const help = argv.includes('--help') || argv.includes('-h');
  if (argv.length === 0 || help) {
    process.stdout.write(helpFor(spec));
    return 0;
  }
  const { run } = await import('./cli/run.js');
  return run(argv, spec);
}

// The unref'd timer never delays a clean exit; it only ends a process something forgot to release.
const finish = (code: number) => { process.exitCode = code; setTimeout(() => process.exit(), 2000).unref(); };
main().then(finish, async (e: unknown) => {
  const { report } = await import('./cli/errors.js');
  finish(report(e, argv.some((a) => a === '--json' || a.startsWith('--json=')), argv.includes('--verbose')));
});
