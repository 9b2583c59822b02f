/**
 * Why a recording exists. The purpose decides who may hear it (the age
 * recipients configured for it) and how long it is kept (retention.ts).
 */
export const PURPOSES = ['quality', 'training', 'analysis', 'contract', 'regulatory'] as const;
export type Purpose = (typeof PURPOSES)[number];

export function isPurpose(value: string): value is Purpose {
  return (PURPOSES as readonly string[]).includes(value);
}
