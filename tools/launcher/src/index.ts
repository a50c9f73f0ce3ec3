export * from './stack';
export * from './health';
export * from './repo-root';
