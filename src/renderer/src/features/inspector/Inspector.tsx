import { GitBranch, PanelRightClose, PanelRightOpen } from 'lucide-react';
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { AssetDetail } from '@shared/domain';
import type { ChainView } from '@shared/contracts/chains';
import { describeError, formatUsd } from '../../i18n/format';
import { useGallery } from '../../store/gallery';
import { useSearch } from '../../store/search';
import { useSelection } from '../../store/selection';
import { call } from '../../transport';
import { MediaImg } from '../../ui/MediaImg';
import { useChainUi } from '../chains/store';
import { Recipe } from '../viewer/Recipe';
import { FlagField, RatingField, TagsField, TitleField, type Common } from './fields';
import { isTypingOrModal, useInspectorUi } from './store';
import { ariaShortcut, matchesShortcut } from '../../lib/keys';
import { INSPECT_MAX, useInspected } from './useInspected';
import './inspector.css';

const PANEL_ID = 'inspector-panel';

/** One value if every item has it, else `'mixed'`. */
function common<T>(values: readonly T[]): Common<T> {
  return values.every((v) => v === values[0]) ? values[0]! : 'mixed';
}

/**
 * The inspector: a right-hand panel for the gallery's selection (as Lightroom's and Eagle's): preview, title,
 * rating, flag, tags, recipe, lineage and cost. With several images selected it shows their common values (mixed
 * ones said so) and edits all of them at once. Collapsed and opened by its button or the I key; remembered.
 */
export function Inspector() {
  const { t } = useTranslation();
  const open = useInspectorUi((s) => s.open);
  const toggle = useInspectorUi((s) => s.toggle);

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (!matchesShortcut(e, 'toggleInspector') || e.defaultPrevented || isTypingOrModal(e)) return;
      e.preventDefault();
      useInspectorUi.getState().toggle();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const button = (
    <button
      type="button"
      className="btn btn-ghost btn-icon btn-sm"
      aria-label={t('inspector.label')}
      title={t('inspector.toggleHint')}
      aria-expanded={open}
      aria-controls={PANEL_ID}
      aria-keyshortcuts={ariaShortcut('toggleInspector')}
      onClick={toggle}
    >
      {open ? <PanelRightClose size={16} aria-hidden="true" /> : <PanelRightOpen size={16} aria-hidden="true" />}
    </button>
  );

  if (!open) return <div className="inspector-rail">{button}</div>;
  return (
    <aside id={PANEL_ID} className="inspector" aria-label={t('inspector.label')}>
      <div className="inspector-head">
        <h2 className="inspector-title">{t('inspector.label')}</h2>
        {button}
      </div>
      <InspectorBody />
    </aside>
  );
}

function InspectorBody() {
  const { t } = useTranslation();
  const selected = useSelection((s) => s.ids);
  const ids = useMemo(() => [...selected], [selected]);
  const inTrash = useSearch((s) => s.source.kind === 'trash');
  const items = useGallery((s) => s.items);
  const { metas, details, error, reload } = useInspected(ids);

  if (ids.length === 0) return <p className="muted inspector-empty">{t('inspector.empty')}</p>;
  if (error) {
    return (
      <p className="error-text" role="alert">
        {describeError(t, error)}
      </p>
    );
  }
  const shown = ids.slice(0, INSPECT_MAX);
  const ready = metas !== null && details !== null && metas.length === shown.length && metas.every((m, i) => m.id === shown[i]);
  const byId = new Map(items.map((a) => [a.id, a]));
  const previews = shown
    .slice(0, 4)
    .map((id) => details?.find((d) => d.id === id)?.blob.id ?? byId.get(id)?.blob.id)
    .filter((b): b is string => !!b);

  return (
    <div className="inspector-body" aria-busy={!ready}>
      <div className={`inspector-preview${previews.length > 1 ? ' inspector-preview-many' : ''}`}>
        {previews.map((blobId, i) => (
          <MediaImg key={`${blobId}-${i}`} blobId={blobId} variant="thumb" alt="" />
        ))}
      </div>
      {ids.length > 1 ? (
        <p className="inspector-count" aria-live="polite">
          {t('organise.selected', { count: ids.length })}
          {ids.length > INSPECT_MAX ? <span className="muted small"> · {t('inspector.capped', { count: INSPECT_MAX })}</span> : null}
        </p>
      ) : null}
      {!ready ? (
        <p className="muted">{t('viewer.loading')}</p>
      ) : (
        <Fields ids={ids} metas={metas} details={details} readOnly={inTrash} onChanged={reload} />
      )}
    </div>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="inspector-section" aria-label={title}>
      <h3 className="inspector-section-title">{title}</h3>
      {children}
    </section>
  );
}

function Fields({
  ids,
  metas,
  details,
  readOnly,
  onChanged,
}: {
  ids: readonly string[];
  metas: NonNullable<ReturnType<typeof useInspected>['metas']>;
  details: AssetDetail[];
  readOnly: boolean;
  onChanged(): void;
}) {
  const { t } = useTranslation();
  const n = metas.length;
  const tagCounts = new Map<string, number>();
  for (const m of metas) for (const tag of m.tags) tagCounts.set(tag, (tagCounts.get(tag) ?? 0) + 1);
  const commonTags = [...tagCounts].filter(([, c]) => c === n).map(([name]) => name);
  const partial = [...tagCounts].filter(([, c]) => c < n).map(([name, count]) => ({ name, count }));
  const single = ids.length === 1 ? details[0] : undefined;
  return (
    <>
      {readOnly ? <p className="muted small">{t('inspector.inTrash')}</p> : null}
      <fieldset className="inspector-fields" disabled={readOnly}>
        <TitleField ids={ids} value={common(metas.map((m) => m.title))} onChanged={onChanged} />
        <span className="field-label">{t('organise.rating')}</span>
        <RatingField ids={ids} value={common(metas.map((m) => m.rating))} onChanged={onChanged} />
        <span className="field-label">{t('inspector.flag')}</span>
        <FlagField ids={ids} value={common(metas.map((m) => m.flag as -1 | 0 | 1))} onChanged={onChanged} />
        <span className="field-label">{t('organise.tags')}</span>
        <TagsField ids={ids} common={commonTags} partial={partial} onChanged={onChanged} />
      </fieldset>
      <Section title={t('inspector.cost')}>
        <CostLine details={details} />
      </Section>
      {single ? (
        <>
          <Section title={t('inspector.lineage')}>
            <Lineage assetId={single.id} />
          </Section>
          <Recipe entry={{ status: 'ok', detail: single }} />
        </>
      ) : null}
    </>
  );
}

/** The images' charges added up (credits and USD), free for the sandbox, with how many have no known cost. */
function CostLine({ details }: { details: AssetDetail[] }) {
  const { t, i18n } = useTranslation();
  let credits = 0;
  let usd = 0;
  let known = 0;
  let free = 0;
  for (const d of details) {
    const r = d.recipe;
    if (!r) continue;
    if (r.provider === 'sandbox') {
      free++;
      continue;
    }
    const u = r.costUsd ?? r.costUsdDerived ?? null;
    if (r.credits === null && u === null) continue;
    known++;
    credits += r.credits ?? 0;
    usd += u ?? 0;
  }
  const unknown = details.length - known - free;
  const parts: string[] = [];
  if (credits > 0) parts.push(t('jobs.credits', { count: credits }));
  if (usd > 0 || (known > 0 && credits === 0)) parts.push(formatUsd(usd, i18n.language));
  const amount = parts.length > 0 ? parts.join(' + ') : free > 0 ? t('composer.costFree') : null;
  return (
    <p className="inspector-cost">
      {amount ?? <span className="muted">{t('viewer.unknown')}</span>}
      {unknown > 0 && amount !== null ? <span className="muted small"> · {t('inspector.costUnknown', { count: unknown })}</span> : null}
    </p>
  );
}

/** Where the image sits in its edit chain: edited from a parent or an original, the versions, a link to the chain. */
function Lineage({ assetId }: { assetId: string }) {
  const { t } = useTranslation();
  const [chain, setChain] = useState<ChainView | null>(null);
  useEffect(() => {
    let live = true;
    call('chains.get', { assetId })
      .then((c) => live && setChain(c))
      .catch(() => live && setChain(null));
    return () => {
      live = false;
    };
  }, [assetId]);
  if (!chain) return <p className="muted small">{t('viewer.loading')}</p>;
  const node = chain.nodes.find((x) => x.assetId === assetId);
  const parent = node?.parentId ? chain.nodes.find((x) => x.id === node.parentId) : undefined;
  const versions = chain.nodes.filter((x) => x.assetId !== null).length;
  return (
    <div className="inspector-lineage">
      <p className="small">
        {parent ? t('inspector.editedFrom') : t('inspector.original')} · {t('inspector.versions', { count: versions })}
      </p>
      {parent?.blob ? <MediaImg blobId={parent.blob.id} variant="thumb" alt={t('inspector.parent')} className="inspector-parent" /> : null}
      <button type="button" className="btn btn-plain btn-sm" onClick={() => useChainUi.getState().openChain(assetId)}>
        <GitBranch size={14} aria-hidden="true" />
        <span>{t('chains.versions')}</span>
      </button>
    </div>
  );
}
