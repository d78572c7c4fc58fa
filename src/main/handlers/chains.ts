/**
 * Handlers of the edit-chain calls (src/shared/contracts/chains.ts). Thin: each one calls the ChainService
 * (src/main/services/chains/service.ts) or the app's `submitEdit`.
 */
import type { CallContext, CallInputParsed, CallOutput } from '@shared/contract';
import { carryParams } from '@shared/capabilities';
import { offersResponses, type chainCalls } from '@shared/contracts/chains';
import { AppError } from '@shared/errors';
import type { AppServices } from '../app';
import { ChainService } from '../services/chains/service';

type ChainCallName = keyof typeof chainCalls;
/** One handler per chain call (the shape `Handlers` expects for these names). */
export type ChainHandlers = {
  [N in ChainCallName]: (input: CallInputParsed<N>, ctx: CallContext) => Promise<CallOutput<N>> | CallOutput<N>;
};

/** The chain calls' handlers over the app's services. */
export function chainHandlers(s: AppServices): ChainHandlers {
  return {
    'chains.get': ({ assetId }) => s.chains.chainOfAsset(assetId),
    'chains.choose': ({ versionId, chosen }) => s.chains.choose(versionId, chosen),
    'chains.replay': async ({ versionId, provider, model, params }) => {
      const r = s.chains.replayInput(versionId);
      const cap = ChainService.capability(provider, model);
      // The step's own parameters carry over where the new model accepts them; the caller's win.
      const carried = params ?? carryParams(cap, r.params);
      // A fidelity the step never chose is left to the edit default (`high`), not the new model's schema default.
      if (!params && !('input_fidelity' in r.params)) delete carried['input_fidelity'];
      return s.submitEdit(
        {
          folderId: r.folderId,
          provider,
          model,
          prompt: r.prompt,
          params: carried,
          references: r.references,
          ...(r.maskBlobId && cap.takesMask ? { maskBlobId: r.maskBlobId } : {}),
          // A step made through the Responses API replays the same way where the target offers it; elsewhere the target provider's own way.
          ...(r.method === 'responses_previous_response_id' && offersResponses(provider, model) ? { chainMethod: 'responses' as const } : {}),
        },
        { parentVersionId: r.parentVersionId, replayOf: versionId },
      );
    },
    'chains.stageMask': async ({ assetId, dataBase64 }) => {
      const bytes = Buffer.from(dataBase64, 'base64');
      if (bytes.length === 0) throw new AppError('validation', 'the mask is empty', { params: { field: 'mask', reason: 'not_png' } });
      return s.chains.stageMask(assetId, bytes);
    },
    'chains.outsideMask': ({ versionId, threshold }) => s.chains.outsideMask(versionId, threshold),
    'chains.keepOriginalOutsideMask': ({ versionId }) => s.chains.keepOriginalOutsideMask(versionId),
    'chains.deleteVersion': ({ versionId }) => s.chains.deleteVersion(versionId),
  };
}
