import { useEffect, useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ExportPreset, ExportScope } from '@shared/contracts/transfer';
import type { AppErrorShape } from '@shared/errors';
import { errorShape } from '../../i18n/format';
import { useFolders } from '../../store/folders';
import { useGallery } from '../../store/gallery';
import { selectedIds } from '../../store/selection';
import { watchTask } from '../../store/transfer';
import { call, getTransport } from '../../transport';
import { ErrorText } from '../../ui/ErrorText';
import { Modal } from '../../ui/Modal';
import { DeletePreset } from './DeletePreset';
import { presetDisplayName, presetStoredName } from './presetName';

const TARGET_KEY = 'atelier.exportTarget';

/** What the dialog edits of a preset: everything but its identity (`id`) and `createdAt`, which the service owns. */
type PresetFields = Omit<ExportPreset, 'id' | 'createdAt'>;

/** A stored preset's editable fields (sending the stored preset back whole was refused: "Unrecognized key"). */
function presetFields(p: ExportPreset): PresetFields {
  const { id: _id, createdAt: _createdAt, ...fields } = p;
  return fields;
}

/** What an export covers: the selected images, the folder on screen, or its whole project. */
export type ScopeChoice = 'selection' | 'folder' | 'project';

/**
 * Export the selection, the folder or the project through a preset, to a folder the user picks or types.
 * @param scope the choice it opens with (default: the selection if any, else the folder); a folder's menu asks for
 *   its folder or, on a project, the project
 */
export function ExportDialog({ open, onOpenChange, scope }: { open: boolean; onOpenChange(open: boolean): void; scope?: ScopeChoice }) {
  const { t } = useTranslation();
  return (
    <Modal open={open} onOpenChange={onOpenChange} title={t('transfer.exportTitle')} className="export-dialog">
      <ExportForm onDone={() => onOpenChange(false)} initialScope={scope} />
    </Modal>
  );
}

function ExportForm({ onDone, initialScope }: { onDone(): void; initialScope?: ScopeChoice | undefined }) {
  const { t } = useTranslation();
  const id = useId();
  const nodes = useFolders((s) => s.nodes);
  const folderId = useFolders((s) => s.selectedId);
  const [selection] = useState(() => selectedIds());
  const folder = nodes.find((n) => n.id === folderId) ?? null;
  let project = folder;
  while (project?.parentId) project = nodes.find((n) => n.id === project!.parentId) ?? null;
  const [scope, setScope] = useState<ScopeChoice>(initialScope ?? (selection.length > 0 ? 'selection' : 'folder'));
  const [presets, setPresets] = useState<ExportPreset[]>([]);
  const [presetId, setPresetId] = useState('');
  const [draft, setDraft] = useState<PresetFields | null>(null);
  const [example, setExample] = useState('');
  const [templateError, setTemplateError] = useState<AppErrorShape | null>(null);
  // Web host: the folder typed (remembered). Desktop window: the folder picked in the dialog, shown, and its path
  // grant token, sent (a typed path is refused there).
  const [target, setTarget] = useState(() => (getTransport().kind === 'electron' ? '' : (localStorage.getItem(TARGET_KEY) ?? '')));
  const [targetToken, setTargetToken] = useState<string | null>(null);
  const [error, setError] = useState<AppErrorShape | null>(null);
  const [busy, setBusy] = useState(false);
  const electron = getTransport().kind === 'electron';

  useEffect(() => {
    call('export.presets', {})
      .then((list) => {
        setPresets(list);
        const first = list.find((p) => p.id === 'preset-jpeg-recipe') ?? list[0];
        if (first) {
          setPresetId(first.id);
          setDraft(presetFields(first));
        }
      })
      .catch((err: unknown) => setError(errorShape(err)));
  }, []);

  const [exampleId] = useState<string | null>(() => selection[0] ?? useGallery.getState().items[0]?.id ?? null);
  const template = draft?.template ?? '';
  const format = draft?.format ?? 'original';
  useEffect(() => {
    if (!template) return;
    let live = true;
    const timer = setTimeout(() => {
      // The example names one of the user's own images (the first selected, else the first shown), so it reads in
      // their names, not the service's English sample ("Project/… photo.jpg"); with no image, the sample.
      call('export.checkTemplate', { template, assetId: exampleId, format })
        .then((r) => {
          if (!live) return;
          setExample(r.example);
          setTemplateError(null);
        })
        .catch((err: unknown) => {
          if (!live) return;
          setExample('');
          setTemplateError(errorShape(err));
        });
    }, 200);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [template, format, exampleId]);

  const choosePreset = (pid: string): void => {
    setPresetId(pid);
    const p = presets.find((x) => x.id === pid);
    if (p) setDraft(presetFields(p));
  };

  /** After a preset was deleted: the list without it, and the preset the dialog opens with (else the first) chosen. */
  const presetDeleted = (pid: string): void => {
    const rest = presets.filter((p) => p.id !== pid);
    setPresets(rest);
    const next = rest.find((p) => p.id === 'preset-jpeg-recipe') ?? rest[0];
    setPresetId(next?.id ?? '');
    setDraft(next ? presetFields(next) : null);
  };

  const pick = async (): Promise<void> => {
    try {
      const r = await call('export.pickTarget', {});
      if (r.path && r.token) {
        setTarget(r.path);
        setTargetToken(r.token);
      }
    } catch (err) {
      setError(errorShape(err));
    }
  };

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (!draft) return;
    setBusy(true);
    setError(null);
    try {
      const saved = presets.find((p) => p.id === presetId);
      const changed = !saved || (Object.keys(draft) as (keyof PresetFields)[]).some((k) => saved[k] !== draft[k]);
      // An edited preset is saved under its name (so the export is reproducible), then used.
      const preset = changed ? await call('export.savePreset', { id: saved?.id ?? null, ...draft }) : saved;
      const dir = (await call('export.checkTarget', { path: electron ? (targetToken ?? '') : target.trim() })).path;
      if (!electron) localStorage.setItem(TARGET_KEY, dir);
      const s: ExportScope =
        scope === 'selection'
          ? { kind: 'assets', assetIds: selection }
          : { kind: 'folder', folderId: scope === 'project' ? project!.id : folder!.id, recursive: scope === 'project' };
      watchTask(await call('export.start', { scope: s, presetId: preset.id, targetDir: dir }));
      onDone();
    } catch (err) {
      setError(errorShape(err));
      setBusy(false);
    }
  };

  const set = <K extends keyof NonNullable<typeof draft>>(k: K, v: NonNullable<typeof draft>[K]): void => setDraft((d) => (d ? { ...d, [k]: v } : d));

  return (
    <form className="form export-form" onSubmit={(e) => void submit(e)}>
      <fieldset className="export-scope">
        <legend className="field-label">{t('transfer.scope')}</legend>
        <label>
          <input type="radio" name={`${id}-scope`} checked={scope === 'selection'} disabled={selection.length === 0} onChange={() => setScope('selection')} />{' '}
          {t('transfer.scopeSelection', { count: selection.length })}
        </label>
        <label>
          <input type="radio" name={`${id}-scope`} checked={scope === 'folder'} disabled={!folder} onChange={() => setScope('folder')} />{' '}
          {t('transfer.scopeFolder', { name: folder?.name ?? '—' })}
        </label>
        <label>
          <input type="radio" name={`${id}-scope`} checked={scope === 'project'} disabled={!project} onChange={() => setScope('project')} />{' '}
          {t('transfer.scopeProject', { name: project?.name ?? '—' })}
        </label>
      </fieldset>

      <label className="field-label" htmlFor={`${id}-preset`}>{t('transfer.preset')}</label>
      <div className="export-target">
        <select id={`${id}-preset`} className="select" value={presetId} onChange={(e) => choosePreset(e.target.value)}>
          {presets.map((p) => (
            <option key={p.id} value={p.id}>{presetDisplayName(t, p.id, p.name)}</option>
          ))}
        </select>
        <DeletePreset preset={presets.find((p) => p.id === presetId)} disabled={presets.length < 2} onDeleted={presetDeleted} />
      </div>

      {draft ? (
        <div className="export-grid">
          <label className="field-label" htmlFor={`${id}-name`}>{t('transfer.presetName')}</label>
          <input id={`${id}-name`} className="input" value={presetDisplayName(t, presetId, draft.name)} onChange={(e) => set('name', presetStoredName(t, presetId, e.target.value))} />
          <label className="field-label" htmlFor={`${id}-tpl`}>{t('transfer.template')}</label>
          <input
            id={`${id}-tpl`}
            className="input"
            value={draft.template}
            spellCheck={false}
            aria-invalid={!!templateError}
            aria-describedby={`${id}-tpl-help`}
            onChange={(e) => set('template', e.target.value)}
          />
          <p id={`${id}-tpl-help`} className="muted export-help">
            {t('transfer.templateHelp')} {example ? <span>{t('transfer.example', { name: example })}</span> : null}
          </p>
          <ErrorText error={templateError} id={`${id}-tpl-err`} />
          <label className="field-label" htmlFor={`${id}-fmt`}>{t('transfer.format')}</label>
          <select id={`${id}-fmt`} className="select" value={draft.format} onChange={(e) => set('format', e.target.value as typeof draft.format)}>
            {(['original', 'jpeg', 'png', 'webp'] as const).map((f) => (
              <option key={f} value={f}>{t(`transfer.formats.${f}`)}</option>
            ))}
          </select>
          {draft.format === 'jpeg' || draft.format === 'webp' ? (
            <>
              <label className="field-label" htmlFor={`${id}-q`}>{t('transfer.quality')}</label>
              <input id={`${id}-q`} className="input" type="number" min={1} max={100} value={draft.quality} onChange={(e) => set('quality', Math.max(1, Math.min(100, Number(e.target.value) || 90)))} />
            </>
          ) : null}
          {draft.format !== 'original' ? (
            <>
              <label className="field-label" htmlFor={`${id}-edge`}>{t('transfer.longEdge')}</label>
              <input id={`${id}-edge`} className="input" type="number" min={16} max={16384} placeholder={t('transfer.longEdgeNone')} value={draft.longEdge ?? ''} onChange={(e) => set('longEdge', e.target.value ? Number(e.target.value) : null)} />
            </>
          ) : null}
          <label className="field-label" htmlFor={`${id}-meta`}>{t('transfer.metadata')}</label>
          <select id={`${id}-meta`} className="select" value={draft.metadata} onChange={(e) => set('metadata', e.target.value as typeof draft.metadata)}>
            {(['full', 'prompt', 'none'] as const).map((m) => (
              <option key={m} value={m}>{t(`transfer.metadataLevels.${m}`)}</option>
            ))}
          </select>
          <label className="export-help export-check">
            <input type="checkbox" checked={draft.xmpSidecar && draft.metadata !== 'none'} disabled={draft.metadata === 'none'} onChange={(e) => set('xmpSidecar', e.target.checked)} />{' '}
            {t('transfer.xmpSidecar')}
          </label>
        </div>
      ) : null}

      <label className="field-label" htmlFor={`${id}-target`}>{t('transfer.targetFolder')}</label>
      <div className="export-target">
        <input id={`${id}-target`} className="input" value={target} spellCheck={false} placeholder={t('transfer.targetPlaceholder')} aria-describedby={`${id}-target-help`} readOnly={electron} onChange={(e) => setTarget(e.target.value)} />
        {electron ? (
          <button type="button" className="btn btn-plain" onClick={() => void pick()}>{t('transfer.choose')}</button>
        ) : null}
      </div>
      <p id={`${id}-target-help`} className="muted export-help">{electron ? t('transfer.targetHelpDesktop') : t('transfer.targetHelpWeb')}</p>
      <ErrorText error={error} id={`${id}-err`} />
      <div className="form-actions">
        <button type="button" className="btn btn-plain" onClick={onDone}>{t('app.cancel')}</button>
        <button type="submit" className="btn btn-primary" disabled={busy || !draft || !target.trim() || !!templateError}>{t('transfer.exportAction')}</button>
      </div>
    </form>
  );
}
