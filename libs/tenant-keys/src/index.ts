export * from './tenant-id';
export * from './keys';
export * from './pseudonym';
