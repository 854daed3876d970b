/** The planner: declarative workflow templates -> a run's DAG of stages. */
export * from './condition.js';
export * from './planner.js';
export * from './template.js';
export * from './template-registry.js';
export { campaignContentTemplate } from './templates/campaign-content.template.js';
