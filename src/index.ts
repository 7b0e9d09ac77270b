/**
 * moelab's public API (what notebooks import from "moelab"). Re-exports only: each area's owner adds its own
 * line. Keep names unique across areas (or export a namespace, as the pipeline engine does).
 */
export * from './data';
export * as pipeline from './pipeline';
export * from './figures';
export * from './notebooks';
export * from './laws';
export * from './runs';
export * from './inference';
export * from './model';
export * from './train';
export * from './accounting';
export * from './backend';
/** The claims as tests (`claims.sharedExpertHelps`, `claims.peerMoreExpertsHelp`, …): the code the report's verdicts come from. */
export * as claims from './report/claims';
