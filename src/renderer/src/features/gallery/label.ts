import type { TFunction } from 'i18next';
import type { AssetListItem } from '@shared/organise';
import { formatDateTime } from '../../i18n/format';

/**
 * An image's accessible name and visible label: its title, else its prompt, else the file name it was imported
 * with, else "Image from <date>". Never empty, so every tile, checkbox and button naming it can be found.
 */
export function assetLabel(
  asset: Pick<AssetListItem, 'prompt' | 'createdAt'> & { title?: string | null; originalName?: string | null },
  t: TFunction,
  lang: string,
): string {
  return (
    asset.title?.trim() ||
    asset.prompt?.trim() ||
    asset.originalName?.trim() ||
    t('gallery.untitled', { date: formatDateTime(asset.createdAt, lang) })
  );
}
