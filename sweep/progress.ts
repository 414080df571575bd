// Sweep progress on stderr: a live bar on a terminal, plain periodic lines otherwise (CI logs).
import cliProgress from 'cli-progress';

const PLAIN_EVERY_MS = 5_000;

export class Progress {
  private readonly bar: cliProgress.SingleBar | null = null;
  private done: number;
  private sessionDone = 0;
  private errors = 0;
  private readonly startedMs = Date.now();
  private lastPlainMs = 0;

  constructor(
    private readonly out: NodeJS.WriteStream | null,
    private readonly total: number,
    alreadyDone: number,
    /** What is counted, for the bar and the plain lines (a rehearsal counts branches). */
    private readonly label: { readonly what: string; readonly unit: string } = {
      what: 'sweep',
      unit: 'runs',
    },
  ) {
    this.done = alreadyDone;
    if (out?.isTTY === true) {
      this.bar = new cliProgress.SingleBar(
        {
          stream: out,
          format: `${label.what} [{bar}] {value}/{total} ${label.unit} | {rate} ${label.unit}/s | ETA {eta_formatted} | errors {errors}`,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(total, alreadyDone, { rate: '0.0', errors: 0 });
    } else if (out !== null && alreadyDone > 0) {
      out.write(`${label.what}: resuming, ${alreadyDone}/${total} ${label.unit} already done\n`);
    }
  }

  tick(isError: boolean): void {
    this.done++;
    this.sessionDone++;
    if (isError) this.errors++;
    const elapsedS = (Date.now() - this.startedMs) / 1000;
    const rate = elapsedS > 0 ? (this.sessionDone / elapsedS).toFixed(1) : '0.0';
    if (this.bar !== null) {
      this.bar.update(this.done, { rate, errors: this.errors });
      return;
    }
    const now = Date.now();
    if (this.out !== null && (now - this.lastPlainMs >= PLAIN_EVERY_MS || this.done === this.total)) {
      this.lastPlainMs = now;
      const left = this.total - this.done;
      const etaS = Number(rate) > 0 ? Math.round(left / Number(rate)) : 0;
      this.out.write(
        `${this.label.what}: ${this.done}/${this.total} ${this.label.unit}, ${rate} ${this.label.unit}/s, ETA ${etaS}s, errors ${this.errors}\n`,
      );
    }
  }

  stop(): void {
    this.bar?.stop();
  }
}
