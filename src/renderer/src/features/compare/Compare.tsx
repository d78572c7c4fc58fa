import { Columns2 } from 'lucide-react';
import { useTranslation } from 'react-i18next';
import { COMPARE_MAX, COMPARE_MIN } from '@shared/contracts/compare';
import { useToasts } from '../../store/toasts';
import { CompareView } from './CompareView';
import { PickDialog } from './PickDialog';
import { RunDialog } from './RunDialog';
import { StatsDialog } from './StatsDialog';
import { useCompare } from './store';

/** Everything the compare feature mounts once at the app's root: the view and its dialogs. */
export function CompareRoot({ picked = [] }: { picked?: readonly string[] }) {
  return (
    <>
      <CompareView />
      <RunDialog />
      <StatsDialog />
      <PickDialog initial={picked} />
    </>
  );
}

/** The composer's "Compare models" button: opens the fan-out dialog. */
export function CompareModelsButton({ disabled }: { disabled?: boolean }) {
  const { t } = useTranslation();
  return (
    <button type="button" className="btn btn-plain" disabled={disabled} onClick={() => useCompare.getState().setRunOpen(true)}>
      <Columns2 size={16} aria-hidden="true" />
      <span>{t('compare.compareModels')}</span>
    </button>
  );
}

/**
 * The gallery's "Compare" button: compares the 2–4 selected images at once, or opens a picker.
 * @param selected the gallery's selected asset ids (empty where the gallery has no selection)
 */
export function CompareImagesButton({ selected = [] }: { selected?: readonly string[] }) {
  const { t } = useTranslation();
  return (
    <button
      type="button"
      className="btn btn-ghost"
      onClick={() => {
        const st = useCompare.getState();
        if (selected.length >= COMPARE_MIN && selected.length <= COMPARE_MAX) {
          st.comparePicked([...selected]).catch((err: unknown) => useToasts.getState().error(err));
        } else st.setPickOpen(true);
      }}
    >
      <Columns2 size={16} aria-hidden="true" />
      <span>{t('compare.compareImages')}</span>
    </button>
  );
}

/** Opens the stats view on its own (from anywhere). */
export const openCompareStats = (): void => useCompare.getState().setStatsOpen(true);
