// Internal: an intrusive doubly linked list that keeps per-client entries in order of last
// activity, so the least recently active one is always at the head.

/** An entry that can sit in a RecencyList: the list links entries through these two fields. */
export interface RecencyNode<T> {
  prev: T | undefined;
  next: T | undefined;
}

/**
 * Entries ordered oldest-activity first. Links live in the entries themselves, so moving an
 * entry to the back or dropping the head costs no allocation and no hashing, unlike
 * delete + re-set on a Map and asking a fresh Map iterator for its first key.
 */
export class RecencyList<T extends RecencyNode<T>> {
  head: T | undefined = undefined;
  tail: T | undefined = undefined;

  /** Appends an entry that is not in the list. */
  append(node: T): void {
    node.prev = this.tail;
    node.next = undefined;
    if (this.tail === undefined) this.head = node;
    else this.tail.next = node;
    this.tail = node;
  }

  /** Unlinks an entry that is in the list. */
  remove(node: T): void {
    const { prev, next } = node;
    if (prev === undefined) this.head = next;
    else prev.next = next;
    if (next === undefined) this.tail = prev;
    else next.prev = prev;
    node.prev = undefined;
    node.next = undefined;
  }

  /** Makes an entry that is in the list the most recent one. */
  moveToBack(node: T): void {
    if (node === this.tail) return;
    this.remove(node);
    this.append(node);
  }
}
