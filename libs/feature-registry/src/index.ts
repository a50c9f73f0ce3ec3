export * from './types';
export * from './errors';
export * from './loader';
export * from './validator';
export * from './access-policy';
export { scanLines } from './yaml-lines';
export type { EntryLines, FileLines } from './yaml-lines';
export * from './surfaces';
export * from './experiments';
