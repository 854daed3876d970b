/**
 * A bounded min-heap keeping the k best (score, id) pairs seen: higher score first, ties by id
 * ascending. O(n log k) for n candidates; the root is the worst kept entry, so most candidates are
 * rejected by one comparison.
 */
export class TopK {
  private readonly scores: number[] = [];
  private readonly ids: string[] = [];
  private readonly rows: number[] = [];

  constructor(private readonly k: number) {}

  get size(): number {
    return this.scores.length;
  }

  /** The score a candidate must beat (or tie with a smaller id) to enter; -Infinity until full. */
  get threshold(): number {
    return this.scores.length < this.k ? Number.NEGATIVE_INFINITY : (this.scores[0] as number);
  }

  /** Offers a candidate; `id` is read only when needed for a tie. */
  offer(score: number, row: number, idOf: (row: number) => string): void {
    const n = this.scores.length;
    if (n < this.k) {
      this.scores.push(score);
      this.rows.push(row);
      this.ids.push(idOf(row));
      this.siftUp(n);
      return;
    }
    const rootScore = this.scores[0] as number;
    if (score < rootScore) return;
    const id = idOf(row);
    if (score === rootScore && id >= (this.ids[0] as string)) return;
    this.scores[0] = score;
    this.rows[0] = row;
    this.ids[0] = id;
    this.siftDown(0);
  }

  /** The kept entries, best first. */
  sorted(): { score: number; row: number; id: string }[] {
    return this.scores
      .map((score, i) => ({ score, row: this.rows[i] as number, id: this.ids[i] as string }))
      .sort((a, b) => (b.score - a.score) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** True when entry i ranks below entry j (lower score, or same score and larger id). */
  private worse(i: number, j: number): boolean {
    const si = this.scores[i] as number;
    const sj = this.scores[j] as number;
    return si < sj || (si === sj && (this.ids[i] as string) > (this.ids[j] as string));
  }

  private swap(i: number, j: number): void {
    [this.scores[i], this.scores[j]] = [this.scores[j] as number, this.scores[i] as number];
    [this.rows[i], this.rows[j]] = [this.rows[j] as number, this.rows[i] as number];
    [this.ids[i], this.ids[j]] = [this.ids[j] as string, this.ids[i] as string];
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.worse(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const n = this.scores.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let worst = i;
      if (l < n && this.worse(l, worst)) worst = l;
      if (r < n && this.worse(r, worst)) worst = r;
      if (worst === i) return;
      this.swap(i, worst);
      i = worst;
    }
  }
}
