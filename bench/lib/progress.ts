// A progress bar with a rate and an ETA, apart from report.ts (which loads Prettier) so that
// tests can use what uses it.

/** A progress bar on one terminal line: done / total, rate, ETA. */
export function progressBar(label: string, total: number): { tick(done: number): void; end(): void } {
  const started = Date.now();
  const tty = process.stdout.isTTY;
  let lastPrinted = 0;
  const line = (done: number) => {
    const seconds = (Date.now() - started) / 1000;
    const rate = done / Math.max(seconds, 0.001);
    const eta = rate > 0 ? (total - done) / rate : 0;
    const width = 30;
    const filled = Math.round((done / total) * width);
    return `  ${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}  ${rate.toFixed(1)}/s  ETA ${Math.round(eta)} s`;
  };
  return {
    tick(done) {
      // Every half second on a terminal, every 10 s in a log file.
      const now = Date.now();
      if (now - lastPrinted < (tty ? 500 : 10_000) && done < total) return;
      lastPrinted = now;
      process.stdout.write(tty ? `\r${line(done)}` : `${line(done)}\n`);
    },
    end() {
      if (tty) process.stdout.write('\n');
    },
  };
}
