/** Injection token of the set of configured surface names. */
export const SURFACE_NAMES = Symbol('SURFACE_NAMES');
