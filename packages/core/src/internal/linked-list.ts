/** The links an element of an {@link IntrusiveList} carries itself. */
export interface Linked<T> {
  prev: T | undefined;
  next: T | undefined;
}

/**
 * A doubly linked list whose elements carry their own links. Why intrusive: the hot paths that use
 * it (a timeout's pending calls, a bulkhead's waiters) link one object per call, and keeping the
 * links on that object means no wrapper node is allocated and a call that settles early leaves in
 * O(1) without being searched for.
 *
 * An element belongs to at most one list at a time and the list does not check membership: callers
 * that may remove twice keep their own flag.
 */
export class IntrusiveList<T extends Linked<T>> {
  head: T | undefined = undefined;
  tail: T | undefined = undefined;

  /** True when no element is linked. */
  get isEmpty(): boolean {
    return this.head === undefined;
  }

  /** Appends `node` at the tail. */
  push(node: T): void {
    node.prev = this.tail;
    node.next = undefined;
    if (this.tail !== undefined) this.tail.next = node;
    else this.head = node;
    this.tail = node;
  }

  /** Links `node` right after `after`, or at the head when `after` is undefined. */
  insertAfter(after: T | undefined, node: T): void {
    node.prev = after;
    node.next = after === undefined ? this.head : after.next;
    if (node.next !== undefined) node.next.prev = node;
    else this.tail = node;
    if (after !== undefined) after.next = node;
    else this.head = node;
  }

  /** Unlinks `node`, which must be in this list, and clears its links. */
  remove(node: T): void {
    if (node.prev !== undefined) node.prev.next = node.next;
    else this.head = node.next;
    if (node.next !== undefined) node.next.prev = node.prev;
    else this.tail = node.prev;
    node.prev = node.next = undefined;
  }

  /** Elements linked now; walks the list (O(n)), for tests and leak checks. */
  count(): number {
    let n = 0;
    for (let e = this.head; e !== undefined; e = e.next) n++;
    return n;
  }
}
