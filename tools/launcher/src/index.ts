export * from './stack';
export * from './health';
export * from './repo-root';
export * from './requests';
export * from './training';
