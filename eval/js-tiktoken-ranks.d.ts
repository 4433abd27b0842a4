// js-tiktoken exposes its ranks through package "exports", which TypeScript's node10 resolution cannot see.
declare module 'js-tiktoken/ranks/o200k_base' {
  import type { TiktokenBPE } from 'js-tiktoken/lite';
  const ranks: TiktokenBPE;
  export default ranks;
}
