import { useTranslation } from 'react-i18next';
import { useSelection } from '../../store/selection';
import { useToasts } from '../../store/toasts';
import { call } from '../../transport';
import { NameDialog } from '../folders/NameDialog';
import { useKits } from './actions';

/** "Save as reference kit…" for the gallery's selection: a name, then `kits.create` with the selected images. */
export function SaveKitDialog({ open, onOpenChange }: { open: boolean; onOpenChange(open: boolean): void }) {
  const { t } = useTranslation();
  return (
    <NameDialog
      open={open}
      onOpenChange={onOpenChange}
      title={t('kits.saveTitle')}
      label={t('kits.name')}
      submitLabel={t('kits.saveButton')}
      onSubmit={async (name) => {
        const assetIds = [...useSelection.getState().ids];
        const kit = await call('kits.create', { name, assetIds });
        await useKits.getState().load();
        useToasts.getState().info('kits.saved', { name: kit.name, count: kit.items.length });
      }}
    />
  );
}
