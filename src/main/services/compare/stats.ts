/**
 * Win rates from verdicts. A verdict is one vote for every model (provider + model) that had an image in the set
 * when it was given; the model of the first-ranked item wins it. A model present twice in one set counts once.
 * Pure: the SQL that gathers the verdicts is in repositories/comparisons.ts.
 */
import type { ModelId, ProviderId } from '@shared/capabilities';
import type { CompareStatRow } from '@shared/contracts/compare';

/** One verdict as the tally needs it, in one scope (a project or a tag). */
export interface VoteInput {
  /** Scope key (project id or tag id) and its display label. */
  key: string;
  label: string;
  blind: boolean;
  /** Item ids best first; `ranking[0]` is the winner. */
  ranking: readonly string[];
  /** Items that had an image when the verdict was given, with their model (null: no model, e.g. imported). */
  candidates: readonly { id: string; provider: ProviderId | null; model: ModelId | null }[];
}

/**
 * Tallies votes per scope and model. Rows are sorted by scope label, then win rate (highest first), then votes.
 * @returns one row per (scope, provider, model) with at least one vote; `winRate` = wins / votes (0–1)
 */
export function tallyVotes(votes: readonly VoteInput[]): CompareStatRow[] {
  const rows = new Map<string, CompareStatRow>();
  for (const v of votes) {
    const winner = v.candidates.find((c) => c.id === v.ranking[0]);
    const seen = new Set<string>();
    for (const c of v.candidates) {
      if (!c.provider || !c.model) continue;
      const modelKey = `${c.provider}\u0000${c.model}`;
      if (seen.has(modelKey)) continue;
      seen.add(modelKey);
      const k = `${v.key}\u0000${modelKey}`;
      const row =
        rows.get(k) ??
        ({ key: v.key, label: v.label, provider: c.provider, model: c.model, votes: 0, wins: 0, winRate: 0, blindVotes: 0 } satisfies CompareStatRow);
      row.votes += 1;
      if (v.blind) row.blindVotes += 1;
      if (winner && winner.provider === c.provider && winner.model === c.model) row.wins += 1;
      rows.set(k, row);
    }
  }
  return [...rows.values()]
    .map((r) => ({ ...r, winRate: r.votes ? r.wins / r.votes : 0 }))
    .sort(
      (a, b) =>
        a.label.localeCompare(b.label) ||
        a.key.localeCompare(b.key) ||
        b.winRate - a.winRate ||
        b.votes - a.votes ||
        `${a.provider}/${a.model}`.localeCompare(`${b.provider}/${b.model}`),
    );
}
