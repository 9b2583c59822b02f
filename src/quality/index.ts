export * from './form.js';
export * from './form-schema.js';
export * from './default-form.js';
export * from './scoring.js';
export * from './evaluation-state.js';
export * from './form-versioning.js';
export * from './review-draw.js';
export * from './calibration.js';
