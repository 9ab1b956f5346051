import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IntrusiveList, type Linked } from './linked-list.js';

class Node implements Linked<Node> {
  prev: Node | undefined;
  next: Node | undefined;
  constructor(readonly id: number) {}
}

const ids = (l: IntrusiveList<Node>): number[] => {
  const out: number[] = [];
  for (let e = l.head; e !== undefined; e = e.next) out.push(e.id);
  return out;
};
const idsBackwards = (l: IntrusiveList<Node>): number[] => {
  const out: number[] = [];
  for (let e = l.tail; e !== undefined; e = e.prev) out.push(e.id);
  return out;
};

describe('IntrusiveList', () => {
  it('pushes at the tail, inserts after a node or at the head, removes and clears links', () => {
    const l = new IntrusiveList<Node>();
    expect(l.isEmpty).toBe(true);
    const [a, b, c, d] = [new Node(1), new Node(2), new Node(3), new Node(4)];
    l.push(a);
    l.push(c);
    l.insertAfter(a, b);
    l.insertAfter(undefined, d);
    expect(ids(l)).toEqual([4, 1, 2, 3]);
    expect(idsBackwards(l)).toEqual([3, 2, 1, 4]);
    expect(l.count()).toBe(4);
    l.remove(b);
    expect([b.prev, b.next]).toEqual([undefined, undefined]);
    l.remove(d);
    l.remove(c);
    expect(ids(l)).toEqual([1]);
    expect(l.head).toBe(a);
    expect(l.tail).toBe(a);
    l.remove(a);
    expect(l.isEmpty).toBe(true);
    expect(l.tail).toBeUndefined();
  });

  it('stays consistent with an array model under any sequence of operations', () => {
    type Op = { kind: 'push' } | { kind: 'insertAfter'; at: number } | { kind: 'remove'; at: number };
    const op = fc.oneof(
      fc.constant<Op>({ kind: 'push' }),
      fc.nat(50).map<Op>((at) => ({ kind: 'insertAfter', at })),
      fc.nat(50).map<Op>((at) => ({ kind: 'remove', at })),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const l = new IntrusiveList<Node>();
        const model: Node[] = [];
        let next = 0;
        for (const o of ops) {
          if (o.kind === 'push') {
            const n = new Node(next++);
            l.push(n);
            model.push(n);
          } else if (o.kind === 'insertAfter') {
            // at === model.length means "at the head"
            const i = o.at % (model.length + 1);
            const n = new Node(next++);
            const after = i === model.length ? undefined : model[i];
            l.insertAfter(after, n);
            model.splice(after === undefined ? 0 : i + 1, 0, n);
          } else if (model.length > 0) {
            const [n] = model.splice(o.at % model.length, 1);
            l.remove(n!);
          }
          expect(ids(l)).toEqual(model.map((n) => n.id));
          expect(idsBackwards(l)).toEqual(model.map((n) => n.id).reverse());
          expect(l.count()).toBe(model.length);
          expect(l.isEmpty).toBe(model.length === 0);
        }
      }),
    );
  });
});
