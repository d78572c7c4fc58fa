/** Display letters of the slots of a comparison: A, B, C, D. */
export const slotLetter = (slot: number): string => String.fromCharCode(65 + slot);
