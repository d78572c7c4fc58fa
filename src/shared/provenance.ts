/**
 * C2PA Content Credentials: what Atelier keeps of the manifest a stored image carries (OpenAI's image outputs carry
 * one), and the state its validation reached.
 * Pure zod schemas + inferred types. The field names follow the C2PA Technical Specification
 * (https://spec.c2pa.org/specifications/specifications/2.2/specs/C2PA_Specification.html): a claim generator, a
 * signature issued by a certificate, an actions assertion (`c2pa.created`, `c2pa.edited`…) with an IPTC digital
 * source type (https://cv.iptc.org/newscodes/digitalsourcetype/).
 */
import { z } from 'zod';
import type { AssetDetail } from './domain';

/**
 * Where validation of the active manifest got to:
 * - `valid`: signature, hard binding (the hashes over the file's bytes) and every assertion check out, and the
 *   signing certificate chains to a trust anchor Atelier was given;
 * - `untrusted`: everything checks out but the signer is not on a trust list Atelier knows (`reasons` says so);
 * - `invalid`: a check failed — e.g. the bytes were changed after signing (`assertion.dataHash.mismatch`), or the
 *   manifest could not be parsed; `reasons` holds the failures.
 */
export const CREDENTIALS_STATES = ['valid', 'untrusted', 'invalid'] as const;
export const CredentialsState = z.enum(CREDENTIALS_STATES);
export type CredentialsState = z.infer<typeof CredentialsState>;

/** One validation failure: the C2PA status code (`assertion.dataHash.mismatch`…) and the validator's English text. */
export const CredentialsReason = z.object({ code: z.string(), explanation: z.string().nullable() });
export type CredentialsReason = z.infer<typeof CredentialsReason>;

/** One entry of the manifest's actions assertion. */
export const CredentialsAction = z.object({
  /** `c2pa.created`, `c2pa.edited`, `c2pa.converted`… */
  action: z.string(),
  /** The IPTC digital source type URI, e.g. `http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia`. */
  digitalSourceType: z.string().nullable(),
  /** The software that performed it, where named. */
  softwareAgent: z.string().nullable(),
});
export type CredentialsAction = z.infer<typeof CredentialsAction>;

/** The summary of an image's Content Credentials (its active manifest), as read when its bytes were stored. */
export const ContentCredentials = z.object({
  state: CredentialsState,
  /** The failures behind `untrusted` or `invalid`; empty when `valid`. */
  reasons: z.array(CredentialsReason),
  /** The organisation of the signing certificate (its subject O), else its common name; null when unsigned. */
  issuer: z.string().nullable(),
  /** The signing certificate's common name. */
  signer: z.string().nullable(),
  /** When the signature was made (ISO 8601), where a time stamp says so. */
  signedAt: z.string().nullable(),
  /** The claim generator, as "name version" (e.g. "ChatGPT 1.0"). */
  claimGenerator: z.string().nullable(),
  /** The manifest's title (often the file name it was signed as). */
  title: z.string().nullable(),
  actions: z.array(CredentialsAction),
  /** Manifests in the store (the active one and its ingredients' history). */
  manifestCount: z.number().int(),
  /** When Atelier read it, epoch ms. */
  readAt: z.number(),
});
export type ContentCredentials = z.infer<typeof ContentCredentials>;

/** `assets.get`'s answer: the asset's detail with its Content Credentials (null when the file carries none). */
export type AssetDetailWithCredentials = AssetDetail & { contentCredentials?: ContentCredentials | null };

/** The IPTC digital source type's code: the last path segment of its URI (`trainedAlgorithmicMedia`). */
export function digitalSourceTypeCode(uri: string): string {
  const tail = uri.split('/').filter(Boolean).at(-1);
  return tail ?? uri;
}
