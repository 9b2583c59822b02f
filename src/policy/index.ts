export * from './purpose.js';
export * from './sampling.js';
export * from './consent.js';
export * from './retention.js';
export * from './language.js';
export * from './windows.js';
export * from './answer.js';
export * from './monitor.js';
