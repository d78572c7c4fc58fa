/**
 * 0008: OpenAI chain steps through the Responses API (issue 4). Additive only.
 *
 * - `versions.response_id`: the Responses API `response.id` (`resp_…`) a step made with
 *   `method = 'responses_previous_response_id'` came from; a later step continuing this version sends it as
 *   `previous_response_id`. Null for every other method.
 * - `versions.fallback`: why a step asked to keep the model's context (Responses API) was made another way
 *   (`parent_not_responses`: its parent was not itself made through the Responses API, so there was no context to
 *   continue and the Images API edit was used). Null when the step went the way it was asked.
 * - `chain_steps.previous_response_id` / `chain_steps.fallback`: the same, decided when the edit job is created
 *   (in its transaction), read by the engine at submit and copied to each output's version.
 */
export const up = /* sql */ `
ALTER TABLE versions ADD COLUMN response_id TEXT;
ALTER TABLE versions ADD COLUMN fallback TEXT;
ALTER TABLE chain_steps ADD COLUMN previous_response_id TEXT;
ALTER TABLE chain_steps ADD COLUMN fallback TEXT;
`;
