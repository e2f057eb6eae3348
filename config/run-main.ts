import { ConfigError } from './config';
import { PolicyError } from './policy';

/** Runs a process's main; a configuration error is printed as it is, without a stack trace. */
export function runMain(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    if (error instanceof ConfigError || error instanceof PolicyError) {
      process.stderr.write(`${error.message}\n`);
    } else {
      process.stderr.write(
        `fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
    }
    process.exit(1);
  });
}
