export * from './errors.js';
export * from './values.js';
export * from './messages.js';
export * from './parse.js';
export * from './exportStream.js';
export * from './identity.js';
