// Calls each user is handling on this app node, for the call-waiting limit (seed-part2 §1.1 "Call waiting":
// limits received calls when already handling this number of calls). In memory: with several app nodes the
// count moves to the shared runtime state (Redis) behind the same three methods.
export class UserCallCounter {
  readonly #n = new Map<number, number>();

  count(userId: number): number {
    return this.#n.get(userId) ?? 0;
  }

  add(userId: number): void {
    this.#n.set(userId, this.count(userId) + 1);
  }

  remove(userId: number): void {
    const n = this.count(userId) - 1;
    if (n <= 0) this.#n.delete(userId);
    else this.#n.set(userId, n);
  }
}
