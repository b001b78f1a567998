// The writes of one page: one at a time (`busy` disables the buttons), the API's error as it gave it, the notice of the
// last one done; after each, the page reloads what it shows.
export class Writes {
  busy = $state(false);
  error = $state(null);
  notice = $state("");

  constructor(after) {
    this.after = after;
  }

  /** Run one write: `fn` answers the notice to show, or throws the API's error; then the page reloads. */
  async run(fn) {
    this.error = null;
    this.notice = "";
    this.busy = true;
    try {
      this.notice = (await fn()) || "";
      await this.after?.();
    } catch (err) {
      this.error = err;
    } finally {
      this.busy = false;
    }
  }

  /** A write whose notice is known beforehand. */
  act(label, fn) {
    return this.run(async () => {
      await fn();
      return label;
    });
  }
}
