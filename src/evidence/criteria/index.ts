import type { CollectorFactory } from '../model.ts';

/** The criteria of a package, in the order the report shows them. */
export const CRITERION_FACTORIES: CollectorFactory[] = [];
