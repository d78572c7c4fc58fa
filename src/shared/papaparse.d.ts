/**
 * The part of papaparse 5 (https://www.papaparse.com/docs) that src/shared/batch-template.ts uses. The package ships
 * no types; this declares only `Papa.parse` on a string without a header row, as documented there.
 */
declare module 'papaparse' {
  /** One problem the parser met: `row` is the 0-based record index (the header row included). */
  export interface ParseError {
    type: 'Quotes' | 'Delimiter' | 'FieldMismatch';
    code: 'MissingQuotes' | 'UndetectableDelimiter' | 'TooFewFields' | 'TooManyFields' | 'InvalidQuotes';
    message: string;
    row?: number;
    index?: number;
  }
  export interface ParseMeta {
    /** The delimiter used (guessed where `delimiter` was ''). */
    delimiter: string;
    linebreak: string;
    aborted: boolean;
    truncated: boolean;
    cursor: number;
  }
  export interface ParseResult {
    /** One array of cells per record. */
    data: string[][];
    errors: ParseError[];
    meta: ParseMeta;
  }
  export interface ParseConfig {
    /** '' guesses from `delimitersToGuess`. */
    delimiter?: string;
    newline?: string;
    quoteChar?: string;
    escapeChar?: string;
    header?: false;
    /** `greedy` also skips lines of white space only. */
    skipEmptyLines?: boolean | 'greedy';
    delimitersToGuess?: string[];
  }
  export function parse(input: string, config?: ParseConfig): ParseResult;
  const Papa: { parse: typeof parse };
  export default Papa;
}
