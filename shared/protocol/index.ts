export * from './errors.js';
export * from './values.js';
export * from './messages.js';
export * from './parse.js';
