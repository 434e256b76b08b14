// Rendered pages by the blob they came from (its object id never changes meaning), least
// recently used first out, within a byte budget.

export class RenderCache {
  private readonly pages = new Map<string, string>();
  private bytes = 0;

  constructor(private readonly budget: number) {}

  get(key: string): string | undefined {
    const page = this.pages.get(key);
    if (page !== undefined) {
      this.pages.delete(key);
      this.pages.set(key, page);
    }
    return page;
  }

  set(key: string, page: string): void {
    const size = Buffer.byteLength(page);
    if (size > this.budget) return;
    const old = this.pages.get(key);
    if (old !== undefined) {
      this.pages.delete(key);
      this.bytes -= Buffer.byteLength(old);
    }
    this.pages.set(key, page);
    this.bytes += size;
    for (const [oldest, text] of this.pages) {
      if (this.bytes <= this.budget) break;
      this.pages.delete(oldest);
      this.bytes -= Buffer.byteLength(text);
    }
  }
}
