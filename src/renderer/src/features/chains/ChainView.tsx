import { Check, GitBranch, Play, Star, Trash2 } from 'lucide-react';
import { useEffect, useMemo, useRef, useState, type DragEvent, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { PROVIDER_IDS, modelsOf, type ModelId, type ProviderId } from '@shared/capabilities';
import type { ChainNode, ChainView as Chain, OutsideMaskReport } from '@shared/contracts/chains';
import { describeError, errorShape, formatDuration, modelLabel, providerLabel } from '../../i18n/format';
import { call, getTransport, mediaUrl } from '../../transport';
import { useJobs } from '../../store/jobs';
import { useViewer } from '../../store/viewer';
import type { AppErrorShape } from '@shared/errors';
import { MediaImg } from '../../ui/MediaImg';
import { Modal } from '../../ui/Modal';
import { CompareSlider } from './CompareSlider';
import { ASSET_DRAG, useChainUi } from './store';
import './chains.css';

/** The chain view: versions as a tree (a filmstrip for a straight chain), the selected one large, its actions. */
export function ChainView() {
  const { t } = useTranslation();
  const chainOf = useChainUi((s) => s.chainOf);
  const close = useChainUi((s) => s.closeChain);
  return (
    <Modal open={chainOf !== null} onOpenChange={(o) => !o && close()} title={t('chains.title')} className="chain-modal">
      {chainOf ? <ChainContent assetId={chainOf} /> : null}
    </Modal>
  );
}

function costText(t: ReturnType<typeof useTranslation>['t'], n: ChainNode): string {
  if (n.provider === 'sandbox') return t('chains.free');
  if (n.credits !== null) return t('chains.credits', { count: n.credits });
  if (n.costUsd !== null) return `$${n.costUsd.toFixed(3)}`;
  return t('chains.costUnknown');
}

function ChainContent({ assetId }: { assetId: string }) {
  const { t, i18n } = useTranslation();
  const [chain, setChain] = useState<Chain | null>(null);
  const [error, setError] = useState<AppErrorShape | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [comparing, setComparing] = useState(false);
  const [report, setReport] = useState<OutsideMaskReport | null>(null);
  const [busy, setBusy] = useState(false);
  const [replayProvider, setReplayProvider] = useState<ProviderId>('sandbox');
  const [replayModel, setReplayModel] = useState<ModelId>('gpt-image-1.5');
  const treeRef = useRef<HTMLDivElement>(null);
  const chainId = chain?.id ?? null;

  const [rev, setRev] = useState(0);

  useEffect(() => {
    let alive = true;
    call('chains.get', { assetId }).then(
      (c) => {
        if (!alive) return;
        setChain(c);
        setSelected((cur) =>
          cur && c.nodes.some((n) => n.id === cur) ? cur : (c.nodes.find((n) => n.assetId === assetId)?.id ?? c.nodes[0]?.id ?? null),
        );
      },
      (err: unknown) => alive && setError(errorShape(err)),
    );
    return () => {
      alive = false;
    };
  }, [assetId, rev]);
  // A new version (a replay finishing), a deletion or a chosen mark elsewhere: read the chain again.
  useEffect(
    () =>
      getTransport().subscribe((e) => {
        if (e.name === 'chain.changed' && (chainId === null || e.payload.chainId === chainId || chainId.startsWith('asset:'))) {
          setRev((r) => r + 1);
        }
      }),
    [chainId],
  );

  const nodes = useMemo(() => chain?.nodes ?? [], [chain]);
  const node = nodes.find((n) => n.id === selected) ?? null;
  const parent = node?.parentId ? (nodes.find((n) => n.id === node.parentId) ?? null) : null;
  const childrenOf = (id: string) => nodes.filter((n) => n.parentId === id);
  const labelOf = (n: ChainNode): string => n.prompt?.trim() || t('chains.untitled');

  const select = (id: string): void => {
    setSelected(id);
    setReport(null);
    setComparing(false);
    requestAnimationFrame(() => treeRef.current?.querySelector<HTMLElement>(`[data-node-id="${CSS.escape(id)}"]`)?.focus());
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>): void => {
    if (!node) return;
    const i = nodes.indexOf(node);
    const straight = chain?.straight ?? true;
    let next: ChainNode | undefined;
    if (e.key === 'ArrowDown' || (straight && e.key === 'ArrowRight')) next = nodes[i + 1];
    else if (e.key === 'ArrowUp' || (straight && e.key === 'ArrowLeft')) next = nodes[i - 1];
    else if (e.key === 'ArrowLeft') next = parent ?? undefined;
    else if (e.key === 'ArrowRight') next = childrenOf(node.id)[0];
    else if (e.key === 'Home') next = nodes[0];
    else if (e.key === 'End') next = nodes.at(-1);
    else if (e.key === 'Enter') {
      if (node.assetId) {
        useChainUi.getState().closeChain();
        useViewer.getState().open(node.assetId);
      }
    } else return;
    e.preventDefault();
    if (next) select(next.id);
  };

  const run = async (fn: () => Promise<void>): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(errorShape(err));
    } finally {
      setBusy(false);
    }
  };

  const continueFrom = (n: ChainNode) =>
    run(async () => {
      if (!n.assetId) return;
      const a = await call('assets.get', { id: n.assetId });
      useChainUi.getState().closeChain();
      useChainUi.getState().edit(a);
    });

  const choose = (n: ChainNode) => run(async () => setChain(await call('chains.choose', { versionId: n.id, chosen: chain?.chosenVersionId !== n.id })));
  const replay = (n: ChainNode) =>
    run(async () => {
      const job = await call('chains.replay', { versionId: n.id, provider: replayProvider, model: replayModel });
      useJobs.getState().applyEvent(job);
    });
  const remove = (n: ChainNode) => run(async () => setChain(await call('chains.deleteVersion', { versionId: n.id })));
  const measure = (n: ChainNode) => run(async () => setReport(await call('chains.outsideMask', { versionId: n.id, threshold: 24 })));
  const keepOriginal = (n: ChainNode) => run(async () => void (await call('chains.keepOriginalOutsideMask', { versionId: n.id })));

  const isStep = node !== null && node.method !== 'root' && node.method !== 'composite';
  const straight = chain?.straight ?? true;

  return (
    <div className="chain">
      <div
        ref={treeRef}
        role="tree"
        aria-label={t('chains.tree')}
        aria-orientation={straight ? 'horizontal' : 'vertical'}
        className={straight ? 'chain-film' : 'chain-tree'}
        onKeyDown={onKeyDown}
      >
        {nodes.map((n) => {
          const kids = childrenOf(n.id).length;
          const chosen = chain?.chosenVersionId === n.id;
          return (
            <div
              key={n.id}
              role="treeitem"
              data-node-id={n.id}
              aria-level={n.depth + 1}
              aria-selected={n.id === selected}
              {...(kids > 0 && !straight ? { 'aria-expanded': true } : {})}
              tabIndex={n.id === selected ? 0 : -1}
              className={`chain-node${n.id === selected ? ' is-selected' : ''}${n.assetId ? '' : ' is-deleted'}`}
              style={straight ? undefined : { marginInlineStart: n.depth * 20 }}
              draggable={n.assetId !== null}
              onDragStart={(e: DragEvent) => {
                if (!n.assetId) return;
                e.dataTransfer.setData(ASSET_DRAG, JSON.stringify({ id: n.assetId }));
                e.dataTransfer.effectAllowed = 'copy';
              }}
              onClick={() => select(n.id)}
            >
              {n.blob ? <MediaImg blobId={n.blob.id} variant="thumb" alt="" className="chain-thumb" draggable={false} /> : <span className="chain-thumb" />}
              <span className="chain-node-text">
                <span className="chain-prompt">
                  {chosen ? <Star size={12} aria-hidden="true" className="chain-star" /> : null}
                  {n.replayOf ? <GitBranch size={12} aria-hidden="true" /> : null} {labelOf(n)}
                  {chosen ? <span className="sr-only"> ({t('chains.chosen')})</span> : null}
                </span>
                <span className="muted chain-meta">
                  {n.model ? modelLabel(t, n.model) : t('chains.noModel')}
                  {n.provider ? ` · ${providerLabel(t, n.provider)}` : ''}
                </span>
                {n.method === 'responses_previous_response_id' || n.method === 'images_edit' ? (
                  <span className="muted chain-meta chain-way" data-method={n.method}>
                    {n.method === 'responses_previous_response_id' ? t('chains.madeResponses') : t('chains.madeImages')}
                    {n.fallback ? ` · ${t('chains.fallbackNote')}` : ''}
                  </span>
                ) : null}
                <span className="muted chain-meta">
                  {costText(t, n)}
                  {n.durationMs !== null ? ` · ${formatDuration(n.durationMs, i18n.language)}` : ''}
                  {n.assetId ? '' : ` · ${t('chains.deleted')}`}
                </span>
              </span>
            </div>
          );
        })}
      </div>

      <div className="chain-stage">
        {node ? (
          comparing && parent?.blob && node.blob ? (
            <CompareSlider before={{ blobId: parent.blob.id, alt: labelOf(parent) }} after={{ blobId: node.blob.id, alt: labelOf(node) }} />
          ) : report ? (
            <figure className="chain-report">
              <img src={mediaUrl(report.heatmap.id, 'original')} alt={t('mask.heatmap')} />
              <figcaption role="status">
                {t('mask.changedOutside', { percent: report.changedPercent.toFixed(2), delta: report.meanDelta.toFixed(1) })}
              </figcaption>
            </figure>
          ) : node.blob ? (
            <img className="chain-image" src={mediaUrl(node.blob.id, 'original')} alt={labelOf(node)} draggable={false} />
          ) : null
        ) : null}
        {node ? (
          <div className="chain-actions" role="group" aria-label={t('chains.actions')}>
            <button type="button" className="btn btn-plain btn-sm" aria-pressed={comparing} disabled={!parent?.blob} onClick={() => setComparing((c) => !c)}>
              {t('chains.compareWithParent')}
            </button>
            <button type="button" className="btn btn-plain btn-sm" disabled={!node.assetId || busy} onClick={() => void continueFrom(node)}>
              {t('chains.continue')}
            </button>
            <button type="button" className="btn btn-plain btn-sm" aria-pressed={chain?.chosenVersionId === node.id} disabled={busy || node.id.startsWith('asset:')} onClick={() => void choose(node)}>
              <Check size={14} aria-hidden="true" />
              <span>{t('chains.markChosen')}</span>
            </button>
            {node.maskBlobId && isStep ? (
              <>
                <button type="button" className="btn btn-plain btn-sm" disabled={busy} onClick={() => void measure(node)}>
                  {t('mask.measure')}
                </button>
                <button type="button" className="btn btn-plain btn-sm" disabled={busy} onClick={() => void keepOriginal(node)}>
                  {t('mask.keepOriginal')}
                </button>
              </>
            ) : null}
            {isStep ? (
              <span className="chain-replay">
                <label className="sr-only" htmlFor="chain-replay-provider">
                  {t('chains.replayProvider')}
                </label>
                <select
                  id="chain-replay-provider"
                  className="select select-sm"
                  value={replayProvider}
                  onChange={(e) => {
                    const p = e.target.value as ProviderId;
                    setReplayProvider(p);
                    const models = modelsOf(p);
                    if (!models.includes(replayModel)) setReplayModel(models[0]!);
                  }}
                >
                  {PROVIDER_IDS.map((p) => (
                    <option key={p} value={p}>
                      {providerLabel(t, p)}
                    </option>
                  ))}
                </select>
                <label className="sr-only" htmlFor="chain-replay-model">
                  {t('chains.replayModel')}
                </label>
                <select id="chain-replay-model" className="select select-sm" value={replayModel} onChange={(e) => setReplayModel(e.target.value as ModelId)}>
                  {modelsOf(replayProvider).map((m) => (
                    <option key={m} value={m}>
                      {modelLabel(t, m)}
                    </option>
                  ))}
                </select>
                <button type="button" className="btn btn-plain btn-sm" disabled={busy} onClick={() => void replay(node)}>
                  <Play size={14} aria-hidden="true" />
                  <span>{t('chains.replay')}</span>
                </button>
              </span>
            ) : null}
            {node.assetId && node.method !== 'root' ? (
              <button type="button" className="btn btn-ghost btn-sm btn-danger-text" disabled={busy} onClick={() => void remove(node)}>
                <Trash2 size={14} aria-hidden="true" />
                <span>{t('chains.deleteVersion')}</span>
              </button>
            ) : null}
          </div>
        ) : null}
        {error ? (
          <p className="error-text" role="alert">
            {describeError(t, error)}
          </p>
        ) : null}
      </div>
    </div>
  );
}
