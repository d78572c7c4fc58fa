/** The blind order (seeded shuffle) and the win-rate tally of comparisons. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mulberry32, shuffledOrder } from '../../src/main/services/compare/shuffle';
import { tallyVotes, type VoteInput } from '../../src/main/services/compare/stats';

describe('shuffledOrder', () => {
  it('is a permutation, the same for the same seed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 8 }), fc.integer(), (n, seed) => {
        const a = shuffledOrder(n, seed);
        expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i));
        expect(shuffledOrder(n, seed)).toEqual(a);
      }),
    );
  });

  it('spreads every order of four about evenly over seeds', () => {
    const counts = new Map<string, number>();
    const N = 24_000;
    for (let s = 0; s < N; s++) {
      const k = shuffledOrder(4, s * 2654435761).join('');
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    expect(counts.size).toBe(24);
    for (const c of counts.values()) expect(Math.abs(c - N / 24)).toBeLessThan(N / 24 / 5);
  });

  it('mulberry32 yields floats in [0, 1)', () => {
    const r = mulberry32(42);
    for (let i = 0; i < 1000; i++) {
      const v = r();
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(1);
    }
  });
});

const c = (id: string, provider: 'apiframe' | 'openai' | 'evolink' | null, model: 'gpt-image-2' | 'gpt-image-1.5' | null) => ({ id, provider, model });

describe('tallyVotes', () => {
  it('counts one vote per model present and one win for the first-ranked, per scope', () => {
    const votes: VoteInput[] = [
      { key: 'p1', label: 'One', blind: true, ranking: ['a'], candidates: [c('a', 'openai', 'gpt-image-2'), c('b', 'apiframe', 'gpt-image-1.5')] },
      { key: 'p1', label: 'One', blind: false, ranking: ['d', 'c'], candidates: [c('c', 'openai', 'gpt-image-2'), c('d', 'apiframe', 'gpt-image-1.5')] },
      { key: 'p1', label: 'One', blind: true, ranking: ['e'], candidates: [c('e', 'openai', 'gpt-image-2'), c('f', 'evolink', 'gpt-image-2')] },
      { key: 'p2', label: 'Two', blind: true, ranking: ['h'], candidates: [c('g', 'openai', 'gpt-image-2'), c('h', 'evolink', 'gpt-image-2')] },
    ];
    expect(tallyVotes(votes).map((r) => [r.key, r.provider, r.model, r.votes, r.wins, r.blindVotes, r.winRate])).toEqual([
      ['p1', 'evolink', 'gpt-image-2', 1, 0, 1, 0],
      ['p1', 'openai', 'gpt-image-2', 3, 2, 2, 2 / 3],
      ['p1', 'apiframe', 'gpt-image-1.5', 2, 1, 1, 0.5],
      ['p2', 'evolink', 'gpt-image-2', 1, 1, 1, 1],
      ['p2', 'openai', 'gpt-image-2', 1, 0, 1, 0],
    ].sort((a, b) => String(a[0]).localeCompare(String(b[0])) || (b[6] as number) - (a[6] as number) || (b[3] as number) - (a[3] as number)));
  });

  it('a model twice in a set counts once; images without a model take no part', () => {
    const rows = tallyVotes([
      { key: 'p', label: 'P', blind: true, ranking: ['b'], candidates: [c('a', 'openai', 'gpt-image-2'), c('b', 'openai', 'gpt-image-2'), c('x', null, null)] },
    ]);
    expect(rows).toEqual([{ key: 'p', label: 'P', provider: 'openai', model: 'gpt-image-2', votes: 1, wins: 1, winRate: 1, blindVotes: 1 }]);
  });

  it('wins never exceed votes, and the wins of a scope equal its verdicts won by a model', () => {
    const model = fc.constantFrom(c('', 'openai', 'gpt-image-2'), c('', 'apiframe', 'gpt-image-1.5'), c('', 'evolink', 'gpt-image-2'), c('', null, null));
    const vote = fc
      .tuple(fc.constantFrom('p1', 'p2'), fc.array(model, { minLength: 2, maxLength: 4 }), fc.nat(3), fc.boolean())
      .map(([key, ms, w, blind]): VoteInput => {
        const candidates = ms.map((m, i) => ({ ...m, id: `i${i}` }));
        return { key, label: key, blind, ranking: [candidates[w % candidates.length]!.id], candidates };
      });
    fc.assert(
      fc.property(fc.array(vote, { maxLength: 30 }), (votes) => {
        const rows = tallyVotes(votes);
        for (const r of rows) {
          expect(r.wins).toBeLessThanOrEqual(r.votes);
          expect(r.blindVotes).toBeLessThanOrEqual(r.votes);
          expect(r.winRate).toBeCloseTo(r.wins / r.votes, 12);
        }
        for (const key of ['p1', 'p2']) {
          const won = votes.filter((v) => v.key === key && v.candidates.find((x) => x.id === v.ranking[0])?.provider).length;
          expect(rows.filter((r) => r.key === key).reduce((n, r) => n + r.wins, 0)).toBe(won);
        }
      }),
    );
  });
});
