import { BatchDialog } from './BatchDialog';
import { BatchView } from './BatchView';

/** Everything the batch feature mounts once at the app's root: the template dialog and the batch view. */
export function BatchRoot() {
  return (
    <>
      <BatchDialog />
      <BatchView />
    </>
  );
}
