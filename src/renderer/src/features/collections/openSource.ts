import { useGallery } from '../../store/gallery';
import { useSearch, type Source } from '../../store/search';

/** Shows a source (the selected folder, a collection, the trash) in the gallery, starting at its first page. */
export function openSource(source: Source): void {
  useSearch.getState().setSource(source);
  const g = useGallery.getState();
  void g.show(g.folderId);
}
