export * from './privacy-mode';
export * from './privacy-context';
export * from './codec';
