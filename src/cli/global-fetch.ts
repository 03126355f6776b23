// TF.js' Node platform falls back to `require('node-fetch')` only where no global fetch exists; the CLI needs
// Node 20, which has one, so the bundle maps that import here instead of shipping a package it never loads.
export default globalThis.fetch;
