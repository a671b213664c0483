/** A status line rewritten in place on a terminal once a second (like dumpcap's "Packets: N"). */
export class ProgressLine {
  private readonly timer: NodeJS.Timeout | undefined;
  private shown = false;

  constructor(enabled: boolean, text: () => string) {
    if (!enabled) return;
    this.timer = setInterval(() => {
      process.stderr.write(`\r${text()}\x1b[K`);
      this.shown = true;
    }, 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.shown) process.stderr.write('\r\x1b[K');
  }
}
